//! The points of a sweep: the grid (every combination of the grid and
//! corner values), each repeated for every Monte Carlo sample.
//!
//! Point `k` is computed from `k` alone: grid index `k / samples`, sample
//! `k % samples`, and the sample's draws come from a ChaCha generator seeded
//! with the sweep's seed on stream `k % samples`. So any subset of points
//! (a shard, a thread's share) gets the same values in any order, and every
//! grid point sees the same draws (common random numbers).
//!
//! Owns the values of points. Must not run them.

use super::spec::{Axis, SweepSpec, Tolerance};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal, StandardUniform};
use std::collections::BTreeMap;

/// The parameters of a sweep with their values, ready to index.
#[derive(Debug, Clone)]
pub struct Points {
    /// Grid parameters (name order) with their values.
    grid: Vec<(String, Vec<f64>)>,
    /// Monte Carlo parameters (name order) with nominal and tolerance.
    drawn: Vec<(String, f64, Tolerance)>,
    samples: usize,
    seed: u64,
}

impl Points {
    /// The points of `spec`; `nominal` gives the value of every `Corners`
    /// and Monte Carlo parameter in the unswept circuit.
    pub fn new(spec: &SweepSpec, nominal: &BTreeMap<String, f64>) -> Points {
        let value = |name: &str| nominal.get(name).copied().unwrap_or(f64::NAN);
        let grid = spec
            .parameters
            .iter()
            .map(|(name, axis)| (name.clone(), axis_values(axis, value(name))))
            .collect();
        let (drawn, samples, seed) = match &spec.monte_carlo {
            Some(mc) => (
                mc.vary
                    .iter()
                    .map(|(name, t)| (name.clone(), value(name), *t))
                    .collect(),
                mc.samples,
                mc.seed,
            ),
            None => (Vec::new(), 1, 0),
        };
        Points {
            grid,
            drawn,
            samples,
            seed,
        }
    }

    /// Parameter names, grid first, in column order.
    pub fn names(&self) -> Vec<String> {
        let grid = self.grid.iter().map(|(n, _)| n.clone());
        grid.chain(self.drawn.iter().map(|(n, _, _)| n.clone()))
            .collect()
    }

    /// The grid parameters and their values.
    pub fn grid(&self) -> &[(String, Vec<f64>)] {
        &self.grid
    }

    /// Whether the sweep draws Monte Carlo samples.
    pub fn is_monte_carlo(&self) -> bool {
        !self.drawn.is_empty()
    }

