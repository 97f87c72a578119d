//! `busbar export CIRCUIT --spice F`: an ngspice deck of the same averaged
//! model that `compile` builds, so that the two simulators can be compared
//! waveform for waveform.
//!
//! Owns the translation of every component, load profile and scheduled
//! event into SPICE elements, the mapping of hierarchical node names to
//! SPICE names, and the analysis/control cards. Must not compile or run
//! the model, nor touch files: it returns the deck as text.
//!
//! Every element mirrors the equations in `components/*.rs` exactly (same
//! section splitting, same values computed by the same arithmetic); what
//! cannot be mirrored exactly (state events such as UVLO, trips) is an
//! error rather than an approximation.

use super::ExportError;
use crate::components::cable::Cable;
use crate::components::capacitor::Capacitor;
use crate::components::dcx::Dcx;
use crate::components::inductor::Inductor;
use crate::components::load::{Load, LoadModel};
use crate::components::sources::{CurrentSource, VoltageSource};
use crate::components::switch::Switch;
use crate::components::ComponentSpec;
use crate::netlist::FlatCircuit;
use crate::scenario::{Event, LoadProfile, ProbeKind, Scenario, Start};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::f64::consts::TAU;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

const FORMAT: &str = "SPICE";

/// Below this input voltage a Dcx's no-load loss becomes a conductance
/// (mirrors `components/dcx.rs`).
const NO_LOAD_MIN_VOLTS: f64 = 1.0;

/// Width of a PWL jump as a fraction of TMAX: 20 times ngspice's minimum
/// breakpoint spacing, and short enough that what the ramp moves meanwhile
/// is far below any tolerance.
const JUMP_FRACTION: f64 = 1e-3;

/// ngspice's integration method (`.options method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpiceMethod {
    /// Gear (BDF) up to order 2: stiff-stable, no trapezoidal ringing.
    #[default]
    Gear,
    /// Trapezoidal rule, ngspice's own default.
    Trap,
}

impl SpiceMethod {
    /// The keyword ngspice expects.
    pub fn keyword(self) -> &'static str {
        match self {
            SpiceMethod::Gear => "gear",
            SpiceMethod::Trap => "trap",
        }
    }
}

impl fmt::Display for SpiceMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl FromStr for SpiceMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "gear" => Ok(SpiceMethod::Gear),
            "trap" | "trapezoidal" => Ok(SpiceMethod::Trap),
            other => Err(format!(
                "unknown ngspice method `{other}`: expected `gear` or `trap`"
            )),
        }
    }
}

/// Solver settings written into the deck, and where its `wrdata` goes.
#[derive(Debug, Clone, PartialEq)]
pub struct SpiceOptions {
    pub reltol: f64,
    /// Absolute current tolerance, amperes.
    pub abstol: f64,
    /// Absolute voltage tolerance, volts.
    pub vntol: f64,
    pub method: SpiceMethod,
    /// `.tran` TMAX; `None` lets ngspice choose.
    pub maxstep: Option<f64>,
    /// File the control block writes the recorded nodes to (`wrdata`),
    /// relative to ngspice's working directory unless absolute.
    pub output: PathBuf,
}

impl Default for SpiceOptions {
    /// Tight tolerances: the deck exists to serve as a reference.
    fn default() -> Self {
        SpiceOptions {
            reltol: 1e-7,
            abstol: 1e-9,
            vntol: 1e-7,
            method: SpiceMethod::Gear,
            maxstep: None,
            output: PathBuf::from("busbar-spice.dat"),
        }
    }
}

impl SpiceOptions {
    /// The settings for reference runs: relative tolerance `reltol`, tight
    /// absolute tolerances, Gear, and with a scenario a step cap of a
    /// quarter of its output grid spacing. The cap matters: on smooth
    /// averaged models ngspice's step is set by TMAX rather than by its
    /// truncation-error control, so tolerances alone do not buy accuracy.
    pub fn tight(reltol: f64, output: impl Into<PathBuf>, scenario: Option<&Scenario>) -> Self {
        SpiceOptions {
            reltol,
            maxstep: scenario.map(|s| s.sample / 4.0),
            output: output.into(),
            ..SpiceOptions::default()
        }
    }
}

/// Writes an ngspice deck of `circuit` driven by `scenario` (load profiles,
/// switch and source events, faults, start, duration, sampling and
/// recording). Without a scenario the deck computes the operating point
/// with every load at 1 pu.
///
/// The deck's header maps every ngspice node back to its busbar name and
/// lists the recorded columns, one `* record <vector> <busbar column>
/// <nominal volts or ->` line each, in the order `wrdata` writes them after
/// the time column.
pub fn spice_deck(
    circuit: &FlatCircuit,
    scenario: Option<&Scenario>,
    options: &SpiceOptions,
) -> Result<String, ExportError> {
    let output = options
        .output
        .to_str()
        .filter(|s| {
            !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        })
        .ok_or_else(|| ExportError::OutputPath(options.output.display().to_string()))?;
    let mut primitives = Vec::with_capacity(circuit.components.len());
    for c in &circuit.components {
        let p = c
            .primitive()
            .ok_or_else(|| ExportError::NotElaborated(c.name().to_string()))?;
        p.validate()?;
        primitives.push(c);
    }

    let mut deck = Deck::new(scenario, options);
    // Every busbar node first, so that their natural names win over the
    // private nodes invented below.
    for c in &primitives {
        if let Some(p) = c.primitive() {
            for n in p.nodes() {
                deck.names.node(n);
            }
        }
        if let ComponentSpec::Cable(cable) = c {
            for k in 1..cable.sections.value() as usize {
                deck.names.node(&format!("{}.n{k}", cable.name));
            }
        }
    }
    let events = EventPlan::new(circuit, scenario, &deck.names)?;
    let profiles = load_profiles(circuit, scenario)?;

    let mut load_index = 0usize;
    for c in &primitives {
        match c {
            ComponentSpec::Resistor(r) => {
                let (a, b) = (deck.names.node(&r.a), deck.names.node(&r.b));
                let name = deck.names.element('R', &r.name);
                deck.line(format!("{name} {a} {b} {}", num(r.ohms.value())));
            }
            ComponentSpec::Inductor(l) => deck.inductor(l),
            ComponentSpec::Capacitor(cap) => deck.capacitor(cap),
            ComponentSpec::Cable(cable) => deck.cable(cable),
            ComponentSpec::Switch(s) => deck.switch(s, events.switches.get(&s.name)),
            ComponentSpec::VoltageSource(v) => deck.voltage_source(v, events.sets.get(&v.name)),
            ComponentSpec::CurrentSource(i) => deck.current_source(i, events.sets.get(&i.name)),
            ComponentSpec::Dcx(d) => deck.dcx(d),
            ComponentSpec::Load(l) => {
                deck.load(l, &profiles[load_index])?;
                load_index += 1;
            }
            ComponentSpec::Converter(_)
            | ComponentSpec::Rectifier(_)
            | ComponentSpec::Battery(_)
            | ComponentSpec::Bbu(_)
            | ComponentSpec::CapBank(_) => {
                return Err(ExportError::Unsupported {
                    name: c.name().to_string(),
                    feature: format!("a `{}` (limits and modes are state events)", c.kind()),
                    format: FORMAT,
                })
            }
            ComponentSpec::Instance(_) | ComponentSpec::Repeat(_) => {
                return Err(ExportError::NotElaborated(c.name().to_string()))
            }
        }
    }
    for fault in &events.faults {
        deck.fault(fault);
    }
    let record = recorded_nodes(circuit, scenario, &deck.names)?;
    Ok(deck.finish(circuit, scenario, options, output, &record))
}

