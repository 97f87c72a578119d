//! Small random circuits and scenarios, written as RON text (the same path
//! a user's file takes): a connected network of nodes `n1`… and `gnd`,
//! fed by a voltage source at `n1`, with R, L, C, switches, current
//! sources, loads, DCXs and converters on random branches, and a scenario
//! of load steps, switch operations and source steps.

use super::rng::Rng;
use std::fmt::Write;

/// How values are drawn.
#[derive(Clone, Copy)]
pub enum Values {
    /// Log-uniform over six decades around typical values.
    Typical,
    /// Mostly typical; one in five extreme: three times in four anywhere
    /// in the magnitudes the field's unit accepts (where overflows in the
    /// analyses hide: a 1e-15 H inductor beside a 1e6 F capacitor), else
    /// anywhere in the normal doubles (which must be refused by name).
    Extreme,
}

/// A value of `unit` (as the reference names it), typically in [lo, hi].
fn value(rng: &mut Rng, values: Values, unit: &str, lo: f64, hi: f64) -> String {
    let v = match values {
        Values::Extreme if rng.chance(0.2) => {
            let accepted = busbar::field_doc::magnitude(unit).filter(|_| rng.chance(0.75));
            let (lo, hi) = accepted.unwrap_or((1e-307, 1e307));
            rng.log_uniform(lo, hi)
        }
        _ => rng.log_uniform(lo, hi),
    };
    format!("{v:e}")
}

/// A random connected circuit; returns its text and its switch, source
/// and load names (for the scenario).
pub struct Generated {
    pub circuit: String,
    pub switches: Vec<String>,
    pub loads: Vec<String>,
    pub nodes: usize,
}

