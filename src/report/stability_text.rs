//! Terminal rendering of a `StabilityReport`: one screen a power architect
//! can read top to bottom.
//!
//! Owns layout and wording only; every number comes from the report.

use crate::analysis::stability::{Mode, Share, StabilityReport};
use crate::units::{eng3, frequency};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Identical racks or trays give repeated eigenvalues whose individual
/// eigenvectors are arbitrary; only the participation of the whole
/// eigenspace means something. Consecutive equal modes become one line
/// with their summed participation.
/// A run of equal modes: the first, how many, participation sums, and the
/// reasons of the neutral ones.
/// The sums are per component and per subsystem.
type Group = (Mode, usize, [BTreeMap<String, f64>; 2], Vec<String>);

fn grouped(modes: &[Mode]) -> Vec<(Mode, usize)> {
    let mut out: Vec<Group> = Vec::new();
    for m in modes {
        let same = out.last().is_some_and(|(g, ..)| {
            g.is_neutral() == m.is_neutral()
                && (g.eigenvalue() - m.eigenvalue()).norm() <= 1e-9 * m.eigenvalue().norm()
        });
        if !same {
            out.push((m.clone(), 0, Default::default(), Vec::new()));
        }
        if let Some((_, count, [by_component, by_subsystem], why)) = out.last_mut() {
            *count += 1;
            for s in &m.components {
                *by_component.entry(s.name.clone()).or_default() += s.fraction;
            }
            for s in &m.subsystems {
                *by_subsystem.entry(s.name.clone()).or_default() += s.fraction;
            }
            why.extend(m.neutral.iter().cloned());
        }
    }
    out.into_iter()
        .map(|(mut g, count, [by_component, by_subsystem], why)| {
            if count > 1 && !why.is_empty() {
                // "integrator: a" ×3 reads "integrators: a, b, c".
                let states: Option<Vec<&str>> =
                    why.iter().map(|w| w.strip_prefix("integrator: ")).collect();
                g.neutral = Some(match states {
                    Some(states) => format!("integrators: {}", states.join(", ")),
                    None => why.join("; "),
                });
            }
            if count > 1 {
                g.components = normalised(by_component);
                g.subsystems = normalised(by_subsystem);
            }
            (g, count)
        })
        .collect()
}

/// Summed shares as fractions of their total, largest first.
fn normalised(sum: BTreeMap<String, f64>) -> Vec<Share> {
    let total: f64 = sum.values().sum();
    let mut shares: Vec<Share> = sum
        .into_iter()
        .map(|(name, f)| Share {
            name,
            fraction: f / total,
        })
        .collect();
    shares.sort_by(|a, b| b.fraction.total_cmp(&a.fraction));
    shares
}

/// "  — made by 48 V racks 91 %", or nothing for a mode without shares.
fn made_by(m: &Mode) -> String {
    m.made_by().map_or(String::new(), |s| {
        format!("  — made by {} {:.0} %", s.name, 100.0 * s.fraction)
    })
}

fn opt_deg(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{x:.1}°"))
}

fn opt_db(v: Option<f64>) -> String {
    v.map_or("∞".into(), |x| format!("{x:.1} dB"))
}

fn opt_hz(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| eng3(x, "Hz"))
}

