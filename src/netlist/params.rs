//! Parameter scopes and the evaluation of a parameter set in dependency
//! order (`"i_max": "p / v_min"` may come before `"p"` in the file).
//!
//! Owns scoping rules only: a scope is a chain of layers, innermost first
//! (Repeat index → subcircuit parameters → top-level parameters). Parsing
//! and arithmetic belong to `expr`; where the parameters came from and how
//! errors are located belongs to `elaborate`.

use super::expr::{self, Expr, Lookup};
use crate::device::Num;
use std::collections::BTreeMap;

/// One layer of names over an optional outer scope.
#[derive(Debug)]
pub struct Scope<'a> {
    parent: Option<&'a Scope<'a>>,
    values: BTreeMap<String, f64>,
}

impl<'a> Scope<'a> {
    /// The outermost scope.
    pub fn root(values: BTreeMap<String, f64>) -> Scope<'static> {
        Scope {
            parent: None,
            values,
        }
    }

    /// A scope whose own names shadow `parent`'s.
    pub fn child(parent: &'a Scope<'a>, values: BTreeMap<String, f64>) -> Scope<'a> {
        Scope {
            parent: Some(parent),
            values,
        }
    }

    /// The names defined in this layer only.
    pub fn own(&self) -> &BTreeMap<String, f64> {
        &self.values
    }
}

impl Lookup for Scope<'_> {
    fn value(&self, name: &str) -> Option<f64> {
        let mut scope = Some(self);
        while let Some(s) = scope {
            if let Some(v) = s.values.get(name) {
                return Some(*v);
            }
            scope = s.parent;
        }
        None
    }

    fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut scope = Some(self);
        while let Some(s) = scope {
            out.extend(s.values.keys().cloned());
            scope = s.parent;
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A parameter that could not be evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// The parameter whose definition is at fault.
    pub name: String,
    /// Its expression as written (empty for a literal).
    pub expression: String,
    pub message: String,
}

/// Evaluates a set of parameter definitions that may refer to each other
/// and to `outer`. Names in `fixed` already have a value (an override, or a
/// value passed by an instance) and their definitions are skipped.
///
/// The result holds every name of `defs` and `fixed`.
pub fn resolve(
    defs: &BTreeMap<String, Num>,
    fixed: &BTreeMap<String, f64>,
    outer: &Scope,
) -> Result<BTreeMap<String, f64>, ParamError> {
    for name in defs.keys() {
        if !expr::is_identifier(name) || expr::is_reserved(name) {
            return Err(ParamError {
                name: name.clone(),
                expression: String::new(),
                message: format!(
                    "`{name}` cannot be a parameter name: use letters, digits and `_`, \
                     starting with a letter, and not `pi` or a function name"
                ),
            });
        }
    }

    // Parse every definition still to evaluate and find its dependencies
    // within this set; other names resolve in `outer`.
    let mut parsed: BTreeMap<&str, (Option<Expr>, Vec<&str>)> = BTreeMap::new();
    for (name, num) in defs {
        if fixed.contains_key(name) {
            continue;
        }
        let entry = match num {
            Num::Value(_) => (None, Vec::new()),
            Num::Expr(src) => {
                let e = Expr::parse(src).map_err(|e| ParamError {
                    name: name.clone(),
                    expression: src.clone(),
                    message: e.0,
                })?;
                // Borrow the names from `defs`, which outlives the parsed tree.
                let deps = e
                    .params()
                    .into_iter()
                    .filter(|d| !fixed.contains_key(*d))
                    .filter_map(|d| defs.get_key_value(d).map(|(k, _)| k.as_str()))
                    .collect();
                (Some(e), deps)
            }
        };
        parsed.insert(name, entry);
    }

    let order = dependency_order(&parsed)?;
    let mut scope = Scope::child(outer, fixed.clone());
    for name in order {
        let value = match (&parsed[name].0, &defs[name]) {
            (Some(e), Num::Expr(src)) => e.eval(&scope).map_err(|e| ParamError {
                name: name.to_string(),
                expression: src.clone(),
                message: e.0,
            })?,
            (_, num) => num.value(),
        };
        if !value.is_finite() {
            return Err(ParamError {
                name: name.to_string(),
                expression: String::new(),
                message: format!("`{name}` is {value}, not a finite number"),
            });
        }
        scope.values.insert(name.to_string(), value);
    }
    Ok(scope.values)
}

