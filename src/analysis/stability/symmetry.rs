//! Identical units (the rows of a hall on one backbone, the trays of a
//! rack on one bus) and the two smaller eigenproblems their modes come
//! from.
//!
//! **The reduction.** Let a coupled block of A hold k units with r states
//! each, and a hub (the rest, h states). If swapping any two units leaves
//! A unchanged, that is for all units i ≠ j
//!
//! - A_ii = R (the same block within every unit),
//! - A_ij = C (the same coupling between any two units; zero unless an
//!   eliminated node joins them directly),
//! - A_ih = E and A_hi = F (the same coupling with the hub),
//!
//! then with x = (x_1 … x_k, x_h):
//!
//! - every x with Σ x_i = 0 and x_h = 0 goes to (R − C)·x_i in each unit
//!   and to F·Σ x_i = 0 on the hub: the *difference modes* are the
//!   eigenvalues of R − C, each k − 1 times;
//! - x_i = s for every i gives s' = (R + (k − 1)·C)·s + E·x_h and
//!   x_h' = k·F·s + A_hh·x_h: the *common modes* are the eigenvalues of
//!   that (r + h)-state matrix, once each.
//!
//! Together they are all k·r + h eigenvalues, at a cost of r³ + (r + h)³
//! instead of (k·r + h)³: the 27 rows of 72 states on one backbone become
//! problems of 72 and 74 states. The reduced matrices are searched again,
//! so units within units (racks of identical rows) reduce too.
//!
//! **Participation.** A common mode's right vector is (s, …, s, x_h) and
//! its left vector (w_s/k, …, w_s/k, w_h), with the same w·v as in the
//! reduced problem: each unit takes 1/k of the reduced participation of
//! its states, the hub keeps its own. A difference mode is repeated k − 1
//! times and no single eigenvector of it means anything (every basis of
//! its eigenspace is one); its spectral projector (I − 11ᵀ/k) ⊗ v·wᵀ does,
//! and gives each unit 1/k of v_a·w_a per copy. So the copies are listed
//! alike, spread evenly over the units.
//!
//! **Which units.** The candidates come from the state names: states that
//! share an instance prefix (`row3.` in `row3.rack2.feeder.i`) form a unit,
//! and units under the same parent with the same local names (after the
//! prefix) are candidates. The names only propose; the entries of A decide:
//! a candidate is used only when every one of the equalities above holds
//! exactly, bit for bit. Identical units compute identical entries (the
//! same operations on the same operands), so a real symmetry passes, and
//! anything else, one rack on a longer feeder, falls back to the dense
//! decomposition of the whole block.
//!
//! Owns the search, the reduced matrices and the mapping of participation
//! back to the block's states; must not decompose matrices (`modes`).

use faer::Mat;
use std::collections::BTreeMap;

/// k ≥ 2 interchangeable units of a block and the hub that couples them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Orbit {
    /// `units[i][a]`: the block index of local state a of unit i. Unit 0
    /// (the one with the lowest index) stands for all in the reduced
    /// problems.
    pub units: Vec<Vec<usize>>,
    /// The block's other states, in the block's order.
    pub hub: Vec<usize>,
    /// The instance prefix of each unit (`row3`).
    pub labels: Vec<String>,
}

/// The two reduced problems of an orbit.
pub(super) struct Reduced {
    /// R − C on unit 0's states: the difference modes.
    pub difference: Mat<f64>,
    /// [[R + (k − 1)·C, E], [k·F, A_hh]] on unit 0's states then the hub:
    /// the common modes.
    pub common: Mat<f64>,
}

/// The first orbit of interchangeable units among the states `group` of
/// `a` (indices into `a`), named by `names` (indices into `names` are those
/// of `a`), or `None`. Returned indices are positions in `group`.
pub(super) fn orbit(a: &Mat<f64>, group: &[usize], names: &[&str]) -> Option<Orbit> {
    find_orbit(group, names, |orbit| interchangeable(a, group, orbit))
}

/// The first candidate orbit among `group` (indices into `names`),
/// shallowest instance prefixes first, that `fits` accepts.
pub(super) fn find_orbit(
    group: &[usize],
    names: &[&str],
    fits: impl Fn(&Orbit) -> bool,
) -> Option<Orbit> {
    let depth_max = group
        .iter()
        .map(|&k| names[k].split('.').count())
        .max()
        .unwrap_or(0);
    for depth in 1..depth_max {
        for (labels, units) in candidates(group, names, depth) {
            let mut taken = vec![false; group.len()];
            for &i in units.iter().flatten() {
                taken[i] = true;
            }
            let hub = (0..group.len()).filter(|&i| !taken[i]).collect();
            let orbit = Orbit { units, hub, labels };
            if fits(&orbit) {
                return Some(orbit);
            }
        }
    }
    None
}

/// Candidate unit sets at one depth of the names: the states under each
/// instance prefix of `depth` segments (that have more segments) form a
/// unit; units with the same parent and the same local names are one
/// candidate, each unit's states in the order of their local names. Units
/// and candidates are ordered by their lowest position in `group`; each
/// comes with its units' prefixes.
type Candidate = (Vec<String>, Vec<Vec<usize>>);

