//! The time windows of the zoomed waveform figures: where a reviewer needs
//! to look closer, and how much of the run each window shows.
//!
//! Anchors. A window opens around every moment something happens or is
//! judged: each load change and scheduled event of the scenario, each
//! event the engine recorded (a BBU trigger, a hold-up running low, a
//! trip…), and the worst point of every limit judged on a recorded
//! column (the time of the minimum a `MinVoltage` measured, of the
//! maximum of a `MaxVoltage`, …), unless that is the first sample: the
//! initial operating point needs no zoom.
//!
//! Size. A window reaches from the anchor to where the signals have
//! settled: starting from [`MIN_SAMPLES`] output samples, its length after
//! the anchor doubles until, over the second half of that length, every
//! watched signal moves by no more than [`SETTLED_FRACTION`] of its swing
//! since just before the anchor (a signal that barely moves at all, less
//! than [`FLAT_FRACTION`] of its magnitude, is settled from the start).
//! The watched signals are the column a limit judged, for a worst point,
//! and every voltage (else every current and power) for other anchors;
//! states of charge drift for as long as a battery works and are never
//! watched. The length is bounded by [`MAX_AFTER_FRACTION`] of the run,
//! and a quarter of it is shown before the anchor, so the level before
//! the event stays in view.
//!
//! Merging and the cap. Overlapping windows merge. Windows that would
//! show more than [`MAX_WINDOW_FRACTION`] of the run only repeat the full
//! figure and are dropped. At most [`MAX_ZOOMS`] remain: windows holding a
//! limit's worst point first, then the earliest; the rest are dropped and
//! listed, so a reader knows what was not zoomed.
//!
//! Windows asked for by name (`--zoom T0:T1`) are drawn as given, besides
//! the automatic ones and outside the cap.
//!
//! Owns the choice of windows. Must not draw, judge limits or write files.

use super::overlay::disturbances;
use crate::analysis::{Scenario, Verdict};
use crate::results::{Quantity, Waveforms};
use crate::units::eng_time;

/// Zoomed windows beyond this many only repeat themselves.
pub const MAX_ZOOMS: usize = 6;
/// The shortest window after an anchor, in output samples.
const MIN_SAMPLES: f64 = 20.0;
/// The longest window after an anchor, as a fraction of the run.
const MAX_AFTER_FRACTION: f64 = 0.25;
/// The part of a window shown before its anchor, as a fraction of the
/// part after it.
const LEAD_FRACTION: f64 = 0.25;
/// Settled: the second half of the window moves by at most this fraction
/// of the swing since the anchor.
const SETTLED_FRACTION: f64 = 0.1;
/// A swing below this fraction of a signal's magnitude is no swing.
const FLAT_FRACTION: f64 = 1e-4;
/// A window showing more of the run than this repeats the full figure.
const MAX_WINDOW_FRACTION: f64 = 0.7;

/// One zoom window, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoomWindow {
    pub from: f64,
    pub to: f64,
    /// What it shows, in time order, e.g. `39.24 ms shelf1.psu: hold-up low`.
    pub shows: Vec<String>,
    /// Whether it holds the worst point of a limit.
    pub judged: bool,
    /// Whether it was asked for by name rather than chosen here.
    pub requested: bool,
}

impl ZoomWindow {
    /// A window asked for by name.
    pub fn requested(from: f64, to: f64) -> Self {
        ZoomWindow {
            from,
            to,
            shows: vec!["asked for".into()],
            judged: false,
            requested: true,
        }
    }

    /// `from – to: what it shows`, for notes.
    pub fn describe(&self) -> String {
        format!(
            "{} to {}: {}",
            eng_time(self.from),
            eng_time(self.to),
            self.shows.join("; ")
        )
    }
}

/// The windows to draw, in time order, and those left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoomPlan {
    pub windows: Vec<ZoomWindow>,
    pub dropped: Vec<(ZoomWindow, &'static str)>,
}

/// A moment worth a window, with the columns whose settling sizes it.
struct Anchor {
    time: f64,
    what: String,
    judged: bool,
    watch: Vec<usize>,
}

