//! Parameter expressions: `"p_rack / 18"`, `"2 * c_bus"`, `"47u"`,
//! `"sqrt(l / c)"`, and the integer arithmetic inside `{i-1}` name
//! templates.
//!
//! Owns lexing, parsing (recursive descent into a small tree) and
//! evaluation. Knows nothing about scopes or files: names are looked up
//! through [`Lookup`], and errors are plain messages that the elaborator
//! wraps with the component, field and file location.
//!
//! Grammar, loosest binding first:
//! ```text
//! sum     = product (("+" | "-") product)*
//! product = unary (("*" | "/") unary)*
//! unary   = ("-" | "+") unary | power
//! power   = primary (("^" | "**") unary)?      right-associative, -2^2 = -4
//! primary = number | name | name "(" sum ("," sum)* ")" | "(" sum ")"
//! ```

use std::f64::consts::PI;
use std::fmt;

/// Nesting limit for parentheses, signs and powers. Deeper input is
/// rejected with a message rather than risking the stack.
pub const MAX_DEPTH: usize = 64;

/// Names available to an expression.
pub trait Lookup {
    /// The value of parameter `name`, if it is in scope.
    fn value(&self, name: &str) -> Option<f64>;
    /// Every name in scope, for "did you mean" messages.
    fn names(&self) -> Vec<String>;
}

/// An expression that could not be parsed or evaluated; the message says
/// what was expected and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError(pub String);

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExprError {}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Func {
    Sqrt,
    Abs,
    Min,
    Max,
    Exp,
    Ln,
    Log10,
    Sin,
    Cos,
    Tan,
    Floor,
    Ceil,
    Round,
}

const FUNCTIONS: &[(&str, Func)] = &[
    ("sqrt", Func::Sqrt),
    ("abs", Func::Abs),
    ("min", Func::Min),
    ("max", Func::Max),
    ("exp", Func::Exp),
    ("ln", Func::Ln),
    ("log10", Func::Log10),
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("floor", Func::Floor),
    ("ceil", Func::Ceil),
    ("round", Func::Round),
];

/// Names that parameters may not take because expressions give them
/// another meaning.
pub fn is_reserved(name: &str) -> bool {
    name == "pi" || FUNCTIONS.iter().any(|(n, _)| *n == name)
}

/// True for a valid parameter or index name: a letter or `_`, then
/// letters, digits or `_`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A parsed expression. Sums and products are n-ary so that a long
/// `a + b + c + …` stays shallow: tree depth is bounded by [`MAX_DEPTH`].
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    node: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Number(f64),
    Pi,
    /// A parameter and the character where it was written (1-based).
    Param(String, usize),
    Neg(Box<Node>),
    /// First term, then (subtract?, term).
    Sum(Box<Node>, Vec<(bool, Node)>),
    /// First factor, then (divide?, factor, character of the operator).
    Product(Box<Node>, Vec<(bool, Node, usize)>),
    Pow(Box<Node>, Box<Node>),
    Call(Func, Vec<Node>, usize),
}

impl Expr {
    /// Parses `src`; the error names the character where something else was expected.
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        let tokens = lex(src)?;
        let mut p = Parser {
            src,
            tokens,
            pos: 0,
            depth: 0,
        };
        let node = p.sum()?;
        match p.peek() {
            Tok::End => Ok(Expr { node }),
            Tok::RParen => Err(p.error_here("an operator or the end (unbalanced `)`)")),
            _ => Err(p.error_here("an operator (+ - * / ^) or the end of the expression")),
        }
    }

    /// Parameter names the expression refers to, in order of appearance.
    pub fn params(&self) -> Vec<&str> {
        let mut out = Vec::new();
        collect_params(&self.node, &mut out);
        out
    }

    /// Evaluates in floating point; every intermediate result must be finite.
    pub fn eval(&self, scope: &dyn Lookup) -> Result<f64, ExprError> {
        eval(&self.node, scope)
    }

    /// Evaluates in integer arithmetic (`{i-1}`, `{2*i}`): literals and
    /// parameters must be whole numbers, `/` truncates towards zero.
    pub fn eval_int(&self, scope: &dyn Lookup) -> Result<i64, ExprError> {
        eval_int(&self.node, scope)
    }
}

/// Parses and evaluates in one go.
pub fn evaluate(src: &str, scope: &dyn Lookup) -> Result<f64, ExprError> {
    Expr::parse(src)?.eval(scope)
}

// ---------------------------------------------------------------- lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    End,
}

