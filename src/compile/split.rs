//! Device evaluation on two threads for large models, with results that do
//! not depend on the number of threads.
//!
//! Owns the split of the device list and the buffer of its second half.
//! Must not change what a device computes, only who runs it.
//!
//! A model with at least `SPLIT_EVAL_DEVICES` devices is cut once, at
//! compile time, into two halves of the evaluation order. The first half
//! adds its terms into the caller's vector, the second into a buffer of its
//! own, the two run as one `rayon::join`, and the buffer is then added in.
//! The cut depends only on the device count, so every sum is formed in the
//! same order on one thread or two, and the bytes out are the same. Below
//! the threshold nothing changes: a hall of 1 000 racks has about 7 200
//! devices, one evaluation of them takes about 0.1 ms and a `rayon::join`
//! costs a few microseconds, so the cut pays there; a rack of a few dozen
//! devices would only pay the join.

use super::{mix, Model};
use crate::device::{Ctx, Device};
use crate::halves::in_halves;

/// Models with at least this many devices evaluate in two halves.
pub const SPLIT_EVAL_DEVICES: usize = 4096;

/// Where the second half of the evaluation order starts.
pub(super) fn split_point(devices: usize) -> usize {
    if devices >= SPLIT_EVAL_DEVICES {
        devices / 2
    } else {
        devices
    }
}

/// The second half's output buffer, owned by a caller that evaluates the
/// same model many times (an integrator), so that it is sized once.
#[derive(Debug, Clone, Default)]
pub struct EvalScratch {
    second: Vec<f64>,
}

impl Model {
    /// F(y, t) into `f` (extended vectors), as [`Model::eval`], reusing
    /// `scratch`.
    pub fn eval_with(&self, ctx: &Ctx, y: &[f64], f: &mut [f64], scratch: &mut EvalScratch) {
        self.add_devices(f, scratch, |d, out| d.eval(ctx, y, out));
        mix::apply_rows(&self.mixes, f);
        f[0] = 0.0;
    }

    /// ∂F/∂y into slot values `jac`, as [`Model::jacobian`], reusing
    /// `scratch`.
    pub fn jacobian_with(&self, ctx: &Ctx, y: &[f64], jac: &mut [f64], scratch: &mut EvalScratch) {
        self.add_devices(jac, scratch, |d, out| d.jacobian(ctx, y, out));
        mix::apply_jacobian(&self.mixes, jac);
    }

    /// ∂F/∂t into `ft`, as [`Model::time_derivative`], reusing `scratch`.
    pub fn time_derivative_with(
        &self,
        ctx: &Ctx,
        y: &[f64],
        ft: &mut [f64],
        scratch: &mut EvalScratch,
    ) {
        self.add_devices(ft, scratch, |d, out| d.time_derivative(ctx, y, out));
        mix::apply_rows(&self.mixes, ft);
        ft[0] = 0.0;
    }

    /// Zeroes `out` and runs `add` for every device in evaluation order,
    /// the two halves of a split model side by side, each clearing its
    /// own vector on its own thread; the second half's buffer is then
    /// added in entry by entry, in two halves at once.
    fn add_devices<F>(&self, out: &mut [f64], scratch: &mut EvalScratch, add: F)
    where
        F: Fn(&dyn Device, &mut [f64]) + Sync,
    {
        let (first, second) = self.devices.split_at(self.eval_split);
        if second.is_empty() {
            out.fill(0.0);
            for d in first {
                add(d.as_ref(), out);
            }
            return;
        }
        let other = &mut scratch.second;
        let len = out.len();
        rayon::join(
            || {
                out.fill(0.0);
                first.iter().for_each(|d| add(d.as_ref(), out));
            },
            || {
                other.clear();
                other.resize(len, 0.0);
                second.iter().for_each(|d| add(d.as_ref(), other));
            },
        );
        let other = &scratch.second;
        in_halves(out, |from, part| {
            for (a, b) in part.iter_mut().zip(&other[from..]) {
                *a += *b;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::InputValue;
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The two halves add up to the one-piece sum to rounding, for F, the
    /// Jacobian and ∂F/∂t, on a hall above the threshold.
    #[test]
    fn split_evaluation_matches_the_one_piece_sum() {
        let overrides = BTreeMap::from([("n_rows".to_string(), 60.0)]);
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/hall.ron");
        let hall = crate::components::load(&path, &overrides).expect("hall");
        let model = super::super::compile(&hall).expect("compiles");
        assert!(model.eval_split < model.devices.len(), "split");
        let mut y = vec![0.0; model.n() + 1];
        for (k, v) in y.iter_mut().enumerate().skip(1) {
            *v = 1.0 + (k % 17) as f64 * 0.1;
        }
        let inputs = vec![
            InputValue {
                value: 0.7,
                slope: 3.0
            };
            model.inputs.len()
        ];
        let ctx = Ctx {
            t: 1e-3,
            inputs: &inputs,
        };
        let mut split = vec![0.0; y.len()];
        model.eval(&ctx, &y, &mut split);
        let mut whole = vec![0.0; y.len()];
        model
            .devices
            .iter()
            .for_each(|d| d.eval(&ctx, &y, &mut whole));
        mix::apply_rows(&model.mixes, &mut whole);
        whole[0] = 0.0;
        let mut jac_split = vec![0.0; model.slot_count];
        model.jacobian(&ctx, &y, &mut jac_split);
        let mut jac_whole = vec![0.0; model.slot_count];
        model
            .devices
            .iter()
            .for_each(|d| d.jacobian(&ctx, &y, &mut jac_whole));
        mix::apply_jacobian(&model.mixes, &mut jac_whole);
        let mut ft_split = vec![0.0; y.len()];
        model.time_derivative_with(&ctx, &y, &mut ft_split, &mut EvalScratch::default());
        let mut ft_whole = vec![0.0; y.len()];
        model.time_derivative(&ctx, &y, &mut ft_whole);
        for (a, b) in [
            (&split, &whole),
            (&jac_split, &jac_whole),
            (&ft_split, &ft_whole),
        ] {
            let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let worst = a
                .iter()
                .zip(b)
                .fold(0.0f64, |m, (x, w)| m.max((x - w).abs()));
            assert!(scale > 0.0 && worst <= 1e-13 * scale, "{worst} of {scale}");
        }
    }
}
