//! Glob matching on hierarchical names (`tray*.bus50`, `row?.rack*`).
//!
//! `*` matches any run of characters (including dots, so `*.gpu` reaches
//! every depth), `?` one character. Owns nothing else.

/// True if `name` matches the glob `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative wildcard match with single-star backtracking: linear in
    // practice, no recursion depth to worry about on long names.
    let (mut pi, mut ni) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
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
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// True if the pattern contains a wildcard.
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains('*') || pattern.contains('?')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("tray*.bus50", "tray12.bus50"));
        assert!(!matches("tray*.bus50", "tray12.bus800"));
        assert!(matches("*.gpu", "row1.rack2.tray3.gpu"));
        assert!(matches("bus800", "bus800"));
        assert!(!matches("bus80", "bus800"));
        assert!(matches("row?.c", "row1.c"));
    }
}
