//! Verdicts on a run that stopped before its end (the engine failed): what
//! the part that was computed settles, and what it cannot.
//!
//! A failure seen before the stop stands whatever would have followed, for
//! the limits judged on the worst value over the run: levels, currents,
//! ramp rates, discharge, events and the deviation from the pre-event
//! value. Every other verdict of a time-domain limit is not judged (an
//! error with the reason): a pass, which the rest of the run could still
//! break, and a failure of a limit judged on the end of the run or in a
//! window (settling, ripple). Small-signal limits are judged at operating
//! points, not on the run, and keep their verdicts.
//!
//! Must not measure anything: it only reads the verdicts already made.

use super::limits::Limit;
use super::verdict::{Status, Verdict};
use crate::units::eng_time;

/// Whether a failure on the first part of a run is a failure of the whole.
fn failure_stands_on_part(limit: &Limit) -> bool {
    matches!(
        limit,
        Limit::MinVoltage(_)
            | Limit::MaxVoltage(_)
            | Limit::MaxCurrent(_)
            | Limit::RampRate(_)
            | Limit::MaxEnergy(_)
            | Limit::NoEvent(_)
            | Limit::Deviation(_)
    )
}

/// Revises `verdicts` (one per limit, in order) of a run that stopped at
/// `stop` instead of `duration`; verdicts beyond the limits are left alone.
pub fn judge_stopped(limits: &[Limit], verdicts: &mut [Verdict], stop: f64, duration: f64) {
    for (limit, verdict) in limits.iter().zip(verdicts.iter_mut()) {
        if limit.spec().small_signal() || verdict.status == Status::Error {
            continue;
        }
        if verdict.status == Status::Fail && failure_stands_on_part(limit) {
            verdict.detail = format!(
                "{}; reached before the run stopped at t = {}",
                verdict.detail,
                eng_time(stop)
            )
            .trim_start_matches("; ")
            .to_string();
            continue;
        }
        let seen = match verdict.status {
            Status::Pass => "within the limit",
            _ => "outside the limit",
        };
        let mut reason = format!(
            "not judged: the run stopped at t = {} of {}, so the rest of the run was not seen ({seen} up to then",
            eng_time(stop),
            eng_time(duration)
        );
        if let Some((_, Some((start, end)))) = limit.spec().ripple_window() {
            if end > stop {
                reason = format!(
                    "not judged: the run stopped at t = {}, before the end of the window {} to {}",
                    eng_time(stop),
                    eng_time(start),
                    eng_time(end)
                );
            } else {
                continue;
            }
        } else {
            reason.push(')');
        }
        *verdict = Verdict {
            status: Status::Error,
            measured: None,
            margin: None,
            target: None,
            time: None,
            detail: reason,
            ..verdict.clone()
        };
    }
}
