//! The executor: time loop with adaptive steps, breakpoints (scheduled
//! actions, profile corners, device timers), state events located to a time
//! tolerance, consistent re-initialisation, and sampling onto the output
//! grid plus event instants.
//!
//! Owns the loop and the step-size policy. The method itself is in
//! `rodas`; nonlinear solves in `newton`.

use super::culprit::{locate, name, Culprit};
use super::newton::Newton;
use super::record::Recorder;
use super::rodas::Rodas4;
use super::{EngineError, RunSpec, Start};
use crate::compile::Model;
use crate::device::{Ctx, Reaction};
use crate::results::{EventRecord, SolverStats, Waveforms};

/// Progress reports from the loop (progress bars, logging).
pub trait Observer {
    fn progress(&mut self, t: f64, duration: f64);
}

const MAX_STEPS: u64 = 20_000_000;
/// The smallest step, as a fraction of the run's duration (or of t when
/// later): below it a step is lost in the rounding of t.
pub const MIN_STEP_FRACTION: f64 = 1e-14;
/// Residual tolerance for operating point and re-initialisation (absolute,
/// in the unit of each equation: amperes for KCL, volts for constraints).
const NEWTON_TOLERANCE: f64 = 1e-9;

/// Runs a transient. The model's devices carry discrete state (switches,
/// trips), so the model is taken mutably and left in its final state.
pub fn simulate(
    model: &mut Model,
    spec: &mut RunSpec,
    observer: Option<&mut dyn Observer>,
) -> Result<Waveforms, EngineError> {
    simulate_keeping_partial(model, spec, observer).map_err(|stopped| stopped.error)
}

/// A run that stopped before its end: why, and what was recorded up to
/// then (none when it failed before its first sample).
#[derive(Debug)]
pub struct Stopped {
    pub error: EngineError,
    pub partial: Option<Waveforms>,
}

/// Like [`simulate`], but a failure after the start keeps the samples,
/// extremes and events recorded up to the failure as evidence.
pub fn simulate_keeping_partial(
    model: &mut Model,
    spec: &mut RunSpec,
    observer: Option<&mut dyn Observer>,
) -> Result<Waveforms, Box<Stopped>> {
    let stop = |error| {
        Box::new(Stopped {
            error,
            partial: None,
        })
    };
    validate(spec).map_err(stop)?;
    let mut recorder = Recorder::new(spec, model);
    let mut stats = SolverStats {
        method: "Rodas4".into(),
        unknowns: model.n(),
        ..Default::default()
    };
    let mut events: Vec<EventRecord> = Vec::new();
    let outcome = integrate(
        model,
        spec,
        observer,
        &mut recorder,
        &mut stats,
        &mut events,
    );
    events.sort_by(|a, b| a.time.total_cmp(&b.time));
    match outcome {
        Ok(()) => Ok(recorder.finish(events, stats)),
        Err(error) => {
            let partial = recorder
                .has_samples()
                .then(|| recorder.finish(events, stats));
            Err(Box::new(Stopped { error, partial }))
        }
    }
}

