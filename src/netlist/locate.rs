//! Source locations for elaboration errors: where in the file a written
//! component, field or parameter is, so that an error about `tray7.c50`
//! can underline the `name: "c50"` of the subcircuit template.
//!
//! serde does not give spans, so this file re-reads the text with a small
//! RON tokenizer (`tokens`: strings, comments, brackets, identifiers) and walks the
//! parsed [`Circuit`] alongside it. It owns only that mapping and the
//! byte-offset ↔ line/column conversion; it never changes the circuit and
//! never fails: a place it cannot find is simply left without a location.

use super::schema::Circuit;
use super::structure::{Item, Library};
use crate::error::SourceLocation;
use crate::ron_tokens::{tokenize, Kind, Token};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Anchor tokens of one written component list by the index path
/// through its `Repeat`s.
type Anchors = BTreeMap<Vec<usize>, usize>;

/// Finds written components, fields and parameters in the file text.
#[derive(Debug)]
pub struct Locator {
    file: PathBuf,
    text: String,
    tokens: Vec<Token>,
    /// Token index of each written component's name string (or of the
    /// `Repeat` keyword): in the top-level list, and in each subcircuit's.
    /// Looked up once per elaborated item, by borrowed keys.
    top_anchors: Anchors,
    sub_anchors: BTreeMap<String, Anchors>,
    /// Token index of the top-level group and of each subcircuit's group.
    groups: BTreeMap<Option<String>, usize>,
}

impl Locator {
    pub fn new<P: Library>(file: &Path, text: &str, circuit: &Circuit<P>) -> Locator {
        let mut loc = Locator {
            file: file.to_path_buf(),
            text: text.to_string(),
            tokens: tokenize(text),
            top_anchors: BTreeMap::new(),
            sub_anchors: BTreeMap::new(),
            groups: BTreeMap::new(),
        };
        let top = loc
            .tokens
            .iter()
            .position(|t| t.kind == Kind::Open && t.depth == 0);
        if let Some(top) = top {
            loc.groups.insert(None, top);
            if let Some(start) = loc.field(top, "components") {
                let mut cursor = start;
                let mut path = Vec::new();
                loc.walk(&None, &circuit.components, &mut path, &mut cursor);
            }
            if let Some(subs) = loc.field(top, "subcircuits") {
                for (name, sub) in &circuit.subcircuits {
                    let Some(group) = loc.key(subs, name).and_then(|v| loc.next_open(v)) else {
                        continue;
                    };
                    let scope = Some(name.clone());
                    loc.groups.insert(scope.clone(), group);
                    if let Some(start) = loc.field(group, "components") {
                        let mut cursor = start;
                        let mut path = Vec::new();
                        loc.walk(&scope, &sub.components, &mut path, &mut cursor);
                    }
                }
            }
        }
        loc
    }

    /// The whole file text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Records each named item of `list` by searching forward from `cursor`
    /// in the order the items were written.
    fn walk<P: Library>(
        &mut self,
        scope: &Option<String>,
        list: &[Item<P>],
        path: &mut Vec<usize>,
        cursor: &mut usize,
    ) {
        for (i, item) in list.iter().enumerate() {
            path.push(i);
            let found = match item {
                Item::Repeat(_) => self.find_keyword(*cursor, "Repeat"),
                Item::Instance(inst) => self.find_name(*cursor, &inst.name),
                Item::Primitive(p) => self.find_name(*cursor, p.name()),
            };
            if let Some(at) = found {
                let anchors = match scope {
                    None => &mut self.top_anchors,
                    Some(sub) => self.sub_anchors.entry(sub.clone()).or_default(),
                };
                anchors.insert(path.clone(), at);
                *cursor = at + 1;
            }
            if let Item::Repeat(r) = item {
                self.walk(scope, &r.components, path, cursor);
            }
            path.pop();
        }
    }

    fn find_name(&self, from: usize, name: &str) -> Option<usize> {
        (from..self.tokens.len().saturating_sub(2)).find_map(|i| {
            let t = &self.tokens[i..i + 3];
            let hit = t[0].kind == Kind::Ident("name".into())
                && t[1].kind == Kind::Colon
                && matches!(&t[2].kind, Kind::Str(s) if s == name);
            hit.then_some(i + 2)
        })
    }

