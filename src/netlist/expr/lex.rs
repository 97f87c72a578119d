//! Lexing of parameter expressions: numbers with SI prefixes (`47u`,
//! `1.5m`, `3M`, `1e-3`), names, operators. Owns the token set only.

use super::ExprError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
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
    // The prefix folds into the decimal exponent before parsing, so that
    // `5u` is the double nearest 5e-6 rather than 5 × 1e-6 rounded twice.
    let (prefix_exponent, len) = si_prefix(&chars[i..]);
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(k) => match text[k + 1..].parse::<i32>() {
            Ok(e) => (&text[..k], e),
            Err(_) => {
                return Err(ExprError(format!(
                    "the exponent of `{text}` is out of range (in `{src}`)"
                )))
            }
        },
        None => (text.as_str(), 0),
    };
    let value: f64 = format!("{mantissa}e{}", exponent.saturating_add(prefix_exponent))
        .parse()
        .map_err(|_| ExprError(format!("`{text}` is not a number (in `{src}`)")))?;
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
        return Err(ExprError(format!(
            "the number `{text}` is too large (in `{src}`)"
        )));
    }
    // Below 2.2e-308 a double loses precision, and below 5e-324 it is 0.
    let nonzero = mantissa.chars().any(|c| matches!(c, '1'..='9'));
    if nonzero && !value.is_normal() {
        return Err(ExprError(format!(
            "the number `{text}` is too small to compute with (in `{src}`)"
        )));
    }
    Ok((value, i))
}

/// The SI prefix at the start of `rest`, as (decimal exponent, characters
/// used). `m` is milli and `M` mega; SPICE's `meg` is accepted for mega too.
fn si_prefix(rest: &[char]) -> (i32, usize) {
    let meg = rest.len() >= 3
        && rest[0].eq_ignore_ascii_case(&'m')
        && rest[1].eq_ignore_ascii_case(&'e')
        && rest[2].eq_ignore_ascii_case(&'g');
    if meg {
        return (6, 3);
    }
    let exponent = match rest.first() {
        Some('f') => -15,
        Some('p') => -12,
        Some('n') => -9,
        Some('u' | 'µ' | 'μ') => -6,
        Some('m') => -3,
        Some('k' | 'K') => 3,
        Some('M') => 6,
        Some('G') => 9,
        Some('T') => 12,
        _ => return (0, 0),
    };
    (exponent, 1)
}
