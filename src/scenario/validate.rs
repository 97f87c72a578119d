//! Semantic checks of a parsed scenario that need no circuit: signs,
//! orderings and ranges of every number, and the syntax of `record`
//! entries.
//!
//! Owns the rules and their messages; each failure names the entry and the
//! path of the offending field so that `mod` can point at it. Must not
//! check names against a circuit (`bind`) or read files (`trace`).

pub(crate) mod limits;

use super::locate::Seg::{self, Index, Key};
use super::record::Probe;
use super::schema::{Event, Jitter, Profile, Pulse, Scenario, Stagger};
use limits::{check_limit, ScenarioLimit};

/// A rule that failed: message and where in the file.
pub(crate) struct Issue<'a> {
    pub message: String,
    pub path: Vec<Seg<'a>>,
}

type Check<'a> = Result<(), Issue<'a>>;

fn issue<'a>(path: Vec<Seg<'a>>, message: String) -> Issue<'a> {
    Issue { message, path }
}

/// Requires `x` finite and `rule` true, else fails with `what` (a phrase
/// such as "must be > 0") at `path`.
fn require<'a>(x: f64, rule: bool, what: &str, context: &str, path: Vec<Seg<'a>>) -> Check<'a> {
    if x.is_finite() && rule {
        return Ok(());
    }
    let name = match path.last() {
        Some(Key(k)) => format!("`{k}`"),
        _ => "value".to_string(),
    };
    let what = if x.is_finite() {
        what
    } else {
        "must be a finite number"
    };
    Err(issue(path, format!("{context}{name} {what}, got {x}")))
}

fn finite<'a>(x: f64, context: &str, path: Vec<Seg<'a>>) -> Check<'a> {
    require(x, true, "", context, path)
}

fn positive<'a>(x: f64, context: &str, path: Vec<Seg<'a>>) -> Check<'a> {
    require(x, x > 0.0, "must be > 0", context, path)
}

fn non_negative<'a>(x: f64, context: &str, path: Vec<Seg<'a>>) -> Check<'a> {
    require(x, x >= 0.0, "must be ≥ 0", context, path)
}

/// Every rule, section by section; the first failure is reported.
pub(crate) fn validate<L: ScenarioLimit>(s: &Scenario<L>) -> Check<'_> {
    if let Some(c) = crate::ron_tokens::control_char(&s.name) {
        return Err(issue(
            vec![Key("name")],
            format!(
                "the scenario's `name` holds the control character U+{:04X}; names are printed as written, so use visible characters",
                u32::from(c)
            ),
        ));
    }
    positive(s.duration, "", vec![Key("duration")])?;
    positive(s.sample, "", vec![Key("sample")])?;
    if s.sample > s.duration {
        return Err(issue(
            vec![Key("sample")],
            format!(
                "`sample` ({}) must not exceed `duration` ({}): the output grid would hold only t = 0",
                s.sample, s.duration
            ),
        ));
    }
    for (key, tol) in [("rtol", s.rtol), ("atol", s.atol)] {
        if let Some(x) = tol {
            positive(x, "", vec![Key(key)])?;
        }
    }
    if let Some((a, b)) = s.ripple_window {
        if !(a.is_finite() && b.is_finite() && 0.0 <= a && a < b && b <= s.duration) {
            let message = format!(
                "`ripple_window` ({a}, {b}) must satisfy 0 ≤ start < end ≤ duration ({})",
                s.duration
            );
            return Err(issue(vec![Key("ripple_window")], message));
        }
    }
    if let Some(losses) = &s.losses {
        check_losses(losses)?;
    }
    for (i, load) in s.loads.iter().enumerate() {
        let at = |rest: &[Seg<'static>]| [&[Key("loads"), Index(i)], rest].concat();
        let ctx = format!("load `{}`: ", load.target);
        if load.target.trim().is_empty() {
            return Err(issue(
                at(&[Key("target")]),
                "load `target` must not be empty".into(),
            ));
        }
        check_profile(&load.profile, s.duration, &ctx, &at(&[Key("profile")]))?;
        match &load.stagger {
            Some(Stagger::Stagger(p)) => {
                non_negative(p.seconds, &ctx, at(&[Key("stagger"), Key("seconds")]))?;
                if p.phases == Some(0) {
                    let msg = format!("{ctx}stagger `phases` must be at least 1");
                    return Err(issue(at(&[Key("stagger"), Key("phases")]), msg));
                }
            }
            Some(Stagger::Random(r)) => {
                non_negative(r.seconds, &ctx, at(&[Key("stagger"), Key("seconds")]))?;
            }
            None => {}
        }
    }
    for (i, event) in s.events.iter().enumerate() {
        check_event(event, i)?;
    }
    for (key, value) in &s.overrides {
        finite(
            *value,
            &format!("override `{key}`: "),
            vec![Key("overrides"), Key(key)],
        )?;
    }
    for (i, entry) in s.record.iter().enumerate() {
        if let Err(why) = Probe::parse(entry) {
            return Err(issue(
                vec![Key("record"), Index(i)],
                format!("record entry `{entry}`: {why}"),
            ));
        }
    }
    for (i, limit) in s.limits.iter().enumerate() {
        check_limit(limit, s.duration, i)?;
    }
    if s.sweep.is_some() {
        return Err(issue(vec![Key("sweep")], RETIRED_SWEEP.into()));
    }
    Ok(())
}

