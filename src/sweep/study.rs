//! A sweep held in memory: its definition, the circuit and scenarios read
//! once, the points, and the columns every point fills.
//!
//! Evaluating a point re-binds the in-memory [`Study`] with the point's
//! values as overrides: no file is read again. Owns what a point records
//! and its verdict. Must not lay out files (`output`) or schedule points
//! (`run`).

use super::points::Points;
use super::spec::{self, SweepSpec};
use super::SweepError;
use crate::analysis::run::wants_small_signal;
use crate::analysis::stability::{CircuitSource, ReportOptions, StabilityReport};
use crate::analysis::{Analysis, Status};
use crate::report::diff::{facts, Datum, Fact};
use crate::report::Summary;
use crate::study::{partial_or_error, Simulation, Study, StudyError};
use crate::units::nearest_first;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// The unit of a limit whose margin counts events rather than measures a
/// distance (`NoEvent`).
const EVENT_COUNT_UNIT: &str = "events";

/// A sweep ready to evaluate points.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub spec: SweepSpec,
    /// The sweep file's text, the circuit's and each scenario's, for the
    /// hash of the inputs.
    pub texts: Vec<String>,
    pub studies: Vec<Study>,
    pub points: Points,
    /// Result columns after the parameters, in order.
    pub columns: Vec<Column>,
}

/// What a result column holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub unit: String,
    pub kind: ColumnKind,
    /// The scenario it belongs to (index into `studies`).
    pub scenario: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnKind {
    /// A summary metric by its `diff` label.
    Metric(String),
    /// The margin of the scenario's limit number `i`, with its limit.
    Margin(usize),
    /// A small-signal metric of the first scenario.
    SmallSignal(SmallKind),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SmallKind {
    LeastDamping,
    PhaseMargin(String),
    GainMargin(String),
    Middlebrook(String),
}

/// One evaluated point.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub point: usize,
    pub values: Vec<f64>,
    /// One cell per [`Column`]; `None` where nothing was measured.
    pub cells: Vec<Option<f64>>,
    /// The smallest margin relative to its limit over every limit (a
    /// passing event count excluded); `None` without such limits or on an
    /// error.
    pub worst_margin: Option<f64>,
    pub verdict: PointVerdict,
    /// The limit with the smallest relative margin, or the error.
    pub binding: String,
    /// Where the point's time went (not in any file: the files must not
    /// depend on the machine); zero for rows read back.
    pub seconds: PointSeconds,
}

/// The time one point took, by phase, for the overhead a benchmark reports.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PointSeconds {
    /// Elaborating and compiling the circuit with the point's values and
    /// binding each scenario to it.
    pub binding: f64,
    /// The transients.
    pub integrating: f64,
    /// Metrics and limits, small-signal limits (operating points and
    /// eigenvalues) and collected small-signal metrics included.
    pub judging: f64,
}

