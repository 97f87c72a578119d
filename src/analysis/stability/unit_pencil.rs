//! Identical units found on the linearised DAE itself, the sparse pencil
//! (J, M), before any state matrix is formed.
//!
//! A hall of 100 rows has 7 202 states: its dense A alone would take
//! 415 MB and its decomposition many minutes, so above the dense limit
//! only the least-damped modes were computed (`partial`). Its rows are
//! interchangeable already in J and M, though, and the reduction of
//! `symmetry` applies to the pencil unchanged: with R, C, E, F the blocks
//! of J within a unit, between two units, unit to hub and hub to unit, and
//! M_u, M_h the masses,
//!
//! - the difference pencil is (R − C, M_u) on one unit's unknowns;
//! - the common pencil is ([[R + (k − 1)·C, E], [k·F, J_hh]], diag(M_u, M_h))
//!   on one unit's unknowns and the hub's.
//!
//! Eliminating the algebraic unknowns keeps the symmetry, so the state
//! matrices of the two pencils have exactly the difference and the common
//! modes of A. A pencil still above the dense limit is reduced again; the
//! rest goes to `spectrum`, which finds the units within them. When some
//! pencil above the limit has no units, nothing is returned and the caller
//! falls back to the least-damped modes.
//!
//! The units are proposed by the unknowns' names and accepted only when
//! every entry of J and M agrees bit for bit, as in `symmetry`.
//!
//! Owns the search on sparse entries and the reduced pencils; must not
//! decompose (`spectrum`) nor name modes (`modes`).

use super::modes::{check_finite, modes_of, Modes};
use super::pencil::SparseMatrix;
use super::setup::OperatingPoint;
use super::spectrum::{merge_reduced, spectrum, Labels, Spectrum};
use super::state_space::{state_matrix, state_owners, state_subsystems};
use super::symmetry::{find_orbit, Orbit};
use super::{StabilityError, DENSE_LIMIT};
use crate::compile::Model;
use crate::hash::FastMap;
use std::time::Instant;

/// A linearised DAE on some of the model's unknowns.
struct UnitPencil {
    j: SparseMatrix,
    mass: Vec<f64>,
    /// The model's unknown (0-based) that each row stands for: for a
    /// reduced pencil, those of the representative unit and the hub.
    unknowns: Vec<usize>,
}

/// Names of every unknown of the model (0-based): its own, and the owner
/// of a differential one.
struct Names<'a> {
    unknowns: Vec<&'a str>,
    owners: Vec<&'a str>,
}

/// Every mode of the model through its identical units, when the
/// reductions bring each pencil within the dense limit; `None` otherwise.
pub fn unit_modes(model: &Model, point: &OperatingPoint) -> Result<Option<Modes>, StabilityError> {
    modes_within(model, point, DENSE_LIMIT)
}

/// `unit_modes` with pencils reduced while they have more than `limit`
/// states.
fn modes_within(
    model: &Model,
    point: &OperatingPoint,
    limit: usize,
) -> Result<Option<Modes>, StabilityError> {
    let started = Instant::now();
    let j = SparseMatrix::jacobian(model, point);
    let n = j.n;
    let mass = model.mass[1..=n].to_vec();
    let xs: Vec<usize> = (0..n).filter(|&i| mass[i] != 0.0).collect();
    let one_based: Vec<usize> = xs.iter().map(|i| i + 1).collect();
    let owners = state_owners(model, &one_based);
    let subsystems = state_subsystems(model, &owners);
    let states: Vec<String> = one_based.iter().map(|&i| model.names[i].clone()).collect();
    let mut state_of = vec![usize::MAX; n];
    let mut owner_of: Vec<&str> = vec![""; n];
    for (s, &i) in xs.iter().enumerate() {
        state_of[i] = s;
        owner_of[i] = &owners[s];
    }
    let names = Names {
        unknowns: (1..=n).map(|i| model.names[i].as_str()).collect(),
        owners: owner_of,
    };
    let whole = UnitPencil {
        j,
        mass,
        unknowns: (0..n).collect(),
    };
    let Some(mut found) = pencil_spectrum(&whole, &names, limit)? else {
        return Ok(None);
    };
    // Positions in the whole pencil are unknowns; the modes are per state.
    for f in &mut found.found {
        f.p.iter_mut().for_each(|(k, _)| *k = state_of[*k]);
    }
    Ok(Some(modes_of(
        found,
        [&owners, &states, &subsystems],
        started,
    )))
}

