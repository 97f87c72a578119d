//! Exact reductions of the index-2 structures a SPICE user writes without
//! thinking, applied to the built equations before the index check:
//!
//! - **Pinned capacitors.** An ideal capacitor whose two terminals are
//!   joined by a path of `VoltageSource`s has its voltage fixed by them; its
//!   current C·dV/dt is zero because a source's voltage is constant between
//!   events. Its mass is removed (a grounded capacitor's from its node's
//!   row, a floating one's from its voltage state), which leaves the KCL
//!   rows to determine the source currents. At a `Set volts` event the
//!   capacitor's charge moves by C·ΔV at the event instant (an impulse of
//!   current that no waveform shows); afterwards its voltage is the new
//!   source voltage.
//! - **Inductor cut-sets.** A group of nodes with no capacitance, joined
//!   among themselves only by resistors and to the rest of the circuit only
//!   by inductors (`Inductor`, `Cable` sections) and `CurrentSource`s, has a
//!   KCL that is an algebraic constraint on inductor currents. One inductor
//!   per cut-set stops being a state: its row becomes the group's summed
//!   KCL, and one node's row becomes the time derivative of that KCL,
//!   Σ ±(v_a − v_b − R·i)/L = 0 over the boundary inductors. Both are fixed
//!   combinations of the stamped rows (`mix`). Series inductors so share one
//!   current with L = ΣL, a tap's voltage is the inductive divider, and an
//!   inductor in series with a current source carries that current. A step
//!   in such a current source would need an impulse of voltage, so a `Set`
//!   on it is refused at the event.
//!
//! What cannot be reduced exactly is left alone and refused by the index
//! check with its located message: loops of sources only, loops holding
//! more than one capacitor, cut-sets with no inductor or whose constraints
//! conflict, and structures through other components.
//!
//! Owns the choice of reductions; must not evaluate equations.

use super::mix::RowMix;
use crate::components::ComponentSpec;
use crate::device::{
    Action, Branch, BranchKind, Builder, Ctx, Device, DeviceError, Reaction, RowSlots, SignalKind,
    UnknownKind, GROUND,
};
use crate::hash::FastMap;
use crate::netlist::Library;
use std::collections::{BTreeMap, BTreeSet};

/// The reductions applied to one model.
#[derive(Debug, Default)]
pub struct Reductions {
    pub mixes: Vec<RowMix>,
    /// Nodes whose voltage a source path fixes: their grounded capacitors
    /// are pinned.
    pub pinned_nodes: BTreeSet<usize>,
    /// Devices (floating ideal capacitors) whose voltage a source path fixes.
    pub pinned_devices: BTreeSet<usize>,
    /// Nodes of reduced inductor cut-sets.
    pub cut_nodes: BTreeSet<usize>,
}

/// Finds and applies the reductions: masses removed in `b`, mixed rows
/// planned with their slots, current sources in cut-sets wrapped.
/// `branches` are [`node_branches`] of the built devices.
pub fn reduce(
    components: &[ComponentSpec],
    b: &mut Builder,
    devices: &mut [Box<dyn Device>],
    branches: &[(usize, usize, Branch)],
) -> Reductions {
    let mut out = Reductions::default();
    let mut states = DeviceUnknowns::default();
    pin_capacitors(components, b, branches, &mut states, &mut out);
    let groups = cut_groups(b, branches);
    if groups.is_empty() {
        return out;
    }
    // The slots the devices stamped, by row: the cut-sets' rows are read
    // from it, and the mixes combine its rows.
    let stamped = b.rows();
    let cuts: Vec<Cut> = groups
        .into_iter()
        .filter_map(|nodes| {
            classify(
                components,
                b,
                devices,
                branches,
                &mut states,
                &stamped,
                nodes,
            )
        })
        .collect();
    for (cut, eliminated) in matched(&cuts) {
        let pivot = cut.pivot;
        let kcl = cut.nodes.iter().map(|&t| (t, 1.0)).collect();
        // Scaled by 1/Σ(1/L) so the row reads in volts (a 1/L-weighted
        // mean of the inductor voltages), like the KVL rows: unscaled,
        // rounding in v_a − v_b times 1/L (~1e6 per H) would exceed the
        // Newton tolerance.
        let total: f64 = cut.inductors.iter().map(|&(_, w)| w.abs()).sum();
        let derivative = cut
            .inductors
            .iter()
            .map(|&(state, w)| (state, w / total))
            .collect();
        out.mixes.push(RowMix::new(b, &stamped, eliminated, kcl));
        out.mixes.push(RowMix::new(b, &stamped, pivot, derivative));
        b.mass[eliminated] = 0.0;
        out.cut_nodes.extend(&cut.nodes);
        let names = cut.inductor_names.join("`, `");
        for &d in &cut.sources {
            let inner = std::mem::replace(&mut devices[d], Box::new(Placeholder));
            devices[d] = Box::new(ForcedCurrent {
                inner,
                inductors: names.clone(),
            });
        }
    }
    out
}

