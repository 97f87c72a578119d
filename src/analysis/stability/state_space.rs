//! The reduced state-space model (A, B, C, D) of the averaged DAE: differential
//! unknowns x (mass ≠ 0) are the states, algebraic unknowns z are
//! eliminated, A = M_x⁻¹·(J_xx − J_xz·J_zz⁻¹·J_zx), and likewise B, C, D.
//! Inputs are the load channels (per unit) and a current injected at every
//! node; outputs are the node voltages.
//!
//! Owns the elimination and the naming of states, inputs and outputs. Must
//! not decompose A (`modes`).

use super::jzz_singular;
use super::pencil::SparseMatrix;
use super::setup::OperatingPoint;
use super::StabilityError;
use crate::compile::Model;
use crate::device::{BranchKind, Ctx, InputValue};
use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::Lu;
use faer::sparse::SparseColMat;
use faer::sparse::Triplet;
use faer::Mat;

/// A linear time-invariant model x' = A·x + B·u, y = C·x + D·u with names.
#[derive(Debug, Clone)]
pub struct StateSpace {
    pub a: Mat<f64>,
    pub b: Mat<f64>,
    pub c: Mat<f64>,
    pub d: Mat<f64>,
    /// Unknown name of each state (`lfeed.i`, `bus800`).
    pub states: Vec<String>,
    /// Component owning each state (the grounded capacitor for a node).
    pub owners: Vec<String>,
    /// Subsystem of each state: its owner's (`netlist::subsystem_of`).
    pub subsystems: Vec<String>,
    /// `u(load)` per-unit load channels, then `i(node)` injections.
    pub inputs: Vec<String>,
    /// `v(node)` for every node.
    pub outputs: Vec<String>,
    /// Extended unknown index of each state.
    pub unknowns: Vec<usize>,
}

/// The component that owns each state. A node voltage is a state because
/// of the grounded ideal capacitors on it; it is credited to that
/// capacitor, or to the node when several share it.
pub fn state_owners(model: &Model, unknowns: &[usize]) -> Vec<String> {
    let mut caps: Vec<Vec<&str>> = vec![Vec::new(); model.n() + 1];
    for d in &model.devices {
        for b in d.branches() {
            if b.kind == BranchKind::GroundedCapacitor {
                let node = if b.a != 0 { b.a } else { b.b };
                caps[node].push(d.name());
            }
        }
    }
    unknowns
        .iter()
        .map(|&i| match model.kinds[i].owner(&model.names[i]) {
            Some(owner) => owner.to_string(),
            None if caps[i].len() == 1 => caps[i][0].to_string(),
            None => model.names[i].clone(),
        })
        .collect()
}

/// The subsystem of each owner (from `state_owners`): the circuit's
/// declared subsystems, else its top-level instance.
pub fn state_subsystems(model: &Model, owners: &[String]) -> Vec<String> {
    owners
        .iter()
        .map(|o| crate::netlist::subsystem_of(&model.subsystems, o).to_string())
        .collect()
}

/// ∂F/∂u for every load channel, from the devices' time derivatives with a
/// unit slope on one channel at a time (exact, no perturbation of u).
fn input_columns(model: &Model, point: &OperatingPoint) -> Vec<Vec<f64>> {
    let size = model.n() + 1;
    let mut inputs: Vec<InputValue> = point
        .inputs
        .iter()
        .map(|v| InputValue {
            value: v.value,
            slope: 0.0,
        })
        .collect();
    let mut base = vec![0.0; size];
    let ctx = Ctx {
        t: point.t,
        inputs: &inputs,
    };
    model.time_derivative(&ctx, &point.y, &mut base);
    let mut out = Vec::with_capacity(inputs.len());
    for k in 0..inputs.len() {
        inputs[k].slope = 1.0;
        let mut ft = vec![0.0; size];
        let ctx = Ctx {
            t: point.t,
            inputs: &inputs,
        };
        model.time_derivative(&ctx, &point.y, &mut ft);
        inputs[k].slope = 0.0;
        out.push((1..size).map(|i| ft[i] - base[i]).collect());
    }
    out
}

