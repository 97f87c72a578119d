//! The documentation tables of the sweep file's schema (`spec.rs`),
//! checked against the names serde accepts by the reference (see
//! `field_doc`).
//!
//! Owns only documentation text; the rules stay in `spec`.

use crate::field_doc::{Field as F, Range as R, Schema, Variant};

/// Every sweep-file type's table, the sweep first.
pub fn documented() -> Vec<&'static Schema> {
    vec![&SWEEP, &AXIS, &MONTE_CARLO, &TOLERANCE, &COLLECT]
}

const PERCENT: R = R::Rule("0 < x < 100");

pub const SWEEP: Schema = Schema {
    name: "Sweep",
    summary: "A sweep file: a circuit, its scenarios, the parameters to vary and what to collect at every point (`busbar sweep`).",
    fields: &[
        F::req("name", "", R::Any, "Sweep name."),
        F::req("circuit", "", R::Any, "Circuit file, relative to the sweep file."),
        F::req("scenarios", "", R::Rule("at least one"), "Scenario files, relative to the sweep file; every point runs each."),
        F::opt("parameters", "", "{}", R::Rule("parameters or monte_carlo; ≤ 10 000 000 points"), "Grid and corner parameters, `{\"name\": Axis}`: every combination of their values. A name is a top-level parameter or a `component.field`."),
        F::opt("monte_carlo", "", "None", R::Any, "Random draws, repeated at every grid point."),
        F::opt("collect", "", "(metrics: [])", R::Any, "What each point records besides every limit's margin and the verdict."),
    ],
    example: r#"Sweep(name: "storage", circuit: "../../circuits/nvl72_rack.ron", scenarios: ["../nvl72/s1_step.ron"], parameters: {"e_store": Log(from: 5, to: 4700, points: 8)}, collect: (metrics: ["min bus800"]))"#,
    ..Schema::EMPTY
};

pub const AXIS: Schema = Schema {
    name: "Axis",
    summary: "The values one grid parameter takes.",
    variants: &[
        Variant::unit("List", "`List([v1, v2, …])`: these values (finite, at least one), in this order."),
        Variant::with(
            "Linear",
            "`points` values evenly spaced from `from` to `to`, both included.",
            &[
                F::req("from", "", R::Any, "First value."),
                F::req("to", "", R::Any, "Last value."),
                F::req("points", "", R::Rule("≥ 2"), "Number of values."),
            ],
        ),
        Variant::with(
            "Log",
            "`points` values evenly spaced in log from `from` to `to`.",
            &[
                F::req("from", "", R::Positive, "First value."),
                F::req("to", "", R::Positive, "Last value."),
                F::req("points", "", R::Rule("≥ 2"), "Number of values."),
            ],
        ),
        Variant::with(
            "Corners",
            "The two corners of a tolerance: nominal·(1 − percent/100) and nominal·(1 + percent/100).",
            &[F::req("percent", "%", PERCENT, "Tolerance.")],
        ),
    ],
    ..Schema::EMPTY
};

pub const MONTE_CARLO: Schema = Schema {
    name: "MonteCarlo",
    summary: "Seeded random draws around each parameter's nominal value.",
    fields: &[
        F::req("samples", "", R::Rule("≥ 1"), "Draws per grid point."),
        F::req(
            "seed",
            "",
            R::Any,
            "Seed: the same seed gives the same draws on any number of jobs or shards.",
        ),
        F::req(
            "vary",
            "",
            R::Rule("at least one, none a grid parameter"),
            "`{\"name\": Tolerance}`: how each parameter is drawn.",
        ),
    ],
    ..Schema::EMPTY
};

pub const TOLERANCE: Schema = Schema {
    name: "Tolerance",
    summary: "How one parameter is drawn, relative to its nominal value.",
    variants: &[
        Variant::with(
            "Uniform",
            "Uniform within ±`percent`.",
            &[F::req("percent", "%", PERCENT, "Half-width.")],
        ),
        Variant::with(
            "Normal",
            "Normal with standard deviation `sigma_percent`.",
            &[F::req("sigma_percent", "%", PERCENT, "Standard deviation.")],
        ),
        Variant::with(
            "TruncatedNormal",
            "Normal with `sigma_percent`, redrawn outside ±`limit_percent`.",
            &[
                F::req("sigma_percent", "%", PERCENT, "Standard deviation."),
                F::req(
                    "limit_percent",
                    "%",
                    R::Rule("0 < x < 100, ≥ sigma_percent/10"),
                    "Truncation.",
                ),
            ],
        ),
    ],
    ..Schema::EMPTY
};

pub const COLLECT: Schema = Schema {
    name: "Collect",
    summary: "What each point records besides every limit's margin and the verdict.",
    fields: &[
        F::opt("metrics", "", "[]", R::Any, "Summary metrics by the names `busbar diff` prints, e.g. `min tray1.bus50`, `deviation bus800`, `peak i(feed)`."),
        F::opt("small_signal_at", "s", "None", R::NonNegative, "Small-signal metrics (least damping, each loop's margins, each interface's margin) at this time of the first scenario."),
    ],
    ..Schema::EMPTY
};