/// A recorded node voltage: the busbar column name and the ngspice node.
struct Recorded {
    column: String,
    spice: String,
    nominal: Option<f64>,
}

/// Scheduled events sorted per component, in the form the deck needs.
struct EventPlan {
    /// Switch name → (time, closed after it).
    switches: HashMap<String, Vec<(f64, bool)>>,
    /// Source name → (time, new value).
    sets: HashMap<String, Vec<(f64, f64)>>,
    faults: Vec<Fault>,
}

/// A scenario fault: a switch from `node` to ground, open until `at`.
struct Fault {
    /// The name busbar gives the fault device (`fault3@bus800`).
    name: String,
    node: String,
    siemens: f64,
    at: f64,
    clear: Option<f64>,
}

impl EventPlan {
    fn new(
        circuit: &FlatCircuit,
        scenario: Option<&Scenario>,
        names: &Names,
    ) -> Result<Self, ExportError> {
        let mut plan = EventPlan {
            switches: HashMap::new(),
            sets: HashMap::new(),
            faults: Vec::new(),
        };
        let Some(s) = scenario else {
            return Ok(plan);
        };
        for (k, event) in s.events.iter().enumerate() {
            // Events after the run never fire; busbar drops them too.
            if event.at() > s.duration {
                continue;
            }
            let (component, what) = match event {
                Event::Fault {
                    at,
                    node,
                    ohms,
                    clear_after,
                } => {
                    if !names.has_node(node) {
                        return Err(ExportError::Binding(format!(
                            "event {} (`Fault`): node `{node}` is not in the circuit",
                            k + 1
                        )));
                    }
                    plan.faults.push(Fault {
                        name: format!("fault{}@{node}", k + 1),
                        node: node.clone(),
                        siemens: 1.0 / ohms,
                        at: *at,
                        clear: clear_after.map(|c| at + c).filter(|t| *t <= s.duration),
                    });
                    continue;
                }
                Event::Trip { component, .. }
                | Event::Open { component, .. }
                | Event::Close { component, .. }
                | Event::Set { component, .. } => (component, event),
            };
            let targets: Vec<&ComponentSpec> = circuit
                .components
                .iter()
                .filter(|c| crate::glob::matches(component, c.name()))
                .collect();
            if targets.is_empty() {
                return Err(ExportError::Binding(format!(
                    "event {} (`{}`): no component matches `{component}`",
                    k + 1,
                    event.kind()
                )));
            }
            for target in targets {
                plan.add(target, what)?;
            }
        }
        // Stable: events at one instant keep their file order, as in the
        // engine.
        for list in plan.switches.values_mut() {
            list.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        for list in plan.sets.values_mut() {
            list.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Ok(plan)
    }

    fn add(&mut self, target: &ComponentSpec, event: &Event) -> Result<(), ExportError> {
        let unsupported = |feature: String| ExportError::Unsupported {
            name: target.name().to_string(),
            feature,
            format: FORMAT,
        };
        match (event, target) {
            (Event::Open { at, .. }, ComponentSpec::Switch(s)) => {
                self.switches
                    .entry(s.name.clone())
                    .or_default()
                    .push((*at, false));
            }
            (Event::Close { at, .. }, ComponentSpec::Switch(s)) => {
                self.switches
                    .entry(s.name.clone())
                    .or_default()
                    .push((*at, true));
            }
            (
                Event::Set {
                    at, field, value, ..
                },
                ComponentSpec::VoltageSource(v),
            ) if field == "volts" => {
                self.sets
                    .entry(v.name.clone())
                    .or_default()
                    .push((*at, *value));
            }
            (
                Event::Set {
                    at, field, value, ..
                },
                ComponentSpec::CurrentSource(i),
            ) if field == "amps" => {
                self.sets
                    .entry(i.name.clone())
                    .or_default()
                    .push((*at, *value));
            }
            (Event::Trip { at, .. }, _) => {
                return Err(unsupported(format!(
                    "the `Trip` event at t = {at} s (it latches the {} off and resets its state)",
                    target.kind()
                )))
            }
            (other, _) => {
                return Err(unsupported(format!(
                    "a `{}` event on a {}",
                    other.kind(),
                    target.kind()
                )))
            }
        }
        Ok(())
    }
}

/// Each load's profile in circuit order, exactly as the study binds them
/// (stagger included); loads no entry targets run at 1 pu.
fn load_profiles(
    circuit: &FlatCircuit,
    scenario: Option<&Scenario>,
) -> Result<Vec<LoadProfile>, ExportError> {
    let names: Vec<String> = circuit
        .components
        .iter()
        .filter_map(|c| match c {
            ComponentSpec::Load(l) => Some(l.name.clone()),
            _ => None,
        })
        .collect();
    let mut profiles = vec![LoadProfile::constant(1.0); names.len()];
    if let Some(s) = scenario {
        for binding in s.bind_loads(&names)? {
            profiles[binding.load] = binding.profile;
        }
    }
    Ok(profiles)
}

/// SPICE names: ngspice folds case and only takes plain identifiers, so
/// hierarchical names are mapped (`tray3.bus50` → `tray3_bus50`) and made
/// unique deterministically (first come keeps the plain name).
#[derive(Debug, Default)]
struct Names {
    nodes: HashMap<String, String>,
    /// busbar nodes in order of first use.
    order: Vec<String>,
    taken_nodes: HashSet<String>,
    taken_elements: HashSet<String>,
}

impl Names {
    /// The ngspice name of busbar node `name`; ground is `0`.
    fn node(&mut self, name: &str) -> String {
        if name == "gnd" || name == "0" {
            return "0".into();
        }
        if let Some(s) = self.nodes.get(name) {
            return s.clone();
        }
        let s = unique(&mut self.taken_nodes, node_base(name));
        self.nodes.insert(name.to_string(), s.clone());
        self.order.push(name.to_string());
        s
    }

    fn has_node(&self, name: &str) -> bool {
        self.nodes.contains_key(name)
    }

    /// A node private to the deck (between a series R and L, a control
    /// signal), never confused with a busbar node.
    fn internal(&mut self, hint: &str) -> String {
        unique(&mut self.taken_nodes, node_base(hint))
    }

    /// A unique element name starting with its SPICE type letter.
    fn element(&mut self, letter: char, hint: &str) -> String {
        unique(
            &mut self.taken_elements,
            format!("{letter}_{}", sanitize(hint)),
        )
    }
}

/// Lower-case alphanumerics and `_`; everything else becomes `_`.
fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "x".into()
    } else {
        s
    }
}

