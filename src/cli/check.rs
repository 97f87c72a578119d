//! `busbar check`: runs scenarios, judges their limits (and optionally
//! golden waveforms) and reports like a test runner, with JUnit XML for CI.
//!
//! Exit codes: 0 every limit passed, 1 a limit failed (also one that
//! failed before an engine failure stopped its run, or, with `--verify`, a
//! run that differs from its tighter rerun by more than 1e-4 of nominal),
//! 2 a scenario could not be read or run, a limit could not be evaluated,
//! or a run stopped with no limit failed.

use super::args::{non_negative, positive};
use super::commands::{parse_set, refuse_clobber, write_stdout};
use super::diagnostics;
use busbar::analysis::golden::{self, Envelope};
use busbar::analysis::limit_set;
use busbar::report::{self, check_json, check_junit, InputFiles, Outcome, Tally};
use busbar::study::{GoldenCheck, Study, StudyError};
use clap::Args;
use miette::{IntoDiagnostic, Report, WrapErr};
use std::collections::BTreeMap;
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
    /// Limit-set file whose limits apply to every scenario (repeatable). A
    /// limit equal to one the scenario (or an earlier set) already has is
    /// judged once.
    #[arg(long = "limits", value_name = "FILE")]
    pub limit_sets: Vec<PathBuf>,
    /// Compare the recorded waveforms with `DIR/<scenario path>.csv`: the
    /// scenario's path from the current folder, `.ron` replaced by `.csv`.
    #[arg(long, value_name = "DIR")]
    pub golden: Option<PathBuf>,
    /// Rewrite the golden waveforms from this run instead of comparing.
    #[arg(long, requires = "golden")]
    pub bless: bool,
    /// Golden envelope: tolerance relative to each golden value.
    #[arg(long, default_value_t = 1e-3, value_name = "FRACTION", value_parser = non_negative, allow_hyphen_values = true)]
    pub rel_tol: f64,
    /// Golden envelope: absolute tolerance as a fraction of each column's
    /// full scale.
    #[arg(long, default_value_t = 1e-4, value_name = "FRACTION", value_parser = non_negative, allow_hyphen_values = true)]
    pub abs_tol: f64,
    /// Golden envelope: time tolerance around edges (default: one sample).
    #[arg(long, value_name = "SECONDS", value_parser = positive, allow_hyphen_values = true)]
    pub time_tol: Option<f64>,
    /// Also rerun each scenario at rtol and atol 100× tighter: a `Verify`
    /// verdict that fails when a recorded node differs by more than 1e-4
    /// of its nominal voltage.
    #[arg(long)]
    pub verify: bool,
    /// Parameter or `component.field` override, on top of each scenario's
    /// (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, f64)>,
}

pub fn run(args: CheckArgs, quiet: bool, json: bool) -> Result<ExitCode, Report> {
    let mut sets = Vec::new();
    for path in &args.limit_sets {
        sets.push(limit_set::load(path).map_err(|e| miette::miette!("{e}"))?);
    }
    let mut extra: Vec<busbar::analysis::Limit> = Vec::new();
    for limit in sets.iter().flat_map(|s| s.limits.iter()) {
        if !extra.contains(limit) {
            extra.push(limit.clone());
        }
    }
    let golden = args.golden.clone().map(|dir| GoldenCheck {
        dir,
        envelope: Envelope {
            rel: args.rel_tol,
            abs_full_scale: args.abs_tol,
            time: args.time_tol,
        },
    });
    let overrides: BTreeMap<String, f64> = args.set.iter().cloned().collect();
    // The files named on the command line now; the circuits and traces
    // the scenarios name as they are read, before the report is written.
    let mut inputs = InputFiles::new(
        args.scenarios
            .iter()
            .chain(&args.limit_sets)
            .chain(&args.circuit)
            .cloned(),
    );
    if let Some(file) = &args.junit {
        refuse_clobber(inputs.check_file("--junit", file))?;
    }
    let text_out = !quiet && !json;
    let mut outcomes = Vec::new();
    for path in &args.scenarios {
        let started = Instant::now();
        let mut outcome = Outcome::new(path.display().to_string());
        let run = Run {
            args: &args,
            extra: &extra,
            golden: golden.as_ref(),
            overrides: &overrides,
            text_out,
            quiet,
        };
        if let Err((message, report)) = run.check_one(path, &mut outcome, &mut inputs) {
            outcome.error = Some(message);
            diagnostics::print(&report, json);
        }
        outcome.finish(started.elapsed().as_secs_f64());
        if text_out {
            write_stdout(&outcome.render());
        }
        outcomes.push(outcome);
    }
    let tally = Tally::of(&outcomes);
    if let Some(file) = &args.junit {
        refuse_clobber(inputs.check_file("--junit", file))?;
        report::write_atomic(file, check_junit(&outcomes).as_bytes())
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", file.display()))?;
    }
    if json {
        let text = serde_json::to_string_pretty(&check_json(&outcomes)).into_diagnostic()?;
        write_stdout(&format!("{text}\n"));
    } else if !quiet {
        write_stdout(&tally.render());
    }
    Ok(ExitCode::from(tally.exit_code()))
}

