//! The command line's numeric flags, through the binary: each case gives
//! one flag a random or extreme value on a command whose input file does
//! not exist, so that a value the parser accepts ends at once in the
//! missing-file error. The oracle: exit code 2 (a usage or input error,
//! never a panic or a signal), and a message that names either the flag
//! or the missing file.

use super::mutate::EXTREMES;
use super::oracle::Watchdog;
use super::rng::Rng;
use std::process::Command;
use std::time::{Duration, Instant};

/// (command and its positional arguments, flag, value template: `{}` is
/// replaced by the fuzzed number).
const FLAGS: &[(&[&str], &str, &str)] = &[
    (&["stability", "MISSING.ron"], "--at", "{}"),
    (&["stability", "MISSING.ron"], "--damping", "{}"),
    (&["stability", "MISSING.ron"], "--modes", "{}"),
    (&["stability", "MISSING.ron"], "--f-min", "{}"),
    (&["stability", "MISSING.ron"], "--f-max", "{}"),
    (&["stability", "MISSING.ron"], "--per-decade", "{}"),
    (&["stability", "MISSING.ron"], "--boundary", "x.ohms={}:{}"),
    (&["stability", "MISSING.ron"], "--set", "x={}"),
    (
        &["simulate", "MISSING.ron", "MISSING_s.ron", "--plot"],
        "--zoom",
        "{}:{}",
    ),
    (
        &["report", "MISSING.ron", "MISSING_s.ron"],
        "--zoom",
        "{}:{}",
    ),
    (
        &["export", "MISSING.ron", "--spice", "MISSING.cir"],
        "--at",
        "{}",
    ),
    (
        &["export", "MISSING.ron", "--spice", "MISSING.cir"],
        "--reltol",
        "{}",
    ),
    (&["check", "MISSING_s.ron"], "--rel-tol", "{}"),
    (&["check", "MISSING_s.ron"], "--abs-tol", "{}"),
    (&["check", "MISSING_s.ron"], "--time-tol", "{}"),
    (
        &["diff", "MISSING_a.json", "MISSING_b.json"],
        "--rel-tol",
        "{}",
    ),
    (&["sweep", "MISSING_w.ron"], "--jobs", "{}"),
    (&["sweep", "MISSING_w.ron"], "--shard", "{}/{}"),
    (&["size", "MISSING_s.ron"], "--param", "x={}:{}"),
    (&["size", "MISSING_s.ron"], "--rtol", "{}"),
];

fn number(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 | 1 => rng.pick(EXTREMES).trim_matches('"').to_string(),
        2 => format!(
            "{:e}",
            rng.log_uniform(1e-300, 1e300) * if rng.chance(0.3) { -1.0 } else { 1.0 }
        ),
        3 => format!("{}", rng.next_u64() >> rng.below(64)),
        _ => {
            const GARBAGE: &[&str] = &[
                "", " ", "1 2", "1,5", "½", "--", "-x", "1e3k", "38m", "1;", "0x1p3",
            ];
            rng.pick(GARBAGE).to_string()
        }
    }
}

pub fn run() {
    let seconds: Option<u64> = std::env::var("BUSBAR_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok());
    let cases: u64 = std::env::var("BUSBAR_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .or(seconds.map(|_| u64::MAX))
        .unwrap_or(300);
    let first: u64 = std::env::var("BUSBAR_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    // A long run may use a copy of the binary (`BUSBAR_FUZZ_BIN`), so that
    // builds beside it do not replace the file it runs.
    let binary =
        std::env::var_os("BUSBAR_FUZZ_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_busbar").into());
    let dir = tempfile::tempdir().expect("temp dir");
    let watchdog = Watchdog::start("cli", Duration::from_secs(60));
    let started = Instant::now();
    let (mut done, mut refused) = (0u64, 0u64);
    for seed in first..first.saturating_add(cases) {
        if deadline.is_some_and(|d| Instant::now() > d) {
            break;
        }
        let mut rng = Rng::new(seed);
        let (args, flag, template) = *rng.pick(FLAGS);
        let mut value = template.to_string();
        while value.contains("{}") {
            value = value.replacen("{}", &number(&mut rng), 1);
        }
        let shown = format!("busbar {} {flag} {value:?}", args.join(" "));
        watchdog.case(format!("cli seed {seed}"), &shown);
        let out = Command::new(&binary)
            .current_dir(dir.path())
            .args(args)
            .arg(format!("{flag}={value}"))
            .output()
            .expect("busbar runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "seed {seed}: {shown}: {stderr}"
        );
        assert_eq!(out.status.code(), Some(2), "seed {seed}: {shown}: {stderr}");
        let names_flag = stderr.contains(flag);
        assert!(
            names_flag || stderr.contains("MISSING"),
            "seed {seed}: {shown}: the message names neither {flag} nor the input: {stderr}"
        );
        refused += u64::from(names_flag);
        done += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz cli: {done} cases in {secs:.1} s ({:.0}/s): {refused} values refused naming the flag, \
         the others accepted and stopped at the missing input; no panic",
        done as f64 / secs.max(1e-9)
    );
}
