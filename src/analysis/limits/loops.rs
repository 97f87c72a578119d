//! Helpers shared by the small-signal limit kinds: the frequency sweep,
//! the loop gains of the regulated converters a glob matches, and how a
//! loop margin becomes a measure.
//!
//! Must not know any one kind's fields.

use crate::analysis::stability::{closed_loop_unstable, loop_gain_known, Bound, LoopGain};
use crate::analysis::verdict::Measure;
use crate::glob;

/// Frequency sweep of loop and interface gains (the `stability` command's
/// default range and density).
pub(super) const F_MIN: f64 = 1.0;
pub(super) const F_MAX: f64 = 1e6;
pub(super) const PER_DECADE: usize = 40;

/// Loop gains (Nyquist count and margins) of every regulated converter
/// matching `pattern`.
pub(super) fn loop_margins(b: &Bound, pattern: &str) -> Result<Vec<LoopGain>, String> {
    let freqs = crate::analysis::stability::default_frequencies(F_MIN, F_MAX, PER_DECADE)
        .map_err(|e| e.to_string())?;
    let closed = closed_loop_unstable(&b.model, &b.point);
    let mut out = Vec::new();
    for d in &b.model.devices {
        if !glob::matches(pattern, d.name()) {
            continue;
        }
        for command in d.control_loops() {
            let l = loop_gain_known(&b.model, &b.point, d.name(), command, &freqs, &closed)
                .map_err(|e| e.to_string())?;
            out.push(l);
        }
    }
    if out.is_empty() {
        return Err(format!(
            "not evaluated: no regulated converter (no control loop) matches `{pattern}`"
        ));
    }
    Ok(out)
}

/// The closed loop is known to be unstable (eigenvalues, else Nyquist).
pub(super) fn unstable(l: &LoopGain) -> bool {
    l.nyquist.as_ref().is_some_and(|n| !n.stable)
}

/// "crossover at … Hz" or the like, with the Nyquist count and any note.
fn loop_detail(l: &LoopGain, head: String) -> String {
    let mut parts = vec![head];
    if let Some(n) = &l.nyquist {
        parts.push(n.describe());
    }
    if let Some(note) = &l.note {
        parts.push(note.clone());
    }
    parts.retain(|p| !p.is_empty());
    parts.join("; ")
}

/// The worst loop by `margin_of` (value, headline) at one operating
/// point: (value, (detail, unstable, device)).
pub(super) type WorstLoop = (f64, (String, bool, String));

pub(super) fn worst_loop(
    b: &Bound,
    pattern: &str,
    margin_of: impl Fn(&LoopGain) -> Result<(f64, String), String>,
) -> Result<WorstLoop, String> {
    let mut worst: Option<WorstLoop> = None;
    for l in loop_margins(b, pattern)? {
        let (value, head) = margin_of(&l)?;
        if worst.as_ref().is_none_or(|w| value < w.0) {
            let detail = loop_detail(&l, head);
            worst = Some((value, (detail, unstable(&l), l.device.clone())));
        }
    }
    worst.ok_or_else(|| "no loop".to_string())
}

/// A loop-margin measurement. A loop whose closed loop is unstable
/// fails whatever the limit: its margin is at most its (negative) measure.
pub(super) fn judged(
    (measured, (detail, unstable_loop, target), t): (f64, (String, bool, String), f64),
    limit: f64,
    unit: &'static str,
) -> Measure {
    let margin = measured - limit;
    Measure {
        measured,
        limit,
        margin: if unstable_loop {
            margin.min(measured).min(-f64::MIN_POSITIVE)
        } else {
            margin
        },
        unit,
        target: Some(target),
        time: Some(t),
        detail,
    }
}