/// The time loop, recording into `recorder`, `stats` and `events`.
fn integrate(
    model: &mut Model,
    spec: &mut RunSpec,
    observer: Option<&mut dyn Observer>,
    recorder: &mut Recorder,
    stats: &mut SolverStats,
    events: &mut Vec<EventRecord>,
) -> Result<(), EngineError> {
    let size = model.n() + 1;
    let mut newton = Newton::new(model).map_err(|e| linear_error(model, 0.0, e))?;
    let mut y = initial_state(model, spec, &mut newton)?;
    let mut stepper = Rodas4::new(model).map_err(|e| linear_error(model, 0.0, e))?;

    let duration = spec.duration;
    let mut breakpoints: Vec<f64> = spec.inputs.breakpoints(duration);
    breakpoints.extend(spec.actions.iter().map(|a| a.time));
    breakpoints.push(duration);
    breakpoints.retain(|t| *t > 0.0 && *t <= duration);
    breakpoints.sort_by(f64::total_cmp);
    breakpoints.dedup_by(|a, b| (*a - *b).abs() <= 1e-15 * duration.max(1.0));
    let mut actions = spec.actions.clone();
    actions.sort_by(|a, b| a.time.total_cmp(&b.time));
    let mut next_action = 0usize;
    // Actions at t = 0 apply before the first step.
    let mut timers: Vec<(f64, usize, u64)> = Vec::new();

    let root_owner: Vec<(usize, usize)> = model
        .devices
        .iter()
        .enumerate()
        .flat_map(|(d, dev)| (0..dev.root_count()).map(move |k| (d, k)))
        .collect();
    let mut roots_old = vec![0.0; root_owner.len()];
    let mut roots_new = vec![0.0; root_owner.len()];
    let mut root_sign = vec![0i8; root_owner.len()];

    let mut ydot = vec![0.0; size];
    let mut y_sample = vec![0.0; size];
    let mut t = 0.0;
    let mut discontinuity = apply_due_actions(
        model,
        &mut actions,
        &mut next_action,
        0.0,
        &mut y,
        &mut timers,
        events,
    )?;
    if discontinuity {
        reinitialise(model, spec, &mut newton, 0.0, &mut y)?;
    }
    eval_roots(model, spec, &root_owner, 0.0, &y, &mut roots_old);
    for (k, g) in roots_old.iter().enumerate() {
        root_sign[k] = if *g < 0.0 { -1 } else { 1 };
        if *g < 0.0 {
            let (d, idx) = root_owner[k];
            let r = model.devices[d].on_root(idx, 0.0, false);
            handle_reaction(model, d, 0.0, r, &mut timers, events);
        }
    }
    // A timer of zero delay armed by the initial state (a load that starts
    // below its UVLO threshold with `seconds: 0`) fires before the first
    // step: a step would have to land on t = 0 with h = 0. What it switched
    // off was off before t = 0 too, so the operating point is solved again
    // without it.
    if fire_due_timers(model, &mut timers, 0.0, 0.0, &y, events) {
        match spec.start {
            Start::OperatingPoint => y = initial_state(model, spec, &mut newton)?,
            Start::Zero => reinitialise(model, spec, &mut newton, 0.0, &mut y)?,
        }
        eval_roots(model, spec, &root_owner, 0.0, &y, &mut roots_old);
        for (k, g) in roots_old.iter().enumerate() {
            root_sign[k] = if *g < 0.0 { -1 } else { 1 };
        }
    }
    recorder.record(model, spec, 0.0, &y, &zero_derivative(size));

    let h_restart = (duration * 1e-7).max(1e-12);
    let max_step = spec.max_step.unwrap_or(duration).min(duration);
    let mut h = h_restart;
    let mut bp_index = 0usize;
    let mut rejected_last = false;
    let mut observer = observer;
    let nodes = super::runaway::node_unknowns(model);
    while t < duration {
        while bp_index < breakpoints.len() && breakpoints[bp_index] <= t {
            bp_index += 1;
        }
        let mut target = breakpoints.get(bp_index).copied().unwrap_or(duration);
        if let Some(&(tt, _, _)) = timers.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
            target = target.min(tt.max(t));
        }
        h = h.min(max_step);
        let remaining = target - t;
        let landing = remaining <= h * 1.05 || remaining <= 1e-14 * duration;
        if landing {
            h = remaining;
        }
        if h <= MIN_STEP_FRACTION * t.abs().max(duration) && !landing {
            return Err(EngineError::StepTooSmall {
                time: t,
                step: h,
                culprit: worst_unknown(model, spec, &stepper, t, &y),
            });
        }
        let err = match stepper.step(model, &mut spec.inputs, t, h, &y, spec.rtol, spec.atol) {
            Ok(e) if e.is_finite() => e,
            Ok(_) => f64::INFINITY,
            Err(e) => {
                if h < 1e-13 * duration {
                    return Err(linear_error(model, t, e));
                }
                f64::INFINITY
            }
        };
        stats.steps += 1;
        if stats.steps > MAX_STEPS {
            return Err(EngineError::TooManySteps {
                time: t,
                limit: MAX_STEPS,
            });
        }
        if err > 1.0 {
            stats.rejected_steps += 1;
            let factor = if err.is_finite() {
                (0.9 * err.powf(-0.25)).clamp(0.1, 0.9)
            } else {
                0.25
            };
            h *= factor;
            rejected_last = true;
            if h < 1e-15 * duration.max(t) {
                return Err(EngineError::StepTooSmall {
                    time: t,
                    step: h,
                    culprit: worst_unknown(model, spec, &stepper, t, &y),
                });
            }
            continue;
        }
        // State events: find the earliest sign change inside the step.
        let mut h_taken = h;
        let mut crossed: Vec<usize> = Vec::new();
        if !root_owner.is_empty() {
            eval_roots(
                model,
                spec,
                &root_owner,
                t + h,
                &stepper.y_new,
                &mut roots_new,
            );
            let mut theta_min = 1.0;
            for k in 0..root_owner.len() {
                if sign_changed(root_sign[k], roots_new[k]) {
                    let theta = locate_root(
                        model,
                        spec,
                        &stepper,
                        &y,
                        t,
                        h,
                        &root_owner,
                        k,
                        root_sign[k],
                    );
                    if theta < theta_min - 1e-12 {
                        theta_min = theta;
                        crossed.clear();
                    }
                    if theta <= theta_min + 1e-12 {
                        crossed.push(k);
                    }
                }
            }
            if !crossed.is_empty() && theta_min < 1.0 {
                h_taken = (theta_min * h).max(1e-15 * duration);
                // Re-take the step exactly to the event so the state there
                // is a real step end, not an interpolant.
                stepper
                    .step(
                        model,
                        &mut spec.inputs,
                        t,
                        h_taken,
                        &y,
                        spec.rtol,
                        spec.atol,
                    )
                    .map_err(|e| linear_error(model, t, e))?;
            }
        }
        // Accept.
        let t_new = if (t + h_taken - target).abs() <= 1e-14 * duration.max(1.0) {
            target
        } else {
            t + h_taken
        };
        recorder.sample_interval(
            model,
            spec,
            &stepper,
            &y,
            t,
            t_new - t,
            &mut y_sample,
            &mut ydot,
        );
        t = t_new;
        y.copy_from_slice(&stepper.y_new);
        if let Some((node, volts)) = super::runaway::runaway(&nodes, &y) {
            return Err(EngineError::Runaway {
                time: t,
                volts,
                culprit: super::culprit::name(model, node),
            });
        }
        stats.function_evaluations = stepper.counters.function_evaluations;
        stats.jacobian_evaluations = stepper.counters.jacobian_evaluations;
        stats.factorizations = stepper.counters.factorizations;
        let factor =
            (0.9 * err.max(1e-10).powf(-0.25)).clamp(0.2, if rejected_last { 1.0 } else { 6.0 });
        rejected_last = false;
        // The error estimate is that of the whole step h; cutting it short
        // at an event says nothing about the next one. Scaling the cut step
        // instead would shrink h geometrically through a run of events close
        // together, down to the step floor.
        h *= factor;
        if let Some(o) = observer.as_deref_mut() {
            o.progress(t, duration);
        }

        discontinuity = false;
        let mut reported = false;
        let mut reacted = vec![false; model.devices.len()];
        for &k in &crossed {
            stats.state_events += 1;
            let rising = root_sign[k] < 0;
            root_sign[k] = if rising { 1 } else { -1 };
            let (d, idx) = root_owner[k];
            reacted[d] = true;
            let r = model.devices[d].on_root(idx, t, rising);
            discontinuity |= r.discontinuity;
            reported |= !r.report.is_empty();
            handle_reaction(model, d, t, r, &mut timers, events);
        }
        // Device timers due now.
        let mut i = 0;
        while i < timers.len() {
            if timers[i].0 <= t + 1e-15 * duration.max(1.0) {
                let (_, d, token) = timers.swap_remove(i);
                reacted[d] = true;
                let r = model.devices[d].on_timer(token, t, &y);
                discontinuity |= r.discontinuity;
                reported |= !r.report.is_empty();
                handle_reaction(model, d, t, r, &mut timers, events);
            } else {
                i += 1;
            }
        }
        let mut acted = false;
        if t == target {
            stats.breakpoints += 1;
            let before = events.len();
            let first_due = next_action;
            discontinuity |= apply_due_actions(
                model,
                &mut actions,
                &mut next_action,
                t,
                &mut y,
                &mut timers,
                events,
            )?;
            reported |= events.len() > before;
            acted = next_action > first_due;
        }
        if discontinuity {
            reinitialise(model, spec, &mut newton, t, &mut y)?;
            h = h_restart;
        }
        if discontinuity || !crossed.is_empty() {
            // Root signs restart from the new state: all of them after a
            // re-initialisation or an action moved it, otherwise those of
            // the devices that just reacted (their discrete state may move
            // their root functions). Any other root keeps the side it was
            // last seen on: the step re-taken to an event ends near, not
            // exactly at, the crossing of the interpolant, so a root handled
            // at an earlier event may still sit a hair on its old side;
            // re-read, it would flip back without its event and be found
            // again at θ ≈ 0 of the next step, over and over.
            let all = discontinuity || acted;
            eval_roots(model, spec, &root_owner, t, &y, &mut roots_old);
            for (k, g) in roots_old.iter().enumerate() {
                let moved = all || reacted[root_owner[k].0];
                if *g != 0.0 && !crossed.contains(&k) && moved {
                    root_sign[k] = if *g < 0.0 { -1 } else { 1 };
                }
            }
        }
        if reported {
            recorder.record_event_row(model, spec, t, &y, &zero_derivative(size));
        }
    }
    stats.jacobian_evaluations = stepper.counters.jacobian_evaluations;
    stats.factorizations = stepper.counters.factorizations;
    stats.function_evaluations =
        stepper.counters.function_evaluations + newton.function_evaluations;
    Ok(())
}

