//! Levels a signal holds for a given time, for limits with `longer_than`
//! (the ORv3 BBU trigger: below 48.5 V for 2 ms).
//!
//! "Below `volts` for longer than L" fails exactly when some window of
//! length L lies entirely below `volts`, i.e. when the lowest window
//! maximum, min over t of max over [t, t + L] of v, is below `volts`. That
//! lowest window maximum is the level the node held for L; reporting it
//! gives a margin in volts that moves smoothly as a design changes, where
//! "time below the threshold" jumps from zero the moment a dip first
//! crosses it.

use super::signal::{At, Signal};

/// The level held for `duration`: with `below`, the lowest window maximum
/// (min over window starts of max over the window), otherwise the highest
/// window minimum. Only windows inside the record count; a record shorter
/// than `duration` holds its overall extreme on the other side. The time
/// is the start of the worst window. `None` without finite samples.
pub fn sustained_level(s: &Signal, duration: f64, below: bool) -> Option<At> {
    let sign = if below { 1.0 } else { -1.0 };
    // Sized once: this runs for every matched column of a hall.
    let mut t = Vec::with_capacity(s.len());
    let mut x = Vec::with_capacity(s.len());
    for (&ti, &v) in s.time.iter().zip(s.values) {
        if v.is_finite() {
            t.push(ti);
            x.push(sign * v);
        }
    }
    if t.is_empty() {
        return None;
    }
    let forward = lowest_window_max(&t, &x, duration);
    // Windows that end on a sample: the same search on the reversed record.
    let rt: Vec<f64> = t.iter().rev().map(|v| -v).collect();
    let rx: Vec<f64> = x.iter().rev().copied().collect();
    let backward = lowest_window_max(&rt, &rx, duration).map(|a| At {
        value: a.value,
        time: -a.time - duration,
    });
    let best = match (forward, backward) {
        (Some(f), Some(b)) => Some(if b.value < f.value { b } else { f }),
        (f, b) => f.or(b),
    };
    let best = best.unwrap_or_else(|| {
        // No full window: the record never stays anywhere for `duration`,
        // so the held level is its extreme on the safe side.
        let (k, v) = x
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or((0, x[0]), |(k, v)| (k, *v));
        At {
            value: v,
            time: t[k],
        }
    });
    Some(At {
        value: sign * best.value,
        time: best.time,
    })
}

/// min over sample-aligned window starts t_i (with t_i + d inside the
/// record) of the maximum of the piecewise-linear signal on [t_i, t_i + d].
fn lowest_window_max(t: &[f64], x: &[f64], d: f64) -> Option<At> {
    let n = t.len();
    if d <= 0.0 {
        let (k, v) = x.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1))?;
        return Some(At {
            value: *v,
            time: t[k],
        });
    }
    let interp = |k: usize, at: f64| -> f64 {
        // Value at `at` on the piece that starts at sample k.
        if k + 1 >= n || t[k + 1] <= t[k] {
            return x[k];
        }
        x[k] + (x[k + 1] - x[k]) * (at - t[k]) / (t[k + 1] - t[k])
    };
    let mut best: Option<At> = None;
    // The monotone queue of window maxima is `queue[head..]`: indices with
    // decreasing values. Each index enters once, so a Vec with a moving
    // head holds it without wrapping.
    let mut queue: Vec<usize> = Vec::with_capacity(n);
    let mut head = 0usize;
    let mut j = 0usize; // next sample to enter the window
    for i in 0..n {
        let end = t[i] + d;
        if end > t[n - 1] {
            break;
        }
        while j < n && t[j] <= end {
            while queue.len() > head && x[queue[queue.len() - 1]] <= x[j] {
                queue.pop();
            }
            queue.push(j);
            j += 1;
        }
        while head < queue.len() && queue[head] < i {
            head += 1;
        }
        let inside = queue.get(head).map_or(f64::NEG_INFINITY, |&f| x[f]);
        let edge = interp(j - 1, end);
        let high = inside.max(edge);
        if best.is_none_or(|b| high < b.value) {
            best = Some(At {
                value: high,
                time: t[i],
            });
        }
    }
    best
}

/// Longest continuous time the signal spends strictly below (`below`) or
/// above `level`, with the crossings interpolated.
pub fn longest_beyond(s: &Signal, level: f64, below: bool) -> f64 {
    let beyond = |v: f64| if below { v < level } else { v > level };
    let mut longest: f64 = 0.0;
    let mut run = 0.0;
    for k in 1..s.len() {
        let (t0, t1) = (s.time[k - 1], s.time[k]);
        let (v0, v1) = (s.values[k - 1], s.values[k]);
        let dt = t1 - t0;
        if dt.is_nan() || dt <= 0.0 || !v0.is_finite() || !v1.is_finite() {
            continue;
        }
        let crossing = |from: f64, to: f64| ((level - from) / (to - from)).clamp(0.0, 1.0);
        match (beyond(v0), beyond(v1)) {
            (true, true) => run += dt,
            (true, false) => {
                run += crossing(v0, v1) * dt;
                longest = longest.max(run);
                run = 0.0;
            }
            (false, true) => run = (1.0 - crossing(v0, v1)) * dt,
            (false, false) => run = 0.0,
        }
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dip from 50 V to 48 V lasting 3 ms between crossings of 48.5 V.
    fn dip() -> (Vec<f64>, Vec<f64>) {
        let t: Vec<f64> = (0..=100).map(|k| k as f64 * 1e-4).collect();
        let v = t
            .iter()
            .map(|&x| {
                if (2e-3..=5e-3).contains(&x) {
                    48.0
                } else {
                    50.0
                }
            })
            .collect();
        (t, v)
    }

    #[test]
    fn held_level_and_time_below() {
        let (t, v) = dip();
        let s = Signal::new(&t, &v);
        let held = sustained_level(&s, 2e-3, true).expect("samples");
        assert!((held.value - 48.0).abs() < 1e-12, "{held:?}");
        let short = sustained_level(&s, 4e-3, true).expect("samples");
        assert!(short.value > 48.5, "{short:?}");
        // Edges are 0.1 ms ramps: crossings of 48.5 V at 1.975 and 5.025 ms.
        let below = longest_beyond(&s, 48.5, true);
        assert!((below - 3.05e-3).abs() < 1e-9, "{below}");
        let high = sustained_level(&s, 0.0, false).expect("samples");
        assert_eq!(high.value, 50.0);
    }
}
