//! Finding places in a scenario's text: ron positions to byte offsets, and
//! a field path (`loads[2].profile.rise`) to the span that wrote it.
//!
//! Owns navigation over the tokens of `crate::ron_tokens`, used only to point
//! semantic errors at their source. It is a best-effort locator for
//! text that already parsed, never a second parser: when it cannot find a
//! path it returns `None` and the error simply has no location. Must not
//! decide what is valid.

use crate::error::SourceLocation;
use crate::ron_tokens::{tokenize, Kind, Token};
use std::path::Path;

/// One step of a path into the file's value tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Seg<'a> {
    /// A struct field or a map key.
    Key(&'a str),
    /// An element of a list or tuple.
    Index(usize),
}

/// A `SourceLocation` for the byte span `[start, end)` of `text`.
pub(crate) fn location(file: &Path, text: &str, start: usize, end: usize) -> SourceLocation {
    let start = floor_char_boundary(text, start);
    let end = floor_char_boundary(text, end.max(start));
    let before = &text[..start];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    SourceLocation {
        file: file.to_path_buf(),
        line: 1 + before.matches('\n').count(),
        column: 1 + before[line_start..].chars().count(),
        span: (start, end),
    }
}

/// Byte offset of a 1-based (line, column-in-chars) position, clamped to
/// the text.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    text[offset..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| offset + i)
}

/// Byte offset just past the character at `offset` (for widening an empty
/// span to something that can be underlined).
pub(crate) fn next_char_end(text: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(text, offset);
    text[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8())
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte span of the entry at `path`: `key: value` for a field, the element
/// for an index.
pub(crate) fn find(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    let tokens = tokenize(text);
    let mut current = skip_attributes(&tokens);
    let mut entry = current;
    for seg in path {
        let inner = body(current)?;
        let (e, value) = match *seg {
            Seg::Key(key) => field(inner, key)?,
            Seg::Index(i) => {
                let element = *split_top(inner).get(i)?;
                (element, element)
            }
        };
        entry = e;
        current = value;
    }
    Some((entry.first()?.span.0, entry.last()?.span.1))
}

/// Skips `#![enable(...)]` attributes before the top-level value.
fn skip_attributes(tokens: &[Token]) -> &[Token] {
    let mut rest = tokens;
    while rest.first().is_some_and(|t| t.kind == Kind::Other) {
        let Some(open) = rest.iter().position(|t| t.kind == Kind::Open) else {
            return rest;
        };
        match matching(rest, open) {
            Some(close) => rest = &rest[close + 1..],
            None => return rest,
        }
    }
    rest
}

/// Index of the bracket closing the one at `open`.
fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The contents of a value written as `Name(...)`, `(...)`, `[...]` or
/// `{...}`. Newtype wrappers (`Some(x)`, `Pwl([...])`, `Grid({...})`) are
/// looked through, so that a path can ignore them.
fn body(tokens: &[Token]) -> Option<&[Token]> {
    let last = tokens.len().checked_sub(1)?;
    let wrapped = tokens.len() >= 2
        && matches!(tokens[0].kind, Kind::Ident(_))
        && tokens[1].kind == Kind::Open;
    if wrapped && matching(tokens, 1) == Some(last) {
        let inner = &tokens[2..last];
        let parts = split_top(inner);
        let newtype = parts.len() == 1
            && !depth_zero(inner).any(|t| t.kind == Kind::Colon)
            && inner
                .first()
                .is_some_and(|t| matches!(t.kind, Kind::Open | Kind::Ident(_)));
        return if newtype {
            body(inner).or(Some(inner))
        } else {
            Some(inner)
        };
    }
    if tokens[0].kind == Kind::Open && matching(tokens, 0) == Some(last) {
        return Some(&tokens[1..last]);
    }
    None
}

/// Tokens at bracket depth 0 of `tokens`.
fn depth_zero(tokens: &[Token]) -> impl Iterator<Item = &Token> {
    let mut depth = 0usize;
    tokens.iter().filter(move |t| {
        let top = depth == 0 && t.kind != Kind::Open && t.kind != Kind::Close;
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        top
    })
}

/// Splits at depth-0 commas; a trailing comma gives no empty element.
fn split_top(tokens: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let (mut depth, mut from) = (0usize, 0usize);
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Comma if depth == 0 => {
                parts.push(&tokens[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    if from < tokens.len() {
        parts.push(&tokens[from..]);
    }
    parts
}

/// `(entry, value)` of the field or map entry named `key` in a struct or
/// map body.
fn field<'t>(tokens: &'t [Token], key: &str) -> Option<(&'t [Token], &'t [Token])> {
    split_top(tokens).into_iter().find_map(|part| {
        let (name, colon) = (part.first()?, part.get(1)?);
        let named = matches!(&name.kind, Kind::Ident(w) | Kind::Str(w) if w == key);
        (named && colon.kind == Kind::Colon && part.len() > 2).then(|| (part, &part[2..]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "#![enable(implicit_some)]\nScenario(\n  name: \"a, (b)\", // c: x\n  loads: [\n    (target: \"x\", profile: Step(from: 0, to: 1, at: 2, rise: -1)),\n    (target: \"y\", profile: Pwl([(0, 1), (0, 2)])),\n  ],\n  /* rise: 3 */ overrides: { \"c.farads\": 1e-3 },\n  sweep: Some(Grid({\"c\": [1, 2]})),\n)";

    fn snippet(path: &[Seg]) -> &'static str {
        let (s, e) = find(TEXT, path).expect("path found");
        &TEXT[s..e]
    }

    #[test]
    fn finds_nested_fields() {
        use Seg::*;
        assert_eq!(snippet(&[Key("name")]), "name: \"a, (b)\"");
        let rise = [Key("loads"), Index(0), Key("profile"), Key("rise")];
        assert_eq!(snippet(&rise), "rise: -1");
        let pwl = [Key("loads"), Index(1), Key("profile"), Index(1)];
        assert_eq!(snippet(&pwl), "(0, 2)");
        assert_eq!(
            snippet(&[Key("overrides"), Key("c.farads")]),
            "\"c.farads\": 1e-3"
        );
        assert_eq!(snippet(&[Key("sweep"), Key("c")]), "\"c\": [1, 2]");
        assert_eq!(find(TEXT, &[Key("loads"), Index(2)]), None);
        let (s, _) = find(TEXT, &rise).expect("path found");
        let loc = location(Path::new("f"), TEXT, s, s + 4);
        assert_eq!((loc.line, loc.column), (5, 56));
    }

    #[test]
    fn tolerates_any_text() {
        use Seg::*;
        let odd = "é\"ç\\\" r#\"x\" b\"/* ({[ 'é";
        for text in [TEXT, odd] {
            for (i, _) in text.char_indices() {
                for path in [
                    &[Key("loads"), Index(1), Key("profile")][..],
                    &[Key("ç")],
                    &[Index(3)],
                ] {
                    let _ = find(&text[i..], path);
                    let _ = find(&text[..i], path);
                }
                let _ = location(Path::new("f"), text, i + 1, i);
            }
        }
    }

    #[test]
    fn positions_round_trip() {
        let text = "ab\nçd ef\n";
        let off = offset_of(text, 2, 3);
        assert_eq!(&text[off..off + 1], " ");
        let loc = location(Path::new("f"), text, off, off);
        assert_eq!((loc.line, loc.column), (2, 3));
        assert_eq!(offset_of(text, 9, 1), text.len());
    }
}
