//! The eigenvalues of A with the participation of its states, found piece
//! by piece: states alone in a diagonal block (`triangular`), then the
//! decoupled blocks, each reduced by its identical units (`symmetry`)
//! where it has any, and the dense decomposition of what is left
//! (`dense_eigen`). The reduced matrices go through the same steps again.
//!
//! Owns that recursion, the per-mode resolution that tells a mode from
//! zero, and the residual check; must not name modes or sum shares
//! (`modes`).

use super::clusters;
use super::dense_eigen;
use super::eigen_failure::eigen_failure;
use super::symmetry::{self, Orbit};
use super::triangular::lone_states;
use super::StabilityError;
use faer::{c64, Mat};
use std::collections::BTreeMap;

/// One eigenvalue of a (reduced) matrix, with Im λ ≥ 0.
pub(super) struct Found {
    pub lambda: c64,
    /// How many times it occurs (a difference mode of k identical units:
    /// k − 1 times per eigenvalue of the reduced problem).
    pub copies: usize,
    /// Participation |v_k·w_k| (unnormalised) per state index of the
    /// matrix, where it is not zero by structure.
    pub p: Vec<(usize, f64)>,
    /// Why it is neutral (λ = 0 by structure or to working precision).
    pub neutral: Option<String>,
}

/// Everything found in one matrix.
#[derive(Default)]
pub(super) struct Spectrum {
    pub found: Vec<Found>,
    /// max over modes of ‖A·v − λ·v‖ / (‖A‖·‖v‖), per dense block.
    pub residual: f64,
    /// Diagonal blocks decomposed (lone states and dense blocks).
    pub blocks: usize,
    /// The identical-unit reductions made, outermost first.
    pub reductions: Vec<String>,
}

/// The names of a matrix's states: the state (`row3.rack2.feeder.i`) and
/// its owning component.
pub(super) struct Labels<'a> {
    pub states: Vec<&'a str>,
    pub owners: Vec<&'a str>,
}

impl<'a> Labels<'a> {
    /// The labels of the states at `indices`.
    pub(super) fn pick(&self, indices: impl Iterator<Item = usize>) -> Labels<'a> {
        let (states, owners) = indices.map(|k| (self.states[k], self.owners[k])).unzip();
        Labels { states, owners }
    }
}

/// The eigenvalues of `a`, each with its participation.
pub(super) fn spectrum(a: &Mat<f64>, labels: &Labels) -> Result<Spectrum, StabilityError> {
    let (decoupled, coupled) = lone_states(a);
    let mut out = Spectrum {
        found: decoupled.iter().map(|&k| lone(a, k, labels)).collect(),
        blocks: decoupled.len(),
        ..Spectrum::default()
    };
    for group in blocks(a, &coupled) {
        match symmetry::orbit(a, &group, &labels.states) {
            Some(orbit) => reduced(a, &group, &orbit, labels, &mut out)?,
            None => {
                let residual = dense_block(a, &group, labels, &mut out.found)?;
                out.residual = out.residual.max(residual);
                out.blocks += 1;
            }
        }
    }
    Ok(out)
}

/// The mode of a state alone in its diagonal block (`triangular`):
/// λ = A_kk exactly, with that state as its only participant.
fn lone(a: &Mat<f64>, k: usize, labels: &Labels) -> Found {
    let lambda = c64::new(a[(k, k)], 0.0);
    Found {
        lambda,
        copies: 1,
        p: vec![(k, 1.0)],
        neutral: (lambda.re == 0.0).then(|| format!("integrator: {}", labels.states[k])),
    }
}

/// The modes of the block `group` from its two reduced problems
/// (`symmetry`), mapped back onto the block's states.
fn reduced(
    a: &Mat<f64>,
    group: &[usize],
    orbit: &Orbit,
    labels: &Labels,
    out: &mut Spectrum,
) -> Result<(), StabilityError> {
    let sub = symmetry::reduce(a, group, orbit);
    let of = |positions: Vec<usize>| labels.pick(positions.into_iter().map(|p| group[p]));
    let difference = spectrum(&sub.difference, &of(orbit.difference_states()))?;
    drop(sub.difference);
    let common = spectrum(&sub.common, &of(orbit.common_states()))?;
    merge_reduced(orbit, [difference, common], |pos| group[pos], out);
    Ok(())
}

/// Appends the modes of an orbit's difference and common problems to
/// `out`, their participation spread over the units (`symmetry`) and
/// indexed by `parent` of each position in the orbit's group.
pub(super) fn merge_reduced(
    orbit: &Orbit,
    [difference, common]: [Spectrum; 2],
    parent: impl Fn(usize) -> usize,
    out: &mut Spectrum,
) {
    out.reductions.push(orbit.describe());
    let k = orbit.units.len();
    for (part, is_difference) in [(difference, true), (common, false)] {
        out.residual = out.residual.max(part.residual);
        out.blocks += part.blocks;
        out.reductions.extend(part.reductions);
        for found in part.found {
            let spread = match is_difference {
                true => orbit.spread_difference(&found.p),
                false => orbit.spread_common(&found.p),
            };
            out.found.push(Found {
                copies: if is_difference {
                    found.copies * (k - 1)
                } else {
                    found.copies
                },
                p: spread
                    .into_iter()
                    .map(|(pos, w)| (parent(pos), w))
                    .collect(),
                ..found
            });
        }
    }
}

