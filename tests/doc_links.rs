//! Every link in README.md and docs/ resolves, and no text names a file the
//! repository lacks.
//!
//! Checked, in README.md and every `docs/**/*.md`:
//! - Markdown links and images, `[text](target)` and `![alt](target)`:
//!   a relative target must exist (relative to the Markdown file), and an
//!   anchor (`file.md#heading` or `#heading`) must match a heading of the
//!   target file, slugged as GitHub does (lower case, punctuation dropped,
//!   spaces to hyphens, `-1`, `-2` … for repeats). Web links are not fetched.
//! - Repository paths named anywhere in the text, code blocks included:
//!   a word that starts with one of the top-level folders (`circuits/`,
//!   `scenarios/`, `docs/`, `scripts/`, `src/`, `tests/`, `examples/`, …)
//!   must exist relative to the repository root; a `*` in it must match at
//!   least one file. Placeholders such as `scenarios/<system>/` end the
//!   path at the `<`.
//!
//! The same path check runs over the comments of the bundled circuits and
//! scenarios, whose headers cite `docs/sources.md` and the limit sets.
//!
//! The checker itself is tested on small good and bad examples, so a dead
//! link cannot pass unnoticed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level folders of the repository: a word starting with one of these
/// names a repository file.
const ROOTS: [&str; 10] = [
    "circuits/",
    "scenarios/",
    "docs/",
    "scripts/",
    "src/",
    "tests/",
    "examples/",
    "assets/",
    "benches/",
    ".ci/",
];

/// A problem found in one file: where, and what.
#[derive(Debug, PartialEq)]
struct Problem {
    file: String,
    line: usize,
    what: String,
}

/// Lines of a Markdown text, each marked as inside a fenced block or not.
fn lines_with_fences(text: &str) -> Vec<(usize, &str, bool)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        if fence {
            fenced = !fenced;
        }
        out.push((k + 1, line, fenced || fence));
    }
    out
}

/// GitHub's anchor for a heading: lower case; letters, digits, `-`, `_`
/// and spaces kept; spaces become hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's headings, repeats numbered as GitHub
/// numbers them.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (_, line, fenced) in lines_with_fences(text) {
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        // Inline code and emphasis marks are not part of the anchor.
        let base = slug(&title.replace(['`', '*'], ""));
        let n = seen.entry(base.clone()).or_insert(0);
        out.push(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

/// The targets of the Markdown links on one line: `](target)`.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(k) = rest.find("](") {
        let after = &rest[k + 2..];
        match after.find(')') {
            Some(end) => {
                // `[text](target "title")`: the title is not part of it.
                let target = after[..end].split_whitespace().next().unwrap_or("");
                out.push(target.to_string());
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '*')
}

/// Repository paths named in a line of text: words starting with one of
/// `ROOTS` at a word boundary, trailing sentence punctuation removed.
fn named_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (at, c) = chars[k];
        let boundary = k == 0 || !is_path_char(chars[k - 1].1);
        if boundary && is_path_char(c) {
            if let Some(root) = ROOTS.iter().find(|r| line[at..].starts_with(*r)) {
                let mut end = k;
                while end < chars.len() && is_path_char(chars[end].1) {
                    end += 1;
                }
                let stop = chars.get(end).map_or(line.len(), |(i, _)| *i);
                let word = line[at..stop].trim_end_matches(['.', ',']);
                if word.len() > root.len() || word == *root {
                    out.push(word.to_string());
                }
                k = end;
                continue;
            }
        }
        k += 1;
    }
    out
}

/// Whether a path (possibly with `*` wildcards in its last parts) names at
/// least one existing file or folder under `root`.
fn exists(root: &Path, path: &str) -> bool {
    if !path.contains('*') {
        return root.join(path).exists();
    }
    let mut dirs = vec![root.to_path_buf()];
    for part in path.trim_end_matches('/').split('/') {
        let mut next = Vec::new();
        for d in &dirs {
            if !part.contains('*') {
                let p = d.join(part);
                if p.exists() {
                    next.push(p);
                }
                continue;
            }
            for e in fs::read_dir(d).into_iter().flatten().flatten() {
                if wildcard(part, &e.file_name().to_string_lossy()) {
                    next.push(e.path());
                }
            }
        }
        dirs = next;
    }
    !dirs.is_empty()
}

/// `*` matches any run of characters (within one path part).
fn wildcard(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            let Some(rest) = name.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|k| rest.is_char_boundary(*k))
                .any(|k| wildcard(tail, &rest[k..]))
        }
    }
}

/// Checks one Markdown file (`rel`, relative to `root`).
fn check_markdown(root: &Path, rel: &str, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let dir = Path::new(rel).parent().unwrap_or(Path::new(""));
    for (line_no, line, fenced) in lines_with_fences(text) {
        let mut say = |what: String| {
            problems.push(Problem {
                file: rel.to_string(),
                line: line_no,
                what,
            })
        };
        if !fenced {
            for target in link_targets(line) {
                if let Some(what) = check_link(root, dir, rel, text, &target) {
                    say(what);
                }
            }
        }
        for path in named_paths(line) {
            if !exists(root, &path) {
                say(format!("names `{path}`, which the repository lacks"));
            }
        }
    }
    problems
}