fn validate(spec: &RunSpec) -> Result<(), EngineError> {
    let bad = |what: &str| Err(EngineError::Settings(what.to_string()));
    if !(spec.duration > 0.0 && spec.duration.is_finite()) {
        return bad("duration must be positive");
    }
    if !(spec.sample > 0.0 && spec.sample <= spec.duration) {
        return bad("sample must be positive and not longer than the duration");
    }
    if spec.duration / spec.sample > 5e7 {
        return bad("more than 50 million samples: increase `sample`");
    }
    if !(spec.rtol > 0.0 && spec.rtol < 1.0 && spec.atol > 0.0) {
        return bad("rtol must be in (0, 1) and atol positive");
    }
    Ok(())
}

fn zero_derivative(size: usize) -> Vec<f64> {
    vec![0.0; size]
}

/// Initial guess for the operating point: declared bus nominals on their
/// nodes, zero elsewhere, then each device's own refinement.
pub(crate) fn nominal_guess(model: &Model) -> Vec<f64> {
    let mut y = vec![0.0; model.n() + 1];
    for (name, &i) in &model.node_index {
        if let Some(v) = model.nominal(name) {
            y[i] = v;
        }
    }
    // A refinement carries a guess one device further (a source's voltage
    // through a series link), so repeat until nothing changes: the devices'
    // order in the file must not decide the guess. Refinements only fill
    // values still at the 0 V default or set values from others, so the
    // passes settle; the cap bounds a pathological chain.
    for _ in 0..MAX_GUESS_PASSES {
        let before = y.clone();
        for d in &model.devices {
            d.refine_guess(&mut y);
        }
        y[GROUND_INDEX] = 0.0;
        if y == before {
            break;
        }
    }
    y
}

