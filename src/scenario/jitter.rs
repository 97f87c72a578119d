//! Reproducible random draws for scenarios: stagger delays and jittered
//! pulse trains, one independent stream per load.
//!
//! Owns the generator (SplitMix64) and the corners of a jittered `Pulse`.
//! Must not know circuits or names: `bind` hands it the loads in name
//! order. The corners are computed once, when the scenario is bound, so the
//! integrator's hot path only reads a table.
//!
//! Why one stream per load, seeded from a master stream: if every load
//! drew from one shared stream in turn, the profile of the 500th rack would
//! depend on how many cycles the first 499 had, so lengthening the run or
//! adding a row would reshuffle every rack behind it. With a stream of its
//! own, a load's profile depends only on the seed and its place in name
//! order.

use super::schema::{Jitter, Pulse};

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, seedable with any u64 and
/// fully specified, so draws are identical on every platform and version.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub(crate) fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [-1, 1).
    fn next_symmetric(&mut self) -> f64 {
        2.0 * self.next_unit() - 1.0
    }
}

/// The per-load streams of one jittered entry: the k-th call gives the
/// k-th load (in name order) its own generator.
pub(crate) struct LoadStreams(SplitMix64);

impl LoadStreams {
    pub(crate) fn new(seed: u64) -> Self {
        LoadStreams(SplitMix64(seed))
    }

    pub(crate) fn next_load(&mut self) -> SplitMix64 {
        SplitMix64(self.0.next_u64())
    }
}

