//! The tokenizer behind `locate`: splits RON text into identifiers,
//! strings, brackets and separators, skipping whitespace and comments.
//!
//! Owns only lexing, tolerant of anything (it never fails and never
//! panics). Must not interpret the token stream; navigation lives in
//! `locate`.

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Ident,
    Str,
    Open,
    Close,
    Colon,
    Comma,
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

pub(super) fn tokenize(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let kind = match b[i] {
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i);
                continue;
            }
            b'"' => {
                i = skip_quoted(b, i, b'"');
                Kind::Str
            }
            b'\'' => {
                i = skip_quoted(b, i, b'\'');
                Kind::Other
            }
            b'r' | b'b' if starts_raw_string(b, i) => {
                i = skip_raw_string(b, i);
                Kind::Str
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Kind::Open
            }
            b')' | b']' | b'}' => {
                i += 1;
                Kind::Close
            }
            b':' => {
                i += 1;
                Kind::Colon
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Ident
            }
            _ => {
                i += 1;
                while i < b.len() && !is_delimiter(b[i]) {
                    i += 1;
                }
                Kind::Other
            }
        };
        out.push(Tok {
            kind,
            start,
            end: i,
        });
    }
    out
}

fn is_delimiter(c: u8) -> bool {
    c.is_ascii_whitespace() || b"()[]{}:,\"'/".contains(&c)
}

fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// End (exclusive) of a quoted literal starting at `i`, honouring escapes.
fn skip_quoted(b: &[u8], mut i: usize, quote: u8) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn starts_raw_string(b: &[u8], i: usize) -> bool {
    let mut j = i + 1;
    if b[i] == b'b' {
        if b.get(j) == Some(&b'"') {
            return true;
        }
        if b.get(j) != Some(&b'r') {
            return false;
        }
        j += 1;
    }
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    b.get(j) == Some(&b'"')
}

fn skip_raw_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b'b' || b[i] == b'r') {
        i += 1;
    }
    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
    if hashes == 0 && i > 0 && b[i - 1] == b'b' {
        return skip_quoted(b, i, b'"');
    }
    i += hashes + 1;
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}
