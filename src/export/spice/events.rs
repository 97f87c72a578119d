//! Scheduled events and load profiles as piecewise-linear source points:
//! switch and source events per component, faults, each load's profile
//! (stagger included), and the jump placement that makes ngspice's point
//! at an event hold the post-event value, as busbar's sample does.
//!
//! Owns the timing of the deck's sources; must not emit elements.

use super::names::Names;
use super::{ExportError, FORMAT};
use crate::analysis::Scenario;
use crate::components::{ComponentSpec, FlatCircuit};
use crate::netlist::Library;
use crate::scenario::{Event, LoadProfile};
use std::collections::HashMap;

/// Scheduled events sorted per component, in the form the deck needs.
pub(super) struct EventPlan {
    /// Switch name → (time, closed after it).
    pub(super) switches: HashMap<String, Vec<(f64, bool)>>,
    /// Source name → (time, new value).
    pub(super) sets: HashMap<String, Vec<(f64, f64)>>,
    pub(super) faults: Vec<Fault>,
}

/// A scenario fault: a switch from `node` to ground, open until `at`.
pub(super) struct Fault {
    /// The name busbar gives the fault device (`fault3@bus800`).
    pub(super) name: String,
    pub(super) node: String,
    pub(super) siemens: f64,
    pub(super) at: f64,
    pub(super) clear: Option<f64>,
}