/// Lexes into (token, 1-based character position).
fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        let simple = match c {
            '+' => Some(Tok::Plus),
            '-' | '−' => Some(Tok::Minus),
            '/' => Some(Tok::Slash),
            '^' => Some(Tok::Caret),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
        } else if c == '*' {
            if chars.get(i + 1) == Some(&'*') {
                out.push((Tok::Caret, at));
                i += 2;
            } else {
                out.push((Tok::Star, at));
                i += 1;
            }
        } else if let Some(t) = simple {
            out.push((t, at));
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let (value, next) = lex_number(src, &chars, i)?;
            out.push((Tok::Num(value), at));
            i = next;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), at));
        } else {
            return Err(ExprError(format!(
                "unexpected character `{c}` at character {at} of `{src}`"
            )));
        }
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

/// Lexes a number with an optional exponent and SI prefix starting at
/// `start`; returns its value and the index after it.
fn lex_number(src: &str, chars: &[char], start: usize) -> Result<(f64, usize), ExprError> {
    let mut i = start;
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > from
    };
    let mut any = digits(&mut i);
    if chars.get(i) == Some(&'.') {
        i += 1;
        any |= digits(&mut i);
    }
    if !any {
        return Err(ExprError(format!(
            "expected digits at character {} of `{src}`",
            start + 1
        )));
    }
    // An exponent only if digits follow: `1e-3`, `2E6`.
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
            i = j;
            digits(&mut i);
        }
    }
    let text: String = chars[start..i].iter().collect();
    let mut value: f64 = text
        .parse()
        .map_err(|_| ExprError(format!("`{text}` is not a number (in `{src}`)")))?;
    let (scale, len) = si_prefix(&chars[i..]);
    value *= scale;
    i += len;
    if let Some(&c) = chars.get(i) {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            return Err(ExprError(format!(
                "unexpected `{c}` after the number `{}` at character {} of `{src}`; \
                 a number may end with one SI prefix (f p n u µ m k M G T, `meg` for mega) \
                 and units are not written",
                chars[start..i].iter().collect::<String>(),
                i + 1
            )));
        }
    }
    if !value.is_finite() {
        return Err(ExprError(format!("the number `{text}` is too large (in `{src}`)")));
    }
    Ok((value, i))
}

/// The SI prefix at the start of `rest`, as (scale, characters used).
/// `m` is milli and `M` mega; SPICE's `meg` is accepted for mega too.
fn si_prefix(rest: &[char]) -> (f64, usize) {
    let meg = rest.len() >= 3
        && rest[0].eq_ignore_ascii_case(&'m')
        && rest[1].eq_ignore_ascii_case(&'e')
        && rest[2].eq_ignore_ascii_case(&'g');
    if meg {
        return (1e6, 3);
    }
    let scale = match rest.first() {
        Some('f') => 1e-15,
        Some('p') => 1e-12,
        Some('n') => 1e-9,
        Some('u' | 'µ' | 'μ') => 1e-6,
        Some('m') => 1e-3,
        Some('k' | 'K') => 1e3,
        Some('M') => 1e6,
        Some('G') => 1e9,
        Some('T') => 1e12,
        _ => return (1.0, 0),
    };
    (scale, 1)
}

