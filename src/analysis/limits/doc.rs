//! The documentation tables of the limit kinds: unit, default, range and
//! meaning of every field, checked against the names serde accepts by the
//! reference (see `field_doc`). One table per kind, in registry order.
//!
//! Owns only documentation text; each kind's rules stay in its own file.

use crate::field_doc::{Field as F, Range as R, Schema, Variant};

/// Every limit kind's table, in the order of the registry.
pub fn documented() -> Vec<&'static Schema> {
    vec![
        &LIMIT_SET,
        &LIMIT,
        &MIN_VOLTAGE,
        &DEVIATION,
        &SETTLING,
        &RIPPLE,
        &MIN_DAMPING,
        &PHASE_MARGIN,
        &GAIN_MARGIN,
        &IMPEDANCE_RATIO,
        &MAX_CURRENT,
        &RAMP_RATE,
        &MAX_VOLTAGE,
        &MAX_ENERGY,
        &NO_EVENT,
        &BAND_SHARE,
        &DYNAMIC_RANGE,
        &RIDE_THROUGH,
    ]
}

/// A limit-set file (`check --limits FILE`).
pub const LIMIT_SET: Schema = Schema {
    name: "LimitSet",
    summary: "A named, sourced list of limits in its own file, applied to any scenario with `busbar check --limits FILE`; its `limits` read exactly like a scenario's.",
    fields: &[
        F::req("name", "", R::Any, "Name of the set."),
        F::opt("source", "", "[]", R::Any, "Where each number comes from, one entry per source."),
        F::req("limits", "", R::Any, "The limits."),
    ],
    example: r#"LimitSet(name: "ORv3 48 V busbar", source: ["BBU trigger 48.5 V for 2 ms"], limits: [MinVoltage(node: "*bus50", volts: 48.5, longer_than: 2e-3)])"#,
    ..Schema::EMPTY
};

/// The `limits` list's entries: one variant per kind.
pub const LIMIT: Schema = Schema {
    name: "Limit",
    summary: "A pass/fail criterion as written in a scenario's `limits` list (or a limit set given with `check --limits`).",
    variants: &[
        Variant::unit("MinVoltage", MIN_VOLTAGE.summary),
        Variant::unit("Deviation", DEVIATION.summary),
        Variant::unit("Settling", SETTLING.summary),
        Variant::unit("Ripple", RIPPLE.summary),
        Variant::unit("MinDamping", MIN_DAMPING.summary),
        Variant::unit("PhaseMargin", PHASE_MARGIN.summary),
        Variant::unit("GainMargin", GAIN_MARGIN.summary),
        Variant::unit("ImpedanceRatio", IMPEDANCE_RATIO.summary),
        Variant::unit("MaxCurrent", MAX_CURRENT.summary),
        Variant::unit("RampRate", RAMP_RATE.summary),
        Variant::unit("MaxVoltage", MAX_VOLTAGE.summary),
        Variant::unit("MaxEnergy", MAX_ENERGY.summary),
        Variant::unit("NoEvent", NO_EVENT.summary),
        Variant::unit("BandShare", BAND_SHARE.summary),
        Variant::unit("DynamicRange", DYNAMIC_RANGE.summary),
        Variant::unit("RideThrough", RIDE_THROUGH.summary),
    ],
    ..Schema::EMPTY
};

const NODE: F = F::req(
    "node",
    "",
    R::Rule("matches a node, or a component with a voltage of its own"),
    "Node name or glob, or `v(component)` for a component's own voltage (an ActiveFrontEnd's PCC voltage, 1 pu = its `grid_vll`); judged on every match, the worst one reported.",
);
const COMPONENT: F = F::req(
    "component",
    "",
    R::Rule("matches a component"),
    "Component name or glob; judged on every match, the worst one reported.",
);

pub const MIN_VOLTAGE: Schema = Schema {
    name: "MinVoltage",
    summary: "A node must not stay below `volts` for longer than `longer_than` (any dip at all when it is absent): the ORv3 BBU trigger, a UVLO.",
    fields: &[
        NODE,
        F::req("volts", "V", R::Any, "Lowest allowed voltage."),
        F::opt("longer_than", "s", "None (any dip fails)", R::NonNegative, "Dips lasting no longer than this are tolerated."),
    ],
    example: r#"MinVoltage(node: "tray*.bus50", volts: 48.5, longer_than: 2e-3)"#,
    ..Schema::EMPTY
};

pub const DEVIATION: Schema = Schema {
    name: "Deviation",
    summary: "The largest departure of a node from its pre-event value after any load event, in % of nominal.",
    fields: &[NODE, F::req("max_percent", "%", R::Positive, "Half-width of the band, % of the node's nominal voltage.")],
    example: r#"Deviation(node: "bus800", max_percent: 3)"#,
    ..Schema::EMPTY
};