/// SPICE reads an all-digit node name as a number (`00` would be ground),
/// so node names never start with a digit.
fn node_base(name: &str) -> String {
    let s = sanitize(name);
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{s}")
    } else {
        s
    }
}

fn unique(taken: &mut HashSet<String>, base: String) -> String {
    let mut candidate = base.clone();
    let mut k = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}_{k}");
        k += 1;
    }
    candidate
}

/// Shortest decimal that reads back as the same f64, so the deck carries
/// exactly the values busbar uses.
fn num(x: f64) -> String {
    format!("{x:e}")
}

/// The expression for v(a) − v(b).
fn vdiff(a: &str, b: &str) -> String {
    match (a, b) {
        (a, "0") => format!("v({a})"),
        ("0", b) => format!("(-v({b}))"),
        (a, b) => format!("(v({a})-v({b}))"),
    }
}

/// A piecewise-linear source value list as `PWL(...)` continued over lines.
fn pwl(points: &[(f64, f64)]) -> String {
    let mut out = String::from("PWL(");
    let mut line_len = out.len();
    for (k, (t, v)) in points.iter().enumerate() {
        let pair = format!("{} {}", num(*t), num(*v));
        if k > 0 {
            if line_len + pair.len() > 100 {
                out.push_str("\n+ ");
                line_len = 2;
            } else {
                out.push(' ');
                line_len += 1;
            }
        }
        line_len += pair.len();
        out.push_str(&pair);
    }
    out.push(')');
    out
}

/// A source value: constant (`DC x`) unless it changes.
fn source_value(points: &[(f64, f64)]) -> String {
    match points {
        [(_, v)] => format!("DC {}", num(*v)),
        _ if points.iter().all(|(_, v)| *v == points[0].1) => format!("DC {}", num(points[0].1)),
        _ => pwl(points),
    }
}

struct Deck {
    names: Names,
    lines: Vec<String>,
    duration: f64,
    start: Start,
    /// `.tran` TMAX: the caller's, else SPICE's classic default, written
    /// out so that the jump width below is tied to it.
    tmax: f64,
    /// Width of a jump in a PWL (ngspice wants increasing times). It ends
    /// exactly at the event so that ngspice's point there holds the
    /// post-event value, as busbar's sample does, and it is wider than
    /// ngspice's minimum breakpoint spacing (5e-5 of TMAX) so that both
    /// corners are kept rather than merged into the earlier one.
    jump: f64,
    /// Per-unit demand sources, shared by loads with identical profiles.
    demands: BTreeMap<Vec<(u64, u64)>, String>,
    /// Lagged demands, shared by loads with the same demand and bandwidth.
    lags: BTreeMap<(String, u64), String>,
}

impl Deck {
    fn new(scenario: Option<&Scenario>, options: &SpiceOptions) -> Self {
        let duration = scenario.map_or(0.0, |s| s.duration);
        let sample = scenario.map_or(0.0, |s| s.sample);
        let tmax = options
            .maxstep
            .unwrap_or_else(|| sample.min(duration / 50.0));
        Deck {
            names: Names::default(),
            lines: Vec::new(),
            duration,
            start: scenario.map_or(Start::OperatingPoint, |s| s.start),
            tmax,
            jump: tmax * JUMP_FRACTION,
            demands: BTreeMap::new(),
            lags: BTreeMap::new(),
        }
    }

    fn line(&mut self, s: String) {
        self.lines.push(s);
    }

