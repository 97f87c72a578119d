//! Participation shares: a mode's participation factors (one per state)
//! summed per name (owning component, state, subsystem) and normalised.
//!
//! Owns the summing and the choice of which shares are listed. Must not
//! decompose matrices (`modes`, `partial`) nor format text.

use serde::Serialize;

/// Shares listed per mode (the largest ones).
const MAX_SHARES: usize = 12;

/// One named share of a mode's participation (fractions sum to 1).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Share {
    pub name: String,
    pub fraction: f64,
}

/// The distinct names of a block's states (owners or state names), each
/// state mapped to its name's number: summing a mode's participation per
/// name is then arithmetic on a vector, once per mode, instead of a map of
/// strings (which was the larger part of the decomposition's time).
pub(super) struct NameIds<'a> {
    names: Vec<&'a str>,
    id_of_state: Vec<usize>,
}

impl<'a> NameIds<'a> {
    pub(super) fn new(group: &[usize], names: &'a [String]) -> Self {
        let mut distinct: Vec<&str> = group.iter().map(|&k| names[k].as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let id_of_state = group
            .iter()
            .map(|&k| distinct.binary_search(&names[k].as_str()).unwrap_or(0))
            .collect();
        NameIds {
            names: distinct,
            id_of_state,
        }
    }

    /// The largest shares of weights `p` (state, weight; summing to
    /// `total`), largest first, ties by name. Only the names of the states
    /// in `p` are touched, so a mode spread over few of many states costs
    /// little.
    pub(super) fn shares(&self, p: &[(usize, f64)], total: f64, sums: &mut Sums) -> Vec<Share> {
        sums.add(p, total, &self.id_of_state, self.names.len());
        let mut kept: Vec<usize> = sums
            .touched
            .iter()
            .copied()
            .filter(|&i| sums.of[i] > 0.0)
            .collect();
        kept.sort_by(|&a, &b| {
            sums.of[b]
                .total_cmp(&sums.of[a])
                .then(self.names[a].cmp(self.names[b]))
        });
        kept.truncate(MAX_SHARES);
        kept.into_iter()
            .map(|i| Share {
                name: self.names[i].to_string(),
                fraction: sums.of[i],
            })
            .collect()
    }

    /// Like `shares`, but nothing is dropped: beyond the largest
    /// `MAX_SHARES` the rest is lumped into one share, "N others", so the
    /// fractions still sum to 1 (what a grouping by subsystem promises).
    pub(super) fn complete_shares(
        &self,
        p: &[(usize, f64)],
        total: f64,
        sums: &mut Sums,
    ) -> Vec<Share> {
        let mut out = self.shares(p, total, sums);
        sums.touched.sort_unstable();
        let nonzero = sums.touched.iter().filter(|&&i| sums.of[i] > 0.0).count();
        if nonzero > out.len() {
            let listed: f64 = out.iter().map(|s| s.fraction).sum();
            let all: f64 = sums.touched.iter().map(|&i| sums.of[i]).sum();
            out.push(Share {
                name: format!("{} others", nonzero - out.len()),
                fraction: (all - listed).max(0.0),
            });
        }
        out
    }
}

/// Scratch of the sums per name, reused from mode to mode: the sum of each
/// name and which names the last mode touched.
#[derive(Default)]
pub(super) struct Sums {
    of: Vec<f64>,
    seen: Vec<bool>,
    touched: Vec<usize>,
}

impl Sums {
    /// Clears what the last mode touched, then sums `p` per name.
    fn add(&mut self, p: &[(usize, f64)], total: f64, id_of_state: &[usize], names: usize) {
        for &i in &self.touched {
            self.of[i] = 0.0;
            self.seen[i] = false;
        }
        self.touched.clear();
        self.of.resize(names, 0.0);
        self.seen.resize(names, false);
        for &(k, w) in p {
            let id = id_of_state[k];
            if !self.seen[id] {
                self.seen[id] = true;
                self.touched.push(id);
            }
            self.of[id] += w / total;
        }
    }
}
