//! The deck being written: its element lines, shared naming state, the
//! series R–L and R–C building blocks every component uses, and the
//! header, options, analysis and control cards written at the end.
//!
//! Owns the deck's layout; the elements of each component kind are in the
//! sibling modules (`passive`, `switch`, `sources`, `dcx`, `load`).

use super::names::{num, Names};
use super::record::Recorded;
use super::{SpiceOptions, SpiceStyle, JUMP_FRACTION};
use crate::analysis::Scenario;
use crate::components::FlatCircuit;
use crate::scenario::{ProbeKind, Start};
use std::collections::BTreeMap;

pub(super) struct Deck {
    pub(super) names: Names,
    pub(super) lines: Vec<String>,
    pub(super) duration: f64,
    pub(super) start: Start,
    /// `.tran` TMAX: the caller's, else SPICE's classic default, written
    /// out so that the jump width below is tied to it.
    pub(super) tmax: f64,
    /// Width of a jump in a PWL (ngspice wants increasing times). It ends
    /// exactly at the event so that ngspice's point there holds the
    /// post-event value, as busbar's sample does, and it is wider than
    /// ngspice's minimum breakpoint spacing (5e-5 of TMAX) so that both
    /// corners are kept rather than merged into the earlier one.
    pub(super) jump: f64,
    /// Per-unit demand sources, shared by loads with identical profiles.
    pub(super) demands: BTreeMap<Vec<(u64, u64)>, String>,
    /// Lagged demands, shared by loads with the same demand and bandwidth.
    pub(super) lags: BTreeMap<(String, u64), String>,
    pub(super) style: SpiceStyle,
}

impl Deck {
    pub(super) fn new(scenario: Option<&Scenario>, options: &SpiceOptions) -> Self {
        let duration = scenario.map_or(0.0, |s| s.duration);
        let sample = scenario.map_or(0.0, |s| s.sample);
        let tmax = options
            .maxstep
            .unwrap_or_else(|| sample.min(duration / 50.0));
        Deck {
            names: Names::default(),
            lines: Vec::new(),
            duration,
            start: scenario.map_or(Start::OperatingPoint, |s| s.start),
            tmax,
            jump: tmax * JUMP_FRACTION,
            demands: BTreeMap::new(),
            lags: BTreeMap::new(),
            style: options.style,
        }
    }

    pub(super) fn line(&mut self, s: String) {
        self.lines.push(s);
    }

    /// ` ic=0` on storage elements for a cold start.
    pub(super) fn ic(&self) -> &'static str {
        match self.start {
            Start::Zero => " ic=0",
            Start::OperatingPoint => "",
        }
    }

    /// Series R–L from `a` to `b` named after `owner`: the inductor, then
    /// its resistance through a private node (omitted when zero).
    pub(super) fn series_rl(&mut self, owner: &str, a: &str, b: &str, henries: f64, ohms: f64) {
        let l = self.names.element('L', owner);
        if ohms > 0.0 {
            let mid = self.names.internal(&format!("{owner}.dcr"));
            let r = self.names.element('R', &format!("{owner}.dcr"));
            let ic = self.ic();
            self.line(format!("{l} {a} {mid} {}{ic}", num(henries)));
            self.line(format!("{r} {mid} {b} {}", num(ohms)));
        } else {
            let ic = self.ic();
            self.line(format!("{l} {a} {b} {}{ic}", num(henries)));
        }
    }

    /// Capacitor from `a` to `b`, with its ESR in series through a private
    /// node when non-zero.
    pub(super) fn series_rc(&mut self, owner: &str, a: &str, b: &str, farads: f64, esr: f64) {
        let c = self.names.element('C', owner);
        let ic = self.ic();
        if esr > 0.0 {
            let mid = self.names.internal(&format!("{owner}.esr"));
            let r = self.names.element('R', &format!("{owner}.esr"));
            self.line(format!("{r} {a} {mid} {}", num(esr)));
            self.line(format!("{c} {mid} {b} {}{ic}", num(farads)));
        } else {
            self.line(format!("{c} {a} {b} {}{ic}", num(farads)));
        }
    }

    pub(super) fn finish(
        self,
        circuit: &FlatCircuit,
        scenario: Option<&Scenario>,
        options: &SpiceOptions,
        output: &str,
        record: &[Recorded],
    ) -> String {
        let mut out = String::new();
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        out.push_str(&format!("busbar export: {}\n", one_line(&circuit.name)));
        out.push_str(&format!(
            "* Averaged model of circuit `{}` written by busbar {}.\n",
            one_line(&circuit.name),
            env!("CARGO_PKG_VERSION")
        ));
        match scenario {
            Some(s) => out.push_str(&format!(
                "* scenario `{}`: {} s sampled every {} s, start {}\n",
                one_line(&s.name),
                num(s.duration),
                num(s.sample),
                match s.start {
                    Start::OperatingPoint => "at the DC operating point",
                    Start::Zero => "from zero (uic)",
                }
            )),
            None => out.push_str("* no scenario: operating point with every load at 1 pu\n"),
        }
        out.push_str("*\n* nodes (ngspice = busbar):\n");
        for name in &self.names.order {
            out.push_str(&format!("*   {} = {name}\n", self.names.nodes[name]));
        }
        out.push_str("*\n* recorded columns, in wrdata order after time (vector, busbar column, nominal volts):\n");
        for r in record {
            let nominal = r.nominal.map_or("-".to_string(), num);
            out.push_str(&format!("* record v({}) {} {nominal}\n", r.spice, r.column));
        }
        if let Some(s) = scenario {
            for p in s.probes().iter().filter(|p| p.kind != ProbeKind::Voltage) {
                let prefix = match p.kind {
                    ProbeKind::Current => "i",
                    ProbeKind::Power => "p",
                    _ => "soc",
                };
                out.push_str(&format!("* not recorded here: {prefix}({})\n", p.target));
            }
        }
        out.push('\n');
        for l in &self.lines {
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&format!(
            ".options reltol={} abstol={} vntol={} method={}\n",
            num(options.reltol),
            num(options.abstol),
            num(options.vntol),
            options.method
        ));
        match scenario {
            Some(s) => {
                let mut tran = format!(
                    ".tran {} {} 0 {}",
                    num(s.sample),
                    num(s.duration),
                    num(self.tmax)
                );
                if s.start == Start::Zero {
                    tran.push_str(" uic");
                }
                out.push_str(&tran);
                out.push('\n');
            }
            None => out.push_str(".op\n"),
        }
        let vectors: Vec<String> = record.iter().map(|r| format!("v({})", r.spice)).collect();
        out.push_str(".control\nset wr_singlescale\nset wr_vecnames\noption numdgt=15\nrun\n");
        out.push_str(&format!("wrdata {output} {}\n", vectors.join(" ")));
        out.push_str("quit\n.endc\n.end\n");
        out
    }
}