    /// ` ic=0` on storage elements for a cold start.
    fn ic(&self) -> &'static str {
        match self.start {
            Start::Zero => " ic=0",
            Start::OperatingPoint => "",
        }
    }

    /// Series R–L from `a` to `b` named after `owner`: the inductor, then
    /// its resistance through a private node (omitted when zero).
    fn series_rl(&mut self, owner: &str, a: &str, b: &str, henries: f64, ohms: f64) {
        let l = self.names.element('L', owner);
        if ohms > 0.0 {
            let mid = self.names.internal(&format!("{owner}.dcr"));
            let r = self.names.element('R', &format!("{owner}.dcr"));
            let ic = self.ic();
            self.line(format!("{l} {a} {mid} {}{ic}", num(henries)));
            self.line(format!("{r} {mid} {b} {}", num(ohms)));
        } else {
            let ic = self.ic();
            self.line(format!("{l} {a} {b} {}{ic}", num(henries)));
        }
    }

    /// Capacitor from `a` to `b`, with its ESR in series through a private
    /// node when non-zero.
    fn series_rc(&mut self, owner: &str, a: &str, b: &str, farads: f64, esr: f64) {
        let c = self.names.element('C', owner);
        let ic = self.ic();
        if esr > 0.0 {
            let mid = self.names.internal(&format!("{owner}.esr"));
            let r = self.names.element('R', &format!("{owner}.esr"));
            self.line(format!("{r} {a} {mid} {}", num(esr)));
            self.line(format!("{c} {mid} {b} {}{ic}", num(farads)));
        } else {
            self.line(format!("{c} {a} {b} {}{ic}", num(farads)));
        }
    }

    fn inductor(&mut self, l: &Inductor) {
        let (a, b) = (self.names.node(&l.a), self.names.node(&l.b));
        self.series_rl(&l.name, &a, &b, l.henries.value(), l.ohms.value());
    }

    fn capacitor(&mut self, c: &Capacitor) {
        let (a, b) = (self.names.node(&c.a), self.names.node(&c.b));
        self.series_rc(&c.name, &a, &b, c.farads.value(), c.esr.value());
    }

    /// π-sections exactly as `components/cable.rs` builds them.
    fn cable(&mut self, cable: &Cable) {
        let n = cable.sections.value() as usize;
        let (r, l, c) = (
            cable.ohms.value() / n as f64,
            cable.henries.value() / n as f64,
            cable.farads.value() / n as f64,
        );
        let mut nodes = vec![self.names.node(&cable.a)];
        for k in 1..n {
            nodes.push(self.names.node(&format!("{}.n{k}", cable.name)));
        }
        nodes.push(self.names.node(&cable.b));
        for k in 0..n {
            let part = format!("{}.s{}", cable.name, k + 1);
            let (na, nb) = (nodes[k].clone(), nodes[k + 1].clone());
            if l > 0.0 {
                self.series_rl(&part, &na, &nb, l, r);
            } else {
                let name = self.names.element('R', &part);
                self.line(format!("{name} {na} {nb} {}", num(r)));
            }
        }
        if c > 0.0 {
            for (k, node) in nodes.iter().enumerate() {
                // Interior nodes carry the halves of two adjacent sections.
                let share = if k == 0 || k == n { c / 2.0 } else { c };
                self.series_rc(&format!("{}.c{k}", cable.name), node, "0", share, 0.0);
            }
        }
    }

    /// A conductance `a`–`b` following `points` (siemens over time) through
    /// a behavioural source; used for switches with events and faults.
    fn switched_conductance(&mut self, owner: &str, a: &str, b: &str, points: &[(f64, f64)]) {
        let ctl = self.names.internal(&format!("{owner}.g"));
        let source = self.names.element('V', &format!("{owner}.g"));
        let value = source_value(points);
        self.line(format!("{source} {ctl} 0 {value}"));
        let name = self.names.element('B', owner);
        self.line(format!("{name} {a} {b} I = {} * v({ctl})", vdiff(a, b)));
    }

    fn switch(&mut self, s: &Switch, events: Option<&Vec<(f64, bool)>>) {
        let (a, b) = (self.names.node(&s.a), self.names.node(&s.b));
        // busbar stamps conductances; keep its exact values.
        let (on, off) = (1.0 / s.on_ohms.value(), 1.0 / s.off_ohms.value());
        let g = |closed: bool| if closed { on } else { off };
        match events {
            Some(list) if !list.is_empty() => {
                let changes: Vec<(f64, f64)> =
                    list.iter().map(|&(t, closed)| (t, g(closed))).collect();
                let points = steps(g(s.closed), &changes, self.jump);
                self.switched_conductance(&s.name, &a, &b, &points);
            }
            _ => {
                let name = self.names.element('R', &s.name);
                let ohms = if s.closed {
                    s.on_ohms.value()
                } else {
                    s.off_ohms.value()
                };
                self.line(format!("{name} {a} {b} {}", num(ohms)));
            }
        }
    }

    fn fault(&mut self, f: &Fault) {
        let node = self.names.node(&f.node);
        let mut changes = vec![(f.at, f.siemens)];
        if let Some(t) = f.clear {
            changes.push((t, 0.0));
        }
        // Open until the fault: busbar's fault switch has 0 S when open.
        let points = steps(0.0, &changes, self.jump);
        let owner = f.name.replace('@', ".");
        self.switched_conductance(&owner, &node, "0", &points);
    }

    fn voltage_source(&mut self, v: &VoltageSource, events: Option<&Vec<(f64, f64)>>) {
        let (p, n) = (self.names.node(&v.pos), self.names.node(&v.neg));
        let name = self.names.element('V', &v.name);
        let points = steps(v.volts.value(), events.map_or(&[][..], |e| e), self.jump);
        self.line(format!("{name} {p} {n} {}", source_value(&points)));
    }

    fn current_source(&mut self, i: &CurrentSource, events: Option<&Vec<(f64, f64)>>) {
        // SPICE's I flows from n+ through the source to n−: out of `from`
        // into `to`, as busbar's.
        let (from, to) = (self.names.node(&i.from), self.names.node(&i.to));
        let name = self.names.element('I', &i.name);
        let points = steps(i.amps.value(), events.map_or(&[][..], |e| e), self.jump);
        self.line(format!("{name} {from} {to} {}", source_value(&points)));
    }

    /// Output branch: EMF v_in/N, R_out, L_out and a zero-volt sense source
    /// in series into `output`; input side: a behavioural current
    /// i/N + P_nl/v_in drawn from `input`.
    fn dcx(&mut self, d: &Dcx) {
        let input = self.names.node(&d.input);
        let input_ret = self.names.node(&d.input_ret);
        let output = self.names.node(&d.output);
        let output_ret = self.names.node(&d.output_ret);
        let ratio = d.ratio.value();
        let (ohms, henries) = (d.ohms.value(), d.henries.value());

        let emf = self.names.internal(&format!("{}.emf", d.name));
        let e = self.names.element('E', &d.name);
        self.line(format!(
            "{e} {emf} {output_ret} {input} {input_ret} {}",
            num(1.0 / ratio)
        ));
        let mut at = emf;
        if ohms > 0.0 {
            let next = self.names.internal(&format!("{}.rout", d.name));
            let r = self.names.element('R', &format!("{}.rout", d.name));
            self.line(format!("{r} {at} {next} {}", num(ohms)));
            at = next;
        }
        if henries > 0.0 {
            let next = self.names.internal(&format!("{}.lout", d.name));
            let l = self.names.element('L', &format!("{}.lout", d.name));
            let ic = self.ic();
            self.line(format!("{l} {at} {next} {}{ic}", num(henries)));
            at = next;
        }
        let sense = self.names.element('V', &format!("{}.sense", d.name));
        self.line(format!("{sense} {at} {output} DC 0"));

        let mut current = format!("i({sense}) * {}", num(1.0 / ratio));
        let p_nl = d.no_load_watts.value();
        if p_nl > 0.0 {
            let v_in = vdiff(&input, &input_ret);
            let g = p_nl / (NO_LOAD_MIN_VOLTS * NO_LOAD_MIN_VOLTS);
            current.push_str(&format!(
                " + ({v_in} >= {} ? {} / {v_in} : {} * {v_in})",
                num(NO_LOAD_MIN_VOLTS),
                num(p_nl),
                num(g)
            ));
        }
        let b = self.names.element('B', &format!("{}.in", d.name));
        self.line(format!("{b} {input} {input_ret} I = {current}"));
    }

    /// The per-unit demand node for `profile`, shared between loads.
    fn demand(&mut self, owner: &str, profile: &LoadProfile) -> String {
        let points = profile_points(profile, self.duration, self.jump);
        let key: Vec<(u64, u64)> = points
            .iter()
            .map(|(t, v)| (t.to_bits(), v.to_bits()))
            .collect();
        if let Some(node) = self.demands.get(&key) {
            return node.clone();
        }
        let node = self.names.internal(&format!("{owner}.pu"));
        let source = self.names.element('V', &format!("{owner}.pu"));
        let value = source_value(&points);
        self.line(format!("{source} {node} 0 {value}"));
        self.demands.insert(key, node.clone());
        node
    }

    /// Demand → drawn power through the first-order lag
    /// P' = 2π·f·(P_d − P): an RC with R = 1 Ω, C = 1/(2π·f).
    fn lag(&mut self, owner: &str, demand: &str, hz: f64) -> String {
        let key = (demand.to_string(), hz.to_bits());
        if let Some(node) = self.lags.get(&key) {
            return node.clone();
        }
        let node = self.names.internal(&format!("{owner}.lag"));
        let r = self.names.element('R', &format!("{owner}.lag"));
        let c = self.names.element('C', &format!("{owner}.lag"));
        let ic = self.ic();
        self.line(format!("{r} {demand} {node} 1"));
        self.line(format!("{c} {node} 0 {}{ic}", num(1.0 / (TAU * hz))));
        self.lags.insert(key, node.clone());
        node
    }

    fn load(&mut self, l: &Load, profile: &LoadProfile) -> Result<(), ExportError> {
        if l.uvlo.is_some() {
            return Err(ExportError::Unsupported {
                name: l.name.clone(),
                feature: "`uvlo` (a state event)".into(),
                format: FORMAT,
            });
        }
        if l.smoothing.is_some() {
            return Err(ExportError::Unsupported {
                name: l.name.clone(),
                feature: "`smoothing` (its hysteresis is a state event)".into(),
                format: FORMAT,
            });
        }
        let node = self.names.node(&l.node);
        let ret = self.names.node(&l.ret);
        let demand = self.demand(&l.name, profile);
        let pu = match &l.bandwidth_hz {
            Some(f) => self.lag(&l.name, &demand, f.value()),
            None => demand,
        };
        let v = vdiff(&node, &ret);
        let law = load_law(&l.model, &v);
        let b = self.names.element('B', &l.name);
        self.line(format!(
            "{b} {node} {ret} I = {} * v({pu}) * ({law})",
            num(l.watts.value())
        ));
        Ok(())
    }

    fn finish(
        self,
        circuit: &FlatCircuit,
        scenario: Option<&Scenario>,
        options: &SpiceOptions,
        output: &str,
        record: &[Recorded],
    ) -> String {
        let mut out = String::new();
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        out.push_str(&format!("busbar export: {}\n", one_line(&circuit.name)));
        out.push_str(&format!(
            "* Averaged model of circuit `{}` written by busbar {}.\n",
            one_line(&circuit.name),
            env!("CARGO_PKG_VERSION")
        ));
        match scenario {
            Some(s) => out.push_str(&format!(
                "* scenario `{}`: {} s sampled every {} s, start {}\n",
                one_line(&s.name),
                num(s.duration),
                num(s.sample),
                match s.start {
                    Start::OperatingPoint => "at the DC operating point",
                    Start::Zero => "from zero (uic)",
                }
            )),
            None => out.push_str("* no scenario: operating point with every load at 1 pu\n"),
        }
        out.push_str("*\n* nodes (ngspice = busbar):\n");
        for name in &self.names.order {
            out.push_str(&format!("*   {} = {name}\n", self.names.nodes[name]));
        }
        out.push_str("*\n* recorded columns, in wrdata order after time (vector, busbar column, nominal volts):\n");
        for r in record {
            let nominal = r.nominal.map_or("-".to_string(), num);
            out.push_str(&format!("* record v({}) {} {nominal}\n", r.spice, r.column));
        }
        if let Some(s) = scenario {
            for p in s.probes().iter().filter(|p| p.kind != ProbeKind::Voltage) {
                let prefix = match p.kind {
                    ProbeKind::Current => "i",
                    ProbeKind::Power => "p",
                    _ => "soc",
                };
                out.push_str(&format!("* not recorded here: {prefix}({})\n", p.target));
            }
        }
        out.push('\n');
        for l in &self.lines {
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&format!(
            ".options reltol={} abstol={} vntol={} method={}\n",
            num(options.reltol),
            num(options.abstol),
            num(options.vntol),
            options.method
        ));
        match scenario {
            Some(s) => {
                let mut tran = format!(
                    ".tran {} {} 0 {}",
                    num(s.sample),
                    num(s.duration),
                    num(self.tmax)
                );
                if s.start == Start::Zero {
                    tran.push_str(" uic");
                }
                out.push_str(&tran);
                out.push('\n');
            }
            None => out.push_str(".op\n"),
        }
        let vectors: Vec<String> = record.iter().map(|r| format!("v({})", r.spice)).collect();
        out.push_str(".control\nset wr_singlescale\nset wr_vecnames\noption numdgt=15\nrun\n");
        out.push_str(&format!("wrdata {output} {}\n", vectors.join(" ")));
        out.push_str("quit\n.endc\n.end\n");
        out
    }
}

