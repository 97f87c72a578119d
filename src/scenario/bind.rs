//! Binding a scenario to a circuit's names: load targets to load indices
//! with their stagger delays, and existence checks for every event, record
//! entry and limit target.
//!
//! Owns glob resolution against name lists, stagger order and the
//! reproducible delay generator. Must not know how loads or components are
//! modelled: it sees only their names.

use super::jitter::{jittered_corners, LoadStreams, SplitMix64};
use super::locate::Seg::{self, Index, Key};
use super::profile::LoadProfile;
use super::record::{voltage_target, Probe, ProbeKind};
use super::schema::{Event, Profile, Scenario, Stagger};
use super::ScenarioError;
use super::ScenarioLimit;
use crate::glob;
use crate::units::{self, natural_cmp};
use std::sync::Arc;

/// One load driven by the scenario: its index in the circuit's load list
/// and its profile, stagger applied.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBinding {
    pub load: usize,
    pub profile: LoadProfile,
}

impl<L: ScenarioLimit> Scenario<L> {
    /// Resolves every `loads` entry against `load_names`. Loads no entry
    /// targets are absent from the result (they run at 1 pu). A later
    /// entry may refine an earlier glob (it matches a strict subset of that
    /// entry's loads, and wins on them); any other pair of entries that
    /// both set one load is an error naming both. The result is sorted by
    /// load index.
    ///
    /// Within one entry the matched loads are ordered by name, comparing
    /// digit runs as numbers (`tray2` before `tray10`), so that the k-th load
    /// of a stagger is the one a reader would count as k-th.
    pub fn bind_loads(&self, load_names: &[String]) -> Result<Vec<LoadBinding>, ScenarioError> {
        let mut slots: Vec<Option<LoadProfile>> = vec![None; load_names.len()];
        // Which entry set each load, and every entry's matches.
        let mut set_by: Vec<Option<usize>> = vec![None; load_names.len()];
        let mut matches: Vec<Vec<usize>> = Vec::new();
        for (i, spec) in self.loads.iter().enumerate() {
            let mut matched: Vec<usize> = (0..load_names.len())
                .filter(|&k| glob::matches(&spec.target, &load_names[k]))
                .collect();
            if matched.is_empty() {
                let message = format!("load target {}", no_match(&spec.target, "load", load_names));
                return Err(self.invalid(message, &[Key("loads"), Index(i), Key("target")]));
            }
            for &load in &matched {
                let Some(earlier) = set_by[load] else {
                    continue;
                };
                let refines = matched.len() < matches[earlier].len()
                    && matched.iter().all(|k| matches[earlier].contains(k));
                if !refines {
                    return Err(self.twice(earlier, i, &load_names[load]));
                }
            }
            for &load in &matched {
                set_by[load] = Some(i);
            }
            matches.push(matched.clone());
            matched.sort_by(|&a, &b| natural_cmp(&load_names[a], &load_names[b]).then(a.cmp(&b)));
            // One shared table per entry, however many loads follow it.
            let table: Option<Arc<[(f64, f64)]>> = match &spec.profile {
                Profile::Pwl(points) => Some(points.as_slice().into()),
                Profile::Trace(trace) => Some(trace.samples.clone()),
                Profile::Step(_) | Profile::Pulse(_) => None,
            };
            let mut delays = Delays::new(spec.stagger.as_ref());
            let mut jittered = match &spec.profile {
                Profile::Pulse(p) => p.jitter.as_ref().map(|j| (p, j, LoadStreams::new(j.seed))),
                _ => None,
            };
            for &load in &matched {
                let delay = delays.next_delay();
                slots[load] = Some(match (&mut jittered, &table) {
                    (Some((p, j, streams)), _) => {
                        let corners =
                            jittered_corners(p, j, self.duration, &mut streams.next_load());
                        LoadProfile::with_table(corners.into(), delay)
                    }
                    (None, Some(t)) => LoadProfile::with_table(t.clone(), delay),
                    (None, None) => LoadProfile::new(&spec.profile, delay),
                });
            }
        }
        Ok(slots
            .into_iter()
            .enumerate()
            .filter_map(|(load, profile)| profile.map(|profile| LoadBinding { load, profile }))
            .collect())
    }

