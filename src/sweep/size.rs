//! `busbar size`: the smallest (or largest) value of one parameter for
//! which every limit of a scenario passes, small-signal limits included.
//!
//! The range is a bracket: its passing end must pass and, unless the
//! answer is that end, the other must fail. Bisection then halves the
//! bracket (geometrically when it spans more than a decade of positive
//! values) until it is narrower than `rtol` of the answer. The answer is
//! the passing end, so it always passes. Assumes one boundary in the
//! range, as for a storage size or a load limit.
//!
//! Owns the search. Must not run anything but `Study` methods.

use super::SweepError;
use crate::analysis::{Status, Verdict};
use crate::study::Study;
use serde::Serialize;
use std::collections::BTreeMap;

/// What to size and how closely.
#[derive(Debug, Clone)]
pub struct SizeOptions {
    pub parameter: String,
    pub low: f64,
    pub high: f64,
    /// Find the largest passing value instead of the smallest.
    pub maximise: bool,
    /// Relative width of the final bracket.
    pub rtol: f64,
}

/// The answer of a sizing.
#[derive(Debug, Clone, Serialize)]
pub struct Sized {
    pub parameter: String,
    /// The smallest (largest) passing value found.
    pub value: f64,
    /// The failing end of the final bracket (absent when the range's end
    /// already passes).
    pub failing: Option<f64>,
    /// The limit that binds: the worst one failing at `failing`, with its
    /// margin at `value` (without a failing end, the smallest margin).
    pub binding: String,
    pub binding_margin: Option<f64>,
    pub binding_unit: String,
    /// Transient runs made.
    pub evaluations: usize,
    /// The answer is the end of the range: the boundary may lie beyond.
    pub at_range_end: bool,
}

/// One evaluation: whether every limit passed, and the binding verdict.
struct Probe {
    passes: bool,
    binding: Option<Verdict>,
    verdicts: Vec<Verdict>,
    error: Option<String>,
}

/// Sizes `options.parameter` on `study`.
pub fn size(study: &Study, options: &SizeOptions) -> Result<Sized, SweepError> {
    let o = options;
    if !(o.low.is_finite() && o.high.is_finite() && o.low < o.high) {
        return Err(SweepError::Size(format!(
            "`{}`: the range needs LO < HI, both finite, got {}:{}",
            o.parameter, o.low, o.high
        )));
    }
    study
        .setup(0.0)
        .value_of(&o.parameter)
        .map_err(|e| SweepError::UnknownParameter {
            name: o.parameter.clone(),
            message: e.to_string(),
        })?;
    if study.scenario().is_some_and(|s| s.limits.is_empty()) {
        return Err(SweepError::Size(
            "the scenario has no limits: nothing decides pass or fail (add limits or `--limits FILE`)"
                .into(),
        ));
    }
    let mut evaluations = 0;
    let mut probe = |x: f64| {
        evaluations += 1;
        evaluate(study, &o.parameter, x)
    };
    // `good` is where the answer must pass, `bad` the other end.
    let (mut good, mut bad) = if o.maximise {
        (o.low, o.high)
    } else {
        (o.high, o.low)
    };
    let mut at_good = probe(good);
    if !at_good.passes {
        return Err(SweepError::Size(format!(
            "`{}` = {good} (the passing end of the range) does not pass: {}",
            o.parameter,
            describe(&at_good)
        )));
    }
    let mut at_bad = probe(bad);
    if at_bad.passes {
        return Ok(answer(o, bad, None, at_bad, None, evaluations, true));
    }
    while (good - bad).abs() > o.rtol * good.abs().max(f64::MIN_POSITIVE) {
        let mid = if good > 0.0 && bad > 0.0 && (good / bad).max(bad / good) > 10.0 {
            (good * bad).sqrt()
        } else {
            0.5 * (good + bad)
        };
        let at_mid = probe(mid);
        if at_mid.passes {
            good = mid;
            at_good = at_mid;
        } else {
            bad = mid;
            at_bad = at_mid;
        }
    }
    Ok(answer(
        o,
        good,
        Some(bad),
        at_good,
        Some(at_bad),
        evaluations,
        false,
    ))
}

fn answer(
    o: &SizeOptions,
    value: f64,
    failing: Option<f64>,
    at: Probe,
    beyond: Option<Probe>,
    evaluations: usize,
    at_range_end: bool,
) -> Sized {
    // The limit that binds is the one that fails just beyond the answer;
    // its margin is read at the answer.
    let failed = beyond.and_then(|p| p.binding).map(|v| v.name);
    let b = match failed {
        Some(name) => at.verdicts.iter().find(|v| v.name == name),
        None => at.binding.as_ref(),
    };
    Sized {
        parameter: o.parameter.clone(),
        value,
        failing,
        binding: b.map(|v| v.name.clone()).unwrap_or_default(),
        binding_margin: b.and_then(|v| v.margin),
        binding_unit: b.map(|v| v.unit.clone()).unwrap_or_default(),
        evaluations,
        at_range_end,
    }
}

/// Runs and judges the scenario with `key` = `x`; a run that cannot be
/// completed counts as failing.
fn evaluate(study: &Study, key: &str, x: f64) -> Probe {
    let overrides: BTreeMap<String, f64> = [(key.to_string(), x)].into();
    let study = study.clone().with_overrides(&overrides);
    let run = match study.simulate(None) {
        Ok(run) => run,
        Err(e) => {
            return Probe {
                passes: false,
                binding: None,
                verdicts: Vec::new(),
                error: Some(e.to_string()),
            }
        }
    };
    let verdicts = study.judge(&run).verdicts;
    let passes = verdicts.iter().all(|v| v.status == Status::Pass);
    let relative = |v: &Verdict| match (v.margin, v.limit) {
        (Some(m), Some(l)) if l != 0.0 && l.is_finite() => m / l.abs(),
        (Some(m), _) => m,
        (None, _) => f64::NEG_INFINITY,
    };
    // The worst failing limit, or without failures the smallest margin.
    let binding = verdicts
        .iter()
        .filter(|v| passes || v.status != Status::Pass)
        .min_by(|a, b| relative(a).total_cmp(&relative(b)))
        .cloned();
    Probe {
        passes,
        binding,
        verdicts,
        error: None,
    }
}

fn describe(p: &Probe) -> String {
    if let Some(e) = &p.error {
        return format!("the run failed: {e}");
    }
    match &p.binding {
        Some(v) => format!(
            "`{}` fails with margin {} {}",
            v.name,
            v.margin.map_or("?".into(), |m| format!("{m:.6}")),
            v.unit
        ),
        None => "the scenario has no limits to pass".into(),
    }
}
