//! Rules for `limits` and `sweep`: the parts of a scenario that analyses
//! and the sweep driver read.
//!
//! Owns the ranges of their numbers and their messages. Must not evaluate
//! a limit or run a sweep.

use super::{finite, issue, non_negative, positive, require, Check};
use crate::scenario::locate::Seg::{Index, Key};
use crate::scenario::schema::{Distribution, Limit, Sweep};

pub(super) fn check_limit(limit: &Limit, duration: f64, i: usize) -> Check<'_> {
    let at = |key: &'static str| vec![Key("limits"), Index(i), Key(key)];
    let ctx = format!("limit {} (`{}`): ", i + 1, limit.kind());
    let name = match limit {
        Limit::MinVoltage {
            node,
            volts,
            longer_than,
        }
        | Limit::MaxVoltage {
            node,
            volts,
            longer_than,
        } => {
            finite(*volts, &ctx, at("volts"))?;
            if let Some(d) = longer_than {
                non_negative(*d, &ctx, at("longer_than"))?;
            }
            Some(("node", node))
        }
        Limit::Deviation { node, max_percent } => {
            positive(*max_percent, &ctx, at("max_percent"))?;
            Some(("node", node))
        }
        Limit::Settling {
            node,
            band_percent,
            within,
        } => {
            positive(*band_percent, &ctx, at("band_percent"))?;
            positive(*within, &ctx, at("within"))?;
            Some(("node", node))
        }
        Limit::Ripple {
            node,
            max_pp_volts,
            window,
        } => {
            positive(*max_pp_volts, &ctx, at("max_pp_volts"))?;
            if let Some((a, b)) = *window {
                let ok = a.is_finite() && b.is_finite() && 0.0 <= a && a < b && b <= duration;
                if !ok {
                    let msg = format!("{ctx}`window` ({a}, {b}) must satisfy 0 ≤ start < end ≤ duration ({duration})");
                    return Err(issue(at("window"), msg));
                }
            }
            Some(("node", node))
        }
        Limit::MinDamping { ratio } => {
            require(
                *ratio,
                (0.0..1.0).contains(ratio),
                "must be within [0, 1)",
                &ctx,
                at("ratio"),
            )?;
            None
        }
        Limit::PhaseMargin {
            component,
            min_degrees,
        } => {
            finite(*min_degrees, &ctx, at("min_degrees"))?;
            Some(("component", component))
        }
        Limit::GainMargin { component, min_db } => {
            finite(*min_db, &ctx, at("min_db"))?;
            Some(("component", component))
        }
        Limit::ImpedanceRatio {
            node,
            min_gm_db,
            min_pm_degrees,
        } => {
            finite(*min_gm_db, &ctx, at("min_gm_db"))?;
            finite(*min_pm_degrees, &ctx, at("min_pm_degrees"))?;
            Some(("node", node))
        }
        Limit::MaxCurrent { component, amps } => {
            positive(*amps, &ctx, at("amps"))?;
            Some(("component", component))
        }
        Limit::RampRate {
            component,
            max_watts_per_second,
        } => {
            positive(*max_watts_per_second, &ctx, at("max_watts_per_second"))?;
            Some(("component", component))
        }
        Limit::MaxEnergy { component, joules } => {
            positive(*joules, &ctx, at("joules"))?;
            Some(("component", component))
        }
        Limit::NoEvent { target, what } => {
            if what.as_ref().is_some_and(|w| w.trim().is_empty()) {
                return Err(issue(at("what"), format!("{ctx}`what` must not be empty")));
            }
            Some(("target", target))
        }
    };
    match name {
        Some((key, n)) if n.trim().is_empty() => {
            Err(issue(at(key), format!("{ctx}`{key}` must not be empty")))
        }
        _ => Ok(()),
    }
}

pub(super) fn check_sweep(sweep: &Sweep) -> Check<'_> {
    match sweep {
        Sweep::Grid(grid) => {
            if grid.is_empty() {
                return Err(issue(
                    vec![Key("sweep")],
                    "a `Grid` sweep needs at least one parameter".into(),
                ));
            }
            for (name, values) in grid {
                let ctx = format!("sweep parameter `{name}`: ");
                if values.is_empty() {
                    return Err(issue(
                        vec![Key("sweep"), Key(name)],
                        format!("{ctx}needs at least one value"),
                    ));
                }
                for (k, v) in values.iter().enumerate() {
                    finite(*v, &ctx, vec![Key("sweep"), Key(name), Index(k)])?;
                }
            }
        }
        Sweep::MonteCarlo(mc) => {
            if mc.samples == 0 {
                return Err(issue(
                    vec![Key("sweep"), Key("samples")],
                    "`samples` must be at least 1".into(),
                ));
            }
            if mc.vary.is_empty() {
                return Err(issue(
                    vec![Key("sweep"), Key("vary")],
                    "`vary` needs at least one parameter".into(),
                ));
            }
            for (name, dist) in &mc.vary {
                let at = |key: &'static str| vec![Key("sweep"), Key("vary"), Key(name), Key(key)];
                let ctx = format!("sweep parameter `{name}`: ");
                match *dist {
                    Distribution::Uniform { low, high } => {
                        finite(low, &ctx, at("low"))?;
                        require(
                            high,
                            high > low,
                            "must be greater than `low`",
                            &ctx,
                            at("high"),
                        )?;
                    }
                    Distribution::Normal { mean, std_dev } => {
                        finite(mean, &ctx, at("mean"))?;
                        non_negative(std_dev, &ctx, at("std_dev"))?;
                    }
                    Distribution::Tolerance { percent } => {
                        require(
                            percent,
                            (0.0..100.0).contains(&percent),
                            "must be within [0, 100)",
                            &ctx,
                            at("percent"),
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}
