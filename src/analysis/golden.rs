//! Golden waveforms: a run compared against stored `waveforms.csv` data
//! within a tolerance envelope, for regression tests of a design.
//!
//! A golden sample (t, g) passes when g lies within the band the new run
//! spans over [t − τ, t + τ], widened by `abs·full_scale + rel·|g|`. The
//! time tolerance τ keeps a step edge that moved by a fraction of a sample
//! from failing on the edge itself, while a wrong level anywhere still
//! fails. The worst point is the one furthest outside its tolerance.

use super::signal::Signal;
use super::verdict::{Measure, Verdict};
use crate::results::Waveforms;
use std::path::{Path, PathBuf};

/// Tolerances of the golden comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    /// Relative tolerance, of |golden value|.
    pub rel: f64,
    /// Absolute tolerance, as a fraction of the column's full scale
    /// (its largest |golden value|), so one number fits volts and watts.
    pub abs_full_scale: f64,
    /// Time tolerance τ, seconds; `None` takes one golden sample step.
    pub time: Option<f64>,
}

impl Default for Envelope {
    fn default() -> Self {
        Envelope {
            rel: 1e-3,
            abs_full_scale: 1e-4,
            time: None,
        }
    }
}

/// Stored waveforms read back from CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Golden {
    pub time: Vec<f64>,
    pub columns: Vec<(String, Vec<f64>)>,
}

/// The point furthest outside (or closest to) its tolerance.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorstPoint {
    pub column: String,
    pub time: f64,
    pub golden: f64,
    pub actual: f64,
    /// Distance of the golden value from the band of the new run.
    pub error: f64,
    pub tolerance: f64,
}

/// Outcome of one comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    pub file: PathBuf,
    pub points: usize,
    /// Golden columns the run did not record.
    pub missing: Vec<String>,
    /// Golden time stamps past the end of the run.
    pub beyond_run: usize,
    pub worst: Option<WorstPoint>,
}

impl Comparison {
    /// Worst error as a multiple of its tolerance (≤ 1 passes).
    pub fn worst_ratio(&self) -> f64 {
        self.worst.as_ref().map_or(0.0, |w| {
            if w.tolerance > 0.0 {
                w.error / w.tolerance
            } else if w.error > 0.0 {
                f64::INFINITY
            } else {
                0.0
            }
        })
    }

    /// The comparison as a verdict, for the check report.
    pub fn verdict(&self) -> Verdict {
        let name = format!("Golden {}", self.file.display());
        if !self.missing.is_empty() || self.beyond_run > 0 {
            let mut why = Vec::new();
            if !self.missing.is_empty() {
                why.push(format!("not recorded: {}", self.missing.join(", ")));
            }
            if self.beyond_run > 0 {
                why.push(format!(
                    "{} golden samples lie past the end of the run",
                    self.beyond_run
                ));
            }
            let mut v = Verdict::new("Golden", name, measure(self, why.join("; ")));
            v.status = super::verdict::Status::Fail;
            return v;
        }
        let detail = self.worst.as_ref().map_or_else(
            || "no samples".to_string(),
            |w| {
                format!(
                    "golden {} vs run {} (tolerance {})",
                    w.golden, w.actual, w.tolerance
                )
            },
        );
        Verdict::new("Golden", name, measure(self, detail))
    }
}

fn measure(c: &Comparison, detail: String) -> Measure {
    let ratio = c.worst_ratio();
    Measure {
        measured: ratio,
        limit: 1.0,
        margin: 1.0 - ratio,
        unit: "",
        target: c.worst.as_ref().map(|w| w.column.clone()),
        time: c.worst.as_ref().map(|w| w.time),
        detail,
    }
}

