//! Criterion benchmarks so that regressions show: compile of the 1000-rack
//! hall, one Jacobian evaluation plus sparse factorisation (the
//! refactorisation every step takes, and the ordering plus pivoting
//! factorisation it reuses), the linear algebra of one Rodas4 step (one
//! factorisation, six solves) with busbar's LU and with faer's sparse LU
//! for comparison, a full transient of the 100-rack hall, and the
//! operating point at 1000 racks; at 10,000 racks, the compile and one
//! Rodas4 step (Jacobian, factorisation, six stages), where cost that
//! grows faster than the size shows; and the whole stability report of the
//! 1000-rack hall (operating point, least-damped modes by shift-invert,
//! bus impedances, interfaces), as `busbar stability circuits/hall.ron`.
//!
//! `cargo bench --bench engine -- --quick` for a short run.

use busbar::compile::{compile, Model};
use busbar::device::{Ctx, InputValue};
use busbar::engine::linear::SparseLu;
use busbar::engine::newton::Newton;
use busbar::engine::rodas::Rodas4;
use busbar::engine::InputTable;
use criterion::{criterion_group, criterion_main, Criterion};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::factor::PartialPivLuParams;
use faer::sparse::linalg::lu::{factorize_symbolic_lu, LuRef, NumericLu};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Spec};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

/// Rodas4 solves six stages per factorisation.
const SOLVES_PER_STEP: usize = 6;

fn hall(rows: f64) -> busbar::components::FlatCircuit {
    let overrides = BTreeMap::from([("n_rows".to_string(), rows)]);
    busbar::components::load(Path::new("circuits/hall.ron"), &overrides).expect("hall circuit")
}

/// Bus nominals on their nodes, zero elsewhere: the operating point's
/// starting guess.
fn nominal_state(model: &Model) -> Vec<f64> {
    let mut y = vec![0.0; model.n() + 1];
    for (name, &i) in &model.node_index {
        y[i] = model.nominal(name).unwrap_or(0.0);
    }
    y
}

/// M/(hγ) − J at `y`, all loads at 1 pu, h = 40 µs (a typical step of the
/// benchmark), in pattern order.
fn iteration_matrix(
    model: &Model,
    inputs: &[InputValue],
    y: &[f64],
    jac: &mut [f64],
    values: &mut [f64],
) {
    model.jacobian(&Ctx { t: 0.0, inputs }, y, jac);
    for (v, &s) in values.iter_mut().zip(&model.pattern.slot_of_entry) {
        *v = -jac[s];
    }
    let shift = 1.0 / (40e-6 * 0.25);
    for (i, &d) in model.pattern.diagonal.iter().enumerate() {
        values[d] += model.mass[i + 1] * shift;
    }
}

/// faer's sparse LU with its symbolic analysis done once: the solver
/// `SparseLu` replaced, kept here to show the difference.
struct FaerLu {
    n: usize,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    symbolic: faer::sparse::linalg::lu::SymbolicLu<usize>,
    numeric: NumericLu<usize, f64>,
    factor_buffer: MemBuffer,
    solve_buffer: MemBuffer,
}

impl FaerLu {
    fn new(model: &Model) -> Self {
        let p = &model.pattern;
        let sym = SymbolicSparseColMatRef::new_checked(p.n, p.n, &p.col_ptr, None, &p.row_idx);
        let symbolic = factorize_symbolic_lu(sym, Default::default()).expect("faer analysis");
        let factor_buffer = MemBuffer::new(symbolic.factorize_numeric_lu_scratch::<f64>(
            Par::Seq,
            Spec::<PartialPivLuParams, f64>::default(),
        ));
        let solve_buffer = MemBuffer::new(symbolic.solve_in_place_scratch::<f64>(1, Par::Seq));
        FaerLu {
            n: p.n,
            col_ptr: p.col_ptr.clone(),
            row_idx: p.row_idx.clone(),
            symbolic,
            numeric: NumericLu::new(),
            factor_buffer,
            solve_buffer,
        }
    }

    fn factor(&mut self, values: &[f64]) {
        let sym = SymbolicSparseColMatRef::new_checked(
            self.n,
            self.n,
            &self.col_ptr,
            None,
            &self.row_idx,
        );
        self.symbolic
            .factorize_numeric_lu(
                &mut self.numeric,
                SparseColMatRef::new(sym, values),
                Par::Seq,
                MemStack::new(&mut self.factor_buffer),
                Default::default(),
            )
            .expect("faer factor");
    }

