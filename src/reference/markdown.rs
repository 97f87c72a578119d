//! Renders documented types as Markdown: one section per type with its
//! table of fields (type, unit, default, range, meaning), its variants,
//! the actions a component takes, the events it raises and an example.
//!
//! The same text is printed by `busbar help` with [`Style::Terminal`],
//! where type names are plain words instead of links. Must not walk
//! types or decide what goes on which page (`mod.rs`).

use super::walk::{Entry, TypedField};
use crate::field_doc::Schema;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Where the text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A page of `docs/reference/`: type names link to their section.
    Page,
    /// `busbar help`: type names as plain words.
    Terminal,
}

/// Where each documented type's section is: its page file.
pub type Places = BTreeMap<&'static str, &'static str>;

/// Text with every `{Name}` of a known type turned into a link (or, in
/// the terminal, the bare name).
pub fn linked(text: &str, page: &str, places: &Places, style: Style) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        let name = &after[..name_len];
        match (after[name_len..].starts_with('}'), places.get(name)) {
            (true, Some(file)) => {
                match style {
                    Style::Terminal => out.push_str(name),
                    Style::Page if *file == page => {
                        let _ = write!(out, "[{name}](#{})", anchor(name));
                    }
                    Style::Page => {
                        let _ = write!(out, "[{name}]({file}#{})", anchor(name));
                    }
                }
                rest = &after[name_len + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The anchor a Markdown renderer gives a heading made of `name`.
pub fn anchor(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// A table cell: no line breaks, `|` escaped.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The context a section is rendered in.
pub struct Ctx<'a> {
    pub page: &'a str,
    pub places: &'a Places,
    pub style: Style,
}

impl Ctx<'_> {
    fn link(&self, text: &str) -> String {
        linked(text, self.page, self.places, self.style)
    }
}

/// One type's section: heading, summary, about, fields or variants, and
/// for a component its actions, events and example.
pub fn section(entry: &Entry, events: Option<&[&str]>, ctx: &Ctx) -> String {
    let doc: &Schema = entry.doc;
    // Component fields are checked against the magnitudes of their unit
    // (`components::magnitude`); the reference prints those ranges there
    // and only there.
    let enforced = crate::components::documented()
        .into_iter()
        .chain(crate::components::documented_parts())
        .any(|s| std::ptr::eq(s, doc));
    let mut out = format!("## {}\n\n{}\n\n", doc.name, doc.summary);
    if !doc.about.is_empty() {
        let _ = write!(out, "{}\n\n", doc.about);
    }
    if !entry.fields.is_empty() {
        out.push_str(&field_table(&entry.fields, enforced, ctx));
        out.push('\n');
    }
    for v in &entry.variants {
        let content = match (&v.payload, v.fields.is_empty()) {
            (Some(p), _) => format!("`{}`({})", v.doc.name, ctx.link(p)),
            (None, true) => format!("`{}`", v.doc.name),
            (None, false) => {
                let names: Vec<&str> = v.fields.iter().map(|f| f.doc.name).collect();
                format!("`{}`({})", v.doc.name, names.join(", "))
            }
        };
        let _ = writeln!(out, "- {content}: {}", v.doc.summary);
        if !v.fields.is_empty() {
            out.push('\n');
            for line in field_table(&v.fields, enforced, ctx).lines() {
                let _ = writeln!(out, "  {line}");
            }
            out.push('\n');
        }
    }
    if !entry.variants.is_empty() {
        out.push('\n');
    }
    if !doc.actions.is_empty() {
        out.push_str("Scenario actions it takes (`events:` of a scenario):\n\n| action | effect |\n|---|---|\n");
        for (action, effect) in doc.actions {
            let _ = writeln!(out, "| `{}` | {} |", cell(action), cell(effect));
        }
        out.push('\n');
    }
    if let Some(events) = events {
        let list = if events.is_empty() {
            "none".to_string()
        } else {
            events
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(out, "Events it raises: {list}.\n\n");
    }
    if !doc.example.is_empty() {
        let _ = write!(out, "Example:\n\n```ron\n{}\n```\n\n", doc.example);
    }
    out
}

/// The table of fields; with `magnitudes`, each range names the
/// magnitudes its unit allows.
pub fn field_table(fields: &[TypedField], magnitudes: bool, ctx: &Ctx) -> String {
    let mut out = String::from(
        "| field | type | unit | default | range | meaning |\n|---|---|---|---|---|---|\n",
    );
    for f in fields {
        let d = f.doc;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            d.name,
            cell(&ctx.link(&f.ty)),
            cell(d.unit),
            cell(
                &d.default
                    .map_or("required".to_string(), |v| format!("`{v}`"))
            ),
            cell(&if magnitudes {
                d.range_text()
            } else {
                d.range.text().to_string()
            }),
            cell(d.meaning)
        );
    }
    out
}

/// A two-column list of names and summaries, each name linked.
pub fn summary_table(head: &str, entries: &[&Entry], ctx: &Ctx) -> String {
    let mut out = format!("| {head} | |\n|---|---|\n");
    for e in entries {
        let name = ctx.link(&format!("{{{}}}", e.doc.name));
        let _ = writeln!(out, "| {name} | {} |", cell(e.doc.summary));
    }
    out
}