/// The `(t, pu)` corners of one load's jittered pulse train, relative to
/// its stagger delay, up to the first cycle that starts at or after
/// `t_end` (or `cycles`).
///
/// Cycle k starts where cycle k−1 ended and lasts
/// `P_k = period·(1 + period_fraction·u_k)`; it ramps over `rise` from the
/// level the last cycle fell to up to `high·(1 + level_fraction·v_k)`, holds
/// until `duty·P_k` into the cycle, ramps over `fall` down to
/// `low·(1 + level_fraction·w_k)` and stays there. Before the first cycle
/// the load is at `low`. Validation guarantees `rise > 0`, `fall > 0` and
/// that both ramps fit the shortest possible cycle, so the corner times
/// increase strictly except where a fall ends exactly as the next cycle
/// starts; that repeated corner is dropped.
pub(crate) fn jittered_corners(
    p: &Pulse,
    jitter: &Jitter,
    t_end: f64,
    draws: &mut SplitMix64,
) -> Vec<(f64, f64)> {
    let mut corners = vec![(p.start, p.low)];
    let mut t = p.start;
    let mut k = 0u64;
    while t < t_end && p.cycles.is_none_or(|n| k < n) {
        let period = p.period * (1.0 + jitter.period_fraction * draws.next_symmetric());
        let high = p.high * (1.0 + jitter.level_fraction * draws.next_symmetric());
        let low = p.low * (1.0 + jitter.level_fraction * draws.next_symmetric());
        let fall_start = t + p.duty * period;
        let start_level = corners[corners.len() - 1].1;
        if corners[corners.len() - 1].0 < t {
            corners.push((t, start_level));
        }
        corners.extend([
            (t + p.rise, high),
            (fall_start, high),
            (fall_start + p.fall, low),
        ]);
        t += period;
        k += 1;
    }
    corners
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 0 from the reference implementation.
        let mut r = SplitMix64(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    fn jitter(period_fraction: f64, level_fraction: f64, seed: u64) -> Jitter {
        Jitter {
            period_fraction,
            level_fraction,
            seed,
        }
    }

    fn training(jitter: Jitter) -> Pulse {
        Pulse {
            low: 0.3,
            high: 1.0,
            period: 2.0,
            duty: 0.7,
            rise: 1e-3,
            fall: 1e-3,
            start: 0.1,
            cycles: None,
            jitter: Some(jitter),
        }
    }

    /// Cycle lengths and levels recovered from the corners.
    fn cycles(corners: &[(f64, f64)]) -> Vec<(f64, f64, f64)> {
        // (start, rise end, fall start, fall end) per cycle.
        corners
            .chunks_exact(4)
            .collect::<Vec<_>>()
            .windows(2)
            .map(|w| (w[1][0].0 - w[0][0].0, w[0][1].1, w[0][3].1))
            .collect()
    }

    #[test]
    fn cycles_stay_within_their_bounds_and_spread_over_them() {
        let j = jitter(0.02, 0.01, 7);
        let p = training(j.clone());
        let corners = jittered_corners(&p, &j, 600.0, &mut LoadStreams::new(7).next_load());
        assert!(
            corners.windows(2).all(|w| w[1].0 > w[0].0),
            "times increase"
        );
        let c = cycles(&corners);
        assert!(c.len() > 250, "about 300 cycles in 600 s, got {}", c.len());
        let (periods, highs): (Vec<f64>, Vec<f64>) = c.iter().map(|x| (x.0, x.1)).unzip();
        let lows: Vec<f64> = c.iter().map(|x| x.2).collect();
        for (v, nominal, frac) in [
            (&periods, 2.0, 0.02),
            (&highs, 1.0, 0.01),
            (&lows, 0.3, 0.01),
        ] {
            let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            assert!(lo >= nominal * (1.0 - frac) && hi <= nominal * (1.0 + frac));
            // Uniform draws: the extremes of ~300 draws reach the outer tenth.
            assert!(lo < nominal * (1.0 - 0.8 * frac) && hi > nominal * (1.0 + 0.8 * frac));
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            // Standard error of the mean of ~300 uniform draws: frac/sqrt(3·300).
            assert!((mean / nominal - 1.0).abs() < 4.0 * frac / (3.0f64 * 300.0).sqrt());
        }
        // Each cycle holds high for duty·P_k after its start.
        for q in corners.chunks_exact(4) {
            let period = (q[2].0 - q[0].0) / 0.7;
            assert!((period / 2.0 - 1.0).abs() <= 0.02 + 1e-12);
        }
    }

    #[test]
    fn each_load_draws_its_own_stream_from_the_seed() {
        let j = jitter(0.02, 0.01, 3);
        let p = training(j.clone());
        let run = |seed: u64| {
            let mut streams = LoadStreams::new(seed);
            (0..3)
                .map(|_| jittered_corners(&p, &j, 60.0, &mut streams.next_load()))
                .collect::<Vec<_>>()
        };
        let (a, b, c) = (run(3), run(3), run(4));
        assert_eq!(a, b, "the same seed gives the same corners");
        assert_ne!(a[0], a[1], "two loads differ");
        assert_ne!(a[0], c[0], "another seed differs");
        // A longer run extends a load's corners without changing the first ones.
        let longer = jittered_corners(&p, &j, 120.0, &mut LoadStreams::new(3).next_load());
        assert_eq!(longer[..a[0].len()], a[0][..]);
    }

    #[test]
    fn a_fall_that_ends_the_cycle_is_not_repeated_and_cycles_are_counted() {
        let j = jitter(0.0, 0.0, 1);
        let mut p = training(j.clone());
        p.duty = 0.5;
        p.fall = 1.0; // duty·period + fall = period
        p.cycles = Some(3);
        let corners = jittered_corners(&p, &j, 100.0, &mut SplitMix64(1));
        assert!(corners.windows(2).all(|w| w[1].0 > w[0].0));
        // Without jitter: the plain pulse's corners, 3 cycles.
        let want = [
            (0.1, 0.3),
            (0.101, 1.0),
            (1.1, 1.0),
            (2.1, 0.3),
            (2.101, 1.0),
            (3.1, 1.0),
            (4.1, 0.3),
        ];
        for (got, want) in corners.iter().zip(want) {
            assert!(
                (got.0 - want.0).abs() < 1e-12 && got.1 == want.1,
                "{got:?} vs {want:?}"
            );
        }
        // The start corner, then three per cycle: each cycle starts where
        // the last fall ended.
        assert_eq!(corners.len(), 1 + 3 * 3);
    }
}
