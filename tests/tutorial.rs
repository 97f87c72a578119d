//! Runs docs/tutorial.md as written, so that the tutorial cannot drift
//! from the program.
//!
//! The tutorial's Markdown is the script:
//! - every line of a ```` ```sh ```` block is a command, run with the
//!   `busbar` binary of this build in a scratch copy of the repository's
//!   `examples/tutorial/` (so paths such as `examples/tutorial/…` and
//!   `-o out/…` work as they do from the repository root). A command
//!   exits 0 (`check` does only when every limit passes) unless the line
//!   ends with the comment `# exits N`, the status the tutorial tells the
//!   reader to expect;
//! - a ```` ```text ```` block right after a `sh` block is output the
//!   tutorial quotes: each of its non-empty lines must appear, as a whole
//!   line, in what the last command of that `sh` block printed;
//! - a ```` ```ron ```` block is an excerpt of a file: it must appear
//!   verbatim in one of the files under `examples/tutorial/`.
//!
//! The tutorial must run `validate`, `simulate`, `check` and `report`; one
//! of its `check`s must pass every limit ("N passed, 0 failed"), and the
//! report must be written where the tutorial says.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One fenced block of the tutorial: its info string, first line number
/// and text.
struct Block {
    info: String,
    line: usize,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (k, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => {
                open = Some(Block {
                    info: line.trim_start().trim_start_matches('`').trim().to_string(),
                    line: k + 1,
                    text: String::new(),
                })
            }
            (Some(_), true) => out.push(open.take().expect("open block")),
            (Some(b), false) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, false) => {}
        }
    }
    assert!(
        open.is_none(),
        "docs/tutorial.md: a code block is not closed"
    );
    out
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory holding `examples/tutorial/` as in the repository.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join("examples/tutorial");
    fs::create_dir_all(&to).expect("examples/tutorial");
    for e in fs::read_dir(root().join("examples/tutorial")).expect("examples/tutorial") {
        let p = e.expect("entry").path();
        fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
    }
    dir
}

/// A command line without its `# exits N` comment, and N (0 without it).
fn expected_status(line: usize, command: &str) -> (String, i32) {
    match command.split_once('#') {
        None => (command.trim().to_string(), 0),
        Some((run, comment)) => {
            let status = comment
                .trim()
                .strip_prefix("exits ")
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| {
                    panic!("docs/tutorial.md:{line}: a comment must be `# exits N`: {comment}")
                });
            (run.trim().to_string(), status)
        }
    }
}

/// Runs one tutorial command line in `dir`; returns its stdout.
fn run(dir: &Path, line: usize, command_line: &str) -> String {
    let (command, status) = expected_status(line, command_line);
    let mut words = command.split_whitespace();
    assert_eq!(
        words.next(),
        Some("busbar"),
        "docs/tutorial.md:{line}: a command must start with `busbar`: {command}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_busbar"))
        .args(words)
        .current_dir(dir)
        .output()
        .expect("run busbar");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(status),
        "docs/tutorial.md:{line}: `{command}` exited with {:?}, the tutorial says {status}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Every non-empty line of `quoted` is a whole line of `printed`.
fn assert_quoted(line: usize, command: &str, quoted: &str, printed: &str) {
    let printed: Vec<&str> = printed.lines().map(str::trim_end).collect();
    for q in quoted.lines().map(str::trim_end).filter(|q| !q.is_empty()) {
        assert!(
            printed.contains(&q),
            "docs/tutorial.md:{line}: the tutorial quotes\n  {q}\nbut `{command}` printed:\n{}",
            printed.join("\n")
        );
    }
}

fn tutorial_files() -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = fs::read_dir(root().join("examples/tutorial"))
        .expect("examples/tutorial")
        .map(|e| {
            let p = e.expect("entry").path();
            let text = fs::read_to_string(&p).expect("readable");
            (p, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_tutorial_runs_as_written_and_its_check_passes() {
    let markdown = fs::read_to_string(root().join("docs/tutorial.md")).expect("tutorial");
    let files = tutorial_files();
    let dir = scratch();
    let mut last: Option<(usize, String, String)> = None;
    let mut commands = Vec::new();
    let mut checks = Vec::new();
    for b in blocks(&markdown) {
        match b.info.as_str() {
            "sh" => {
                for (k, command) in b.text.lines().enumerate() {
                    if command.trim().is_empty() {
                        continue;
                    }
                    let line = b.line + 1 + k;
                    let printed = run(dir.path(), line, command.trim());
                    if expected_status(line, command)
                        .0
                        .starts_with("busbar check ")
                    {
                        checks.push(printed.clone());
                    }
                    commands.push(command.trim().to_string());
                    last = Some((line, command.trim().to_string(), printed));
                }
            }
            "text" => {
                let (line, command, printed) = last.as_ref().unwrap_or_else(|| {
                    panic!(
                        "docs/tutorial.md:{}: quoted output before any command",
                        b.line
                    )
                });
                assert_quoted(*line, command, &b.text, printed);
            }
            "ron" => assert!(
                files.iter().any(|(_, text)| text.contains(&b.text)),
                "docs/tutorial.md:{}: this excerpt is in no file of examples/tutorial/:\n{}",
                b.line,
                b.text
            ),
            other => panic!(
                "docs/tutorial.md:{}: code block `{other}`: use sh, text or ron",
                b.line
            ),
        }
    }
    // A check whose every limit passed: "N passed, 0 failed" with N ≥ 1.
    let all_passed = |l: &str| {
        l.strip_suffix(" passed, 0 failed")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n > 0)
    };
    assert!(
        checks.iter().any(|out| out.lines().any(all_passed)),
        "no `busbar check` of the tutorial passed all its limits: {checks:?}"
    );
    for verb in ["validate", "simulate", "check", "report"] {
        assert!(
            commands
                .iter()
                .any(|c| c.starts_with(&format!("busbar {verb} "))),
            "the tutorial never runs `busbar {verb}`; it ran {commands:?}"
        );
    }
    assert!(
        dir.path().join("out/tutorial/report.html").is_file(),
        "the tutorial's report was not written"
    );
}

#[test]
fn every_tutorial_file_is_shown_or_named_in_the_tutorial() {
    let markdown = fs::read_to_string(root().join("docs/tutorial.md")).expect("tutorial");
    for (path, _) in tutorial_files() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(
            markdown.contains(&format!("examples/tutorial/{name}")),
            "docs/tutorial.md never names examples/tutorial/{name}"
        );
    }
}
