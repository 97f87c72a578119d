//! Criterion benchmarks so that regressions show: compile of the 1000-rack
//! hall, one Jacobian evaluation plus sparse factorisation (the
//! refactorisation every step takes, and the ordering plus pivoting
//! factorisation it reuses), a full transient of the 100-rack hall, and the
//! operating point at 1000 racks.
//!
//! `cargo bench --bench engine -- --quick` for a short run.

use busbar::compile::{compile, Ctx, InputValue};
use busbar::engine::linear::SparseLu;
use busbar::engine::newton::Newton;
use busbar::engine::InputTable;
use criterion::{criterion_group, criterion_main, Criterion};
use std::collections::BTreeMap;
use std::path::Path;

fn hall(rows: f64) -> busbar::netlist::FlatCircuit {
    let overrides = BTreeMap::from([("n_rows".to_string(), rows)]);
    busbar::netlist::load(Path::new("circuits/hall.ron"), &overrides).expect("hall circuit")
}

fn bench(c: &mut Criterion) {
    let flat = hall(100.0);
    let mut group = c.benchmark_group("hall");
    group.sample_size(10);
    group.bench_function("compile_1000_racks", |b| {
        b.iter(|| compile(&flat).expect("compiles"))
    });

    let model = compile(&flat).expect("compiles");
    let mut y = vec![0.0; model.n() + 1];
    for (name, &i) in &model.node_index {
        y[i] = model.nominal(name).unwrap_or(0.0);
    }
    let inputs = vec![
        InputValue {
            value: 1.0,
            slope: 0.0
        };
        model.inputs.len()
    ];
    let mut jac = vec![0.0; model.slot_count];
    let mut values = vec![0.0; model.pattern.row_idx.len()];
    let iteration_matrix = |jac: &mut [f64], values: &mut [f64]| {
        model.jacobian(
            &Ctx {
                t: 0.0,
                inputs: &inputs,
            },
            &y,
            jac,
        );
        for (v, &s) in values.iter_mut().zip(&model.pattern.slot_of_entry) {
            *v = -jac[s];
        }
        for (i, &d) in model.pattern.diagonal.iter().enumerate() {
            values[d] += model.mass[i + 1] * 1e5;
        }
    };
    let mut lu = SparseLu::new(&model.pattern).expect("analysis");
    // The step loop's case: same pattern, pivot sequence reused.
    group.bench_function("jacobian_and_factor_1000_racks", |b| {
        b.iter(|| {
            iteration_matrix(&mut jac, &mut values);
            lu.factor(&values).expect("factor");
        })
    });
    // A new model or a pivot that got too small: ordering and pivoting.
    group.bench_function("analysis_and_pivoting_factor_1000_racks", |b| {
        b.iter(|| {
            let mut fresh = SparseLu::new(&model.pattern).expect("analysis");
            fresh.factor(&values).expect("factor");
            fresh
        })
    });

    group.bench_function("operating_point_1000_racks", |b| {
        b.iter(|| {
            let mut newton = Newton::new(&model).expect("newton");
            let mut table = InputTable::new((0..model.inputs.len()).map(|_| None).collect());
            let mut y0 = y.clone();
            newton
                .operating_point(&model, &mut table, 0.0, &mut y0, 1e-9)
                .expect("operating point");
        })
    });

    group.bench_function("transient_100_racks", |b| {
        b.iter(|| {
            let (_, w) = busbar::study::run_files(
                Some(Path::new("circuits/hall.ron")),
                Path::new("scenarios/hall_step_100.ron"),
            )
            .expect("runs");
            w.time.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
