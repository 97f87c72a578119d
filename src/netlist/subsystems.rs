//! Subsystems of a circuit: named groups of components given by glob
//! patterns over component paths (`"48 V racks": ["orv3_row.*"]`), used to
//! say which part of a hall a mode lives in. Each name goes to the first
//! subsystem with a matching pattern, the rest to [`OTHER`]; a circuit that
//! declares none is grouped by top-level instance (first path segment).
//!
//! Owns the declaration order, the unmatched-pattern check and the mapping
//! name → subsystem. Must not know modes or reports (`analysis` uses it).

use serde::de::{Deserializer, MapAccess, Visitor};
use std::fmt;

/// Where names matching no declared subsystem go.
pub const OTHER: &str = "other";

/// One declared subsystem: its name and component-path globs.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsystemSpec {
    pub name: String,
    pub patterns: Vec<String>,
}

/// The subsystem of a component path (or of a node name, for a node state
/// shared by several capacitors): the first subsystem with a matching
/// pattern, else [`OTHER`]; with no subsystems declared, the first path
/// segment (`row3` of `row3.rack2.load`).
pub fn subsystem_of<'a>(specs: &'a [SubsystemSpec], name: &'a str) -> &'a str {
    if specs.is_empty() {
        return name.split('.').next().unwrap_or(name);
    }
    specs
        .iter()
        .find(|s| s.patterns.iter().any(|p| crate::glob::matches(p, name)))
        .map_or(OTHER, |s| s.name.as_str())
}

/// The first pattern (subsystem, pattern) that matches none of `names`.
pub fn unmatched<'a>(specs: &'a [SubsystemSpec], names: &[&str]) -> Option<(&'a str, &'a str)> {
    specs.iter().find_map(|s| {
        s.patterns
            .iter()
            .find(|p| !names.iter().any(|n| crate::glob::matches(p, n)))
            .map(|p| (s.name.as_str(), p.as_str()))
    })
}

/// Reads `{"name": ["glob", ...], ...}` keeping the written order (the
/// first matching subsystem wins, so order matters); a repeated name, an
/// empty pattern list or a subsystem called [`OTHER`] is an error.
pub(crate) fn ordered<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<SubsystemSpec>, D::Error> {
    struct Ordered;
    impl<'de> Visitor<'de> for Ordered {
        type Value = Vec<SubsystemSpec>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map from subsystem names to lists of component globs, such as { \"48 V racks\": [\"row*\"] }")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            use serde::de::Error;
            let mut out: Vec<SubsystemSpec> = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                if out.iter().any(|s| s.name == name) {
                    return Err(A::Error::custom(format!(
                        "subsystem `{name}` is defined twice in this map"
                    )));
                }
                if name == OTHER {
                    return Err(A::Error::custom(format!(
                        "`{OTHER}` is where components matching no subsystem go; give the subsystem another name"
                    )));
                }
                let patterns: Vec<String> = map.next_value()?;
                if patterns.is_empty() {
                    return Err(A::Error::custom(format!(
                        "subsystem `{name}` has no patterns; list component globs such as [\"row*\"]"
                    )));
                }
                out.push(SubsystemSpec { name, patterns });
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, patterns: &[&str]) -> SubsystemSpec {
        SubsystemSpec {
            name: name.into(),
            patterns: patterns.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn first_match_wins_and_the_rest_is_other() {
        let specs = [spec("grid", &["sst*", "grid"]), spec("racks", &["*"])];
        assert_eq!(subsystem_of(&specs, "sst.c"), "grid");
        assert_eq!(subsystem_of(&specs, "row1.load"), "racks");
        let specs = [spec("grid", &["sst*"])];
        assert_eq!(subsystem_of(&specs, "row1.load"), OTHER);
    }

    #[test]
    fn undeclared_groups_by_top_level_instance() {
        assert_eq!(subsystem_of(&[], "row3.rack2.load"), "row3");
        assert_eq!(subsystem_of(&[], "cbus"), "cbus");
    }

    #[test]
    fn a_pattern_matching_nothing_is_found() {
        let specs = [spec("grid", &["sst*"]), spec("racks", &["row*", "rack*"])];
        assert_eq!(
            unmatched(&specs, &["sst.c", "row1.l"]),
            Some(("racks", "rack*"))
        );
        assert_eq!(unmatched(&specs, &["sst.c", "row1.l", "rack"]), None);
    }
}