/// Two-terminal branches between distinct node unknowns, as (device,
/// position among its branches, branch). A wrapper `reduce` puts around a
/// device keeps its branches, so the list holds before and after.
pub fn node_branches(b: &Builder, devices: &[Box<dyn Device>]) -> Vec<(usize, usize, Branch)> {
    let is_node = |i: usize| i == GROUND || matches!(b.kinds[i], UnknownKind::Node);
    devices
        .iter()
        .enumerate()
        .flat_map(|(d, dev)| {
            dev.branches()
                .into_iter()
                .enumerate()
                .map(move |(k, br)| (d, k, br))
        })
        .filter(|(_, _, br)| br.a != br.b && is_node(br.a) && is_node(br.b))
        .collect()
}

/// Device-owned unknowns by (owner, label), indexed on first use: only a
/// floating capacitor across a source path or an inductor cut-set needs
/// them, and most circuits have neither.
#[derive(Default)]
struct DeviceUnknowns {
    index: Option<FastMap<(String, String), usize>>,
}

impl DeviceUnknowns {
    fn get(&mut self, b: &Builder, owner: &str, label: &str) -> Option<usize> {
        let index = self.index.get_or_insert_with(|| {
            b.kinds
                .iter()
                .zip(&b.names)
                .enumerate()
                .filter_map(|(i, (k, name))| {
                    let owner = k.owner(name)?.to_string();
                    let label = k.label(name)?.to_string();
                    Some(((owner, label), i))
                })
                .collect()
        });
        index.get(&(owner.to_string(), label.to_string())).copied()
    }
}

fn kind_of(components: &[ComponentSpec], d: usize) -> &'static str {
    components.get(d).map_or("", |c| c.kind())
}

/// Removes the mass of every ideal capacitor whose voltage a path of
/// voltage sources fixes.
fn pin_capacitors(
    components: &[ComponentSpec],
    b: &mut Builder,
    branches: &[(usize, usize, Branch)],
    states: &mut DeviceUnknowns,
    out: &mut Reductions,
) {
    let mut sources = super::topology::UnionFind::new(b.names.len());
    for (d, _, br) in branches {
        if kind_of(components, *d) == "VoltageSource" && br.kind == BranchKind::VoltageDefining {
            sources.union(br.a, br.b);
        }
    }
    for (d, _, br) in branches {
        if sources.find(br.a) != sources.find(br.b) {
            continue;
        }
        match (br.kind, components.get(*d)) {
            (BranchKind::GroundedCapacitor, _) => {
                let node = br.a.max(br.b);
                b.mass[node] = 0.0;
                out.pinned_nodes.insert(node);
            }
            (BranchKind::VoltageDefining, Some(ComponentSpec::Capacitor(c))) => {
                if let Some(v) = states.get(b, &c.name, "v") {
                    b.mass[v] = 0.0;
                    out.pinned_devices.insert(*d);
                }
            }
            _ => {}
        }
    }
}

/// Node groups that only inductor-like branches join to the rest (the
/// groups the index check calls cut-sets), in node order.
fn cut_groups(b: &Builder, branches: &[(usize, usize, Branch)]) -> Vec<Vec<usize>> {
    let size = b.names.len();
    let mut joined = super::topology::UnionFind::new(size);
    for (_, _, br) in branches {
        if br.kind != BranchKind::FixedCurrent {
            joined.union(br.a, br.b);
        }
    }
    let ground = joined.find(GROUND);
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in (1..size).filter(|&i| matches!(b.kinds[i], UnknownKind::Node)) {
        let root = joined.find(i);
        if root != ground {
            groups.entry(root).or_default().push(i);
        }
    }
    let mut out: Vec<Vec<usize>> = groups
        .into_values()
        .filter(|nodes| nodes.iter().all(|&i| b.mass[i] == 0.0))
        .collect();
    out.sort();
    out
}

/// A reducible cut-set.
struct Cut {
    nodes: Vec<usize>,
    /// A node of the group that a boundary inductor touches: its row takes
    /// the derivative of the KCL, whose own entry there is −Σ1/L ≠ 0.
    pivot: usize,
    /// Boundary inductor currents, each with ±1/L (+ if the current
    /// enters the group): its weight in the derivative of the KCL.
    inductors: Vec<(usize, f64)>,
    inductor_names: Vec<String>,
    /// Current-source devices on the boundary.
    sources: Vec<usize>,
}

