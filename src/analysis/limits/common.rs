//! Helpers shared by the limit kinds: the recorded columns a glob
//! matches, the worst of a measure over them, upper-limit measures, the
//! held-level measure of the two voltage limits, and the worst of a
//! small-signal measure over the operating points.
//!
//! Must not know any one kind's fields.

use super::columnwise::PerColumn;
use super::SmallSignal;
use crate::analysis::signal::{At, Signal};
use crate::analysis::stability::Bound;
use crate::analysis::sustain::{longest_beyond, sustained_level};
use crate::analysis::verdict::{threshold, Measure};
use crate::glob;
use crate::results::{Column, Quantity, Waveforms};
use crate::scenario::voltage_target;
use crate::units::{eng, eng_time};
use rayon::prelude::*;

/// Columns per parallel task: a held level over a few thousand samples
/// is tens of microseconds, so fewer columns are not worth a task.
pub(super) const COLUMNS_PER_TASK: usize = 16;

pub(super) type Matched<'a> = Vec<(String, Signal<'a>, Option<f64>)>;

/// The `record` entry of a limit's voltage `node`, written `x` or `v(x)`.
pub(super) fn voltage_record(node: &str) -> String {
    format!("v({})", voltage_target(node))
}

/// The recorded columns of `quantity` whose target matches `pattern`, with
/// their nominal voltage. A voltage pattern may be written `v(x)`: it
/// matches the node `x` or the component `x`'s own voltage.
///
/// The signals borrow the columns' values, so deferred columns are rebuilt
/// and kept; a limit over thousands of columns reads them one at a time
/// with [`matched_columns`] and [`Samples::read`](crate::results::Samples::read) instead.
pub(super) fn columns<'a>(
    w: &'a Waveforms,
    pattern: &str,
    quantity: Quantity,
) -> Result<Matched<'a>, String> {
    Ok(matched_columns(w, pattern, quantity)?
        .into_iter()
        .map(|c| (c.name.clone(), Signal::new(&w.time, &c.values), c.nominal))
        .collect())
}

/// `f` of every recorded column of `quantity` matching `pattern`, with its
/// signal, in recording order. Each column is read (a deferred one rebuilt
/// from the step log) inside its own parallel task and dropped after it,
/// so a glob over every rack of a hall never holds all their values.
pub(super) fn per_column<'a, T: Send>(
    w: &'a Waveforms,
    pattern: &str,
    quantity: Quantity,
    f: impl Fn(&Column, &Signal) -> T + Sync,
) -> Result<Vec<(&'a Column, T)>, String> {
    let found = matched_columns(w, pattern, quantity)?;
    let measured: Vec<T> = found
        .par_iter()
        .with_min_len(COLUMNS_PER_TASK)
        .map(|c| f(c, &Signal::new(&w.time, &c.values.read())))
        .collect();
    Ok(found.into_iter().zip(measured).collect())
}

/// The first column with the largest measure among `per` (each column's
/// own worst, if any, with what goes with it): the column a serial walk
/// with a strict `>` would pick, however the columns were measured.
pub(super) fn first_largest<T>(per: Vec<(&Column, Option<(f64, T)>)>) -> Option<(f64, String, T)> {
    let mut worst: Option<(f64, String, T)> = None;
    for (c, (value, with)) in per.into_iter().filter_map(|(c, m)| Some((c, m?))) {
        if worst.as_ref().is_none_or(|x| value > x.0) {
            worst = Some((value, c.name.clone(), with));
        }
    }
    worst
}

/// The recorded columns of `quantity` whose target matches `pattern`, in
/// recording order; an error naming the `record` entry to add when none does.
pub(super) fn matched_columns<'a>(
    w: &'a Waveforms,
    pattern: &str,
    quantity: Quantity,
) -> Result<Vec<&'a Column>, String> {
    Ok(matched_indices(w, pattern, quantity)?
        .into_iter()
        .map(|c| &w.columns[c])
        .collect())
}

/// The indices in `w.columns` of [`matched_columns`], with its error.
pub(super) fn matched_indices(
    w: &Waveforms,
    pattern: &str,
    quantity: Quantity,
) -> Result<Vec<usize>, String> {
    let found: Vec<usize> = matching(w, pattern, quantity).collect();
    if found.is_empty() {
        let entry = match quantity {
            Quantity::Voltage => pattern.to_string(),
            Quantity::Current => format!("i({pattern})"),
            Quantity::Power => format!("p({pattern})"),
            Quantity::StateOfCharge => format!("soc({pattern})"),
        };
        return Err(format!(
            "not evaluated: nothing recorded matches `{pattern}`; add `{entry}` to `record`"
        ));
    }
    Ok(found)
}

/// The indices of the recorded columns of `quantity` whose target matches
/// `pattern`, in recording order (the order of [`columns`]).
fn matching<'a: 'p, 'p>(
    w: &'a Waveforms,
    pattern: &'p str,
    quantity: Quantity,
) -> impl Iterator<Item = usize> + 'p {
    let pattern = match quantity {
        Quantity::Voltage => voltage_target(pattern),
        _ => pattern,
    };
    w.columns
        .iter()
        .enumerate()
        .filter(move |(_, c)| c.quantity == quantity && glob::matches(pattern, &c.target))
        .map(|(k, _)| k)
}