/// The zoom windows of a run: see the module documentation. `verdicts`
/// give the limits' worst points; `requested` windows are kept as given.
pub fn zoom_plan(
    scenario: &Scenario,
    w: &Waveforms,
    verdicts: &[Verdict],
    requested: &[(f64, f64)],
) -> ZoomPlan {
    let mut plan = ZoomPlan::default();
    let (Some(&t0), Some(&t1)) = (w.time.first(), w.time.last()) else {
        return plan;
    };
    if t1 <= t0 {
        return plan;
    }
    let mut windows: Vec<ZoomWindow> = Vec::new();
    for a in anchors(scenario, w, verdicts) {
        let after = settling_length(w, &a, t0, t1);
        let window = ZoomWindow {
            from: (a.time - LEAD_FRACTION * after).max(t0),
            to: (a.time + after).min(t1),
            shows: vec![a.what],
            judged: a.judged,
            requested: false,
        };
        merge_into(&mut windows, window);
    }
    let span = t1 - t0;
    let (kept, wide): (Vec<_>, Vec<_>) = windows
        .into_iter()
        .partition(|z| z.to - z.from <= MAX_WINDOW_FRACTION * span);
    plan.dropped
        .extend(wide.into_iter().map(|z| (z, "it shows most of the run")));
    let mut ranked: Vec<(usize, ZoomWindow)> = kept.into_iter().enumerate().collect();
    // Judged windows first, then in time order; keep the first MAX_ZOOMS.
    ranked.sort_by_key(|(k, z)| (!z.judged, *k));
    let over = ranked.split_off(ranked.len().min(MAX_ZOOMS));
    ranked.sort_by_key(|(k, _)| *k);
    plan.windows = ranked.into_iter().map(|(_, z)| z).collect();
    plan.dropped.extend(
        over.into_iter()
            .map(|(_, z)| (z, "more windows than the figures show")),
    );
    plan.windows
        .extend(requested.iter().map(|&(a, b)| ZoomWindow::requested(a, b)));
    plan
}

/// Every anchor of the run, in time order, inside the recorded span.
fn anchors(scenario: &Scenario, w: &Waveforms, verdicts: &[Verdict]) -> Vec<Anchor> {
    let events = watched_by_events(w);
    let mut out: Vec<Anchor> = disturbances(scenario)
        .into_iter()
        .map(|d| Anchor {
            time: d.time,
            what: format!("{} {}", eng_time(d.time), d.what),
            judged: false,
            watch: events.clone(),
        })
        .collect();
    out.extend(w.events.iter().map(|e| Anchor {
        time: e.time,
        what: format!("{} {}: {}", eng_time(e.time), e.target, e.what),
        judged: false,
        watch: events.clone(),
    }));
    for v in verdicts {
        let (Some(time), Some(target)) = (v.time, v.target.as_deref()) else {
            continue;
        };
        let Some(column) = w.columns.iter().position(|c| c.name == target) else {
            continue;
        };
        // An extreme at the first sample is the initial operating point,
        // which the full figure shows at its left edge.
        if time <= w.time[0] {
            continue;
        }
        out.push(Anchor {
            time,
            what: format!("{} worst at {} on {target}", v.kind, eng_time(time)),
            judged: true,
            watch: vec![column],
        });
    }
    let (t0, t1) = (w.time[0], w.time[w.time.len() - 1]);
    out.retain(|a| a.time.is_finite() && (t0..=t1).contains(&a.time));
    out.sort_by(|a, b| a.time.total_cmp(&b.time));
    out
}

/// The columns that size the window of an event: the voltages, else the
/// currents and powers.
fn watched_by_events(w: &Waveforms) -> Vec<usize> {
    let of = |q: &[Quantity]| -> Vec<usize> {
        (0..w.columns.len())
            .filter(|&k| q.contains(&w.columns[k].quantity))
            .collect()
    };
    let voltages = of(&[Quantity::Voltage]);
    if voltages.is_empty() {
        of(&[Quantity::Current, Quantity::Power])
    } else {
        voltages
    }
}

/// How long after the anchor the window reaches: doubled from
/// [`MIN_SAMPLES`] samples until every watched column has settled.
fn settling_length(w: &Waveforms, a: &Anchor, t0: f64, t1: f64) -> f64 {
    let step = (t1 - t0) / (w.time.len().max(2) - 1) as f64;
    let longest = MAX_AFTER_FRACTION * (t1 - t0);
    let mut after = (MIN_SAMPLES * step).min(longest);
    while after < longest && a.time + after < t1 {
        let settled = a.watch.iter().all(|&c| {
            let values = &w.columns[c].values;
            settled(&w.time, values, a.time, after)
        });
        if settled {
            break;
        }
        after *= 2.0;
    }
    after.min(longest)
}

/// Whether `values` have settled within `after` seconds of `t`: over the
/// second half of that span they move by at most [`SETTLED_FRACTION`] of
/// their swing since the last sample before `t`.
fn settled(time: &[f64], values: &[f64], t: f64, after: f64) -> bool {
    let n = time.len().min(values.len());
    let index = |x: f64| time[..n].partition_point(|&s| s < x);
    let start = index(t).saturating_sub(1);
    let (half, end) = (index(t + after / 2.0), index(t + after).max(start + 1));
    let spread = |from: usize, to: usize| {
        let finite = values[from..to.min(n)].iter().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        if lo <= hi {
            (hi - lo, lo.abs().max(hi.abs()))
        } else {
            (0.0, 0.0)
        }
    };
    let (swing, magnitude) = spread(start, end);
    if swing <= FLAT_FRACTION * magnitude {
        return true;
    }
    let (tail, _) = spread(half.min(end.saturating_sub(1)), end);
    tail <= SETTLED_FRACTION * swing
}

