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
    if s.values.iter().all(|v| v.is_finite()) {
        return held(s.time, s.values, sign, duration);
    }
    // A column that stopped: its finite samples only. Rare, so the copy
    // does not matter; the common case above reads the column in place.
    let (t, x): (Vec<f64>, Vec<f64>) = s
        .time
        .iter()
        .zip(s.values)
        .filter(|(_, v)| v.is_finite())
        .map(|(&t, &v)| (t, v))
        .unzip();
    held(&t, &x, sign, duration)
}

/// [`sustained_level`] of finite samples `(t, x)`, read in place: the
/// search runs forward over the record and again backward (for windows
/// that end on a sample), the backward one through a reversed, negated
/// view of the same slices, which gives the same bits as a reversed copy.
fn held(t: &[f64], x: &[f64], sign: f64, duration: f64) -> Option<At> {
    if t.is_empty() {
        return None;
    }
    let forward = lowest_window_max(&View::<false> { t, x, sign }, duration);
    // Without a duration both searches find the same lowest sample, and
    // the backward one only wins when strictly lower: it never does.
    let backward = if duration > 0.0 {
        lowest_window_max(&View::<true> { t, x, sign }, duration).map(|a| At {
            value: a.value,
            time: -a.time - duration,
        })
    } else {
        None
    };
    let best = match (forward, backward) {
        (Some(f), Some(b)) => Some(if b.value < f.value { b } else { f }),
        (f, b) => f.or(b),
    };
    let best = best.unwrap_or_else(|| {
        // No full window: the record never stays anywhere for `duration`,
        // so the held level is its extreme on the safe side.
        let (k, v) = x
            .iter()
            .map(|v| sign * v)
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or((0, sign * x[0]), |(k, v)| (k, v));
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

/// The samples `(t, sign·x)` in order, or (`BACKWARD`) reversed with the
/// times negated, without copying them.
struct View<'a, const BACKWARD: bool> {
    t: &'a [f64],
    x: &'a [f64],
    sign: f64,
}

impl<const BACKWARD: bool> View<'_, BACKWARD> {
    fn len(&self) -> usize {
        self.t.len()
    }

    #[inline(always)]
    fn index(&self, k: usize) -> usize {
        if BACKWARD {
            self.t.len() - 1 - k
        } else {
            k
        }
    }

    #[inline(always)]
    fn t(&self, k: usize) -> f64 {
        let t = self.t[self.index(k)];
        if BACKWARD {
            -t
        } else {
            t
        }
    }

    #[inline(always)]
    fn x(&self, k: usize) -> f64 {
        self.sign * self.x[self.index(k)]
    }
}

/// min over sample-aligned window starts t_i (with t_i + d inside the
/// record) of the maximum of the piecewise-linear signal on [t_i, t_i + d].
fn lowest_window_max<const B: bool>(v: &View<B>, d: f64) -> Option<At> {
    let n = v.len();
    if d <= 0.0 {
        let (k, x) = (0..n)
            .map(|k| v.x(k))
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))?;
        return Some(At {
            value: x,
            time: v.t(k),
        });
    }
    let interp = |k: usize, at: f64| -> f64 {
        // Value at `at` on the piece that starts at sample k.
        let (tk, xk) = (v.t(k), v.x(k));
        if k + 1 >= n || v.t(k + 1) <= tk {
            return xk;
        }
        xk + (v.x(k + 1) - xk) * (at - tk) / (v.t(k + 1) - tk)
    };
    let last = v.t(n - 1);
    let mut best: Option<At> = None;
    // The monotone queue of window maxima is `queue[head..]`: indices with
    // decreasing values. Each index enters once, so a Vec with a moving
    // head holds it without wrapping.
    let mut queue: Vec<usize> = Vec::with_capacity(n);
    let mut head = 0usize;
    let mut j = 0usize; // next sample to enter the window
    for i in 0..n {
        let ti = v.t(i);
        let end = ti + d;
        if end > last {
            break;
        }
        while j < n && v.t(j) <= end {
            let xj = v.x(j);
            while queue.len() > head && v.x(queue[queue.len() - 1]) <= xj {
                queue.pop();
            }
            queue.push(j);
            j += 1;
        }
        while head < queue.len() && queue[head] < i {
            head += 1;
        }
        let inside = queue.get(head).map_or(f64::NEG_INFINITY, |&f| v.x(f));
        // The window's maximum is at least `inside`: when that cannot beat
        // the best, neither can the window, and its edge (a division) is
        // not worth computing.
        if best.is_some_and(|b| inside >= b.value) {
            continue;
        }
        let high = inside.max(interp(j - 1, end));
        if best.is_none_or(|b| high < b.value) {
            best = Some(At {
                value: high,
                time: ti,
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
