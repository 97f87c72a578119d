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

mod eval;
mod lex;

use crate::hash::FastMap;
use eval::{eval, eval_int};
use lex::{lex, Tok};
use std::cell::RefCell;
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

/// Expressions parsed once per distinct text. Elaboration evaluates the
/// same few texts (`"c_tap"`, `{k-1}`) in every instance and `Repeat`
/// iteration, and parsing each again was a fifth of its time on a large
/// hall. Text that does not parse is not kept: it fails the same way
/// each time.
#[derive(Debug, Default)]
pub struct ExprCache {
    parsed: RefCell<FastMap<String, Expr>>,
}

impl ExprCache {
    /// As [`evaluate`].
    pub fn evaluate(&self, src: &str, scope: &dyn Lookup) -> Result<f64, ExprError> {
        self.with(src, |e| e.eval(scope))
    }

    /// As [`Expr::parse`] then [`Expr::eval_int`].
    pub fn evaluate_int(&self, src: &str, scope: &dyn Lookup) -> Result<i64, ExprError> {
        self.with(src, |e| e.eval_int(scope))
    }

    fn with<T>(
        &self,
        src: &str,
        f: impl FnOnce(&Expr) -> Result<T, ExprError>,
    ) -> Result<T, ExprError> {
        let mut parsed = self.parsed.borrow_mut();
        if let Some(e) = parsed.get(src) {
            return f(e);
        }
        let e = Expr::parse(src)?;
        let out = f(&e);
        parsed.insert(src.to_string(), e);
        out
    }
}

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

#[cfg(test)]
mod tests;
