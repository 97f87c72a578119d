//! `busbar sweep --emit slurm|k8s`: the emitted scripts and manifests run
//! the shards and the merge, and give the bytes of a local run; and on a
//! real Slurm cluster (scripts/ci/local-slurm), a 4-task job array does too.
//!
//! The real-cluster test skips when `sbatch` is missing or the cluster is
//! not up, unless CI=true, where that is a failure.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SWEEP: &str = "lc_cpl_small.ron";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sweep")
        .join(name)
}

fn busbar() -> Command {
    Command::cargo_bin("busbar").expect("binary")
}

/// `busbar sweep SWEEP -o DIR` with extra arguments.
fn sweep(out: &Path, extra: &[&str]) {
    busbar()
        .arg("sweep")
        .arg(data(SWEEP))
        .arg("-o")
        .arg(out)
        .args(extra)
        .arg("--quiet")
        .assert()
        .success();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// points.csv of an unsharded run on one thread.
fn local_points(root: &Path) -> String {
    let local = root.join("local");
    sweep(&local, &["--jobs", "1"]);
    read(&local.join("points.csv"))
}

/// Runs `script` with `sh -c` and one extra environment variable.
fn sh(script: &str, var: (&str, String)) {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .env(var.0, var.1)
        .status()
        .expect("sh");
    assert!(status.success(), "`{script}` failed: {status}");
}

#[test]
fn the_slurm_scripts_run_every_shard_and_merge_to_the_local_bytes() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("slurm");
    sweep(&out, &["--emit", "slurm", "--shards", "3"]);
    let array = read(&out.join("sweep.sbatch"));
    let binary = busbar_path();
    assert!(array.contains("#SBATCH --array=1-3\n"), "{array}");
    assert!(array.contains(&format!("'{}' sweep '", binary.display())));
    assert!(array.contains(&format!(
        "'{}'",
        data(SWEEP).canonicalize().unwrap().display()
    )));
    let submit = read(&out.join("submit-slurm.sh"));
    assert!(
        submit.contains("--dependency=afterok:\"$array\""),
        "{submit}"
    );
    // Each task as Slurm would run it, then the merge.
    for k in 1..=3 {
        sh(
            &format!("bash {}", out.join("sweep.sbatch").display()),
            ("SLURM_ARRAY_TASK_ID", k.to_string()),
        );
    }
    assert!(!out.join("points.csv").exists());
    sh(
        &format!("bash {}", out.join("merge.sbatch").display()),
        ("UNUSED", String::new()),
    );
    assert_eq!(read(&out.join("points.csv")), local_points(root.path()));
}

#[test]
fn the_k8s_jobs_run_every_index_and_merge_to_the_local_bytes() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("k8s");
    sweep(
        &out,
        &[
            "--emit",
            "k8s",
            "--shards",
            "2",
            "--image",
            "example/busbar:1",
        ],
    );
    let shards = read(&out.join("k8s-shards.yaml"));
    for line in [
        "kind: Job",
        "completionMode: Indexed",
        "completions: 2",
        "image: \"example/busbar:1\"",
    ] {
        assert!(shards.contains(line), "no `{line}` in\n{shards}");
    }
    let merge = read(&out.join("k8s-merge.yaml"));
    assert!(!merge.contains("Indexed"), "{merge}");
    // Pod i of the Indexed Job gets JOB_COMPLETION_INDEX = i.
    for i in 0..2 {
        sh(
            &container_script(&shards),
            ("JOB_COMPLETION_INDEX", i.to_string()),
        );
    }
    sh(&container_script(&merge), ("UNUSED", String::new()));
    assert_eq!(read(&out.join("points.csv")), local_points(root.path()));
}

/// The `sh -c` script of a manifest's container (its `command` is a flow
/// sequence, which is JSON).
fn container_script(manifest: &str) -> String {
    let line = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("command: "))
        .unwrap_or_else(|| panic!("no command in\n{manifest}"));
    let command: Vec<String> = serde_json::from_str(line).expect("command is a sequence");
    assert_eq!(command[..2], ["/bin/sh", "-c"]);
    command[2].clone()
}

fn busbar_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_busbar"))
        .canonicalize()
        .expect("binary")
}

/// Whether a Slurm cluster answers; the reason if not.
fn slurm_up() -> Result<(), String> {
    let out = std::process::Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .map_err(|e| format!("sinfo: {e} (is slurm-wlm installed?)"))?;
    let states = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() || !states.lines().any(|s| s == "idle" || s == "mixed") {
        return Err(format!(
            "no idle Slurm node (sinfo: {}{}); start one with scripts/ci/local-slurm start",
            states.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

/// Polls `squeue` until none of `jobs` is queued or running.
fn wait_for(jobs: &[String], timeout: Duration) {
    let started = Instant::now();
    loop {
        let out = std::process::Command::new("squeue")
            .args(["-h", "-o", "%i %T %r", "-j", &jobs.join(",")])
            .output()
            .expect("squeue");
        let queued = String::from_utf8_lossy(&out.stdout).to_string();
        if queued.trim().is_empty() {
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "jobs still queued after {timeout:?}:\n{queued}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn a_slurm_job_array_gives_the_bytes_of_a_local_run() {
    if let Err(why) = slurm_up() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("array");
    sweep(&out, &["--emit", "slurm", "--shards", "4"]);
    let submitted = std::process::Command::new(out.join("submit-slurm.sh"))
        .output()
        .expect("submit-slurm.sh");
    assert!(
        submitted.status.success(),
        "submit-slurm.sh: {}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let jobs: Vec<String> = String::from_utf8_lossy(&submitted.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        jobs.len(),
        2,
        "expected the array's and the merge's job ids"
    );
    wait_for(&jobs, Duration::from_secs(240));
    let merged = out.join("points.csv");
    if !merged.exists() {
        let logs: Vec<String> = std::fs::read_dir(out.join("logs"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| format!("{}:\n{}", e.path().display(), read(&e.path())))
            .collect();
        panic!("the merge wrote no points.csv; logs:\n{}", logs.join("\n"));
    }
    assert_eq!(read(&merged), local_points(root.path()));
}
