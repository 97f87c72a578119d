//! The contract between a component's equations and the engine.
//!
//! A `Device` is the compiled form of one component: it knows the indices of
//! its unknowns and Jacobian slots and adds its terms to F(y, t) and J. The
//! engine only ever talks to devices through this trait, so adding a
//! component never touches the engine.
//!
//! Index convention: vectors handed to devices are *extended*. Index 0 is
//! ground (y\[0\] = 0 always, writes to f\[0\] are discarded) and unknowns
//! start at 1. Jacobian slot `TRASH` absorbs entries in a ground row or
//! column. This keeps stamping branch-free.

/// Index of a Jacobian value slot.
pub type Slot = usize;

/// Value and slope of one input channel (a load's per-unit profile) at t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputValue {
    pub value: f64,
    pub slope: f64,
}

/// Evaluation context: time and input channels.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub t: f64,
    pub inputs: &'a [InputValue],
}

/// What kind of quantity a signal is; decides the CSV column name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    /// Current of the component, `i(name)`: positive while a source-like
    /// component delivers, or while a passive one or a load absorbs
    /// (docs/conventions.md).
    Current,
    /// Power of the component, `p(name)`, with the sign of its current.
    Power,
    /// State of charge of a storage device, 0…1, `soc(name)`.
    StateOfCharge,
    /// Power dissipated inside the component, W, `loss(name)`: ≥ 0, the
    /// part of its power balance that is neither delivered nor stored.
    Loss,
    /// The part of `Loss` that does not depend on the load, W: a Dcx's
    /// no-load (magnetising and switching) loss. Only components whose
    /// model has such a term report it; what is left of `Loss` is the
    /// load-dependent (conduction) part. Not a record form; read by the
    /// `losses` block's `part` selection.
    NoLoadLoss,
    /// Power drawn from upstream of the component, W, where that is not
    /// `p + loss`: an ActiveFrontEnd's power from the grid's EMF (its `p`
    /// is the power at the PCC, its loss is partly upstream of it). Not a
    /// record form; read by the `losses` block's `input`.
    Drawn,
    /// Line-to-line RMS voltage at the point of common coupling of a
    /// grid-connected component, V, `v(name)`: an ActiveFrontEnd's PCC,
    /// behind the grid's Thevenin impedance. Its nominal
    /// ([`Device::signal_nominal`]) is the grid's nominal line-to-line
    /// voltage, so the voltage limits judge it in per unit.
    PccVoltage,
}

/// How a branch constrains the network; used for the index (topology) check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchKind {
    /// Current is a state or fixed (inductor, current source, Dcx with L).
    FixedCurrent,
    /// Current follows algebraically from the terminal voltages (resistor, load).
    Conductive,
    /// Fixes the terminal voltage difference (voltage source, floating ideal capacitor).
    VoltageDefining,
    /// An ideal capacitor to ground: its capacitance is mass on the node's row.
    GroundedCapacitor,
}

/// One two-terminal branch of a device, for the topology check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Branch {
    pub a: usize,
    pub b: usize,
    pub kind: BranchKind,
}

/// Why a device refuses a scenario action, or the operating point it was
/// solved at.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeviceError {
    /// The action is not one the device takes; `supported` lists those.
    #[error("{device} supports {supported}, not {action}")]
    Unsupported {
        /// The device as a message names it, e.g. "load `gpu`".
        device: String,
        supported: String,
        action: Action,
    },
    /// The device takes no scenario action at all.
    #[error("{device} takes no scenario action, not {action}")]
    NoActions { device: String, action: Action },
    /// The only equilibrium is physically a collapse (a constant-power
    /// load below its `min_volts`).
    #[error("{0}")]
    Collapse(String),
}

impl DeviceError {
    pub fn unsupported(device: String, supported: &str, action: &Action) -> Self {
        DeviceError::Unsupported {
            device,
            supported: supported.to_string(),
            action: action.clone(),
        }
    }
}

/// A discrete change applied to a device at an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Trip,
    Open,
    Close,
    Set { field: String, value: f64 },
}

/// As a scenario file writes it: `Trip`, `Set(field: "volts", value: 700)`.
impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Trip => f.write_str("Trip"),
            Action::Open => f.write_str("Open"),
            Action::Close => f.write_str("Close"),
            Action::Set { field, value } => {
                write!(f, "Set(field: \"{field}\", value: {value})")
            }
        }
    }
}

/// What a device asks of the engine after a root or timer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reaction {
    /// Ask for `on_timer(token)` at this absolute time.
    pub schedule: Option<(f64, u64)>,
    /// User-visible events that happened, in order (reported in the
    /// results): an action can also move a limiter into or out of its
    /// limit at the same instant. Each is one of the names the component
    /// kind declares (its `EVENTS`).
    pub report: Vec<String>,
    /// The device changed its equations; algebraic unknowns must be re-solved.
    pub discontinuity: bool,
}

