//! `busbar diff A.json B.json`: the verdicts, inputs, metrics and margins
//! that changed between two result files (`summary.json` of `simulate`,
//! `report --json`, or the `--json` output of `check`): a summary line,
//! verdict flips first, as text or as Markdown for a pull request.
//!
//! Exits 0 unless asked with `--exit-code`, which exits 1 when something
//! changed, as `git diff --exit-code` does; unreadable files and JSON that
//! is not a result file exit 2.

use super::commands::write_stdout;
use busbar::report::diff::{diff, facts, Datum, Fact, Kind};
use busbar::report::diff_render::{render, render_markdown, Counts};
use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Report, WrapErr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    busbar diff main/summary.json pr/summary.json\n  \
    busbar diff --format markdown main.json pr.json > comment.md\n  \
    busbar diff --exit-code --rel-tol 1e-3 a/summary.json b/summary.json")]
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
    /// `text`: a summary line and one line per change; `markdown`: tables
    /// for a pull-request comment. Both put verdict flips first.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Markdown,
}

fn read(path: &Path) -> Result<Vec<Fact>, Report> {
    let text = busbar::budget::read_input_text(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    // A byte-order mark (some editors write one) is not JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value: serde_json::Value = serde_json::from_str(text)
        .into_diagnostic()
        .wrap_err_with(|| format!("{} is not JSON", path.display()))?;
    facts(&value)
        .map_err(|e| miette::miette!("{} is not a busbar result file: {e}", path.display()))
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
        let kind = |k: Kind| match k {
            Kind::Input => "input",
            Kind::Metric => "metric",
            Kind::Verdict => "verdict",
        };
        let list: Vec<_> = changes
            .iter()
            .map(|c| serde_json::json!({"label": c.label, "kind": kind(c.kind), "before": value(&c.before), "after": value(&c.after)}))
            .collect();
        let text = serde_json::to_string_pretty(&list).into_diagnostic()?;
        write_stdout(&format!("{text}\n"));
    } else if !quiet {
        write_stdout(&match args.format {
            Format::Markdown => render_markdown(&changes),
            Format::Text if changes.is_empty() => format!("{}\n", Counts::of(&changes).line()),
            Format::Text => render(&changes),
        });
    }
    Ok(ExitCode::from(if args.exit_code && !changes.is_empty() {
        1
    } else {
        0
    }))
}
