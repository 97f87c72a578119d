//! Jittered `Pulse` profiles: every matched load draws its own cycles,
//! reproducibly, within the stated bounds; bad jitter is a located error.

use busbar::analysis::Scenario;
use busbar::scenario::{self, ScenarioError};
use std::path::{Path, PathBuf};

fn inline() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scenario/inline.ron")
}

fn parse(duration: f64, pulse: &str) -> Result<Scenario, ScenarioError> {
    let text = format!(
        "Scenario(name: \"t\", duration: {duration:?}, sample: 1e-3,\nloads: [(target: \"*.gpu\", profile: {pulse})])"
    );
    scenario::parse_str(&text, &inline())
}

const TRAINING: &str = "Pulse(low: 0.3, high: 1.0, period: 2.0, duty: 0.7, rise: 1e-3, fall: 1e-3, start: 0.1, jitter: Jitter(period_fraction: 0.02, level_fraction: 0.01, seed: 5))";

fn racks(n: usize) -> Vec<String> {
    (1..=n).map(|k| format!("rack{k}.gpu")).collect()
}

/// Every load's corner times in [0, t_end], by load name.
fn corners(s: &Scenario, loads: &[String], t_end: f64) -> Vec<(String, Vec<f64>)> {
    let mut out: Vec<(String, Vec<f64>)> = s
        .bind_loads(loads)
        .expect("binds")
        .iter()
        .map(|b| (loads[b.load].clone(), b.profile.breakpoints(t_end)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_load_has_its_own_cycles_within_the_bounds() {
    let s = parse(60.0, TRAINING).expect("valid");
    let loads = racks(10);
    let bound = s.bind_loads(&loads).expect("binds");
    let mut first_falls = Vec::new();
    for b in &bound {
        let p = &b.profile;
        let bp = p.breakpoints(60.0);
        // ~30 cycles of 4 corners; the first starts at `start` for every load.
        assert!((110..=125).contains(&bp.len()), "{} corners", bp.len());
        assert_eq!(bp[0], 0.1);
        assert_eq!(p.value(0.05), 0.3, "low before the first cycle");
        for cycle in bp.chunks_exact(4) {
            let high = p.value(cycle[1]);
            let low = p.value(cycle[3]);
            assert!((0.99..=1.01).contains(&high), "high {high}");
            assert!((0.297..=0.303).contains(&low), "low {low}");
            // Held high from the end of the rise to duty·P_k into the cycle.
            assert_eq!(p.value(0.5 * (cycle[1] + cycle[2])), high);
            let period = (cycle[2] - cycle[0]) / 0.7;
            assert!(
                (period / 2.0 - 1.0).abs() <= 0.02 + 1e-12,
                "period {period}"
            );
        }
        first_falls.push(bp[2].to_bits());
    }
    first_falls.sort();
    first_falls.dedup();
    assert_eq!(first_falls.len(), 10, "every rack falls at its own time");
    // After 30 cycles of ±2 % the racks have drifted apart by far more
    // than an edge: the last rises spread over at least 0.1 s.
    let last_rise: Vec<f64> = bound
        .iter()
        .map(|b| {
            let bp = b.profile.breakpoints(60.0);
            bp[bp.len() - 4]
        })
        .collect();
    let spread = last_rise.iter().cloned().fold(f64::MIN, f64::max)
        - last_rise.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 0.1, "spread {spread}");
}

#[test]
fn profiles_are_reproducible_and_stable_under_longer_runs_and_more_loads() {
    let a = corners(&parse(60.0, TRAINING).unwrap(), &racks(10), 60.0);
    assert_eq!(
        a,
        corners(&parse(60.0, TRAINING).unwrap(), &racks(10), 60.0)
    );
    // Circuit order does not matter: loads are taken in name order.
    let mut reversed = racks(10);
    reversed.reverse();
    assert_eq!(a, corners(&parse(60.0, TRAINING).unwrap(), &reversed, 60.0));
    // A longer run keeps the first 60 s of every load.
    let longer = corners(&parse(120.0, TRAINING).unwrap(), &racks(10), 60.0);
    assert_eq!(a, longer);
    // Another seed gives other profiles.
    let other = TRAINING.replace("seed: 5", "seed: 6");
    assert_ne!(a, corners(&parse(60.0, &other).unwrap(), &racks(10), 60.0));
}

fn error(duration: f64, pulse: &str) -> (String, usize, usize) {
    match parse(duration, pulse) {
        Err(ScenarioError::Invalid {
            message, location, ..
        }) => {
            let l = location.expect("located");
            (message, l.line, l.column)
        }
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn bad_jitter_is_a_located_error() {
    let (m, line, _) = error(1.0, &TRAINING.replace("rise: 1e-3", "rise: 0.0"));
    assert!(m.contains("a jittered Pulse needs `rise` above 0"), "{m}");
    assert_eq!(line, 2);
    let (m, _, col) = error(1.0, &TRAINING.replace("fall: 1e-3", "fall: 0.6"));
    assert!(
        m.contains("`fall` above 0 and at most (1 − duty)·period"),
        "{m}"
    );
    assert!(col > 40, "at `fall`, column {col}");
    let (m, _, _) = error(
        1.0,
        &TRAINING.replace("period_fraction: 0.02", "period_fraction: 0.5"),
    );
    assert!(
        m.contains("`period_fraction`") && m.contains("[0, 0.5)"),
        "{m}"
    );
    let none = TRAINING.replace(
        "period_fraction: 0.02, level_fraction: 0.01",
        "period_fraction: 0.0",
    );
    let (m, _, _) = error(1.0, &none);
    assert!(m.contains("changes nothing"), "{m}");
    // A negative seed is a syntax error, located at the value.
    match parse(1.0, &TRAINING.replace("seed: 5", "seed: -1")) {
        Err(ScenarioError::Syntax { location, .. }) => {
            assert_eq!((location.line, location.column), (2, 190))
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}