    /// Checks that every event target, `record` entry and limit target
    /// names at least one existing component or node (globs allowed).
    /// `voltages` are the components with a voltage of their own (an
    /// ActiveFrontEnd's PCC), which a voltage entry or a limit's `node`
    /// may name like a node.
    pub fn check_targets(
        &self,
        component_names: &[String],
        node_names: &[String],
        voltages: &[String],
    ) -> Result<(), ScenarioError> {
        let lookup = Lookup {
            components: component_names,
            nodes: node_names,
            voltages,
        };
        for (i, event) in self.events.iter().enumerate() {
            let (key, name, on_node) = match event {
                Event::Fault { node, .. } => ("node", node, true),
                Event::Trip { component, .. }
                | Event::Open { component, .. }
                | Event::Close { component, .. }
                | Event::Set { component, .. } => ("component", component, false),
            };
            if let Err(why) = lookup.check(name, on_node) {
                let message = format!("event {} (`{}`): {key} {why}", i + 1, event.kind());
                return Err(self.invalid(message, &[Key("events"), Index(i), Key(key)]));
            }
        }
        for (i, entry) in self.record.iter().enumerate() {
            let path = [Key("record"), Index(i)];
            let probe = Probe::parse(entry)
                .map_err(|why| self.invalid(format!("record entry `{entry}`: {why}"), &path))?;
            let found = if probe.kind == ProbeKind::Voltage {
                lookup.check_voltage(&probe.target)
            } else {
                lookup.check(&probe.target, false)
            };
            if let Err(why) = found {
                let expected = if probe.kind.on_node() {
                    "a node or a component with a voltage of its own (`v(x)` and bare names record node voltages and an ActiveFrontEnd's PCC voltage)"
                } else {
                    "a component (`i(x)` and `p(x)` record component currents and powers)"
                };
                let message = format!("record entry `{entry}` expects {expected}, but {why}");
                return Err(self.invalid(message, &path));
            }
        }
        for (i, limit) in self.limits.iter().enumerate() {
            for target in [limit.target(), limit.voltage_node()].into_iter().flatten() {
                let key = target.field;
                let found = if target.voltage {
                    lookup.check_voltage(target.pattern)
                } else {
                    lookup.check(target.pattern, target.on_node)
                };
                if let Err(why) = found {
                    let message = format!("limit {} (`{}`): {key} {why}", i + 1, limit.kind());
                    return Err(self.invalid(message, &[Key("limits"), Index(i), Key(key)]));
                }
            }
        }
        Ok(())
    }

    /// Checks each limit that names events (`NoEvent`) against the events
    /// its target components can raise: `events[k]` are the names
    /// (globs) component `k` declares. A target whose components raise no
    /// event, or an event glob that none of them can raise, is an error
    /// listing what they do raise.
    pub fn check_event_names(
        &self,
        component_names: &[String],
        events: &[&[&str]],
    ) -> Result<(), ScenarioError> {
        for (i, limit) in self.limits.iter().enumerate() {
            let (Some((field, pattern)), Some(target)) = (limit.event_names(), limit.target())
            else {
                continue;
            };
            let mut raisable: Vec<&str> = Vec::new();
            for (k, name) in component_names.iter().enumerate() {
                if glob::matches(target.pattern, name) {
                    raisable.extend(events.get(k).copied().unwrap_or_default());
                }
            }
            raisable.sort_unstable();
            raisable.dedup();
            let ctx = format!("limit {} (`{}`): ", i + 1, limit.kind());
            if raisable.is_empty() {
                let message = format!(
                    "{ctx}`{}` matches only components that raise no events, so the limit could never fail",
                    target.pattern
                );
                return Err(self.invalid(message, &[Key("limits"), Index(i), Key(target.field)]));
            }
            let Some(pattern) = pattern else {
                continue;
            };
            if raisable.iter().any(|r| glob::overlap(pattern, r)) {
                continue;
            }
            let message = format!(
                "{ctx}`{field}: \"{pattern}\"` matches no event that `{}` can raise; {}",
                target.pattern,
                suggest(pattern, &raisable)
            );
            return Err(self.invalid(message, &[Key("limits"), Index(i), Key(field)]));
        }
        Ok(())
    }

    /// The entry `key` of `overrides` matches nothing in the circuit:
    /// `message` says why, located at the entry.
    pub fn override_error(&self, key: &str, message: &str) -> ScenarioError {
        self.invalid(
            format!("override `{key}`: {message}"),
            &[Key("overrides"), Key(key)],
        )
    }

