//! `busbar check`: runs scenarios, judges their limits (and optionally
//! golden waveforms) and reports like a test runner, with JUnit XML for CI.
//!
//! Exit codes: 0 every limit passed, 1 a limit failed, 2 a scenario could
//! not be read or run, or a limit could not be evaluated.

use super::commands::write_stdout;
use super::diagnostics;
use busbar::analysis::golden::{self, Comparison, Envelope};
use busbar::analysis::junit::{junit_xml, Suite};
use busbar::analysis::{self, limit_set, Analysis, Status, Verdict};
use busbar::report;
use clap::Args;
use miette::{IntoDiagnostic, Report, WrapErr};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files (RON); each names its circuit unless `-c` is given.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Circuit to use for every scenario instead of the one it names.
    #[arg(short, long)]
    pub circuit: Option<PathBuf>,
    /// Also write a JUnit XML report (one test case per limit).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Limit-set file whose limits apply to every scenario (repeatable).
    #[arg(long = "limits", value_name = "FILE")]
    pub limit_sets: Vec<PathBuf>,
    /// Compare the recorded waveforms with `DIR/<scenario>.csv`.
    #[arg(long, value_name = "DIR")]
    pub golden: Option<PathBuf>,
    /// Rewrite the golden waveforms from this run instead of comparing.
    #[arg(long, requires = "golden")]
    pub bless: bool,
    /// Golden envelope: tolerance relative to each golden value.
    #[arg(long, default_value_t = 1e-3, value_name = "FRACTION")]
    pub rel_tol: f64,
    /// Golden envelope: absolute tolerance as a fraction of each column's
    /// full scale.
    #[arg(long, default_value_t = 1e-4, value_name = "FRACTION")]
    pub abs_tol: f64,
    /// Golden envelope: time tolerance around edges (default: one sample).
    #[arg(long, value_name = "SECONDS")]
    pub time_tol: Option<f64>,
}

/// What happened to one scenario.
#[derive(Debug, Serialize)]
struct Outcome {
    file: String,
    scenario: Option<String>,
    circuit: Option<String>,
    status: Status,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    verdicts: Vec<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<analysis::Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    golden: Option<Comparison>,
}

pub fn run(args: CheckArgs, quiet: bool, json: bool) -> Result<ExitCode, Report> {
    let mut sets = Vec::new();
    for path in &args.limit_sets {
        sets.push(limit_set::load(path).map_err(|e| miette::miette!("{e}"))?);
    }
    let extra: Vec<_> = sets.iter().flat_map(|s| s.limits.iter().cloned()).collect();
    let envelope = Envelope {
        rel: args.rel_tol,
        abs_full_scale: args.abs_tol,
        time: args.time_tol,
    };
    let text_out = !quiet && !json;
    let mut outcomes = Vec::new();
    for path in &args.scenarios {
        let outcome = check_one(path, &args, &extra, &envelope, text_out);
        if text_out {
            write_stdout(&render(&outcome));
        }
        outcomes.push(outcome);
    }
    let count = |s: Status| {
        outcomes
            .iter()
            .flat_map(|o| &o.verdicts)
            .filter(|v| v.status == s)
            .count()
    };
    let (passed, failed) = (count(Status::Pass), count(Status::Fail));
    let errors = count(Status::Error) + outcomes.iter().filter(|o| o.error.is_some()).count();
    if let Some(file) = &args.junit {
        let suites: Vec<Suite> = outcomes
            .iter()
            .map(|o| Suite {
                file: &o.file,
                scenario: o.scenario.as_deref(),
                verdicts: &o.verdicts,
                error: o.error.as_deref(),
                seconds: o.seconds,
            })
            .collect();
        report::write_atomic(file, junit_xml(&suites).as_bytes())
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", file.display()))?;
    }
    if json {
        let doc = serde_json::json!({
            "passed": passed,
            "failed": failed,
            "errors": errors,
            "scenarios": outcomes,
        });
        let text = serde_json::to_string_pretty(&doc).into_diagnostic()?;
        write_stdout(&format!("{text}\n"));
    } else if !quiet {
        if errors > 0 {
            let s = if errors == 1 { "" } else { "s" };
            write_stdout(&format!("{errors} error{s}: not evaluated\n"));
        }
        write_stdout(&format!("{passed} passed, {failed} failed\n"));
    }
    Ok(ExitCode::from(if errors > 0 {
        2
    } else if failed > 0 {
        1
    } else {
        0
    }))
}

