//! The self-contained HTML report: one file with inline CSS and inline SVG
//! figures, no scripts and no external resources, so it opens from disk on
//! an air-gapped machine, survives being mailed around, and prints on A4
//! or Letter.
//!
//! Layout: a summary page first (its own sections, then a page break when
//! printed), then the appendix (the rest of the sections), then the input
//! files, quoted in full and wrapped so that they print without losing a
//! character (each file starts on a new page).
//!
//! Owns the document skeleton, the styling and HTML escaping, over generic
//! sections of tables and figures. What goes into the sections is built in
//! `html_sections` (from circuits, scenarios and waveforms) or by the
//! caller (analysis results). Must not run studies or judge limits.

use super::plot::Figure;
use std::fmt::Write;

/// A whole report.
#[derive(Debug, Clone, Default)]
pub struct HtmlReport {
    /// Page title and heading, e.g. `rack: synchronous step 0.3 -> 1.0 pu`.
    pub title: String,
    /// Lines under the heading (circuit, tool version).
    pub subtitle: Vec<String>,
    /// A red alert under the heading (a run that stopped early), if any.
    pub banner: Option<String>,
    /// The first page, in reading order.
    pub summary: Vec<Section>,
    /// The appendix, in reading order; every section gets an entry in the
    /// contents.
    pub sections: Vec<Section>,
    /// Input files quoted verbatim at the end (open, printable).
    pub inputs: Vec<InputFile>,
    /// `busbar` version that produced the report.
    pub version: String,
}

/// A titled part of the report.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Fragment id, e.g. `verdicts`.
    pub id: String,
    pub title: String,
    /// Paragraphs before the tables.
    pub paragraphs: Vec<String>,
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
    /// Remarks shown after the content, in a quieter style.
    pub notes: Vec<String>,
}

/// A table; the first column is read as the row's name.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// `id` attribute, e.g. `verdict-table`; empty for none.
    pub id: String,
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One table cell, optionally coloured by a verdict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub text: String,
    pub status: Option<Status>,
    /// Right-aligned (numbers).
    pub numeric: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    pub fn number(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            numeric: true,
            status: None,
        }
    }

    pub fn status(status: Status) -> Self {
        Cell {
            text: status.label().to_string(),
            status: Some(status),
            numeric: false,
        }
    }
}

/// A verdict or a flag, shown in colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Worth a look but not a failure (e.g. a mode near its threshold).
    Warn,
    NotEvaluated,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Warn => "warning",
            Status::NotEvaluated => "not evaluated",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::NotEvaluated => "na",
        }
    }
}

/// An input file quoted in the report so that it can be reproduced.
#[derive(Debug, Clone, Default)]
pub struct InputFile {
    /// Path as given on the command line.
    pub name: String,
    pub text: String,
}

const BANNER_STYLE: &str = "background: #fbe0e0; color: #9b1c1c; border: 2px solid #9b1c1c; \
    padding: 10px 14px; margin: 12px 0; font-weight: 700; print-color-adjust: exact";

/// Light and print-friendly: tables and figures never split across pages,
/// figures scale to the page width, colours survive printing.
const CSS: &str = r#"
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d4d9; --pass: #e3f4e3; --pass-ink: #145c1e;
  --fail: #fbe0e0; --fail-ink: #9b1c1c; --warn: #fff2d6; --warn-ink: #7a4d00; --na: #eef0f2; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
  max-width: 1180px; margin: 0 auto; padding: 24px 28px 60px; line-height: 1.45; font-size: 15px; }