/// Where the golden file of a scenario lives: `DIR/<scenario path>.csv`,
/// the scenario's path relative to the current folder with `.ron`
/// replaced by `.csv` (`scenarios/nvl72/s1_step.ron` →
/// `DIR/scenarios/nvl72/s1_step.csv`), so that two scenarios of the same
/// file name in different folders never share a golden file. A scenario
/// outside the current folder keeps its whole absolute path under `DIR`
/// (the root dropped), which is just as unique.
pub fn golden_path(dir: &Path, scenario: &Path) -> PathBuf {
    let absolute = std::path::absolute(scenario).unwrap_or_else(|_| scenario.to_path_buf());
    let resolved = std::fs::canonicalize(&absolute).unwrap_or(absolute);
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    let relative = cwd
        .as_deref()
        .and_then(|c| resolved.strip_prefix(c).ok())
        .unwrap_or(&resolved);
    let mut out = dir.to_path_buf();
    for part in relative.components() {
        if let std::path::Component::Normal(p) = part {
            out.push(p);
        }
    }
    if out == dir {
        out.push("scenario");
    }
    out.set_extension("csv");
    out
}

/// Parses a waveforms CSV (as written by `report::waveforms_csv`).
pub fn parse_csv(bytes: &[u8]) -> Result<Golden, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    if headers.get(0) != Some("time") {
        return Err("the first column must be `time`".into());
    }
    let mut golden = Golden {
        time: Vec::new(),
        columns: headers
            .iter()
            .skip(1)
            .map(|h| (h.to_string(), Vec::new()))
            .collect(),
    };
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let number = |k: usize| -> Result<f64, String> {
            let cell = record.get(k).unwrap_or("").trim();
            if cell.is_empty() {
                return Ok(f64::NAN);
            }
            cell.parse()
                .map_err(|_| format!("line {}: `{cell}` is not a number", row + 2))
        };
        golden.time.push(number(0)?);
        for (k, (_, values)) in golden.columns.iter_mut().enumerate() {
            values.push(number(k + 1)?);
        }
    }
    Ok(golden)
}

/// Compares the run `w` against `golden`.
pub fn compare(file: &Path, golden: &Golden, w: &Waveforms, env: &Envelope) -> Comparison {
    let gs = Signal::new(&golden.time, &golden.time);
    let tau = env
        .time
        .or_else(|| gs.span().and_then(|(a, b)| gs.typical_step(a, b)))
        .unwrap_or(0.0);
    let run_end = w.time.last().copied().unwrap_or(f64::NEG_INFINITY);
    let mut out = Comparison {
        file: file.to_path_buf(),
        points: 0,
        missing: Vec::new(),
        beyond_run: 0,
        worst: None,
    };
    let mut worst_ratio = -1.0;
    for (name, values) in &golden.columns {
        let Some(column) = w.columns.iter().find(|c| &c.name == name) else {
            out.missing.push(name.clone());
            continue;
        };
        let actual = Signal::new(&w.time, &column.values);
        let full_scale = values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        for (&t, &g) in golden.time.iter().zip(values) {
            if !g.is_finite() {
                continue;
            }
            if t > run_end + tau {
                out.beyond_run += 1;
                continue;
            }
            let (lo, hi) = band(&actual, t, tau);
            let error = (lo - g).max(g - hi).max(0.0);
            let error = if error.is_nan() { f64::INFINITY } else { error };
            let tolerance = env.abs_full_scale * full_scale + env.rel * g.abs();
            let ratio = if tolerance > 0.0 {
                error / tolerance
            } else if error > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            out.points += 1;
            if ratio > worst_ratio {
                worst_ratio = ratio;
                out.worst = Some(WorstPoint {
                    column: name.clone(),
                    time: t,
                    golden: g,
                    actual: actual.at(t),
                    error,
                    tolerance,
                });
            }
        }
    }
    out
}

/// Range of the piecewise-linear signal over [t − τ, t + τ].
fn band(s: &Signal, t: f64, tau: f64) -> (f64, f64) {
    let (a, b) = (s.at(t - tau), s.at(t + tau));
    let mut lo = a.min(b);
    let mut hi = a.max(b);
    for k in s.range(t - tau, t + tau) {
        let v = s.values[k];
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo, hi)
}
