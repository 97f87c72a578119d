//! `Deviation`: the largest departure of a node from its pre-event value
//! after any load event, in % of nominal.

use super::columnwise::{self, Columnwise, PerColumn};
use super::common::{first_largest, voltage_record};
use super::{Band, BandShape, LimitKind, Run, SmallSignal};
use crate::analysis::signal::Signal;
use crate::analysis::transient::response;
use crate::analysis::verdict::{threshold, Measure};
use crate::results::{Column, Quantity};
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
        columnwise::measure(self, run)
    }

    fn columnwise(&self) -> Option<&dyn Columnwise> {
        Some(self)
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

impl Columnwise for Deviation {
    fn columns(&self) -> (&str, Quantity) {
        (&self.node, Quantity::Voltage)
    }

    /// The column's largest departure over the events, the first of
    /// equals, with its instant.
    fn column(&self, run: Run, c: &Column, s: &Signal) -> PerColumn {
        let mut worst: Option<(f64, f64)> = None;
        for e in run.events {
            if let Some(r) = response(s, *e, c.nominal, 1.0) {
                if worst.is_none_or(|x| r.deviation_pct > x.0) {
                    worst = Some((r.deviation_pct, r.deviation.time));
                }
            }
        }
        worst
    }

    /// The worst column, the first of equals: the order of a serial walk.
    fn judge(&self, _: Run, per: Vec<(&Column, PerColumn)>) -> Result<Measure, String> {
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
}
