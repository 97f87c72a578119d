//! The fuzzers' oracle: a library call must return (no panic, caught with
//! `catch_unwind`), within a time bound (a budget the engine's observer
//! enforces, and a watchdog thread for calls that cannot be interrupted),
//! and every error must say where: a file:line:column, or the component,
//! field, node or file it is about. The tally counts the share of each.

use busbar::compile::CompileError;
use busbar::netlist::NetlistError;
use busbar::prepare::PrepareError;
use busbar::scenario::ScenarioError;
use busbar::study::StudyError;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// Where an error points the user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    /// file:line:column (or a trace file's line).
    File,
    /// A named component, field, node, parameter, override or file.
    Named,
    /// Nothing to go on.
    Nowhere,
}

/// Errors known to say nowhere where, each with the open item of issue 17
/// that gives it a place (they are counted and shown, not failed on; a
/// line is removed here once its item is merged).
pub const KNOWN_UNLOCATED: &[(&str, &str)] = &[];

/// `place`, or `Named` when the message names one of `names` (component
/// and node names of the circuit) as a whole word: the stability errors
/// name states as `∂(x3.i)'`, without backticks.
pub fn naming(place: Place, message: &str, names: &[String]) -> Place {
    if place != Place::Nowhere {
        return place;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let found = names.iter().any(|n| {
        message.match_indices(n.as_str()).any(|(i, _)| {
            !word(message[..i].chars().next_back()) && !word(message[i + n.len()..].chars().next())
        })
    });
    if found {
        Place::Named
    } else {
        Place::Nowhere
    }
}

/// The quoted strings of RON text (the names of its components and nodes).
pub fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "_.".contains(c)))
        .map(str::to_string)
        .collect()
}

fn named_in(message: &str) -> Place {
    // Names are quoted in backticks throughout the library's messages.
    if message.matches('`').count() >= 2 {
        Place::Named
    } else {
        Place::Nowhere
    }
}

pub fn netlist_place(e: &NetlistError) -> Place {
    match e {
        NetlistError::Syntax { .. } => Place::File,
        NetlistError::Component { location, .. }
        | NetlistError::Expression { location, .. }
        | NetlistError::Parameter { location, .. } => {
            if location.is_some() {
                Place::File
            } else {
                Place::Named
            }
        }
        NetlistError::Override { .. } | NetlistError::Io { .. } => Place::Named,
        #[allow(unreachable_patterns)]
        other => named_in(&other.to_string()),
    }
}

pub fn scenario_place(e: &ScenarioError) -> Place {
    match e {
        ScenarioError::Syntax { .. } => Place::File,
        ScenarioError::Invalid {
            location: Some(_), ..
        } => Place::File,
        ScenarioError::Trace { line: Some(_), .. } => Place::File,
        ScenarioError::Trace { .. } | ScenarioError::Io { .. } => Place::Named,
        other => named_in(&other.to_string()),
    }
}

pub fn compile_place(e: &CompileError) -> Place {
    match e {
        CompileError::Topology {
            nodes, components, ..
        } if !nodes.is_empty() || !components.is_empty() => Place::Named,
        // A circuit with no components: the whole file is the place.
        CompileError::Empty => Place::Named,
        other => named_in(&other.to_string()),
    }
}

pub fn study_place(e: &StudyError) -> Place {
    match e {
        StudyError::Netlist(e) => netlist_place(e),
        StudyError::Scenario(e) | StudyError::Prepare(PrepareError::Scenario(e)) => {
            scenario_place(e)
        }
        StudyError::Compile(e) | StudyError::Prepare(PrepareError::Compile(e)) => compile_place(e),
        other => named_in(&other.to_string()),
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether this thread is inside [`guarded`]: only those panics are
    /// caught and kept quiet; a failing assertion of the test itself
    /// prints as usual.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marker payload of a case stopped by its time budget (not a bug).
pub struct OverBudget;

/// Runs `f`; a panic becomes `Err(message)`. The panic hook records the
/// message and location quietly instead of printing every caught panic.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, Caught> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(|g| g.get()) {
                previous(info);
                return;
            }
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
        }));
    });
    let outer = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    match result {
        Ok(v) => Ok(v),
        Err(payload) if payload.is::<OverBudget>() => Err(Caught::OverBudget),
        Err(_) => Err(Caught::Panic(
            LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "panic with no message".into()),
        )),
    }
}

pub enum Caught {
    Panic(String),
    OverBudget,
}

/// An engine observer that stops the run (by unwinding with
/// [`OverBudget`]) once it has taken longer than its budget.
pub struct Budget {
    pub started: Instant,
    pub limit: Duration,
}