/// The largest of `f` over the matching columns, with its column name.
pub(super) fn worst_of(
    w: &Waveforms,
    pattern: &str,
    quantity: Quantity,
    f: impl Fn(&Signal) -> Option<At> + Sync,
) -> Result<(At, String), String> {
    let mut worst: Option<(At, String)> = None;
    for (c, at) in per_column(w, pattern, quantity, |_, s| f(s))? {
        if let Some(at) = at {
            if worst.as_ref().is_none_or(|x| at.value > x.0.value) {
                worst = Some((at, c.name.clone()));
            }
        }
    }
    worst.ok_or_else(|| "not evaluated: no finite samples".to_string())
}

pub(super) fn abs(a: At) -> At {
    At {
        value: a.value.abs(),
        time: a.time,
    }
}

/// An upper limit: measured must not exceed `limit`.
pub(super) fn upper(
    at: At,
    target: String,
    limit: f64,
    unit: &'static str,
    detail: &str,
) -> Measure {
    Measure {
        measured: at.value,
        limit,
        margin: limit - at.value,
        unit,
        target: Some(target),
        time: Some(at.time),
        detail: detail.to_string(),
    }
}

/// The column's true extreme seen by the solver between samples, when it
/// is beyond the grid's: a limit without `longer_than` must not miss a
/// dip that falls between two output samples.
fn solver_extreme(column: &Column, below: bool, grid: At) -> At {
    let Some(e) = column.extremes else {
        return grid;
    };
    if below && e.min < grid.value {
        At {
            value: e.min,
            time: e.t_min,
        }
    } else if !below && e.max > grid.value {
        At {
            value: e.max,
            time: e.t_max,
        }
    } else {
        grid
    }
}

/// MinVoltage (`below`) or MaxVoltage on one column: the level it held
/// beyond the threshold for `duration` (its extreme when `duration` is
/// zero), as (value, time).
pub(super) fn level_column(column: &Column, s: &Signal, duration: f64, below: bool) -> PerColumn {
    let held = sustained_level(s, duration, below)?;
    let held = if duration <= 0.0 {
        solver_extreme(column, below, held)
    } else {
        held
    };
    Some((held.value, held.time))
}

/// MinVoltage (`below`) or MaxVoltage from the held level of each column
/// ([`level_column`], in recording order): the worst level, and the
/// longest time its column spent beyond the threshold.
pub(super) fn level(
    w: &Waveforms,
    per: Vec<(&Column, PerColumn)>,
    volts: f64,
    duration: f64,
    below: bool,
) -> Result<Measure, String> {
    let sign = if below { 1.0 } else { -1.0 };
    let mut worst: Option<(&Column, (f64, At))> = None;
    for (column, held) in per {
        let Some((value, time)) = held else {
            continue;
        };
        let margin = sign * (value - volts);
        if worst.as_ref().is_none_or(|x| margin < x.1 .0) {
            worst = Some((column, (margin, At { value, time })));
        }
    }
    let (column, (margin, held)) = worst.ok_or("not evaluated: no finite samples")?;
    let target = column.name.clone();
    let beyond = longest_beyond(&Signal::new(&w.time, &column.values.read()), volts, below);
    let side = if below { "below" } else { "above" };
    let detail = if duration > 0.0 {
        format!(
            "level held for {}: {}; longest time {side} {}: {}",
            threshold(duration, "s"),
            threshold(held.value, "V"),
            threshold(volts, "V"),
            threshold(beyond, "s")
        )
    } else {
        format!("extreme {}", threshold(held.value, "V"))
    };
    Ok(Measure {
        measured: held.value,
        limit: volts,
        margin,
        unit: "V",
        target: Some(target),
        time: Some(held.time),
        detail,
    })
}

/// The worst (smallest) `f` over the operating points of `small`, with
/// its instant.
pub(super) fn worst_point<T>(
    small: &mut dyn SmallSignal,
    mut f: impl FnMut(&Bound) -> Result<(f64, T), String>,
) -> Result<(f64, T, f64), String> {
    let mut worst: Option<(f64, T, f64)> = None;
    small.visit(&mut |t, b| {
        let (value, what) = f(b)?;
        if worst.as_ref().is_none_or(|w| value < w.0) {
            worst = Some((value, what, t));
        }
        Ok(())
    })?;
    worst.ok_or_else(|| "not evaluated: no operating point".into())
}

/// "for > 2 ms" after a level limit's name, when it tolerates excursions.
pub(super) fn held_for(longer_than: Option<f64>) -> String {
    longer_than
        .filter(|d| *d > 0.0)
        .map(|d| format!(" for > {}", threshold(d, "s")))
        .unwrap_or_default()
}

/// The legend of a level limit's band: `MinVoltage 48.50 V (> 2.000 ms)`.
pub(super) fn level_label(kind: &str, volts: f64, longer_than: Option<f64>) -> String {
    match longer_than {
        Some(d) => format!("{kind} {} (> {})", eng(volts, "V"), eng_time(d)),
        None => format!("{kind} {}", eng(volts, "V")),
    }
}