impl EventPlan {
    pub(super) fn new(
        circuit: &FlatCircuit,
        scenario: Option<&Scenario>,
        names: &Names,
    ) -> Result<Self, ExportError> {
        let mut plan = EventPlan {
            switches: HashMap::new(),
            sets: HashMap::new(),
            faults: Vec::new(),
        };
        let Some(s) = scenario else {
            return Ok(plan);
        };
        for (k, event) in s.events.iter().enumerate() {
            // Events after the run never fire; busbar drops them too.
            if event.at() > s.duration {
                continue;
            }
            let (component, what) = match event {
                Event::Fault {
                    at,
                    node,
                    ohms,
                    clear_after,
                } => {
                    if !names.has_node(node) {
                        return Err(ExportError::Binding(format!(
                            "event {} (`Fault`): node `{node}` is not in the circuit",
                            k + 1
                        )));
                    }
                    plan.faults.push(Fault {
                        name: format!("fault{}@{node}", k + 1),
                        node: node.clone(),
                        siemens: 1.0 / ohms,
                        at: *at,
                        clear: clear_after.map(|c| at + c).filter(|t| *t <= s.duration),
                    });
                    continue;
                }
                Event::Trip { component, .. }
                | Event::Open { component, .. }
                | Event::Close { component, .. }
                | Event::Set { component, .. } => (component, event),
            };
            let targets: Vec<&ComponentSpec> = circuit
                .components
                .iter()
                .filter(|c| crate::glob::matches(component, c.name()))
                .collect();
            if targets.is_empty() {
                return Err(ExportError::Binding(format!(
                    "event {} (`{}`): no component matches `{component}`",
                    k + 1,
                    event.kind()
                )));
            }
            for target in targets {
                plan.add(target, what)?;
            }
        }
        // Stable: events at one instant keep their file order, as in the
        // engine.
        for list in plan.switches.values_mut() {
            list.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        for list in plan.sets.values_mut() {
            list.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Ok(plan)
    }

    pub(super) fn add(&mut self, target: &ComponentSpec, event: &Event) -> Result<(), ExportError> {
        let unsupported = |feature: String| ExportError::Unsupported {
            name: target.name().to_string(),
            feature,
            format: FORMAT,
        };
        match (event, target) {
            (Event::Open { at, .. }, ComponentSpec::Switch(s)) => {
                self.switches
                    .entry(s.name.clone())
                    .or_default()
                    .push((*at, false));
            }
            (Event::Close { at, .. }, ComponentSpec::Switch(s)) => {
                self.switches
                    .entry(s.name.clone())
                    .or_default()
                    .push((*at, true));
            }
            (
                Event::Set {
                    at, field, value, ..
                },
                ComponentSpec::VoltageSource(v),
            ) if field == "volts" => {
                self.sets
                    .entry(v.name.clone())
                    .or_default()
                    .push((*at, *value));
            }
            (
                Event::Set {
                    at, field, value, ..
                },
                ComponentSpec::CurrentSource(i),
            ) if field == "amps" => {
                self.sets
                    .entry(i.name.clone())
                    .or_default()
                    .push((*at, *value));
            }
            (Event::Trip { at, .. }, _) => {
                return Err(unsupported(format!(
                    "the `Trip` event at t = {at} s (it latches the {} off and resets its state)",
                    target.kind()
                )))
            }
            (other, _) => {
                return Err(unsupported(format!(
                    "a `{}` event on a {}",
                    other.kind(),
                    target.kind()
                )))
            }
        }
        Ok(())
    }
}

/// Each load's profile in circuit order, exactly as the study binds them
/// (stagger included); loads no entry targets run at 1 pu.
pub(super) fn load_profiles(
    circuit: &FlatCircuit,
    scenario: Option<&Scenario>,
) -> Result<Vec<LoadProfile>, ExportError> {
    let names: Vec<String> = circuit
        .components
        .iter()
        .filter_map(|c| match c {
            ComponentSpec::Load(l) => Some(l.name.clone()),
            _ => None,
        })
        .collect();
    let mut profiles = vec![LoadProfile::constant(1.0); names.len()];
    if let Some(s) = scenario {
        for binding in s.bind_loads(&names)? {
            profiles[binding.load] = binding.profile;
        }
    }
    Ok(profiles)
}

/// Appends a jump from `before` to `after` at `t` to PWL `points`: the
/// ramp ends at `t`, so the value at `t` is already `after`
/// (right-continuous, as busbar applies actions and profile corners). A
/// jump at t = 0, or too close to the previous corner, starts there
/// instead.
pub(super) fn push_jump(points: &mut Vec<(f64, f64)>, t: f64, before: f64, after: f64, jump: f64) {
    let last = points.last().map_or(0.0, |p| p.0);
    if t - jump > last {
        points.push((t - jump, before));
        points.push((t, after));
    } else {
        points.push(((last + jump).max(t), after));
    }
}

/// A piecewise-constant value as PWL points: `initial` from t = 0, then
/// each `(t, value)` change taken at t.
pub(super) fn steps(initial: f64, changes: &[(f64, f64)], jump: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, initial)];
    let mut current = initial;
    let mut k = 0;
    while k < changes.len() {
        let t = changes[k].0;
        // Several changes at one instant: the last one wins.
        while k < changes.len() && changes[k].0 == t {
            k += 1;
        }
        let value = changes[k - 1].1;
        if value != current {
            push_jump(&mut points, t, current, value, jump);
            current = value;
        }
    }
    points
}

/// PWL points of a load profile over `[0, duration]`: its value at every
/// corner, a jump where the profile is discontinuous, and the end of the
/// run so that a ramp cut by it is kept.
pub(super) fn profile_points(profile: &LoadProfile, duration: f64, jump: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, profile.value(0.0))];
    if duration <= 0.0 {
        return points;
    }
    let mut corners: Vec<f64> = profile
        .breakpoints(duration)
        .into_iter()
        .filter(|t| *t > 0.0)
        .collect();
    if corners.last().is_none_or(|t| *t < duration) {
        corners.push(duration);
    }
    let mut previous = 0.0;
    for c in corners {
        // The profile is linear between consecutive corners, so the left
        // limit at c comes from the segment that starts at the previous one.
        let left = profile.value(previous) + profile.slope(previous) * (c - previous);
        let right = profile.value(c);
        if (left - right).abs() > 1e-12 * right.abs().max(1.0) {
            push_jump(&mut points, c, left, right, jump);
        } else {
            points.push((c, right));
        }
        previous = c;
    }
    points
}
