//! Reading measured load traces (`Trace(file:, time:, value:)`) from CSV.
//!
//! Owns CSV parsing and its error messages: a missing file or column, a
//! cell that is not a number, time that does not increase. Must not
//! interpolate (`profile`) or resolve paths against the scenario (`mod`).

use super::ScenarioError;
use std::path::Path;
use std::sync::Arc;

/// `(t, pu)` rows shared by every load that follows one trace.
pub(crate) type Samples = Arc<[(f64, f64)]>;

/// Reads the `(time, value)` columns of a CSV with a header row. Lines
/// starting with `#` are comments, so exported scope captures can keep
/// their preamble.
pub(crate) fn read_trace(path: &Path, time: &str, value: &str) -> Result<Samples, ScenarioError> {
    let fail = |line: Option<u64>, message: String| ScenarioError::Trace {
        path: path.to_path_buf(),
        line: line.and_then(|l| usize::try_from(l).ok()),
        message,
    };
    let bytes =
        crate::budget::read_input(path).map_err(|e| fail(None, format!("cannot read: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| fail(csv_line(&e), csv_message(&e)))?
        .clone();
    let header_line = header_line(&bytes);
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            let existing: Vec<String> = headers.iter().map(|h| format!("`{h}`")).collect();
            fail(
                header_line,
                format!(
                    "no column named `{name}`; the header has {}",
                    if existing.is_empty() {
                        "no columns".to_string()
                    } else {
                        existing.join(", ")
                    }
                ),
            )
        })
    };
    let (ti, vi) = (column(time)?, column(value)?);

    let mut samples: Vec<(f64, f64)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| fail(csv_line(&e), csv_message(&e)))?;
        let line = record.position().map(|p| p.line());
        let cell = |index: usize, name: &str| -> Result<f64, ScenarioError> {
            let text = record.get(index).unwrap_or("");
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(fail(
                    line,
                    format!("column `{name}`: expected a finite number, found `{text}`"),
                )),
            }
        };
        let (t, v) = (cell(ti, time)?, cell(vi, value)?);
        if let Some(&(prev, _)) = samples.last() {
            if t <= prev {
                return Err(fail(
                    line,
                    format!("column `{time}`: time must increase, but {t} follows {prev}"),
                ));
            }
        }
        samples.push((t, v));
    }
    if samples.is_empty() {
        return Err(fail(
            None,
            "the trace has a header but no data rows".to_string(),
        ));
    }
    Ok(samples.into())
}

/// 1-based line of the header row. The csv reader reports the header at
/// line 1 even after comment lines, so count them here.
fn header_line(bytes: &[u8]) -> Option<u64> {
    let skipped = bytes
        .split(|&b| b == b'\n')
        .take_while(|line| line.starts_with(b"#") || line.iter().all(u8::is_ascii_whitespace))
        .count();
    u64::try_from(skipped + 1).ok()
}

fn csv_line(e: &csv::Error) -> Option<u64> {
    e.position().map(|p| p.line())
}

/// The csv crate's messages embed their own position; keep only the cause,
/// since the error carries the line separately.
fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        csv::ErrorKind::Utf8 { err, .. } => format!("not valid UTF-8: {err}"),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields like the header, found {len}"),
        _ => e.to_string(),
    }
}