/// The per-watt current law i/P of `components/load.rs` as an expression
/// in the terminal voltage `v`.
fn load_law(model: &LoadModel, v: &str) -> String {
    let cp = |min_volts: f64| {
        format!(
            "({v} >= {} ? 1 / {v} : {v} * {})",
            num(min_volts),
            num(1.0 / (min_volts * min_volts))
        )
    };
    match model {
        LoadModel::ConstantPower { min_volts } => cp(min_volts.value()),
        LoadModel::ConstantCurrent { volts } => num(1.0 / volts.value()),
        LoadModel::Resistive { volts } => {
            format!("{v} * {}", num(1.0 / (volts.value() * volts.value())))
        }
        LoadModel::Zip {
            p,
            i,
            z,
            volts,
            min_volts,
        } => {
            let volts = volts.value();
            let mut terms = Vec::new();
            if p.value() != 0.0 {
                terms.push(format!("{} * {}", num(p.value()), cp(min_volts.value())));
            }
            if i.value() != 0.0 {
                terms.push(num(i.value() / volts));
            }
            if z.value() != 0.0 {
                terms.push(format!("{v} * {}", num(z.value() / (volts * volts))));
            }
            if terms.is_empty() {
                "0".into()
            } else {
                terms.join(" + ")
            }
        }
    }
}

