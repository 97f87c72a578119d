//! Structural entries of a component list: subcircuit instances and
//! `Repeat` blocks. Elaboration expands both into primitives.
//!
//! Owns only their schema.

use super::Num;
use crate::components::ComponentSpec;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `Instance(name: "tray{i}", of: "tray", ports: {"in": "bus800"}, params: {"p": "p_rack / 18"})`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub name: String,
    pub of: String,
    #[serde(default, deserialize_with = "super::schema::unique_keys")]
    pub ports: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "super::schema::unique_keys")]
    pub params: BTreeMap<String, Num>,
}

/// `Repeat(count: 18, index: "i", components: [...])`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    pub count: Num,
    #[serde(default = "default_index")]
    pub index: String,
    /// First index value (default 1, so `tray1` … `tray18`).
    #[serde(default = "default_start")]
    pub start: i64,
    pub components: Vec<ComponentSpec>,
}

fn default_index() -> String {
    "i".to_string()
}

fn default_start() -> i64 {
    1
}