/// Why a scenario's `sweep` block is refused, and where sweeps went.
const RETIRED_SWEEP: &str = "a scenario takes no `sweep` block: write the sweep in its own file, \
     `Sweep(circuit: \"…\", scenarios: [\"this.ron\"], parameters: {…}, collect: (…))` \
     (see docs/sweeps.md), and run it with `busbar sweep FILE.ron -o DIR`";

fn check_profile<'a>(
    profile: &'a Profile,
    duration: f64,
    ctx: &str,
    path: &[Seg<'a>],
) -> Check<'a> {
    let at = |key: &'static str| [path, &[Key(key)]].concat();
    match profile {
        Profile::Step(s) => {
            finite(s.from, ctx, at("from"))?;
            finite(s.to, ctx, at("to"))?;
            non_negative(s.at, ctx, at("at"))?;
            non_negative(s.rise, ctx, at("rise"))?;
        }
        Profile::Pulse(p) => {
            finite(p.low, ctx, at("low"))?;
            finite(p.high, ctx, at("high"))?;
            positive(p.period, ctx, at("period"))?;
            require(
                p.duty,
                (0.0..=1.0).contains(&p.duty),
                "must be within [0, 1]",
                ctx,
                at("duty"),
            )?;
            non_negative(p.rise, ctx, at("rise"))?;
            non_negative(p.fall, ctx, at("fall"))?;
            non_negative(p.start, ctx, at("start"))?;
            let high_for = p.duty * p.period;
            if p.rise > high_for {
                let msg = format!(
                    "{ctx}`rise` ({}) must fit in the high part of the period, duty·period = {high_for}",
                    p.rise
                );
                return Err(issue(at("rise"), msg));
            }
            if high_for + p.fall > p.period {
                let msg = format!(
                    "{ctx}`fall` ({}) must end within the period: duty·period + fall = {} > period {}",
                    p.fall,
                    high_for + p.fall,
                    p.period
                );
                return Err(issue(at("fall"), msg));
            }
            if p.cycles == Some(0) {
                return Err(issue(
                    at("cycles"),
                    format!("{ctx}`cycles` must be at least 1"),
                ));
            }
            let mut shortest = p.period;
            if let Some(j) = &p.jitter {
                check_jitter(p, j, ctx, &at("jitter"))?;
                shortest *= 1.0 - j.period_fraction;
            }
            // Each cycle is four corners, each an integrator restart, so a
            // mistyped period (µs for ms) must fail here rather than stall
            // the run.
            let in_run = ((duration - p.start) / shortest).ceil().max(0.0);
            let cycles = p.cycles.map_or(in_run, |n| in_run.min(n as f64));
            let what = format!(
                "{ctx}`period` {} s ({cycles:.0} cycles in the {duration} s run)",
                p.period
            );
            if let Err(msg) = crate::budget::Budget::Breakpoints.check(4.0 * cycles, &what) {
                return Err(issue(at("period"), msg));
            }
        }
        Profile::Pwl(points) => {
            if points.is_empty() {
                return Err(issue(
                    path.to_vec(),
                    format!("{ctx}`Pwl` needs at least one (t, pu) point"),
                ));
            }
            for (k, &(t, pu)) in points.iter().enumerate() {
                let here = [path, &[Index(k)]].concat();
                if !t.is_finite() || !pu.is_finite() {
                    return Err(issue(
                        here,
                        format!("{ctx}Pwl point {k} ({t}, {pu}) must be finite"),
                    ));
                }
                if k > 0 && t <= points[k - 1].0 {
                    let msg = format!(
                        "{ctx}Pwl times must increase strictly: point {k} has t = {t} after t = {}",
                        points[k - 1].0
                    );
                    return Err(issue(here, msg));
                }
            }
        }
        Profile::Trace(t) => {
            for (key, text) in [("file", &t.file), ("time", &t.time), ("value", &t.value)] {
                if text.trim().is_empty() {
                    return Err(issue(
                        at(key),
                        format!("{ctx}trace `{key}` must not be empty"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A jittered pulse: bounded fractions that change something, and ramps
/// that fit the shortest cycle the jitter can draw (its corners must
/// increase strictly, so the edges need a duration).
fn check_jitter<'a>(p: &Pulse, j: &Jitter, ctx: &str, path: &[Seg<'a>]) -> Check<'a> {
    let at = |key: &'static str| [path, &[Key(key)]].concat();
    let fraction = "must be within [0, 0.5)";
    for (key, x) in [
        ("period_fraction", j.period_fraction),
        ("level_fraction", j.level_fraction),
    ] {
        require(x, (0.0..0.5).contains(&x), fraction, ctx, at(key))?;
    }
    if j.period_fraction == 0.0 && j.level_fraction == 0.0 {
        let msg = format!(
            "{ctx}`jitter` with `period_fraction` and `level_fraction` both 0 changes nothing: give one of them a value (0.02 is ±2 %) or drop `jitter`"
        );
        return Err(issue(path.to_vec(), msg));
    }
    let parent = &path[..path.len() - 1];
    let edge = |key: &'static str| [parent, &[Key(key)]].concat();
    let shortest = p.period * (1.0 - j.period_fraction);
    if p.rise <= 0.0 || p.rise >= p.duty * shortest {
        let msg = format!(
            "{ctx}a jittered Pulse needs `rise` above 0 and shorter than duty·period of its shortest cycle ({}): got {}",
            p.duty * shortest,
            p.rise
        );
        return Err(issue(edge("rise"), msg));
    }
    if p.fall <= 0.0 || p.fall > (1.0 - p.duty) * shortest {
        let msg = format!(
            "{ctx}a jittered Pulse needs `fall` above 0 and at most (1 − duty)·period of its shortest cycle ({}): got {}",
            (1.0 - p.duty) * shortest,
            p.fall
        );
        return Err(issue(edge("fall"), msg));
    }
    Ok(())
}

fn check_event(event: &Event, i: usize) -> Check<'_> {
    let at = |key: &'static str| vec![Key("events"), Index(i), Key(key)];
    let ctx = format!("event {} (`{}`): ", i + 1, event.kind());
    let time = event.at();
    // An event after the end of the run (a run shortened to look closer)
    // is a warning (`Scenario::late_events`), not an error.
    non_negative(time, &ctx, at("at"))?;
    let target = match event {
        Event::Trip { component, .. }
        | Event::Open { component, .. }
        | Event::Close { component, .. } => ("component", component),
        Event::Fault {
            node,
            ohms,
            clear_after,
            ..
        } => {
            positive(*ohms, &ctx, at("ohms"))?;
            if let Some(c) = clear_after {
                positive(*c, &ctx, at("clear_after"))?;
            }
            ("node", node)
        }
        Event::Set {
            component,
            field,
            value,
            ..
        } => {
            if field.trim().is_empty() {
                return Err(issue(
                    at("field"),
                    format!("{ctx}`field` must not be empty"),
                ));
            }
            finite(*value, &ctx, at("value"))?;
            ("component", component)
        }
    };
    if target.1.trim().is_empty() {
        return Err(issue(
            at(target.0),
            format!("{ctx}`{}` must not be empty", target.0),
        ));
    }
    Ok(())
}

/// The `losses` block: something to draw from and to deliver to, and
/// stages with unique names that are not the reserved `other`.
fn check_losses(l: &super::schema::LossSpec) -> Check<'_> {
    for (key, list) in [("input", &l.input), ("output", &l.output)] {
        if list.is_empty() || list.iter().any(|g| g.trim().is_empty()) {
            return Err(issue(
                vec![Key("losses"), Key(key)],
                format!("`losses.{key}` must list at least one component name or glob, none empty"),
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, stage) in l.stages.iter().enumerate() {
        let at = |key| vec![Key("losses"), Key("stages"), Index(i), Key(key)];
        let name = stage.name.trim();
        if name.is_empty() || name == "other" || !seen.insert(name) {
            return Err(issue(
                at("name"),
                format!("loss stage name `{name}` must be non-empty, unique and not `other` (the stage of every loss no stage names)"),
            ));
        }
        if stage.components.is_empty() || stage.components.iter().any(|g| g.trim().is_empty()) {
            return Err(issue(
                at("components"),
                format!(
                    "loss stage `{name}` must list at least one component name or glob, none empty"
                ),
            ));
        }
    }
    Ok(())
}
