//! Values that parse but cannot be computed with are refused where they are
//! written, and absurd but finite values reach the stability analysis
//! without a panic or a hang: they end in a named error or a result.

use assert_cmd::Command;
use std::path::Path;
use std::time::Duration;

fn busbar() -> Command {
    let mut c = Command::cargo_bin("busbar").expect("binary");
    c.timeout(Duration::from_secs(120));
    c
}

fn validate_text(circuit: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("c.ron");
    std::fs::write(&file, circuit).expect("write circuit");
    let out = busbar().arg("validate").arg(&file).output().expect("run");
    (
        out.status.code() == Some(0),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rc(farads: &str) -> String {
    format!(
        r#"Circuit(name: "rc", components: [
            VoltageSource(name: "vs", pos: "a", volts: 800.0),
            Resistor(name: "r", a: "a", b: "bus", ohms: 0.1),
            Capacitor(name: "c", a: "bus", b: "gnd", farads: "{farads}"),
            Load(name: "ld", node: "bus", watts: 1e3, model: Resistive(volts: 800.0)),
        ])"#
    )
}

#[test]
fn exponents_out_of_range_are_errors_not_dropped() {
    for text in ["5e-99999999999", "-1e99999999999", "5e99999999999k"] {
        let (ok, err) = validate_text(&rc(text));
        assert!(!ok, "{text} accepted");
        assert!(err.contains("exponent"), "{text}: {err}");
        assert!(err.contains("c.ron"), "{text}: {err}");
    }
    // Underflow to zero or to a subnormal is refused too.
    for text in ["1e-400", "5e-320"] {
        let (ok, err) = validate_text(&rc(text));
        assert!(!ok, "{text} accepted");
        assert!(err.contains("too small"), "{text}: {err}");
    }
    assert!(validate_text(&rc("2m")).0);
}

#[test]
fn subnormal_component_values_are_refused_with_the_component_named() {
    let circuit = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/nvl72_rack.ron");
    let out = busbar()
        .arg("validate")
        .arg(&circuit)
        .args(["--set", "c50=5e-324"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c50"), "{err}");
    assert!(err.contains("2.2e-308"), "{err}");
}

#[test]
fn absurd_finite_values_end_in_a_result_or_a_named_error() {
    let circuit = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/nvl72_rack.ron");
    for set in ["esr50=1e300", "esr_bus=1e300", "tau_load=1e-300"] {
        let out = busbar()
            .arg("stability")
            .arg(&circuit)
            .args(["--set", set, "--no-auto-interfaces"])
            .output()
            .expect("run");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{set}: {code:?} (killed or panicked)"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{set}: {err}");
    }
}

/// A value outside the physical range of its unit is refused with the
/// component, the field and the range, wherever it comes from: written in
/// the file, through a parameter, or by an override.
#[test]
fn values_outside_their_physical_range_are_refused_with_the_range() {
    for (farads, ok) in [
        ("1e-300", false),
        ("2e7", false),
        ("1e-15", true),
        ("1e6", true),
    ] {
        let (accepted, err) = validate_text(&rc(farads));
        assert_eq!(accepted, ok, "{farads}: {err}");
        if !ok {
            assert!(err.contains("c.ron"), "{farads}: {err}");
            assert!(err.contains("`farads`"), "{farads}: {err}");
            assert!(
                err.contains("1e-15") && err.contains("1e6"),
                "{farads}: {err}"
            );
        }
    }
    let circuit = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/nvl72_rack.ron");
    for (set, field) in [("cbus.esr=1e300", "`esr`"), ("vsrc.volts=1e308", "`volts`")] {
        let out = busbar()
            .arg("validate")
            .arg(&circuit)
            .args(["--set", set])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(
            err.contains(field) && err.contains("physical range"),
            "{set}: {err}"
        );
    }
    // The reference prints the same range the check enforces.
    let out = busbar().args(["help", "Capacitor"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1e-15 to 1e6"), "{text}");
}