    fn solve(&mut self, rhs: &mut [f64]) {
        let lu = LuRef::new_unchecked(&self.symbolic, &self.numeric);
        let n = rhs.len();
        lu.solve_in_place_with_conj(
            Conj::No,
            MatMut::from_column_major_slice_mut(rhs, n, 1),
            Par::Seq,
            MemStack::new(&mut self.solve_buffer),
        );
    }
}

fn bench(c: &mut Criterion) {
    let flat = hall(100.0);
    let mut group = c.benchmark_group("hall");
    group.sample_size(10);
    group.bench_function("compile_1000_racks", |b| {
        b.iter(|| compile(&flat).expect("compiles"))
    });

    let model = compile(&flat).expect("compiles");
    let y = nominal_state(&model);
    let inputs = vec![
        InputValue {
            value: 1.0,
            slope: 0.0
        };
        model.inputs.len()
    ];
    let mut jac = vec![0.0; model.slot_count];
    let mut values = vec![0.0; model.pattern.row_idx.len()];
    // Filled here too: a filtered run may skip the benches that fill it.
    iteration_matrix(&model, &inputs, &y, &mut jac, &mut values);
    let mut lu = SparseLu::new(&model.pattern).expect("analysis");
    // The step loop's case: same pattern, pivot sequence reused.
    group.bench_function("jacobian_and_factor_1000_racks", |b| {
        b.iter(|| {
            iteration_matrix(&model, &inputs, &y, &mut jac, &mut values);
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

    // One step's linear algebra, busbar's LU against faer's on the same
    // matrix and right-hand side.
    let rhs: Vec<f64> = (0..model.n()).map(|i| 1.0 + (i % 7) as f64).collect();
    let mut x = rhs.clone();
    group.bench_function("step_linear_algebra_busbar_lu_1000_racks", |b| {
        b.iter(|| {
            lu.factor(&values).expect("factor");
            for _ in 0..SOLVES_PER_STEP {
                x.copy_from_slice(&rhs);
                lu.solve(&mut x).expect("solve");
            }
            black_box(x[0])
        })
    });
    let mut faer_lu = FaerLu::new(&model);
    group.bench_function("step_linear_algebra_faer_lu_1000_racks", |b| {
        b.iter(|| {
            faer_lu.factor(&values);
            for _ in 0..SOLVES_PER_STEP {
                x.copy_from_slice(&rhs);
                faer_lu.solve(&mut x);
            }
            black_box(x[0])
        })
    });

    group.bench_function("operating_point_1000_racks", |b| {
        b.iter(|| {
            let mut newton = Newton::new(&model).expect("newton");
            let mut table = InputTable::unbound(model.inputs.len());
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

/// The 10,000-rack hall (`n_rows` = 1000): compile and one step from its
/// operating point, with the loads at 1 pu and h = 40 µs.
fn bench_large(c: &mut Criterion) {
    let flat = hall(1000.0);
    let mut group = c.benchmark_group("hall");
    group.sample_size(10);
    group.bench_function("compile_10000_racks", |b| {
        b.iter(|| compile(&flat).expect("compiles"))
    });
    let model = compile(&flat).expect("compiles");
    let mut table = InputTable::unbound(model.inputs.len());
    let mut y = nominal_state(&model);
    Newton::new(&model)
        .expect("newton")
        .operating_point(&model, &mut table, 0.0, &mut y, 1e-9)
        .expect("operating point");
    let mut stepper = Rodas4::new(&model).expect("analysis");
    group.bench_function("rodas4_step_10000_racks", |b| {
        b.iter(|| {
            stepper
                .step(&model, &mut table, 0.0, 40e-6, &y, 1e-3, 1e-6)
                .expect("step")
        })
    });
    group.finish();
}

/// `busbar stability circuits/hall.ron` as a library call: the 1000-rack
/// hall (7,202 states) with the default report options.
fn bench_stability(c: &mut Criterion) {
    use busbar::analysis::stability::{stability_report, CircuitSource, ReportOptions, Setup};
    let source = CircuitSource::read(Path::new("circuits/hall.ron")).expect("hall circuit");
    let setup = Setup::new(source);
    let options = ReportOptions::default();
    let mut group = c.benchmark_group("stability");
    group.sample_size(10);
    group.bench_function("report_1000_racks", |b| {
        b.iter(|| stability_report(&setup, &options).expect("report"))
    });
    group.finish();
}

criterion_group!(benches, bench, bench_large, bench_stability);
criterion_main!(benches);
