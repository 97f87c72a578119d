//! Folds table rows of identical units into one: the 18 rows `tray1.bus50`
//! … `tray18.bus50` of a rack whose trays all show the same numbers become
//! one row `tray1…18.bus50 (18 identical)`. Used by the terminal tables,
//! the HTML report's tables and `diff`.
//!
//! The rule, so that grouping never hides a difference a reader would see:
//! rows fold only when their names differ only in digit runs (the name
//! pattern of `groups`, shared with the figures) and every other cell of
//! theirs is identical *as printed*: the same text at the shown precision
//! (and, in HTML, the same verdict colour). Two trays at 49.871 V and
//! 49.872 V stay two rows; values that differ only below the printed digits
//! fold, because the reader could not tell them apart anyway. A group must
//! cover every combination of its varying indices (`rack1…2.tray1…3` means
//! all six), otherwise its rows stay separate.
//!
//! Owns the folding and the group's label. Must not format numbers: it
//! compares the text it is given.

use super::groups::{runs, signature};
use super::html::{Cell, Table};
use crate::units::natural_cmp;

/// Folds the rows of a table model whose first cell is the row's name.
/// Callable on any [`Table`] (terminal and HTML tables use it).
pub fn group_table(mut table: Table) -> Table {
    let rows = std::mem::take(&mut table.rows)
        .into_iter()
        .map(|mut row| {
            let name = if row.is_empty() {
                String::new()
            } else {
                row.remove(0).text
            };
            (name, row)
        })
        .collect();
    table.rows = group_rows(rows)
        .into_iter()
        .map(|(name, rest)| {
            let mut row = vec![Cell::text(name)];
            row.extend(rest);
            row
        })
        .collect();
    table
}

/// Folds `(name, shown)` rows with the same name pattern and equal `shown`
/// into one row named like `tray1…18.bus50 (18 identical)`, at the place of
/// the first; other rows keep their order.
pub fn group_rows<T: PartialEq>(rows: Vec<(String, T)>) -> Vec<(String, T)> {
    let keys: Vec<String> = rows.iter().map(|(name, _)| signature(name)).collect();
    // Group members by index, in first-seen order.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..rows.len() {
        let found = groups
            .iter_mut()
            .find(|g| keys[g[0]] == keys[i] && rows[g[0]].1 == rows[i].1);
        match found {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    let mut label: Vec<Option<String>> = vec![None; rows.len()];
    let mut folded = vec![false; rows.len()];
    for g in groups.iter().filter(|g| g.len() > 1) {
        let names: Vec<&str> = g.iter().map(|&i| rows[i].0.as_str()).collect();
        if let Some(pattern) = grid_label(&names) {
            label[g[0]] = Some(format!("{pattern} ({} identical)", g.len()));
            for &i in &g[1..] {
                folded[i] = true;
            }
        }
    }
    rows.into_iter()
        .enumerate()
        .filter(|(i, _)| !folded[*i])
        .map(|(i, (name, shown))| (label[i].take().unwrap_or(name), shown))
        .collect()
}

/// The label of names that share a signature, when they are every
/// combination of the indices that vary (`tray1…18.bus50`); `None`
/// otherwise (duplicates, a partial grid, or an index too long to read).
fn grid_label(names: &[&str]) -> Option<String> {
    let split: Vec<Vec<(bool, &str)>> = names.iter().map(|n| runs(n)).collect();
    let first = &split[0];
    let mut combinations = 1usize;
    let mut parts = Vec::with_capacity(first.len());
    for (k, &(digit, text)) in first.iter().enumerate() {
        let mut values: Vec<&str> = split.iter().filter_map(|r| r.get(k).map(|x| x.1)).collect();
        values.sort_by(|a, b| natural_cmp(a, b));
        values.dedup();
        if !digit || values.len() == 1 {
            parts.push(text.to_string());
            continue;
        }
        combinations = combinations.checked_mul(values.len())?;
        parts.push(index_set(&values)?);
    }
    let mut distinct = names.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    (combinations == names.len() && distinct.len() == names.len()).then(|| parts.concat())
}

/// `1…18` for consecutive indices, `{1,3,5}` for others; `None` when an
/// index does not fit in 64 bits.
fn index_set(sorted: &[&str]) -> Option<String> {
    let numbers: Vec<u64> = sorted
        .iter()
        .map(|s| s.parse().ok())
        .collect::<Option<_>>()?;
    let consecutive = numbers
        .windows(2)
        .all(|w| w[0].checked_add(1) == Some(w[1]));
    let (first, last) = (sorted[0], sorted[sorted.len() - 1]);
    Some(if consecutive {
        format!("{first}…{last}")
    } else {
        format!("{{{}}}", sorted.join(","))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn identical_trays_fold_into_one_row() {
        let mut input = vec![("bus800".to_string(), "799.96 V".to_string())];
        input.extend((1..=18).map(|i| (format!("tray{i}.bus50"), "49.872 V".to_string())));
        input.push(("i(lfeed)".into(), "1.234 kA".into()));
        let out = group_rows(input);
        assert_eq!(
            out,
            rows(&[
                ("bus800", "799.96 V"),
                ("tray1…18.bus50 (18 identical)", "49.872 V"),
                ("i(lfeed)", "1.234 kA"),
            ])
        );
    }

    #[test]
    fn a_row_that_prints_differently_stays_apart() {
        let input = rows(&[
            ("tray1.bus50", "49.872 V"),
            ("tray2.bus50", "49.871 V"),
            ("tray3.bus50", "49.872 V"),
            ("tray4.bus50", "49.872 V"),
        ]);
        let out = group_rows(input);
        assert_eq!(
            out,
            rows(&[
                ("tray{1,3,4}.bus50 (3 identical)", "49.872 V"),
                ("tray2.bus50", "49.871 V"),
            ])
        );
    }

    #[test]
    fn grids_fold_and_partial_grids_do_not() {
        let full: Vec<(String, String)> = (1..=2)
            .flat_map(|r| (1..=3).map(move |t| (format!("rack{r}.tray{t}"), "x".to_string())))
            .collect();
        assert_eq!(
            group_rows(full),
            rows(&[("rack1…2.tray1…3 (6 identical)", "x")])
        );
        let partial = rows(&[("rack1.tray1", "x"), ("rack2.tray2", "x")]);
        assert_eq!(group_rows(partial.clone()), partial);
        let duplicates = rows(&[("a1", "x"), ("a1", "x")]);
        assert_eq!(group_rows(duplicates.clone()), duplicates);
        let different_words = rows(&[("min a1", "x"), ("max a1", "x")]);
        assert_eq!(group_rows(different_words.clone()), different_words);
    }

    #[test]
    fn tables_keep_their_first_cell_as_the_name() {
        let t = Table {
            rows: (1..=3)
                .map(|i| vec![Cell::text(format!("u{i}")), Cell::number("1.000 A")])
                .collect(),
            ..Table::default()
        };
        let t = group_table(t);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0][0], Cell::text("u1…3 (3 identical)"));
        assert_eq!(t.rows[0][1], Cell::number("1.000 A"));
    }
}
