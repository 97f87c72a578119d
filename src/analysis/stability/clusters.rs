//! Tight clusters of computed eigenvalues, and how far each cluster's
//! members scatter: the resolution of a repeated mode.
//!
//! Identical units on one bus (the racks of a row) give the same mode many
//! times over. The eigenvectors a dense decomposition returns for such a
//! repeated eigenvalue are nearly parallel, so the condition number of
//! each one alone, ‖v‖·‖w‖/|w·v|, is enormous (1e10 and more)
//! although the eigenvalue itself is computed to near working precision:
//! the copies agree to 1e-12 relative. That per-vector number says nothing
//! about the cluster; the scatter of its members does. A cluster whose
//! centre lies far beyond that scatter is not a zero eigenvalue, whatever
//! the basis of its eigenvectors.
//!
//! Owns only the grouping; must not classify modes (`modes` does).

use faer::c64;

/// Eigenvalues within this distance of each other, relative to their
/// magnitude, belong to one cluster. Copies of one mode agree to ~1e-12;
/// a zero eigenvalue of multiplicity k scatters on a circle around 0 and
/// never groups at this tolerance.
const CLUSTER_TOLERANCE: f64 = 1e-8;

/// A repeated mode is resolved from zero when its centre lies beyond this
/// many times its members' scatter.
pub const SCATTER_MARGIN: f64 = 100.0;

/// For every eigenvalue in a cluster of two or more: the largest distance
/// of a member from the cluster's mean. `None` for an eigenvalue alone.
pub fn scatter(values: &[c64]) -> Vec<Option<f64>> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| values[x].re.total_cmp(&values[y].re).then(x.cmp(&y)));
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (pos, &i) in order.iter().enumerate() {
        let reach = CLUSTER_TOLERANCE * values[i].norm();
        for &j in &order[pos + 1..] {
            if values[j].re - values[i].re > reach {
                break;
            }
            if (values[j] - values[i]).norm() <= reach {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[ri.max(rj)] = ri.min(rj);
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| root(&mut parent, i)).collect();
    let mut sum = vec![c64::new(0.0, 0.0); n];
    let mut count = vec![0usize; n];
    for (i, &r) in roots.iter().enumerate() {
        sum[r] += values[i];
        count[r] += 1;
    }
    let mut spread = vec![0.0f64; n];
    for (i, &r) in roots.iter().enumerate() {
        let mean = sum[r] / count[r] as f64;
        spread[r] = spread[r].max((values[i] - mean).norm());
    }
    roots
        .iter()
        .map(|&r| (count[r] >= 2).then_some(spread[r]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_of_a_mode_group_with_their_scatter_and_others_stay_alone() {
        let values = [
            c64::new(-1150.0, 70_697.8),
            c64::new(-3.0, 0.0),
            c64::new(-1150.0 + 1e-9, 70_697.8 - 2e-9),
            c64::new(-1150.0 - 1e-9, 70_697.8 + 2e-9),
            // Scattered copies of a zero: far apart relative to their size.
            c64::new(1e-10, 0.0),
            c64::new(-1e-10, 0.0),
        ];
        let s = scatter(&values);
        let cluster = s[0].expect("clustered");
        assert!(cluster > 1e-9 && cluster < 3e-9, "{cluster}");
        assert_eq!(s[2], s[0]);
        assert_eq!(s[3], s[0]);
        assert_eq!(s[1], None);
        assert_eq!(s[4], None);
        assert_eq!(s[5], None);
    }
}