impl busbar::engine::Observer for Budget {
    fn progress(&mut self, _t: f64, _duration: f64) {
        if self.started.elapsed() > self.limit {
            std::panic::panic_any(OverBudget);
        }
    }
}

/// Fails the whole test process, naming the case, if one case runs longer
/// than `limit`: for calls that cannot be interrupted (a loop that never
/// ends would otherwise hang CI). The case's input is written beside the
/// message so that it can be replayed.
pub struct Watchdog {
    current: Arc<Mutex<Option<(Instant, String, String)>>>,
    done: Arc<AtomicBool>,
}

impl Watchdog {
    pub fn start(target: &'static str, limit: Duration) -> Watchdog {
        let current: Arc<Mutex<Option<(Instant, String, String)>>> = Arc::default();
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (current.clone(), done.clone());
        std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let guard = c.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((since, case, input)) = guard.as_ref() {
                    if since.elapsed() > limit {
                        let file = std::env::temp_dir().join(format!("busbar-fuzz-{target}.txt"));
                        let _ = std::fs::write(&file, input);
                        eprintln!(
                            "fuzz {target}: case {case} ran longer than {limit:?} (a hang?); \
                             its input is in {}",
                            file.display()
                        );
                        std::process::exit(3);
                    }
                }
            }
        });
        Watchdog { current, done }
    }

    /// Marks the start of a case.
    pub fn case(&self, case: String, input: &str) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), case, input.to_string()));
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

/// Counts of one fuzz target's cases.
#[derive(Default)]
pub struct Tally {
    pub cases: usize,
    pub ok: usize,
    pub file: usize,
    pub named: usize,
    pub over_budget: usize,
    /// Cases stopped by the time budget (first few), to look into.
    pub slow: Vec<String>,
    /// (message, item) of errors a known open item gives a place.
    pub known: Vec<(String, &'static str)>,
    /// (case, message) of errors that say nowhere where.
    pub nowhere: Vec<(String, String)>,
    /// (case, panic message, input).
    pub panics: Vec<(String, String, String)>,
}

impl Tally {
    pub fn error(&mut self, case: &str, place: Place, message: String) {
        if std::env::var_os("BUSBAR_FUZZ_VERBOSE").is_some() {
            eprintln!("{case}: {place:?}: {message}");
        }
        match place {
            Place::File => self.file += 1,
            Place::Named => self.named += 1,
            Place::Nowhere => match KNOWN_UNLOCATED.iter().find(|(p, _)| message.contains(p)) {
                Some((_, item)) => self.known.push((message, item)),
                None => self.nowhere.push((case.to_string(), message)),
            },
        }
    }

    pub fn caught(&mut self, case: &str, caught: Caught, input: &str) {
        match caught {
            Caught::OverBudget => {
                self.over_budget += 1;
                if self.slow.len() < 5 {
                    self.slow.push(case.to_string());
                }
            }
            Caught::Panic(m) => self.panics.push((case.into(), m, input.into())),
        }
    }

    /// Prints the counts and the share of located errors; fails on a panic
    /// or an error that says nowhere where.
    pub fn finish(self, target: &str, started: Instant) {
        let errors = self.file + self.named + self.nowhere.len() + self.known.len();
        let share = |n: usize| 100.0 * n as f64 / errors.max(1) as f64;
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "fuzz {target}: {} cases in {secs:.1} s ({:.0}/s): {} ok, {errors} errors \
             ({:.1} % file:line:column, {:.1} % naming a component/field/node/file, \
             {:.1} % neither, of which {} known and open), {} stopped by the time budget \
             {:?}, {} panics",
            self.cases,
            self.cases as f64 / secs.max(1e-9),
            self.ok,
            share(self.file),
            share(self.named),
            share(self.nowhere.len() + self.known.len()),
            self.known.len(),
            self.over_budget,
            self.slow,
            self.panics.len()
        );
        for (m, item) in self.known.iter().take(3) {
            eprintln!("  known unlocated error ({item}): {m}");
        }
        for (case, m) in self.nowhere.iter().take(5) {
            eprintln!("  unlocated error, case {case}: {m}");
        }
        for (case, m, input) in self.panics.iter().take(3) {
            eprintln!("  PANIC, case {case}: {m}\n  input:\n{input}\n");
        }
        assert!(
            self.panics.is_empty(),
            "{target}: {} panics",
            self.panics.len()
        );
        assert!(
            self.nowhere.is_empty(),
            "{target}: {} errors without a location",
            self.nowhere.len()
        );
    }
}