/// A link's problem, if it has one.
fn check_link(root: &Path, dir: &Path, rel: &str, text: &str, target: &str) -> Option<String> {
    if target.is_empty() {
        return Some("empty link target".into());
    }
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let (path, body) = if file.is_empty() {
        (PathBuf::from(rel), text.to_string())
    } else {
        let path = dir.join(file);
        if !root.join(&path).exists() {
            return Some(format!("link to `{target}`: no file {}", path.display()));
        }
        (
            path.clone(),
            fs::read_to_string(root.join(&path)).unwrap_or_default(),
        )
    };
    let anchor = anchor?;
    if anchors(&body).iter().any(|a| a == anchor) {
        return None;
    }
    Some(format!(
        "link to `{target}`: {} has no heading with anchor #{anchor}",
        path.display()
    ))
}

/// Checks the comments of a RON file for named repository paths.
fn check_ron(root: &Path, rel: &str, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let Some((_, comment)) = line.split_once("//") else {
            continue;
        };
        for path in named_paths(comment) {
            if !exists(root, &path) {
                problems.push(Problem {
                    file: rel.to_string(),
                    line: k + 1,
                    what: format!("names `{path}`, which the repository lacks"),
                });
            }
        }
    }
    problems
}

/// Files under `dir` (relative to `root`) whose name ends with `ext`.
fn files(root: &Path, dir: &str, ext: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(ext) {
                let rel = p.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

fn report(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}:{}: {}", p.file, p.line, p.what))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn readme_and_docs_have_no_dead_link_and_name_no_missing_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut markdown = vec!["README.md".to_string()];
    markdown.extend(files(root, "docs", ".md"));
    let mut problems = Vec::new();
    for rel in &markdown {
        let text = fs::read_to_string(root.join(rel)).expect("readable");
        problems.extend(check_markdown(root, rel, &text));
    }
    assert!(markdown.len() > 5, "found only {markdown:?}");
    assert!(problems.is_empty(), "\n{}", report(&problems));
}

#[test]
fn circuit_and_scenario_headers_name_only_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ron = files(root, "circuits", ".ron");
    ron.extend(files(root, "scenarios", ".ron"));
    ron.extend(files(root, "examples", ".ron"));
    let mut problems = Vec::new();
    for rel in &ron {
        let text = fs::read_to_string(root.join(rel)).expect("readable");
        problems.extend(check_ron(root, rel, &text));
    }
    assert!(ron.len() > 20, "found only {ron:?}");
    assert!(problems.is_empty(), "\n{}", report(&problems));
}

// ---------------------------------------------------------------------------
// The checker on small examples.

/// A small repository: docs/a.md with two headings, circuits/x.ron.
fn sample_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join("docs")).expect("docs");
    fs::create_dir_all(dir.path().join("circuits")).expect("circuits");
    fs::write(
        dir.path().join("docs/a.md"),
        "# Title\n\n## Sign conventions (SI)\n\n## Title\n",
    )
    .expect("a.md");
    fs::write(dir.path().join("circuits/x.ron"), "Circuit()").expect("x.ron");
    dir
}

#[test]
fn checker_accepts_links_paths_and_anchors_that_exist() {
    let repo = sample_repo();
    let good = "See [a](a.md), [signs](a.md#sign-conventions-si), [again](a.md#title-1),\n\
                [here](#local), ![fig](a.md) and [web](https://example.com/x#y).\n\
                Run `busbar validate circuits/x.ron` or any of `circuits/*.ron`.\n\
                ## Local\n\
                ```\nbusbar check circuits/x.ron -o out/report.html\n```\n";
    let problems = check_markdown(repo.path(), "docs/b.md", good);
    assert!(problems.is_empty(), "{}", report(&problems));
}

#[test]
fn checker_reports_each_dead_link_path_and_anchor_with_its_line() {
    let repo = sample_repo();
    let bad = "A [dead link](missing.md).\n\
               A [dead anchor](a.md#no-such-heading) and [local](#nowhere).\n\
               Names `circuits/y.ron` and circuits/z*.ron.\n\
               ```\nbusbar simulate scripts/run-me\n```\n";
    let problems = check_markdown(repo.path(), "docs/b.md", bad);
    let found: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.what.as_str())).collect();
    assert_eq!(problems.len(), 6, "{}", report(&problems));
    assert!(found[0].1.contains("missing.md") && found[0].0 == 1);
    assert!(found[1].1.contains("#no-such-heading") && found[1].0 == 2);
    assert!(found[2].1.contains("#nowhere") && found[2].0 == 2);
    assert!(found[3].1.contains("circuits/y.ron") && found[3].0 == 3);
    assert!(found[4].1.contains("circuits/z*.ron") && found[4].0 == 3);
    assert!(found[5].1.contains("scripts/run-me") && found[5].0 == 5);
}

#[test]
fn checker_reads_ron_comments_only() {
    let repo = sample_repo();
    let ron =
        "// Header citing docs/a.md and docs/gone.md.\nCircuit(name: \"docs/not-a-comment\")\n";
    let problems = check_ron(repo.path(), "circuits/x.ron", ron);
    assert_eq!(problems.len(), 1, "{}", report(&problems));
    assert!(problems[0].what.contains("docs/gone.md") && problems[0].line == 1);
}
