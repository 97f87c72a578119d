//! Unit tests for the expression language: prefixes, precedence,
//! functions, error messages and limits.

use super::*;
use std::collections::BTreeMap;
use std::f64::consts::PI;

struct Map(BTreeMap<String, f64>);

impl Lookup for Map {
    fn value(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }
    fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

fn scope() -> Map {
    Map(
        [("p_rack", 135e3), ("c_bus", 1e-3), ("i", 3.0), ("n", 18.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn ev(s: &str) -> f64 {
    evaluate(s, &scope()).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn err(s: &str) -> String {
    match evaluate(s, &scope()) {
        Ok(v) => panic!("`{s}` evaluated to {v}"),
        Err(e) => e.0,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
}

#[test]
fn si_prefixes() {
    for (s, v) in [
        ("47u", 47e-6),
        ("47µ", 47e-6),
        ("47μ", 47e-6),
        ("1.5m", 1.5e-3),
        ("2k", 2e3),
        ("3M", 3e6),
        ("3meg", 3e6),
        ("10n", 10e-9),
        ("5p", 5e-12),
        ("2G", 2e9),
        ("1T", 1e12),
        ("7f", 7e-15),
        ("1e-3", 1e-3),
        ("1.5e3k", 1.5e6),
        (".5", 0.5),
        ("2.", 2.0),
        ("1E+2", 100.0),
    ] {
        assert!(close(ev(s), v), "{s} = {} not {v}", ev(s));
    }
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(ev("1 + 2 * 3"), 7.0);
    assert_eq!(ev("(1 + 2) * 3"), 9.0);
    assert_eq!(ev("10 - 4 - 3"), 3.0);
    assert_eq!(ev("24 / 4 / 2"), 3.0);
    assert_eq!(ev("2 ^ 3 ^ 2"), 512.0);
    assert_eq!(ev("2 ** 3"), 8.0);
    assert_eq!(ev("-2 ^ 2"), -4.0);
    assert_eq!(ev("2 ^ -1"), 0.5);
    assert_eq!(ev("--3"), 3.0);
    assert_eq!(ev("+3 - -3"), 6.0);
    assert_eq!(ev("p_rack / n"), 7.5e3);
    assert_eq!(ev("2 * c_bus"), 2e-3);
    assert_eq!(ev("2*1m"), 2e-3);
}

#[test]
fn functions_and_constants() {
    assert_eq!(ev("sqrt(16)"), 4.0);
    assert_eq!(ev("abs(-2)"), 2.0);
    assert_eq!(ev("min(3, 1, 2)"), 1.0);
    assert_eq!(ev("max(3, 1, 2)"), 3.0);
    assert!(close(ev("exp(ln(5))"), 5.0));
    assert!(close(ev("log10(1k)"), 3.0));
    assert!(close(ev("sin(pi / 2)"), 1.0));
    assert!(close(ev("cos(0)"), 1.0));
    assert!(close(
        ev("1 / (2 * pi * sqrt(100u * 1m))"),
        1.0 / (2.0 * PI * (1e-7f64).sqrt())
    ));
}

#[test]
fn parse_errors_say_what_and_where() {
    assert_eq!(
        err("p_rack / "),
        "expected a number or parameter name at the end of `p_rack / `"
    );
    assert_eq!(
        err("p_rack / * 2"),
        "expected a number or parameter name at character 10 of `p_rack / * 2`"
    );
    assert!(err("(1 + 2").contains("expected `)` at the end"));
    assert!(err("1 + 2)").contains("unbalanced `)`"));
    assert!(err("2 3").contains("expected an operator"));
    assert!(err("2 $ 3").contains("unexpected character `$` at character 3"));
    assert!(err("10uF").contains("unexpected `F` after the number `10u`"));
    assert!(err("2e").contains("unexpected `e`"));
    assert!(err("1.2.3").contains("unexpected `.`"));
    assert!(err("sqrt(1, 2)").contains("takes one argument"));
    assert!(err("sqr(4)").contains("unknown function `sqr`"));
    assert!(err("min(1,").contains("expected a number or parameter name at the end"));
}

#[test]
fn unknown_parameter_lists_nearest_first() {
    let e = err("p_rak / 18");
    assert!(
        e.starts_with("unknown parameter `p_rak` at character 1"),
        "{e}"
    );
    assert!(e.contains("parameters in scope: p_rack, "), "{e}");
}

#[test]
fn numeric_errors() {
    assert!(err("1 / (n - 18)").contains("division by zero at character 3"));
    assert!(err("sqrt(-1)").contains("sqrt(-1) is not a finite number"));
    assert!(err("ln(0)").contains("ln(0)"));
    assert!(err("10 ^ 400").contains("not a finite number"));
    assert!(err("1e999").contains("too large"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(err(&deep).contains("nests more than 64 levels"));
    let signs = format!("{}1", "-".repeat(10_000));
    assert!(err(&signs).contains("nests more than"));
    let pows = vec!["2"; 10_000].join("^");
    assert!(err(&pows).contains("nests more than"));
    // A long flat sum is not nesting.
    let long = vec!["1"; 100_000].join(" + ");
    assert_eq!(ev(&long), 100_000.0);
}

#[test]
fn integer_mode() {
    let s = scope();
    let int = |src: &str| Expr::parse(src).and_then(|e| e.eval_int(&s));
    assert_eq!(int("i-1"), Ok(2));
    assert_eq!(int("i+1"), Ok(4));
    assert_eq!(int("i*2"), Ok(6));
    assert_eq!(int("i/2"), Ok(1));
    assert_eq!(int("(i+1)*n"), Ok(72));
    assert!(int("i/0").is_err());
    assert!(int("c_bus").unwrap_err().0.contains("not a whole number"));
    assert!(int("sqrt(i)").is_err());
    assert!(int("9223372036854775807 * 2").is_err());
}

#[test]
fn params_are_collected() {
    let e = Expr::parse("a * sqrt(b) + pi - a").unwrap();
    assert_eq!(e.params(), vec!["a", "b", "a"]);
}

#[test]
fn prefixed_literals_are_correctly_rounded() {
    // 5 × 1e-6 in floating point is 4.9999999999999996e-6; the literal
    // must be the double nearest 5e-6, as if written `5e-6`.
    for (text, exact) in [
        ("5u", 5e-6),
        ("47u", 47e-6),
        ("1.5m", 1.5e-3),
        ("2.2n", 2.2e-9),
        ("3e2u", 3e-4),
        ("4.7k", 4.7e3),
    ] {
        assert_eq!(evaluate(text, &scope()).ok(), Some(exact), "{text}");
    }
}
