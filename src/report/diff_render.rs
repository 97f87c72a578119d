//! The layout of `busbar diff`: a one-line summary ("2 limits now FAIL,
//! 1 now passes, 14 metrics changed"), then the verdict flips, then the
//! inputs that differ, then the metrics; as plain text (one line per
//! change) or as Markdown tables for a pull-request comment. Rows of
//! identical units fold into one (`row_groups`): `min tray1…18.bus50`.
//!
//! Owns the wording and number formats of a diff. Must not decide what
//! changed (that is `diff`).

use super::diff::{Change, Datum, Kind};
use super::row_groups::group_rows;
use crate::units::{eng_sig, is_noise};

/// How many changes of each sort, for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Limits that pass (or were absent or in error) before and fail after.
    pub now_fail: usize,
    /// Limits that did not pass before and pass after.
    pub now_pass: usize,
    /// Other verdict changes (to or from `error`, or a limit removed).
    pub other_verdicts: usize,
    pub inputs: usize,
    pub metrics: usize,
}

impl Counts {
    pub fn of(changes: &[Change]) -> Counts {
        let mut n = Counts::default();
        for c in changes {
            match (c.kind, flip(c)) {
                (Kind::Verdict, Flip::NowFail) => n.now_fail += 1,
                (Kind::Verdict, Flip::NowPass) => n.now_pass += 1,
                (Kind::Verdict, Flip::Other) => n.other_verdicts += 1,
                (Kind::Input, _) => n.inputs += 1,
                (Kind::Metric, _) => n.metrics += 1,
            }
        }
        n
    }

