//! Waveforms as CSV: a `time` column, then one column per recorded signal,
//! one row per sample.
//!
//! Owns the CSV text layout and number formatting. Must not write files
//! (see `atomic`) or compute statistics. The rows are written one at a
//! time into any `io::Write`, so writing a file costs one row of memory
//! beyond the waveforms themselves, however long the run.

use crate::results::Waveforms;
use std::fmt::Write as _;
use std::io;

/// Renders the waveforms as CSV (RFC 4180, `\n` line ends).
///
/// Numbers use Rust's shortest round-trip formatting, so parsing the file
/// gives back the exact `f64` values and the same input always gives the
/// same bytes. Very small or very large magnitudes switch to exponent form
/// (`1.5e-9`) to keep the file readable; NaN and infinities are written as
/// `NaN`, `inf` and `-inf`, which common CSV readers accept. A column with
/// fewer values than there are time stamps leaves its missing cells empty.
pub fn waveforms_csv(w: &Waveforms) -> Vec<u8> {
    let mut out = Vec::with_capacity(estimated_len(w));
    // Writing into a Vec cannot fail.
    let _ = write_waveforms_csv(w, &mut out);
    out
}

/// Writes the same bytes as [`waveforms_csv`] into `out`, one row at a
/// time (wrap a file in a `BufWriter`).
pub fn write_waveforms_csv(w: &Waveforms, out: &mut impl io::Write) -> io::Result<()> {
    let mut line = String::from("time");
    for column in &w.columns {
        line.push(',');
        push_field(&mut line, &column.name);
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;
    for (row, &t) in w.time.iter().enumerate() {
        line.clear();
        push_number(&mut line, t);
        for column in &w.columns {
            line.push(',');
            if let Some(&v) = column.values.get(row) {
                push_number(&mut line, v);
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Appends `x` in shortest round-trip form. Display is used in the range
/// where it is short; elsewhere `{:e}` avoids hundreds of zeros.
fn push_number(out: &mut String, x: f64) {
    let magnitude = x.abs();
    // Writing into a String cannot fail.
    let _ = if x == 0.0 || !x.is_finite() || (1e-4..1e15).contains(&magnitude) {
        write!(out, "{x}")
    } else {
        write!(out, "{x:e}")
    };
}

/// Appends a text field, quoted when it contains a separator, a quote or a
/// line break (RFC 4180), so odd signal names cannot shift columns.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// Rough output size, to avoid repeated reallocation on large runs.
fn estimated_len(w: &Waveforms) -> usize {
    w.time
        .len()
        .saturating_mul(w.columns.len().saturating_add(1))
        .saturating_mul(20)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Column, Quantity, SolverStats};

    fn waveforms() -> Waveforms {
        let col = |name: &str, values: Vec<f64>| Column {
            name: name.into(),
            target: name.into(),
            quantity: Quantity::Voltage,
            nominal: None,
            values: values.into(),
            extremes: None,
        };
        Waveforms {
            time: vec![0.0, 1e-5, 2e-5],
            columns: vec![
                col("bus800", vec![800.0, 799.123456789012, f64::NAN]),
                col("odd,\"name\"", vec![1e-9, -2.5e20, 0.1]),
                col("short", vec![1.0]),
            ],
            events: vec![],
            stats: SolverStats::default(),
        }
    }

    #[test]
    fn header_rows_and_round_trip() {
        let text = String::from_utf8(waveforms_csv(&waveforms())).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "time,bus800,\"odd,\"\"name\"\"\",short");
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], "0,800,1e-9,1");
        assert_eq!(lines[2], "1e-5,799.123456789012,-2.5e20,");
        assert_eq!(lines[3], "2e-5,NaN,0.1,");
        let back: f64 = lines[2]
            .split(',')
            .nth(1)
            .unwrap_or("")
            .parse()
            .unwrap_or(0.0);
        assert_eq!(back, 799.123456789012);
    }

    #[test]
    fn empty_waveforms_give_a_header_only() {
        let w = Waveforms {
            time: vec![],
            columns: vec![],
            events: vec![],
            stats: SolverStats::default(),
        };
        assert_eq!(waveforms_csv(&w), b"time\n");
    }

    /// Streamed through a writer that takes a few bytes at a time, the
    /// bytes are the same.
    #[test]
    fn streaming_gives_the_same_bytes() {
        struct Trickle(Vec<u8>);
        impl io::Write for Trickle {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                let n = buf.len().min(3);
                self.0.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let w = waveforms();
        let mut out = Trickle(Vec::new());
        write_waveforms_csv(&w, &mut out).expect("write");
        assert_eq!(out.0, waveforms_csv(&w));
    }
}