/// Appends a jump from `before` to `after` at `t` to PWL `points`: the
/// ramp ends at `t`, so the value at `t` is already `after`
/// (right-continuous, as busbar applies actions and profile corners). A
/// jump at t = 0, or too close to the previous corner, starts there
/// instead.
fn push_jump(points: &mut Vec<(f64, f64)>, t: f64, before: f64, after: f64, jump: f64) {
    let last = points.last().map_or(0.0, |p| p.0);
    if t - jump > last {
        points.push((t - jump, before));
        points.push((t, after));
    } else {
        points.push(((last + jump).max(t), after));
    }
}

/// A piecewise-constant value as PWL points: `initial` from t = 0, then
/// each `(t, value)` change taken at t.
fn steps(initial: f64, changes: &[(f64, f64)], jump: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, initial)];
    let mut current = initial;
    let mut k = 0;
    while k < changes.len() {
        let t = changes[k].0;
        // Several changes at one instant: the last one wins.
        while k < changes.len() && changes[k].0 == t {
            k += 1;
        }
        let value = changes[k - 1].1;
        if value != current {
            push_jump(&mut points, t, current, value, jump);
            current = value;
        }
    }
    points
}

/// PWL points of a load profile over `[0, duration]`: its value at every
/// corner, a jump where the profile is discontinuous, and the end of the
/// run so that a ramp cut by it is kept.
fn profile_points(profile: &LoadProfile, duration: f64, jump: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, profile.value(0.0))];
    if duration <= 0.0 {
        return points;
    }
    let mut corners: Vec<f64> = profile
        .breakpoints(duration)
        .into_iter()
        .filter(|t| *t > 0.0)
        .collect();
    if corners.last().is_none_or(|t| *t < duration) {
        corners.push(duration);
    }
    let mut previous = 0.0;
    for c in corners {
        // The profile is linear between consecutive corners, so the left
        // limit at c comes from the segment that starts at the previous one.
        let left = profile.value(previous) + profile.slope(previous) * (c - previous);
        let right = profile.value(c);
        if (left - right).abs() > 1e-12 * right.abs().max(1.0) {
            push_jump(&mut points, c, left, right, jump);
        } else {
            points.push((c, right));
        }
        previous = c;
    }
    points
}

/// Orders names so that `tray2` comes before `tray10`, as the study orders
/// its probes.
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(first) = c.to_digit(10) {
            let mut value = u64::from(first);
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                value = value.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            out.push((std::mem::take(&mut text), value));
        } else {
            text.push(c);
        }
    }
    out.push((text, u64::MAX));
    out
}

