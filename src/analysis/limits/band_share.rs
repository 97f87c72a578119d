//! `BandShare`: the share of a power's fluctuation energy that lies in a
//! frequency band, by default the grid-critical 0.1–20 Hz of the
//! frequency-domain utility spec in Choukse et al., "Power Stabilization
//! for AI Training Datacenters" (arXiv:2508.14318, 2025; example limit:
//! at most 20 % of the total energy in that band).
//!
//! The share is spectral energy in the band over the total fluctuation
//! energy (P minus its mean), from the Hann-windowed real FFT of P
//! resampled uniformly over the whole run ([`band_share`], the same
//! computation as the `band_share` metric of `summary.json`). The window
//! tapers the ends so that a run ending at another level than it started
//! does not add the jump of its periodic extension; it weights the middle
//! of the run more than its ends, and a line within two bins (2/T for a run
//! of T seconds) of a band edge is split across it.
//!
//! Resolution: the bins are 1/T apart, so a band whose lower edge is below
//! 1/T cannot be told from the mean; such a run is an error (validated
//! against the scenario's duration, and again on a run that stopped
//! early), never a share. An upper edge above the Nyquist frequency of the
//! resampled record is an error too. Must not know other kinds' fields.

use super::common::columns;
use super::{LimitKind, Run, SmallSignal};
use crate::analysis::metrics::UTILITY_BAND_HZ;
use crate::analysis::ripple::MAX_FFT_POINTS;
use crate::analysis::signal::Signal;
use crate::analysis::spectrum::band_share;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if more than `max_percent` of the fluctuation energy of the
/// component's power lies in `band_hz`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BandShare {
    /// Component name or glob.
    pub component: String,
    /// Largest allowed share of the fluctuation energy in the band, %.
    pub max_percent: f64,
    /// `(low, high)` edges of the band, Hz; absent: 0.1–20 Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band_hz: Option<(f64, f64)>,
}

impl BandShare {
    fn band(&self) -> (f64, f64) {
        self.band_hz.unwrap_or(UTILITY_BAND_HZ)
    }

    /// The share (0–1) of one column, or why it cannot be had.
    fn share(&self, s: &Signal) -> Result<f64, String> {
        let (low, high) = self.band();
        let (a, b) = s.span().ok_or("no samples")?;
        if (b - a) * low < 1.0 {
            return Err(format!(
                "the record of {} resolves frequencies down to {}, above the band's lower edge {}; run for at least {}",
                threshold(b - a, "s"),
                threshold(1.0 / (b - a), "Hz"),
                threshold(low, "Hz"),
                threshold(1.0 / low, "s")
            ));
        }
        let u = s
            .resample(a, b, MAX_FFT_POINTS)
            .ok_or("too few samples to resample")?;
        let nyquist = 0.5 / u.dt;
        if high > nyquist {
            return Err(format!(
                "the band's upper edge {} is above the Nyquist frequency {} of the record; record with a finer `sample`",
                threshold(high, "Hz"),
                threshold(nyquist, "Hz")
            ));
        }
        let fluctuates = u.values.iter().any(|v| *v != u.values[0]);
        match band_share(&u, low, high) {
            Some(share) => Ok(share),
            // A constant power has no fluctuation energy, in the band or not.
            None if fluctuates => Err("the spectrum could not be computed".into()),
            None => Ok(0.0),
        }
    }
}

impl LimitKind for BandShare {
    fn validate(&self, duration: f64) -> Result<(), LimitIssue> {
        rules::require(
            "max_percent",
            self.max_percent,
            (0.0..=100.0).contains(&self.max_percent),
            "must be in [0, 100]",
        )?;
        let (low, high) = self.band();
        rules::require("band_hz", low, low > 0.0, "must have a lower edge > 0 Hz")?;
        rules::require("band_hz", high, high > low, "must have its upper edge above its lower edge")?;
        rules::ensure(
            "band_hz",
            duration * low >= 1.0,
            format!(
                "a run of {duration} s resolves frequencies down to {} Hz only, above the band's lower edge {low} Hz; the run must last at least {} s",
                1.0 / duration,
                1.0 / low
            ),
        )
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::component(&self.component))
    }

    fn record(&self) -> Option<String> {
        Some(format!("p({})", self.component))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let mut worst: Option<(f64, String)> = None;
        for (name, s, _) in columns(run.waveforms, &self.component, Quantity::Power)? {
            let share = 100.0 * self.share(&s).map_err(|e| format!("not evaluated: {name}: {e}"))?;
            if worst.as_ref().is_none_or(|w| share > w.0) {
                worst = Some((share, name));
            }
        }
        let (share, target) = worst.ok_or("not evaluated: no finite samples")?;
        let (low, high) = self.band();
        Ok(Measure {
            measured: share,
            limit: self.max_percent,
            margin: self.max_percent - share,
            unit: "%",
            target: Some(target),
            time: None,
            detail: format!(
                "share of the fluctuation energy (mean removed, Hann window) in {}–{}",
                threshold(low, "Hz"),
                threshold(high, "Hz")
            ),
        })
    }

    fn name(&self) -> String {
        let (low, high) = self.band();
        format!(
            "BandShare {} in {}–{} ≤ {} %",
            self.component,
            threshold(low, "Hz"),
            threshold(high, "Hz"),
            self.max_percent
        )
    }
}
