//! A study: one circuit, and usually one scenario, read from disk once and
//! held in memory for the whole of their use. Every command runs through
//! the same methods here, so `simulate`, `check` and `report` prepare,
//! record, judge and linearise a circuit the same way:
//! - [`Study::prepare`] binds the scenario, always recording what its
//!   limits need on top of its `record`;
//! - [`Study::simulate`] runs the transient with an optional progress
//!   observer; [`Study::simulate_keeping_partial`] keeps what a failed
//!   run computed, as evidence;
//! - [`Study::judge`] measures the run and judges every limit, the
//!   small-signal ones at the scenario's operating points;
//! - [`Study::check`] adds the golden-waveform comparison: one outcome;
//! - [`Study::setup`] / [`Study::stability`] give the operating point and
//!   the stability analysis at any time of the scenario;
//! - [`Study::verify`] reruns at tighter tolerances (`--verify`).
//!
//! Overrides (`--set`, a sweep's point) re-elaborate from the parsed
//! circuit in memory, never from disk.
//!
//! Owns the order of the pipeline and the reading of the input files. Must
//! not compute numbers (`engine`, `analysis`) or lay out output (`report`).

mod check;
mod verify;

pub use check::{golden_verdict, Checked, GoldenCheck};
pub use verify::TightRun;

use crate::analysis::stability::{
    merged_overrides, stability_report, CircuitSource, ReportOptions, Setup, StabilityError,
    StabilityReport,
};
use crate::analysis::{self, Analysis};
use crate::analysis::{Prepared, Scenario};
use crate::compile::{CompileError, Model};
use crate::components::FlatCircuit;
use crate::engine::{EngineError, Observer, Stopped};
use crate::netlist::{top_parameters, NetlistError, Parameter};
use crate::prepare::{prepare_recording, PrepareError};
use crate::results::{Failure, Waveforms};
use crate::scenario::{self, ScenarioError};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

pub use crate::prepare::{DEFAULT_ATOL, DEFAULT_RTOL};

