//! Peer agreement: busbar against ngspice on the same averaged model.
//!
//! Owns the comparison of busbar's waveforms with the golden CSVs in
//! `tests/data/ngspice/` (written by `scripts/ngspice-golden` from decks
//! that `busbar export --spice` produced). Needs no ngspice. Must not
//! regenerate or edit the golden data, and must not loosen the threshold:
//! the design contract promises agreement within 1e-4 of nominal at the
//! default tolerances.

use busbar::study;
use std::path::{Path, PathBuf};

/// Largest accepted |busbar − ngspice| as a fraction of the bus nominal.
const THRESHOLD: f64 = 1e-4;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ngspice")
}

/// A golden CSV: `time` and one column per recorded node, on the
/// scenario's grid.
struct Golden {
    names: Vec<String>,
    time: Vec<f64>,
    columns: Vec<Vec<f64>>,
}

fn read_golden(case: &str) -> Golden {
    let path = data().join(format!("{case}.csv"));
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let header = reader.headers().expect("golden CSV header").clone();
    assert_eq!(
        header.get(0),
        Some("time"),
        "{}: first column must be time",
        path.display()
    );
    let names: Vec<String> = header.iter().skip(1).map(String::from).collect();
    let mut time = Vec::new();
    let mut columns = vec![Vec::new(); names.len()];
    for (line, record) in reader.records().enumerate() {
        let record = record.unwrap_or_else(|e| panic!("{}: row {}: {e}", path.display(), line + 2));
        let value = |k: usize| -> f64 {
            record
                .get(k)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| {
                    panic!(
                        "{}: row {}, column {k} is not a number",
                        path.display(),
                        line + 2
                    )
                })
        };
        time.push(value(0));
        for (k, column) in columns.iter_mut().enumerate() {
            column.push(value(k + 1));
        }
    }
    Golden {
        names,
        time,
        columns,
    }
}

/// Runs busbar on a case at the scenario's own tolerances and compares
/// every recorded column with ngspice at every grid time.
fn agree(case: &str) {
    let dir = data().join("cases").join(case);
    let (_, waveforms) =
        study::run_files(Some(&dir.join("circuit.ron")), &dir.join("scenario.ron"))
            .unwrap_or_else(|e| panic!("{case}: busbar failed: {e}"));
    let golden = read_golden(case);
    let names: Vec<&str> = waveforms.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names, golden.names,
        "{case}: busbar records other columns than the golden file; regenerate it with scripts/ngspice-golden"
    );

    // busbar's output is the grid plus event instants; pick the grid rows.
    let spacing = golden.time[1] - golden.time[0];
    let mut rows = Vec::with_capacity(golden.time.len());
    let mut j = 0;
    for &t in &golden.time {
        while j + 1 < waveforms.time.len() && waveforms.time[j + 1] <= t + 1e-9 * spacing {
            j += 1;
        }
        assert!(
            (waveforms.time[j] - t).abs() <= 1e-9 * spacing,
            "{case}: busbar has no sample at grid time {t:e} (nearest {:e})",
            waveforms.time[j]
        );
        rows.push(j);
    }

    let mut failures = Vec::new();
    println!("{case}: {} grid points, {:?}", rows.len(), waveforms.stats);
    for ((column, name), reference) in waveforms
        .columns
        .iter()
        .zip(&golden.names)
        .zip(&golden.columns)
    {
        let nominal = column.nominal.unwrap_or_else(|| {
            panic!("{case}: column `{name}` has no nominal; declare its bus in the circuit")
        });
        let (mut worst, mut at) = (0.0f64, 0.0);
        for (k, &row) in rows.iter().enumerate() {
            let error = (column.values[row] - reference[k]).abs();
            if error > worst || error.is_nan() {
                (worst, at) = (error, golden.time[k]);
            }
        }
        let fraction = worst / nominal;
        println!(
            "  {name:16} worst {worst:.3e} V = {fraction:.2e} of {nominal} V at t = {at:.6e} s"
        );
        if fraction.is_nan() || fraction > THRESHOLD {
            failures.push(format!(
                "{name}: {fraction:.2e} of nominal at t = {at:.6e} s"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{case}: busbar departs from ngspice by more than {THRESHOLD:e} of nominal:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn rlc_cpl() {
    agree("rlc_cpl");
}

#[test]
fn rack_dcx() {
    agree("rack_dcx");
}

#[test]
fn busway10() {
    agree("busway10");
}

#[test]
fn events() {
    agree("events");
}

/// Ideal capacitors across ideal sources (reduced: pinned capacitors).
#[test]
fn source_cap() {
    agree("source_cap");
}

/// A busway whose taps have no capacitance (reduced: inductor cut-sets).
#[test]
fn busway_bare() {
    agree("busway_bare");
}

/// A current source in series with inductors (reduced: inductor cut-sets).
#[test]
fn isrc_series() {
    agree("isrc_series");
}
