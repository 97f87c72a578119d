//! Turns library errors into miette diagnostics: file:line:column with the
//! offending text underlined where the error carries a location, and a
//! help line with the physical fix where the library suggests one.
//!
//! Every diagnostic built here carries a kind (`circuit`, `scenario`,
//! `compile`, `engine`, `stability`, `input`; `error` for the commands'
//! own), which the JSON form of an error (`--json`, see [`print`])
//! reports. Control characters in messages
//! and quoted source are escaped, so a name cannot drive the terminal.

use busbar::compile::CompileError;
use busbar::engine::EngineError;
use busbar::error::SourceLocation;
use busbar::netlist::NetlistError;
use busbar::prepare::PrepareError;
use busbar::scenario::ScenarioError;
use busbar::study::StudyError;
use miette::{Diagnostic, LabeledSpan, NamedSource, Report, SourceCode, SourceSpan};
use std::fmt::Display;

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Located {
    kind: &'static str,
    message: String,
    source_code: NamedSource<String>,
    span: SourceSpan,
    label: String,
    help: Option<String>,
}

impl Diagnostic for Located {
    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'a>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source_code)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(Some(self.label.clone()), self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Plain {
    kind: &'static str,
    message: String,
    help: Option<String>,
}

impl Diagnostic for Plain {
    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'a>)
    }
}

/// `text` with its control characters (other than line breaks and tabs)
/// escaped as `\u{..}`.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Source text to quote, with each control character (other than line
/// breaks and tabs) replaced by `?`s of the same byte length, so that the
/// error's byte span still points at the same text.
fn neutral_source(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

fn located(
    kind: &'static str,
    message: String,
    location: &SourceLocation,
    text: &str,
    label: &str,
    help: Option<String>,
) -> Report {
    let (start, end) = location.span;
    let end = end.max(start + 1).min(text.len().max(start + 1));
    Report::new(Located {
        kind,
        message: escape_controls(&format!("{location}: {message}")),
        source_code: NamedSource::new(
            escape_controls(&location.file.display().to_string()),
            neutral_source(text),
        ),
        span: (start.min(text.len()), end.saturating_sub(start)).into(),
        label: label.to_string(),
        help: help.map(|h| escape_controls(&h)),
    })
}

fn plain(kind: &'static str, message: String, help: Option<String>) -> Report {
    Report::new(Plain {
        kind,
        message: escape_controls(&message),
        help: help.map(|h| escape_controls(&h)),
    })
}

/// Prints an error on stderr: the miette diagnostic, or with `--json` one
/// line of JSON (`kind`, `message`, `causes`, `file`, `line`, `column`,
/// `help`; absent parts are null). Exit codes do not change.
pub fn print(report: &Report, json: bool) {
    if json {
        eprintln!("{}", to_json(report));
    } else {
        eprintln!("{report:?}");
    }
}

/// The JSON form (see [`print`]) of clap's rendered text for a command
/// line it refuses: the first line is the message, the rest (the usage
/// and the tip) the help.
pub fn usage_json(rendered: &str) -> serde_json::Value {
    let mut lines = rendered.trim().lines();
    let first = lines.next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first);
    let rest: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
    serde_json::json!({
        "kind": "usage",
        "message": escape_controls(message),
        "causes": [],
        "file": null,
        "line": null,
        "column": null,
        "help": (!rest.is_empty()).then(|| escape_controls(&rest.join(" "))),
    })
}

/// The kind of a diagnostic built here (through any context wrapped
/// around it); `error` for one raised directly by a command.
fn kind(report: &Report) -> &'static str {
    report
        .downcast_ref::<Located>()
        .map(|l| l.kind)
        .or_else(|| report.downcast_ref::<Plain>().map(|p| p.kind))
        .unwrap_or("error")
}