header h1 { font-size: 1.7em; margin: 0 0 4px; }
header p { margin: 2px 0; color: var(--muted); }
nav ol { columns: 2; padding-left: 1.4em; margin: 12px 0 0; }
nav a { color: #0b57d0; text-decoration: none; }
h2 { font-size: 1.3em; border-bottom: 2px solid var(--rule); padding-bottom: 4px; margin-top: 2em; }
table { border-collapse: collapse; margin: 10px 0 18px; min-width: 45%; font-size: 0.93em; }
table.wide { width: 100%; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f6f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pass { background: var(--pass); color: var(--pass-ink); font-weight: 600; }
td.fail { background: var(--fail); color: var(--fail-ink); font-weight: 700; }
td.warn { background: var(--warn); color: var(--warn-ink); font-weight: 600; }
td.na { background: var(--na); color: var(--muted); }
figure { margin: 14px 0 24px; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 0.9em; margin-top: 4px; }
p.note { color: var(--muted); font-size: 0.92em; }
details { margin: 10px 0; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f7f8fa; border: 1px solid var(--rule); padding: 10px; overflow-x: auto;
  font-size: 0.85em; white-space: pre-wrap; overflow-wrap: anywhere; }
p.part { font-size: 1.5em; font-weight: 700; margin: 2.2em 0 0; border-top: 3px solid var(--ink);
  padding-top: 6px; }
code.hash { font-size: 0.9em; overflow-wrap: anywhere; }
@page { size: auto; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2, h3, caption { break-after: avoid; }
  figure, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  td.pass, td.fail, td.warn, td.na, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  figure svg { border: none; }
  .appendix { break-before: page; }
  .appendix > p.part { margin-top: 0; }
  .input-file { break-before: page; }
  pre { overflow: visible; font-size: 7.5pt; line-height: 1.3; border: none; padding: 0;
    background: none; break-inside: auto; }
  details > summary { display: none; }
}
"#;

/// Renders the report as one HTML document.
pub fn render_html(report: &HtmlReport) -> String {
    let mut out = String::with_capacity(
        64 * 1024
            + report
                .sections
                .iter()
                .flat_map(|s| &s.figures)
                .map(|f| f.svg.len())
                .sum::<usize>(),
    );
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<meta name=\"generator\" content=\"busbar {}\">",
        escape(&report.version)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&report.title));
    let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>");
    out.push_str("<header>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&report.title));
    for line in &report.subtitle {
        let _ = writeln!(out, "<p>{}</p>", escape(line));
    }
    if let Some(text) = &report.banner {
        // Styled inline so that reports without a banner keep their bytes.
        let _ = writeln!(
            out,
            "<div class=\"banner\" role=\"alert\" style=\"{BANNER_STYLE}\">{}</div>",
            escape(text)
        );
    }
    out.push_str("<nav><ol>\n");
    for s in report.summary.iter().chain(&report.sections) {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(&s.id),
            escape(&s.title)
        );
    }
    out.push_str("<li><a href=\"#inputs\">Inputs and version</a></li>\n</ol></nav>\n</header>\n");
    out.push_str("<div class=\"summary-page\">\n");
    for s in &report.summary {
        section(&mut out, s);
    }
    out.push_str("</div>\n<div class=\"appendix\">\n<p class=\"part\">Appendix</p>\n");
    for s in &report.sections {
        section(&mut out, s);
    }
    inputs(&mut out, report);
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

fn section(out: &mut String, s: &Section) {
    let _ = writeln!(
        out,
        "<section id=\"{}\">\n<h2>{}</h2>",
        escape(&s.id),
        escape(&s.title)
    );
    for p in &s.paragraphs {
        let _ = writeln!(out, "<p>{}</p>", escape(p));
    }
    for t in &s.tables {
        table(out, t);
    }
    for f in &s.figures {
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            inline_svg(f),
            escape(&f.title)
        );
    }
    for n in &s.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    out.push_str("</section>\n");
}

