//! Budgets: how much one command may expand, record, schedule, sweep or
//! read, each checked before the work it bounds starts, and the one way
//! input files are read (regular files only, within the input budget).
//!
//! A budget exists so that a valid but absurd input (a nested `Repeat` of
//! 10¹⁰ empty bodies, a 1 µs pulse train over an hour, a sample interval of
//! 20 ns over a second, `/dev/zero` as a circuit) ends in a message naming
//! what was too large and how to raise the limit, instead of a run that
//! never ends or a process the allocator aborts. The defaults sit far
//! above every bundled circuit, scenario and sweep.
//!
//! The values are process-wide: the command line sets them once, before
//! any work, with `--budget NAME=VALUE`; the library only reads them. Owns
//! nothing else; must not know circuits, scenarios or analyses.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// One budget: what it counts and its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Elaborated size: instances, `Repeat` blocks and their iterations,
    /// and primitives, counted from the counts before anything expands.
    Elements,
    /// Recorded values of one run: output samples × columns (time included).
    OutputValues,
    /// Profile corners of one run: instants the integrator restarts at.
    Breakpoints,
    /// Points of one frequency sweep.
    FrequencyPoints,
    /// Bytes of one input file.
    InputBytes,
}

impl Budget {
    /// Every budget, in the order the reference lists them.
    pub const ALL: [Budget; 5] = [
        Budget::Elements,
        Budget::OutputValues,
        Budget::Breakpoints,
        Budget::FrequencyPoints,
        Budget::InputBytes,
    ];

    /// The name `--budget NAME=VALUE` takes.
    pub fn name(self) -> &'static str {
        match self {
            Budget::Elements => "elements",
            Budget::OutputValues => "output-values",
            Budget::Breakpoints => "breakpoints",
            Budget::FrequencyPoints => "frequency-points",
            Budget::InputBytes => "input-bytes",
        }
    }

    /// What it counts, for the reference and `--help`.
    pub fn meaning(self) -> &'static str {
        match self {
            Budget::Elements => {
                "instances, Repeat blocks and iterations, and primitives a circuit expands to"
            }
            Budget::OutputValues => "recorded values of a run: samples × columns (time included)",
            Budget::Breakpoints => "load-profile corners of a run (each restarts the integrator)",
            Budget::FrequencyPoints => "points of one frequency sweep",
            Budget::InputBytes => "size of one input file (circuit, scenario, trace, result)",
        }
    }

    /// The default: far above every bundled case, small enough that the
    /// work it admits finishes in minutes and fits in a few GB.
    pub const fn default_value(self) -> u64 {
        match self {
            // The largest bundled hall expands to a few thousand elements.
            Budget::Elements => 2_000_000,
            // Measured: 4.2e7 values (2e6 samples × 21 columns) peaked at
            // 0.78 GB resident and wrote 0.73 GB of CSV.
            Budget::OutputValues => 50_000_000,
            // A bundled training profile has a dozen corners.
            Budget::Breakpoints => 100_000,
            // 12 decades at 10 000 points per decade.
            Budget::FrequencyPoints => 120_000,
            Budget::InputBytes => 64 << 20,
        }
    }

    fn slot(self) -> &'static AtomicU64 {
        &VALUES[self as usize]
    }

    /// The value in force.
    pub fn get(self) -> u64 {
        self.slot().load(Ordering::Relaxed)
    }

    /// Sets the value for the rest of the process (the command line does,
    /// once, before any work).
    pub fn set(self, value: u64) {
        self.slot().store(value, Ordering::Relaxed);
    }

    /// How to raise it, for the end of an error message.
    pub fn hint(self) -> String {
        format!(
            "the `{}` budget is {}; raise it with `--budget {}=N`",
            self.name(),
            self.get(),
            self.name()
        )
    }

    /// `Ok` when `needed` fits; otherwise the message "`what` needs N
    /// <budget>, more than the budget …; raise it with …".
    pub fn check(self, needed: f64, what: &str) -> Result<(), String> {
        if needed.is_finite() && needed <= self.get() as f64 {
            return Ok(());
        }
        let amount = if needed.is_finite() {
            format!("{needed:.0}")
        } else {
            "an unbounded number of".to_string()
        };
        Err(format!(
            "{what} needs {amount} {}, more than allowed: {}",
            self.name(),
            self.hint()
        ))
    }
}