    /// Entries `first` and `second` both set `load`, and `second` does not
    /// refine `first`: located at the second, naming both.
    fn twice(&self, first: usize, second: usize, load: &str) -> ScenarioError {
        let path = |i: usize| [Key("loads"), Index(i), Key("target")];
        let first_at = super::locate::find(&self.text, &path(first))
            .map(|(start, end)| super::locate::location(&self.path, &self.text, start, end))
            .map_or_else(String::new, |l| format!(" at {}:{}", l.line, l.column));
        let message = format!(
            "load `{load}` has two profiles: entry {} (target `{}`{first_at}) and entry {} (target `{}`); \
             one would silently replace the other. Give each load one entry; a later entry may only \
             refine part of an earlier glob (match a strict subset of its loads)",
            first + 1,
            self.loads[first].target,
            second + 1,
            self.loads[second].target,
        );
        self.invalid(message, &path(second))
    }

    /// Checks every event against the actions its components take, as
    /// their documentation lists them (`Trip`, `Open`, `Close`,
    /// `Set(field: "volts", value)`, …), so that an action a component
    /// cannot take fails here, at the event, and not when the run reaches
    /// it. `actions[k]` and `kinds[k]` belong to `component_names[k]`.
    pub fn check_event_actions(
        &self,
        component_names: &[String],
        kinds: &[&str],
        actions: &[&[(&str, &str)]],
    ) -> Result<(), ScenarioError> {
        for (i, event) in self.events.iter().enumerate() {
            let (wanted, key) = match event {
                Event::Fault { .. } => continue,
                Event::Set { field, .. } => (format!("Set(field: \"{field}\""), "field"),
                other => (other.kind().to_string(), "component"),
            };
            let taken = |list: &[(&str, &str)]| {
                list.iter()
                    .any(|(a, _)| *a == wanted || a.starts_with(&format!("{wanted},")))
            };
            for (k, name) in component_names.iter().enumerate() {
                let list = actions.get(k).copied().unwrap_or_default();
                if !glob::matches(event.target(), name) || taken(list) {
                    continue;
                }
                let what = match event {
                    Event::Set { field, .. } => format!("`Set` of `{field}`"),
                    other => format!("`{}`", other.kind()),
                };
                let takes = if list.is_empty() {
                    "no scenario action at all".to_string()
                } else {
                    let names: Vec<String> = list.iter().map(|(a, _)| format!("`{a}`")).collect();
                    names.join(", ")
                };
                let message = format!(
                    "event {} (`{}`): `{name}` (a {}) takes no {what}; it takes {takes}",
                    i + 1,
                    event.kind(),
                    kinds.get(k).copied().unwrap_or("component"),
                );
                return Err(self.invalid(message, &[Key("events"), Index(i), Key(key)]));
            }
        }
        Ok(())
    }

    /// Refuses a profile corner closer to the one before it (or to t = 0)
    /// than `min_step`, the smallest step the solver takes: the run could
    /// only fail there, with a step size error far from the cause.
    /// `load_names[b.load]` names binding `b`'s load.
    pub fn check_corner_spacing(
        &self,
        bindings: &[LoadBinding],
        load_names: &[String],
        min_step: f64,
    ) -> Result<(), ScenarioError> {
        for b in bindings {
            let mut corners = b.profile.breakpoints(self.duration);
            corners.retain(|t| (0.0..=self.duration).contains(t));
            corners.sort_by(f64::total_cmp);
            corners.dedup();
            let mut previous = 0.0;
            for &t in &corners {
                let gap = t - previous;
                if gap > 0.0 && gap < min_step {
                    let name = load_names.get(b.load).map_or("?", String::as_str);
                    let entry = self
                        .loads
                        .iter()
                        .rposition(|l| glob::matches(&l.target, name));
                    let kind = entry.map_or("profile", |k| match self.loads[k].profile {
                        Profile::Step(_) => "Step",
                        Profile::Pulse(_) => "Pulse",
                        Profile::Pwl(_) => "Pwl",
                        Profile::Trace(_) => "Trace",
                    });
                    let message = format!(
                        "load `{name}`: its {kind} profile has a corner at t = {}, only {} after the one before (t = {}); the solver's smallest step over this {} run is {}, so the edge cannot be resolved: move the corner later or give the edge a duration (a Step's `rise`) of at least that",
                        units::eng(t, "s"),
                        units::eng(gap, "s"),
                        units::eng(previous, "s"),
                        units::eng(self.duration, "s"),
                        units::eng(min_step, "s"),
                    );
                    let path = match entry {
                        Some(k) => vec![Key("loads"), Index(k), Key("profile")],
                        None => Vec::new(),
                    };
                    return Err(self.invalid(message, &path));
                }
                previous = t;
            }
        }
        Ok(())
    }