/// Builds (A, B, C, D). With `with_io` false only A is built (B, C, D are
/// empty), which is all the modal analysis needs.
pub fn state_space(
    model: &Model,
    point: &OperatingPoint,
    with_io: bool,
) -> Result<StateSpace, StabilityError> {
    let j = SparseMatrix::jacobian(model, point);
    let nodes = model.node_names();
    let node_unknowns: Vec<usize> = nodes.iter().map(|k| model.node_index[k] - 1).collect();
    let load_columns = if with_io {
        input_columns(model, point)
    } else {
        Vec::new()
    };
    // Input columns over all unknowns (sparse in practice): the load
    // channels, then a current injected at every node.
    let input_entries: Vec<Vec<(usize, f64)>> = if with_io {
        load_columns
            .iter()
            .map(|col| {
                col.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(i, v)| (i, *v))
                    .collect()
            })
            .chain(node_unknowns.iter().map(|&i| vec![(i, 1.0)]))
            .collect()
    } else {
        Vec::new()
    };
    let nu = input_entries.len();
    let Reduction {
        a,
        b,
        eliminated: rhs,
        x_of,
        z_of,
        xs,
    } = reduce(&j, &model.mass[1..], &input_entries, &|i| {
        let name = &model.names[i + 1];
        match model.kinds[i + 1].owner(name) {
            None => format!("the voltage of node `{name}`"),
            Some(owner) => format!("`{name}` (component `{owner}`)"),
        }
    })?;
    let nx = xs.len();
    let (ny, mut c, mut d) = if with_io {
        let ny = nodes.len();
        (ny, Mat::<f64>::zeros(ny, nx), Mat::<f64>::zeros(ny, nu))
    } else {
        (0, Mat::zeros(0, nx), Mat::zeros(0, 0))
    };
    for (row, &i) in node_unknowns.iter().enumerate().take(ny) {
        if x_of[i] != usize::MAX {
            c[(row, x_of[i])] = 1.0;
        } else {
            // z = −J_zz⁻¹·(J_zx·x + B_z·u)
            let zr = z_of[i];
            for k in 0..nx {
                c[(row, k)] = -rhs[(zr, k)];
            }
            for k in 0..nu {
                d[(row, k)] = -rhs[(zr, nx + k)];
            }
        }
    }
    let unknowns: Vec<usize> = xs.iter().map(|i| i + 1).collect();
    let owners = state_owners(model, &unknowns);
    let mut inputs: Vec<String> = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    if with_io {
        inputs.extend(model.inputs.iter().map(|l| format!("u({l})")));
        inputs.extend(nodes.iter().map(|k| format!("i({k})")));
        outputs.extend(nodes.iter().map(|k| format!("v({k})")));
    }
    Ok(StateSpace {
        a,
        b,
        c,
        d,
        states: unknowns.iter().map(|&i| model.names[i].clone()).collect(),
        subsystems: state_subsystems(model, &owners),
        owners,
        inputs,
        outputs,
        unknowns,
    })
}

impl StateSpace {
    /// JSON with row-major arrays, for MATLAB/Python/Julia.
    pub fn to_json(&self, circuit: &str, at: f64) -> serde_json::Value {
        let rows = |m: &Mat<f64>| -> Vec<Vec<f64>> {
            (0..m.nrows())
                .map(|r| (0..m.ncols()).map(|c| m[(r, c)]).collect())
                .collect()
        };
        serde_json::json!({
            "circuit": circuit,
            "time": at,
            "form": "x' = A x + B u, y = C x + D u (SI units; load inputs per unit)",
            "states": self.states,
            "state_owners": self.owners,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "A": rows(&self.a),
            "B": rows(&self.b),
            "C": rows(&self.c),
            "D": rows(&self.d),
        })
    }
}

/// The state matrix A = M_x⁻¹·(J_xx − J_xz·J_zz⁻¹·J_zx) of any Jacobian
/// `j` with mass diagonal `mass` (0-based): the model's own, or one with a
/// control loop opened (`loops`), whose open-loop poles are its
/// eigenvalues.
pub fn state_matrix(j: &SparseMatrix, mass: &[f64]) -> Result<Mat<f64>, StabilityError> {
    Ok(reduce(j, mass, &[], &|i| format!("unknown {}", i + 1))?.a)
}

