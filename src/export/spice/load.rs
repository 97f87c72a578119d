//! Loads as SPICE elements: a per-unit demand source per distinct profile,
//! the first-order bandwidth lag as an RC, and a behavioural current with
//! the load law of `components/load.rs`.
//!
//! Owns the loads' elements only; the profiles' PWL points come from
//! `events`.

use super::deck::Deck;
use super::events::profile_points;
use super::names::{num, source_value, vdiff};
use super::{ExportError, FORMAT};
use crate::components::load::{Load, LoadModel};
use crate::scenario::LoadProfile;
use std::f64::consts::TAU;

impl Deck {
    /// The per-unit demand node for `profile`, shared between loads.
    pub(super) fn demand(&mut self, owner: &str, profile: &LoadProfile) -> String {
        let points = profile_points(profile, self.duration, self.jump);
        let key: Vec<(u64, u64)> = points
            .iter()
            .map(|(t, v)| (t.to_bits(), v.to_bits()))
            .collect();
        if let Some(node) = self.demands.get(&key) {
            return node.clone();
        }
        let node = self.names.internal(&format!("{owner}.pu"));
        let source = self.names.element('V', &format!("{owner}.pu"));
        let value = source_value(&points);
        self.line(format!("{source} {node} 0 {value}"));
        self.demands.insert(key, node.clone());
        node
    }

    /// Demand → drawn power through the first-order lag
    /// P' = 2π·f·(P_d − P): an RC with R = 1 Ω, C = 1/(2π·f).
    pub(super) fn lag(&mut self, owner: &str, demand: &str, hz: f64) -> String {
        let key = (demand.to_string(), hz.to_bits());
        if let Some(node) = self.lags.get(&key) {
            return node.clone();
        }
        let node = self.names.internal(&format!("{owner}.lag"));
        let r = self.names.element('R', &format!("{owner}.lag"));
        let c = self.names.element('C', &format!("{owner}.lag"));
        let ic = self.ic();
        self.line(format!("{r} {demand} {node} 1"));
        self.line(format!("{c} {node} 0 {}{ic}", num(1.0 / (TAU * hz))));
        self.lags.insert(key, node.clone());
        node
    }

    pub(super) fn load(&mut self, l: &Load, profile: &LoadProfile) -> Result<(), ExportError> {
        if l.uvlo.is_some() {
            return Err(ExportError::Unsupported {
                name: l.name.clone(),
                feature: "`uvlo` (a state event)".into(),
                format: FORMAT,
            });
        }
        if l.smoothing.is_some() {
            return Err(ExportError::Unsupported {
                name: l.name.clone(),
                feature: "`smoothing` (its hysteresis is a state event)".into(),
                format: FORMAT,
            });
        }
        let node = self.names.node(&l.node);
        let ret = self.names.node(&l.ret);
        let demand = self.demand(&l.name, profile);
        let pu = match &l.bandwidth_hz {
            Some(f) => self.lag(&l.name, &demand, f.value()),
            None => demand,
        };
        let v = vdiff(&node, &ret);
        let law = load_law(&l.model, &v);
        let b = self.names.element('B', &l.name);
        self.line(format!(
            "{b} {node} {ret} I = {} * v({pu}) * ({law})",
            num(l.watts.value())
        ));
        Ok(())
    }
}

/// The per-watt current law i/P of `components/load.rs` as an expression
/// in the terminal voltage `v`.
pub(super) fn load_law(model: &LoadModel, v: &str) -> String {
    let cp = |min_volts: f64| {
        format!(
            "({v} >= {} ? 1 / {v} : {v} * {})",
            num(min_volts),
            num(1.0 / (min_volts * min_volts))
        )
    };
    match model {
        LoadModel::ConstantPower { min_volts } => cp(min_volts.value()),
        LoadModel::ConstantCurrent { volts } => num(1.0 / volts.value()),
        LoadModel::Resistive { volts } => {
            format!("{v} * {}", num(1.0 / (volts.value() * volts.value())))
        }
        LoadModel::Zip {
            p,
            i,
            z,
            volts,
            min_volts,
        } => {
            let volts = volts.value();
            let mut terms = Vec::new();
            if p.value() != 0.0 {
                terms.push(format!("{} * {}", num(p.value()), cp(min_volts.value())));
            }
            if i.value() != 0.0 {
                terms.push(num(i.value() / volts));
            }
            if z.value() != 0.0 {
                terms.push(format!("{v} * {}", num(z.value() / (volts * volts))));
            }
            if terms.is_empty() {
                "0".into()
            } else {
                terms.join(" + ")
            }
        }
    }
}