pub const SETTLING: Schema = Schema {
    name: "Settling",
    summary: "After every load event a node must be back inside a band around its final value within a given time.",
    fields: &[
        NODE,
        F::req("band_percent", "%", R::Positive, "Half-width of the settling band, % of nominal."),
        F::req("within", "s", R::Positive, "Longest allowed settling time."),
    ],
    example: r#"Settling(node: "bus800", band_percent: 1, within: 5e-3)"#,
    ..Schema::EMPTY
};

pub const RIPPLE: Schema = Schema {
    name: "Ripple",
    summary: "The peak-to-peak voltage of a node in a window, by default its quiet windows (settled, no load change acting).",
    fields: &[
        NODE,
        F::req("max_pp_volts", "V", R::Positive, "Largest allowed peak-to-peak voltage."),
        F::opt("window", "s", "None (quiet windows)", R::Rule("0 ≤ start < end ≤ duration"), "`(start, end)` of the judged window."),
    ],
    example: r#"Ripple(node: "bus800", max_pp_volts: 8, window: (0.06, 0.1))"#,
    ..Schema::EMPTY
};

pub const MIN_DAMPING: Schema = Schema {
    name: "MinDamping",
    summary: "The least damped mode of the linearised circuit, at every operating point of the run (small-signal).",
    fields: &[F::req("ratio", "", R::Rule("0 ≤ ζ < 1"), "Smallest allowed damping ratio ζ.")],
    example: "MinDamping(ratio: 0.05)",
    ..Schema::EMPTY
};

pub const PHASE_MARGIN: Schema = Schema {
    name: "PhaseMargin",
    summary: "The phase margin of every control loop of the matching regulated converters, at every operating point (small-signal).",
    fields: &[COMPONENT, F::req("min_degrees", "°", R::Any, "Smallest allowed phase margin.")],
    example: r#"PhaseMargin(component: "*conv*", min_degrees: 45)"#,
    ..Schema::EMPTY
};

pub const GAIN_MARGIN: Schema = Schema {
    name: "GainMargin",
    summary: "The gain margin of every control loop of the matching regulated converters, at every operating point (small-signal).",
    fields: &[COMPONENT, F::req("min_db", "dB", R::Any, "Smallest allowed gain margin.")],
    example: r#"GainMargin(component: "*conv*", min_db: 6)"#,
    ..Schema::EMPTY
};

pub const IMPEDANCE_RATIO: Schema = Schema {
    name: "ImpedanceRatio",
    summary: "The Middlebrook criterion at a converter interface: gain and phase margins of the minor-loop gain Z_source/Z_load, at every operating point (small-signal).",
    fields: &[
        F::req("node", "", R::Rule("matches a node"), "Node name or glob where converter inputs sit."),
        F::req("min_gm_db", "dB", R::Any, "Smallest allowed gain margin of the minor-loop gain."),
        F::req("min_pm_degrees", "°", R::Any, "Smallest allowed phase margin of the minor-loop gain."),
    ],
    example: r#"ImpedanceRatio(node: "bus800", min_gm_db: 6, min_pm_degrees: 30)"#,
    ..Schema::EMPTY
};

pub const MAX_CURRENT: Schema = Schema {
    name: "MaxCurrent",
    summary: "The largest |i| through a component.",
    fields: &[
        COMPONENT,
        F::req("amps", "A", R::Positive, "Largest allowed |i|."),
    ],
    example: r#"MaxCurrent(component: "feed", amps: 250)"#,
    ..Schema::EMPTY
};

pub const RAMP_RATE: Schema = Schema {
    name: "RampRate",
    summary: "How fast a component's power may rise and fall: the ramp-up / ramp-down rates (MW/s) of the utility-style spec in arXiv:2508.14318, optionally of P averaged over a window (1 s as utilities and the OCP method report it).",
    fields: &[
        COMPONENT,
        F::opt("max_watts_per_second", "W/s", "None", R::Positive, "Largest allowed |dP/dt|, rise or fall."),
        F::opt("max_up", "W/s", "None", R::Positive, "Largest allowed rise of P."),
        F::opt("max_down", "W/s", "None", R::Positive, "Largest allowed fall of P, as a positive rate."),
        F::opt("window", "s", "None (one output sample step)", R::Rule("0 < window ≤ duration"), "P is averaged over the trailing window first; the rate is then (P(t) − P(t − window))/window."),
    ],
    example: r#"RampRate(component: "grid", max_up: 2e6, max_down: 4e6, window: 1.0)"#,
    ..Schema::EMPTY
};

