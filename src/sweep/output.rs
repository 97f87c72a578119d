//! The files of a sweep: `points.csv` (one row per point, in point order)
//! and `sweep.json` (the same rows with the definition, the hash of the
//! inputs and the yield), and reading `points.csv` back for a merge.
//!
//! Numbers are written in Rust's shortest round-trip form, so a file read
//! back and written again is the same bytes. Owns these formats. Must not
//! evaluate points.

use super::study::{PointVerdict, Row, Sweep};
use super::SweepError;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

/// The fixed columns after the result columns.
const TAIL: [&str; 3] = ["worst relative margin", "verdict", "binding"];

/// The header of `points.csv`.
pub fn header(sweep: &Sweep) -> Vec<String> {
    let mut out = vec!["point".to_string()];
    out.extend(sweep.points.names());
    for c in &sweep.columns {
        out.push(if c.unit.is_empty() {
            c.name.clone()
        } else {
            format!("{} [{}]", c.name, c.unit)
        });
    }
    out.extend(TAIL.iter().map(|s| s.to_string()));
    out
}

fn cell(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map(|x| x.to_string())
        .unwrap_or_default()
}

/// `points.csv` for `rows` (in point order).
pub fn points_csv(sweep: &Sweep, rows: &[Row]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header(sweep));
    for r in rows {
        let mut record = vec![r.point.to_string()];
        record.extend(r.values.iter().map(|v| cell(Some(*v))));
        record.extend(r.cells.iter().map(|c| cell(*c)));
        record.push(cell(r.worst_margin));
        record.push(r.verdict.word().to_string());
        record.push(r.binding.clone());
        let _ = w.write_record(record);
    }
    w.into_inner().unwrap_or_default()
}

/// Reads a `points.csv` written for `sweep` back into rows.
pub fn read_points_csv(sweep: &Sweep, path: &Path) -> Result<Vec<Row>, SweepError> {
    let bad = |why: String| SweepError::Merge(format!("{}: {why}", path.display()));
    let mut r = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let expected = header(sweep);
    let found: Vec<String> = r
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if found != expected {
        return Err(bad(format!(
            "its columns are not this sweep's: expected {expected:?}, found {found:?}"
        )));
    }
    let (n_values, n_cells) = (sweep.points.names().len(), sweep.columns.len());
    let mut rows = Vec::new();
    for (line, record) in r.records().enumerate() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let at = |why: String| bad(format!("line {}: {why}", line + 2));
        let num = |s: &str| -> Result<Option<f64>, SweepError> {
            if s.is_empty() {
                return Ok(None);
            }
            s.parse::<f64>()
                .map(Some)
                .map_err(|_| at(format!("`{s}` is not a number")))
        };
        let field = |i: usize| record.get(i).unwrap_or_default();
        let point = field(0)
            .parse::<usize>()
            .map_err(|_| at(format!("`{}` is not a point number", field(0))))?;
        let mut values = Vec::with_capacity(n_values);
        for i in 0..n_values {
            values.push(num(field(1 + i))?.unwrap_or(f64::NAN));
        }
        let mut cells = Vec::with_capacity(n_cells);
        for i in 0..n_cells {
            cells.push(num(field(1 + n_values + i))?);
        }
        let base = 1 + n_values + n_cells;
        let verdict = PointVerdict::parse(field(base + 1))
            .ok_or_else(|| at(format!("`{}` is not a verdict", field(base + 1))))?;
        rows.push(Row {
            point,
            values,
            cells,
            worst_margin: num(field(base))?,
            verdict,
            binding: field(base + 2).to_string(),
            seconds: Default::default(),
        });
    }
    Ok(rows)
}

/// The share of passing points with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Yield {
    pub passed: usize,
    pub total: usize,
    pub fraction: f64,
    /// Wilson score interval at 95 % (z = 1.96).
    pub low: f64,
    pub high: f64,
}

