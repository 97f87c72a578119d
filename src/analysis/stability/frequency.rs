//! Impedances from the full linearised DAE: the bus impedance
//! Z(jω) = v̂/î at a node for a current injected into it, and the
//! interface minor-loop gain T_m = Z_source/Z_load where one component's
//! terminal meets the rest of the network.
//!
//! Owns these frequency sweeps and their peak search. Must not reduce the
//! model (`state_space`): (jω·M − J) is solved as it is, sparse.

use super::extremum::refined_maximum;
use super::inverse_diagonal::InverseDiagonal;
use super::loops::{margins, Margins};
use super::pencil::{Pencil, SparseMatrix};
use super::setup::OperatingPoint;
use super::StabilityError;
use crate::compile::Model;
use crate::components::FlatCircuit;
use crate::device::TerminalRole;
use crate::netlist::Library;
use faer::{c64, Mat};
use rayon::prelude::*;
use serde::Serialize;
use std::f64::consts::TAU;

/// Right-hand sides solved together per factorisation.
const CHUNK: usize = 64;
/// Middlebrook and GMPM requirements: 6 dB gain margin, 60° phase margin.
const REQUIRED_GM_DB: f64 = 6.0;
const REQUIRED_PM_DEG: f64 = 60.0;

/// `per_decade` log-spaced frequencies from `lo` to `hi` inclusive. The
/// range must be finite with 0 < lo < hi, and the number of points within
/// the `frequency-points` budget, checked before anything is allocated.
pub fn default_frequencies(
    lo: f64,
    hi: f64,
    per_decade: usize,
) -> Result<Vec<f64>, StabilityError> {
    if !(lo.is_finite() && hi.is_finite() && 0.0 < lo && lo < hi && per_decade > 0) {
        return Err(StabilityError::Invalid(format!(
            "a frequency sweep needs finite 0 < f_min < f_max and at least 1 point per decade, got {lo} Hz to {hi} Hz at {per_decade} per decade"
        )));
    }
    let decades = (hi / lo).log10();
    let points = (decades * per_decade as f64).ceil().max(1.0);
    crate::budget::Budget::FrequencyPoints
        .check(
            points + 1.0,
            &format!("the sweep from {lo} Hz to {hi} Hz at {per_decade} per decade"),
        )
        .map_err(StabilityError::Invalid)?;
    let count = points as usize;
    Ok((0..=count)
        .map(|k| lo * 10f64.powf(decades * k as f64 / count as f64))
        .collect())
}

/// A sampled response: magnitude and phase per frequency.
#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    pub frequency_hz: Vec<f64>,
    pub magnitude: Vec<f64>,
    pub phase_deg: Vec<f64>,
}

impl Sweep {
    fn new(freqs: &[f64], values: &[c64]) -> Self {
        Sweep {
            frequency_hz: freqs.to_vec(),
            magnitude: values.iter().map(|z| z.norm()).collect(),
            phase_deg: values.iter().map(|z| z.arg().to_degrees()).collect(),
        }
    }
}

/// Z(j·2πf) at each of `nodes` (extended indices) for each frequency:
/// result\[node\]\[freq\].
pub fn impedance_at(
    model: &Model,
    point: &OperatingPoint,
    nodes: &[usize],
    freqs: &[f64],
) -> Result<Vec<Vec<c64>>, StabilityError> {
    sweep_impedances(&Pencil::of_model(model, point)?, nodes, freqs)
}

/// Z at `nodes` over `freqs` as diagonal entries of the inverse pencil:
/// one factorisation per frequency serves every node. Frequencies are
/// independent: computed in parallel, gathered in frequency order, so the
/// thread count changes nothing in the result.
fn sweep_impedances(
    pencil: &Pencil,
    nodes: &[usize],
    freqs: &[f64],
) -> Result<Vec<Vec<c64>>, StabilityError> {
    let diagonal = InverseDiagonal::new(pencil)?;
    let unknowns: Vec<usize> = nodes.iter().map(|&node| node - 1).collect();
    let per_freq: Vec<Result<Vec<c64>, StabilityError>> = freqs
        .par_iter()
        .map(|&f| diagonal.at(c64::new(0.0, TAU * f), &unknowns))
        .collect();
    let mut out = vec![Vec::with_capacity(freqs.len()); nodes.len()];
    for row in per_freq {
        for (k, z) in row?.into_iter().enumerate() {
            out[k].push(z);
        }
    }
    Ok(out)
}

