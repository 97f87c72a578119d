//! `busbar diff A.json B.json`: the metrics, margins and verdicts that
//! changed between two result files (`summary.json` of `simulate`, or the
//! `--json` output of `check`), one line each.
//!
//! Exits 0 unless asked with `--exit-code`, which exits 1 when something
//! changed, as `git diff --exit-code` does; unreadable files exit 2.

use super::commands::write_stdout;
use busbar::report::diff::{diff, facts, render, Datum, Fact};
use clap::Args;
use miette::{IntoDiagnostic, Report, WrapErr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier result file (`summary.json`, or `check --json` output).
    pub before: PathBuf,
    /// The later result file.
    pub after: PathBuf,
    /// Numbers whose relative change is at most this count as unchanged.
    #[arg(long, default_value_t = 1e-6, value_name = "FRACTION", value_parser = super::args::non_negative, allow_hyphen_values = true)]
    pub rel_tol: f64,
    /// Exit with 1 when anything changed.
    #[arg(long)]
    pub exit_code: bool,
}

fn read(path: &Path) -> Result<Vec<Fact>, Report> {
    let text = std::fs::read_to_string(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .into_diagnostic()
        .wrap_err_with(|| format!("{} is not JSON", path.display()))?;
    facts(&value)
        .into_diagnostic()
        .wrap_err_with(|| format!("{} is not a busbar result file", path.display()))
}

pub fn run(args: DiffArgs, quiet: bool, json: bool) -> Result<ExitCode, Report> {
    let changes = diff(&read(&args.before)?, &read(&args.after)?, args.rel_tol);
    if json {
        let value = |d: &Option<Datum>| match d {
            Some(Datum::Number {
                value,
                unit,
                margin,
            }) => serde_json::json!({"value": value, "unit": unit, "margin": margin}),
            Some(Datum::Text(t)) => serde_json::json!(t),
            None => serde_json::Value::Null,
        };
        let list: Vec<_> = changes
            .iter()
            .map(|c| serde_json::json!({"label": c.label, "before": value(&c.before), "after": value(&c.after)}))
            .collect();
        let text = serde_json::to_string_pretty(&list).into_diagnostic()?;
        write_stdout(&format!("{text}\n"));
    } else if !quiet {
        if changes.is_empty() {
            write_stdout("no changes\n");
        } else {
            write_stdout(&render(&changes));
        }
    }
    Ok(ExitCode::from(if args.exit_code && !changes.is_empty() {
        1
    } else {
        0
    }))
}
