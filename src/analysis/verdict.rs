//! The outcome of one limit: pass, fail or error, with the measured value,
//! the limit, the margin and where and when it was worst; plus the names
//! and number formats used wherever verdicts are shown.
//!
//! The margin is signed so that positive always means "inside the limit
//! by this much", whatever the direction of the limit; a reviewer can
//! compare margins across runs without knowing each limit's sense.

use crate::analysis::limits::Limit;
use crate::units::{eng, eng_sig, eng_time};
use serde::{Deserialize, Serialize};

/// Pass, fail, or could not be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Not evaluated: nothing recorded to judge, a non-finite result, or
    /// an analysis that is not available. Never counts as a pass.
    Error,
}

/// The verdict on one limit of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Limit variant, e.g. `Deviation`.
    #[serde(default)]
    pub kind: String,
    /// The limit as a reader would say it: `Deviation bus800 ≤ 3 %`.
    pub name: String,
    pub status: Status,
    pub measured: Option<f64>,
    pub limit: Option<f64>,
    /// Positive: inside the limit by this much; negative: outside.
    pub margin: Option<f64>,
    /// Unit of measured, limit and margin (`V`, `%`, `s`, `W/s`, …).
    pub unit: String,
    /// Node, component or event target where the worst case occurred.
    pub target: Option<String>,
    /// When the worst case occurred.
    pub time: Option<f64>,
    /// One sentence with the particulars.
    #[serde(default)]
    pub detail: String,
}

/// A measurement of one limit, before it is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub measured: f64,
    pub limit: f64,
    pub margin: f64,
    pub unit: &'static str,
    pub target: Option<String>,
    pub time: Option<f64>,
    pub detail: String,
}

impl Verdict {
    /// A verdict on `limit` from a measurement: pass when the margin is
    /// not negative.
    pub fn judged(limit: &Limit, m: Measure) -> Self {
        Verdict::new(limit.kind(), limit_name(limit), m)
    }

    /// A verdict on any named criterion (golden waveforms use this).
    pub fn new(kind: &str, name: String, m: Measure) -> Self {
        let status = if m.margin.is_nan() {
            Status::Error
        } else if m.margin >= 0.0 {
            Status::Pass
        } else {
            Status::Fail
        };
        Verdict {
            kind: kind.to_string(),
            name,
            status,
            measured: Some(m.measured).filter(|x| !x.is_nan()),
            limit: Some(m.limit),
            margin: Some(m.margin).filter(|x| !x.is_nan()),
            unit: m.unit.to_string(),
            target: m.target,
            time: m.time,
            detail: m.detail,
        }
    }

    /// A limit that could not be evaluated, and why.
    pub fn error(limit: &Limit, why: impl Into<String>) -> Self {
        Verdict {
            kind: limit.kind().to_string(),
            name: limit_name(limit),
            status: Status::Error,
            measured: None,
            limit: None,
            margin: None,
            unit: String::new(),
            target: None,
            time: None,
            detail: why.into(),
        }
    }

    /// One line for a terminal, test-runner style:
    /// `pass  Deviation bus800 ≤ 3 %: 2.41 % (margin 0.59 %) at bus800, t = 5.84 ms`.
    pub fn line(&self) -> String {
        let tag = match self.status {
            Status::Pass => "pass ",
            Status::Fail => "FAIL ",
            Status::Error => "ERROR",
        };
        let mut out = format!("{tag} {}", self.name);
        match (self.measured, self.margin) {
            (Some(m), Some(g)) => {
                out.push_str(&format!(
                    ": {} (margin {})",
                    value(m, &self.unit),
                    value(g, &self.unit)
                ));
            }
            _ => out.push_str(&format!(": {}", self.detail)),
        }
        if let Some(t) = &self.target {
            out.push_str(&format!(" at {t}"));
        }
        if let Some(t) = self.time {
            out.push_str(&format!(", t = {}", eng_time(t)));
        }
        out
    }
}

/// A value with its unit, in the format verdicts use: seconds and most
/// units in engineering notation, percentages and angles fixed-point.
pub fn value(x: f64, unit: &str) -> String {
    if !x.is_finite() {
        return format!("{x} {unit}").trim_end().to_string();
    }
    match unit {
        "%" => format!("{x:.2} %"),
        "ppm" => format!("{x:.2} ppm"),
        "°" => format!("{x:.1}°"),
        "dB" => format!("{x:.2} dB"),
        "" => format!("{x:.4}"),
        "events" => format!("{x:.0} events"),
        "s" => eng_time(x),
        // A bus 0.04 V under its 800 V nominal must not read 800.0 V.
        "V" => eng_sig(x, "V", 5),
        u => eng(x, u),
    }
}

/// A threshold as written by the user, without trailing zeros: `48.5 V`,
/// `2 ms`, `3 %`.
pub fn threshold(x: f64, unit: &str) -> String {
    let text = match unit {
        "%" | "ppm" | "°" | "dB" | "" => format!("{x}{}", spaced(unit)),
        "s" => eng_time(x),
        u => eng(x, u),
    };
    trim_zeros(&text)
}

fn spaced(unit: &str) -> String {
    match unit {
        "" | "°" => unit.to_string(),
        u => format!(" {u}"),
    }
}

/// `48.50 V` → `48.5 V`, `2.000 ms` → `2 ms`.
fn trim_zeros(text: &str) -> String {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'));
    let (number, rest) = text.split_at(split.unwrap_or(text.len()));
    if !number.contains('.') {
        return text.to_string();
    }
    let number = number.trim_end_matches('0').trim_end_matches('.');
    format!("{number}{rest}")
}

/// The limit as a reader would say it.
pub fn limit_name(limit: &Limit) -> String {
    limit.spec().name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::limits::Deviation;

    #[test]
    fn lines() {
        let d = Limit::Deviation(Deviation {
            node: "bus800".into(),
            max_percent: 3.0,
        });
        let v = Verdict::judged(
            &d,
            Measure {
                measured: 2.41,
                limit: 3.0,
                margin: 0.59,
                unit: "%",
                target: Some("bus800".into()),
                time: Some(5.84e-3),
                detail: String::new(),
            },
        );
        assert_eq!(v.status, Status::Pass);
        assert_eq!(
            v.line(),
            "pass  Deviation bus800 ≤ ±3 %: 2.41 % (margin 0.59 %) at bus800, t = 5.840 ms"
        );
        let e = Verdict::error(&d, "nothing recorded");
        assert!(e.line().starts_with("ERROR Deviation"));
    }
}