// ---------------------------------------------------------------- parsing

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).map_or(&Tok::End, |t| &t.0)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(1, |t| t.1)
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    fn error_here(&self, expected: &str) -> ExprError {
        if matches!(self.peek(), Tok::End) {
            ExprError(format!("expected {expected} at the end of `{}`", self.src))
        } else {
            ExprError(format!(
                "expected {expected} at character {} of `{}`",
                self.at(),
                self.src
            ))
        }
    }

    fn sum(&mut self) -> Result<Node, ExprError> {
        let first = self.product()?;
        let mut rest = Vec::new();
        loop {
            let minus = match self.peek() {
                Tok::Plus => false,
                Tok::Minus => true,
                _ => break,
            };
            self.bump();
            rest.push((minus, self.product()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Sum(Box::new(first), rest)
        })
    }

    fn product(&mut self) -> Result<Node, ExprError> {
        let first = self.unary()?;
        let mut rest = Vec::new();
        loop {
            let divide = match self.peek() {
                Tok::Star => false,
                Tok::Slash => true,
                _ => break,
            };
            let at = self.at();
            self.bump();
            rest.push((divide, self.unary()?, at));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Product(Box::new(first), rest)
        })
    }

    /// Every recursive path passes through here, so this is where nesting is counted.
    fn unary(&mut self) -> Result<Node, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError(format!(
                "`{}` nests more than {MAX_DEPTH} levels of parentheses, signs or powers",
                self.src
            )));
        }
        let node = match self.peek() {
            Tok::Minus => {
                self.bump();
                Node::Neg(Box::new(self.unary()?))
            }
            Tok::Plus => {
                self.bump();
                self.unary()?
            }
            _ => self.power()?,
        };
        self.depth -= 1;
        Ok(node)
    }

    fn power(&mut self) -> Result<Node, ExprError> {
        let base = self.primary()?;
        if matches!(self.peek(), Tok::Caret) {
            self.bump();
            let exponent = self.unary()?;
            return Ok(Node::Pow(Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let at = self.at();
        match self.peek().clone() {
            Tok::Num(v) => {
                self.bump();
                Ok(Node::Number(v))
            }
            Tok::LParen => {
                self.bump();
                let inner = self.sum()?;
                if !matches!(self.peek(), Tok::RParen) {
                    return Err(self.error_here("`)`"));
                }
                self.bump();
                Ok(inner)
            }
            Tok::Ident(name) => {
                self.bump();
                if matches!(self.peek(), Tok::LParen) {
                    return self.call(&name, at);
                }
                if name == "pi" {
                    Ok(Node::Pi)
                } else {
                    Ok(Node::Param(name, at))
                }
            }
            _ => Err(self.error_here("a number or parameter name")),
        }
    }

    fn call(&mut self, name: &str, at: usize) -> Result<Node, ExprError> {
        let Some(&(_, func)) = FUNCTIONS.iter().find(|(n, _)| *n == name) else {
            let known: Vec<&str> = FUNCTIONS.iter().map(|(n, _)| *n).collect();
            return Err(ExprError(format!(
                "unknown function `{name}` at character {at} of `{}`; functions are {}",
                self.src,
                known.join(", ")
            )));
        };
        self.bump(); // `(`
        let mut args = vec![self.sum()?];
        while matches!(self.peek(), Tok::Comma) {
            self.bump();
            args.push(self.sum()?);
        }
        if !matches!(self.peek(), Tok::RParen) {
            return Err(self.error_here("`,` or `)`"));
        }
        self.bump();
        let variadic = matches!(func, Func::Min | Func::Max);
        if !variadic && args.len() != 1 {
            return Err(ExprError(format!(
                "`{name}` takes one argument, got {} (at character {at} of `{}`)",
                args.len(),
                self.src
            )));
        }
        Ok(Node::Call(func, args, at))
    }
}

fn collect_params<'a>(node: &'a Node, out: &mut Vec<&'a str>) {
    match node {
        Node::Number(_) | Node::Pi => {}
        Node::Param(name, _) => out.push(name),
        Node::Neg(a) => collect_params(a, out),
        Node::Sum(first, rest) => {
            collect_params(first, out);
            rest.iter().for_each(|(_, n)| collect_params(n, out));
        }
        Node::Product(first, rest) => {
            collect_params(first, out);
            rest.iter().for_each(|(_, n, _)| collect_params(n, out));
        }
        Node::Pow(a, b) => {
            collect_params(a, out);
            collect_params(b, out);
        }
        Node::Call(_, args, _) => args.iter().for_each(|n| collect_params(n, out)),
    }
}

// ---------------------------------------------------------------- evaluation

fn lookup(name: &str, at: usize, scope: &dyn Lookup) -> Result<f64, ExprError> {
    scope.value(name).ok_or_else(|| unknown_name(name, at, scope))
}

fn unknown_name(name: &str, at: usize, scope: &dyn Lookup) -> ExprError {
    let names = scope.names();
    let listed = if names.is_empty() {
        "no parameters are defined here".to_string()
    } else {
        format!("parameters in scope: {}", nearest_first(name, &names, 12))
    };
    ExprError(format!("unknown parameter `{name}` at character {at}; {listed}"))
}

/// `candidates` joined with commas, closest to `name` first, at most `limit` shown.
pub fn nearest_first(name: &str, candidates: &[String], limit: usize) -> String {
    let mut ranked: Vec<(usize, &String)> = candidates.iter().map(|c| (edit_distance(name, c), c)).collect();
    ranked.sort();
    ranked.dedup_by(|a, b| a.1 == b.1);
    let shown: Vec<&str> = ranked.iter().take(limit).map(|(_, c)| c.as_str()).collect();
    let mut out = shown.join(", ");
    if ranked.len() > limit {
        out.push_str(&format!(" and {} more", ranked.len() - limit));
    }
    out
}

/// Levenshtein distance, for ranking suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn finite(v: f64, what: impl FnOnce() -> String) -> Result<f64, ExprError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ExprError(format!("{} is not a finite number", what())))
    }
}