pub fn circuit(rng: &mut Rng, values: Values) -> Generated {
    let nodes = 2 + rng.below(4);
    let node = |k: usize| {
        if k == 0 {
            "gnd".to_string()
        } else {
            format!("n{k}")
        }
    };
    let mut g = Generated {
        circuit: String::new(),
        switches: vec![],
        loads: vec![],
        nodes,
    };
    let volts = value(rng, values, "V", 1.0, 1e3);
    let _ = writeln!(
        g.circuit,
        r#"VoltageSource(name: "v0", pos: "n1", volts: {volts}),"#
    );
    let mut branch = 0;
    // kind: 0..=2 R, 3-4 L, 5-6 C, 7 switch, 8 current source, 9 load,
    // 10 DCX, 11 converter (the last two only from `a` to a node `b`).
    let mut add = |rng: &mut Rng, g: &mut Generated, kind: usize, a: usize, b: usize| {
        branch += 1;
        let (a, b) = (node(a), node(b));
        let name = format!("x{branch}");
        let v = |rng: &mut Rng, unit, lo, hi| value(rng, values, unit, lo, hi);
        let line = match kind {
            0..=2 => format!(
                r#"Resistor(name: "{name}", a: "{a}", b: "{b}", ohms: {}),"#,
                v(rng, "Ω", 1e-3, 1e3)
            ),
            3 | 4 => format!(
                r#"Inductor(name: "{name}", a: "{a}", b: "{b}", henries: {}, ohms: {}),"#,
                v(rng, "H", 1e-7, 1e-1),
                v(rng, "Ω", 1e-3, 1e1)
            ),
            5 | 6 => format!(
                r#"Capacitor(name: "{name}", a: "{a}", b: "{b}", farads: {}, esr: {}),"#,
                v(rng, "F", 1e-7, 1e-1),
                v(rng, "Ω", 1e-4, 1e0)
            ),
            7 => {
                g.switches.push(name.clone());
                format!(
                    r#"Switch(name: "{name}", a: "{a}", b: "{b}", closed: {}, on_ohms: {}),"#,
                    rng.chance(0.7),
                    v(rng, "Ω", 1e-4, 1e0)
                )
            }
            8 => format!(
                r#"CurrentSource(name: "{name}", from: "{a}", to: "{b}", amps: {}),"#,
                v(rng, "A", 1e-3, 1e2)
            ),
            9 => {
                g.loads.push(name.clone());
                let model = match rng.below(3) {
                    0 => format!("Resistive(volts: {})", v(rng, "V", 1.0, 1e3)),
                    1 => format!("ConstantCurrent(volts: {})", v(rng, "V", 1.0, 1e3)),
                    _ => format!("ConstantPower(min_volts: {})", v(rng, "V", 1.0, 1e2)),
                };
                let lag = if rng.chance(0.5) {
                    format!(", bandwidth_hz: {}", v(rng, "Hz", 1e1, 1e5))
                } else {
                    String::new()
                };
                format!(
                    r#"Load(name: "{name}", node: "{a}", ret: "{b}", watts: {}, model: {model}{lag}),"#,
                    v(rng, "W", 1e-1, 1e5)
                )
            }
            10 => format!(
                r#"Dcx(name: "{name}", input: "{a}", output: "{b}", ratio: {}, ohms: {}, henries: {}),"#,
                v(rng, "", 1e-1, 1e2),
                v(rng, "Ω", 1e-4, 1e0),
                v(rng, "H", 1e-9, 1e-5)
            ),
            _ => format!(
                r#"Converter(name: "{name}", input: "{a}", output: "{b}", volts: {}, rated_watts: {}, voltage_loop: Bandwidth(hz: {}, capacitance: {}), current_loop_hz: {}, efficiency: {}),"#,
                v(rng, "V", 1.0, 1e3),
                v(rng, "W", 1e1, 1e6),
                v(rng, "Hz", 1e1, 1e4),
                v(rng, "F", 1e-6, 1e-1),
                v(rng, "Hz", 1e2, 1e5),
                0.5 + 0.5 * rng.unit()
            ),
        };
        g.circuit.push_str(&line);
        g.circuit.push('\n');
    };
    // A tree of series branches from n1 (where the source is), a shunt
    // from every other node to ground, then a few extra branches.
    for k in 2..=nodes {
        let from = 1 + rng.below(k - 1);
        let kind = *rng.pick(&[0, 3, 4, 7, 10, 11]);
        add(rng, &mut g, kind, from, k);
        let shunt = *rng.pick(&[5, 5, 6, 0, 9, 8]);
        add(rng, &mut g, shunt, k, 0);
    }
    for _ in 0..rng.below(nodes + 1) {
        let a = 1 + rng.below(nodes);
        let b = rng.below(nodes + 1);
        let kind = rng.below(10);
        if a != b {
            add(rng, &mut g, kind, a, b);
        }
    }
    let body = std::mem::take(&mut g.circuit);
    g.circuit = format!("Circuit(name: \"generated\", components: [\n{body}])\n");
    g
}

/// A short scenario over a generated circuit: from its operating point, a
/// step of every load, switch operations and a source step.
pub fn scenario(rng: &mut Rng, g: &Generated) -> String {
    let duration = rng.log_uniform(1e-4, 1e-1);
    let at = |rng: &mut Rng| duration * rng.unit();
    let mut events = String::new();
    for s in &g.switches {
        let kind = if rng.chance(0.5) { "Open" } else { "Close" };
        let _ = writeln!(events, r#"{kind}(at: {:e}, component: "{s}"),"#, at(rng));
    }
    if rng.chance(0.5) {
        let _ = writeln!(
            events,
            r#"Set(at: {:e}, component: "v0", field: "volts", value: {:e}),"#,
            at(rng),
            rng.log_uniform(1.0, 1e3)
        );
    }
    let mut loads = String::new();
    for l in &g.loads {
        let _ = writeln!(
            loads,
            r#"(target: "{l}", profile: Step(from: {:.3}, to: {:.3}, at: {:e}, rise: {:e})),"#,
            rng.unit(),
            rng.unit() * 1.5,
            at(rng),
            duration * 0.1 * rng.unit()
        );
    }
    let record: Vec<String> = (1..=g.nodes).map(|k| format!("\"n{k}\"")).collect();
    format!(
        "Scenario(name: \"generated\", duration: {duration:e}, sample: {:e}, start: OperatingPoint,\n\
         loads: [\n{loads}], events: [\n{events}], record: [{}])\n",
        duration / 200.0,
        record.join(", ")
    )
}