/// The cut-set if every branch touching it is one the reduction is exact
/// for, and the devices stamp nothing else into its rows.
fn classify(
    components: &[ComponentSpec],
    b: &Builder,
    devices: &[Box<dyn Device>],
    branches: &[(usize, usize, Branch)],
    states: &mut DeviceUnknowns,
    stamped: &RowSlots,
    nodes: Vec<usize>,
) -> Option<Cut> {
    let inside = |i: usize| nodes.binary_search(&i).is_ok();
    let mut cut = Cut {
        pivot: 0,
        nodes: nodes.clone(),
        inductors: Vec::new(),
        inductor_names: Vec::new(),
        sources: Vec::new(),
    };
    for &(d, k, br) in branches {
        let kind = kind_of(components, d);
        match (inside(br.a), inside(br.b)) {
            (false, false) => {}
            (true, true) => {
                let resistive = matches!(kind, "Resistor" | "Cable");
                if br.kind != BranchKind::Conductive || !resistive {
                    return None;
                }
            }
            (a_in, _) => {
                let sign = if a_in { -1.0 } else { 1.0 };
                let owner = match kind {
                    "Inductor" => devices[d].name().to_string(),
                    "Cable" => format!("{}.s{}", devices[d].name(), k + 1),
                    "CurrentSource" => {
                        cut.sources.push(d);
                        continue;
                    }
                    _ => return None,
                };
                let state = states.get(b, &owner, "i")?;
                if b.mass[state] <= 0.0 {
                    return None;
                }
                if cut.pivot == 0 {
                    cut.pivot = if a_in { br.a } else { br.b };
                }
                cut.inductors.push((state, sign / b.mass[state]));
                cut.inductor_names.push(owner);
            }
        }
    }
    if cut.inductors.is_empty() {
        return None;
    }
    // The summed KCL must hold only the group's voltages and the boundary
    // currents: anything else stamped there is a branch this plan ignores.
    let allowed = |col: usize| inside(col) || cut.inductors.iter().any(|&(s, _)| s == col);
    let clean = nodes
        .iter()
        .all(|&t| stamped.row(t).iter().all(|&(col, _)| allowed(col)));
    clean.then_some(cut)
}

/// One eliminated inductor per cut-set, all distinct (a maximum matching;
/// cut-sets left unmatched have conflicting constraints and stay
/// unreduced, for the index check to refuse).
fn matched(cuts: &[Cut]) -> Vec<(&Cut, usize)> {
    let columns: Vec<usize> = cuts
        .iter()
        .flat_map(|c| c.inductors.iter().map(|&(s, _)| s))
        .collect::<BTreeSet<usize>>()
        .into_iter()
        .collect();
    let position = |s: usize| columns.binary_search(&s).expect("listed");
    let rows: Vec<Vec<usize>> = cuts
        .iter()
        .map(|c| {
            c.inductors
                .iter()
                .rev()
                .map(|&(s, _)| position(s))
                .collect()
        })
        .collect();
    let (match_col, _) = super::topology::max_matching(&rows, columns.len());
    let mut out: Vec<(&Cut, usize)> = Vec::new();
    for (col, row) in match_col.iter().enumerate() {
        if let Some(r) = row {
            out.push((&cuts[*r], columns[col]));
        }
    }
    out.sort_by_key(|(c, _)| c.pivot);
    out
}

/// Stands in for a device while it is moved into its wrapper.
#[derive(Debug, Clone)]
struct Placeholder;

impl Device for Placeholder {
    fn name(&self) -> &str {
        ""
    }
    fn eval(&self, _ctx: &Ctx, _y: &[f64], _f: &mut [f64]) {}
    fn jacobian(&self, _ctx: &Ctx, _y: &[f64], _jac: &mut [f64]) {}
    fn branches(&self) -> Vec<Branch> {
        Vec::new()
    }
}

/// A current source whose current only inductors carry away: everything
/// as the source, except that it refuses a step of its current.
#[derive(Debug, Clone)]
struct ForcedCurrent {
    inner: Box<dyn Device>,
    inductors: String,
}

impl Device for ForcedCurrent {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn eval(&self, ctx: &Ctx, y: &[f64], f: &mut [f64]) {
        self.inner.eval(ctx, y, f)
    }
    fn jacobian(&self, ctx: &Ctx, y: &[f64], jac: &mut [f64]) {
        self.inner.jacobian(ctx, y, jac)
    }
    fn time_derivative(&self, ctx: &Ctx, y: &[f64], ft: &mut [f64]) {
        self.inner.time_derivative(ctx, y, ft)
    }
    fn branches(&self) -> Vec<Branch> {
        self.inner.branches()
    }
    fn signals(&self) -> Vec<SignalKind> {
        self.inner.signals()
    }
    fn signal(&self, index: usize, ctx: &Ctx, y: &[f64], ydot: &[f64]) -> f64 {
        self.inner.signal(index, ctx, y, ydot)
    }
    fn signal_nominal(&self, index: usize) -> Option<f64> {
        self.inner.signal_nominal(index)
    }
    fn refine_guess(&self, y: &mut [f64]) {
        self.inner.refine_guess(y)
    }
    fn check_operating_point(&self, ctx: &Ctx, y: &[f64]) -> Result<(), DeviceError> {
        self.inner.check_operating_point(ctx, y)
    }
    /// Refuses every action: the only one a current source takes is a step.
    fn apply(&mut self, action: &Action, _y: &mut [f64]) -> Result<Reaction, DeviceError> {
        Err(DeviceError::NoActions {
            device: format!(
                "current source `{}`, whose current only inductor(s) `{}` carry (a step would need an impulse of voltage; give the node a capacitance or a resistor to ground to step it),",
                self.inner.name(),
                self.inductors
            ),
            action: action.clone(),
        })
    }
}