impl Yield {
    pub fn of(rows: &[Row]) -> Yield {
        let passed = rows
            .iter()
            .filter(|r| r.verdict == PointVerdict::Pass)
            .count();
        let total = rows.len();
        let (low, high) = wilson_interval(passed, total, 1.959_963_984_540_054);
        Yield {
            passed,
            total,
            fraction: passed as f64 / total.max(1) as f64,
            low,
            high,
        }
    }
}

/// The Wilson score interval for `k` successes in `n` trials at normal
/// quantile `z`: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).
pub fn wilson_interval(k: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let d = 1.0 + z2 / n;
    (
        ((centre - half) / d).max(0.0),
        ((centre + half) / d).min(1.0),
    )
}

/// A 64-bit FNV-1a hash of the input texts, as 16 hex digits: an identity
/// check that shards ran the same inputs, not a cryptographic digest.
pub fn inputs_hash(texts: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in texts {
        for b in t.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// `sweep.json`: the definition, hash, columns, yield, worst point and
/// every row. `shard` is `Some((k, n))` for a shard's partial file.
pub fn sweep_json(
    sweep: &Sweep,
    sweep_file: &str,
    rows: &[Row],
    shard: Option<(usize, usize)>,
) -> Vec<u8> {
    let names = sweep.points.names();
    let columns: Vec<Value> = sweep
        .columns
        .iter()
        .map(|c| json!({"name": c.name, "unit": c.unit}))
        .collect();
    let row_json = |r: &Row| {
        let params: serde_json::Map<String, Value> = names
            .iter()
            .zip(&r.values)
            .map(|(n, v)| (n.clone(), json!(v)))
            .collect();
        json!({
            "point": r.point,
            "parameters": params,
            "values": r.cells,
            "worst_relative_margin": r.worst_margin,
            "verdict": r.verdict,
            "binding": r.binding,
        })
    };
    let worst = worst_row(rows).map(row_json);
    let doc = json!({
        "sweep_file": sweep_file,
        "inputs_hash": inputs_hash(&sweep.texts),
        "definition": sweep.spec,
        "points": sweep.points.len(),
        "shard": shard.map(|(k, n)| format!("{k}/{n}")),
        "parameters": names,
        "columns": columns,
        "yield": Yield::of(rows),
        "worst": worst,
        "rows": rows.iter().map(row_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    text.push(b'\n');
    text
}

/// The worst point: an error first, else the smallest relative margin;
/// the lowest point number among equals.
pub fn worst_row(rows: &[Row]) -> Option<&Row> {
    let key = |r: &Row| {
        let error = r.verdict == PointVerdict::Error;
        (!error, r.worst_margin.unwrap_or(f64::INFINITY))
    };
    rows.iter().min_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(a.point.cmp(&b.point))
    })
}

/// Reads the `sweep_file`, `inputs_hash` and `shard` of a `sweep.json`.
pub fn read_sweep_json(path: &Path) -> Result<(String, String, Option<String>), SweepError> {
    let text = crate::budget::read_input_text(path).map_err(|source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| SweepError::Merge(format!("{}: {e}", path.display())))?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match (field("sweep_file"), field("inputs_hash")) {
        (Some(f), Some(h)) => Ok((f, h, field("shard"))),
        _ => Err(SweepError::Merge(format!(
            "{}: not a sweep.json (no `sweep_file` or `inputs_hash`)",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_its_closed_form_cases() {
        // k = 0: upper bound z²/(n + z²).
        let (lo, hi) = wilson_interval(0, 100, 1.96);
        assert_eq!(lo, 0.0);
        assert!((hi - 1.96f64.powi(2) / (100.0 + 1.96f64.powi(2))).abs() < 1e-12);
        // Symmetric about 1/2 at k = n/2.
        let (lo, hi) = wilson_interval(50, 100, 1.96);
        assert!((lo + hi - 1.0).abs() < 1e-12);
        assert!((hi - lo - 2.0 * 0.09617).abs() < 1e-4, "{lo} {hi}");
    }
}