/// Anything that stops a study, from reading files to integrating.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error(transparent)]
    Netlist(#[from] NetlistError),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Stability(#[from] StabilityError),
    #[error(transparent)]
    NonFinite(#[from] crate::analysis::finite::NonFinite),
    #[error("the scenario names no circuit; give one on the command line")]
    NoCircuit,
    #[error("this needs a scenario file")]
    NoScenario,
}

/// A circuit and an optional scenario, in memory, with overrides.
#[derive(Debug, Clone)]
pub struct Study {
    circuit: CircuitSource,
    scenario: Option<Scenario>,
    /// Overrides on top of the scenario's (`--set`, a sweep's point).
    overrides: BTreeMap<String, f64>,
}

/// A transient with what it ran on: finished, or stopped by an engine
/// failure with what was computed up to it.
#[derive(Debug)]
pub struct Simulation {
    pub prepared: Prepared,
    /// The whole run, or the part computed before `stopped`.
    pub waveforms: Waveforms,
    /// Wall time of preparation and integration, seconds.
    pub wall_seconds: f64,
    /// Why the run stopped before its end, if it did.
    pub stopped: Option<EngineError>,
}

impl Simulation {
    /// The failure that stopped the run, as results record it.
    pub fn failure(&self) -> Option<Failure> {
        self.stopped.as_ref().map(EngineError::failure)
    }

    /// Warnings on the run: scheduled events after its end (the scenario's
    /// duration, or where it stopped), which never happened.
    pub fn warnings(&self) -> Vec<String> {
        let end = self
            .failure()
            .map_or(self.prepared.scenario.duration, |f| f.time);
        self.prepared.scenario.late_events(end)
    }
}

/// A run's waveforms, with the error that stopped it early if it did; an
/// error when it stopped before its first sample.
pub fn partial_or_error(
    run: Result<Waveforms, Box<Stopped>>,
) -> Result<(Waveforms, Option<EngineError>), StudyError> {
    match run {
        Ok(w) => Ok((w, None)),
        Err(stopped) => match *stopped {
            Stopped {
                error,
                partial: Some(w),
            } => Ok((w, Some(error))),
            Stopped { error, .. } => Err(error.into()),
        },
    }
}

impl Study {
    /// Reads the scenario (if any) and the circuit (the explicit path, else
    /// the one the scenario names), each exactly once.
    pub fn open(circuit: Option<&Path>, scenario: Option<&Path>) -> Result<Study, StudyError> {
        match scenario.map(scenario::load).transpose()? {
            Some(s) => Study::with_scenario(circuit, s),
            None => {
                let path = circuit.ok_or(StudyError::NoCircuit)?;
                Ok(Study::new(CircuitSource::read(path)?, None))
            }
        }
    }

    /// A study of a scenario already read: reads the circuit (the explicit
    /// path, else the one the scenario names) once.
    pub fn with_scenario(circuit: Option<&Path>, scenario: Scenario) -> Result<Study, StudyError> {
        let path = match circuit {
            Some(p) => p.to_path_buf(),
            None => scenario.circuit_path().ok_or(StudyError::NoCircuit)?,
        };
        Ok(Study::new(CircuitSource::read(&path)?, Some(scenario)))
    }

    /// A study of a circuit already in memory.
    pub fn new(circuit: CircuitSource, scenario: Option<Scenario>) -> Study {
        Study {
            circuit,
            scenario,
            overrides: BTreeMap::new(),
        }
    }

    /// The same study with `overrides` on top of the present ones.
    pub fn with_overrides(mut self, overrides: &BTreeMap<String, f64>) -> Study {
        self.overrides
            .extend(overrides.iter().map(|(k, v)| (k.clone(), *v)));
        self
    }

    pub fn circuit(&self) -> &CircuitSource {
        &self.circuit
    }

    pub fn scenario(&self) -> Option<&Scenario> {
        self.scenario.as_ref()
    }

    /// Every file the study read: the circuit, the scenario, the circuit
    /// the scenario names and its traces. No output may be one of them.
    pub fn input_files(&self) -> Vec<std::path::PathBuf> {
        let mut files = vec![self.circuit.path().to_path_buf()];
        if let Some(s) = &self.scenario {
            files.extend(s.input_files());
        }
        files
    }

    fn scenario_or_err(&self) -> Result<&Scenario, StudyError> {
        self.scenario.as_ref().ok_or(StudyError::NoScenario)
    }

    /// The scenario's overrides with this study's on top.
    pub fn overrides(&self) -> BTreeMap<String, f64> {
        merged_overrides(self.scenario.as_ref(), &self.overrides)
    }

    /// The circuit's top-level parameters as the run applies them: each
    /// evaluated with the parameter overrides (scenario's, then `--set`) in
    /// place. `summary.json` records them so that `diff` can show what
    /// input changed.
    pub fn applied_params(&self) -> Result<BTreeMap<String, f64>, StudyError> {
        let defs = &self.circuit.parsed().params;
        let fixed: BTreeMap<String, f64> = self
            .overrides()
            .into_iter()
            .filter(|(k, _)| defs.contains_key(k))
            .collect();
        let root = crate::netlist::params::Scope::root(BTreeMap::new());
        crate::netlist::params::resolve(defs, &fixed, &root).map_err(|e| {
            StudyError::Netlist(NetlistError::Parameter {
                name: e.name,
                message: e.message,
                location: None,
                text: None,
            })
        })
    }

    /// The circuit elaborated with every override.
    /// An override the scenario file wrote (not replaced by `--set`) that
    /// matches nothing is located in that file.
    pub fn elaborate(&self) -> Result<FlatCircuit, StudyError> {
        self.circuit
            .elaborate(&self.overrides())
            .map_err(|e| match (e, &self.scenario) {
                (NetlistError::Override { key, message }, Some(s))
                    if s.overrides.contains_key(&key) && !self.overrides.contains_key(&key) =>
                {
                    StudyError::Scenario(s.override_error(&key, &message))
                }
                (e, _) => StudyError::Netlist(e),
            })
    }

    /// The circuit's top-level parameters with every override applied,
    /// as the run uses them.
    pub fn parameters(&self) -> Result<Vec<Parameter>, StudyError> {
        Ok(top_parameters(self.circuit.parsed(), &self.overrides())?)
    }

    /// The overrides given on top of the scenario's (`--set`).
    pub fn own_overrides(&self) -> &BTreeMap<String, f64> {
        &self.overrides
    }

    /// The circuit elaborated and compiled, without a scenario.
    pub fn compile(&self) -> Result<(FlatCircuit, Model), StudyError> {
        let flat = self.elaborate()?;
        let model = crate::compile::compile(&flat)?;
        Ok((flat, model))
    }

    /// [`Study::compile`] for callers that read the model's structure and
    /// never evaluate it (`busbar validate`): the same checks, unknowns,
    /// pattern and devices, without laying the devices out for evaluation
    /// ([`crate::compile::compile_unpacked`]).
    pub fn compile_unpacked(&self) -> Result<(FlatCircuit, Model), StudyError> {
        let flat = self.elaborate()?;
        let model = crate::compile::compile_unpacked(&flat)?;
        Ok((flat, model))
    }

    /// Binds the scenario to the compiled circuit, recording its `record`
    /// entries and what its limits need.
    pub fn prepare(&self) -> Result<Prepared, StudyError> {
        let scenario = self.scenario_or_err()?.clone();
        let needed = analysis::limits::limit_probes(&scenario.limits);
        Ok(prepare_recording(self.elaborate()?, scenario, &needed)?)
    }

    /// Prepares and runs the transient; an engine failure is an error.
    pub fn simulate(&self, observer: Option<&mut dyn Observer>) -> Result<Simulation, StudyError> {
        let run = self.simulate_keeping_partial(observer)?;
        match run.stopped {
            Some(e) => Err(e.into()),
            None => Ok(run),
        }
    }

    /// Prepares and runs the transient; an engine failure after the start
    /// keeps what was computed up to it, with the failure in
    /// [`Simulation::stopped`]. A failure before anything was computed (no
    /// operating point) is an error.
    pub fn simulate_keeping_partial(
        &self,
        observer: Option<&mut dyn Observer>,
    ) -> Result<Simulation, StudyError> {
        let started = Instant::now();
        let mut prepared = self.prepare()?;
        let (waveforms, stopped) = partial_or_error(prepared.run_keeping_partial(observer))?;
        Ok(Simulation {
            prepared,
            waveforms,
            wall_seconds: started.elapsed().as_secs_f64(),
            stopped,
        })
    }

    /// Metrics of the run and a verdict per limit; small-signal limits are
    /// judged at t = 0 and at the end of every load event. On a run that
    /// stopped early, see [`analysis::partial`].
    pub fn judge(&self, run: &Simulation) -> Analysis {
        let mut small = analysis::run::small_signal(&run.prepared, &self.setup(0.0));
        let mut judged = analysis::analyse_run(&run.prepared, &run.waveforms, small.as_mut());
        judge_stopped(run, &mut judged);
        judged
    }

    /// Like [`Study::judge`], with the metrics of the columns the
    /// scenario's `record` asked for only; returns those columns too.
    pub fn judge_requested(&self, run: &Simulation) -> (Analysis, Waveforms) {
        let w = &run.waveforms;
        let requested = Waveforms {
            time: w.time.clone(),
            columns: w.columns[..run.prepared.requested_probes].to_vec(),
            events: w.events.clone(),
            stats: w.stats.clone(),
        };
        let mut small = analysis::run::small_signal(&run.prepared, &self.setup(0.0));
        let mut judged = analysis::run::analyse_split(&run.prepared, &requested, w, small.as_mut());
        judge_stopped(run, &mut judged);
        (judged, requested)
    }

    /// The verdicts of [`Study::judge`] without the per-node metrics: the
    /// metrics hold the events only. A sweep that collects no metric needs
    /// no more, and the ripple and settling of every node cost more than
    /// the run itself on a small circuit.
    ///
    /// `before_run`: the study as prepared, before its run; small-signal
    /// limits then bind their operating points on copies of it instead of
    /// elaborating and compiling the circuit again.
    pub fn judge_limits(&self, run: &Simulation, before_run: Option<Prepared>) -> Analysis {
        let w = &run.waveforms;
        let no_columns = Waveforms {
            time: w.time.clone(),
            columns: Vec::new(),
            events: w.events.clone(),
            stats: w.stats.clone(),
        };
        let mut small = match before_run {
            Some(copy) => analysis::run::small_signal_on_copies(&run.prepared, Some(copy)),
            None => analysis::run::small_signal(&run.prepared, &self.setup(0.0)),
        };
        let mut judged =
            analysis::run::analyse_split(&run.prepared, &no_columns, w, small.as_mut());
        judge_stopped(run, &mut judged);
        judged
    }

    /// The operating-point setup at time `at` of the scenario (its loads,
    /// and its actions up to then), with every override.
    pub fn setup(&self, at: f64) -> Setup {
        Setup {
            circuit: self.circuit.clone(),
            scenario: self.scenario.clone(),
            at,
            overrides: self.overrides.clone(),
        }
    }

    /// The time the figures and the report linearise at: the end of the
    /// scenario (its final load), or 0 without one.
    pub fn final_time(&self) -> f64 {
        self.scenario.as_ref().map_or(0.0, |s| s.duration)
    }

    /// The stability analysis at time `at`.
    pub fn stability(
        &self,
        at: f64,
        options: &ReportOptions,
    ) -> Result<StabilityReport, StudyError> {
        Ok(stability_report(&self.setup(at), options)?)
    }
}

/// Revises the verdicts of a run that stopped before its end.
fn judge_stopped(run: &Simulation, judged: &mut Analysis) {
    if let Some(failure) = run.failure() {
        let s = &run.prepared.scenario;
        analysis::partial::judge_stopped(&s.limits, &mut judged.verdicts, failure.time, s.duration);
    }
}

/// Binds a scenario to an elaborated circuit (its overrides applied),
/// recording what its `record` asks for.
pub fn prepare_flat(circuit: FlatCircuit, scenario: Scenario) -> Result<Prepared, PrepareError> {
    crate::prepare::prepare_flat(circuit, scenario)
}

/// Binds a scenario already read to its circuit (the explicit path, else
/// the one it names), recording what its limits need.
pub fn prepare(circuit: Option<&Path>, scenario: Scenario) -> Result<Prepared, StudyError> {
    Study::with_scenario(circuit, scenario)?.prepare()
}

/// Reads a scenario and its circuit and runs it end to end.
pub fn run_files(
    circuit: Option<&Path>,
    scenario: &Path,
) -> Result<(Prepared, Waveforms), StudyError> {
    let run = Study::open(circuit, Some(scenario))?.simulate(None)?;
    Ok((run.prepared, run.waveforms))
}
