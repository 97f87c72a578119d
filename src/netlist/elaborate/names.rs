//! Which elaborated component has a given full name, for the duplicate
//! check, without a second copy of every name: the index keeps each name's
//! hash and the position of its component, and compares against the
//! component's own name. On a hall of 10,000 racks the copies were 72,000
//! strings allocated, then freed at once at the end of elaboration.
//!
//! Owns the lookup only; the message about a duplicate is the parent
//! module's.

use crate::hash::{FastBuild, FastMap};
use std::hash::BuildHasher;

/// Full names of the components built so far.
#[derive(Debug, Default)]
pub(super) struct NameIndex {
    /// Hash of a name → the first component with a name of that hash.
    first: FastMap<u64, usize>,
    /// Names whose hash an earlier, different name had, with their
    /// component (a 64-bit collision: kept correct, not expected).
    collided: FastMap<String, usize>,
}

impl NameIndex {
    /// Makes room for `more` names.
    pub(super) fn try_reserve(&mut self, more: usize) {
        let _ = self.first.try_reserve(more);
    }

    /// The component named `name`; `name_of` gives the name of the
    /// component at a position.
    pub(super) fn get<'a>(&self, name: &str, name_of: impl Fn(usize) -> &'a str) -> Option<usize> {
        match self.first.get(&hash(name)) {
            Some(&i) if name_of(i) == name => Some(i),
            Some(_) => self.collided.get(name).copied(),
            None => None,
        }
    }

    /// Records that the component at `index` is named `name`, which
    /// [`NameIndex::get`] did not find.
    pub(super) fn insert(&mut self, name: &str, index: usize) {
        match self.first.entry(hash(name)) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(name.to_string(), index);
            }
        }
    }
}

fn hash(name: &str) -> u64 {
    FastBuild::default().hash_one(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finds what was inserted, nothing else, also when two names share a
    /// hash (forced here by planting one name's hash for another).
    #[test]
    fn finds_names_and_survives_collisions() {
        let names = ["row1.cbus", "row1.rack1.gpu", "row2.cbus", "clash"];
        let mut index = NameIndex::default();
        for (i, n) in names.iter().take(3).enumerate() {
            assert_eq!(index.get(n, |k| names[k]), None);
            index.insert(n, i);
        }
        for (i, n) in names.iter().take(3).enumerate() {
            assert_eq!(index.get(n, |k| names[k]), Some(i));
        }
        assert_eq!(index.get("row3.cbus", |k| names[k]), None);
        // "clash" takes the hash slot of "row1.cbus" as if they collided.
        index.first.insert(hash("clash"), 0);
        assert_eq!(index.get("clash", |k| names[k]), None);
        index.collided.insert("clash".into(), 3);
        assert_eq!(index.get("clash", |k| names[k]), Some(3));
        assert_eq!(index.get("row1.cbus", |k| names[k]), Some(0));
    }
}