/// Z at `nodes` over `freqs` from full solves (the peak refinement's
/// evaluations; see `bus_impedance`).
fn impedances(
    pencil: &Pencil,
    nodes: &[usize],
    freqs: &[f64],
) -> Result<Vec<Vec<c64>>, StabilityError> {
    let per_freq: Vec<Result<Vec<c64>, StabilityError>> = freqs
        .par_iter()
        .map(|&f| {
            let mut row = Vec::with_capacity(nodes.len());
            for chunk in nodes.chunks(CHUNK) {
                let mut rhs = Mat::<c64>::zeros(pencil.n(), chunk.len());
                for (c, &node) in chunk.iter().enumerate() {
                    rhs[(node - 1, c)] = c64::new(1.0, 0.0);
                }
                pencil.solve(c64::new(0.0, TAU * f), &mut rhs)?;
                row.extend(
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(c, &node)| rhs[(node - 1, c)]),
                );
            }
            Ok(row)
        })
        .collect();
    let mut out = vec![Vec::with_capacity(freqs.len()); nodes.len()];
    for row in per_freq {
        for (k, z) in row?.into_iter().enumerate() {
            out[k].push(z);
        }
    }
    Ok(out)
}

/// Peak of |values| over the swept band, refined between the grid points
/// on the exact response `eval` (see `extremum`): (frequency, |peak|).
fn peak(
    eval: &mut dyn FnMut(f64) -> Result<c64, StabilityError>,
    freqs: &[f64],
    values: &[c64],
) -> Result<(f64, f64), StabilityError> {
    let mags: Vec<f64> = values.iter().map(|z| z.norm()).collect();
    refined_maximum(&mut |f| eval(f).map(|z| z.norm()), freqs, &mags)
}

/// The bus impedance seen at one node.
#[derive(Debug, Clone, Serialize)]
pub struct BusImpedance {
    pub node: String,
    pub nominal_volts: Option<f64>,
    pub peak_ohms: f64,
    pub peak_hz: f64,
    /// |Z| at the lowest swept frequency.
    pub low_frequency_ohms: f64,
    /// ΔV_allowed/ΔI_step with ΔV = 3 % of nominal and ΔI the rated step.
    pub target_ohms: Option<f64>,
    /// The rated load-current step ΔI used for the target, A.
    pub step_amps: Option<f64>,
    /// peak/target; above 1 the node fails its target.
    pub peak_over_target: Option<f64>,
    /// Re Z < 0 somewhere on the sweep: the node is not passive there.
    pub non_passive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// A bus (name, rated step), its swept Z and its extended index.
type NodeSweep<'a> = (&'a (String, Option<f64>), Vec<c64>, usize);

/// Bus impedance at `nodes` with their rated current steps (A) when known.
pub fn bus_impedance(
    model: &Model,
    point: &OperatingPoint,
    nodes: &[(String, Option<f64>)],
    freqs: &[f64],
    keep_sweep: bool,
) -> Result<Vec<BusImpedance>, StabilityError> {
    let mut indices = Vec::with_capacity(nodes.len());
    for (name, _) in nodes {
        let i =
            model.node_index.get(name).copied().ok_or_else(|| {
                StabilityError::Invalid(format!("the circuit has no node `{name}`"))
            })?;
        indices.push(i);
    }
    let pencil = Pencil::of_model(model, point)?;
    let z = sweep_impedances(&pencil, &indices, freqs)?;
    // Each node's peak is refined on its own exact response: in parallel,
    // collected in node order.
    let per_node: Vec<NodeSweep> = nodes
        .iter()
        .zip(z)
        .zip(&indices)
        .map(|((n, values), &node)| (n, values, node))
        .collect();
    per_node
        .into_par_iter()
        .map(|((name, step), values, node)| {
            let mut at = |f: f64| impedances(&pencil, &[node], &[f]).map(|z| z[0][0]);
            let (peak_hz, peak_ohms) = peak(&mut at, freqs, &values)?;
            let nominal = model.nominal(name);
            let target = match (nominal, step) {
                (Some(v), Some(i)) if *i > 0.0 => Some(0.03 * v / i),
                _ => None,
            };
            Ok(BusImpedance {
                node: name.clone(),
                nominal_volts: nominal,
                peak_ohms,
                peak_hz,
                low_frequency_ohms: values.first().map_or(f64::NAN, |z| z.norm()),
                target_ohms: target,
                step_amps: step.filter(|_| target.is_some()),
                peak_over_target: target.map(|t| peak_ohms / t),
                non_passive: values.iter().any(|z| z.re < 0.0),
                sweep: keep_sweep.then(|| Sweep::new(freqs, &values)),
            })
        })
        .collect()
}

