//! Random networks for the physics oracle, written as RON text with the
//! values the oracle needs to compute stored and dissipated energy: a
//! voltage source at `n1`, a random tree of series branches out to the
//! other nodes, a shunt at every node, and a few extra branches; values
//! log-uniform over six decades.

use crate::rng::Rng;
use std::fmt::Write;

#[derive(Debug, Clone)]
pub enum Part {
    Resistor { ohms: f64 },
    Inductor { henries: f64, ohms: f64 },
    Capacitor { farads: f64, esr: f64 },
    Switch,
    VoltageSource,
    CurrentSource,
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub name: String,
    pub a: String,
    pub b: String,
    pub part: Part,
}

pub struct Network {
    pub branches: Vec<Branch>,
    pub nodes: usize,
}

fn node(k: usize) -> String {
    if k == 0 {
        "gnd".into()
    } else {
        format!("n{k}")
    }
}

fn passive(rng: &mut Rng, kinds: &[usize]) -> Part {
    match *rng.pick(kinds) {
        0 => Part::Resistor {
            ohms: rng.log_uniform(1e-2, 1e4),
        },
        1 => Part::Inductor {
            henries: rng.log_uniform(1e-6, 1.0),
            ohms: rng.log_uniform(1e-3, 1e3),
        },
        2 => Part::Capacitor {
            farads: rng.log_uniform(1e-7, 1e-1),
            esr: if rng.chance(0.3) {
                0.0
            } else {
                rng.log_uniform(1e-3, 1e3)
            },
        },
        3 => Part::Switch,
        _ => Part::CurrentSource,
    }
}

/// A random connected passive network of 2 to 6 nodes.
pub fn network(rng: &mut Rng) -> Network {
    let nodes = 2 + rng.below(5);
    let mut branches = vec![Branch {
        name: "v0".into(),
        a: "n1".into(),
        b: "gnd".into(),
        part: Part::VoltageSource,
    }];
    let mut add = |part: Part, a: usize, b: usize| {
        let name = format!("x{}", branches.len());
        branches.push(Branch {
            name,
            a: node(a),
            b: node(b),
            part,
        });
    };
    for k in 2..=nodes {
        add(passive(rng, &[0, 1, 1, 3]), 1 + rng.below(k - 1), k);
        add(passive(rng, &[0, 2, 2, 2]), k, 0);
    }
    for _ in 0..rng.below(nodes + 1) {
        let (a, b) = (1 + rng.below(nodes), rng.below(nodes + 1));
        let part = passive(rng, &[0, 1, 2, 3, 4]);
        if a != b {
            add(part, a, b);
        }
    }
    Network { branches, nodes }
}

impl Network {
    pub fn circuit(&self, rng: &mut Rng) -> String {
        let mut out = String::from("Circuit(name: \"passive\", components: [\n");
        for b in &self.branches {
            let (n, a, z) = (&b.name, &b.a, &b.b);
            let _ = match &b.part {
                Part::VoltageSource => writeln!(
                    out,
                    r#"VoltageSource(name: "{n}", pos: "{a}", volts: {:e}),"#,
                    rng.log_uniform(1.0, 1e3)
                ),
                Part::CurrentSource => writeln!(
                    out,
                    r#"CurrentSource(name: "{n}", from: "{z}", to: "{a}", amps: {:e}),"#,
                    rng.log_uniform(1e-3, 1e1)
                ),
                Part::Resistor { ohms } => {
                    writeln!(
                        out,
                        r#"Resistor(name: "{n}", a: "{a}", b: "{z}", ohms: {ohms:e}),"#
                    )
                }
                Part::Inductor { henries, ohms } => writeln!(
                    out,
                    r#"Inductor(name: "{n}", a: "{a}", b: "{z}", henries: {henries:e}, ohms: {ohms:e}),"#
                ),
                Part::Capacitor { farads, esr } => writeln!(
                    out,
                    r#"Capacitor(name: "{n}", a: "{a}", b: "{z}", farads: {farads:e}, esr: {esr:e}),"#
                ),
                Part::Switch => writeln!(
                    out,
                    r#"Switch(name: "{n}", a: "{a}", b: "{z}", closed: {}, on_ohms: {:e}, off_ohms: {:e}),"#,
                    rng.chance(0.5),
                    rng.log_uniform(1e-3, 1e1),
                    rng.log_uniform(1e3, 1e7)
                ),
            };
        }
        out.push_str("])\n");
        out
    }

    /// A scenario from the operating point: source steps and switch
    /// operations at instants on every other sample (so that the half-rate
    /// quadrature sees them at its own samples), every node, current and
    /// power recorded.
    pub fn scenario(
        &self,
        rng: &mut Rng,
        duration: f64,
        samples: usize,
        rtol: f64,
        atol: f64,
    ) -> String {
        let h = duration / samples as f64;
        // On the grid of 1000 instants, so on every other sample of each
        // recording (2000 samples and finer by tens).
        let at = |rng: &mut Rng| duration * (1 + rng.below(999)) as f64 / 1000.0;
        // A step of an ideal source across an ideal capacitor (no ESR)
        // moves its charge in a Dirac impulse of current that no sample
        // can record: such networks keep their source constant.
        let ideal_c = self
            .branches
            .iter()
            .any(|b| matches!(b.part, Part::Capacitor { esr, .. } if esr == 0.0));
        let mut events = String::new();
        for b in &self.branches {
            let _ = match b.part {
                Part::Switch => writeln!(
                    events,
                    r#"{}(at: {:e}, component: "{}"),"#,
                    if rng.chance(0.5) { "Open" } else { "Close" },
                    at(rng),
                    b.name
                ),
                Part::VoltageSource if !ideal_c && rng.chance(0.8) => writeln!(
                    events,
                    r#"Set(at: {:e}, component: "{}", field: "volts", value: {:e}),"#,
                    at(rng),
                    b.name,
                    rng.log_uniform(1.0, 1e3)
                ),
                Part::CurrentSource if rng.chance(0.5) => writeln!(
                    events,
                    r#"Set(at: {:e}, component: "{}", field: "amps", value: {:e}),"#,
                    at(rng),
                    b.name,
                    rng.log_uniform(1e-3, 1e1)
                ),
                _ => Ok(()),
            };
        }
        let mut record: Vec<String> = (1..=self.nodes).map(|k| format!("\"n{k}\"")).collect();
        for b in &self.branches {
            record.push(format!("\"i({})\"", b.name));
            record.push(format!("\"p({})\"", b.name));
        }
        format!(
            "Scenario(name: \"energy\", duration: {duration:e}, sample: {h:e}, start: OperatingPoint, \
             rtol: {rtol:e}, atol: {atol:e},\n events: [\n{events}],\n record: [{}])\n",
            record.join(", ")
        )
    }
}
