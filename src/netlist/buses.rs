//! Which declared bus a node belongs to, found without testing every
//! declaration: a circuit of n racks declares about n buses and has about
//! n nodes, so a scan of the list per node is quadratic (8,000 racks took
//! tens of seconds to validate).
//!
//! Exact names are looked up in a hash map; globs are grouped by the
//! literal text before their first wildcard, and a node tests only the
//! globs whose literal prefix it starts with. The first declaration in
//! list order wins, as a scan would give. Owns the lookup only.

use super::BusSpec;
use crate::glob;
use crate::hash::FastMap;
use std::collections::BTreeMap;

/// Bus declarations indexed for lookup by node name.
#[derive(Debug, Clone, Default)]
pub struct BusIndex {
    nominal: Vec<f64>,
    /// Exact name → position of its first declaration.
    exact: FastMap<String, usize>,
    /// Literal prefix → (position, pattern) of the globs that start with it.
    globs: BTreeMap<String, Vec<(usize, String)>>,
}

impl BusIndex {
    pub fn new(buses: &[BusSpec]) -> Self {
        let mut index = BusIndex {
            nominal: buses.iter().map(|b| b.nominal).collect(),
            ..BusIndex::default()
        };
        for (i, b) in buses.iter().enumerate() {
            if glob::is_glob(&b.pattern) {
                let literal = b.pattern.find(['*', '?']).unwrap_or(b.pattern.len());
                index
                    .globs
                    .entry(b.pattern[..literal].to_string())
                    .or_default()
                    .push((i, b.pattern.clone()));
            } else {
                index.exact.entry(b.pattern.clone()).or_insert(i);
            }
        }
        index
    }

    /// Nominal voltage of `node` from the first declaration matching it.
    pub fn nominal(&self, node: &str) -> Option<f64> {
        let mut first = self.exact.get(node).copied();
        let cuts = node
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(node.len()));
        for cut in cuts {
            let Some(group) = self.globs.get(&node[..cut]) else {
                continue;
            };
            for (i, pattern) in group {
                if first.is_some_and(|f| f < *i) {
                    break;
                }
                if glob::matches(pattern, node) {
                    first = Some(*i);
                    break;
                }
            }
        }
        first.map(|i| self.nominal[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pattern: &str, nominal: f64) -> BusSpec {
        BusSpec {
            pattern: pattern.into(),
            nominal,
        }
    }

    /// The index gives what a scan of the list in order gives.
    #[test]
    fn agrees_with_a_scan_in_order() {
        let buses = vec![
            spec("bus800", 800.0),
            spec("rack1.bus50", 50.0),
            spec("rack*.bus50", 48.0),
            spec("*.bus800", 801.0),
            spec("tap?", 802.0),
            spec("rack1.bus50", 12.0),
            spec("*", 1.0),
        ];
        let index = BusIndex::new(&buses);
        let scan = |node: &str| {
            buses
                .iter()
                .find(|b| glob::matches(&b.pattern, node))
                .map(|b| b.nominal)
        };
        for node in [
            "bus800",
            "rack1.bus50",
            "rack2.bus50",
            "rack2.bus800",
            "tap3",
            "tap12",
            "x",
            "",
            "räck.bus50",
        ] {
            assert_eq!(index.nominal(node), scan(node), "{node}");
        }
        assert_eq!(BusIndex::new(&[]).nominal("bus800"), None);
    }
}