/// The source/load split at one component terminal.
#[derive(Debug, Clone, Serialize)]
pub struct MinorLoop {
    pub component: String,
    pub terminal: String,
    pub node: String,
    /// min over ω of |Z_load|/|Z_source| in dB, i.e. 1/peak |T_m| (the
    /// same refined extremum as `peak_gain`); Middlebrook asks ≥ 6 dB.
    pub middlebrook_margin_db: f64,
    pub middlebrook_ok: bool,
    /// Gain and phase margins of T_m.
    pub margins: Margins,
    /// True when no frequency falls in the GMPM forbidden region: |T_m|
    /// above −6 dB with ∠T_m within ±60° of −180°.
    pub gmpm_ok: bool,
    /// Peak |T_m| and its frequency.
    pub peak_gain: f64,
    pub peak_hz: f64,
    /// Z_source and Z_load over the sweep (kept only when asked for, for
    /// the interface plot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<InterfaceSweep>,
}

/// Both sides of an interface over frequency.
#[derive(Debug, Clone, Serialize)]
pub struct InterfaceSweep {
    pub source: Sweep,
    pub load: Sweep,
}

/// Evaluates Z_source and Z_load at one frequency: the component's
/// Jacobian entries touching `node` are moved to a duplicate node, so the
/// component sees its own terminal and the rest of the network the
/// original one.
struct Split {
    pencil: Pencil,
    node: usize,
    /// Whether the component has a Jacobian entry at the node at all (a
    /// bare capacitor has none: its current is all in the mass matrix).
    touches: bool,
}

impl Split {
    fn new(
        model: &Model,
        point: &OperatingPoint,
        device: usize,
        node: usize,
    ) -> Result<Self, StabilityError> {
        let p = &model.pattern;
        let mut own = vec![0.0; model.slot_count];
        model.devices[device].jacobian(&point.ctx(), &point.y, &mut own);
        let j = SparseMatrix::jacobian(model, point);
        let (k, twin) = (node - 1, j.n);
        let mut entries = Vec::with_capacity(j.values.len() + 8);
        let mut touches = false;
        for c in 0..j.n {
            for e in p.col_ptr[c]..p.col_ptr[c + 1] {
                let r = p.row_idx[e];
                let mine = own[p.slot_of_entry[e]];
                entries.push((r, c, j.values[e] - mine));
                if mine != 0.0 {
                    touches |= r == k || c == k;
                    let map = |i: usize| if i == k { twin } else { i };
                    entries.push((map(r), map(c), mine));
                }
            }
        }
        let mut mass = model.mass[1..].to_vec();
        mass.push(0.0);
        Ok(Split {
            pencil: Pencil::new(SparseMatrix::from_triplets(j.n + 1, &entries), mass)?,
            node: k,
            touches,
        })
    }

    /// (Z_source, Z_load) at f.
    fn eval(&self, f: f64) -> Result<(c64, c64), StabilityError> {
        let n = self.pencil.n();
        let mut rhs = Mat::<c64>::zeros(n, 2);
        rhs[(self.node, 0)] = c64::new(1.0, 0.0);
        rhs[(n - 1, 1)] = c64::new(1.0, 0.0);
        self.pencil.solve(c64::new(0.0, TAU * f), &mut rhs)?;
        Ok((rhs[(self.node, 0)], rhs[(n - 1, 1)]))
    }
}

