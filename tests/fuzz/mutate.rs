//! Token-level mutations of input text: the corpus (bundled circuits,
//! scenarios, traces, summaries) is cut into tokens, and each case applies
//! a few edits a hostile or careless user might make: flip a digit, write
//! an extreme literal, swap two names, delete or duplicate a token,
//! truncate, insert stray bytes.

use super::rng::Rng;

/// Literals at and beyond the edges of what a double and the parsers
/// accept, and counts large enough to exhaust memory if trusted.
pub const EXTREMES: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "1e300",
    "-1e300",
    "1e308",
    "1.8e308",
    "1e400",
    "5e-324",
    "1e-310",
    "2.2e-308",
    "1e-300",
    "inf",
    "-inf",
    "NaN",
    "nan",
    "1e99999999999",
    "5e-99999999999",
    "100000",
    "1000000",
    "100000000",
    "4294967296",
    "18446744073709551616",
    "-1",
    "0.5",
    "1e-20",
    "1e20",
    "9007199254740993",
    "1_000",
    "0x10",
    "1e",
    "1e+",
    ".",
    "-",
    "1..2",
    "\"1e300\"",
    "\"inf\"",
    "\"1/0\"",
    "\"0/0\"",
    "\"-1e-320\"",
    "\"1e2k\"",
    "\"5e99999999999k\"",
];

/// Strings that stress names and expressions.
pub const STRINGS: &[&str] = &[
    "",
    " ",
    "*",
    "gnd",
    "a.b.c",
    "x\u{1b}[31m",
    "\u{feff}",
    "é",
    "1/0",
    "p_rack * 1e300",
    "sqrt(-1)",
    "((((((((((1))))))))))",
    "a b",
    "..",
    "tray*.gpu",
    "i(",
    "p()",
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Space,
    Number,
    Ident,
    Str,
    Punct,
}

struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn tokens(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let kind = if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            Kind::Space
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            Kind::Space
        } else if c.is_ascii_digit() {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            Kind::Number
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            Kind::Ident
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            Kind::Str
        } else {
            i += 1;
            while i < b.len() && !text.is_char_boundary(i) {
                i += 1;
            }
            Kind::Punct
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

fn of_kind(toks: &[Token], kind: Kind) -> Vec<usize> {
    (0..toks.len()).filter(|&k| toks[k].kind == kind).collect()
}

/// `text` with one random edit.
pub fn mutate_once(text: &str, rng: &mut Rng) -> String {
    let toks = tokens(text);
    if toks.is_empty() {
        return rng.pick(EXTREMES).to_string();
    }
    let splice = |k: usize, with: &str| {
        let t = &toks[k];
        format!("{}{}{}", &text[..t.start], with, &text[t.end..])
    };
    let any = |rng: &mut Rng, kind: Kind| {
        let ks = of_kind(&toks, kind);
        (!ks.is_empty()).then(|| *rng.pick(&ks))
    };
    match rng.below(10) {
        // A digit flipped inside a number.
        0 => match any(rng, Kind::Number) {
            Some(k) => {
                let t = &toks[k];
                let digits: Vec<usize> = (t.start..t.end)
                    .filter(|&i| text.as_bytes()[i].is_ascii_digit())
                    .collect();
                let i = *rng.pick(&digits);
                let d = (b'0' + rng.below(10) as u8) as char;
                format!("{}{}{}", &text[..i], d, &text[i + 1..])
            }
            None => text.to_string(),
        },
        // A number replaced by an extreme literal.
        1 | 2 => match any(rng, Kind::Number) {
            Some(k) => {
                let literal: &&str = rng.pick(EXTREMES);
                splice(k, literal)
            }
            None => text.to_string(),
        },
        // Two identifiers (or two strings) swapped.
        3 => {
            let kind = if rng.chance(0.5) {
                Kind::Ident
            } else {
                Kind::Str
            };
            let ks = of_kind(&toks, kind);
            if ks.len() < 2 {
                return text.to_string();
            }
            let (mut a, mut b) = (*rng.pick(&ks), *rng.pick(&ks));
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            if a == b {
                return text.to_string();
            }
            let (ta, tb) = (&toks[a], &toks[b]);
            format!(
                "{}{}{}{}{}",
                &text[..ta.start],
                &text[tb.start..tb.end],
                &text[ta.end..tb.start],
                &text[ta.start..ta.end],
                &text[tb.end..]
            )
        }
        // A token deleted.
        4 => splice(rng.below(toks.len()), ""),
        // A run of up to 40 tokens duplicated in place.
        5 => {
            let a = rng.below(toks.len());
            let b = (a + 1 + rng.below(40)).min(toks.len());
            let piece = &text[toks[a].start..toks[b - 1].end];
            format!(
                "{}{}{}",
                &text[..toks[b - 1].end],
                piece,
                &text[toks[b - 1].end..]
            )
        }
        // A string's contents replaced.
        6 => match any(rng, Kind::Str) {
            Some(k) => {
                let with = if rng.chance(0.5) {
                    rng.pick(STRINGS).to_string()
                } else {
                    rng.pick(EXTREMES).trim_matches('"').to_string()
                };
                splice(k, &format!("\"{with}\""))
            }
            None => text.to_string(),
        },
        // Truncated.
        7 => text[..toks[rng.below(toks.len())].start].to_string(),
        // A stray character inserted between tokens.
        8 => {
            const STRAY: &[&str] = &[
                "(", ")", "[", "]", "{", "}", ",", ":", "\"", "/", "\u{feff}", "\u{0}", "\t", "#",
                "-", "'", "\\", "é", "\r",
            ];
            let at = toks[rng.below(toks.len())].start;
            format!("{}{}{}", &text[..at], rng.pick(STRAY), &text[at..])
        }
        // An identifier replaced by another one from the text.
        _ => match (any(rng, Kind::Ident), any(rng, Kind::Ident)) {
            (Some(a), Some(b)) => splice(a, &text[toks[b].start..toks[b].end]),
            _ => text.to_string(),
        },
    }
}

/// `text` with one to three random edits.
pub fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut out = text.to_string();
    let edits = *rng.pick(&[1, 1, 1, 1, 2, 2, 3]);
    for _ in 0..edits {
        out = mutate_once(&out, rng);
    }
    out
}

/// `text` with one number replaced: by an extreme literal, or by a value
/// anywhere in the range of doubles.
pub fn one_value(text: &str, rng: &mut Rng) -> String {
    let toks = tokens(text);
    let numbers = of_kind(&toks, Kind::Number);
    if numbers.is_empty() {
        return text.to_string();
    }
    let t = &toks[*rng.pick(&numbers)];
    let with = if rng.chance(0.3) {
        rng.pick(EXTREMES).to_string()
    } else {
        format!("{:e}", rng.log_uniform(1e-307, 1e307))
    };
    format!("{}{}{}", &text[..t.start], with, &text[t.end..])
}
