//! The `ActiveFrontEnd` test fixture shared by `active_front_end.rs` and
//! `active_front_end_transients.rs`: a 1 MW, 480 V unit on an 800 V link
//! and the circuit text around it.

// A 1 MW, 480 V front end on an 800 V link: Ê = √2·480/√3 = 391.9 V,
// Z_base = 480²/1 MW = 0.2304 Ω, rated current 2·S/(3·Ê) = 1701 A peak.
pub const S: f64 = 1e6;
pub const VLL: f64 = 480.0;
pub const HZ: f64 = 60.0;
pub const SCR: f64 = 5.0;
pub const XR: f64 = 10.0;
pub const VREF: f64 = 800.0;
pub const C_BUS: f64 = 20e-3;

pub fn e_peak() -> f64 {
    VLL * (2.0f64 / 3.0).sqrt()
}

/// (R, X) per phase of the grid: |Z| = Z_base/SCR at X/R.
pub fn grid_rx() -> (f64, f64) {
    let z = VLL * VLL / S / SCR;
    let r = z / (1.0 + XR * XR).sqrt();
    (r, r * XR)
}

pub fn afe(extra: &str) -> String {
    format!(
        r#"ActiveFrontEnd(name: "afe", output: "bus", volts: {VREF}, rated_watts: {S:e}, grid_vll: {VLL},
            grid_hz: {HZ}, scr: {SCR}, x_over_r: {XR}, voltage_loop: Bandwidth(hz: 50.0, capacitance: {C_BUS:e}),
            current_loop_hz: 1e3, pll_hz: 20.0, {extra})"#
    )
}

pub fn circuit(afe_extra: &str, load: &str) -> String {
    format!(
        r#"Circuit(name: "afe", buses: {{ "bus": (nominal: {VREF}) }}, components: [
            {},
            Capacitor(name: "cbus", a: "bus", b: "gnd", farads: {C_BUS:e}),
            {load}
        ])"#,
        afe(afe_extra)
    )
}