fn check_one(
    path: &Path,
    args: &CheckArgs,
    extra: &[busbar::analysis::Limit],
    envelope: &Envelope,
    text_out: bool,
) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        file: path.display().to_string(),
        scenario: None,
        circuit: None,
        status: Status::Error,
        seconds: 0.0,
        error: None,
        verdicts: Vec::new(),
        metrics: None,
        golden: None,
    };
    let result = (|| -> Result<(), (String, Report)> {
        let mut scenario =
            busbar::scenario::load(path).map_err(|e| (e.to_string(), diagnostics::scenario(e)))?;
        outcome.scenario = Some(scenario.name.clone());
        scenario.limits.extend(extra.iter().cloned());
        let mut prepared = analysis::prepare_for_limits(args.circuit.as_deref(), scenario)
            .map_err(|e| (e.to_string(), diagnostics::study(e)))?;
        outcome.circuit = Some(prepared.circuit.name.clone());
        let waveforms = prepared
            .run(None)
            .map_err(|e| (e.to_string(), diagnostics::study(e)))?;
        let mut small = analysis::run::small_signal(&prepared);
        let Analysis { metrics, verdicts } =
            analysis::analyse_run(&prepared, &waveforms, small.as_mut());
        outcome.verdicts = verdicts;
        outcome.metrics = Some(metrics);
        if let Some(dir) = &args.golden {
            let file = golden::golden_path(dir, path);
            if args.bless {
                bless(&file, &waveforms).map_err(|e| (e.to_string(), e))?;
                if text_out {
                    write_stdout(&format!("blessed {}\n", file.display()));
                }
            } else {
                outcome.verdicts.push(golden_verdict(
                    &file,
                    &waveforms,
                    envelope,
                    &mut outcome.golden,
                ));
            }
        }
        Ok(())
    })();
    if let Err((message, report)) = result {
        eprintln!("{report:?}");
        outcome.error = Some(message);
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.status =
        if outcome.error.is_some() || outcome.verdicts.iter().any(|v| v.status == Status::Error) {
            Status::Error
        } else if outcome.verdicts.iter().any(|v| v.status == Status::Fail) {
            Status::Fail
        } else {
            Status::Pass
        };
    outcome
}

fn bless(file: &Path, waveforms: &busbar::results::Waveforms) -> Result<(), Report> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    }
    report::write_atomic(file, &report::waveforms_csv(waveforms))
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", file.display()))
}

/// The golden comparison as a verdict; a missing or unreadable golden file
/// is an error verdict (exit 2), not a failure.
fn golden_verdict(
    file: &Path,
    waveforms: &busbar::results::Waveforms,
    envelope: &Envelope,
    keep: &mut Option<Comparison>,
) -> Verdict {
    let limit_name = format!("Golden {}", file.display());
    let error = |why: String| {
        let mut v = Verdict::new(
            "Golden",
            limit_name.clone(),
            analysis::Measure {
                measured: f64::NAN,
                limit: 1.0,
                margin: f64::NAN,
                unit: "",
                target: None,
                time: None,
                detail: why,
            },
        );
        v.status = Status::Error;
        v
    };
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            return error(format!(
                "cannot read {}: {e}; run with --bless to create it",
                file.display()
            ))
        }
    };
    match golden::parse_csv(&bytes) {
        Ok(g) => {
            let c = golden::compare(file, &g, waveforms, envelope);
            let v = c.verdict();
            *keep = Some(c);
            v
        }
        Err(e) => error(format!("{}: {e}", file.display())),
    }
}

/// The scenario's block of the terminal report.
fn render(o: &Outcome) -> String {
    let mut out = match &o.scenario {
        Some(name) => format!("{}: {name} ({:.2} s)\n", o.file, o.seconds),
        None => format!("{}\n", o.file),
    };
    if let Some(e) = &o.error {
        out.push_str(&format!("  ERROR {}\n", e.lines().next().unwrap_or("")));
    } else if o.verdicts.is_empty() {
        out.push_str("  (no limits)\n");
    }
    for v in &o.verdicts {
        out.push_str(&format!("  {}\n", v.line()));
    }
    out
}
