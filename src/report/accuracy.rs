//! The terminal block of `--verify`: the tighter run's tolerances and time,
//! and every recorded node's largest difference from it, largest first.
//!
//! Owns the layout only; the comparison is `analysis::accuracy`.

use crate::analysis::accuracy::{Accuracy, NominalFrom};
use crate::units::eng_time;

/// `verify: rerun at rtol 1e-7, atol 1e-8 in 2.310 s; …` and one line per node.
pub fn accuracy_table(a: &Accuracy) -> String {
    let mut out = format!(
        "verify: rerun at rtol {:.1e}, atol {:.1e} in {:.3} s; largest difference per recorded node, of nominal:\n",
        a.tight_rtol, a.tight_atol, a.seconds
    );
    if a.nodes.is_empty() {
        out.push_str("  no voltage recorded\n");
    }
    let width = a.nodes.iter().map(|n| n.node.len()).max().unwrap_or(0);
    for n in &a.nodes {
        let from = match n.nominal_from {
            NominalFrom::Bus => "bus",
            NominalFrom::FullScale => "full scale",
        };
        out.push_str(&format!(
            "  {:<width$}  {:.2e} ({:.3e} V of {} V, {from}) at t = {}\n",
            n.node,
            n.fraction,
            n.volts,
            n.nominal,
            eng_time(n.time)
        ));
    }
    out
}
