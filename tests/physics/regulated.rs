//! Random regulated networks: a source and feeder into a bus, and one to
//! three converters (a regulated `Converter` with an efficiency, or a
//! fixed-ratio `Dcx` with its output resistance and no-load loss), each
//! drawing through a small sense resistor and feeding a capacitor and a
//! load that steps. The oracle is the power balance through each device
//! at every sample: input power v_in·i_sense against output power
//! p(device) carried through its loss law
//! (Converter: p_in = p_out/η; Dcx: p_in = p_out + R_out·i² + P_nl).

use crate::rng::Rng;
use std::fmt::Write;

pub enum Device {
    Converter { efficiency: f64 },
    Dcx { ohms: f64, no_load_watts: f64 },
}

pub struct Regulated {
    pub circuit: String,
    pub scenario: String,
    pub devices: Vec<Device>,
    /// Ohms of each device's sense resistor.
    pub sense: Vec<f64>,
}

pub fn regulated(rng: &mut Rng, rtol: f64, atol: f64) -> Regulated {
    let volts = rng.log_uniform(300.0, 1000.0);
    let mut c = String::from("Circuit(name: \"regulated\", components: [\n");
    let _ = writeln!(
        c,
        r#"VoltageSource(name: "v0", pos: "src", volts: {volts:e}),"#
    );
    let _ = writeln!(
        c,
        r#"Resistor(name: "feed", a: "src", b: "bus", ohms: {:e}),"#,
        rng.log_uniform(1e-3, 1e-1)
    );
    let _ = writeln!(
        c,
        r#"Capacitor(name: "cbus", a: "bus", b: "gnd", farads: {:e}, esr: {:e}),"#,
        rng.log_uniform(1e-4, 1e-2),
        rng.log_uniform(1e-4, 1e-1)
    );
    let (mut devices, mut loads, mut record) =
        (Vec::new(), String::new(), vec!["\"bus\"".to_string()]);
    let mut senses = Vec::new();
    for k in 1..=1 + rng.below(3) {
        let out = rng.log_uniform(12.0, 0.5 * volts);
        let rated = rng.log_uniform(1e3, 1e5);
        let c_out = rng.log_uniform(1e-4, 1e-1);
        // The sense resistor drops about 2 % at the rated power: its
        // current is read from the difference of two node voltages, whose
        // errors it divides by that drop (see the tolerance in the test).
        let sense = 0.02 * volts * volts / rated;
        let _ = writeln!(
            c,
            r#"Resistor(name: "s{k}", a: "bus", b: "in{k}", ohms: {sense:e}),"#
        );
        senses.push(sense);
        if rng.chance(0.5) {
            let efficiency = 0.8 + 0.19 * rng.unit();
            let hz = rng.log_uniform(1e2, 2e3);
            let _ = writeln!(
                c,
                r#"Converter(name: "d{k}", input: "in{k}", output: "out{k}", volts: {out:e}, rated_watts: {rated:e}, voltage_loop: Bandwidth(hz: {hz:e}, capacitance: {c_out:e}), current_loop_hz: {:e}, efficiency: {efficiency}),"#,
                hz * rng.log_uniform(5.0, 20.0)
            );
            devices.push(Device::Converter { efficiency });
        } else {
            let ohms = rng.log_uniform(1e-4, 1e-2);
            let no_load_watts = rng.log_uniform(1e-1, 1e2);
            let _ = writeln!(
                c,
                // No output inductance: its stored energy would enter the
                // balance as L·i·i', which no column records.
                r#"Dcx(name: "d{k}", input: "in{k}", output: "out{k}", ratio: {:e}, ohms: {ohms:e}, no_load_watts: {no_load_watts:e}),"#,
                volts / out,
            );
            devices.push(Device::Dcx {
                ohms,
                no_load_watts,
            });
        }
        let model = match rng.below(3) {
            0 => format!("Resistive(volts: {out:e})"),
            1 => format!("ConstantCurrent(volts: {out:e})"),
            _ => format!("ConstantPower(min_volts: {:e})", 0.5 * out),
        };
        let _ = writeln!(
            c,
            r#"Capacitor(name: "c{k}", a: "out{k}", b: "gnd", farads: {c_out:e}, esr: {:e}),"#,
            rng.log_uniform(1e-4, 1e-2)
        );
        let _ = writeln!(
            c,
            r#"Load(name: "l{k}", node: "out{k}", watts: {:e}, model: {model}),"#,
            0.5 * rated * rng.unit()
        );
        let _ = writeln!(
            loads,
            r#"(target: "l{k}", profile: Step(from: {:.3}, to: {:.3}, at: {:e}, rise: {:e})),"#,
            0.2 + 0.8 * rng.unit(),
            0.2 + 0.8 * rng.unit(),
            1e-3,
            1e-4 * rng.unit()
        );
        for r in [
            format!("in{k}"),
            format!("out{k}"),
            format!("i(s{k})"),
            format!("i(d{k})"),
            format!("p(d{k})"),
        ] {
            record.push(format!("\"{r}\""));
        }
    }
    c.push_str("])\n");
    let duration = rng.log_uniform(5e-3, 5e-2);
    let scenario = format!(
        "Scenario(name: \"regulated\", duration: {duration:e}, sample: {:e}, start: OperatingPoint, \
         rtol: {rtol:e}, atol: {atol:e}, loads: [\n{loads}], record: [{}])\n",
        duration / 1000.0,
        record.join(", ")
    );
    Regulated {
        circuit: c,
        scenario,
        devices,
        sense: senses,
    }
}