    fn find_keyword(&self, from: usize, word: &str) -> Option<usize> {
        (from..self.tokens.len().saturating_sub(1)).find(|&i| {
            matches!(&self.tokens[i].kind, Kind::Ident(w) if w == word)
                && self.tokens[i + 1].kind == Kind::Open
        })
    }

    /// Index of the closing bracket that matches the opening one at `open`.
    fn close_of(&self, open: usize) -> usize {
        let depth = self.tokens[open].depth;
        (open + 1..self.tokens.len())
            .find(|&i| self.tokens[i].kind == Kind::Close && self.tokens[i].depth == depth)
            .unwrap_or(self.tokens.len())
    }

    /// The first token of the value of `field: value` directly inside the
    /// group opened at `open`.
    fn field(&self, open: usize, field: &str) -> Option<usize> {
        self.entry(open, |k| matches!(k, Kind::Ident(w) if w == field))
    }

    /// The first token of the value of `"key": value` directly inside the
    /// map opened at `open`.
    fn key(&self, open: usize, key: &str) -> Option<usize> {
        let open = self.next_open(open)?;
        self.entry(open, |k| matches!(k, Kind::Str(w) if w == key))
    }

    fn entry(&self, open: usize, is_key: impl Fn(&Kind) -> bool) -> Option<usize> {
        let inner = self.tokens.get(open)?.depth + 1;
        let end = self.close_of(open);
        (open + 1..end.saturating_sub(1)).find_map(|i| {
            let t = &self.tokens[i];
            let hit = t.depth == inner
                && is_key(&t.kind)
                && self.tokens[i + 1].kind == Kind::Colon
                && i + 2 < self.tokens.len();
            hit.then_some(i + 2)
        })
    }

    /// The first opening bracket at or after `from` (skipping a struct name).
    fn next_open(&self, from: usize) -> Option<usize> {
        (from..self.tokens.len().min(from + 3)).find(|&i| self.tokens[i].kind == Kind::Open)
    }

    /// The opening bracket of the group that contains token `at`.
    fn enclosing(&self, at: usize) -> Option<usize> {
        let depth = self.tokens.get(at)?.depth.checked_sub(1)?;
        (0..at)
            .rev()
            .find(|&i| self.tokens[i].kind == Kind::Open && self.tokens[i].depth == depth)
    }

    /// The group holding a written component's fields: the one around its
    /// name, or the one after the `Repeat` keyword.
    fn group_of(&self, anchor: usize) -> Option<usize> {
        match self.tokens.get(anchor)?.kind {
            Kind::Ident(_) => self.next_open(anchor),
            _ => self.enclosing(anchor),
        }
    }

    /// Byte span of the value starting at token `first`, up to the `,` or
    /// closing bracket that ends it.
    fn value_span(&self, first: usize) -> (usize, usize) {
        let depth = self.tokens[first].depth;
        let mut last = first;
        for (i, t) in self.tokens.iter().enumerate().skip(first) {
            // A closing bracket at the value's own level closes the value's
            // group (`ConstantPower(..)`); the enclosing group closes one
            // level further out.
            if t.depth < depth || (t.depth == depth && t.kind == Kind::Comma) {
                break;
            }
            last = i;
        }
        (self.tokens[first].span.0, self.tokens[last].span.1)
    }

    /// The anchor token of a written component: in the top-level list
    /// (`sub` `None`) or a subcircuit's, at the index path through its
    /// `Repeat`s.
    pub fn anchor(&self, sub: Option<&str>, path: &[usize]) -> Option<usize> {
        let anchors = match sub {
            None => &self.top_anchors,
            Some(sub) => self.sub_anchors.get(sub)?,
        };
        anchors.get(path).copied()
    }

    /// Location of a written component's name (or `Repeat` keyword).
    pub fn component(&self, anchor: Option<usize>) -> Option<SourceLocation> {
        let t = self.tokens.get(anchor?)?;
        Some(self.location(t.span))
    }

    /// Location of a component's field value (`farads: "c_bus"`), following
    /// dotted fields into nested groups (`model.min_volts`); the component's
    /// name if the field is not written (a default).
    pub fn field_of(&self, anchor: Option<usize>, field: &str) -> Option<SourceLocation> {
        let found = anchor.and_then(|a| {
            let mut group = self.group_of(a)?;
            let mut value = None;
            for part in field.split('.') {
                if let Some(v) = value {
                    group = self.next_open(v)?;
                }
                value = Some(self.field(group, part)?);
            }
            value
        });
        match found {
            Some(v) => Some(self.location(self.value_span(v))),
            None => self.component(anchor),
        }
    }

