//! Decides which recorded columns share a figure and how each figure shows
//! them: voltages grouped by bus pattern (`tray1.bus50` … `tray18.bus50`
//! become one figure `tray#.bus50`), one figure for currents, one for
//! powers; at most [`MAX_TRACES`] traces per figure, with a min/max
//! envelope standing in for large groups. When buses of two or more
//! nominal voltages are recorded, one more figure shows them all per unit
//! (`per_unit`).
//!
//! Owns figure grouping, trace selection and file-stem naming, and the
//! name pattern (digit runs, signature) that `row_groups` folds table rows
//! by. Must not draw, scale or write anything.

use super::per_unit::per_unit_plan;
use crate::results::{Column, Quantity};
use std::collections::{HashMap, HashSet};

/// More lines than this on one axis stop being readable.
pub(crate) const MAX_TRACES: usize = 12;

/// What to draw in one figure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FigurePlan {
    /// File-system-safe, unique among the plans.
    pub stem: String,
    pub title: String,
    pub quantity: Quantity,
    /// Shared nominal of a voltage group, drawn as a reference line.
    pub nominal: Option<f64>,
    /// What the value axis shows.
    pub axis: ValueAxis,
    /// Every column in the figure (also those only inside an envelope).
    pub columns: Vec<usize>,
    pub traces: Vec<Trace>,
    /// Explains simplifications, e.g. that an envelope replaces lines.
    pub notes: Vec<String>,
}

/// What the value axis of a figure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueAxis {
    /// The plan's quantity in its unit with an SI prefix (a state of
    /// charge in %).
    Quantity,
    /// Each voltage column divided by its own nominal.
    PerUnit,
    /// Energy in joules with an SI prefix: the columns hold joules.
    Energy,
}

/// One legend entry: a single column or the min/max band of several.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trace {
    Line { column: usize, label: String },
    Envelope { columns: Vec<usize>, label: String },
}

/// Columns whose names differ only in their digits.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// Name with only the digit runs that differ between members replaced.
    display: String,
    members: Vec<usize>,
}

/// Plans all figures for a run, in a fixed order: voltage groups in order of
/// first appearance, the per-unit figure of buses of different nominals,
/// then currents, then powers.
pub(crate) fn plan_figures(columns: &[Column]) -> Vec<FigurePlan> {
    let mut plans = Vec::new();
    let voltages: Vec<usize> = indices_of(columns, Quantity::Voltage);
    // Buses with different nominals never share an axis, even if their names
    // differ only in digits (`bus800` and `bus50`).
    let by_nominal = group_by(&voltages, |i| {
        (
            signature(&columns[i].name),
            columns[i].nominal.map(f64::to_bits),
        )
    });
    for members in by_nominal {
        let pattern = make_pattern(columns, members);
        let count = pattern.members.len();
        let title = if count > 1 {
            format!("Voltage: {} ({count} signals)", pattern.display)
        } else {
            format!("Voltage: {}", pattern.display)
        };
        let nominal = columns[pattern.members[0]].nominal;
        plans.push(plan(
            pattern.display.clone(),
            title,
            Quantity::Voltage,
            nominal,
            columns,
            vec![pattern],
        ));
    }
    plans.extend(per_unit_plan(columns));
    for (quantity, name, title) in [
        (Quantity::Current, "currents", "Currents"),
        (Quantity::Power, "powers", "Powers"),
        (Quantity::StateOfCharge, "soc", "State of charge"),
    ] {
        let members = indices_of(columns, quantity);
        if members.is_empty() {
            continue;
        }
        let patterns = group_by(&members, |i| signature(&columns[i].name))
            .into_iter()
            .map(|m| make_pattern(columns, m))
            .collect();
        plans.push(plan(
            name.to_string(),
            title.to_string(),
            quantity,
            None,
            columns,
            patterns,
        ));
    }
    let mut used = HashSet::new();
    for p in &mut plans {
        p.stem = unique_stem(&p.stem, &mut used);
    }
    plans
}

fn indices_of(columns: &[Column], quantity: Quantity) -> Vec<usize> {
    (0..columns.len())
        .filter(|&i| columns[i].quantity == quantity)
        .collect()
}

