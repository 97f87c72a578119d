//! The documentation tables of the circuit file's structure (`schema.rs`,
//! `structure.rs`): `Circuit`, `Subcircuit`, `Instance`, `Repeat` and bus
//! declarations, checked against the names serde accepts by the reference
//! (see `field_doc`). Components document themselves in `components`.
//!
//! Owns only documentation text.

use crate::field_doc::{Field as F, Range as R, Schema};

/// Every circuit-structure type's table, the circuit first.
pub fn documented() -> Vec<&'static Schema> {
    vec![&CIRCUIT, &BUS_DECL, &SUBCIRCUIT, &INSTANCE, &REPEAT]
}

/// How numbers are written in a circuit file, for the reference.
pub const EXPRESSIONS: &str = "Every numeric component field (a \"number or expression\") takes a number (`800`, `2e-3`) or a string expression over parameters: `\"p_rack / 18\"`, `\"2 * c_bus\"`, `\"sqrt(l / c)\"`, `\"47u\"`. Numbers inside an expression may carry an SI prefix (`f p n u µ m k M G T`, and `meg` for mega: `\"47u\"`, `\"1.5meg\"`). Operators `+ - * / ^` (or `**`), parentheses, the constant `pi` and the functions `sqrt`, `abs`, `exp`, `ln`, `log10`, `sin`, `cos`, `tan`, `min`, `max`, `floor`, `ceil`, `round`. Names resolve in the innermost scope first: an instance's `params`, the subcircuit's defaults, then the circuit's `params`. Names (components, nodes, instances) may hold `{expr}` templates over `Repeat` indices and integer parameters, e.g. `\"tray{i}\"`, `\"seg{i-1}\"`. The node `gnd` (or `0`) is ground.";

pub const CIRCUIT: Schema = Schema {
    name: "Circuit",
    summary: "A whole circuit file: `Circuit(name, params, buses, subcircuits, subsystems, components)`.",
    fields: &[
        F::opt("name", "", "the file's name", R::Any, "Display name."),
        F::opt("params", "", "{}", R::Any, "Top-level parameters `{\"name\": number or expression}`, usable in every expression of the file and overridable with `--set name=value`."),
        F::opt("buses", "", "{}", R::Any, "Node-name globs with their nominal voltage, `{\"bus800\": (nominal: 800)}`: what limits, metrics and `--verify` refer deviations to."),
        F::opt("subcircuits", "", "{}", R::Any, "Named subcircuit definitions, instantiated with `Instance`."),
        F::opt("subsystems", "", "top-level instance names", R::Rule("every pattern matches a component"), "Named groups of component-path globs, `{\"grid/SST\": [\"sst*\"], \"48 V racks\": [\"row*\"]}`, by which `busbar stability` and the report group each mode's participation (\"which part makes this mode\"). A component goes to the first subsystem, in written order, with a matching pattern, the rest to `other`; a node state shared by several capacitors is matched by its node name. A pattern that matches no component is an error. Without `subsystems`, participation is grouped by the first segment of each path (`row3` of `row3.rack2.load`): exact for a hall built of named top-level instances."),
        F::req("components", "", R::Any, "Components, `Instance`s and `Repeat` blocks."),
    ],
    example: r#"Circuit(name: "demo", params: {"c_bus": 2e-3}, buses: {"bus800": (nominal: 800)}, components: [VoltageSource(name: "grid", pos: "bus800", volts: 800), Capacitor(name: "c", a: "bus800", b: "gnd", farads: "c_bus")])"#,
    ..Schema::EMPTY
};

pub const BUS_DECL: Schema = Schema {
    name: "BusDecl",
    summary: "`(nominal: 800)`: a bus's nominal voltage.",
    fields: &[F::req(
        "nominal",
        "V",
        R::Positive,
        "Nominal voltage (number or expression).",
    )],
    ..Schema::EMPTY
};

pub const SUBCIRCUIT: Schema = Schema {
    name: "Subcircuit",
    summary: "A reusable block: `Subcircuit(ports, params, buses, components)`.",
    fields: &[
        F::opt("ports", "", "[]", R::Any, "Node names bound to the instantiating circuit's nodes."),
        F::opt("params", "", "{}", R::Any, "Parameters with their defaults; an `Instance` may override them."),
        F::opt("buses", "", "{}", R::Any, "Bus globs relative to each instance (`bus50` becomes `tray3.bus50`)."),
        F::req("components", "", R::Any, "Its components, `Instance`s and `Repeat` blocks; internal nodes and names are prefixed with the instance name."),
    ],
    ..Schema::EMPTY
};

pub const INSTANCE: Schema = Schema {
    name: "Instance",
    summary: "An instance of a subcircuit: `Instance(name: \"tray{i}\", of: \"tray\", ports: {\"in\": \"bus800\"}, params: {\"p\": \"p_rack / 18\"})`.",
    fields: &[
        F::req("name", "", R::Any, "Instance name, the prefix of everything inside it."),
        F::req("of", "", R::Rule("a defined subcircuit"), "The subcircuit to instantiate."),
        F::opt("ports", "", "{}", R::Rule("every port bound"), "Port name to node of the enclosing circuit."),
        F::opt("params", "", "{}", R::Any, "Parameter overrides, numbers or expressions in the enclosing scope."),
    ],
    ..Schema::EMPTY
};

pub const REPEAT: Schema = Schema {
    name: "Repeat",
    summary: "`count` copies of a component list, with `index` running from `start`: `Repeat(count: 18, index: \"i\", components: [...])`.",
    fields: &[
        F::req("count", "", R::Rule("whole number ≥ 0"), "Number of copies (number or expression)."),
        F::opt("index", "", "\"i\"", R::Any, "Name of the index, usable in `{…}` name templates and expressions."),
        F::opt("start", "", "1", R::Any, "First index value (so `tray1` … `tray18`)."),
        F::req("components", "", R::Any, "The list to copy."),
    ],
    ..Schema::EMPTY
};
