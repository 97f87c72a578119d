//! Turns library errors into miette diagnostics: file:line:column with the
//! offending text underlined where the error carries a location, and a
//! help line with the physical fix where the library suggests one.

use busbar::compile::CompileError;
use busbar::engine::EngineError;
use busbar::error::SourceLocation;
use busbar::netlist::NetlistError;
use busbar::prepare::PrepareError;
use busbar::scenario::ScenarioError;
use busbar::study::StudyError;
use miette::{Diagnostic, NamedSource, Report, SourceSpan};

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
struct Located {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
struct Plain {
    message: String,
    #[help]
    help: Option<String>,
}

fn located(
    message: String,
    location: &SourceLocation,
    text: &str,
    label: &str,
    help: Option<String>,
) -> Report {
    let (start, end) = location.span;
    let end = end.max(start + 1).min(text.len().max(start + 1));
    Report::new(Located {
        message: format!("{location}: {message}"),
        source_code: NamedSource::new(location.file.display().to_string(), text.to_string()),
        span: (start.min(text.len()), end.saturating_sub(start)).into(),
        label: label.to_string(),
        help,
    })
}

fn plain(message: String, help: Option<String>) -> Report {
    Report::new(Plain { message, help })
}

pub fn netlist(e: NetlistError) -> Report {
    match e {
        NetlistError::Syntax {
            message,
            location,
            text,
        } => located(message, &location, &text, "here", None),
        NetlistError::Component {
            component,
            message,
            help,
            location: Some(location),
            text: Some(text),
        } => located(
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
                return plain(e.to_string(), None);
            };
            located(e.to_string(), &l, &t, "in this component", None)
        }
        NetlistError::Parameter {
            ref location,
            ref text,
            ..
        } if location.is_some() && text.is_some() => {
            let (Some(l), Some(t)) = (location.clone(), text.clone()) else {
                return plain(e.to_string(), None);
            };
            located(e.to_string(), &l, &t, "this parameter", None)
        }
        NetlistError::Component { ref help, .. } => {
            let help = help.clone();
            plain(e.to_string(), help)
        }
        other => plain(other.to_string(), None),
    }
}

pub fn scenario(e: ScenarioError) -> Report {
    match e {
        ScenarioError::Syntax {
            message,
            location,
            text,
        } => located(message, &location, &text, "here", None),
        ScenarioError::Invalid {
            message,
            location: Some(location),
            text: Some(text),
        } => located(message, &location, &text, "here", None),
        other => plain(other.to_string(), None),
    }
}

pub fn compile(e: CompileError) -> Report {
    let help = match &e {
        CompileError::Topology { help, .. } | CompileError::Dangling { help, .. } => {
            Some(help.clone())
        }
        _ => None,
    };
    plain(format!("cannot compile the circuit: {e}"), help)
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
    plain(e.to_string(), help)
}

pub fn study(e: StudyError) -> Report {
    match e {
        StudyError::Netlist(e) => netlist(e),
        StudyError::Scenario(e) => scenario(e),
        StudyError::Compile(e) => compile(e),
        StudyError::Engine(e) => engine(e),
        StudyError::Prepare(PrepareError::Scenario(e)) => scenario(e),
        StudyError::Prepare(PrepareError::Compile(e)) => compile(e),
        other => plain(other.to_string(), None),
    }
}