/// Connected components of the sparsity graph of A restricted to `states`
/// (i ~ j if A_ij ≠ 0), as lists of indices into A.
pub(super) fn blocks(a: &Mat<f64>, states: &[usize]) -> Vec<Vec<usize>> {
    let n = a.nrows();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for &c in states {
        for &r in states {
            if r != c && a[(r, c)] != 0.0 {
                let (x, y) = (find(&mut parent, r), find(&mut parent, c));
                if x != y {
                    parent[x.max(y)] = x.min(y);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &i in states {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    groups.into_values().collect()
}

/// Decomposes one coupled block of `a`, appends its modes to `out` and
/// returns the largest relative residual ‖A·v − λ·v‖ / (‖A‖·‖v‖).
///
/// The eigenvectors stay in faer's real layout (`dense_eigen::Columns`):
/// A·X is one real product, where the complex V would cost four times the
/// arithmetic and twice the memory.
fn dense_block(
    a: &Mat<f64>,
    group: &[usize],
    labels: &Labels,
    out: &mut Vec<Found>,
) -> Result<f64, StabilityError> {
    let m = group.len();
    let mut sub = Mat::<f64>::from_fn(m, m, |r, c| a[(group[r], group[c])]);
    let scale = super::modes::balance(&mut sub);
    let (values, mut x, mut y) = dense_eigen::eigen(sub.as_ref())
        .map_err(|e| eigen_failure(a, Some(&labels.owners), group, &format!("{e:?}")))?;
    // Right eigenvectors of A are D·(those of D⁻¹·A·D), left ones
    // (those)·D⁻¹; undo the scaling so that residuals and participations
    // refer to A itself.
    for c in 0..m {
        for r in 0..m {
            sub[(r, c)] = a[(group[r], group[c])];
            x[(r, c)] *= scale[r];
            y[(r, c)] /= scale[r];
        }
    }
    let columns = dense_eigen::columns(&values);
    let norm_a = sub.norm_l2().max(f64::MIN_POSITIVE);
    let (residual, v_norms) = {
        let ax = &sub * &x;
        drop(sub);
        residuals(&values, &columns, x.as_ref(), ax.as_ref())
    };
    let spreads = clusters::scatter(&values);
    for (i, col) in columns.iter().enumerate() {
        // Repeated real eigenvalues come out of the QR iteration as
        // pairs with a tiny imaginary part: they are real modes.
        let lambda = values[i];
        let lambda = if lambda.im.abs() <= 1e-8 * lambda.norm() {
            c64::new(lambda.re, 0.0)
        } else if lambda.im < 0.0 {
            continue;
        } else {
            lambda
        };
        let (p, kappa) = participation(col, x.as_ref(), y.as_ref(), v_norms[i]);
        let floor = m as f64 * f64::EPSILON * norm_a;
        let resolution = kappa * floor;
        // A repeated mode: the scatter of its copies bounds its error, not
        // the κ of one vector of a nearly singular basis (`clusters`).
        let resolution = match spreads[i] {
            Some(spread) => resolution.min((clusters::SCATTER_MARGIN * spread).max(floor)),
            None => resolution,
        };
        out.push(Found {
            lambda,
            copies: 1,
            p: group.iter().copied().zip(p).collect(),
            neutral: (lambda.norm() <= resolution).then(|| {
                format!("|λ| below the resolution {resolution:.1e} 1/s of the decomposition")
            }),
        });
    }
    Ok(residual / norm_a)
}

/// The participation |v_k·w_k| of every state in the mode at `col`
/// (unnormalised) and the mode's condition number κ(λ) = ‖v‖·‖w‖/|w·v|,
/// from the right and left vectors `x`, `y` in the real layout and ‖v‖.
fn participation(
    col: &dense_eigen::Columns,
    x: faer::MatRef<'_, f64>,
    y: faer::MatRef<'_, f64>,
    v_norm: f64,
) -> (Vec<f64>, f64) {
    let (mut dot, mut w_norm) = (c64::new(0.0, 0.0), 0.0);
    let p = (0..x.nrows())
        .map(|k| {
            let (v, w) = (col.right(x, k), col.left(y, k));
            dot += v * w;
            w_norm += w.norm_sqr();
            (v * w).norm()
        })
        .collect();
    // w·v = 0 only for a defective eigenvalue: κ infinite, never resolved.
    (p, v_norm * w_norm.sqrt() / dot.norm())
}

/// max_i ‖A·v_i − λ_i·v_i‖ / ‖v_i‖ over every eigenvector, and each
/// ‖v_i‖, from X and A·X in the real layout.
fn residuals(
    values: &[c64],
    columns: &[dense_eigen::Columns],
    x: faer::MatRef<'_, f64>,
    ax: faer::MatRef<'_, f64>,
) -> (f64, Vec<f64>) {
    let mut worst: f64 = 0.0;
    let norms = columns
        .iter()
        .zip(values)
        .map(|(col, &lambda)| {
            let (mut num, mut v_norm) = (0.0, 0.0);
            for r in 0..x.nrows() {
                let v = col.right(x, r);
                num += (col.right(ax, r) - v * lambda).norm_sqr();
                v_norm += v.norm_sqr();
            }
            let v_norm = f64::sqrt(v_norm).max(f64::MIN_POSITIVE);
            worst = worst.max(num.sqrt() / v_norm);
            v_norm
        })
        .collect();
    (worst, norms)
}