/// What every scenario of one `check` shares.
struct Run<'a> {
    args: &'a CheckArgs,
    extra: &'a [busbar::analysis::Limit],
    golden: Option<&'a GoldenCheck>,
    overrides: &'a BTreeMap<String, f64>,
    text_out: bool,
    quiet: bool,
}

impl Run<'_> {
    /// Runs one scenario into `outcome`; an error (its message and its
    /// diagnostic) is one that stopped it.
    fn check_one(
        &self,
        path: &Path,
        outcome: &mut Outcome,
        inputs: &mut InputFiles,
    ) -> Result<(), (String, Report)> {
        let fail = |e: StudyError| (e.to_string(), diagnostics::study(e));
        let mut scenario = busbar::scenario::load(path).map_err(|e| fail(e.into()))?;
        outcome.scenario = Some(scenario.name.clone());
        // A `--limits` limit equal to one the scenario already has is the
        // same test: judged and reported once.
        for limit in self.extra {
            if !scenario.limits.contains(limit) {
                scenario.limits.push(limit.clone());
            }
        }
        let study = Study::with_scenario(self.args.circuit.as_deref(), scenario)
            .map_err(fail)?
            .with_overrides(self.overrides);
        inputs.extend(study.input_files());
        outcome.circuit = Some(study.circuit().name());
        outcome.inputs = Some(report::Inputs {
            params: study.applied_params().map_err(fail)?,
            overrides: study.overrides(),
        });
        let golden = self.golden.filter(|_| !self.args.bless);
        let (checked, tight) = if self.args.verify {
            let (checked, tight) = study.beside_tight_run(|| study.check(golden).map_err(fail));
            (checked?, Some(tight.map_err(fail)?))
        } else {
            (study.check(golden).map_err(fail)?, None)
        };
        busbar::analysis::finite::check(&checked.analysis.metrics, &checked.run.waveforms)
            .map_err(|e| fail(e.into()))?;
        if let Some(warning) = study.damping_warning(&checked.run).filter(|_| !self.quiet) {
            eprintln!("warning: {}: {warning}", path.display());
        }
        for warning in checked.run.warnings() {
            eprintln!("warning: {warning}");
        }
        if let Some(e) = &checked.run.stopped {
            let failure = e.failure();
            eprintln!(
                "{}: the run stopped at t = {:.6e} s; limits are judged on what was computed up to then",
                path.display(),
                failure.time
            );
            outcome.error = Some(failure.message.clone());
            outcome.stopped = Some(failure);
        }
        outcome.verdicts = checked.analysis.verdicts;
        outcome.metrics = Some(checked.analysis.metrics);
        outcome.golden = checked.golden;
        if let Some(tight) = tight {
            let accuracy = tight.accuracy(&checked.run);
            outcome.verdicts.push(accuracy.verdict());
            outcome.verify = Some(accuracy);
        }
        if self.args.bless && outcome.stopped.is_some() {
            eprintln!("{}: not blessed: the run stopped early", path.display());
        } else if let (Some(g), true) = (self.golden, self.args.bless) {
            let file = golden::golden_path(&g.dir, path);
            refuse_clobber(inputs.check_file("--bless", &file)).map_err(|e| (e.to_string(), e))?;
            bless(&file, &checked.run.waveforms).map_err(|e| (e.to_string(), e))?;
            if self.text_out {
                write_stdout(&format!("blessed {}\n", file.display()));
            }
        }
        Ok(())
    }
}

fn bless(file: &Path, waveforms: &busbar::results::Waveforms) -> Result<(), Report> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    }
    report::write_atomic_with(file, |out| report::write_waveforms_csv(waveforms, out))
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", file.display()))
}
