//! The documentation tables of the scenario file's schema (`schema.rs`):
//! unit, default, range and meaning of every field, checked against the
//! names serde accepts by the reference (see `field_doc`).
//!
//! Owns only documentation text; the rules themselves are in `validate`.

use crate::field_doc::{Field as F, Range as R, Schema, Variant};

/// Every scenario-file type's table, the scenario first.
pub fn documented() -> Vec<&'static Schema> {
    vec![
        &SCENARIO,
        &START,
        &LOAD_SPEC,
        &PROFILE,
        &STEP,
        &PULSE,
        &JITTER,
        &TRACE,
        &STAGGER,
        &PHASED,
        &RANDOM_DELAY,
        &EVENT,
        &LOSS_SPEC,
        &LOSS_STAGE,
        &LOSS_PART,
    ]
}

pub const LOSS_SPEC: Schema = Schema {
    name: "LossSpec",
    summary: "`losses: (input, output, stages)`: the run's energy from the grid, to the loads, and lost in each stage. Energies are the trapezoid integrals of the recorded sums over the output grid (`sample`). Every loss-bearing component that no stage names is summed into a stage `other`, so the stages account for all losses; what is left of the balance input + storage − output − losses is the energy stored in capacitors and inductors over the run plus the integration error, reported as `unaccounted`.",
    fields: &[
        F::req("input", "", R::Any, "Components that draw from the grid (globs): their delivered power plus their own loss, e.g. `[\"sst\"]`."),
        F::req("output", "", R::Any, "Components whose absorbed power is the useful output (globs), e.g. `[\"*.gpu\"]`."),
        F::req("stages", "", R::Any, "`[(name, components: [globs], part)]`; a component (or the part of its loss a stage takes) belongs to the first stage that matches it."),
    ],
    example: r#"losses: (input: ["sst"], output: ["*.gpu"], stages: [(name: "SST", components: ["sst"]), (name: "busway", components: ["row*.seg*", "row*.feed"]), (name: "DCX", components: ["*.dcx"])])"#,
    ..Schema::EMPTY
};

pub const LOSS_STAGE: Schema = Schema {
    name: "LossStage",
    summary: "One stage of a loss breakdown.",
    fields: &[
        F::req("name", "", R::Any, "Stage name as reported; unique, not `other`."),
        F::req("components", "", R::Any, "Component names or globs; each must match a component that has a loss."),
        F::opt("part", "", "All", R::Rule("All, NoLoad or Conduction"), "Which part of each component's loss: `All`; `NoLoad`, the load-independent part (a Dcx's no_load_watts; 0 for a component without one); `Conduction`, the rest (a Dcx's R_out·i², all of a constant-efficiency converter's (1/η − 1)·p_out). A component's parts go to the first stage that takes each."),
    ],
    ..Schema::EMPTY
};

pub const LOSS_PART: Schema = Schema {
    name: "LossPart",
    summary: "Which part of a component's loss a loss stage takes.",
    variants: &[
        Variant::unit("All", "The whole loss."),
        Variant::unit("NoLoad", "The load-independent part: a Dcx's `no_load_watts` drawn at its input; exactly 0 for a component whose model has no such term."),
        Variant::unit("Conduction", "The rest of the loss: a Dcx's R_out·i², all of a constant-efficiency converter's (1/η − 1)·p_out (the model does not split it further)."),
    ],
    ..Schema::EMPTY
};

pub const SCENARIO: Schema = Schema {
    name: "Scenario",
    summary: "What to simulate on a circuit and what to check: duration, load profiles, events, recording, overrides, limits.",
    fields: &[
        F::req("name", "", R::Any, "Scenario name, shown in results and reports."),
        F::opt("circuit", "", "None", R::Any, "Circuit file, relative to the scenario file; `check` needs it unless given `-c`."),
        F::req("duration", "s", R::Positive, "Simulated time."),
        F::req("sample", "s", R::Rule("> 0, ≤ duration"), "Output grid spacing."),
        F::opt("start", "", "OperatingPoint", R::Any, "Initial state of the run."),
        F::opt("rtol", "", "1e-5", R::Positive, "Relative tolerance of the integrator."),
        F::opt("atol", "", "1e-6", R::Positive, "Absolute tolerance of the integrator (V, A)."),
        F::opt("loads", "", "[] (every load at 1 pu)", R::Any, "Which loads follow which per-unit profile."),
        F::opt("events", "", "[]", R::Any, "Scheduled discrete events; every `at` is a solver breakpoint."),
        F::opt("overrides", "", "{}", R::Any, "Parameter or `component.field` values applied before elaboration, e.g. `{\"c_bus\": 2e-3, \"tray*.c50.farads\": 1e-3}`."),
        F::opt("record", "", "[] (every declared bus)", R::Any, "Quantities to record; see the record page."),
        F::opt("ripple_window", "s", "None", R::Rule("0 ≤ start < end ≤ duration"), "`(start, end)` where the ripple of every recorded node is measured instead of its quiet windows."),
        F::opt("losses", "", "None", R::Any, "Energy and loss breakdown by stage (`LossSpec`): grid-to-load efficiency in `summary.json` and the report."),
        F::opt("limits", "", "[]", R::Any, "Pass/fail criteria that `check` judges; see the limits page."),
        F::opt("sweep", "", "None", R::Rule("refused"), "Retired: a scenario takes no `sweep` block; sweeps live in their own files (`busbar sweep`)."),
    ],
    example: r#"Scenario(name: "step", circuit: "../circuits/nvl72_rack.ron", duration: 0.05, sample: 1e-5, loads: [(target: "*gpu*", profile: Step(from: 0.3, to: 1.0, at: 0.01, rise: 1e-3))], record: ["bus800"], limits: [MinVoltage(node: "bus800", volts: 760)])"#,
    ..Schema::EMPTY
};