/// Passes of guess refinement: the longest chain of series links a source's
/// voltage is carried through, whatever the devices' order.
const MAX_GUESS_PASSES: usize = 32;

/// Ground's slot in extended vectors, which a refinement must not move.
const GROUND_INDEX: usize = 0;

pub(crate) fn initial_state(
    model: &Model,
    spec: &mut RunSpec,
    newton: &mut Newton,
) -> Result<Vec<f64>, EngineError> {
    match spec.start {
        Start::Zero => {
            let mut y = vec![0.0; model.n() + 1];
            reinitialise(model, spec, newton, 0.0, &mut y)?;
            Ok(y)
        }
        Start::OperatingPoint => {
            let mut y = nominal_guess(model);
            if let Err(e) =
                newton.operating_point(model, &mut spec.inputs, 0.0, &mut y, NEWTON_TOLERANCE)
            {
                if let Some(open) = super::diagnose::open_at_dc_error(model, spec, &y) {
                    return Err(open);
                }
                return Err(EngineError::NoEquilibrium {
                    message: format!(
                        "Newton and pseudo-transient continuation did not converge; the equation of `{}` keeps a residual of {:.3e}",
                        model.names[e.worst], e.residual
                    ),
                    help: "a constant-power load beyond what its source can deliver (P_max = V²/4R) has no equilibrium; reduce the load or the source impedance".into(),
                });
            }
            let ctx = Ctx {
                t: 0.0,
                inputs: spec.inputs.at(0.0),
            };
            for d in &model.devices {
                if let Err(message) = d.check_operating_point(&ctx, &y) {
                    return Err(EngineError::NoEquilibrium {
                        message: format!("`{}`: {message}", d.name()),
                        help: "the network cannot deliver the demanded power at a regulated voltage (for an R–L source feeding a constant-power load, P_max = V²/4R); reduce the load or the source impedance".into(),
                    });
                }
            }
            Ok(y)
        }
    }
}

