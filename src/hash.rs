//! A fast hasher for the maps that elaboration and compilation fill with
//! one entry per name, node or Jacobian entry of a circuit.
//!
//! The standard library's SipHash resists flooding by crafted keys, which
//! a circuit file written by its own user has no reason to attempt; on a
//! hall of 10,000 racks it was the largest single cost of `validate`
//! (hundreds of thousands of hierarchical names and index pairs). This one
//! reads eight bytes per multiply and mixes the result once at the end.
//! It is keyed by nothing, so a map's iteration order is the same on every
//! run; no output may depend on that order all the same (sort first).
//!
//! Owns the hasher and the map aliases only.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// An odd constant with its bits spread evenly (from the golden ratio).
const SPREAD: u64 = 0x9e37_79b9_7f4a_7c15;

/// A multiply–rotate hasher with a final avalanche step, so that keys that
/// differ only in their last characters (`rack17`, `rack18`) land in
/// different buckets of a power-of-two table.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher {
    state: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.state = (self.state.rotate_left(23) ^ word).wrapping_mul(SPREAD);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            self.add(u64::from_le_bytes(word));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" and "ab\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiplies leave the high bits well mixed and the low bits
        // poorly; the table indexes by the low bits.
        let x = self.state ^ (self.state >> 32);
        let x = x.wrapping_mul(SPREAD);
        x ^ (x >> 29)
    }
}

/// Builds [`FastHasher`]s.
pub type FastBuild = BuildHasherDefault<FastHasher>;

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, FastBuild>;

/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = HashSet<K, FastBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash<T: Hash + ?Sized>(value: &T) -> u64 {
        FastBuild::default().hash_one(value)
    }

    /// Names that differ in one late character, or only by a trailing
    /// zero byte or by how they split into words, hash apart.
    #[test]
    fn near_names_differ() {
        let names = [
            "row1.rack1.bus50",
            "row1.rack2.bus50",
            "row1.rack1.bus5",
            "row1.rack1.bus50\0",
            "ab",
            "ab\0",
            "",
        ];
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(hash(*a), hash(*b), "{a:?} / {b:?}");
            }
        }
        assert_ne!(hash(&(1usize, 2usize)), hash(&(2usize, 1usize)));
    }

    /// Sequential index pairs fill the low bits evenly: 4096 keys in 4096
    /// buckets by their low 12 bits leave few empty (a uniform hash leaves
    /// about 1/e of them, 37 %).
    #[test]
    fn low_bits_spread() {
        let mut used = vec![false; 4096];
        for row in 1..=1024usize {
            for col in row..row + 4 {
                used[(hash(&(row, col)) & 4095) as usize] = true;
            }
        }
        let empty = used.iter().filter(|u| !**u).count();
        assert!(empty < 4096 * 45 / 100, "{empty} of 4096 buckets empty");
    }
}