/// The modes of `pencil`, participation indexed by its rows.
fn pencil_spectrum(
    pencil: &UnitPencil,
    names: &Names,
    limit: usize,
) -> Result<Option<Spectrum>, StabilityError> {
    let xs: Vec<usize> = (0..pencil.mass.len())
        .filter(|&i| pencil.mass[i] != 0.0)
        .collect();
    if xs.len() <= limit {
        let a = state_matrix(&pencil.j, &pencil.mass)?;
        let pick = |list: &[&'_ str]| -> Vec<String> {
            xs.iter()
                .map(|&i| list[pencil.unknowns[i]].to_string())
                .collect()
        };
        let (states, owners) = (pick(&names.unknowns), pick(&names.owners));
        check_finite(&a, Some(&states))?;
        let labels = Labels {
            states: states.iter().map(String::as_str).collect(),
            owners: owners.iter().map(String::as_str).collect(),
        };
        let mut found = spectrum(&a, &labels)?;
        for f in &mut found.found {
            f.p.iter_mut().for_each(|(k, _)| *k = xs[*k]);
        }
        return Ok(Some(found));
    }
    let group = &pencil.unknowns;
    let Some(orbit) = find_orbit(group, &names.unknowns, |o| interchangeable(pencil, o)) else {
        return Ok(None);
    };
    let [difference, common] = reduce(pencil, &orbit);
    let Some(difference) = pencil_spectrum(&difference, names, limit)? else {
        return Ok(None);
    };
    let Some(common) = pencil_spectrum(&common, names, limit)? else {
        return Ok(None);
    };
    let mut out = Spectrum::default();
    merge_reduced(&orbit, [difference, common], |pos| pos, &mut out);
    Ok(Some(out))
}

/// Where a row of a pencil sits in an orbit.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Hub(usize),
    /// Unit, local index.
    Unit(usize, usize),
}

fn slots(len: usize, orbit: &Orbit) -> Vec<Slot> {
    let mut slot = vec![Slot::Hub(0); len];
    for (h, &pos) in orbit.hub.iter().enumerate() {
        slot[pos] = Slot::Hub(h);
    }
    for (u, unit) in orbit.units.iter().enumerate() {
        for (a, &pos) in unit.iter().enumerate() {
            slot[pos] = Slot::Unit(u, a);
        }
    }
    slot
}

/// Whether swapping any two units of `orbit` leaves J and M of `pencil`
/// unchanged, bit for bit: every entry touching a unit has its copies in
/// every unit (every ordered pair of units, for an entry between two),
/// all with the same value.
fn interchangeable(pencil: &UnitPencil, orbit: &Orbit) -> bool {
    let slot = slots(pencil.mass.len(), orbit);
    let k = orbit.units.len();
    let same_mass = orbit.units.iter().skip(1).all(|unit| {
        unit.iter()
            .zip(&orbit.units[0])
            .all(|(&p, &q)| pencil.mass[p].to_bits() == pencil.mass[q].to_bits())
    });
    if !same_mass {
        return false;
    }
    // (kind, local or hub index of the row, of the column) → (value, copies)
    let mut seen: FastMap<(u8, usize, usize), (u64, usize)> = FastMap::default();
    for (r, c, v) in pencil.j.triplets() {
        if v == 0.0 {
            continue;
        }
        let key = match (slot[r], slot[c]) {
            (Slot::Hub(_), Slot::Hub(_)) => continue,
            (Slot::Unit(_, a), Slot::Hub(h)) => (0, a, h),
            (Slot::Hub(h), Slot::Unit(_, b)) => (1, h, b),
            (Slot::Unit(u, a), Slot::Unit(w, b)) if u == w => (2, a, b),
            (Slot::Unit(_, a), Slot::Unit(_, b)) => (3, a, b),
        };
        let entry = seen.entry(key).or_insert((v.to_bits(), 0));
        if entry.0 != v.to_bits() {
            return false;
        }
        entry.1 += 1;
    }
    seen.iter()
        .all(|(key, &(_, copies))| copies == if key.0 == 3 { k * (k - 1) } else { k })
}

