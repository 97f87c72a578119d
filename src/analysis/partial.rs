//! Verdicts on a run that stopped before its end (the engine failed): what
//! the part that was computed settles, and what it cannot.
//!
//! A failure seen before the stop stands whatever would have followed, for
//! the limits judged on the worst value over the run: levels, currents,
//! ramp rates, power bands, discharge, events (trips inside a
//! ride-through curve too) and the deviation from the pre-event value. Every other verdict of a time-domain limit is not judged (an
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
            | Limit::DynamicRange(_)
            | Limit::RideThrough(_)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::limits::{MinVoltage, Settling};
    use crate::analysis::Measure;

    fn verdict(limit: &Limit, margin: f64) -> Verdict {
        Verdict::judged(
            limit,
            Measure {
                measured: 700.0 + margin,
                limit: 700.0,
                margin,
                unit: "V",
                target: Some("bus".into()),
                time: Some(0.004),
                detail: String::new(),
            },
        )
    }

    #[test]
    fn a_failure_on_the_worst_value_stands_and_the_rest_is_not_judged() {
        let min = Limit::MinVoltage(MinVoltage {
            node: "bus".into(),
            volts: 700.0,
            longer_than: None,
        });
        let settling = Limit::Settling(Settling {
            node: "bus".into(),
            band_percent: 1.0,
            within: 0.02,
        });
        let limits = [min.clone(), min, settling];
        let mut verdicts = vec![
            verdict(&limits[0], -300.0),
            verdict(&limits[1], 50.0),
            verdict(&limits[2], -1.0),
        ];
        let before = verdicts.clone();
        judge_stopped(&limits, &mut verdicts, 0.011, 0.03);
        assert_eq!(verdicts[0].status, Status::Fail);
        assert_eq!(verdicts[0].measured, before[0].measured);
        assert_eq!(verdicts[0].time, Some(0.004));
        for v in &verdicts[1..] {
            assert_eq!(v.status, Status::Error, "{v:?}");
            assert_eq!((v.measured, v.time), (None, None));
            assert!(v
                .detail
                .starts_with("not judged: the run stopped at t = 11.00 ms of 30.00 ms"));
        }
    }
}