/// Groups `items` by `key`, keeping groups and members in first-seen order.
pub(crate) fn group_by<K: std::hash::Hash + Eq>(
    items: &[usize],
    key: impl Fn(usize) -> K,
) -> Vec<Vec<usize>> {
    let mut index: HashMap<K, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &i in items {
        let slot = *index.entry(key(i)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[slot].push(i);
    }
    groups
}

pub(crate) fn plan(
    stem: String,
    title: String,
    quantity: Quantity,
    nominal: Option<f64>,
    columns: &[Column],
    patterns: Vec<Pattern>,
) -> FigurePlan {
    let all: Vec<usize> = patterns
        .iter()
        .flat_map(|p| p.members.iter().copied())
        .collect();
    let mut notes = Vec::new();
    let line = |i: usize| Trace::Line {
        column: i,
        label: columns[i].name.clone(),
    };
    let mut traces: Vec<Trace> = if all.len() <= MAX_TRACES {
        all.iter().map(|&i| line(i)).collect()
    } else {
        let mut t = Vec::new();
        for p in &patterns {
            if let [only] = p.members[..] {
                t.push(line(only));
            } else {
                t.push(Trace::Envelope {
                    columns: p.members.clone(),
                    label: format!("{} min/max ({})", p.display, p.members.len()),
                });
                t.push(line(p.members[0]));
                notes.push(format!(
                    "{} signals match {}: drawn as their min/max envelope plus {}",
                    p.members.len(),
                    p.display,
                    columns[p.members[0]].name
                ));
            }
        }
        t
    };
    if traces.len() > MAX_TRACES {
        let hidden = traces.len() - MAX_TRACES;
        traces.truncate(MAX_TRACES);
        notes.push(format!("{hidden} more traces not shown"));
    }
    FigurePlan {
        stem,
        title,
        quantity,
        nominal,
        axis: ValueAxis::Quantity,
        columns: all,
        traces,
        notes,
    }
}

/// Splits a name into runs of ASCII digits and runs of anything else.
pub(crate) fn runs(name: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut digits: Option<bool> = None;
    for (i, ch) in name.char_indices() {
        let d = ch.is_ascii_digit();
        if digits.is_some_and(|prev| prev != d) {
            out.push((digits.unwrap_or(false), &name[start..i]));
            start = i;
        }
        digits = Some(d);
    }
    if let Some(d) = digits {
        out.push((d, &name[start..]));
    }
    out
}

/// The name with every digit run replaced by `#`: names with the same
/// signature differ only in their indices.
pub(crate) fn signature(name: &str) -> String {
    runs(name)
        .into_iter()
        .map(|(digit, text)| if digit { "#" } else { text })
        .collect()
}

/// Builds the display name: digit runs that are equal across all members
/// stay (`bus50`), those that differ become `#` (`tray#`).
pub(crate) fn make_pattern(columns: &[Column], members: Vec<usize>) -> Pattern {
    let first = &columns[members[0]].name;
    let first_runs = runs(first);
    let others: Vec<Vec<(bool, &str)>> = members[1..]
        .iter()
        .map(|&i| runs(&columns[i].name))
        .collect();
    let display = first_runs
        .iter()
        .enumerate()
        .map(|(k, &(digit, text))| {
            let varies = digit && others.iter().any(|r| r.get(k).map(|x| x.1) != Some(text));
            if varies {
                "#"
            } else {
                text
            }
        })
        .collect();
    Pattern { display, members }
}

/// Makes a name safe as a file stem on common file systems: ASCII letters,
/// digits, `-` and `_` only, no leading or repeated `_`, no reserved
/// Windows device names, at most 100 characters.
pub(crate) fn sanitize_stem(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        let c = if ch.is_ascii_alphanumeric() || ch == '-' {
            ch
        } else {
            '_'
        };
        if !(c == '_' && (out.is_empty() || out.ends_with('_'))) {
            out.push(c);
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out.truncate(100);
    if out.is_empty() {
        out.push_str("figure");
    }
    let upper = out.to_ascii_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit());
    if reserved {
        out.push('_');
    }
    out
}

/// Sanitises `name` and appends `_2`, `_3`… until it differs, ignoring case
/// (macOS and Windows file systems do), from every stem in `used`.
pub(crate) fn unique_stem(name: &str, used: &mut HashSet<String>) -> String {
    let base = sanitize_stem(name);
    let mut stem = base.clone();
    let mut n = 2;
    while !used.insert(stem.to_ascii_lowercase()) {
        stem = format!("{base}_{n}");
        n += 1;
    }
    stem
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A recorded column with no samples, for planning tests.
    pub(crate) fn col(name: &str, quantity: Quantity, nominal: Option<f64>) -> Column {
        Column {
            name: name.into(),
            target: name.into(),
            quantity,
            nominal,
            values: vec![].into(),
            extremes: None,
        }
    }

    #[test]
    fn groups_buses_by_pattern_and_nominal() {
        let mut cols = vec![col("bus800", Quantity::Voltage, Some(800.0))];
        cols.extend(
            (1..=18).map(|i| col(&format!("tray{i}.bus50"), Quantity::Voltage, Some(50.0))),
        );
        cols.push(col("bus50", Quantity::Voltage, Some(50.0)));
        cols.push(col("i(lfeed)", Quantity::Current, None));
        cols.push(col("p(tray1.gpu)", Quantity::Power, None));
        let plans = plan_figures(&cols);
        let stems: Vec<&str> = plans.iter().map(|p| p.stem.as_str()).collect();
        assert_eq!(
            stems,
            [
                "bus800",
                "tray_bus50",
                "bus50",
                "buses_pu",
                "currents",
                "powers"
            ]
        );
        let tray = &plans[1];
        assert_eq!(tray.title, "Voltage: tray#.bus50 (18 signals)");
        assert_eq!(tray.columns.len(), 18);
        assert_eq!(tray.nominal, Some(50.0));
        assert!(matches!(&tray.traces[0], Trace::Envelope { columns, .. } if columns.len() == 18));
        assert!(matches!(&tray.traces[1], Trace::Line { column: 1, .. }));
        assert_eq!(tray.traces.len(), 2);
        assert_eq!(tray.notes.len(), 1);
        assert_eq!(plans[0].traces.len(), 1);
    }

    #[test]
    fn small_groups_keep_every_line_and_large_ones_are_capped() {
        let cols: Vec<Column> = (0..12)
            .map(|i| col(&format!("i(f{i})"), Quantity::Current, None))
            .collect();
        let plans = plan_figures(&cols);
        assert_eq!(plans[0].traces.len(), 12);
        assert!(plans[0].notes.is_empty());

        let cols: Vec<Column> = (0..20)
            .map(|i| col(&format!("i{i}x{}", "y".repeat(i)), Quantity::Current, None))
            .collect();
        let plans = plan_figures(&cols);
        assert_eq!(plans[0].traces.len(), MAX_TRACES);
        assert_eq!(plans[0].notes, ["8 more traces not shown"]);
    }

    #[test]
    fn display_keeps_digits_that_do_not_vary() {
        let cols: Vec<Column> = (1..=3)
            .map(|r| {
                col(
                    &format!("row1.rack{r}.tray7.bus50"),
                    Quantity::Voltage,
                    None,
                )
            })
            .collect();
        let plans = plan_figures(&cols);
        assert_eq!(
            plans[0].title,
            "Voltage: row1.rack#.tray7.bus50 (3 signals)"
        );
        assert_eq!(plans[0].stem, "row1_rack_tray7_bus50");
    }

    #[test]
    fn stems_are_safe_and_unique() {
        assert_eq!(sanitize_stem("tray#.bus50"), "tray_bus50");
        assert_eq!(sanitize_stem("v(n1)"), "v_n1");
        assert_eq!(sanitize_stem("a/b\\c*d?e:f"), "a_b_c_d_e_f");
        assert_eq!(sanitize_stem("###"), "figure");
        assert_eq!(sanitize_stem("Ωµ"), "figure");
        assert_eq!(sanitize_stem("con"), "con_");
        assert_eq!(sanitize_stem("COM1"), "COM1_");
        assert_eq!(sanitize_stem(&"x".repeat(300)).len(), 100);
        let mut used = HashSet::new();
        assert_eq!(unique_stem("Bus", &mut used), "Bus");
        assert_eq!(unique_stem("bus", &mut used), "bus_2");
        assert_eq!(unique_stem("b.u.s", &mut used), "b_u_s");
        assert_eq!(unique_stem("bus", &mut used), "bus_3");
    }

    #[test]
    fn name_runs() {
        assert_eq!(signature("tray12.bus50"), "tray#.bus#");
        assert_eq!(signature(""), "");
        assert_eq!(signature("42"), "#");
        assert_eq!(runs("a1b"), [(false, "a"), (true, "1"), (false, "b")]);
    }
}
