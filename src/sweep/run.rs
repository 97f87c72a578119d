//! Running a sweep: the points of one shard over a thread pool, then its
//! files; and merging the folders of several shards into the files of the
//! whole sweep.
//!
//! Rows are collected in point order whatever thread ran them, so the
//! files do not depend on `--jobs`; a shard takes every N-th point, so
//! merged shards are the whole sweep, byte for byte. Only the rows are kept:
//! each point's waveforms are dropped once judged, so memory stays flat.
//!
//! Owns scheduling and the folder layout. Must not evaluate a point itself
//! (`study`) nor format rows (`output`).

use super::output::{points_csv, read_points_csv, read_sweep_json, sweep_json};
use super::study::{Row, Sweep};
use super::{figures, worst, SweepError};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Shard `index` (1-based) of `count`: the points k with k mod count =
/// index − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}`: expected K/N with 1 ≤ K ≤ N, e.g. `2/4`");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    fn holds(&self, k: usize) -> bool {
        k % self.count == self.index - 1
    }
}

/// Called once per finished point, from any thread.
pub trait Progress: Sync {
    fn point_done(&self);
}

/// How to run a sweep.
pub struct RunOptions<'a> {
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    pub shard: Option<Shard>,
    /// The sweep file as given, recorded in `sweep.json` for merges.
    pub sweep_file: String,
    pub progress: Option<&'a dyn Progress>,
}

/// Evaluates the points of `options.shard` (all without one) in a pool of
/// `options.jobs` threads and writes the folder `out`. Returns the rows.
pub fn run(sweep: &Sweep, out: &Path, options: &RunOptions) -> Result<Vec<Row>, SweepError> {
    let indices: Vec<usize> = (0..sweep.points.len())
        .filter(|k| options.shard.is_none_or(|s| s.holds(*k)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| SweepError::Merge(format!("cannot start the worker threads: {e}")))?;
    let rows: Vec<Row> = pool.install(|| {
        indices
            .par_iter()
            .map(|&k| {
                let row = sweep.evaluate(k);
                if let Some(p) = options.progress {
                    p.point_done();
                }
                row
            })
            .collect()
    });
    let shard = options.shard.map(|s| (s.index, s.count));
    pool.install(|| write_folder(sweep, out, &options.sweep_file, &rows, shard))?;
    Ok(rows)
}

/// Merges shard folders into `out`: checks that they ran the same inputs
/// and together hold every point once, then writes the whole sweep's files.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(Sweep, Vec<Row>), SweepError> {
    let first = dirs
        .first()
        .ok_or_else(|| SweepError::Merge("no shard folders to merge".into()))?;
    let (sweep_file, hash, _) = read_sweep_json(&first.join("sweep.json"))?;
    let sweep = Sweep::open(Path::new(&sweep_file))?;
    let now = super::output::inputs_hash(&sweep.texts);
    if now != hash {
        return Err(SweepError::Merge(format!(
            "{sweep_file} or its circuit or scenarios changed since the shards ran (hash {hash}, now {now})"
        )));
    }
    let mut rows = Vec::new();
    for dir in dirs {
        let (file, h, _) = read_sweep_json(&dir.join("sweep.json"))?;
        if h != hash || file != sweep_file {
            return Err(SweepError::Merge(format!(
                "{} ran other inputs ({file}, hash {h}) than {} ({sweep_file}, hash {hash})",
                dir.display(),
                first.display()
            )));
        }
        rows.extend(read_points_csv(&sweep, &dir.join("points.csv"))?);
    }
    rows.sort_by_key(|r| r.point);
    let n = sweep.points.len();
    for (expected, r) in rows.iter().enumerate() {
        if r.point != expected {
            let what = if r.point < expected {
                format!("point {} appears twice", r.point)
            } else {
                format!("point {expected} is missing")
            };
            return Err(SweepError::Merge(format!(
                "the shards do not hold every point once: {what}"
            )));
        }
    }
    if rows.len() != n {
        return Err(SweepError::Merge(format!(
            "the shards hold {} of the {n} points: point {} is missing",
            rows.len(),
            rows.len()
        )));
    }
    write_folder(&sweep, out, &sweep_file, &rows, None)?;
    Ok((sweep, rows))
}

/// Writes `points.csv` and `sweep.json`, and for a whole sweep the
/// figures and `worst.ron`.
fn write_folder(
    sweep: &Sweep,
    out: &Path,
    sweep_file: &str,
    rows: &[Row],
    shard: Option<(usize, usize)>,
) -> Result<(), SweepError> {
    // Staged as one set: a sweep that fails while drawing its figures
    // leaves the previous sweep's folder whole, and a rerun with fewer
    // figures removes the ones it no longer draws.
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SweepError::Write { path, source }
    };
    let mut folder = crate::report::StagedFolder::begin(out, "sweep").map_err(failed(out))?;
    let mut write = |name: &str, bytes: &[u8]| {
        folder
            .add(name, bytes)
            .map(drop)
            .map_err(failed(&out.join(name)))
    };
    write("points.csv", &points_csv(sweep, rows))?;
    write("sweep.json", &sweep_json(sweep, sweep_file, rows, shard))?;
    if shard.is_none() && !rows.is_empty() {
        for figure in figures::sweep_figures(sweep, rows) {
            write(&format!("{}.png", figure.name), &figure.png)?;
            write(&format!("{}.svg", figure.name), figure.svg.as_bytes())?;
        }
        if let Some(text) = worst::worst_scenario(sweep, rows, out)? {
            write("worst.ron", text.as_bytes())?;
        }
    }
    folder.commit().map_err(failed(out))?;
    Ok(())
}