static VALUES: [AtomicU64; 5] = [
    AtomicU64::new(Budget::Elements.default_value()),
    AtomicU64::new(Budget::OutputValues.default_value()),
    AtomicU64::new(Budget::Breakpoints.default_value()),
    AtomicU64::new(Budget::FrequencyPoints.default_value()),
    AtomicU64::new(Budget::InputBytes.default_value()),
];

/// Parses `NAME=VALUE` for `--budget`: a known name and a whole number ≥ 1
/// (`1e7` and `2_000_000` are accepted).
pub fn parse_setting(s: &str) -> Result<(Budget, u64), String> {
    let names: Vec<&str> = Budget::ALL.iter().map(|b| b.name()).collect();
    let (name, value) = s.split_once('=').ok_or_else(|| {
        format!(
            "`{s}`: expected NAME=VALUE, NAME one of {}",
            names.join(", ")
        )
    })?;
    let budget = Budget::ALL
        .into_iter()
        .find(|b| b.name() == name.trim())
        .ok_or_else(|| format!("`{name}` is not a budget; known: {}", names.join(", ")))?;
    let text = value.trim().replace('_', "");
    let number: f64 = text
        .parse()
        .map_err(|_| format!("`{s}`: `{value}` is not a number"))?;
    if !(number.is_finite() && number >= 1.0 && number.fract() == 0.0 && number <= 1e18) {
        return Err(format!(
            "`{s}`: the value must be a whole number from 1 to 1e18"
        ));
    }
    Ok((budget, number as u64))
}

/// What kind of file `path` is, when it is not a regular file.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device file");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    if kind.is_dir() {
        Some("a directory")
    } else {
        Some("not a regular file")
    }
}

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Reads an input file whole: only a regular file, and only within the
/// `input-bytes` budget. Device files, FIFOs, sockets and directories are
/// refused before they are opened, so neither `/dev/zero` nor a pipe with
/// no writer can stall or exhaust the process.
pub fn read_input(path: &Path) -> io::Result<Vec<u8>> {
    let cap = Budget::InputBytes.get();
    let check = |meta: &std::fs::Metadata| -> io::Result<()> {
        if let Some(kind) = not_regular(meta) {
            return Err(refused(format!(
                "it is {kind}; only regular files are read"
            )));
        }
        if meta.len() > cap {
            return Err(refused(format!(
                "it holds {} bytes, more than allowed: {}",
                meta.len(),
                Budget::InputBytes.hint()
            )));
        }
        Ok(())
    };
    check(&std::fs::metadata(path)?)?;
    let file = File::open(path)?;
    // The file may have been replaced between the two looks.
    check(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(refused(format!(
            "it grew past the input budget while being read: {}",
            Budget::InputBytes.hint()
        )));
    }
    Ok(bytes)
}

/// [`read_input`] as UTF-8 text.
pub fn read_input_text(path: &Path) -> io::Result<String> {
    String::from_utf8(read_input(path)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_initial_values() {
        for b in Budget::ALL {
            assert_eq!(
                VALUES[b as usize].load(Ordering::Relaxed),
                b.default_value()
            );
        }
    }

    #[test]
    fn settings_parse_and_refuse() {
        assert_eq!(
            parse_setting("elements=1e7"),
            Ok((Budget::Elements, 10_000_000))
        );
        assert_eq!(
            parse_setting("input-bytes=2_000"),
            Ok((Budget::InputBytes, 2000))
        );
        for bad in [
            "elements",
            "nodes=5",
            "elements=0",
            "elements=1.5",
            "elements=inf",
        ] {
            assert!(parse_setting(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn check_names_the_budget_and_the_flag() {
        let Err(e) = Budget::Breakpoints.check(1e12, "profile `x`") else {
            panic!("1e12 breakpoints fit the default");
        };
        assert!(e.contains("--budget breakpoints=N"), "{e}");
        assert!(Budget::Breakpoints.check(f64::NAN, "x").is_err());
        assert!(Budget::Breakpoints.check(10.0, "x").is_ok());
    }

    #[test]
    fn directories_and_devices_are_refused_by_kind() {
        let dir = std::env::temp_dir();
        let e = read_input(&dir).expect_err("a directory");
        assert!(e.to_string().contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let e = read_input(Path::new("/dev/zero")).expect_err("a device");
            assert!(e.to_string().contains("a device file"), "{e}");
        }
    }
}