    /// `2 limits now FAIL, 1 now passes, 3 inputs changed, 14 metrics
    /// changed`; counts of zero are left out, `no changes` when all are.
    pub fn line(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let parts: Vec<String> = [
            (self.now_fail, "limit now FAILS", "limits now FAIL"),
            (self.now_pass, "now passes", "now pass"),
            (
                self.other_verdicts,
                "other verdict changed",
                "other verdicts changed",
            ),
            (self.inputs, "input changed", "inputs changed"),
            (self.metrics, "metric changed", "metrics changed"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| plural(n, one, many))
        .collect();
        if parts.is_empty() {
            "no changes".into()
        } else {
            parts.join(", ")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flip {
    NowFail,
    NowPass,
    Other,
}

fn word(d: &Option<Datum>) -> Option<&str> {
    match d {
        Some(Datum::Text(t)) => Some(t),
        _ => None,
    }
}

fn flip(c: &Change) -> Flip {
    match (word(&c.before), word(&c.after)) {
        (b, Some("fail")) if b != Some("fail") => Flip::NowFail,
        (b, Some("pass")) if b != Some("pass") => Flip::NowPass,
        _ => Flip::Other,
    }
}

/// One change in words: label, before, after and the change between them.
struct Shown {
    label: String,
    before: String,
    after: String,
    delta: String,
}

/// The changes in reading order: verdicts that now fail, that now pass,
/// other verdicts, inputs, metrics; identical units folded.
fn sections(changes: &[Change]) -> Vec<(&'static str, Vec<Shown>)> {
    let pick = |keep: &dyn Fn(&Change) -> bool| -> Vec<Shown> {
        let rows: Vec<(String, [String; 3])> = changes
            .iter()
            .filter(|c| keep(c))
            .map(|c| {
                let s = shown(c);
                (s.label, [s.before, s.after, s.delta])
            })
            .collect();
        group_rows(rows)
            .into_iter()
            .map(|(label, [before, after, delta])| Shown {
                label,
                before,
                after,
                delta,
            })
            .collect()
    };
    let verdict = |f: Flip| move |c: &Change| c.kind == Kind::Verdict && flip(c) == f;
    vec![
        ("Limits that now fail", pick(&verdict(Flip::NowFail))),
        ("Limits that now pass", pick(&verdict(Flip::NowPass))),
        ("Other verdict changes", pick(&verdict(Flip::Other))),
        ("Inputs", pick(&|c: &Change| c.kind == Kind::Input)),
        (
            "Metrics and margins",
            pick(&|c: &Change| c.kind == Kind::Metric),
        ),
    ]
}

/// The diff as text: the summary line, then one line per change,
/// `min bus800: 788.20 V → 781.00 V (-7.200 V)`.
pub fn render(changes: &[Change]) -> String {
    let mut out = Counts::of(changes).line();
    out.push('\n');
    for (_, rows) in sections(changes) {
        for s in rows {
            let tail = if s.delta.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.delta)
            };
            out.push_str(&format!("{}: {} → {}{tail}\n", s.label, s.before, s.after));
        }
    }
    out
}

/// The diff as Markdown for a pull-request comment: the summary line in
/// bold, then one table per non-empty section, verdict flips first.
pub fn render_markdown(changes: &[Change]) -> String {
    let mut out = format!("**busbar diff: {}**\n", Counts::of(changes).line());
    for (title, rows) in sections(changes) {
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n#### {title}\n\n| | before | after | change |\n|---|---:|---:|---:|\n"
        ));
        for s in rows {
            let cells = [&s.label, &s.before, &s.after, &s.delta].map(|c| md_cell(c));
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out
}

/// Escapes what would break a Markdown table cell.
fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn shown(c: &Change) -> Shown {
    let label = c
        .label
        .strip_suffix(": verdict")
        .unwrap_or(&c.label)
        .to_string();
    let (before, after, delta) = match (&c.before, &c.after) {
        (
            Some(Datum::Number {
                value: x,
                unit,
                margin: mx,
            }),
            Some(Datum::Number {
                value: y,
                margin: my,
                ..
            }),
        ) if c.kind != Kind::Input => numbers(*x, *y, unit, (*mx, *my)),
        (Some(Datum::Number { value: x, .. }), Some(Datum::Number { value: y, .. })) => {
            let delta = if *x != 0.0 {
                format!("{:+.2} %", 100.0 * (y - x) / x.abs())
            } else {
                String::new()
            };
            (plain(*x), plain(*y), delta)
        }
        (a, b) => (show(a, c.kind), show(b, c.kind), String::new()),
    };
    Shown {
        label,
        before,
        after,
        delta,
    }
}

/// Two measured values with as many digits as it takes to tell them
/// apart, and their difference (or, for a limit, the margins).
fn numbers(
    x: f64,
    y: f64,
    unit: &str,
    margins: (Option<f64>, Option<f64>),
) -> (String, String, String) {
    let scale = x.abs().max(y.abs());
    let mut sig = 5;
    while sig < 12 && fmt(x, unit, sig, scale) == fmt(y, unit, sig, scale) {
        sig += 1;
    }
    let delta = match margins {
        (Some(a), Some(b)) => {
            let scale = a.abs().max(b.abs());
            format!(
                "margin {} → {}",
                fmt(a, unit, sig, scale),
                fmt(b, unit, sig, scale)
            )
        }
        _ => {
            // Fixed-point units keep the decimals that told the two values
            // apart; SI-prefixed ones need 4 digits.
            let fixed = matches!(unit, "%" | "dB" | "°" | "" | "events");
            let d = fmt(y - x, unit, if fixed { sig } else { 4 }, scale);
            format!(
                "{}{d}",
                if y >= x && !d.starts_with('-') {
                    "+"
                } else {
                    ""
                }
            )
        }
    };
    (fmt(x, unit, sig, scale), fmt(y, unit, sig, scale), delta)
}

/// An input value as written in a circuit or on the command line.
fn plain(x: f64) -> String {
    if x == 0.0 || (1e-3..1e7).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn show(d: &Option<Datum>, kind: Kind) -> String {
    match d {
        None => "(absent)".to_string(),
        Some(Datum::Text(t)) if t == "fail" => "FAIL".to_string(),
        Some(Datum::Text(t)) => t.clone(),
        Some(Datum::Number { value, .. }) if kind == Kind::Input => plain(*value),
        Some(Datum::Number { value, unit, .. }) => fmt(*value, unit, 5, value.abs()),
    }
}

/// Percentages, angles and decibels in fixed point (a margin of 0.5 %
/// reads `0.50 %`, not `500.0 m%`); everything else with SI prefixes. A
/// value that is round-off against `scale` (see [`is_noise`]) prints as 0.
fn fmt(x: f64, unit: &str, significant: usize, scale: f64) -> String {
    let x = if is_noise(x, scale) { 0.0 } else { x };
    let decimals = significant.saturating_sub(3).max(2);
    match unit {
        "%" | "dB" => format!("{x:.decimals$} {unit}"),
        "°" => format!("{x:.decimals$}°"),
        "" | "events" => format!("{x:.decimals$} {unit}").trim_end().to_string(),
        u if x == 0.0 => format!("0 {u}"),
        u => eng_sig(x, u, significant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(label: &str, before: &str, after: &str) -> Change {
        Change {
            label: format!("{label}: verdict"),
            kind: Kind::Verdict,
            before: Some(Datum::Text(before.into())),
            after: Some(Datum::Text(after.into())),
        }
    }

    fn number(label: &str, kind: Kind, x: f64, y: f64, unit: &str) -> Change {
        let d = |value| {
            Some(Datum::Number {
                value,
                unit: unit.into(),
                margin: None,
            })
        };
        Change {
            label: label.into(),
            kind,
            before: d(x),
            after: d(y),
        }
    }

    fn changes() -> Vec<Change> {
        let mut c = vec![number("min bus800", Kind::Metric, 788.2, 781.0, "V")];
        c.extend(
            (1..=18).map(|i| number(&format!("min tray{i}.bus50"), Kind::Metric, 48.1, 47.9, "V")),
        );
        c.push(verdict("Settling bus800 ≤ 5 ms", "fail", "pass"));
        c.push(verdict("Deviation bus800 ≤ ±3 %", "pass", "fail"));
        c.push(verdict("Deviation tray1.bus50 ≤ ±3 %", "pass", "fail"));
        c.push(number("param p_rack", Kind::Input, 150e3, 160e3, ""));
        c
    }

    #[test]
    fn flips_come_first_with_a_summary_line() {
        let text = render(&changes());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "2 limits now FAIL, 1 now passes, 1 input changed, 19 metrics changed"
        );
        assert_eq!(lines[1], "Deviation bus800 ≤ ±3 %: pass → FAIL");
        assert_eq!(lines[2], "Deviation tray1.bus50 ≤ ±3 %: pass → FAIL");
        assert_eq!(lines[3], "Settling bus800 ≤ 5 ms: FAIL → pass");
        assert_eq!(lines[4], "param p_rack: 150000 → 160000 (+6.67 %)");
        assert_eq!(lines[5], "min bus800: 788.20 V → 781.00 V (-7.200 V)");
        assert_eq!(
            lines[6],
            "min tray1…18.bus50 (18 identical): 48.100 V → 47.900 V (-200.0 mV)"
        );
        assert_eq!(lines.len(), 7);
    }

    #[test]
    fn markdown_tables_put_flips_first() {
        let md = render_markdown(&changes());
        assert!(md.starts_with("**busbar diff: 2 limits now FAIL, 1 now passes"));
        let fail = md.find("#### Limits that now fail").unwrap_or(usize::MAX);
        let pass = md.find("#### Limits that now pass").unwrap_or(usize::MAX);
        let inputs = md.find("#### Inputs").unwrap_or(usize::MAX);
        let metrics = md.find("#### Metrics").unwrap_or(usize::MAX);
        assert!(fail < pass && pass < inputs && inputs < metrics, "{md}");
        assert!(
            md.contains("| Deviation bus800 ≤ ±3 % | pass | FAIL |  |"),
            "{md}"
        );
        assert!(
            md.contains("| min tray1…18.bus50 (18 identical) | 48.100 V | 47.900 V | -200.0 mV |"),
            "{md}"
        );
        assert!(!md.contains("Other verdict"));
        assert_eq!(md_cell("a|b"), "a\\|b");
    }

    #[test]
    fn round_off_prints_as_zero() {
        let (a, b, _) = numbers(-1.975e-220, 12.5, "A", (None, None));
        assert_eq!((a.as_str(), b.as_str()), ("0 A", "12.500 A"));
    }
}