pub const START: Schema = Schema {
    name: "Start",
    summary: "The initial state of the transient run.",
    variants: &[
        Variant::unit(
            "OperatingPoint",
            "The DC steady state of the circuit at t = 0.",
        ),
        Variant::unit("Zero", "Every state starts at zero (cold start)."),
    ],
    ..Schema::EMPTY
};

pub const LOAD_SPEC: Schema = Schema {
    name: "LoadSpec",
    summary: "One `loads` entry: which loads follow which per-unit profile, `(target: \"tray*.gpu\", profile: Step(...), stagger: Stagger(...))`.",
    fields: &[
        F::req("target", "", R::Rule("not empty, matches a Load"), "Load name or glob over hierarchical load names."),
        F::req("profile", "pu", R::Any, "The demand over time, per unit of each load's `watts`."),
        F::opt("stagger", "", "None", R::Any, "Desynchronises the matched loads, taken in name order."),
    ],
    ..Schema::EMPTY
};

pub const PROFILE: Schema = Schema {
    name: "Profile",
    summary: "A per-unit demand profile, multiplied into each load's rated `watts`.",
    variants: &[
        Variant::unit("Step", "A ramped step: see `Step`."),
        Variant::unit("Pulse", "A trapezoid train, the shape of synchronous training iterations: see `Pulse`."),
        Variant::unit("Pwl", "`Pwl([(t, pu), …])`: corners in seconds and per unit, t strictly increasing, linear between them and constant outside."),
        Variant::unit("Trace", "A measured per-unit trace from a CSV file: see `Trace`."),
    ],
    ..Schema::EMPTY
};

pub const STEP: Schema = Schema {
    name: "Step",
    summary: "`Step(from, to, at, rise = 0)`: from `from` to `to`, ramped linearly over `rise` starting at `at` (`rise` = 0 is an ideal jump).",
    fields: &[
        F::req("from", "pu", R::Any, "Value before the step."),
        F::req("to", "pu", R::Any, "Value after the step."),
        F::req("at", "s", R::NonNegative, "Start of the ramp."),
        F::opt("rise", "s", "0", R::NonNegative, "Ramp duration."),
    ],
    ..Schema::EMPTY
};

pub const PULSE: Schema = Schema {
    name: "Pulse",
    summary: "A trapezoid train: cycle k starts at `start + k·period`, ramps low→high over `rise`, stays high until `duty·period` into the cycle, then ramps back over `fall`.",
    fields: &[
        F::req("low", "pu", R::Any, "Value between pulses."),
        F::req("high", "pu", R::Any, "Value during a pulse."),
        F::req("period", "s", R::Positive, "Cycle length."),
        F::req("duty", "", R::UnitInterval, "Fraction of the period from the start of the rise to the start of the fall."),
        F::opt("rise", "s", "0", R::Rule("≥ 0, ≤ duty·period"), "Rise ramp."),
        F::opt("fall", "s", "0", R::Rule("≥ 0, duty·period + fall ≤ period"), "Fall ramp."),
        F::opt("start", "s", "0", R::NonNegative, "Start of the first cycle."),
        F::opt("cycles", "", "None (to the end of the run)", R::Rule("≥ 1"), "Number of cycles."),
        F::opt("jitter", "", "None (every cycle alike)", R::Any, "Cycle-to-cycle variation drawn separately for every matched load: see `Jitter`."),
    ],
    example: "Pulse(low: 0.3, high: 1.0, period: 2.0, duty: 0.7, rise: 1e-3, fall: 1e-3, start: 0.1, jitter: Jitter(period_fraction: 0.02, level_fraction: 0.01, seed: 1))",
    ..Schema::EMPTY
};

