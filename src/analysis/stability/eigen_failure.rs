//! The message of an eigen-solver failure: which coupled states, which
//! components, and how far apart the entries of their block lie, which is
//! the usual cause (a capacitance near zero next to ordinary values).
//!
//! Owns the wording only. Must not run the decomposition (`modes`).

use super::StabilityError;
use faer::Mat;

/// The eigen-solver's failure on a block of coupled states, with the
/// states, their components and the spread of the block's entries (the
/// usual cause: values so far apart that the QR iteration cannot resolve
/// them).
pub(super) fn eigen_failure<S: AsRef<str>>(
    a: &Mat<f64>,
    owners: Option<&[S]>,
    group: &[usize],
    cause: &str,
) -> StabilityError {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for &r in group {
        for &c in group {
            let x = a[(r, c)].abs();
            if x > 0.0 && x.is_finite() {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
    }
    let mut names: Vec<&str> = match owners {
        Some(o) => group
            .iter()
            .filter_map(|&k| o.get(k))
            .map(AsRef::as_ref)
            .collect(),
        None => Vec::new(),
    };
    names.sort_unstable();
    names.dedup();
    let shown: Vec<String> = names.iter().take(8).map(|o| format!("`{o}`")).collect();
    let more = if names.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    let of = if shown.is_empty() {
        String::new()
    } else {
        format!(" of {}{more}", shown.join(", "))
    };
    let spread = if hi > 0.0 && lo.is_finite() {
        format!(
            "; its entries span {:.1e} to {:.1e} (a ratio of {:.0e})",
            lo,
            hi,
            hi / lo
        )
    } else {
        String::new()
    };
    StabilityError::Eigen(format!(
        "on the {} coupled states{of} ({cause}){spread}. Check those components for values far outside their physical range (a capacitance or inductance near zero, a resistance or gain near infinity)",
        group.len(),
    ))
}

#[cfg(test)]
mod eigen_failure_tests {
    use super::*;

    #[test]
    fn names_the_states_components_and_the_spread_of_entries() {
        let a = Mat::<f64>::from_fn(3, 3, |r, c| match (r, c) {
            (0, 1) => 1e300,
            (1, 0) => -1.0,
            (2, 2) => -5.0,
            _ => 0.0,
        });
        let owners = vec!["c1".to_string(), "l1".to_string(), "r9".to_string()];
        let e = eigen_failure(&a, Some(&owners), &[0, 1], "NoConvergence").to_string();
        assert!(e.starts_with("the eigenvalue decomposition did not converge on the 2 coupled states of `c1`, `l1` (NoConvergence)"), "{e}");
        assert!(e.contains("span 1.0e0 to 1.0e300"), "{e}");
        assert!(e.contains("far outside their physical range"), "{e}");
        assert!(!e.contains("r9"), "{e}");
    }
}
