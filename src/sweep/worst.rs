//! The worst point of a sweep as a ready-to-run scenario: the scenario
//! that bound there, with the point's values added to its overrides and
//! its file paths made relative to the output folder, so that
//! `busbar report DIR/worst.ron` (or `check`) shows it whole.
//!
//! Owns `worst.ron`. Must not choose the worst point (`output`).

use super::output::worst_row;
use super::study::{Row, Sweep};
use super::SweepError;
use crate::scenario::Profile;
use std::path::{Component, Path, PathBuf};

/// The text of `worst.ron` for the worst of `rows`, to be written into the
/// folder `out`; `None` when the sweep has no limits and no error, an
/// error when the scenario cannot be written out as RON.
pub fn worst_scenario(
    sweep: &Sweep,
    rows: &[Row],
    out: &Path,
) -> Result<Option<String>, SweepError> {
    let Some(row) = worst_row(rows) else {
        return Ok(None);
    };
    if row.worst_margin.is_none() && row.binding.is_empty() {
        return Ok(None);
    }
    // The scenario whose limit bound: its name prefixes the binding when
    // the sweep has several.
    let study = sweep
        .studies
        .iter()
        .find(|s| {
            s.scenario()
                .is_some_and(|sc| row.binding.starts_with(&format!("[{}] ", sc.name)))
        })
        .unwrap_or(&sweep.studies[0]);
    let Some(scenario) = study.scenario() else {
        return Ok(None);
    };
    let mut scenario = scenario.clone();
    let base = scenario
        .path()
        .parent()
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let move_path = |p: &str| relative_to(&base.join(p), out).display().to_string();
    let circuit = relative_to(&sweep.spec.circuit_path(), out)
        .display()
        .to_string();
    scenario.circuit = Some(circuit.clone());
    for load in &mut scenario.loads {
        if let Profile::Trace(t) = &mut load.profile {
            t.file = move_path(&t.file);
        }
    }
    for (name, value) in sweep.points.names().into_iter().zip(&row.values) {
        scenario.overrides.insert(name, *value);
    }
    let why = match row.verdict {
        super::study::PointVerdict::Error => "could not be run".to_string(),
        _ => format!("binding: {}", row.binding),
    };
    scenario.name = format!(
        "{} (worst point {} of sweep `{}`, {why})",
        scenario.name, row.point, sweep.spec.name
    );
    let config = ron::ser::PrettyConfig::new().extensions(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    );
    let body = ron::ser::to_string_pretty(&scenario, config).map_err(|e| SweepError::Write {
        path: out.join("worst.ron"),
        source: std::io::Error::other(e),
    })?;
    Ok(Some(format!(
        "// Written by `busbar sweep`: point {} of `{}`, the one with the smallest\n\
         // margin relative to its limit ({}). From this folder:\n\
         //   busbar check worst.ron\n\
         //   busbar report {circuit} worst.ron -o worst.html\n{body}\n",
        row.point, sweep.spec.name, row.binding
    )))
}

/// `target` as a path relative to the folder `from`, through their
/// absolute forms; `target` unchanged when either cannot be resolved.
fn relative_to(target: &Path, from: &Path) -> PathBuf {
    let (Ok(t), Ok(f)) = (absolute(target), absolute(from)) else {
        return target.to_path_buf();
    };
    let (t, f): (Vec<Component>, Vec<Component>) =
        (t.components().collect(), f.components().collect());
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

/// An absolute path with `.` and `..` resolved without touching the disk
/// beyond the current directory.
fn absolute(p: &Path) -> std::io::Result<PathBuf> {
    let joined = std::path::absolute(p)?;
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::relative_to;
    use std::path::Path;

    #[test]
    fn relative_paths_climb_and_descend() {
        let r = relative_to(Path::new("/a/b/c/x.ron"), Path::new("/a/d/e"));
        assert_eq!(r, Path::new("../../b/c/x.ron"));
        let r = relative_to(Path::new("/a/b/../c.ron"), Path::new("/a"));
        assert_eq!(r, Path::new("c.ron"));
    }
}
