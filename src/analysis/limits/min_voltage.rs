//! `MinVoltage`: a node must not stay below a level, optionally for
//! longer than a tolerated time (the ORv3 BBU trigger).

use super::columnwise::{self, Columnwise, PerColumn};
use super::common::{held_for, level, level_column, level_label, voltage_record};
use super::{Band, BandShape, LimitKind, Run, SmallSignal};
use crate::analysis::signal::Signal;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::{Column, Quantity};
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
        columnwise::measure(self, run)
    }

    fn columnwise(&self) -> Option<&dyn Columnwise> {
        Some(self)
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

impl Columnwise for MinVoltage {
    fn columns(&self) -> (&str, Quantity) {
        (&self.node, Quantity::Voltage)
    }

    /// The level the column held for `longer_than` (its extreme without).
    fn column(&self, _: Run, c: &Column, s: &Signal) -> PerColumn {
        level_column(c, s, self.longer_than.unwrap_or(0.0), true)
    }

    /// The worst column's level, first of equals.
    fn judge(&self, run: Run, per: Vec<(&Column, PerColumn)>) -> Result<Measure, String> {
        let held = self.longer_than.unwrap_or(0.0);
        level(run.waveforms, per, self.volts, held, true)
    }
}