/// Orders names so that each comes after the names it uses. Iterative
/// depth-first search, so a long chain of parameters cannot exhaust the
/// stack; a cycle is reported with its path.
fn dependency_order<'a>(
    graph: &BTreeMap<&'a str, (Option<Expr>, Vec<&'a str>)>,
) -> Result<Vec<&'a str>, ParamError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = graph.keys().map(|k| (*k, Mark::New)).collect();
    let mut order = Vec::with_capacity(graph.len());
    for &root in graph.keys() {
        if mark[root] != Mark::New {
            continue;
        }
        // (node, index of the next dependency to visit)
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        mark.insert(root, Mark::Open);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let deps = &graph[node].1;
            if let Some(&dep) = deps.get(*next) {
                *next += 1;
                match mark[dep] {
                    Mark::New => {
                        mark.insert(dep, Mark::Open);
                        stack.push((dep, 0));
                    }
                    Mark::Open => {
                        let start = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle: Vec<&str> = stack[start..].iter().map(|(n, _)| *n).collect();
                        cycle.push(dep);
                        return Err(ParamError {
                            name: dep.to_string(),
                            expression: String::new(),
                            message: format!(
                                "parameters refer to each other in a cycle: {}",
                                cycle.join(" → ")
                            ),
                        });
                    }
                    Mark::Done => {}
                }
            } else {
                mark.insert(node, Mark::Done);
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(items: &[(&str, Num)]) -> BTreeMap<String, Num> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn e(s: &str) -> Num {
        Num::Expr(s.to_string())
    }

    #[test]
    fn dependency_order_regardless_of_file_order() {
        let root = Scope::root(BTreeMap::from([("g".to_string(), 2.0)]));
        let d = defs(&[("a", e("b * g")), ("b", e("c + 1")), ("c", Num::Value(3.0))]);
        let out = resolve(&d, &BTreeMap::new(), &root).unwrap();
        assert_eq!(out["a"], 8.0);
        assert_eq!(out["b"], 4.0);
    }

    #[test]
    fn fixed_values_win_and_feed_dependants() {
        let root = Scope::root(BTreeMap::new());
        let d = defs(&[("p", Num::Value(7.5e3)), ("i", e("p / 50"))]);
        let out = resolve(&d, &BTreeMap::from([("p".to_string(), 10e3)]), &root).unwrap();
        assert_eq!(out["p"], 10e3);
        assert_eq!(out["i"], 200.0);
    }

    #[test]
    fn inner_names_shadow_outer() {
        let root = Scope::root(BTreeMap::from([("p".to_string(), 1.0)]));
        let d = defs(&[("p", Num::Value(2.0)), ("q", e("p"))]);
        let out = resolve(&d, &BTreeMap::new(), &root).unwrap();
        assert_eq!(out["q"], 2.0);
    }

    #[test]
    fn cycle_is_named() {
        let root = Scope::root(BTreeMap::new());
        let d = defs(&[
            ("a", e("b")),
            ("b", e("c")),
            ("c", e("2 * a")),
            ("d", Num::Value(1.0)),
        ]);
        let err = resolve(&d, &BTreeMap::new(), &root).unwrap_err();
        assert!(err.message.contains("a → b → c → a"), "{}", err.message);
        let selfref = resolve(&defs(&[("x", e("x + 1"))]), &BTreeMap::new(), &root).unwrap_err();
        assert!(selfref.message.contains("x → x"), "{}", selfref.message);
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let root = Scope::root(BTreeMap::new());
        let mut d = BTreeMap::new();
        d.insert("p0".to_string(), Num::Value(0.0));
        for k in 1..20_000 {
            d.insert(format!("p{k}"), e(&format!("p{} + 1", k - 1)));
        }
        let out = resolve(&d, &BTreeMap::new(), &root).unwrap();
        assert_eq!(out["p19999"], 19_999.0);
    }

    #[test]
    fn bad_names_and_values() {
        let root = Scope::root(BTreeMap::new());
        assert!(resolve(&defs(&[("pi", Num::Value(3.0))]), &BTreeMap::new(), &root).is_err());
        assert!(resolve(&defs(&[("a b", Num::Value(3.0))]), &BTreeMap::new(), &root).is_err());
        let err = resolve(&defs(&[("a", e("zz + 1"))]), &BTreeMap::new(), &root).unwrap_err();
        assert_eq!(err.name, "a");
        assert!(err.message.contains("unknown parameter `zz`"));
        let nan = resolve(
            &defs(&[("a", Num::Value(f64::NAN))]),
            &BTreeMap::new(),
            &root,
        )
        .unwrap_err();
        assert!(nan.message.contains("not a finite number"));
    }
}