fn candidates(group: &[usize], names: &[&str], depth: usize) -> Vec<Candidate> {
    // prefix → (local name, position in group)
    let mut units: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (pos, &k) in group.iter().enumerate() {
        let name = names[k];
        let Some(cut) = name.match_indices('.').nth(depth - 1).map(|(i, _)| i) else {
            continue;
        };
        units
            .entry(&name[..cut])
            .or_default()
            .push((&name[cut + 1..], pos));
    }
    // (parent prefix, local names) → (prefix, positions) of each unit
    type Units<'n> = Vec<(&'n str, Vec<usize>)>;
    let mut classes: BTreeMap<(&str, Vec<&str>), Units> = BTreeMap::new();
    for (prefix, mut members) in units {
        members.sort_unstable();
        let parent = prefix.rfind('.').map_or("", |i| &prefix[..i]);
        let locals = members.iter().map(|m| m.0).collect();
        let positions = members.iter().map(|m| m.1).collect();
        classes
            .entry((parent, locals))
            .or_default()
            .push((prefix, positions));
    }
    let lowest = |u: &[usize]| u.iter().min().copied();
    let mut out: Vec<Candidate> = classes
        .into_values()
        .filter(|units| units.len() >= 2)
        .map(|mut units| {
            units.sort_by_key(|u| lowest(&u.1));
            units
                .into_iter()
                .map(|(prefix, u)| (prefix.to_string(), u))
                .unzip()
        })
        .collect();
    out.sort_by_key(|(_, units)| lowest(&units[0]));
    out
}

/// Whether swapping any two units of `orbit` leaves the block `group` of
/// `a` unchanged, entry for entry and bit for bit.
fn interchangeable(a: &Mat<f64>, group: &[usize], orbit: &Orbit) -> bool {
    let at = |i: usize, j: usize| a[(group[i], group[j])].to_bits();
    let first = &orbit.units[0];
    let second = &orbit.units[1];
    let r = first.len();
    orbit.units.iter().skip(1).all(|unit| {
        (0..r).all(|x| {
            (0..r).all(|y| at(unit[x], unit[y]) == at(first[x], first[y]))
                && orbit.hub.iter().all(|&h| {
                    at(unit[x], h) == at(first[x], h) && at(h, unit[x]) == at(h, first[x])
                })
        })
    }) && orbit.units.iter().enumerate().all(|(i, ui)| {
        orbit.units.iter().enumerate().all(|(j, uj)| {
            i == j || (0..r).all(|x| (0..r).all(|y| at(ui[x], uj[y]) == at(second[x], first[y])))
        })
    })
}

/// The difference and common matrices of `orbit` in the block `group`
/// of `a`.
pub(super) fn reduce(a: &Mat<f64>, group: &[usize], orbit: &Orbit) -> Reduced {
    let at = |i: usize, j: usize| a[(group[i], group[j])];
    let (first, second) = (&orbit.units[0], &orbit.units[1]);
    let (r, h) = (first.len(), orbit.hub.len());
    let k = orbit.units.len() as f64;
    let within = |x: usize, y: usize| at(first[x], first[y]);
    let across = |x: usize, y: usize| at(second[x], first[y]);
    let difference = Mat::from_fn(r, r, |x, y| within(x, y) - across(x, y));
    let common = Mat::from_fn(r + h, r + h, |x, y| match (x < r, y < r) {
        (true, true) => within(x, y) + (k - 1.0) * across(x, y),
        (true, false) => at(first[x], orbit.hub[y - r]),
        (false, true) => k * at(orbit.hub[x - r], first[y]),
        (false, false) => at(orbit.hub[x - r], orbit.hub[y - r]),
    });
    Reduced { difference, common }
}

impl Orbit {
    /// Positions (in the block) of the difference problem's states.
    pub fn difference_states(&self) -> Vec<usize> {
        self.units[0].clone()
    }

    /// Positions (in the block) of the common problem's states.
    pub fn common_states(&self) -> Vec<usize> {
        self.units[0].iter().chain(&self.hub).copied().collect()
    }

    /// Participation `p` of a difference mode (over unit 0's local states)
    /// as one copy's over the block: 1/k of it on every unit.
    pub fn spread_difference(&self, p: &[(usize, f64)]) -> Vec<(usize, f64)> {
        let k = self.units.len() as f64;
        p.iter()
            .flat_map(|&(x, w)| self.units.iter().map(move |u| (u[x], w / k)))
            .collect()
    }

    /// Participation `p` of a common mode (over unit 0's states, then the
    /// hub) over the block: 1/k of each unit state's, the hub's as it is.
    pub fn spread_common(&self, p: &[(usize, f64)]) -> Vec<(usize, f64)> {
        let k = self.units.len() as f64;
        let r = self.units[0].len();
        let mut out = Vec::with_capacity(p.len() * self.units.len());
        for &(x, w) in p {
            if x < r {
                out.extend(self.units.iter().map(|u| (u[x], w / k)));
            } else {
                out.push((self.hub[x - r], w));
            }
        }
        out
    }

    /// "27 identical units `row1` … `row27` of 72 states".
    pub fn describe(&self) -> String {
        format!(
            "{} identical units `{}` … `{}` of {} states",
            self.units.len(),
            self.labels[0],
            self.labels[self.labels.len() - 1],
            self.units[0].len(),
        )
    }
}

#[cfg(test)]
#[path = "symmetry_tests.rs"]
mod tests;
