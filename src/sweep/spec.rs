//! The sweep file: a `Sweep(...)` RON file naming a circuit, its scenarios,
//! the parameters to vary and what to collect at every point.
//!
//! Owns the schema, its defaults and its rules, with errors located in the
//! file like a scenario's. Must not generate points (`points`) or run
//! anything (`run`).

use crate::scenario::locate::Seg::{self, Index, Key};
use crate::scenario::schema::unique_keys;
use crate::scenario::{invalid_at, syntax_error, ScenarioError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed and validated sweep file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename = "Sweep")]
pub struct SweepSpec {
    pub name: String,
    /// Circuit file, relative to the sweep file.
    pub circuit: String,
    /// Scenario files, relative to the sweep file; every point runs each.
    pub scenarios: Vec<String>,
    /// Grid and corner parameters: every combination of their values.
    #[serde(default, deserialize_with = "unique_keys")]
    pub parameters: BTreeMap<String, Axis>,
    /// Monte Carlo draws, repeated at every grid point.
    #[serde(default)]
    pub monte_carlo: Option<MonteCarlo>,
    #[serde(default)]
    pub collect: Collect,
    /// The sweep file itself, for relative paths.
    #[serde(skip)]
    pub path: PathBuf,
}

/// The values one grid parameter takes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Axis {
    /// These values, in this order.
    List(Vec<f64>),
    /// `points` values evenly spaced from `from` to `to`, both included.
    Linear { from: f64, to: f64, points: usize },
    /// `points` values evenly spaced in log from `from` to `to`.
    Log { from: f64, to: f64, points: usize },
    /// The two corners of a tolerance: nominal·(1 − percent/100) and
    /// nominal·(1 + percent/100).
    Corners { percent: f64 },
}

/// Random draws around each parameter's nominal value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MonteCarlo {
    pub samples: usize,
    pub seed: u64,
    #[serde(deserialize_with = "unique_keys")]
    pub vary: BTreeMap<String, Tolerance>,
}

/// How one parameter is drawn, relative to its nominal value.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Tolerance {
    /// Uniform within ±`percent`.
    Uniform { percent: f64 },
    /// Normal with standard deviation `sigma_percent`.
    Normal { sigma_percent: f64 },
    /// Normal with `sigma_percent`, redrawn outside ±`limit_percent`.
    TruncatedNormal {
        sigma_percent: f64,
        limit_percent: f64,
    },
}

/// What each point records besides every limit's margin and the verdict.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Collect {
    /// Summary metrics by the names `busbar diff` prints, e.g.
    /// `min tray1.bus50`, `deviation bus800`, `peak i(feed)`.
    #[serde(default)]
    pub metrics: Vec<String>,
    /// Small-signal metrics (least damping, each loop's margins, each
    /// interface's Middlebrook margin) at this time of the first scenario.
    #[serde(default)]
    pub small_signal_at: Option<f64>,
}

impl SweepSpec {
    /// The circuit file resolved against the sweep file's folder.
    pub fn circuit_path(&self) -> PathBuf {
        self.resolve(&self.circuit)
    }

    /// The scenario files resolved against the sweep file's folder.
    pub fn scenario_paths(&self) -> Vec<PathBuf> {
        self.scenarios.iter().map(|s| self.resolve(s)).collect()
    }

    fn resolve(&self, relative: &str) -> PathBuf {
        self.path
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(relative)
    }
}

/// Reads, parses and validates a sweep file.
pub fn load(path: &Path) -> Result<SweepSpec, ScenarioError> {
    let text = crate::budget::read_input_text(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, path)
}

/// Like [`load`] with the text in memory; `path` names it in messages.
/// A leading byte-order mark is skipped.
pub fn parse_str(text: &str, path: &Path) -> Result<SweepSpec, ScenarioError> {
    let text = crate::ron_tokens::strip_bom(text);
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut spec: SweepSpec = options
        .from_str(text)
        .map_err(|e| syntax_error(e, text, path))?;
    spec.path = path.to_path_buf();
    validate(&spec).map_err(|(seg, message)| invalid_at(path, text, message, &seg))?;
    Ok(spec)
}

type Rule<'a> = Result<(), (Vec<Seg<'a>>, String)>;

fn fail<'a>(at: Vec<Seg<'a>>, message: String) -> Rule<'a> {
    Err((at, message))
}

/// The most points one sweep may have: a mistyped count must fail here,
/// not after hours.
pub const MAX_POINTS: usize = 10_000_000;