impl PointSeconds {
    /// The phases summed over rows.
    pub fn total<'a>(rows: impl IntoIterator<Item = &'a Row>) -> PointSeconds {
        rows.into_iter()
            .fold(PointSeconds::default(), |a, r| PointSeconds {
                binding: a.binding + r.seconds.binding,
                integrating: a.integrating + r.seconds.integrating,
                judging: a.judging + r.seconds.judging,
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PointVerdict {
    Pass,
    Fail,
    Error,
}

impl PointVerdict {
    pub fn word(self) -> &'static str {
        match self {
            PointVerdict::Pass => "pass",
            PointVerdict::Fail => "fail",
            PointVerdict::Error => "error",
        }
    }

    pub fn parse(word: &str) -> Option<PointVerdict> {
        [PointVerdict::Pass, PointVerdict::Fail, PointVerdict::Error]
            .into_iter()
            .find(|v| v.word() == word)
    }
}

impl Sweep {
    /// Reads the sweep file, its circuit and scenarios once, checks every
    /// parameter name and collected metric against a nominal run, and fixes
    /// the columns.
    pub fn open(path: &Path) -> Result<Sweep, SweepError> {
        let spec = spec::load(path)?;
        let read = |p: &Path| {
            crate::budget::read_input_text(p).map_err(|source| SweepError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let mut texts = vec![read(path)?];
        let circuit = CircuitSource::read(&spec.circuit_path()).map_err(StudyError::from)?;
        texts.push(circuit.text().to_string());
        let mut studies = Vec::new();
        for p in spec.scenario_paths() {
            let scenario = crate::scenario::load(&p).map_err(StudyError::from)?;
            texts.push(scenario.text().to_string());
            studies.push(Study::new(circuit.clone(), Some(scenario)));
        }
        let nominal = nominal_values(&spec, &studies[0])?;
        let points = Points::new(&spec, &nominal);
        let mut sweep = Sweep {
            spec,
            texts,
            studies,
            points,
            columns: Vec::new(),
        };
        sweep.columns = sweep.find_columns()?;
        Ok(sweep)
    }

    fn find_columns(&self) -> Result<Vec<Column>, SweepError> {
        let mut out = Vec::new();
        let several = self.studies.len() > 1;
        for (s, study) in self.studies.iter().enumerate() {
            let scenario = study.scenario().expect("a sweep's studies have scenarios");
            let prefix = if several {
                format!("[{}] ", scenario.name)
            } else {
                String::new()
            };
            if !self.spec.collect.metrics.is_empty() {
                let nominal = study.simulate(None).map_err(SweepError::Nominal)?;
                let found = metric_facts(study, &nominal_analysis(study, &nominal), &nominal);
                for label in &self.spec.collect.metrics {
                    let fact = found.iter().find(|f| &f.label == label).ok_or_else(|| {
                        let known: Vec<String> = found
                            .iter()
                            .filter(|f| number(f).is_some())
                            .map(|f| f.label.clone())
                            .collect();
                        SweepError::UnknownMetric {
                            label: label.clone(),
                            scenario: scenario.name.clone(),
                            known: nearest_first(label, &known, 12),
                        }
                    })?;
                    let unit = match &fact.datum {
                        Datum::Number { unit, .. } => unit.clone(),
                        Datum::Text(_) => String::new(),
                    };
                    out.push(Column {
                        name: format!("{prefix}{label}"),
                        unit,
                        kind: ColumnKind::Metric(label.clone()),
                        scenario: s,
                    });
                }
            }
            for (i, limit) in scenario.limits.iter().enumerate() {
                out.push(Column {
                    name: format!(
                        "{prefix}margin: {}",
                        crate::analysis::verdict::limit_name(limit)
                    ),
                    unit: String::new(),
                    kind: ColumnKind::Margin(i),
                    scenario: s,
                });
            }
        }
        if let Some(at) = self.spec.collect.small_signal_at {
            let report = self.studies[0]
                .stability(at, &ReportOptions::default())
                .map_err(SweepError::Nominal)?;
            out.extend(small_signal_columns(&report));
        }
        Ok(out)
    }

    /// Evaluates point `k`: every scenario with the point's values.
    pub fn evaluate(&self, k: usize) -> Row {
        let values = self.points.values(k);
        let overrides: BTreeMap<String, f64> = self
            .points
            .names()
            .into_iter()
            .zip(values.iter().copied())
            .collect();
        let mut cells = vec![None; self.columns.len()];
        let mut row = Row {
            point: k,
            values,
            cells: Vec::new(),
            worst_margin: None,
            verdict: PointVerdict::Pass,
            binding: String::new(),
            seconds: PointSeconds::default(),
        };
        let mut worst: Option<(f64, String)> = None;
        for (s, base) in self.studies.iter().enumerate() {
            let study = base.clone().with_overrides(&overrides);
            let seconds = &mut row.seconds;
            match self.evaluate_scenario(s, &study, &mut cells, &mut worst, seconds) {
                Ok(v) => row.verdict = row.verdict.max_with(v),
                Err(e) => {
                    row.verdict = PointVerdict::Error;
                    row.binding = first_line(&e.to_string());
                    row.cells = cells;
                    return row;
                }
            }
        }
        if let Some(at) = self.spec.collect.small_signal_at {
            let started = Instant::now();
            let study = self.studies[0].clone().with_overrides(&overrides);
            if let Ok(report) = study.stability(at, &ReportOptions::default()) {
                self.fill_small_signal(&report, &mut cells);
            }
            row.seconds.judging += started.elapsed().as_secs_f64();
        }
        row.cells = cells;
        if let Some((m, name)) = worst {
            row.worst_margin = Some(m);
            if row.binding.is_empty() {
                row.binding = name;
            }
        }
        row
    }

    /// Runs and judges one scenario of a point into `cells`.
    fn evaluate_scenario(
        &self,
        s: usize,
        study: &Study,
        cells: &mut [Option<f64>],
        worst: &mut Option<(f64, String)>,
        seconds: &mut PointSeconds,
    ) -> Result<PointVerdict, StudyError> {
        let started = Instant::now();
        let mut prepared = study.prepare()?;
        let collects_metrics = !self.spec.collect.metrics.is_empty();
        // Small-signal limits bind their operating points on copies of the
        // model as compiled for this point, not on a new compile.
        let before_run =
            (!collects_metrics && wants_small_signal(&prepared)).then(|| prepared.clone());
        let bound = Instant::now();
        seconds.binding += (bound - started).as_secs_f64();
        // A point whose run stops early is judged on what it computed: a
        // limit crossed before the collapse fails it, as `check` does.
        let (waveforms, stopped) = partial_or_error(prepared.run_keeping_partial(None))?;
        let integrated = Instant::now();
        seconds.integrating += (integrated - bound).as_secs_f64();
        let run = Simulation {
            prepared,
            waveforms,
            wall_seconds: 0.0,
            stopped,
        };
        let analysis = if collects_metrics {
            study.judge(&run)
        } else {
            study.judge_limits(&run, before_run)
        };
        let mut verdict = PointVerdict::Pass;
        let found = if collects_metrics {
            metric_facts(study, &analysis, &run)
        } else {
            Vec::new()
        };
        for (cell, column) in cells.iter_mut().zip(&self.columns) {
            if column.scenario != s {
                continue;
            }
            match &column.kind {
                ColumnKind::Metric(label) => {
                    *cell = found.iter().find(|f| &f.label == label).and_then(number);
                }
                ColumnKind::Margin(i) => {
                    let v = &analysis.verdicts[*i];
                    *cell = v.margin.filter(|m| m.is_finite());
                }
                ColumnKind::SmallSignal(_) => {}
            }
        }
        seconds.judging += integrated.elapsed().as_secs_f64();
        for v in &analysis.verdicts {
            verdict = verdict.max_with(match v.status {
                Status::Pass => PointVerdict::Pass,
                Status::Fail => PointVerdict::Fail,
                Status::Error => PointVerdict::Error,
            });
            // A limit that counts events (`NoEvent`) is no distance from
            // its boundary while it passes: counted as 0 it would hide
            // every physical margin, so it enters only when it fails.
            if v.status == Status::Pass && v.unit == EVENT_COUNT_UNIT {
                continue;
            }
            let relative = match (v.margin, v.limit) {
                (Some(m), Some(l)) if l != 0.0 && l.is_finite() => m / l.abs(),
                (Some(m), _) => m,
                (None, _) => f64::NAN,
            };
            if relative.is_finite() && worst.as_ref().is_none_or(|(w, _)| relative < *w) {
                let name = match study.scenario().filter(|_| self.studies.len() > 1) {
                    Some(sc) => format!("[{}] {}", sc.name, v.name),
                    None => v.name.clone(),
                };
                *worst = Some((relative, name));
            }
        }
        Ok(verdict)
    }

    fn fill_small_signal(&self, report: &StabilityReport, cells: &mut [Option<f64>]) {
        for (cell, column) in cells.iter_mut().zip(&self.columns) {
            if let ColumnKind::SmallSignal(kind) = &column.kind {
                *cell = small_signal_value(report, kind);
            }
        }
    }
}

impl PointVerdict {
    /// The worse of two verdicts: error over fail over pass.
    fn max_with(self, other: PointVerdict) -> PointVerdict {
        let rank = |v: PointVerdict| v as u8;
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

fn nominal_analysis(study: &Study, run: &crate::study::Simulation) -> Analysis {
    study.judge(run)
}

/// Every fact `busbar diff` would show for this run.
fn metric_facts(study: &Study, analysis: &Analysis, run: &crate::study::Simulation) -> Vec<Fact> {
    let circuit = study.circuit().name();
    let scenario = study.scenario().map(|s| s.name.clone()).unwrap_or_default();
    let summary = Summary::new(&circuit, &scenario, &run.waveforms, None).with_analysis(analysis);
    serde_json::to_value(summary)
        .ok()
        .and_then(|v| facts(&v).ok())
        .unwrap_or_default()
}

fn number(f: &Fact) -> Option<f64> {
    match f.datum {
        Datum::Number { value, .. } => Some(value),
        Datum::Text(_) => None,
    }
}

/// The value of each `Corners` and Monte Carlo parameter in the circuit
/// with the first scenario's overrides; also checks that every swept name
/// exists.
fn nominal_values(spec: &SweepSpec, study: &Study) -> Result<BTreeMap<String, f64>, SweepError> {
    let setup = study.setup(0.0);
    let mut out = BTreeMap::new();
    let drawn = spec.monte_carlo.iter().flat_map(|m| m.vary.keys());
    for name in spec.parameters.keys().chain(drawn) {
        let value = setup.value_of(name).map_err(|e| {
            // Elaborating with the name set says what exists near it.
            let probe: BTreeMap<String, f64> = [(name.clone(), 1.0)].into();
            let message = match study.clone().with_overrides(&probe).elaborate() {
                Err(listing) => listing.to_string(),
                Ok(_) => e.to_string(),
            };
            SweepError::UnknownParameter {
                name: name.clone(),
                message,
            }
        })?;
        out.insert(name.clone(), value);
    }
    Ok(out)
}

fn small_signal_columns(report: &StabilityReport) -> Vec<Column> {
    let column = |name: String, unit: &str, kind: SmallKind| Column {
        name,
        unit: unit.into(),
        kind: ColumnKind::SmallSignal(kind),
        scenario: 0,
    };
    let mut out = vec![column("least damping".into(), "", SmallKind::LeastDamping)];
    for l in &report.loops {
        let d = &l.device;
        out.push(column(
            format!("phase margin {d}"),
            "°",
            SmallKind::PhaseMargin(d.clone()),
        ));
        out.push(column(
            format!("gain margin {d}"),
            "dB",
            SmallKind::GainMargin(d.clone()),
        ));
    }
    for m in &report.interfaces {
        let c = &m.component;
        out.push(column(
            format!("Middlebrook margin {c}"),
            "dB",
            SmallKind::Middlebrook(c.clone()),
        ));
    }
    out
}

fn small_signal_value(report: &StabilityReport, kind: &SmallKind) -> Option<f64> {
    match kind {
        SmallKind::LeastDamping => report
            .modes
            .as_ref()
            .map(|m| m.least_damped().map_or(1.0, |l| l.damping)),
        SmallKind::PhaseMargin(d) => report
            .loops
            .iter()
            .find(|l| &l.device == d)
            .and_then(|l| l.margins.phase_margin_deg),
        SmallKind::GainMargin(d) => report
            .loops
            .iter()
            .find(|l| &l.device == d)
            .and_then(|l| l.margins.gain_margin_db),
        SmallKind::Middlebrook(c) => report
            .interfaces
            .iter()
            .find(|m| &m.component == c)
            .map(|m| m.middlebrook_margin_db),
    }
    .filter(|x| x.is_finite())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}
