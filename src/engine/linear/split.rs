//! Splitting one sparse LU into two independent halves and a top, so that
//! the refactorisations and solves of a large model use two cores.
//!
//! After a pivoting factorisation the structure of L and U is known.
//! Column j of the left-looking refactorisation reads the L columns of
//! the rows of U(:, j) and writes its own L and U entries; the solves
//! touch the rows of each column's L and U. Group the pivot positions
//! below some `b` into the connected components of those two relations
//! (a hall's rows, for a star of rows on one backbone), pack the
//! components into two bins of about equal work, and number the pivot
//! positions bin A, then bin B, then the top `[b, n)`, each in its former
//! order. That numbering is still a valid elimination order (every
//! dependency points to a smaller position), A and B never read or write
//! each other's columns or rows, and the top, which may read both, runs
//! after them. The cut `b` minimises the estimated time on two cores,
//! `max(largest component, half the work below b) + work of the top`.
//!
//! The plan depends only on the structure, never on the number of
//! threads, and the two bins run as two `rayon::join` tasks even on one
//! thread: the bytes are the same on any number of threads.
//!
//! Owns the plan and the renumbering; the numeric loops stay in the
//! parent module.

use super::{SparseLu, NONE};

/// Matrices below this size factor in one piece: a refactorisation then
/// takes tens of microseconds, and two tasks cost a few.
pub(super) const SPLIT_UNKNOWNS: usize = 4096;

/// A split is kept only if it promises at least this speed-up on two
/// cores (estimated two-core time below 75 % of the one-core work).
const WORTHWHILE: f64 = 0.75;

/// Pivot positions `[0, a)` (bin A) and `[a, b)` (bin B) are independent;
/// `[b, n)` is the top. `b == 0`: no split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Split {
    pub a: usize,
    pub b: usize,
}

/// Union-find over pivot positions with each component's work.
struct Components {
    parent: Vec<usize>,
    work: Vec<f64>,
}

impl Components {
    fn new(work: &[f64]) -> Self {
        Components {
            parent: (0..work.len()).collect(),
            work: work.to_vec(),
        }
    }

    fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the components of x and y; the smaller position stays root,
    /// so the outcome does not depend on the order of the unions.
    fn join(&mut self, x: usize, y: usize) {
        let (rx, ry) = (self.root(x), self.root(y));
        if rx != ry {
            let (keep, gone) = (rx.min(ry), rx.max(ry));
            self.parent[gone] = keep;
            self.work[keep] += self.work[gone];
        }
    }
}

/// The factor's structure in pivot positions, as the plan reads it.
pub(super) struct Structure<'a> {
    pub l_ptr: &'a [usize],
    pub l_idx: &'a [usize],
    pub u_ptr: &'a [usize],
    pub u_idx: &'a [usize],
    /// Matrix entries of the column eliminated at each pivot position.
    pub entries: Vec<usize>,
}

