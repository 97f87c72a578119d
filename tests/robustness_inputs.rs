//! Item 9 and 10: only regular files are read, and only up to the
//! `input-bytes` budget. Device files, FIFOs and directories are refused
//! by kind before they are opened (a FIFO with no writer would block the
//! open for ever), an oversized file by its size before it is read, for
//! every input: a circuit, a scenario's `circuit:`, a `Trace` file, a
//! `diff` input.

#![cfg(unix)]

use assert_cmd::Command;
use std::path::Path;
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Refused within 5 s with exit 2 and every piece of `expected` in the
/// message, no panic.
fn refused(args: &[&str], expected: &[&str]) {
    let clock = Instant::now();
    let out = Command::cargo_bin("busbar")
        .expect("binary")
        .current_dir(ROOT)
        .timeout(Duration::from_secs(10))
        .args(args)
        .output()
        .expect("busbar runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "busbar {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "busbar {args:?}: {stderr}");
    let flat = flatten(&stderr);
    for piece in expected {
        assert!(
            flat.contains(piece),
            "busbar {args:?}: no `{piece}` in {stderr}"
        );
    }
    let took = clock.elapsed().as_secs_f64();
    assert!(took < 5.0, "busbar {args:?} took {took:.2} s");
}

/// The message with the diagnostic's line wrapping undone: the frame
/// characters dropped and the lines joined with single spaces.
fn flatten(stderr: &str) -> String {
    let words: Vec<&str> = stderr
        .split_whitespace()
        .filter(|w| !matches!(*w, "│" | "×"))
        .collect();
    words.join(" ")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {}", path.display());
}

/// A scenario on the bundled rack whose GPU loads follow `trace`.
fn trace_scenario(dir: &Path, trace: &Path) -> String {
    let circuit = Path::new(ROOT).join("circuits/nvl72_rack.ron");
    write(
        dir,
        "t.ron",
        &format!(
            "Scenario(name: \"trace\", circuit: \"{}\", duration: 0.01, sample: 1e-4, loads: [\n    (target: \"*gpu*\", profile: Trace(file: \"{}\", time: \"t\", value: \"p\")),\n])\n",
            circuit.display(),
            trace.display()
        ),
    )
}

#[test]
fn device_files_and_directories_are_refused_by_kind() {
    refused(&["validate", "/dev/zero"], &["/dev/zero", "a device file"]);
    refused(&["validate", "/dev/urandom"], &["a device file"]);
    refused(&["validate", "circuits"], &["circuits", "a directory"]);
    let dir = tempfile::tempdir().expect("temp dir");
    // A scenario's `circuit:`.
    let s = write(
        dir.path(),
        "s.ron",
        "Scenario(name: \"z\", circuit: \"/dev/zero\", duration: 0.01, sample: 1e-4)\n",
    );
    refused(&["check", &s], &["/dev/zero", "a device file"]);
    // A `Trace` file.
    let t = trace_scenario(dir.path(), Path::new("/dev/urandom"));
    let out = dir.path().join("out");
    refused(
        &[
            "simulate",
            "circuits/nvl72_rack.ron",
            &t,
            "-o",
            &out.to_string_lossy(),
        ],
        &["/dev/urandom", "a device file"],
    );
    // Both `diff` inputs.
    refused(&["diff", "/dev/zero", "/dev/zero"], &["a device file"]);
}

/// A FIFO with no writer: opening it would block for ever.
#[test]
fn fifos_are_refused_without_being_opened() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("trace.csv");
    mkfifo(&fifo);
    let t = trace_scenario(dir.path(), &fifo);
    let out = dir.path().join("out");
    refused(
        &[
            "simulate",
            "circuits/nvl72_rack.ron",
            &t,
            "-o",
            &out.to_string_lossy(),
        ],
        &["trace.csv", "a FIFO"],
    );
    refused(&["validate", &fifo.to_string_lossy()], &["a FIFO"]);
    refused(&["diff", &fifo.to_string_lossy(), "x.json"], &["a FIFO"]);
}

/// Item 10: a 210 MB result file is refused by its size, before a byte
/// of it is read (the file is sparse: it costs no disk), and the budget
/// flag decides.
#[test]
fn oversized_inputs_are_refused_by_size() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.json");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(210 << 20))
        .expect("sparse file");
    let big = big.to_string_lossy();
    refused(
        &["diff", &big, &big],
        &["big.json", "220200960 bytes", "--budget input-bytes=N"],
    );
    refused(
        &[
            "--budget",
            "input-bytes=1000",
            "validate",
            "circuits/busway_row.ron",
        ],
        &["busway_row.ron", "the `input-bytes` budget is 1000"],
    );
    let big_enough = format!("input-bytes={}", 64 << 20);
    let out = Command::cargo_bin("busbar")
        .expect("binary")
        .current_dir(ROOT)
        .timeout(Duration::from_secs(10))
        .args([
            "--budget",
            &big_enough,
            "validate",
            "circuits/busway_row.ron",
        ])
        .output()
        .expect("busbar runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
