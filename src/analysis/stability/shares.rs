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

    /// The largest shares of weights `p` (one per state of the block, summing
    /// to `total`), largest first, ties by name.
    pub(super) fn shares(&self, p: &[f64], total: f64, sums: &mut Vec<f64>) -> Vec<Share> {
        sums.clear();
        sums.resize(self.names.len(), 0.0);
        for (&id, pk) in self.id_of_state.iter().zip(p) {
            sums[id] += pk / total;
        }
        let mut kept: Vec<usize> = (0..sums.len()).filter(|&i| sums[i] > 0.0).collect();
        kept.sort_by(|&a, &b| {
            sums[b]
                .total_cmp(&sums[a])
                .then(self.names[a].cmp(self.names[b]))
        });
        kept.truncate(MAX_SHARES);
        kept.into_iter()
            .map(|i| Share {
                name: self.names[i].to_string(),
                fraction: sums[i],
            })
            .collect()
    }

    /// Like `shares`, but nothing is dropped: beyond the largest
    /// `MAX_SHARES` the rest is lumped into one share, "N others", so the
    /// fractions still sum to 1 (what a grouping by subsystem promises).
    pub(super) fn complete_shares(&self, p: &[f64], total: f64, sums: &mut Vec<f64>) -> Vec<Share> {
        let mut out = self.shares(p, total, sums);
        let nonzero = sums.iter().filter(|&&f| f > 0.0).count();
        if nonzero > out.len() {
            let listed: f64 = out.iter().map(|s| s.fraction).sum();
            let all: f64 = sums.iter().sum();
            out.push(Share {
                name: format!("{} others", nonzero - out.len()),
                fraction: (all - listed).max(0.0),
            });
        }
        out
    }
}