impl Structure<'_> {
    fn n(&self) -> usize {
        self.entries.len()
    }

    /// Floating-point work of refactoring and solving column j.
    fn work(&self, j: usize) -> f64 {
        let l_len = |k: usize| self.l_ptr[k + 1] - self.l_ptr[k];
        let upper = &self.u_idx[self.u_ptr[j]..self.u_ptr[j + 1]];
        let reads: usize = upper.iter().map(|&k| l_len(k)).sum();
        (1 + self.entries[j] + upper.len() + l_len(j) + reads) as f64
    }

    /// For each position i, the positions j < i linked to it: the rows of
    /// U(:, i) and the columns j with L(i, j) != 0.
    fn lower_links(&self) -> (Vec<usize>, Vec<usize>) {
        let n = self.n();
        let mut count = vec![0usize; n + 1];
        for j in 0..n {
            count[j + 1] += self.u_ptr[j + 1] - self.u_ptr[j];
            for &i in &self.l_idx[self.l_ptr[j]..self.l_ptr[j + 1]] {
                count[i + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut next = count.clone();
        let mut links = vec![0usize; count[n]];
        for j in 0..n {
            for &k in &self.u_idx[self.u_ptr[j]..self.u_ptr[j + 1]] {
                links[next[j]] = k;
                next[j] += 1;
            }
            for &i in &self.l_idx[self.l_ptr[j]..self.l_ptr[j + 1]] {
                links[next[i]] = j;
                next[i] += 1;
            }
        }
        (count, links)
    }
}

/// The renumbering (new position of each old one) and the split, or None
/// when no cut promises a worthwhile speed-up.
pub(super) fn plan(s: &Structure) -> Option<(Vec<usize>, Split)> {
    let n = s.n();
    let work: Vec<f64> = (0..n).map(|j| s.work(j)).collect();
    let total: f64 = work.iter().sum();
    let (link_ptr, links) = s.lower_links();
    let linked = |j: usize| &links[link_ptr[j]..link_ptr[j + 1]];
    // Add positions in order; after adding j the components are those of
    // [0, j]. The largest component only grows.
    let mut parts = Components::new(&work);
    let (mut done, mut largest) = (0.0, 0.0f64);
    let mut best = (total, 0usize);
    for (j, &w) in work.iter().enumerate() {
        done += w;
        for &k in linked(j) {
            parts.join(j, k);
        }
        let root = parts.root(j);
        largest = largest.max(parts.work[root]);
        let estimate = largest.max(done / 2.0) + (total - done);
        if estimate < best.0 {
            best = (estimate, j + 1);
        }
    }
    let b = best.1;
    if b == 0 || best.0 > WORTHWHILE * total {
        return None;
    }
    // The components of [0, b), each named by its smallest position.
    let mut parts = Components::new(&work);
    for j in 0..b {
        for &k in linked(j) {
            parts.join(j, k);
        }
    }
    let mut roots: Vec<usize> = (0..b).filter(|&j| parts.root(j) == j).collect();
    roots.sort_by(|&x, &y| parts.work[y].total_cmp(&parts.work[x]).then(x.cmp(&y)));
    let mut in_b = vec![false; n];
    let mut load = [0.0f64; 2];
    for &r in &roots {
        let bin = usize::from(load[1] < load[0]);
        load[bin] += parts.work[r];
        in_b[r] = bin == 1;
    }
    let mut new_of_old = vec![NONE; n];
    let mut next = 0;
    for second in [false, true] {
        for (j, slot) in new_of_old.iter_mut().enumerate().take(b) {
            if in_b[parts.root(j)] == second {
                *slot = next;
                next += 1;
            }
        }
        if !second && (next == 0 || next == b) {
            return None; // everything in one bin: nothing to run at once
        }
    }
    let a = (0..b).filter(|&j| !in_b[parts.root(j)]).count();
    for (j, slot) in new_of_old.iter_mut().enumerate().skip(b) {
        *slot = j;
    }
    Some((new_of_old, Split { a, b }))
}

impl SparseLu {
    /// After a pivoting factorisation: plans the split and renumbers the
    /// factor's pivot positions to match, values included, so that the
    /// next solve and every refactorisation can run the two bins at once.
    pub(super) fn plan_split(&mut self) {
        self.split = Split::default();
        if self.n < SPLIT_UNKNOWNS {
            return;
        }
        let entries = self
            .col_perm
            .iter()
            .map(|&c| self.col_ptr[c + 1] - self.col_ptr[c])
            .collect();
        let structure = Structure {
            l_ptr: &self.l_ptr,
            l_idx: &self.l_idx,
            u_ptr: &self.u_ptr,
            u_idx: &self.u_idx,
            entries,
        };
        let Some((new_of_old, split)) = plan(&structure) else {
            return;
        };
        self.renumber(&new_of_old);
        self.split = split;
        self.work_b.resize(self.n, 0.0);
        self.rest_a.resize(self.n - split.b, 0.0);
        self.rest_b.resize(self.n - split.b, 0.0);
    }

    /// Renumbers the pivot positions: position j becomes `new_of_old[j]`.
    fn renumber(&mut self, new_of_old: &[usize]) {
        let n = self.n;
        let mut old_of_new = vec![0usize; n];
        for (old, &new) in new_of_old.iter().enumerate() {
            old_of_new[new] = old;
        }
        self.col_perm = old_of_new.iter().map(|&o| self.col_perm[o]).collect();
        self.diag = old_of_new.iter().map(|&o| self.diag[o]).collect();
        for p in self
            .row_perm_inv
            .iter_mut()
            .chain(&mut self.entry_pivot_row)
        {
            if *p != NONE {
                *p = new_of_old[*p];
            }
        }
        let (mut l_ptr, mut l_idx, mut l_val) = (vec![0; n + 1], Vec::new(), Vec::new());
        let (mut u_ptr, mut u_idx, mut u_val) = (vec![0; n + 1], Vec::new(), Vec::new());
        let mut column: Vec<(usize, f64)> = Vec::new();
        for (new, &old) in old_of_new.iter().enumerate() {
            for e in self.l_ptr[old]..self.l_ptr[old + 1] {
                l_idx.push(new_of_old[self.l_idx[e]]);
                l_val.push(self.l_val[e]);
            }
            l_ptr[new + 1] = l_idx.len();
            // U's rows must stay ascending: the refactorisation applies
            // them in that (topological) order.
            column.clear();
            column.extend(
                (self.u_ptr[old]..self.u_ptr[old + 1])
                    .map(|e| (new_of_old[self.u_idx[e]], self.u_val[e])),
            );
            column.sort_unstable_by_key(|&(k, _)| k);
            u_idx.extend(column.iter().map(|&(k, _)| k));
            u_val.extend(column.iter().map(|&(_, v)| v));
            u_ptr[new + 1] = u_idx.len();
        }
        (self.l_ptr, self.l_idx, self.l_val) = (l_ptr, l_idx, l_val);
        (self.u_ptr, self.u_idx, self.u_val) = (u_ptr, u_idx, u_val);
        self.index_columns();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two chains 0-1 and 2-3 joined by the top 4: L(4, j) != 0 for all j.
    #[test]
    fn two_independent_chains_split_under_their_common_top() {
        // Pivot positions 0..5; column 1 reads 0, column 3 reads 2, column
        // 4 reads 1 and 3. L: 0 -> {1, 4}, 1 -> {4}, 2 -> {3, 4}, 3 -> {4}.
        let l_ptr = [0, 2, 3, 5, 6, 6];
        let l_idx = [1, 4, 4, 3, 4, 4];
        let u_ptr = [0, 0, 1, 1, 2, 4];
        let u_idx = [0, 2, 1, 3];
        // Interleave the chains' sizes so that the bins come out 2 and 2.
        let s = Structure {
            l_ptr: &l_ptr,
            l_idx: &l_idx,
            u_ptr: &u_ptr,
            u_idx: &u_idx,
            entries: vec![20, 20, 20, 20, 1],
        };
        let (new, split) = plan(&s).expect("a worthwhile split");
        assert_eq!(split, Split { a: 2, b: 4 });
        assert_eq!(new, vec![0, 1, 2, 3, 4]);
    }

    /// A single chain has nothing to run at once.
    #[test]
    fn a_chain_does_not_split() {
        let l_ptr = [0, 1, 2, 3, 3];
        let l_idx = [1, 2, 3];
        let u_ptr = [0, 0, 1, 2, 3];
        let u_idx = [0, 1, 2];
        let s = Structure {
            l_ptr: &l_ptr,
            l_idx: &l_idx,
            u_ptr: &u_ptr,
            u_idx: &u_idx,
            entries: vec![3; 4],
        };
        assert!(plan(&s).is_none());
    }

    /// A star of `chains` resistive chains of `length` nodes, each end tied
    /// to one hub (the last unknown), with an unsymmetric coupling: the
    /// shape of a hall's rows on its backbone. Entries by columns.
    fn star(chains: usize, length: usize, scale: f64) -> (crate::compile::Pattern, Vec<f64>) {
        let n = chains * length + 1;
        let hub = n - 1;
        let mut cols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        let mut add = |i: usize, j: usize, v: f64| cols[j].push((i, v));
        for c in 0..chains {
            for k in 0..length {
                let i = c * length + k;
                add(i, i, 4.0 + scale * (i % 7) as f64);
                if k + 1 < length {
                    add(i, i + 1, -1.0);
                    add(i + 1, i, -1.5);
                } else {
                    add(i, hub, -1.0);
                    add(hub, i, -0.5 * scale);
                }
            }
        }
        add(hub, hub, 2.0 + chains as f64);
        let (mut col_ptr, mut row_idx, mut values, mut diagonal) =
            (vec![0], Vec::new(), Vec::new(), vec![0; n]);
        for (j, mut col) in cols.into_iter().enumerate() {
            col.sort_by_key(|&(i, _)| i);
            for (i, v) in col {
                if i == j {
                    diagonal[j] = row_idx.len();
                }
                row_idx.push(i);
                values.push(v);
            }
            col_ptr.push(row_idx.len());
        }
        let pattern = crate::compile::Pattern {
            n,
            col_ptr,
            row_idx,
            slot_of_entry: Vec::new(),
            diagonal,
        };
        (pattern, values)
    }

    /// max |A·x - b| / max |b|.
    fn residual(p: &crate::compile::Pattern, values: &[f64], x: &[f64], b: &[f64]) -> f64 {
        let mut r: Vec<f64> = b.iter().map(|v| -v).collect();
        for (j, &xj) in x.iter().enumerate() {
            for e in p.col_ptr[j]..p.col_ptr[j + 1] {
                r[p.row_idx[e]] += values[e] * xj;
            }
        }
        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        r.iter().fold(0.0f64, |m, v| m.max(v.abs())) / scale
    }

    fn solve_on(threads: usize, p: &crate::compile::Pattern, runs: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let mut lu = SparseLu::new(p).expect("analysis");
            let solved = runs
                .iter()
                .map(|values| {
                    lu.factor(values).expect("factor");
                    assert!(lu.split.b > 0, "a star of chains splits: {:?}", lu.split);
                    let mut x: Vec<f64> = (0..p.n).map(|i| 1.0 + (i % 5) as f64).collect();
                    lu.solve(&mut x).expect("solve");
                    x
                })
                .collect();
            // The first run pivots and plans the split; the second reuses it.
            assert_eq!((lu.counters.pivoting, lu.counters.refactorisations), (1, 1));
            solved
        })
    }

    /// A split factor solves as accurately as one piece, through the
    /// pivoting path and then a refactorisation, and gives the same bits on
    /// one and two threads.
    #[test]
    fn a_split_factor_solves_exactly_on_any_number_of_threads() {
        let (p, first) = star(60, 90, 1.0);
        assert!(p.n >= SPLIT_UNKNOWNS);
        let (_, second) = star(60, 90, 1.01);
        let runs = [first, second];
        let one = solve_on(1, &p, &runs);
        let two = solve_on(2, &p, &runs);
        assert_eq!(one, two, "bits differ between 1 and 2 threads");
        let b: Vec<f64> = (0..p.n).map(|i| 1.0 + (i % 5) as f64).collect();
        for (values, x) in runs.iter().zip(&one) {
            let r = residual(&p, values, x, &b);
            assert!(r < 1e-13, "relative residual {r:e}");
        }
    }
}