fn table(out: &mut String, t: &Table) {
    // Tables with many columns use the page width; short ones stay compact.
    let class = if t.headers.len() > 3 {
        " class=\"wide\""
    } else {
        ""
    };
    if t.id.is_empty() {
        let _ = writeln!(out, "<table{class}>");
    } else {
        let _ = writeln!(out, "<table id=\"{}\"{class}>", escape(&t.id));
    }
    if !t.caption.is_empty() {
        let _ = writeln!(out, "<caption>{}</caption>", escape(&t.caption));
    }
    if !t.headers.is_empty() {
        out.push_str("<thead><tr>");
        for h in &t.headers {
            let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            let mut classes = Vec::new();
            if c.numeric {
                classes.push("num");
            }
            if let Some(s) = c.status {
                classes.push(s.class());
            }
            if classes.is_empty() {
                let _ = write!(out, "<td>{}</td>", escape(&c.text));
            } else {
                let _ = write!(
                    out,
                    "<td class=\"{}\">{}</td>",
                    classes.join(" "),
                    escape(&c.text)
                );
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn inputs(out: &mut String, report: &HtmlReport) {
    out.push_str("<section id=\"inputs\">\n<h2>Inputs and version</h2>\n");
    let _ = writeln!(
        out,
        "<p>Produced by busbar {}. Running the same version on these inputs reproduces this report.</p>",
        escape(&report.version)
    );
    // Open, so that the files print; a reader on screen may fold them.
    out.push_str("<details open>\n<summary>Input files (RON)</summary>\n");
    for f in &report.inputs {
        let _ = writeln!(
            out,
            "<div class=\"input-file\">\n<h3>{}</h3>\n<pre>{}</pre>\n</div>",
            escape(&f.name),
            escape(&f.text)
        );
    }
    out.push_str("</details>\n</section>\n");
}

/// The figure's SVG made fit for inlining: no namespace attribute (HTML
/// does not need it, and the report then names no web address at all),
/// no fixed size (CSS scales it to the page), an accessible name.
fn inline_svg(f: &Figure) -> String {
    let svg = f.svg.trim();
    let Some(end) = svg.find('>') else {
        return String::new();
    };
    let open = &svg[..end];
    let rest = &svg[end..];
    let kept: Vec<&str> = open
        .split(' ')
        .filter(|a| {
            !(a.starts_with("width=") || a.starts_with("height=") || a.starts_with("xmlns="))
        })
        .collect();
    format!(
        "{} role=\"img\" aria-label=\"{}\"{rest}",
        kept.join(" "),
        escape(&f.title)
    )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_inlines() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        let f = Figure {
            name: "x".into(),
            title: "T <1>".into(),
            png: Vec::new(),
            svg: "<svg width=\"10\" height=\"5\" viewBox=\"0 0 10 5\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>".into(),
        };
        assert_eq!(
            inline_svg(&f),
            "<svg viewBox=\"0 0 10 5\" role=\"img\" aria-label=\"T &lt;1&gt;\">\n<rect/></svg>"
        );
    }

    #[test]
    fn renders_sections_tables_and_inputs() {
        let report = HtmlReport {
            title: "t & u".into(),
            subtitle: vec!["circuit c".into()],
            banner: None,
            summary: vec![Section {
                id: "first".into(),
                title: "First page".into(),
                ..Section::default()
            }],
            sections: vec![Section {
                id: "verdicts".into(),
                title: "Verdicts".into(),
                tables: vec![Table {
                    id: "verdict-table".into(),
                    caption: String::new(),
                    headers: vec!["limit".into(), "verdict".into()],
                    rows: vec![vec![Cell::text("Deviation"), Cell::status(Status::Fail)]],
                }],
                ..Section::default()
            }],
            inputs: vec![InputFile {
                name: "s.ron".into(),
                text: "Scenario(name: \"<x>\")".into(),
            }],
            version: "0.1.0".into(),
        };
        let html = render_html(&report);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>t &amp; u</title>"));
        assert!(html.contains("<table id=\"verdict-table\">"));
        assert!(html.contains("<th scope=\"col\">verdict</th>"));
        assert!(html.contains("<td class=\"fail\">FAIL</td>"));
        assert!(html.contains("Scenario(name: &quot;&lt;x&gt;&quot;)"));
        assert!(html.contains("<details open>"));
        let (first, appendix) = (html.find("id=\"first\""), html.find("class=\"appendix\""));
        assert!(first.is_some() && appendix.is_some() && first < appendix);
        assert!(appendix < html.find("id=\"verdicts\""));
        assert!(!html.contains("http"));
        assert!(!html.contains("<script"));
    }
}