pub const MAX_VOLTAGE: Schema = Schema {
    name: "MaxVoltage",
    summary: "A node must not stay above `volts` for longer than `longer_than` (any excursion when it is absent): an overvoltage trip.",
    fields: &[
        NODE,
        F::req("volts", "V", R::Any, "Highest allowed voltage."),
        F::opt("longer_than", "s", "None (any excursion fails)", R::NonNegative, "Excursions lasting no longer than this are tolerated."),
    ],
    example: r#"MaxVoltage(node: "bus800", volts: 840)"#,
    ..Schema::EMPTY
};

pub const MAX_ENERGY: Schema = Schema {
    name: "MaxEnergy",
    summary: "The depth of discharge a storage element must cover: the largest net energy it delivers over any interval, from its recorded power.",
    fields: &[COMPONENT, F::req("joules", "J", R::Positive, "Largest allowed net energy delivered.")],
    example: r#"MaxEnergy(component: "store", joules: 4700)"#,
    ..Schema::EMPTY
};

pub const NO_EVENT: Schema = Schema {
    name: "NoEvent",
    summary: "A component must not raise an event during the run, e.g. a BBU that must not trigger on load steps. A `what` that matches no event its targets can raise is an error.",
    fields: &[
        F::req("target", "", R::Rule("matches a component"), "Component name or glob."),
        F::opt("what", "", "None (any event)", R::Rule("not empty"), "Event name or glob, e.g. `trigger*`; the events page lists each component's."),
    ],
    example: r#"NoEvent(target: "*bbu*", what: "trigger*")"#,
    ..Schema::EMPTY
};

pub const BAND_SHARE: Schema = Schema {
    name: "BandShare",
    summary: "The share of a component's power-fluctuation energy (mean removed) in a frequency band, by default the grid-critical 0.1–20 Hz of arXiv:2508.14318 (example limit 20 %). The run must last at least 1/f_low.",
    fields: &[
        COMPONENT,
        F::req("max_percent", "%", R::Rule("0 ≤ x ≤ 100"), "Largest allowed share of the fluctuation energy in the band."),
        F::opt("band_hz", "Hz", "(0.1, 20)", R::Rule("0 < low < high, duration ≥ 1/low"), "`(low, high)` edges of the band."),
    ],
    example: r#"BandShare(component: "grid", max_percent: 20, band_hz: (0.1, 20))"#,
    ..Schema::EMPTY
};

pub const DYNAMIC_RANGE: Schema = Schema {
    name: "DynamicRange",
    summary: "The band a component's power must stay in: fixed bounds, or a half-width about its trailing running mean (the dynamic power range of arXiv:2508.14318, informed by IEC 61000-3-3).",
    fields: &[
        COMPONENT,
        F::opt("min_watts", "W", "None", R::Any, "Lowest allowed power."),
        F::opt("max_watts", "W", "None", R::Rule("> min_watts"), "Highest allowed power."),
        F::opt("around_mean_watts", "W", "None", R::Positive, "Largest allowed |P − mean of P over the trailing `window`|."),
        F::opt("window", "s", "None", R::Positive, "Length of the running mean; given with `around_mean_watts`."),
    ],
    example: r#"DynamicRange(component: "grid", around_mean_watts: 5e6, window: 1.0)"#,
    ..Schema::EMPTY
};

pub const RIDE_THROUGH: Schema = Schema {
    name: "RideThrough",
    summary: "A facility must not trip while its PCC voltage is inside a low-voltage ride-through curve (the no-trip zone of NERC PRC-024-2 / IEEE 1547-2018 style curves): a trip is allowed only once the voltage stayed below a level for longer than the curve's duration for it.",
    fields: &[
        NODE,
        F::req("component", "", R::Rule("matches a component"), "Component name or glob whose events are the facility's trips."),
        F::req("what", "", R::Rule("not empty"), "Event name or glob, e.g. `trip*`."),
        F::req("curve", "s, pu", R::Rule("durations > 0 and levels > 0, both strictly increasing"), "`(duration, level)` points: below `level` for no longer than `duration` must be ridden through."),
        F::opt("nominal_volts", "V", "the column's nominal", R::Positive, "The voltage that is 1 pu (a declared bus's nominal, an ActiveFrontEnd's `grid_vll`)."),
    ],
    example: r#"RideThrough(node: "v(sst)", component: "sst", what: "trip", curve: [(0.15, 0.45), (0.3, 0.65), (2.0, 0.75), (3.0, 0.9)])"#,
    ..Schema::EMPTY
};