pub const JITTER: Schema = Schema {
    name: "Jitter",
    summary: "Random variation of a `Pulse`, cycle by cycle and load by load, as in real training: cycle k of a load lasts `period·(1 + period_fraction·u)`, rises to `high·(1 + level_fraction·v)` and falls back to `low·(1 + level_fraction·w)`, with u, v, w uniform in [−1, 1]. Each cycle starts where the one before ended. Every load matched by the entry draws from its own stream, seeded from `seed` and its place in name order, so a rack's profile does not change when the run is lengthened, and the same seed gives the same bytes. Needs `rise` and `fall` above 0 that fit the shortest cycle.",
    fields: &[
        F::opt("period_fraction", "", "0", R::Rule("≥ 0, < 0.5"), "Largest relative change of a cycle's period (0.02: ±2 %)."),
        F::opt("level_fraction", "", "0", R::Rule("≥ 0, < 0.5"), "Largest relative change of a cycle's high and low levels (0.01: ±1 %)."),
        F::req("seed", "", R::Any, "Seed of the draws (any unsigned 64-bit integer)."),
    ],
    example: "Jitter(period_fraction: 0.02, level_fraction: 0.01, seed: 1)",
    ..Schema::EMPTY
};

pub const TRACE: Schema = Schema {
    name: "Trace",
    summary: "A measured per-unit trace: a CSV file with a header row, linear between rows and constant outside.",
    fields: &[
        F::req("file", "", R::Rule("not empty"), "CSV path, relative to the scenario file."),
        F::req("time", "", R::Rule("not empty"), "Header of the time column (seconds)."),
        F::req("value", "", R::Rule("not empty"), "Header of the per-unit value column."),
    ],
    ..Schema::EMPTY
};

pub const STAGGER: Schema = Schema {
    name: "Stagger",
    summary: "Desynchronises the loads matched by one `loads` entry, taken in name order.",
    variants: &[
        Variant::unit("Stagger", "`Stagger(seconds, phases)`: the k-th load is delayed by `(k mod phases)·seconds`."),
        Variant::unit("Random", "`Random(seconds, seed)`: each load is delayed by a reproducible draw uniform in `[0, seconds)`."),
    ],
    ..Schema::EMPTY
};

pub const PHASED: Schema = Schema {
    name: "Phased",
    summary: "The fields of `Stagger(...)`.",
    fields: &[
        F::req(
            "seconds",
            "s",
            R::NonNegative,
            "Delay between consecutive phases.",
        ),
        F::opt(
            "phases",
            "",
            "None (no wrap-around)",
            R::Rule("≥ 1"),
            "Number of phases before the delay wraps around.",
        ),
    ],
    ..Schema::EMPTY
};

pub const RANDOM_DELAY: Schema = Schema {
    name: "RandomDelay",
    summary: "The fields of `Random(...)`.",
    fields: &[
        F::req(
            "seconds",
            "s",
            R::NonNegative,
            "Width of the uniform delay.",
        ),
        F::req(
            "seed",
            "",
            R::Any,
            "Seed of the draws (same seed, same delays).",
        ),
    ],
    ..Schema::EMPTY
};

pub const EVENT: Schema = Schema {
    name: "Event",
    summary: "A scheduled discrete event; which components take which action is listed on the events page.",
    variants: &[
        Variant::with(
            "Trip",
            "Trips a component (Dcx, Load, Converter, Rectifier, CapBank).",
            &[AT, COMPONENT],
        ),
        Variant::with("Open", "Opens a Switch.", &[AT, COMPONENT]),
        Variant::with("Close", "Closes a Switch.", &[AT, COMPONENT]),
        Variant::with(
            "Fault",
            "A resistive fault from `node` to ground.",
            &[
                AT,
                F::req("node", "", R::Any, "Node name."),
                F::req("ohms", "Ω", R::Positive, "Fault resistance."),
                F::opt("clear_after", "s", "None (permanent)", R::Positive, "Clears the fault this long after `at`."),
            ],
        ),
        Variant::with(
            "Set",
            "Changes one setting of a component, e.g. a source's `volts`, a rectifier's `grid_volts`.",
            &[
                AT,
                COMPONENT,
                F::req("field", "", R::Rule("one the component takes"), "The setting to change."),
                F::req("value", "", R::Any, "Its new value, in the setting's unit."),
            ],
        ),
    ],
    ..Schema::EMPTY
};

const AT: F = F::req("at", "s", R::NonNegative, "When the event happens.");
const COMPONENT: F = F::req(
    "component",
    "",
    R::Rule("not empty"),
    "Component name or glob.",
);
