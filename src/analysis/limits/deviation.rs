//! `Deviation`: the largest departure of a node from its pre-event value
//! after any load event, in % of nominal.

use super::common::{first_largest, per_column, voltage_record};
use super::{Band, BandShape, LimitKind, Run, SmallSignal};
use crate::analysis::transient::response;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::Quantity;
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Band around the pre-event value, in % of nominal.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// Node name or glob.
    pub node: String,
    /// Half-width of the band, % of the node's nominal voltage.
    pub max_percent: f64,
}

impl LimitKind for Deviation {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::positive("max_percent", self.max_percent)
    }

    fn target(&self) -> Option<LimitTarget<'_>> {
        Some(LimitTarget::voltage(&self.node))
    }

    fn record(&self) -> Option<String> {
        Some(voltage_record(&self.node))
    }

    fn measure(&self, run: Run, _: &mut dyn SmallSignal) -> Result<Measure, String> {
        // Each column's worst event in its own task, then the worst column,
        // both the first of equals: the order of a serial walk.
        let per = per_column(run.waveforms, &self.node, Quantity::Voltage, |c, s| {
            let mut worst: Option<(f64, f64)> = None;
            for e in run.events {
                if let Some(r) = response(s, *e, c.nominal, 1.0) {
                    if worst.is_none_or(|x| r.deviation_pct > x.0) {
                        worst = Some((r.deviation_pct, r.deviation.time));
                    }
                }
            }
            worst
        })?;
        let worst = first_largest(per);
        let (pct, target, time) = worst.ok_or("no samples in any event window")?;
        Ok(Measure {
            measured: pct,
            limit: self.max_percent,
            margin: self.max_percent - pct,
            unit: "%",
            target: Some(target),
            time: Some(time),
            detail: "largest departure from the pre-event value, % of nominal".into(),
        })
    }

    fn name(&self) -> String {
        let pct = threshold(self.max_percent, "%");
        format!("Deviation {} ≤ ±{pct}", self.node)
    }

    fn band(&self) -> Option<Band> {
        Some(Band {
            label: format!("Deviation ±{} %", self.max_percent),
            pattern: self.node.clone(),
            quantity: Quantity::Voltage,
            shape: BandShape::AroundFirst {
                percent: self.max_percent,
            },
        })
    }
}
