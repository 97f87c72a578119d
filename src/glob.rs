//! Glob matching on hierarchical names (`tray*.bus50`, `row?.rack*`).
//!
//! `*` matches any run of characters (including dots, so `*.gpu` reaches
//! every depth), `?` one character. Owns nothing else.

/// True if `name` matches the glob `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    // Names and patterns are nearly always ASCII: match bytes then, with
    // no allocation (this runs for every name of a 10 000-rack hall, once
    // per record entry and limit pattern).
    if pattern.is_ascii() && name.is_ascii() {
        return wildcard_match(pattern.as_bytes(), name.as_bytes(), b'*', b'?');
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    wildcard_match(&p, &n, '*', '?')
}

/// Iterative wildcard match with single-star backtracking: linear in
/// practice, no recursion depth to worry about on long names.
fn wildcard_match<T: PartialEq + Copy>(p: &[T], n: &[T], star_sym: T, any: T) -> bool {
    let (mut pi, mut ni) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == any || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_sym {
        pi += 1;
    }
    pi == p.len()
}

/// True if some name matches both globs: whether a pattern written by a
/// user can ever match a name declared as a pattern (`volts set to *`).
/// A search over pairs of positions, one per pattern: a `*` may match
/// nothing, or take one character the other pattern consumes.
pub fn overlap(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if std::mem::replace(&mut seen[i * width + j], true) {
            continue;
        }
        if i == a.len() && j == b.len() {
            return true;
        }
        let (x, y) = (a.get(i).copied(), b.get(j).copied());
        if x == Some('*') {
            stack.push((i + 1, j));
            if y.is_some_and(|c| c != '*') {
                stack.push((i, j + 1));
            }
        }
        if y == Some('*') {
            stack.push((i, j + 1));
            if x.is_some_and(|c| c != '*') {
                stack.push((i + 1, j));
            }
        }
        if let (Some(x), Some(y)) = (x, y) {
            if x != '*' && y != '*' && (x == '?' || y == '?' || x == y) {
                stack.push((i + 1, j + 1));
            }
        }
    }
    false
}

/// True if the pattern contains a wildcard.
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains('*') || pattern.contains('?')
}

#[cfg(test)]
mod tests {
    use super::{matches, overlap};

    #[test]
    fn globs() {
        assert!(matches("tray*.bus50", "tray12.bus50"));
        assert!(!matches("tray*.bus50", "tray12.bus800"));
        assert!(matches("*.gpu", "row1.rack2.tray3.gpu"));
        assert!(matches("bus800", "bus800"));
        assert!(!matches("bus80", "bus800"));
        assert!(matches("row?.c", "row1.c"));
        // Non-ASCII names take the character path: `?` is one character.
        assert!(matches("zone?.bus", "zoneé.bus"));
        assert!(matches("*é*", "café.bus"));
        assert!(!matches("zone?.bus", "zoneéé.bus"));
    }

    #[test]
    fn overlapping_globs_share_a_name() {
        assert!(overlap("trigger*", "triggered"));
        assert!(overlap("triggered", "triggered"));
        assert!(!overlap("triggerd*", "triggered"));
        assert!(overlap("volts set to 8*", "volts set to *"));
        assert!(overlap("*limit", "current limit"));
        assert!(!overlap("*limit", "current limit cleared"));
        assert!(overlap("*", "a*b"));
        assert!(overlap("a?c", "*b*"));
        assert!(overlap("a?c", "*d*"));
        assert!(!overlap("a?c", "*d"));
        assert!(overlap("a*", "*b"));
        assert!(!overlap("", "a"));
        assert!(overlap("", "*"));
    }
}