/// The node voltages the study would record, with its column names and in
/// its order: the `record` entries that name nodes, else every declared
/// bus, else every node.
fn recorded_nodes(
    circuit: &FlatCircuit,
    scenario: Option<&Scenario>,
    names: &Names,
) -> Result<Vec<Recorded>, ExportError> {
    let mut nodes: Vec<&String> = names.order.iter().collect();
    nodes.sort_by_cached_key(|n| natural_key(n));
    let column = |n: &str| match circuit.nominal(n) {
        Some(_) => n.to_string(),
        None => format!("v({n})"),
    };
    let recorded = |n: &str| Recorded {
        column: column(n),
        spice: names.nodes[n].clone(),
        nominal: circuit.nominal(n),
    };
    let entries = scenario.map(Scenario::probes).unwrap_or_default();
    if entries.is_empty() {
        let buses: Vec<Recorded> = nodes
            .iter()
            .filter(|n| circuit.nominal(n).is_some())
            .map(|n| recorded(n))
            .collect();
        if !buses.is_empty() {
            return Ok(buses);
        }
        return Ok(nodes.iter().map(|n| recorded(n)).collect());
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for p in entries.iter().filter(|p| p.kind == ProbeKind::Voltage) {
        let matched: Vec<&&String> = nodes
            .iter()
            .filter(|n| crate::glob::matches(&p.target, n))
            .collect();
        if matched.is_empty() {
            return Err(ExportError::Binding(format!(
                "record entry `{}` matches no node of the circuit",
                p.target
            )));
        }
        for n in matched {
            if seen.insert(n.as_str()) {
                out.push(recorded(n));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::load::LoadModel;
    use crate::components::resistor::Resistor;
    use crate::netlist::{BusSpec, Num};
    use std::path::Path;

    fn v(x: f64) -> Num {
        Num::Value(x)
    }

    /// 800 V source, cable, bus capacitor with ESR, one Dcx and a CPL.
    fn small() -> FlatCircuit {
        FlatCircuit {
            name: "small rack".into(),
            components: vec![
                ComponentSpec::VoltageSource(VoltageSource {
                    name: "grid".into(),
                    pos: "src".into(),
                    neg: "gnd".into(),
                    volts: v(800.0),
                }),
                ComponentSpec::Inductor(Inductor {
                    name: "lsrc".into(),
                    a: "src".into(),
                    b: "tap".into(),
                    henries: v(1e-6),
                    ohms: v(5e-4),
                }),
                ComponentSpec::Cable(Cable {
                    name: "feed".into(),
                    a: "tap".into(),
                    b: "bus800".into(),
                    ohms: v(1.8e-3),
                    henries: v(5e-6),
                    farads: v(1e-6),
                    sections: v(2.0),
                }),
                ComponentSpec::Capacitor(Capacitor {
                    name: "cbus".into(),
                    a: "bus800".into(),
                    b: "gnd".into(),
                    farads: v(1e-3),
                    esr: v(1e-3),
                }),
                ComponentSpec::Dcx(Dcx {
                    name: "tray1.dcx".into(),
                    input: "bus800".into(),
                    output: "tray1.bus50".into(),
                    ratio: v(16.0),
                    ohms: v(2e-3),
                    henries: v(20e-9),
                    no_load_watts: v(30.0),
                    input_ret: "gnd".into(),
                    output_ret: "gnd".into(),
                }),
                ComponentSpec::Capacitor(Capacitor {
                    name: "tray1.c50".into(),
                    a: "tray1.bus50".into(),
                    b: "gnd".into(),
                    farads: v(10e-3),
                    esr: v(0.0),
                }),
                ComponentSpec::Load(Load {
                    name: "tray1.gpu".into(),
                    node: "tray1.bus50".into(),
                    ret: "gnd".into(),
                    watts: v(7.5e3),
                    model: LoadModel::ConstantPower { min_volts: v(30.0) },
                    bandwidth_hz: Some(v(3e3)),
                    uvlo: None,
                    smoothing: None,
                }),
                ComponentSpec::Switch(Switch {
                    name: "brk".into(),
                    a: "tray1.bus50".into(),
                    b: "dump".into(),
                    closed: false,
                    on_ohms: v(1.0),
                    off_ohms: v(1e6),
                }),
                ComponentSpec::Resistor(Resistor {
                    name: "rdump".into(),
                    a: "dump".into(),
                    b: "gnd".into(),
                    ohms: v(10.0),
                }),
            ],
            buses: vec![
                BusSpec {
                    pattern: "bus800".into(),
                    nominal: 800.0,
                },
                BusSpec {
                    pattern: "tray*.bus50".into(),
                    nominal: 50.0,
                },
            ],
            file: None,
        }
    }

    fn scenario(extra: &str) -> Scenario {
        let text = format!("Scenario(name: \"t\", duration: 0.01, sample: 1e-5, {extra})");
        crate::scenario::parse_str(&text, Path::new("t.ron")).expect("test scenario parses")
    }

    fn deck(extra: &str) -> String {
        let s = scenario(extra);
        spice_deck(
            &small(),
            Some(&s),
            &SpiceOptions::tight(1e-7, "out.dat", Some(&s)),
        )
        .expect("deck")
    }

    fn has(deck: &str, line: &str) {
        assert!(
            deck.lines().any(|l| l == line),
            "missing `{line}` in\n{deck}"
        );
    }

    #[test]
    fn components_become_the_same_elements() {
        let d = deck("loads: [(target: \"tray*.gpu\", profile: Step(from: 0.3, to: 1.0, at: 2e-3, rise: 1e-3))]");
        has(&d, "V_grid src 0 DC 8e2");
        // Inductor DCR through a private node.
        has(&d, "L_lsrc src lsrc_dcr 1e-6");
        has(&d, "R_lsrc_dcr lsrc_dcr tap 5e-4");
        // Cable: two sections of R/2, L/2; C/4 at the ends, C/2 inside.
        has(&d, "L_feed_s1 tap feed_s1_dcr 2.5e-6");
        has(&d, "R_feed_s1_dcr feed_s1_dcr feed_n1 9e-4");
        has(&d, "L_feed_s2 feed_n1 feed_s2_dcr 2.5e-6");
        has(&d, "C_feed_c0 tap 0 2.5e-7");
        has(&d, "C_feed_c1 feed_n1 0 5e-7");
        has(&d, "C_feed_c2 bus800 0 2.5e-7");
        // ESR capacitor.
        has(&d, "R_cbus_esr bus800 cbus_esr 1e-3");
        has(&d, "C_cbus cbus_esr 0 1e-3");
        // Dcx.
        has(&d, "E_tray1_dcx tray1_dcx_emf 0 bus800 0 6.25e-2");
        has(&d, "R_tray1_dcx_rout tray1_dcx_emf tray1_dcx_rout 2e-3");
        has(&d, "L_tray1_dcx_lout tray1_dcx_rout tray1_dcx_lout 2e-8");
        has(&d, "V_tray1_dcx_sense tray1_dcx_lout tray1_bus50 DC 0");
        has(
            &d,
            "B_tray1_dcx_in bus800 0 I = i(V_tray1_dcx_sense) * 6.25e-2 + (v(bus800) >= 1e0 ? 3e1 / v(bus800) : 3e1 * v(bus800))",
        );
        // Load: demand PWL, lag RC, CPL law.
        has(
            &d,
            "V_tray1_gpu_pu tray1_gpu_pu 0 PWL(0e0 3e-1 2e-3 3e-1 3e-3 1e0 1e-2 1e0)",
        );
        has(&d, "R_tray1_gpu_lag tray1_gpu_pu tray1_gpu_lag 1");
        has(
            &d,
            &format!("C_tray1_gpu_lag tray1_gpu_lag 0 {}", num(1.0 / (TAU * 3e3))),
        );
        has(
            &d,
            "B_tray1_gpu tray1_bus50 0 I = 7.5e3 * v(tray1_gpu_lag) * ((v(tray1_bus50) >= 3e1 ? 1 / v(tray1_bus50) : v(tray1_bus50) * 1.1111111111111111e-3))",
        );
        // A switch without events is a resistor in its initial state.
        has(&d, "R_brk tray1_bus50 dump 1e6");
        // Analysis and output.
        has(
            &d,
            ".options reltol=1e-7 abstol=1e-9 vntol=1e-7 method=gear",
        );
        has(&d, ".tran 1e-5 1e-2 0 2.5e-6");
        has(&d, "wrdata out.dat v(bus800) v(tray1_bus50)");
        has(&d, "* record v(bus800) bus800 8e2");
        has(&d, "* record v(tray1_bus50) tray1.bus50 5e1");
        has(&d, "*   tray1_bus50 = tray1.bus50");
        assert!(d.ends_with(".end\n"));
    }

    #[test]
    fn events_become_piecewise_linear_sources() {
        let d = deck(
            "start: Zero, events: [Close(at: 1e-3, component: \"brk\"), Open(at: 2e-3, component: \"brk\"), \
             Set(at: 0.0, component: \"grid\", field: \"volts\", value: 790.0), \
             Set(at: 4e-3, component: \"grid\", field: \"volts\", value: 780.0), \
             Fault(at: 5e-3, node: \"bus800\", ohms: 0.5, clear_after: 1e-3)], record: [\"v(tap)\", \"i(grid)\"]",
        );
        // TMAX is a quarter of the 10 µs sample; jumps take 1e-3 of it and
        // end at the event.
        let jump = 2.5e-6 * JUMP_FRACTION;
        has(
            &d,
            &format!(
                "V_brk_g brk_g 0 PWL(0e0 1e-6 {} 1e-6 1e-3 1e0 {} 1e0 2e-3 1e-6)",
                num(1e-3 - jump),
                num(2e-3 - jump)
            ),
        );
        has(
            &d,
            "B_brk tray1_bus50 dump I = (v(tray1_bus50)-v(dump)) * v(brk_g)",
        );
        // An event at t = 0 follows the operating point, so its jump starts
        // there.
        has(
            &d,
            &format!(
                "V_grid src 0 PWL(0e0 8e2 {} 7.9e2 {} 7.9e2 4e-3 7.8e2)",
                num(jump),
                num(4e-3 - jump)
            ),
        );
        has(
            &d,
            &format!(
                "V_fault5_bus800_g fault5_bus800_g 0 PWL(0e0 0e0 {} 0e0 5e-3 2e0 {} 2e0 6e-3 0e0)",
                num(5e-3 - jump),
                num(6e-3 - jump)
            ),
        );
        has(
            &d,
            "B_fault5_bus800 bus800 0 I = v(bus800) * v(fault5_bus800_g)",
        );
        has(&d, "C_cbus cbus_esr 0 1e-3 ic=0");
        has(&d, ".tran 1e-5 1e-2 0 2.5e-6 uic");
        has(&d, "wrdata out.dat v(tap)");
        has(&d, "* record v(tap) v(tap) -");
        has(&d, "* not recorded here: i(grid)");
    }

    #[test]
    fn staggered_loads_get_their_own_demand() {
        let mut c = small();
        let mut second = c.components[6].clone();
        if let ComponentSpec::Load(l) = &mut second {
            l.name = "tray1.gpu2".into();
        }
        c.components.push(second);
        let s = scenario(
            "loads: [(target: \"tray1.gpu*\", profile: Step(from: 0.3, to: 1.0, at: 2e-3, rise: 0.0), \
             stagger: Stagger(seconds: 1e-3, phases: 2))]",
        );
        let d = spice_deck(&c, Some(&s), &SpiceOptions::default()).expect("deck");
        // Without a TMAX the deck writes SPICE's default, min(sample, duration / 50).
        has(&d, ".tran 1e-5 1e-2 0 1e-5");
        let jump = 1e-5 * JUMP_FRACTION;
        has(
            &d,
            &format!(
                "V_tray1_gpu_pu tray1_gpu_pu 0 PWL(0e0 3e-1 {} 3e-1 2e-3 1e0 1e-2 1e0)",
                num(2e-3 - jump)
            ),
        );
        has(
            &d,
            &format!(
                "V_tray1_gpu2_pu tray1_gpu2_pu 0 PWL(0e0 3e-1 {} 3e-1 3e-3 1e0 1e-2 1e0)",
                num(3e-3 - jump)
            ),
        );
        assert_eq!(d.matches("C_tray1_gpu").count(), 2, "{d}");
    }

    #[test]
    fn identical_demands_are_shared() {
        let mut c = small();
        let mut second = c.components[6].clone();
        if let ComponentSpec::Load(l) = &mut second {
            l.name = "tray1.gpu2".into();
        }
        c.components.push(second);
        let d = spice_deck(&c, None, &SpiceOptions::default()).expect("deck");
        has(&d, "V_tray1_gpu_pu tray1_gpu_pu 0 DC 1e0");
        assert_eq!(d.matches("V_tray1_gpu2_pu").count(), 0, "{d}");
        assert!(
            d.contains("B_tray1_gpu2 tray1_bus50 0 I = 7.5e3 * v(tray1_gpu_lag)"),
            "{d}"
        );
        has(&d, ".op");
    }

    #[test]
    fn names_are_sanitised_and_unique() {
        let mut names = Names::default();
        assert_eq!(names.node("gnd"), "0");
        assert_eq!(names.node("Tray3.Bus50"), "tray3_bus50");
        assert_eq!(names.node("tray3_bus50"), "tray3_bus50_2");
        assert_eq!(names.node("Tray3.Bus50"), "tray3_bus50");
        assert_eq!(names.node("00"), "n00");
        assert_eq!(names.internal("tray3.bus50"), "tray3_bus50_3");
        assert_eq!(names.element('R', "a.b"), "R_a_b");
        assert_eq!(names.element('R', "a_b"), "R_a_b_2");
    }

    #[test]
    fn state_events_and_trips_are_refused() {
        let mut c = small();
        if let ComponentSpec::Load(l) = &mut c.components[6] {
            l.uvlo = Some(crate::components::load::Uvlo {
                volts: v(40.0),
                seconds: v(1e-3),
            });
        }
        let err = spice_deck(&c, None, &SpiceOptions::default()).unwrap_err();
        assert!(err.to_string().contains("`tray1.gpu`: `uvlo`"), "{err}");

        let s = scenario("events: [Trip(at: 1e-3, component: \"tray1.dcx\")]");
        let err = spice_deck(&small(), Some(&s), &SpiceOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("`tray1.dcx`: the `Trip` event"),
            "{err}"
        );
    }

    #[test]
    fn bad_output_paths_are_refused() {
        let options = SpiceOptions {
            output: PathBuf::from("my out.dat"),
            ..SpiceOptions::default()
        };
        assert!(matches!(
            spice_deck(&small(), None, &options),
            Err(ExportError::OutputPath(_))
        ));
    }

    #[test]
    fn pulse_cut_by_the_end_of_the_run_keeps_its_ramp() {
        let s = scenario(
            "loads: [(target: \"tray1.gpu\", profile: Pulse(low: 0.3, high: 1.0, period: 8e-3, duty: 0.5, rise: 4e-3))]",
        );
        let d = spice_deck(&small(), Some(&s), &SpiceOptions::default()).expect("deck");
        // Second cycle starts at 8 ms and would reach 1.0 at 12 ms; at the
        // end of the run (10 ms) the ramp is half way.
        let tail = d
            .split("8e-3 3e-1 1e-2 ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|v| v.parse::<f64>().ok());
        assert!(tail.is_some_and(|v| (v - 0.65).abs() < 1e-12), "{d}");
    }
}