    pub fn len(&self) -> usize {
        let grid: usize = self.grid.iter().map(|(_, v)| v.len()).product();
        grid * self.samples
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values of point `k`, in the order of [`Points::names`].
    pub fn values(&self, k: usize) -> Vec<f64> {
        let (mut g, sample) = (k / self.samples, k % self.samples);
        let mut grid = vec![0.0; self.grid.len()];
        // The last grid parameter varies fastest.
        for (slot, (_, values)) in grid.iter_mut().zip(&self.grid).rev() {
            *slot = values[g % values.len()];
            g /= values.len();
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(sample as u64);
        let drawn = self
            .drawn
            .iter()
            .map(|(_, nominal, t)| nominal * (1.0 + draw(*t, &mut rng) / 100.0));
        grid.into_iter().chain(drawn).collect()
    }

    /// Point `k` as overrides.
    pub fn overrides(&self, k: usize) -> BTreeMap<String, f64> {
        self.names().into_iter().zip(self.values(k)).collect()
    }
}

/// The values of one grid axis around `nominal`.
fn axis_values(axis: &Axis, nominal: f64) -> Vec<f64> {
    match *axis {
        Axis::List(ref values) => values.clone(),
        Axis::Linear { from, to, points } => (0..points)
            .map(|k| from + (to - from) * k as f64 / (points - 1) as f64)
            .collect(),
        Axis::Log { from, to, points } => {
            let (a, b) = (from.ln(), to.ln());
            (0..points)
                .map(|k| (a + (b - a) * k as f64 / (points - 1) as f64).exp())
                .collect()
        }
        Axis::Corners { percent } => {
            vec![
                nominal * (1.0 - percent / 100.0),
                nominal * (1.0 + percent / 100.0),
            ]
        }
    }
}

/// One deviation in percent.
fn draw(t: Tolerance, rng: &mut ChaCha8Rng) -> f64 {
    match t {
        Tolerance::Uniform { percent } => {
            let u: f64 = StandardUniform.sample(rng);
            percent * (2.0 * u - 1.0)
        }
        Tolerance::Normal { sigma_percent } => {
            let z: f64 = StandardNormal.sample(rng);
            sigma_percent * z
        }
        Tolerance::TruncatedNormal {
            sigma_percent,
            limit_percent,
        } => loop {
            // Validation keeps the limit above σ/10, so this ends quickly.
            let z: f64 = StandardNormal.sample(rng);
            if (sigma_percent * z).abs() <= limit_percent {
                return sigma_percent * z;
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::spec::parse_str;
    use std::path::Path;

    fn points(text: &str, nominal: &[(&str, f64)]) -> Points {
        let spec = parse_str(text, Path::new("t.ron")).expect("parses");
        let nominal = nominal.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        Points::new(&spec, &nominal)
    }

    #[test]
    fn grid_is_the_product_with_the_last_parameter_fastest() {
        let p = points(
            r#"Sweep(name: "g", circuit: "c.ron", scenarios: ["s.ron"], parameters: {
                "a": List([1, 2]), "b": Linear(from: 0, to: 1, points: 3),
                "c": Corners(percent: 10) })"#,
            &[("c", 5.0)],
        );
        assert_eq!(p.names(), ["a", "b", "c"]);
        assert_eq!(p.len(), 12);
        assert_eq!(p.values(0), [1.0, 0.0, 4.5]);
        assert_eq!(p.values(1), [1.0, 0.0, 5.5]);
        assert_eq!(p.values(2), [1.0, 0.5, 4.5]);
        assert_eq!(p.values(11), [2.0, 1.0, 5.5]);
    }

    #[test]
    fn log_grid_is_geometric() {
        let p = points(
            r#"Sweep(name: "g", circuit: "c.ron", scenarios: ["s.ron"],
                parameters: { "a": Log(from: 1e-3, to: 1e-1, points: 3) })"#,
            &[],
        );
        let v: Vec<f64> = (0..3).map(|k| p.values(k)[0]).collect();
        assert!(
            (v[1] - 1e-2).abs() < 1e-15 && (v[2] - 1e-1).abs() < 1e-15,
            "{v:?}"
        );
    }

    #[test]
    fn draws_depend_on_the_sample_only_and_follow_their_law() {
        let p = points(
            r#"Sweep(name: "m", circuit: "c.ron", scenarios: ["s.ron"],
                parameters: { "g": List([1, 2]) },
                monte_carlo: (samples: 4000, seed: 11, vary: {
                    "n": Normal(sigma_percent: 10), "t": TruncatedNormal(sigma_percent: 10, limit_percent: 5),
                    "u": Uniform(percent: 20) }))"#,
            &[("n", 100.0), ("t", 1.0), ("u", 10.0)],
        );
        assert_eq!(p.len(), 8000);
        // Same sample at both grid values, and independent of call order.
        assert_eq!(p.values(4003)[1..], p.values(3)[1..]);
        let col = |i: usize| -> Vec<f64> { (0..4000).map(|k| p.values(k)[i]).collect() };
        let n = col(1);
        let mean = n.iter().sum::<f64>() / 4000.0;
        let sd = (n.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3999.0).sqrt();
        // Standard errors: 10/√4000 = 0.16 on the mean, ~1.1 % on σ.
        assert!((mean - 100.0).abs() < 0.7, "mean {mean}");
        assert!((sd - 10.0).abs() < 0.5, "sd {sd}");
        assert!(col(2).iter().all(|x| (0.95..=1.05).contains(x)));
        let u = col(3);
        assert!(u.iter().all(|x| (8.0..12.0).contains(x)));
        let below = u.iter().filter(|x| **x < 10.0).count() as f64 / 4000.0;
        assert!((below - 0.5).abs() < 0.04, "{below}");
    }
}
