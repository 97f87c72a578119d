//! `Settling`: after every load event a node must be back inside a band
//! around its final value within a given time.

use super::columnwise::{self, Columnwise, PerColumn};
use super::common::{first_largest, voltage_record};
use super::{Band, BandShape, LimitKind, Run, SmallSignal};
use crate::analysis::signal::Signal;
use crate::analysis::transient::response;
use crate::analysis::verdict::{threshold, Measure};
use crate::units::eng_time;
use crate::results::{Column, Quantity};
use crate::scenario::{rules, LimitIssue, LimitTarget};
use serde::{Deserialize, Serialize};

/// Fails if the node is still outside ±`band_percent` of nominal around
/// its settled value `within` seconds after an event.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settling {
    /// Node name or glob.
    pub node: String,
    /// Half-width of the settling band, % of nominal.
    pub band_percent: f64,
    /// Longest allowed settling time, seconds.
    pub within: f64,
}

impl LimitKind for Settling {
    fn validate(&self, _duration: f64) -> Result<(), LimitIssue> {
        rules::positive("band_percent", self.band_percent)?;
        rules::positive("within", self.within)
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
            "Settling {} to ±{} within {}",
            self.node,
            threshold(self.band_percent, "%"),
            threshold(self.within, "s")
        )
    }

    fn band(&self) -> Option<Band> {
        Some(Band {
            label: format!(
                "Settling ±{} % after {}",
                self.band_percent,
                eng_time(self.within)
            ),
            pattern: self.node.clone(),
            quantity: Quantity::Voltage,
            shape: BandShape::AroundLast {
                percent: self.band_percent,
                after: self.within,
            },
        })
    }
}

impl Columnwise for Settling {
    fn columns(&self) -> (&str, Quantity) {
        (&self.node, Quantity::Voltage)
    }

    /// The column's slowest event, the first of equals, with its start.
    fn column(&self, run: Run, c: &Column, s: &Signal) -> PerColumn {
        let mut worst: Option<(f64, f64)> = None;
        for e in run.events {
            if let Some(r) = response(s, *e, c.nominal, self.band_percent) {
                let t = r.settling_time.unwrap_or(f64::INFINITY);
                if worst.is_none_or(|x| t > x.0) {
                    worst = Some((t, e.start));
                }
            }
        }
        worst
    }

    /// The slowest column, the first of equals: the order of a serial walk.
    fn judge(&self, _: Run, per: Vec<(&Column, PerColumn)>) -> Result<Measure, String> {
        let worst = first_largest(per);
        let (t, target, start) = worst.ok_or("no samples in any event window")?;
        let at = threshold(start, "s");
        let detail = if t.is_finite() {
            format!("last entry into the band after the event at {at}")
        } else {
            format!("still outside the band when the window of the event at {at} ends")
        };
        Ok(Measure {
            measured: t,
            limit: self.within,
            margin: self.within - t,
            unit: "s",
            target: Some(target),
            time: Some(start),
            detail,
        })
    }
}
