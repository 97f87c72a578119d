//! A forgiving RON tokenizer: just enough (strings with escapes, raw
//! strings, nested comments, brackets with their depth, identifiers) to
//! find names and fields again in text that already parsed. Never fails:
//! anything unusual becomes `Other`.
//!
//! Owns only lexing; shared by the netlist and scenario locators, which
//! point errors at their source. Must not interpret the token stream, nor
//! import anything from the rest of the crate.

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Open,
    Close,
    Colon,
    Comma,
    Ident(String),
    Str(String),
    Other,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: Kind,
    pub span: (usize, usize),
    /// Bracket nesting level the token sits at (brackets themselves count
    /// at the outer level).
    pub depth: usize,
}

/// The text without its UTF-8 byte-order mark, if it starts with one:
/// editors on some systems write one, and it is not RON. Every RON reader
/// strips it before parsing, so that positions count from the first
/// visible character.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The first control character of a display name, if any: names reach
/// terminals verbatim, where an escape sequence could rewrite the screen.
pub(crate) fn control_char(name: &str) -> Option<char> {
    name.chars().find(|c| c.is_control())
}

/// The byte span of the first string literal that reads as `value`, for
/// pointing at a value that parsed but is not allowed.
pub(crate) fn string_span(text: &str, value: &str) -> Option<(usize, usize)> {
    tokenize(text)
        .into_iter()
        .find(|t| matches!(&t.kind, Kind::Str(s) if s == value))
        .map(|t| t.span)
}

/// Splits RON text into the tokens the locator needs. Never fails:
/// anything unusual becomes `Other`.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| bytes.get(i).map(|&(_, c)| c);
    let pos = |i: usize| bytes.get(i).map_or(text.len(), |&(p, _)| p);
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = i;
        let kind = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '/' if at(i + 1) == Some('/') => {
                while at(i).is_some_and(|c| c != '\n') {
                    i += 1;
                }
                continue;
            }
            '/' if at(i + 1) == Some('*') => {
                // Block comments nest in RON.
                let mut level = 0usize;
                while let Some(c) = at(i) {
                    if c == '/' && at(i + 1) == Some('*') {
                        level += 1;
                        i += 2;
                    } else if c == '*' && at(i + 1) == Some('/') {
                        level -= 1;
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            '"' => {
                let (value, next) = string(&bytes, i + 1);
                i = next;
                Kind::Str(value)
            }
            'r' if raw_string_hashes(&bytes, i + 1).is_some() => {
                let mut hashes = 0;
                i += 1;
                while at(i) == Some('#') {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // opening quote
                let content = i;
                loop {
                    match at(i) {
                        None => break,
                        Some('"') if (1..=hashes).all(|k| at(i + k) == Some('#')) => break,
                        _ => i += 1,
                    }
                }
                let value = text[pos(content)..pos(i)].to_string();
                i = (i + 1 + hashes).min(bytes.len());
                Kind::Str(value)
            }
            '\'' => {
                i += 1;
                while let Some(c) = at(i) {
                    i += if c == '\\' { 2 } else { 1 };
                    if c == '\'' {
                        break;
                    }
                }
                Kind::Other
            }
            '(' | '[' | '{' => {
                i += 1;
                Kind::Open
            }
            ')' | ']' | '}' => {
                i += 1;
                depth = depth.saturating_sub(1);
                Kind::Close
            }
            ':' => {
                i += 1;
                Kind::Colon
            }
            ',' => {
                i += 1;
                Kind::Comma
            }
            _ if c.is_ascii_digit() => {
                // A number, including an exponent sign: `1e-3`.
                while let Some(c) = at(i) {
                    let sign =
                        matches!(c, '+' | '-') && matches!(at(i.wrapping_sub(1)), Some('e' | 'E'));
                    if !(c.is_alphanumeric() || c == '_' || c == '.' || sign) {
                        break;
                    }
                    i += 1;
                }
                Kind::Other
            }
            _ if c.is_alphabetic() || c == '_' => {
                while at(i).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    i += 1;
                }
                Kind::Ident(text[pos(start)..pos(i)].to_string())
            }
            _ => {
                i += 1;
                Kind::Other
            }
        };
        tokens.push(Token {
            span: (pos(start), pos(i.min(bytes.len()))),
            depth,
            kind: kind.clone(),
        });
        if kind == Kind::Open {
            depth += 1;
        }
    }
    tokens
}

/// For `r##"`, the number of `#` if a raw string starts at `i` (just after the `r`).
fn raw_string_hashes(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let hashes = chars[i.min(chars.len())..]
        .iter()
        .take_while(|p| p.1 == '#')
        .count();
    (chars.get(i + hashes).map(|p| p.1) == Some('"')).then_some(hashes)
}

/// Reads a string body from `i` (after the opening quote), decoding the
/// common escapes; returns the value and the index after the closing quote.
fn string(chars: &[(usize, char)], mut i: usize) -> (String, usize) {
    let mut value = String::new();
    while let Some(&(_, c)) = chars.get(i) {
        i += 1;
        match c {
            '"' => return (value, i),
            '\\' => {
                let Some(&(_, e)) = chars.get(i) else { break };
                i += 1;
                match e {
                    'n' => value.push('\n'),
                    't' => value.push('\t'),
                    'r' => value.push('\r'),
                    '0' => value.push('\0'),
                    'u' if chars.get(i).map(|p| p.1) == Some('{') => {
                        let hex: String = chars[i + 1..]
                            .iter()
                            .map(|p| p.1)
                            .take_while(|c| *c != '}')
                            .collect();
                        i += hex.chars().count() + 2;
                        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            value.push(c);
                        }
                    }
                    other => value.push(other),
                }
            }
            c => value.push(c),
        }
    }
    (value, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_comments_and_strings() {
        let t = tokenize("A( // name: \"x\"\n /* a /* b */ c */ name: \"q\\\"(\", r#\"raw\"#)");
        let kinds: Vec<Kind> = t.into_iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Ident("A".into()),
                Kind::Open,
                Kind::Ident("name".into()),
                Kind::Colon,
                Kind::Str("q\"(".into()),
                Kind::Comma,
                Kind::Str("raw".into()),
                Kind::Close,
            ]
        );
    }
}