/// Adds `z` to time-ordered `windows`, merged with the last if they overlap.
fn merge_into(windows: &mut Vec<ZoomWindow>, z: ZoomWindow) {
    match windows.last_mut() {
        Some(last) if z.from <= last.to => {
            last.to = last.to.max(z.to);
            last.judged |= z.judged;
            last.shows.extend(z.shows);
        }
        _ => windows.push(z),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Status;
    use crate::results::{Column, EventRecord, SolverStats};
    use crate::scenario::parse_str;
    use std::path::Path;

    fn scenario(events: &str) -> Scenario {
        let text = format!(
            "Scenario(name: \"t\", duration: 1.0, sample: 1e-3, \
             loads: [(target: \"gpu*\", profile: Step(from: 0.3, to: 1.0, at: 0.1))], \
             events: [{events}])"
        );
        parse_str(&text, Path::new("t.ron")).unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// 1 s on a 1 ms grid: a step at 0.1 s settling with τ = 5 ms, and a
    /// dip at 0.6 s recovering with τ = 40 ms.
    fn waveforms() -> Waveforms {
        let time: Vec<f64> = (0..=1000).map(|i| f64::from(i) * 1e-3).collect();
        let v = time
            .iter()
            .map(|&t| {
                let step = if t >= 0.1 {
                    -2.0 * (1.0 - (-(t - 0.1) / 5e-3).exp())
                } else {
                    0.0
                };
                let dip = if t >= 0.6 {
                    -3.0 * (-(t - 0.6) / 40e-3).exp()
                } else {
                    0.0
                };
                50.0 + step + dip
            })
            .collect();
        Waveforms {
            columns: vec![Column {
                name: "bus50".into(),
                target: "bus50".into(),
                quantity: Quantity::Voltage,
                nominal: Some(50.0),
                values: v,
                extremes: None,
            }],
            time,
            events: vec![EventRecord {
                time: 0.6,
                target: "psu".into(),
                what: "hold-up low".into(),
            }],
            stats: SolverStats::default(),
        }
    }

    fn verdict(time: f64) -> Verdict {
        Verdict {
            kind: "MinVoltage".into(),
            name: "MinVoltage bus50 ≥ 46 V".into(),
            status: Status::Pass,
            measured: Some(47.0),
            limit: Some(46.0),
            margin: Some(1.0),
            unit: "V".into(),
            target: Some("bus50".into()),
            time: Some(time),
            detail: String::new(),
        }
    }

    #[test]
    fn windows_reach_until_the_signal_settles() {
        let plan = zoom_plan(&scenario(""), &waveforms(), &[verdict(0.6)], &[]);
        assert_eq!(plan.windows.len(), 2, "{plan:?}");
        let (step, dip) = (&plan.windows[0], &plan.windows[1]);
        // τ = 5 ms: after 20 ms the second half still moves by 12 % of
        // the swing, after 40 ms by 2 %, so the window ends 40 ms after.
        assert!(step.from < 0.1 && step.to - 0.1 >= 0.0115, "{step:?}");
        assert!(step.to - 0.1 <= 0.04 + 1e-9, "{step:?}");
        assert!(!step.judged);
        // τ = 40 ms: 10 % after 92 ms of decay, so the window reaches at
        // least that far and is judged (the worst point is inside).
        assert!(dip.from < 0.6 && dip.to >= 0.692, "{dip:?}");
        assert!(dip.to - 0.6 <= 0.25 + 1e-9);
        assert!(dip.judged);
        assert_eq!(dip.shows.len(), 2, "event and worst point merged");
        assert!(plan.dropped.is_empty());
    }

    #[test]
    fn the_cap_keeps_judged_windows_and_says_what_it_dropped() {
        let events: Vec<String> = (1..=9)
            .map(|k| {
                format!(
                    "Trip(at: {}, component: \"x{k}\")",
                    0.1 * f64::from(k) - 0.05
                )
            })
            .collect();
        let plan = zoom_plan(
            &scenario(&events.join(", ")),
            &waveforms(),
            &[verdict(0.9)],
            &[(0.2, 0.3)],
        );
        let automatic: Vec<&ZoomWindow> = plan.windows.iter().filter(|z| !z.requested).collect();
        assert_eq!(automatic.len(), MAX_ZOOMS, "{plan:?}");
        assert!(automatic
            .iter()
            .any(|z| z.judged && z.from <= 0.9 && z.to >= 0.9));
        assert!(automatic.windows(2).all(|p| p[0].to < p[1].from));
        assert!(!plan.dropped.is_empty());
        let requested = plan.windows.last().expect("requested window");
        assert!(requested.requested && requested.from == 0.2 && requested.to == 0.3);
    }
}