fn reinitialise(
    model: &Model,
    spec: &mut RunSpec,
    newton: &mut Newton,
    t: f64,
    y: &mut [f64],
) -> Result<(), EngineError> {
    newton
        .reinitialise(model, &mut spec.inputs, t, y, NEWTON_TOLERANCE)
        .map_err(|e| EngineError::Reinitialisation {
            time: t,
            culprit: culprit_at(model, spec, e.worst, t, y),
        })
}

/// Fires the device timers due at `t` (within `slack`); true when one of
/// them made a discontinuity.
fn fire_due_timers(
    model: &mut Model,
    timers: &mut Vec<(f64, usize, u64)>,
    t: f64,
    slack: f64,
    y: &[f64],
    events: &mut Vec<EventRecord>,
) -> bool {
    let mut discontinuity = false;
    let mut i = 0;
    while i < timers.len() {
        if timers[i].0 <= t + slack {
            let (_, d, token) = timers.swap_remove(i);
            let r = model.devices[d].on_timer(token, t, y);
            discontinuity |= r.discontinuity;
            handle_reaction(model, d, t, r, timers, events);
        } else {
            i += 1;
        }
    }
    discontinuity
}

fn apply_due_actions(
    model: &mut Model,
    actions: &mut [super::ScheduledAction],
    next: &mut usize,
    t: f64,
    y: &mut [f64],
    timers: &mut Vec<(f64, usize, u64)>,
    events: &mut Vec<EventRecord>,
) -> Result<bool, EngineError> {
    let mut discontinuity = false;
    while *next < actions.len() && actions[*next].time <= t {
        let a = &actions[*next];
        let device = &mut model.devices[a.device];
        let r = device
            .apply_at(&a.action, t, y)
            .map_err(|source| EngineError::Action {
                time: t,
                component: device.name().to_string(),
                source,
            })?;
        discontinuity |= r.discontinuity;
        handle_reaction(model, a.device, t, r, timers, events);
        *next += 1;
    }
    Ok(discontinuity)
}

