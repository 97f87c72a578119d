//! The commands page, rendered from the command line's own definition
//! (a `clap::Command` the binary hands over), so that every command and
//! flag is documented with the help text `--help` prints.
//!
//! Must not know any particular command.

use super::markdown::cell;
use clap::{Arg, Command};
use std::fmt::Write;

/// The whole commands page.
pub fn page(cli: &Command) -> String {
    let mut cli = cli.clone();
    cli.build();
    let mut out = String::from("# Commands\n\n");
    let _ = write!(
        out,
        "{}\n\nOptions every command takes:\n\n",
        text(cli.get_about())
    );
    let globals: Vec<&Arg> = cli.get_arguments().filter(|a| !hidden(a)).collect();
    out.push_str(&arg_table(&globals));
    out.push_str(&budget_table());
    out.push_str("\n| command | |\n|---|---|\n");
    for sub in visible(&cli) {
        let name = format!("busbar {}", sub.get_name());
        let _ = writeln!(
            out,
            "| [`{name}`](#{}) | {} |",
            name.replace(' ', "-"),
            cell(&text(sub.get_about()))
        );
    }
    out.push('\n');
    for sub in visible(&cli) {
        command(&mut out, sub, &format!("busbar {}", sub.get_name()));
    }
    out
}

/// The budgets `--budget` sets, with their defaults.
fn budget_table() -> String {
    let mut out = String::from(
        "\nBudgets, each checked before the work it bounds starts; a run beyond one stops with a message naming it (`--budget NAME=VALUE` raises it):\n\n| budget | default | counts |\n|---|---|---|\n",
    );
    for b in crate::budget::Budget::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            b.name(),
            b.default_value(),
            cell(b.meaning())
        );
    }
    out
}

/// The about text of the `help` subcommand clap adds to commands that
/// have subcommands of their own (`busbar sweep help`).
const CLAP_HELP: &str = "Print this message or the help of the given subcommand(s)";

/// Subcommands shown to users, in definition order.
fn visible(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_about().is_none_or(|a| a.to_string() != CLAP_HELP))
}

fn hidden(a: &Arg) -> bool {
    a.is_hide_set() || matches!(a.get_id().as_str(), "help" | "version")
}

fn text(s: Option<&clap::builder::StyledStr>) -> String {
    s.map(|s| s.to_string()).unwrap_or_default()
}

fn command(out: &mut String, cmd: &Command, path: &str) {
    let about = cmd.get_long_about().or(cmd.get_about());
    let _ = write!(out, "## {path}\n\n{}\n\n", text(about));
    let usage = cmd.clone().render_usage().to_string();
    let _ = write!(out, "```text\n{}\n```\n\n", usage.trim_end());
    let args: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| !hidden(a) && !a.is_global_set())
        .collect();
    if !args.is_empty() {
        out.push_str(&arg_table(&args));
        out.push('\n');
    }
    let after = text(cmd.get_after_long_help().or(cmd.get_after_help()));
    if !after.is_empty() {
        let _ = write!(out, "```text\n{}\n```\n\n", after.trim_end());
    }
    for sub in visible(cmd) {
        command(out, sub, &format!("{path} {}", sub.get_name()));
    }
}

fn arg_table(args: &[&Arg]) -> String {
    let mut out = String::from("| argument | default | meaning |\n|---|---|---|\n");
    for a in args {
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let default = if defaults.is_empty() {
            String::new()
        } else {
            format!("`{}`", defaults.join(","))
        };
        let help = text(a.get_long_help().or(a.get_help()));
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            cell(&spelling(a)),
            cell(&default),
            cell(&help)
        );
    }
    out
}

/// How the argument is written: `-o, --output <OUTPUT>` or `<CIRCUIT>`.
fn spelling(a: &Arg) -> String {
    let values: Vec<String> = a
        .get_value_names()
        .map(|v| v.iter().map(|n| format!("<{n}>")).collect())
        .unwrap_or_else(|| vec![format!("<{}>", a.get_id().as_str().to_uppercase())]);
    if a.is_positional() {
        let mut s = values.join(" ");
        if matches!(a.get_num_args(), Some(r) if r.max_values() > 1) {
            s.push_str("...");
        }
        return s;
    }
    let mut names = Vec::new();
    if let Some(s) = a.get_short() {
        names.push(format!("-{s}"));
    }
    if let Some(l) = a.get_long() {
        names.push(format!("--{l}"));
    }
    let mut s = names.join(", ");
    if a.get_action().takes_values() {
        s.push(' ');
        s.push_str(&values.join(" "));
    }
    s
}
