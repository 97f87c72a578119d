//! What feeds a compiled Converter or Rectifier (`Supply`, the hold-up
//! drop), the events each kind declares, and where its optional root
//! functions sit. Owns no equations; see `device.rs`.

use crate::components::control::LIMIT_EVENTS;

/// Where the input power comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Supply {
    /// Drawn from the `input` terminals as p_in/v_in; `uvlo` is the input
    /// under-voltage lockout (off_volts, on_volts), on > off.
    Network { uvlo: Option<(f64, f64)> },
    /// An ideal AC grid (a Rectifier): `ripple` is (amplitude_pu, 2π·hz) on
    /// the delivered current; `holdup_joules` > 0 lets it ride through an
    /// AC loss or the shortfall of a partial sag on stored energy; `drop`
    /// lowers its set-point part-way through the hold-up of an AC loss.
    Grid {
        ripple: Option<(f64, f64)>,
        holdup_joules: f64,
        drop: Option<HoldupDrop>,
    },
}

/// The ORv3 PSU's hand-over signal: once `after_fraction` of the hold-up
/// energy is used, the set-point falls by `volts` at a constant rate over
/// `fall_seconds`, so that a BBU set below the PSU takes the load
/// gradually instead of all at once when the store runs dry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HoldupDrop {
    pub volts: f64,
    pub fall_seconds: f64,
    pub after_fraction: f64,
}

/// The input fell below `uvlo.off_volts`: the converter stops.
pub(crate) const UVLO: &str = "uvlo";
/// The input rose above `uvlo.on_volts`: the converter restarts.
pub(crate) const UVLO_CLEARED: &str = "uvlo cleared";
/// A sagged grid's input current reached its limit.
pub(crate) const INPUT_LIMIT: &str = "input current limit";
/// It left it.
pub(crate) const INPUT_LIMIT_CLEARED: &str = "input current limit cleared";

/// Every event a `Converter` raises (globs where the text carries a value).
pub(crate) const CONVERTER_EVENTS: &[&str] = &[
    LIMIT_EVENTS[0],
    LIMIT_EVENTS[1],
    LIMIT_EVENTS[2],
    LIMIT_EVENTS[3],
    "trip",
    "volts set to *",
    UVLO,
    UVLO_CLEARED,
];

/// Every event a `Rectifier` raises: a converter's and its grid's.
pub(crate) const RECTIFIER_EVENTS: &[&str] = &[
    LIMIT_EVENTS[0],
    LIMIT_EVENTS[1],
    LIMIT_EVENTS[2],
    LIMIT_EVENTS[3],
    "trip",
    "volts set to *",
    "ac loss",
    "ac restored",
    "hold-up low: output drops * V",
    "hold-up exhausted",
    INPUT_LIMIT,
    INPUT_LIMIT_CLEARED,
];

/// Indices of the optional root functions (after the PI's two).
#[derive(Debug, Clone, Copy)]
pub(super) struct RootLayout {
    pub(super) exhausted: Option<usize>,
    pub(super) drop: Option<usize>,
    pub(super) uvlo: Option<usize>,
    pub(super) input: Option<usize>,
    pub(super) count: usize,
}

impl RootLayout {
    pub(super) fn new(supply: Supply) -> Self {
        let mut count = 2;
        let mut next = |on: bool| {
            on.then(|| {
                count += 1;
                count - 1
            })
        };
        let (holdup, drop, uvlo, grid) = match supply {
            Supply::Grid {
                holdup_joules,
                drop,
                ..
            } => (holdup_joules > 0.0, drop.is_some(), false, true),
            Supply::Network { uvlo } => (false, false, uvlo.is_some(), false),
        };
        let exhausted = next(holdup);
        let drop = next(holdup && drop);
        let uvlo = next(uvlo);
        let input = next(grid);
        RootLayout {
            exhausted,
            drop,
            uvlo,
            input,
            count,
        }
    }
}
