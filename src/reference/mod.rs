//! The reference manual, generated from the code: every component, field,
//! load profile, scenario event, record entry, limit kind and command, as
//! the Markdown pages of `docs/reference/` and as `busbar help TOPIC`.
//!
//! Mechanism: each file format's types carry a documentation table
//! (`field_doc::Schema`: unit, default, range, meaning per field) beside
//! their definition; field names and types come from serde itself
//! (`field_doc::trace`), walked from each format's root type (`walk`).
//! A field serde accepts without a row, a row for a field that does not
//! exist, or a type reached without a table is a problem; the pages are
//! not written while there is one. Components' events come from the
//! registry's `declared_events()`; the commands page from the binary's
//! `clap` definition, handed in as a value (the library never imports the
//! binary). `tests/reference.rs` fails when the committed pages differ from
//! what this module generates.
//!
//! Sits above every layer whose formats it documents; must not run
//! anything.

mod commands;
mod markdown;
mod pages;
mod walk;

pub use markdown::Style;
pub use walk::{walk, Walk};

use crate::field_doc::trace::trace;
use std::path::{Path, PathBuf};

/// Why the reference cannot be produced or a topic shown.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error(
        "no help topic `{topic}`; did you mean {suggestions}? (`busbar help` lists the topics)"
    )]
    UnknownTopic { topic: String, suggestions: String },
    #[error("the reference is incomplete:\n{}", problems.join("\n"))]
    Incomplete { problems: Vec<String> },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The walk of every file format: circuit, scenario, limit set, sweep.
pub fn walks() -> [Walk; 4] {
    use crate::components as c;
    let mut circuit_docs = crate::netlist::doc::documented();
    circuit_docs.push(&c::SPEC_DOC);
    circuit_docs.extend(c::documented());
    circuit_docs.extend(c::documented_parts());
    let mut scenario_docs = crate::scenario::doc::documented();
    scenario_docs.extend(crate::analysis::limits::doc::documented());
    [
        walk("circuit file", trace::<c::Circuit>, &circuit_docs),
        walk(
            "scenario file",
            trace::<crate::analysis::limits::Scenario>,
            &scenario_docs,
        ),
        walk(
            "limit-set file",
            trace::<crate::analysis::limit_set::LimitSet>,
            &crate::analysis::limits::doc::documented(),
        ),
        walk(
            "sweep file",
            trace::<crate::sweep::spec::SweepSpec>,
            &crate::sweep::doc::documented(),
        ),
    ]
}

/// Everything undocumented, or documented but not there; empty when the
/// reference is complete.
pub fn problems() -> Vec<String> {
    walks().iter().flat_map(|w| w.problems.clone()).collect()
}

/// Every page of `docs/reference/` as (file name, text), `cli` being the
/// command line's definition.
pub fn pages(cli: &clap::Command) -> Result<Vec<(&'static str, String)>, ReferenceError> {
    let problems = problems();
    if !problems.is_empty() {
        return Err(ReferenceError::Incomplete { problems });
    }
    let mut out = pages::pages(&walks());
    out.push(("commands.md", commands::page(cli)));
    Ok(out)
}

/// Writes every page into `dir` (created if missing).
pub fn write(dir: &Path, cli: &clap::Command) -> Result<Vec<PathBuf>, ReferenceError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReferenceError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    for (file, text) in pages(cli)? {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// The text `busbar help TOPIC…` prints: a command's own help, a list
/// (`components`, `limits`, `profiles`, `events`, `record`, …) or one
/// type (`Converter`, `MinVoltage`, `Pulse`…); with no topic, the list of
/// topics. An unknown topic is an error naming the closest ones.
pub fn help(cli: &clap::Command, topic: &[String]) -> Result<String, ReferenceError> {
    let mut cli = cli.clone();
    cli.build();
    if let Some(text) = command_help(&cli, topic) {
        return Ok(text);
    }
    let walks = walks();
    let words = topic.join(" ");
    pages::topic(&walks, &words, &cli).ok_or_else(|| {
        let mut names = pages::topic_names(&walks);
        names.extend(cli.get_subcommands().map(|s| s.get_name().to_string()));
        ReferenceError::UnknownTopic {
            suggestions: crate::units::nearest_first(&words, &names, 3),
            topic: words,
        }
    })
}

/// A command's long help, when `topic` names a command (`sweep merge`).
fn command_help(cli: &clap::Command, topic: &[String]) -> Option<String> {
    let mut cmd = cli;
    for word in topic {
        cmd = cmd.get_subcommands().find(|s| s.get_name() == word)?;
    }
    if topic.is_empty() {
        return None;
    }
    Some(cmd.clone().render_long_help().to_string())
}