    pub(crate) fn invalid(&self, message: String, path: &[Seg]) -> ScenarioError {
        super::invalid_at(&self.path, &self.text, message, path)
    }
}

struct Lookup<'a> {
    components: &'a [String],
    nodes: &'a [String],
    /// Components with a voltage of their own, `v(name)`.
    voltages: &'a [String],
}

impl Lookup<'_> {
    /// Ok if `pattern` (`x` or `v(x)`) matches a node or a component with
    /// a voltage of its own; else why not, naming the components that have
    /// one.
    fn check_voltage(&self, pattern: &str) -> Result<(), String> {
        let target = voltage_target(pattern);
        if self.voltages.iter().any(|n| glob::matches(target, n)) {
            return Ok(());
        }
        self.check(target, true).map_err(|mut why| {
            let own: Vec<String> = self.voltages.iter().take(5).map(|n| format!("`{n}`")).collect();
            why.push_str(&match self.voltages.len() {
                0 => "; no component of the circuit has a voltage of its own (`v(name)` of an ActiveFrontEnd is its PCC voltage)".to_string(),
                n => format!(
                    "; the components with a voltage of their own (an ActiveFrontEnd's PCC voltage): {}{}",
                    own.join(", "),
                    if n > 5 { format!(" ({n} in the circuit)") } else { String::new() }
                ),
            });
            why
        })
    }

    /// Ok if `pattern` matches a node (`on_node`) or a component; else the
    /// rest of a sentence saying so, with a hint when it names the other
    /// kind.
    fn check(&self, pattern: &str, on_node: bool) -> Result<(), String> {
        let (pool, what, other, other_what) = if on_node {
            (self.nodes, "node", self.components, "component")
        } else {
            (self.components, "component", self.nodes, "node")
        };
        if pool.iter().any(|n| glob::matches(pattern, n)) {
            return Ok(());
        }
        let mut why = no_match(pattern, what, pool);
        if other.iter().any(|n| glob::matches(pattern, n)) {
            why.push_str(&format!(" (`{pattern}` is a {other_what})"));
        }
        Err(why)
    }
}

/// "`x` matches no load; similar loads: a, b (18 in the circuit)".
fn no_match(pattern: &str, what: &str, pool: &[String]) -> String {
    if pool.is_empty() {
        return format!("`{pattern}` matches no {what}: the circuit has no {what}s");
    }
    let literal: String = pattern
        .chars()
        .filter(|c| !matches!(c, '*' | '?'))
        .collect();
    let shown: Vec<String> = units::ranked(&literal, pool)
        .iter()
        .take(5)
        .map(|(_, n)| format!("`{n}`"))
        .collect();
    format!(
        "`{pattern}` matches no {what}; similar {what}s: {} ({} in the circuit)",
        shown.join(", "),
        pool.len()
    )
}

/// "did you mean `triggered`? Its events: `charged`, … (globs …)".
fn suggest(pattern: &str, raisable: &[&str]) -> String {
    let literal: String = pattern
        .chars()
        .filter(|c| !matches!(c, '*' | '?'))
        .collect();
    let pool: Vec<String> = raisable.iter().map(|s| s.to_string()).collect();
    let ranked = units::ranked(&literal, &pool);
    let all: Vec<String> = pool.iter().map(|n| format!("`{n}`")).collect();
    let closest = ranked.first().map(|(_, n)| *n).unwrap_or_default();
    format!(
        "did you mean `{closest}`? The events it can raise: {} (a `*` in an event stands for a value)",
        all.join(", ")
    )
}

/// Stagger delays for the loads of one entry, in their sorted order.
struct Delays {
    stagger: Option<Stagger>,
    k: usize,
    rng: SplitMix64,
}

impl Delays {
    fn new(stagger: Option<&Stagger>) -> Self {
        let seed = match stagger {
            Some(Stagger::Random(r)) => r.seed,
            _ => 0,
        };
        Delays {
            stagger: stagger.cloned(),
            k: 0,
            rng: SplitMix64(seed),
        }
    }

    fn next_delay(&mut self) -> f64 {
        let k = self.k;
        self.k += 1;
        match &self.stagger {
            None => 0.0,
            Some(Stagger::Stagger(p)) => {
                let slot = p.phases.filter(|&n| n > 0).map_or(k, |n| k % n);
                slot as f64 * p.seconds
            }
            Some(Stagger::Random(r)) => self.rng.next_unit() * r.seconds,
        }
    }
}