/// The JSON form of a diagnostic (see [`print`]).
pub fn to_json(report: &Report) -> serde_json::Value {
    let causes: Vec<String> = report
        .chain()
        .skip(1)
        .map(|e| escape_controls(&e.to_string()))
        .collect();
    let (mut file, mut line, mut column) = (None, None, None);
    if let (Some(code), Some(label)) = (
        report.source_code(),
        report.labels().and_then(|mut l| l.next()),
    ) {
        if let Ok(span) = code.read_span(label.inner(), 0, 0) {
            file = span.name().map(str::to_string);
            line = Some(span.line() + 1);
            column = Some(span.column() + 1);
        }
    }
    serde_json::json!({
        "kind": kind(report),
        "message": escape_controls(&report.to_string()),
        "causes": causes,
        "file": file,
        "line": line,
        "column": column,
        "help": report.help().map(|h| escape_controls(&h.to_string())),
    })
}

pub fn netlist(e: NetlistError) -> Report {
    match e {
        NetlistError::Syntax {
            message,
            location,
            text,
        } => located("circuit", message, &location, &text, "here", None),
        NetlistError::Component {
            component,
            message,
            help,
            location: Some(location),
            text: Some(text),
        } => located(
            "circuit",
            format!("component `{component}`: {message}"),
            &location,
            &text,
            "this component",
            help,
        ),
        NetlistError::Expression {
            ref location,
            ref text,
            ..
        } if location.is_some() && text.is_some() => {
            let (Some(l), Some(t)) = (location.clone(), text.clone()) else {
                return plain("circuit", e.to_string(), None);
            };
            located("circuit", e.to_string(), &l, &t, "in this component", None)
        }
        NetlistError::Parameter {
            ref location,
            ref text,
            ..
        } if location.is_some() && text.is_some() => {
            let (Some(l), Some(t)) = (location.clone(), text.clone()) else {
                return plain("circuit", e.to_string(), None);
            };
            located("circuit", e.to_string(), &l, &t, "this parameter", None)
        }
        NetlistError::Subsystem {
            subsystem,
            pattern,
            location: Some(location),
            text: Some(text),
        } => located(
            "circuit",
            format!("subsystem `{subsystem}`: pattern `{pattern}` matches no component"),
            &location,
            &text,
            "this pattern",
            Some("patterns are globs over full component paths, such as `row*` or `*.bbu` (`*` also matches dots)".into()),
        ),
        NetlistError::Component { ref help, .. } => {
            let help = help.clone();
            plain("circuit", e.to_string(), help)
        }
        other => plain("circuit", other.to_string(), None),
    }
}

pub fn scenario(e: ScenarioError) -> Report {
    match e {
        ScenarioError::Syntax {
            message,
            location,
            text,
        } => located("scenario", message, &location, &text, "here", None),
        ScenarioError::Invalid {
            message,
            location: Some(location),
            text: Some(text),
        } => located("scenario", message, &location, &text, "here", None),
        other => plain("scenario", other.to_string(), None),
    }
}

pub fn compile(e: CompileError) -> Report {
    let help = match &e {
        CompileError::Topology { help, .. } | CompileError::Dangling { help, .. } => {
            Some(help.clone())
        }
        _ => None,
    };
    plain("compile", format!("cannot compile the circuit: {e}"), help)
}

pub fn engine(e: EngineError) -> Report {
    let help = match &e {
        EngineError::NoEquilibrium { help, .. } => Some(help.clone()),
        EngineError::StepTooSmall { .. } => Some(
            "check for an unstable or collapsing bus (run `busbar validate`), or loosen rtol/atol"
                .into(),
        ),
        _ => None,
    };
    plain("engine", e.to_string(), help)
}

pub fn study(e: StudyError) -> Report {
    match e {
        StudyError::Netlist(e) => netlist(e),
        StudyError::Scenario(e) => scenario(e),
        StudyError::Compile(e) => compile(e),
        StudyError::Engine(e) => engine(e),
        StudyError::Prepare(PrepareError::Scenario(e)) => scenario(e),
        StudyError::Prepare(PrepareError::Compile(e)) => compile(e),
        StudyError::Stability(e) => plain("stability", e.to_string(), None),
        StudyError::NonFinite(e) => plain("engine", e.to_string(), None),
        other => plain("input", other.to_string(), None),
    }
}