/// The elimination of the algebraic unknowns, shared by `state_space` and
/// `state_matrix`.
struct Reduction {
    a: Mat<f64>,
    b: Mat<f64>,
    /// J_zz⁻¹·[J_zx | B_z]: the algebraic unknowns in terms of x and u.
    eliminated: Mat<f64>,
    /// Position of each unknown (0-based) in x or z; `usize::MAX` if not.
    x_of: Vec<usize>,
    z_of: Vec<usize>,
    /// The differential unknowns (0-based), in state order.
    xs: Vec<usize>,
}

/// A = M_x⁻¹·(J_xx − J_xz·J_zz⁻¹·J_zx) and B = M_x⁻¹·(B_x − J_xz·J_zz⁻¹·B_z)
/// for the input columns `inputs` (sparse, over all unknowns). `name`
/// describes an unknown (0-based) for the error of a singular J_zz.
fn reduce(
    j: &SparseMatrix,
    mass: &[f64],
    inputs: &[Vec<(usize, f64)>],
    name: &dyn Fn(usize) -> String,
) -> Result<Reduction, StabilityError> {
    let n = j.n;
    let mut x_of = vec![usize::MAX; n];
    let mut z_of = vec![usize::MAX; n];
    let (mut xs, mut nz) = (Vec::new(), 0);
    for (i, &m) in mass.iter().enumerate().take(n) {
        if m != 0.0 {
            x_of[i] = xs.len();
            xs.push(i);
        } else {
            z_of[i] = nz;
            nz += 1;
        }
    }
    let nx = xs.len();
    if nx > super::DENSE_LIMIT {
        return Err(StabilityError::TooLarge {
            states: nx,
            limit: super::DENSE_LIMIT,
        });
    }
    let nu = inputs.len();
    let mut a = Mat::<f64>::zeros(nx, nx);
    let mut b = Mat::<f64>::zeros(nx, nu);
    // Right-hand sides for J_zz⁻¹: [J_zx | B_z].
    let mut rhs = Mat::<f64>::zeros(nz, nx + nu);
    let (mut zz, mut xz) = (Vec::new(), Vec::new());
    for (r, c, v) in j.triplets() {
        if v == 0.0 {
            continue;
        }
        match (x_of[r] != usize::MAX, x_of[c] != usize::MAX) {
            (true, true) => a[(x_of[r], x_of[c])] += v,
            (true, false) => xz.push((x_of[r], z_of[c], v)),
            (false, true) => rhs[(z_of[r], x_of[c])] += v,
            (false, false) => zz.push(Triplet::new(z_of[r], z_of[c], v)),
        }
    }
    for (k, column) in inputs.iter().enumerate() {
        for &(i, v) in column {
            if x_of[i] != usize::MAX {
                b[(x_of[i], k)] += v;
            } else {
                rhs[(z_of[i], nx + k)] += v;
            }
        }
    }
    if nz > 0 {
        let jzz = SparseColMat::<usize, f64>::try_new_from_triplets(nz, nz, &zz)
            .map_err(|e| StabilityError::Singular(format!("cannot assemble J_zz: {e:?}")))?;
        let singular = |numerically: bool| {
            let who = jzz_singular::undetermined(&zz, nz)
                .and_then(|k| z_of.iter().position(|&z| z == k))
                .map(name);
            StabilityError::Singular(jzz_singular::message(who, numerically))
        };
        let lu: Lu<usize, f64> = jzz.sp_lu().map_err(|_| singular(false))?;
        lu.solve_in_place(rhs.as_mut());
        let finite = (0..rhs.ncols()).all(|c| (0..nz).all(|r| rhs[(r, c)].is_finite()));
        if !finite {
            return Err(singular(true));
        }
        // A −= J_xz·(J_zz⁻¹·J_zx), B −= J_xz·(J_zz⁻¹·B_z).
        for &(r, c, v) in &xz {
            for k in 0..nx {
                a[(r, k)] -= v * rhs[(c, k)];
            }
            for k in 0..nu {
                b[(r, k)] -= v * rhs[(c, nx + k)];
            }
        }
    }
    for (r, &i) in xs.iter().enumerate() {
        let m = mass[i];
        for k in 0..nx {
            a[(r, k)] /= m;
        }
        for k in 0..nu {
            b[(r, k)] /= m;
        }
    }
    Ok(Reduction {
        a,
        b,
        eliminated: rhs,
        x_of,
        z_of,
        xs,
    })
}
