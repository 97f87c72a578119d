//! Unit tests for name templates, ground and port binding, and name rules.

use super::frame::{check_name, Frame};
use crate::netlist::expr::ExprCache;
use crate::netlist::params::Scope;
use std::collections::BTreeMap;

fn with_frame(f: impl FnOnce(&Frame)) {
    let root = Scope::root(BTreeMap::from([
        ("n".to_string(), 4.0),
        ("c".to_string(), 1e-3),
    ]));
    let scope = Scope::child(&root, BTreeMap::from([("i".to_string(), 3.0)]));
    let ports = BTreeMap::from([("in".to_string(), "bus800".to_string())]);
    let exprs = ExprCache::default();
    let frame = Frame {
        scope: &scope,
        globals: &root,
        prefix: "row1.rack2.",
        ports: &ports,
        sub: Some("rack"),
        depth: 2,
        exprs: &exprs,
    };
    f(&frame);
}

#[test]
fn substitution() {
    with_frame(|f| {
        assert_eq!(f.substitute("tap{i}").as_deref(), Ok("tap3"));
        assert_eq!(f.substitute("tap{i-1}_{i+1}").as_deref(), Ok("tap2_4"));
        assert_eq!(f.substitute("{i*2}{n/3}").as_deref(), Ok("61"));
        assert_eq!(f.substitute("{ (i + 1) * n }x").as_deref(), Ok("16x"));
        assert_eq!(f.substitute("plain").as_deref(), Ok("plain"));
        assert!(f
            .substitute("a{i")
            .unwrap_err()
            .contains("without a matching"));
        assert!(f.substitute("a}i").unwrap_err().contains("without `{`"));
        assert!(f.substitute("a{{i}}").is_err());
        assert!(f
            .substitute("a{}")
            .unwrap_err()
            .contains("cannot substitute `{}`"));
        assert!(f
            .substitute("a{c}")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(f
            .substitute("a{j}")
            .unwrap_err()
            .contains("unknown parameter `j`"));
    });
}

#[test]
fn names_and_nodes() {
    with_frame(|f| {
        assert_eq!(f.name("c50").as_deref(), Ok("row1.rack2.c50"));
        assert_eq!(f.name("tray{i}").as_deref(), Ok("row1.rack2.tray3"));
        assert_eq!(f.node("bus50").as_deref(), Ok("row1.rack2.bus50"));
        assert_eq!(f.node("in").as_deref(), Ok("bus800"));
        assert_eq!(f.node("gnd").as_deref(), Ok("gnd"));
        assert_eq!(f.node("0").as_deref(), Ok("gnd"));
        assert!(f.node("").is_err());
        assert!(f.name("a b").is_err());
    });
}

#[test]
fn name_rules() {
    for ok in ["a", "tray3.bus50", "bus_800", "c-1", "µC"] {
        assert!(check_name("name", ok).is_ok(), "{ok}");
    }
    for bad in [
        "", ".a", "a.", "a..b", "a*", "a?", "i(x)", "a,b", "a b", "a[1]",
    ] {
        assert!(check_name("name", bad).is_err(), "{bad}");
    }
}