impl StabilityReport {
    /// The report as text, listing at most `max_modes` modes.
    pub fn to_text(&self, max_modes: usize) -> String {
        let mut s = String::new();
        let scenario = self
            .scenario
            .as_ref()
            .map_or(String::new(), |n| format!(", scenario {n}"));
        let _ = writeln!(
            s,
            "{} — operating point at t = {} s{scenario}",
            self.circuit, self.at
        );
        let _ = writeln!(
            s,
            "  {} unknowns, {} differential states",
            self.unknowns, self.states
        );
        let with_dev: Vec<_> = self
            .operating_point
            .iter()
            .filter(|b| b.deviation_percent.is_some())
            .collect();
        let lowest = with_dev.iter().min_by(|a, b| {
            a.deviation_percent
                .unwrap_or(0.0)
                .total_cmp(&b.deviation_percent.unwrap_or(0.0))
        });
        if let Some(low) = lowest {
            let _ = writeln!(
                s,
                "  {} buses; lowest {} at {:.2} V ({:+.2} % of {} V)",
                with_dev.len(),
                low.node,
                low.volts,
                low.deviation_percent.unwrap_or(0.0),
                low.nominal.unwrap_or(0.0)
            );
        }

        let _ = writeln!(s);
        match &self.modes {
            Some(m) => {
                let verdict = match self.stable {
                    Some(true) => "stable".to_string(),
                    _ => format!(
                        "UNSTABLE: {} mode(s) with σ > 0",
                        m.modes.iter().filter(|x| x.is_unstable()).count()
                    ),
                };
                let residual = if m.residual.is_finite() {
                    format!(", residual {:.1e}", m.residual)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    s,
                    "Modes: {verdict}; {} below ζ {} ({} states, {}, {:.3} s{residual})",
                    self.poorly_damped, self.damping_threshold, m.states, m.method, m.seconds,
                );
                let groups = grouped(&m.modes);
                for (mode, count) in groups.iter().take(max_modes) {
                    let flag = if mode.is_unstable() {
                        "  UNSTABLE"
                    } else if mode.is_poorly_damped(self.damping_threshold) {
                        "  poorly damped"
                    } else {
                        ""
                    };
                    let repeated = if *count > 1 {
                        format!("  (×{count}, repeated)")
                    } else {
                        String::new()
                    };
                    let _ = writeln!(s, "  {}{}{flag}{repeated}", mode.describe(), made_by(mode));
                }
                if groups.len() > max_modes {
                    let _ = writeln!(
                        s,
                        "  … {} more (--json lists all)",
                        groups.len() - max_modes
                    );
                }
            }
            None => {
                let _ = writeln!(s, "Modes: not computed");
            }
        }

        let _ = writeln!(s);
        let _ = writeln!(s, "Loop gains (broken at the current command i*):");
        if self.loops.is_empty() {
            let _ = writeln!(s, "  none: no regulated converter");
        }
        for l in &self.loops {
            let m = &l.margins;
            let lower = m
                .lower_gain_margin_db
                .map_or(String::new(), |g| format!(", lower gain margin {g:.1} dB"));
            let _ = writeln!(
                s,
                "  {:<24} crossover {}, phase margin {}, gain margin {}{lower}",
                l.device,
                opt_hz(m.crossover_hz),
                opt_deg(m.phase_margin_deg),
                opt_db(m.gain_margin_db)
            );
            if let Some(n) = &l.nyquist {
                let _ = writeln!(s, "  {:<24} {}", "", n.describe());
            }
            if let Some(note) = &l.note {
                let _ = writeln!(s, "  {:<24} note: {note}", "");
            }
        }

        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Bus impedance, {} to {}:",
            eng3(self.frequency_range_hz[0], "Hz"),
            eng3(self.frequency_range_hz[1], "Hz")
        );
        for b in &self.buses {
            let target = match (b.target_ohms, b.peak_over_target) {
                (Some(t), Some(r)) => format!(
                    "  target {} ({}){}",
                    eng3(t, "Ω"),
                    if r > 1.0 { "FAIL" } else { "ok" },
                    if r > 1.0 {
                        format!(" peak is {r:.2}× target")
                    } else {
                        String::new()
                    }
                ),
                _ => String::new(),
            };
            if b.peak_ohms == 0.0 {
                let _ = writeln!(s, "  {:<24} 0 Ω: held by a voltage source", b.node);
                continue;
            }
            let _ = writeln!(
                s,
                "  {:<24} peak {} at {}{}{target}",
                b.node,
                eng3(b.peak_ohms, "Ω"),
                eng3(b.peak_hz, "Hz"),
                if b.non_passive { ", non-passive" } else { "" }
            );
        }

        if !self.interfaces.is_empty() {
            let _ = writeln!(s);
            let _ = writeln!(s, "Interface minor-loop gain T_m = Z_source/Z_load:");
            for i in &self.interfaces {
                let _ = writeln!(
                    s,
                    "  {}.{} at {}: Middlebrook margin {:.1} dB ({}), GM {}, PM {}, GMPM {}",
                    i.component,
                    i.terminal,
                    i.node,
                    i.middlebrook_margin_db,
                    if i.middlebrook_ok { "ok" } else { "fails" },
                    opt_db(i.margins.gain_margin_db),
                    opt_deg(i.margins.phase_margin_deg),
                    if i.gmpm_ok {
                        "ok"
                    } else {
                        "forbidden region entered"
                    }
                );
            }
        }

        for sens in &self.sensitivities {
            let _ = writeln!(s);
            let _ = writeln!(s, "Sensitivity to {} = {}:", sens.parameter, sens.value);
            for m in &sens.modes {
                let _ = writeln!(
                    s,
                    "  mode {}, ζ {:.3}: ∂ζ/∂p·p = {:+.4}, ∂f/∂p·p = {}",
                    frequency(m.frequency_hz),
                    m.damping,
                    m.relative_d_damping,
                    eng3(m.d_frequency_hz * sens.value, "Hz")
                );
            }
        }
        if let Some(b) = &self.boundary {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "Boundary: the least damping reaches ζ = {} at {} = {:.6e} (meets it at {:.6e}, not at {:.6e}; {} evaluations)",
                b.threshold, b.parameter, b.value, b.bracket[0], b.bracket[1], b.evaluations
            );
            if let Some(m) = &b.mode {
                let _ = writeln!(s, "  least-damped there: {}", m.describe());
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(s);
            for n in &self.notes {
                let _ = writeln!(s, "note: {n}");
            }
        }
        s
    }
}