fn validate(s: &SweepSpec) -> Rule<'_> {
    if s.scenarios.is_empty() {
        return fail(
            vec![Key("scenarios")],
            "`scenarios` needs at least one scenario file".into(),
        );
    }
    if s.parameters.is_empty() && s.monte_carlo.is_none() {
        return fail(
            vec![Key("parameters")],
            "a sweep needs `parameters` (List, Linear, Log, Corners) or a `monte_carlo` block"
                .into(),
        );
    }
    let mut count: usize = 1;
    for (name, axis) in &s.parameters {
        count = count.saturating_mul(check_axis(name, axis)?);
    }
    if let Some(mc) = &s.monte_carlo {
        check_monte_carlo(mc, &s.parameters)?;
        count = count.saturating_mul(mc.samples);
    }
    if count > MAX_POINTS {
        return fail(
            vec![Key("parameters")],
            format!("the sweep has {count} points, more than the {MAX_POINTS} allowed"),
        );
    }
    if let Some(t) = s.collect.small_signal_at {
        if !(t.is_finite() && t >= 0.0) {
            return fail(
                vec![Key("collect"), Key("small_signal_at")],
                format!("`small_signal_at` must be a time ≥ 0 s, got {t}"),
            );
        }
    }
    Ok(())
}

/// Checks one grid axis and returns its number of values.
fn check_axis<'a>(name: &'a str, axis: &'a Axis) -> Result<usize, (Vec<Seg<'a>>, String)> {
    let at = |k: &'static str| vec![Key("parameters"), Key(name), Key(k)];
    let ctx = format!("parameter `{name}`: ");
    match axis {
        Axis::List(values) => {
            if values.is_empty() {
                fail(
                    vec![Key("parameters"), Key(name)],
                    format!("{ctx}the list is empty"),
                )?;
            }
            for (k, v) in values.iter().enumerate() {
                if !v.is_finite() {
                    fail(
                        vec![Key("parameters"), Key(name), Index(k)],
                        format!("{ctx}value {} must be a finite number", k + 1),
                    )?;
                }
            }
            Ok(values.len())
        }
        Axis::Linear { from, to, points } | Axis::Log { from, to, points } => {
            let log = matches!(axis, Axis::Log { .. });
            for (key, x) in [("from", *from), ("to", *to)] {
                if !x.is_finite() || (log && x <= 0.0) {
                    let what = if log {
                        "a finite number > 0"
                    } else {
                        "a finite number"
                    };
                    fail(at(key), format!("{ctx}`{key}` must be {what}, got {x}"))?;
                }
            }
            if *points < 2 {
                fail(
                    at("points"),
                    format!("{ctx}`points` must be at least 2, got {points}"),
                )?;
            }
            Ok(*points)
        }
        Axis::Corners { percent } => {
            check_percent(*percent, &ctx, at("percent"))?;
            Ok(2)
        }
    }
}

fn check_percent<'a>(x: f64, ctx: &str, at: Vec<Seg<'a>>) -> Rule<'a> {
    if x.is_finite() && x > 0.0 && x < 100.0 {
        Ok(())
    } else {
        fail(
            at,
            format!("{ctx}a percentage within (0, 100) is expected, got {x}"),
        )
    }
}

fn check_monte_carlo<'a>(mc: &'a MonteCarlo, grid: &BTreeMap<String, Axis>) -> Rule<'a> {
    let here = |k: &'static str| vec![Key("monte_carlo"), Key(k)];
    if mc.samples == 0 {
        fail(here("samples"), "`samples` must be at least 1".into())?;
    }
    if mc.vary.is_empty() {
        fail(here("vary"), "`vary` needs at least one parameter".into())?;
    }
    for (name, t) in &mc.vary {
        let at = |k: &'static str| vec![Key("monte_carlo"), Key("vary"), Key(name), Key(k)];
        let ctx = format!("parameter `{name}`: ");
        if grid.contains_key(name) {
            fail(
                vec![Key("monte_carlo"), Key("vary"), Key(name)],
                format!("{ctx}is already a grid parameter; vary each parameter in one place"),
            )?;
        }
        match *t {
            Tolerance::Uniform { percent } => check_percent(percent, &ctx, at("percent"))?,
            Tolerance::Normal { sigma_percent } => {
                check_percent(sigma_percent, &ctx, at("sigma_percent"))?
            }
            Tolerance::TruncatedNormal {
                sigma_percent,
                limit_percent,
            } => {
                check_percent(sigma_percent, &ctx, at("sigma_percent"))?;
                check_percent(limit_percent, &ctx, at("limit_percent"))?;
                if limit_percent < 0.1 * sigma_percent {
                    fail(
                        at("limit_percent"),
                        format!("{ctx}`limit_percent` below a tenth of `sigma_percent` would redraw almost every sample"),
                    )?;
                }
            }
        }
    }
    Ok(())
}