/// T_m = Z_source/Z_load at `component`'s `terminal` (its field name, e.g.
/// `input`; default: `input`, else `node`, else the first terminal).
pub fn minor_loop_gain(
    circuit: &FlatCircuit,
    model: &Model,
    point: &OperatingPoint,
    component: &str,
    terminal: Option<&str>,
    freqs: &[f64],
) -> Result<MinorLoop, StabilityError> {
    let device = *model.device_index().get(component).ok_or_else(|| {
        StabilityError::Invalid(format!("the circuit has no component `{component}`"))
    })?;
    let mut spec = circuit
        .components
        .iter()
        .find(|c| c.name() == component)
        .cloned()
        .ok_or_else(|| StabilityError::Invalid(format!("no component `{component}`")))?;
    let power_input = spec.primitive().terminal_with(TerminalRole::PowerInput);
    let terminals: Vec<(String, String)> = spec
        .primitive_mut()
        .nodes_mut()
        .into_iter()
        .map(|(f, n)| (f.to_string(), n.clone()))
        .collect();
    let chosen = match terminal {
        Some(t) => terminals.iter().find(|(f, _)| f == t),
        None => terminals
            .iter()
            .find(|(f, _)| Some(f.as_str()) == power_input)
            .or_else(|| terminals.iter().find(|(f, _)| f == "node"))
            .or_else(|| terminals.first()),
    }
    .ok_or_else(|| {
        let names: Vec<&str> = terminals.iter().map(|(f, _)| f.as_str()).collect();
        StabilityError::Invalid(format!(
            "`{component}` has no terminal `{}`; its terminals: {}",
            terminal.unwrap_or(""),
            names.join(", ")
        ))
    })?;
    let (field, node_name) = chosen.clone();
    let node = model.node_index.get(&node_name).copied().ok_or_else(|| {
        StabilityError::Invalid(format!(
            "terminal `{field}` of `{component}` is on ground; split at a node"
        ))
    })?;
    let split = Split::new(model, point, device, node)?;
    if !split.touches {
        let candidates = power_inputs(circuit);
        let hint = if candidates.is_empty() {
            "this circuit has none; give `--interface` a load or a converter".to_string()
        } else {
            let names: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
            format!("this circuit's are {}", names.join(", "))
        };
        return Err(StabilityError::Invalid(format!(
            "`{component}` ({}) cannot be an interface: a minor-loop gain splits the network at a component whose current at `{node_name}` depends on the voltages (a converter's or rectifier's input, a load), and `{component}` only stores charge there, so the split leaves its side undetermined; {hint}",
            spec.kind()
        )));
    }
    let mut tm = |f: f64| split.eval(f).map(|(s, l)| s / l);
    let mut values = Vec::with_capacity(freqs.len());
    let (mut sources, mut loads) = (Vec::with_capacity(freqs.len()), Vec::new());
    let mut forbidden = false;
    let gm_limit = 10f64.powf(-REQUIRED_GM_DB / 20.0);
    for &f in freqs {
        let (zs, zl) = split.eval(f)?;
        let t = zs / zl;
        // Forbidden region: |T_m| > 1/GM and ∠T_m within ±PM of −180°.
        if t.norm() > gm_limit && (-t).arg().to_degrees().abs() < REQUIRED_PM_DEG {
            forbidden = true;
        }
        values.push(t);
        sources.push(zs);
        loads.push(zl);
    }
    let margins = margins(&mut tm, freqs, &values)?;
    let (peak_hz, peak_gain) = peak(&mut tm, freqs, &values)?;
    let middlebrook_margin_db = -20.0 * peak_gain.log10();
    Ok(MinorLoop {
        component: component.to_string(),
        terminal: field,
        node: node_name,
        middlebrook_margin_db,
        middlebrook_ok: middlebrook_margin_db >= REQUIRED_GM_DB,
        margins,
        gmpm_ok: !forbidden,
        peak_gain,
        peak_hz,
        sweep: Some(InterfaceSweep {
            source: Sweep::new(freqs, &sources),
            load: Sweep::new(freqs, &loads),
        }),
    })
}

/// Components with a power-input terminal: the interfaces a minor-loop
/// gain splits the network at.
pub fn power_inputs(circuit: &FlatCircuit) -> Vec<String> {
    circuit
        .components
        .iter()
        .filter(|c| {
            c.primitive()
                .terminal_with(TerminalRole::PowerInput)
                .is_some()
        })
        .map(|c| c.name().to_string())
        .collect()
}