/// A boxed copy of a device, so that a compiled model can be copied: a
/// sweep point binds its small-signal operating points on copies of the
/// model it integrates instead of elaborating and compiling it again.
pub trait CloneDevice {
    fn clone_device(&self) -> Box<dyn Device>;
}

impl<T: Device + Clone + 'static> CloneDevice for T {
    fn clone_device(&self) -> Box<dyn Device> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Device> {
    fn clone(&self) -> Self {
        self.clone_device()
    }
}

/// The compiled equations of one component.
pub trait Device: Send + Sync + std::fmt::Debug + CloneDevice {
    /// Hierarchical name of the component.
    fn name(&self) -> &str;
    /// Adds this device's terms of F(y, t) into `f`.
    fn eval(&self, ctx: &Ctx, y: &[f64], f: &mut [f64]);
    /// Adds ∂F/∂y into the Jacobian values at this device's slots.
    fn jacobian(&self, ctx: &Ctx, y: &[f64], jac: &mut [f64]);
    /// Adds ∂F/∂t (from input slopes) into `ft`. Default: no explicit time dependence.
    fn time_derivative(&self, _ctx: &Ctx, _y: &[f64], _ft: &mut [f64]) {}
    /// Branches for the topology check.
    fn branches(&self) -> Vec<Branch>;
    /// Signals this device can record, in order.
    fn signals(&self) -> Vec<SignalKind> {
        Vec::new()
    }
    /// Value of signal `index` (as listed by `signals`).
    /// `ydot` is y' for differential unknowns (zero for algebraic ones).
    fn signal(&self, _index: usize, _ctx: &Ctx, _y: &[f64], _ydot: &[f64]) -> f64 {
        f64::NAN
    }
    /// The nominal value of signal `index`, when it has one (a voltage
    /// signal's 1 pu); the recorded column carries it.
    fn signal_nominal(&self, _index: usize) -> Option<f64> {
        None
    }
    /// The unknown k when signal `index` is exactly y\[k\] (an inductor's
    /// current): the recorder then interpolates that unknown alone instead
    /// of the whole state and every input channel at each output sample.
    fn signal_unknown(&self, _index: usize) -> Option<usize> {
        None
    }
    /// Number of root (state-event) functions.
    fn root_count(&self) -> usize {
        0
    }
    /// Writes the root functions; a sign change is an event.
    fn roots(&self, _ctx: &Ctx, _y: &[f64], _out: &mut [f64]) {}
    /// Called when root `index` changed sign at `t` (`rising`: from − to +).
    fn on_root(&mut self, _index: usize, _t: f64, _rising: bool) -> Reaction {
        Reaction::default()
    }
    /// Called at a time this device scheduled.
    fn on_timer(&mut self, _token: u64, _t: f64, _y: &[f64]) -> Reaction {
        Reaction::default()
    }
    /// Unknowns that hold a regulated converter's current command i*, one
    /// per control loop. Each must be an algebraic unknown whose own row is
    /// F = c(y) − i*, with c the controller output (PI plus limits). The
    /// stability analysis breaks the loop there: it replaces the row by an
    /// injection and reads c(y) as the return signal.
    fn control_loops(&self) -> Vec<usize> {
        Vec::new()
    }
    /// Differential unknowns that the DC operating point holds at their
    /// initial value instead of asking for a zero derivative: a battery's
    /// charge or a bank's stored energy has no equilibrium while current
    /// flows, and is not meant to find one.
    fn held_at_operating_point(&self) -> Vec<usize> {
        Vec::new()
    }
    /// Refines the operating-point guess `y`, whose node voltages already
    /// hold the declared bus nominals: a device sets its own unknowns to
    /// values consistent with them (a filter state to the voltage it
    /// filters), so that Newton does not start from a saturated controller.
    fn refine_guess(&self, _y: &mut [f64]) {}
    /// Rejects an operating point that is mathematically an equilibrium but
    /// physically a collapse (a constant-power load below its `min_volts`).
    fn check_operating_point(&self, _ctx: &Ctx, _y: &[f64]) -> Result<(), DeviceError> {
        Ok(())
    }
    /// Applies a scenario action. Errors name what is not supported.
    fn apply(&mut self, action: &Action, _y: &mut [f64]) -> Result<Reaction, DeviceError> {
        Err(DeviceError::NoActions {
            device: self.name().to_string(),
            action: action.clone(),
        })
    }
    /// Applies a scenario action at time `t`; the engine honours the
    /// reaction's `schedule`. Devices whose response to an action runs on a
    /// timer (a BBU's start delay after an AC_LOSS signal) override this;
    /// the others implement `apply`.
    fn apply_at(
        &mut self,
        action: &Action,
        _t: f64,
        y: &mut [f64],
    ) -> Result<Reaction, DeviceError> {
        self.apply(action, y)
    }
}