fn eval(node: &Node, scope: &dyn Lookup) -> Result<f64, ExprError> {
    match node {
        Node::Number(v) => Ok(*v),
        Node::Pi => Ok(PI),
        Node::Param(name, at) => lookup(name, *at, scope),
        Node::Neg(a) => Ok(-eval(a, scope)?),
        Node::Sum(first, rest) => {
            let mut acc = eval(first, scope)?;
            for (minus, n) in rest {
                let v = eval(n, scope)?;
                acc = if *minus { acc - v } else { acc + v };
            }
            finite(acc, || "the sum".to_string())
        }
        Node::Product(first, rest) => {
            let mut acc = eval(first, scope)?;
            for (divide, n, at) in rest {
                let v = eval(n, scope)?;
                if *divide {
                    if v == 0.0 {
                        return Err(ExprError(format!("division by zero at character {at}")));
                    }
                    acc /= v;
                } else {
                    acc *= v;
                }
            }
            finite(acc, || "the product".to_string())
        }
        Node::Pow(a, b) => {
            let (x, y) = (eval(a, scope)?, eval(b, scope)?);
            finite(x.powf(y), || format!("{x} ^ {y}"))
        }
        Node::Call(func, args, _) => {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                values.push(eval(a, scope)?);
            }
            call(*func, &values)
        }
    }
}

fn call(func: Func, values: &[f64]) -> Result<f64, ExprError> {
    let x = values.first().copied().unwrap_or(f64::NAN);
    let (name, y) = match func {
        Func::Sqrt => ("sqrt", x.sqrt()),
        Func::Abs => ("abs", x.abs()),
        Func::Min => ("min", values.iter().copied().fold(f64::INFINITY, f64::min)),
        Func::Max => ("max", values.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        Func::Exp => ("exp", x.exp()),
        Func::Ln => ("ln", x.ln()),
        Func::Log10 => ("log10", x.log10()),
        Func::Sin => ("sin", x.sin()),
        Func::Cos => ("cos", x.cos()),
        Func::Tan => ("tan", x.tan()),
        Func::Floor => ("floor", x.floor()),
        Func::Ceil => ("ceil", x.ceil()),
        Func::Round => ("round", x.round()),
    };
    finite(y, || {
        let args: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        format!("{name}({})", args.join(", "))
    })
}

fn whole(v: f64, what: &str) -> Result<i64, ExprError> {
    // 2^53: beyond it f64 no longer holds every integer exactly.
    const LIMIT: f64 = 9_007_199_254_740_992.0;
    if v.fract() == 0.0 && v.abs() <= LIMIT {
        Ok(v as i64)
    } else {
        Err(ExprError(format!("{what} is {v}, not a whole number")))
    }
}

fn overflow() -> ExprError {
    ExprError("integer overflow".to_string())
}

fn eval_int(node: &Node, scope: &dyn Lookup) -> Result<i64, ExprError> {
    match node {
        Node::Number(v) => whole(*v, "a number"),
        Node::Param(name, at) => whole(lookup(name, *at, scope)?, &format!("`{name}`")),
        Node::Neg(a) => eval_int(a, scope)?.checked_neg().ok_or_else(overflow),
        Node::Sum(first, rest) => {
            let mut acc = eval_int(first, scope)?;
            for (minus, n) in rest {
                let v = eval_int(n, scope)?;
                let r = if *minus { acc.checked_sub(v) } else { acc.checked_add(v) };
                acc = r.ok_or_else(overflow)?;
            }
            Ok(acc)
        }
        Node::Product(first, rest) => {
            let mut acc = eval_int(first, scope)?;
            for (divide, n, at) in rest {
                let v = eval_int(n, scope)?;
                acc = if *divide {
                    if v == 0 {
                        return Err(ExprError(format!("division by zero at character {at}")));
                    }
                    acc.checked_div(v)
                } else {
                    acc.checked_mul(v)
                }
                .ok_or_else(overflow)?;
            }
            Ok(acc)
        }
        Node::Pow(a, b) => {
            let (x, y) = (eval_int(a, scope)?, eval_int(b, scope)?);
            let y = u32::try_from(y).map_err(|_| ExprError(format!("negative exponent {y} in integer arithmetic")))?;
            x.checked_pow(y).ok_or_else(overflow)
        }
        Node::Pi | Node::Call(..) => Err(ExprError(
            "only whole numbers, names and + - * / ^ are allowed in `{…}`".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests;
