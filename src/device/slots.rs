//! The Jacobian entries a [`Builder`](super::Builder) has handed out:
//! (row, column) → slot, looked up every time a device asks for an entry.
//!
//! Stored by row, each row's first entries inline in one small record of
//! a vector indexed by row. A device asks for entries in its own rows and
//! its terminals' rows, which the builder numbered a moment before, so
//! the records it touches lie together at the end of that vector: the
//! cost per entry stays the same however large the circuit grows. (A map
//! over all entries, ordered or hashed, sends each request to a random
//! place in a table of several megabytes on a hall of 10,000 racks.)
//! A row with more entries than fit inline (a bus that a thousand feeders
//! share) moves to a hash map of its own.
//!
//! Owns only this storage; numbering belongs to the builder.

use super::contract::Slot;
use crate::hash::FastMap;

/// Entries kept inline per row; the hall's rows hold up to six.
const INLINE: usize = 7;

/// `len` of a row whose entries moved to `wide`.
const WIDE: u8 = u8::MAX;

/// One row's entries, in the order they were handed out.
#[derive(Debug, Clone, Copy, Default)]
struct Row {
    len: u8,
    cols: [u32; INLINE],
    slots: [u32; INLINE],
}

/// (row, column) → slot.
#[derive(Debug, Default)]
pub(crate) struct SlotTable {
    rows: Vec<Row>,
    /// Columns of the rows too long to keep inline, and the entries whose
    /// indices do not fit in 32 bits.
    wide: FastMap<(usize, usize), Slot>,
    len: usize,
}

impl SlotTable {
    /// Makes room for `rows` rows.
    pub(crate) fn reserve_rows(&mut self, rows: usize) {
        self.rows.reserve(rows);
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The slot of entry (row, col), if it was handed out.
    pub(crate) fn get(&self, row: usize, col: usize) -> Option<Slot> {
        match self.rows.get(row) {
            Some(r) if r.len != WIDE => {
                let col = u32::try_from(col).ok()?;
                let n = usize::from(r.len);
                r.cols[..n]
                    .iter()
                    .position(|&c| c == col)
                    .map(|k| r.slots[k] as Slot)
            }
            _ => self.wide.get(&(row, col)).copied(),
        }
    }

    /// Records entry (row, col) → slot; the entry must be new.
    pub(crate) fn insert(&mut self, row: usize, col: usize, slot: Slot) {
        self.len += 1;
        let fits = u32::try_from(row).is_ok();
        let (true, Ok(c), Ok(s)) = (fits, u32::try_from(col), u32::try_from(slot)) else {
            self.widen(row);
            self.wide.insert((row, col), slot);
            return;
        };
        if self.rows.len() <= row {
            self.rows.resize(row + 1, Row::default());
        }
        let r = &mut self.rows[row];
        let n = usize::from(r.len);
        if r.len != WIDE && n < INLINE {
            r.cols[n] = c;
            r.slots[n] = s;
            r.len += 1;
        } else {
            self.widen(row);
            self.wide.insert((row, col), slot);
        }
    }

    /// Moves a row's inline entries to `wide`.
    fn widen(&mut self, row: usize) {
        let Some(r) = self.rows.get_mut(row) else {
            return;
        };
        if r.len == WIDE {
            return;
        }
        let n = usize::from(r.len);
        for k in 0..n {
            self.wide
                .insert((row, r.cols[k] as usize), r.slots[k] as Slot);
        }
        r.len = WIDE;
    }

    /// Every entry as (row, col, slot): the inline rows in row order, then
    /// the wide entries in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, usize, Slot)> + '_ {
        let inline = self.rows.iter().enumerate().flat_map(|(row, r)| {
            let n = if r.len == WIDE { 0 } else { usize::from(r.len) };
            (0..n).map(move |k| (row, r.cols[k] as usize, r.slots[k] as Slot))
        });
        let wide = self
            .wide
            .iter()
            .map(|(&(row, col), &slot)| (row, col, slot));
        inline.chain(wide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Asks for entry (row, col) as the builder does: the slot if it was
    /// handed out, else a new one.
    fn ask(
        table: &mut SlotTable,
        map: &mut BTreeMap<(usize, usize), Slot>,
        row: usize,
        col: usize,
    ) {
        let known = map.get(&(row, col)).copied();
        assert_eq!(table.get(row, col), known, "({row}, {col})");
        if known.is_none() {
            let slot = map.len() + 1;
            table.insert(row, col, slot);
            map.insert((row, col), slot);
        }
    }

    /// Against an ordered map, through rows that stay inline, rows that
    /// overflow to the wide map, and indices beyond 32 bits.
    #[test]
    fn agrees_with_a_map() {
        let mut table = SlotTable::default();
        let mut map = BTreeMap::new();
        for row in 1..40 {
            for k in 0..(row % 12) {
                ask(&mut table, &mut map, row, (row * 7 + k * 13) % 50 + 1);
                ask(&mut table, &mut map, k + 1, row);
            }
        }
        ask(&mut table, &mut map, 3, 1 << 40);
        ask(&mut table, &mut map, 1 << 40, 3);
        ask(&mut table, &mut map, 5, 1 << 40);
        let asked: Vec<(usize, usize)> = map.keys().copied().collect();
        for (row, col) in asked {
            ask(&mut table, &mut map, row, col);
        }
        let mut listed: Vec<(usize, usize, Slot)> = table.iter().collect();
        listed.sort_unstable();
        let expected: Vec<(usize, usize, Slot)> =
            map.iter().map(|(&(r, c), &s)| (r, c, s)).collect();
        assert_eq!(listed, expected);
        assert_eq!(table.len(), map.len());
        assert!(table.rows.iter().any(|r| r.len == WIDE), "a row overflowed");
    }
}
