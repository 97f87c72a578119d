//! The stamp of a report: the date of its run in UTC and a SHA-256 hash of
//! its inputs, so that a printed copy says when it was made and from what.
//!
//! The hash covers, in this order, the circuit text, the scenario text,
//! the command-line overrides (`--set`, as `name=value` lines in name
//! order) and the busbar version; each part is fed as its label, its
//! length in bytes (8 bytes, little-endian) and its bytes, so that no two
//! different sets of inputs give the same byte stream. Same inputs, same
//! hash: anyone can recompute it from the quoted input files.
//!
//! The date is given by the caller (the time of the run, or
//! `SOURCE_DATE_EPOCH` when set, so that reports can be reproduced byte
//! for byte); here it is only formatted. Must not read clocks or files.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The inputs of a report, as hashed.
pub struct Inputs<'a> {
    pub circuit: &'a str,
    pub scenario: &'a str,
    pub overrides: &'a BTreeMap<String, f64>,
    pub version: &'a str,
}

/// SHA-256 of the inputs, as 64 lower-case hex digits.
pub fn input_hash(inputs: &Inputs) -> String {
    let overrides: String = inputs
        .overrides
        .iter()
        .map(|(k, v)| format!("{k}={v:e}\n"))
        .collect();
    let mut h = Sha256::new();
    for (label, bytes) in [
        ("circuit", inputs.circuit.as_bytes()),
        ("scenario", inputs.scenario.as_bytes()),
        ("overrides", overrides.as_bytes()),
        ("version", inputs.version.as_bytes()),
    ] {
        h.update(label.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `2026-12-03 19:07 UTC` from seconds since 1970-01-01 00:00 UTC.
pub fn utc_date(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01, by whole
/// 400-year eras (146 097 days each), then centuries, 4-year cycles and
/// years counted from 1 March, so that the leap day ends a year.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..365, from 1 March
    let mp = (5 * doy + 2) / 153; // month from March, 0..11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_utc() {
        assert_eq!(utc_date(0), "1970-01-01 00:00 UTC");
        // 2000-02-29 (a leap day of a century year divisible by 400).
        assert_eq!(utc_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_date(951_868_799), "2000-02-29 23:59 UTC");
        assert_eq!(utc_date(951_868_800), "2000-03-01 00:00 UTC");
        assert_eq!(utc_date(1_764_547_200 + 3_723), "2025-12-01 01:02 UTC");
        assert_eq!(utc_date(-86_400), "1969-12-31 00:00 UTC");
    }

    #[test]
    fn hash_is_sha256_of_the_framed_inputs() {
        let none = BTreeMap::new();
        let inputs = Inputs {
            circuit: "",
            scenario: "",
            overrides: &none,
            version: "",
        };
        // Four empty parts: each label then eight zero bytes.
        let mut framed = Vec::new();
        for label in ["circuit", "scenario", "overrides", "version"] {
            framed.extend_from_slice(label.as_bytes());
            framed.extend_from_slice(&[0u8; 8]);
        }
        let expected: String = Sha256::digest(&framed)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(input_hash(&inputs), expected);
        // The SHA-256 of "abc" (FIPS 180-2, appendix B.1) pins the crate.
        let abc: String = Sha256::digest(b"abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            abc,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let set = BTreeMap::from([("p_rack".to_string(), 150e3)]);
        let changed = Inputs {
            overrides: &set,
            ..inputs
        };
        assert_ne!(input_hash(&changed), input_hash(&inputs));
    }
}
