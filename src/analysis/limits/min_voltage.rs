//! `MinVoltage`: a node must not stay below a level, optionally for
//! longer than a tolerated time (the ORv3 BBU trigger).

use super::common::{held_for, level, level_label, voltage_record};
use super::{Band, BandShape, LimitKind, Run, SmallSignal};
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if the node stays below `volts` for longer than `longer_than`
/// (any dip at all when `longer_than` is absent).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MinVoltage {
    /// Node name or glob.
    pub node: String,
    /// Lowest allowed voltage, V.
    pub volts: f64,
    /// Dips lasting no longer than this are tolerated, seconds.
    #[serde(default)]
    pub longer_than: Option<f64>,
}

impl LimitKind for MinVoltage {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::finite("volts", self.volts)?;
        self.longer_than
            .map_or(Ok(()), |d| rules::non_negative("longer_than", d))
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::voltage(&self.node))
    }

    fn record(&self) -> Option<String> {
        Some(voltage_record(&self.node))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        let held = self.longer_than.unwrap_or(0.0);
        level(run.waveforms, &self.node, self.volts, held, true)
    }

    fn name(&self) -> String {
        format!(
            "MinVoltage {} ≥ {}{}",
            self.node,
            threshold(self.volts, "V"),
            held_for(self.longer_than)
        )
    }

    fn band(&self) -> Option<Band> {
        Some(Band {
            label: level_label("MinVoltage", self.volts, self.longer_than),
            pattern: self.node.clone(),
            quantity: Quantity::Voltage,
            shape: BandShape::Fixed {
                lower: Some(self.volts),
                upper: None,
                tolerated: self.longer_than.unwrap_or(0.0),
            },
        })
    }
}
