//! The syntax of `record` entries: `v(node)` or a bare node name for a
//! voltage (also a component's own voltage, an ActiveFrontEnd's PCC),
//! `i(component)` for a current, `p(component)` for a power,
//! `soc(component)` for a storage device's state of charge, `loss(component)`
//! for a dissipated power.
//!
//! Owns only the parsing of one entry. Must not decide which names exist
//! (`bind`) or how a quantity is measured (the engine).

/// What a record entry measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    /// A node voltage to ground, or a component's own voltage (the
    /// line-to-line RMS PCC voltage of an ActiveFrontEnd).
    Voltage,
    /// A component's current, positive from its first terminal to its second.
    Current,
    /// A component's power.
    Power,
    /// A storage component's state of charge (a battery, a BBU's cells).
    StateOfCharge,
    /// Power dissipated inside a component.
    Loss,
}

impl ProbeKind {
    /// Whether the target names a node (else a component).
    pub fn on_node(self) -> bool {
        self == ProbeKind::Voltage
    }
}

/// The forms a `record` entry takes, for the reference: the kind, the
/// syntax, what it measures with its unit, and an example (each example
/// parses to its kind: see the tests below).
pub const FORMS: &[(ProbeKind, &str, &str, &str)] = &[
    (
        ProbeKind::Voltage,
        "`v(node)` or `node`; `v(component)`",
        "Node voltage to ground, V; the column is named `node` on a declared bus, else `v(node)`. Of a component with a voltage of its own (an ActiveFrontEnd): its PCC voltage, line-to-line RMS, V, column `v(component)`, 1 pu = its `grid_vll`.",
        "v(tray*.bus50)",
    ),
    (
        ProbeKind::Current,
        "`i(component)`",
        "Current through a component, A, positive from its first terminal to its second (a source delivering power is negative; a battery's is positive when discharging).",
        "i(feed)",
    ),
    (
        ProbeKind::Power,
        "`p(component)`",
        "Power of a component, W, with the same sign as its current.",
        "p(grid)",
    ),
    (
        ProbeKind::StateOfCharge,
        "`soc(component)`",
        "State of charge of a storage component (Battery, Bbu, CapBank), 0 to 1.",
        "soc(bbu*)",
    ),
    (
        ProbeKind::Loss,
        "`loss(component)`",
        "Power dissipated inside a component, W, never negative: I²R of resistances and ESRs, a converter's (1/η − 1)·p_out, a DCX's no-load and conduction loss, a battery's internal resistances.",
        "loss(row*.seg*)",
    ),
];

/// One parsed `record` entry. `target` may be a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub kind: ProbeKind,
    pub target: String,
}

impl Probe {
    /// Parses `v(x)`, `i(x)`, `p(x)`, `soc(x)` (either case) or a bare node
    /// name `x`.
    /// The error says what was expected.
    pub fn parse(entry: &str) -> Result<Probe, String> {
        let entry = entry.trim();
        let expected =
            "expected `v(node)`, `i(component)`, `p(component)`, `soc(component)`, `loss(component)` or a bare node name";
        let Some(open) = entry.find('(') else {
            if entry.is_empty() || entry.contains(')') || entry.contains(char::is_whitespace) {
                return Err(expected.to_string());
            }
            return Ok(Probe {
                kind: ProbeKind::Voltage,
                target: entry.to_string(),
            });
        };
        let kind = match &entry[..open] {
            "v" | "V" => ProbeKind::Voltage,
            "i" | "I" => ProbeKind::Current,
            "p" | "P" => ProbeKind::Power,
            "soc" | "SOC" => ProbeKind::StateOfCharge,
            "loss" | "LOSS" => ProbeKind::Loss,
            other => return Err(format!("unknown quantity `{other}`; {expected}")),
        };
        let target = entry[open + 1..]
            .strip_suffix(')')
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.contains(['(', ')']))
            .ok_or_else(|| expected.to_string())?;
        Ok(Probe {
            kind,
            target: target.to_string(),
        })
    }
}

/// What a voltage pattern names: `x` for `v(x)` (or `V(x)`), else the
/// pattern itself. A limit's `node` may be written either way, as a
/// `record` entry may.
pub fn voltage_target(pattern: &str) -> &str {
    let p = pattern.trim();
    p.strip_prefix("v(")
        .or_else(|| p.strip_prefix("V("))
        .and_then(|inner| inner.strip_suffix(')'))
        .map_or(p, str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_forms_parse_to_their_kind_and_cover_every_kind() {
        for (kind, _, _, example) in FORMS {
            assert_eq!(
                Probe::parse(example).map(|p| p.kind),
                Ok(*kind),
                "{example}"
            );
        }
        for kind in [
            ProbeKind::Voltage,
            ProbeKind::Current,
            ProbeKind::Power,
            ProbeKind::StateOfCharge,
            ProbeKind::Loss,
        ] {
            // A new kind must be added here (the match fails to compile)
            // and to FORMS (this assertion fails).
            match kind {
                ProbeKind::Voltage
                | ProbeKind::Current
                | ProbeKind::Power
                | ProbeKind::StateOfCharge
                | ProbeKind::Loss => {}
            }
            assert!(
                FORMS.iter().any(|f| f.0 == kind),
                "{kind:?} is undocumented"
            );
        }
    }

    #[test]
    fn parses_entries() {
        let p = |s: &str| Probe::parse(s);
        assert_eq!(p("bus800").map(|p| p.kind), Ok(ProbeKind::Voltage));
        assert_eq!(
            p("v(tray*.bus50)").map(|p| p.target),
            Ok("tray*.bus50".to_string())
        );
        assert_eq!(p("I(grid)").map(|p| p.kind), Ok(ProbeKind::Current));
        assert_eq!(
            p("p( tray1.gpu )").map(|p| p.target),
            Ok("tray1.gpu".to_string())
        );
        assert_eq!(
            p("soc(bbu1.bbu)").map(|p| (p.kind, p.target)),
            Ok((ProbeKind::StateOfCharge, "bbu1.bbu".to_string()))
        );
        assert!(p("q(x)").is_err_and(|e| e.contains("unknown quantity `q`")));
        assert!(p("i(x").is_err());
        assert!(p("i()").is_err());
        assert!(p("").is_err());
        assert!(p("a b").is_err());
    }

    #[test]
    fn voltage_targets_drop_the_v() {
        assert_eq!(voltage_target("v(sst)"), "sst");
        assert_eq!(voltage_target(" V( row*.bus800 ) "), "row*.bus800");
        assert_eq!(voltage_target("bus800"), "bus800");
        // Only a whole `v(...)` is unwrapped.
        assert_eq!(voltage_target("v(sst"), "v(sst");
        assert_eq!(voltage_target("i(sst)"), "i(sst)");
    }
}