/// The difference and the common pencil of `orbit` (see the module doc).
fn reduce(pencil: &UnitPencil, orbit: &Orbit) -> [UnitPencil; 2] {
    let slot = slots(pencil.mass.len(), orbit);
    let k = orbit.units.len() as f64;
    let r = orbit.units[0].len();
    let (mut difference, mut common) = (Vec::new(), Vec::new());
    for (row, col, v) in pencil.j.triplets() {
        if v == 0.0 {
            continue;
        }
        match (slot[row], slot[col]) {
            (Slot::Unit(0, a), Slot::Unit(0, b)) => {
                difference.push((a, b, v));
                common.push((a, b, v));
            }
            (Slot::Unit(1, a), Slot::Unit(0, b)) => {
                difference.push((a, b, -v));
                common.push((a, b, (k - 1.0) * v));
            }
            (Slot::Unit(0, a), Slot::Hub(h)) => common.push((a, r + h, v)),
            (Slot::Hub(h), Slot::Unit(0, b)) => common.push((r + h, b, k * v)),
            (Slot::Hub(g), Slot::Hub(h)) => common.push((r + g, r + h, v)),
            _ => {}
        }
    }
    let positions = [orbit.difference_states(), orbit.common_states()];
    let [d, q] = positions.map(|p| {
        (
            p.iter().map(|&i| pencil.mass[i]).collect::<Vec<f64>>(),
            p.iter()
                .map(|&i| pencil.unknowns[i])
                .collect::<Vec<usize>>(),
        )
    });
    [
        UnitPencil {
            j: SparseMatrix::from_triplets(r, &difference),
            mass: d.0,
            unknowns: d.1,
        },
        UnitPencil {
            j: SparseMatrix::from_triplets(q.0.len(), &common),
            mass: q.0,
            unknowns: q.1,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stability::eigen_match::{assert_same_eigenvalues, dense_eigenvalues};
    use crate::analysis::stability::{state_space, CircuitSource, Setup};
    use faer::c64;

    /// A 20-row hall reduced on its pencil (the limit set below one row's
    /// states forces it): every eigenvalue against the dense decomposition
    /// of the whole state matrix to 1e-9, and every mode's shares against
    /// the reduction of the state matrix (`symmetry`) to 1e-9.
    #[test]
    fn a_20_row_hall_reduced_on_its_pencil_has_the_modes_of_its_whole_state_matrix() {
        let circuit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/hall.ron");
        let mut setup = Setup::new(CircuitSource::read(&circuit).expect("circuit file"));
        setup.overrides.insert("n_rows".into(), 20.0);
        let bound = setup.bind().expect("bind");
        let on_pencil = modes_within(&bound.model, &bound.point, 100)
            .expect("modes")
            .expect("the rows reduce on the pencil");
        assert!(
            on_pencil
                .method
                .contains("20 identical units `row1` … `row20` of 103 states"),
            "{}",
            on_pencil.method
        );
        let ss = state_space(&bound.model, &bound.point, false).expect("state space");
        assert_same_eigenvalues(&on_pencil.eigenvalues(), dense_eigenvalues(&ss.a), 1e-9);
        // Repeated modes have no one basis (`symmetry`): the participation
        // of each cluster of equal eigenvalues, summed over its copies, is
        // compared with that of the reduction of A, state by state.
        let labels = Labels {
            states: ss.states.iter().map(String::as_str).collect(),
            owners: ss.owners.iter().map(String::as_str).collect(),
        };
        let on_a = spectrum(&ss.a, &labels).expect("modes of A");
        let names = Names {
            unknowns: (1..=bound.model.n())
                .map(|i| bound.model.names[i].as_str())
                .collect(),
            owners: vec![""; bound.model.n()],
        };
        let j = SparseMatrix::jacobian(&bound.model, &bound.point);
        let whole = UnitPencil {
            mass: bound.model.mass[1..=j.n].to_vec(),
            unknowns: (0..j.n).collect(),
            j,
        };
        let mut on_pencil = pencil_spectrum(&whole, &names, 100)
            .expect("pencil")
            .expect("reduced");
        let state_of: FastMap<usize, usize> = ss
            .unknowns
            .iter()
            .enumerate()
            .map(|(s, &u)| (u - 1, s))
            .collect();
        for f in &mut on_pencil.found {
            f.p.iter_mut().for_each(|(k, _)| *k = state_of[k]);
        }
        let clustered = |found: &Spectrum| -> Vec<(c64, Vec<f64>)> {
            let mut out: Vec<(c64, Vec<f64>)> = Vec::new();
            for f in &found.found {
                let total: f64 = f.p.iter().map(|&(_, w)| w).sum();
                let at = out.iter().position(|(l, _)| {
                    (l - f.lambda).norm() <= 1e-9 * f.lambda.norm().max(f64::MIN_POSITIVE)
                });
                let at = at.unwrap_or_else(|| {
                    out.push((f.lambda, vec![0.0; ss.states.len()]));
                    out.len() - 1
                });
                for &(k, w) in &f.p {
                    out[at].1[k] += w / total * f.copies as f64;
                }
            }
            out
        };
        let (x, y) = (clustered(&on_a), clustered(&on_pencil));
        assert_eq!(x.len(), y.len(), "as many distinct eigenvalues");
        // Eigenvectors are resolved to about ε·‖A‖ / gap: only clusters at
        // least 1e-4 relative from every other eigenvalue are compared (the
        // racks of a row give modes 1e-6 apart, whose vectors two
        // decompositions may turn within their span).
        let separated = |lambda: c64| {
            x.iter()
                .all(|(l, _)| *l == lambda || (l - lambda).norm() > 1e-4 * lambda.norm())
        };
        let mut checked = 0;
        for (lambda, p) in x.iter().filter(|(l, _)| separated(*l)) {
            checked += 1;
            let (_, q) = y
                .iter()
                .find(|(l, _)| (l - lambda).norm() <= 1e-9 * lambda.norm().max(f64::MIN_POSITIVE))
                .expect("the same eigenvalue");
            for k in 0..p.len() {
                assert!(
                    (p[k] - q[k]).abs() <= 1e-9,
                    "λ = {lambda}, {}: {} vs {}",
                    ss.states[k],
                    p[k],
                    q[k]
                );
            }
        }
        assert!(checked >= 15, "only {checked} separated clusters");
    }
}