fn handle_reaction(
    model: &Model,
    device: usize,
    t: f64,
    r: Reaction,
    timers: &mut Vec<(f64, usize, u64)>,
    events: &mut Vec<EventRecord>,
) {
    if let Some((at, token)) = r.schedule {
        timers.push((at.max(t), device, token));
    }
    for what in r.report {
        events.push(EventRecord {
            time: t,
            target: model.devices[device].name().to_string(),
            what,
        });
    }
}

fn eval_roots(
    model: &Model,
    spec: &mut RunSpec,
    owners: &[(usize, usize)],
    t: f64,
    y: &[f64],
    out: &mut [f64],
) {
    if owners.is_empty() {
        return;
    }
    let ctx = Ctx {
        t,
        inputs: spec.inputs.at(t),
    };
    let mut k = 0;
    let mut buf = [0.0; 8];
    for dev in &model.devices {
        let n = dev.root_count();
        if n == 0 {
            continue;
        }
        dev.roots(&ctx, y, &mut buf[..n]);
        out[k..k + n].copy_from_slice(&buf[..n]);
        k += n;
    }
}

fn sign_changed(old_sign: i8, new_value: f64) -> bool {
    (old_sign < 0 && new_value > 0.0) || (old_sign > 0 && new_value < 0.0)
}

/// Bisection on the dense output for the crossing of root `k`; returns θ
/// in (0, 1]. The time tolerance is 1e-12 of the step or 1e-15 s.
#[allow(clippy::too_many_arguments)] // all of it is the step being searched
fn locate_root(
    model: &Model,
    spec: &mut RunSpec,
    stepper: &Rodas4,
    y0: &[f64],
    t: f64,
    h: f64,
    owners: &[(usize, usize)],
    k: usize,
    old_sign: i8,
) -> f64 {
    let (d, idx) = owners[k];
    let dev = &model.devices[d];
    let mut buf = vec![0.0; dev.root_count()];
    let mut y = vec![0.0; y0.len()];
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..60 {
        if (hi - lo) * h <= 1e-15_f64.max(1e-12 * h) {
            break;
        }
        let mid = 0.5 * (lo + hi);
        stepper.interpolate(y0, mid, &mut y);
        let ctx = Ctx {
            t: t + mid * h,
            inputs: spec.inputs.at(t + mid * h),
        };
        dev.roots(&ctx, &y, &mut buf);
        if sign_changed(old_sign, buf[idx]) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The unknown with the largest weighted error in the last attempted step,
/// named with its component and node.
fn worst_unknown(
    model: &Model,
    spec: &mut RunSpec,
    stepper: &Rodas4,
    t: f64,
    y: &[f64],
) -> Culprit {
    let index = stepper.worst_error(y, spec.rtol, spec.atol).unwrap_or(0);
    culprit_at(model, spec, index, t, y)
}

fn culprit_at(model: &Model, spec: &mut RunSpec, index: usize, t: f64, y: &[f64]) -> Culprit {
    let ctx = Ctx {
        t,
        inputs: spec.inputs.at(t),
    };
    locate(model, index, &ctx, y)
}

fn linear_error(model: &Model, t: f64, e: super::linear::LinearError) -> EngineError {
    let culprit = match &e {
        super::linear::LinearError::Singular { column } => name(model, column + 1),
        _ => Culprit {
            unknown: "?".into(),
            ..Culprit::default()
        },
    };
    EngineError::Linear {
        time: t,
        culprit,
        source: e,
    }
}