    /// Location of parameter `name` in the `params` map of the top level
    /// (`None`) or of a subcircuit.
    pub fn param(&self, scope: &Option<String>, name: &str) -> Option<SourceLocation> {
        let group = *self.groups.get(scope)?;
        self.param_in(group, name)
    }

    /// Location of parameter `name` in the `params` of an `Instance`.
    pub fn instance_param(&self, anchor: Option<usize>, name: &str) -> Option<SourceLocation> {
        let group = self.enclosing(anchor?)?;
        self.param_in(group, name)
            .or_else(|| self.component(anchor))
    }

    /// Location of port `name` in the `ports` of an `Instance`.
    pub fn instance_port(&self, anchor: Option<usize>, name: &str) -> Option<SourceLocation> {
        let found = anchor.and_then(|a| {
            let ports = self.field(self.enclosing(a)?, "ports")?;
            self.key(ports, name)
        });
        match found {
            Some(v) => Some(self.location(self.value_span(v - 2))),
            None => self.component(anchor),
        }
    }

    fn param_in(&self, group: usize, name: &str) -> Option<SourceLocation> {
        let params = self.field(group, "params")?;
        let value = self.key(params, name)?;
        // Underline the key and its value.
        let (_, end) = self.value_span(value);
        Some(self.location((self.tokens[value - 2].span.0, end)))
    }

    /// Location of bus `pattern` in the `buses` map of the top level or a subcircuit.
    pub fn bus(&self, scope: &Option<String>, pattern: &str) -> Option<SourceLocation> {
        let group = *self.groups.get(scope)?;
        let buses = self.field(group, "buses")?;
        let value = self.key(buses, pattern)?;
        Some(self.location(self.tokens[value - 2].span))
    }

    /// Location of `pattern` in the list of subsystem `name` (top level),
    /// or of the subsystem's name if the pattern is not found.
    pub fn subsystem_pattern(&self, name: &str, pattern: &str) -> Option<SourceLocation> {
        let top = *self.groups.get(&None)?;
        let subsystems = self.field(top, "subsystems")?;
        let list = self.key(subsystems, name)?;
        let open = self.next_open(list)?;
        let found = (open + 1..self.close_of(open))
            .find(|&i| matches!(&self.tokens[i].kind, Kind::Str(s) if s == pattern));
        let at = found.unwrap_or(list - 2);
        Some(self.location(self.tokens[at].span))
    }

    fn location(&self, span: (usize, usize)) -> SourceLocation {
        location_at(&self.text, &self.file, span)
    }
}

/// A location from a byte span, with the line and column (in characters)
/// of its start.
pub fn location_at(text: &str, file: &Path, span: (usize, usize)) -> SourceLocation {
    let start = floor_char_boundary(text, span.0.min(text.len()));
    let end = floor_char_boundary(text, span.1.clamp(start, text.len()));
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    SourceLocation {
        file: file.to_path_buf(),
        line,
        column,
        span: (start, end),
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset of a 1-based (line, column-in-characters) position, clamped
/// to the text.
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[offset..line_end]
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line_end, |(i, _)| offset + i)
}

/// Byte span of a ron error position. A point is widened to the token
/// that starts there so that the underline is visible.
pub fn syntax_span(text: &str, span: &ron::error::Span) -> (usize, usize) {
    let start = offset_of(text, span.start.line, span.start.col);
    let end = offset_of(text, span.end.line, span.end.col).max(start);
    if end > start {
        return (start, end);
    }
    let rest = &text[start..];
    let mut chars = rest.char_indices();
    let len = match chars.next() {
        None => 0,
        Some((_, '"')) => chars
            .find(|&(_, c)| c == '"')
            .map_or(rest.len(), |(i, _)| i + 1),
        Some((_, c)) if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' => rest
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+'))
            .map_or(rest.len(), |(i, _)| i),
        Some((_, '\n')) => 0,
        Some((_, c)) => c.len_utf8(),
    };
    (start, start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let text = "ab\ncdé f\n";
        let loc = location_at(text, Path::new("c.ron"), (8, 9));
        assert_eq!((loc.line, loc.column), (2, 5));
        assert_eq!(offset_of(text, 2, 5), 8);
        assert_eq!(offset_of(text, 9, 1), text.len());
    }
}
