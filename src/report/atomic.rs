//! Atomic file replacement: readers see either the old file or the complete
//! new one, never a half-written file under the final name.
//!
//! Temporary files are named `.<name>.<pid>.<n>.tmp`. A process killed
//! mid-write leaves its temporary file behind; the next write into that
//! folder removes every such file whose process no longer runs (checked in
//! `/proc`; elsewhere stale files are left alone rather than guessed at).
//!
//! Owns only the write-fsync-rename protocol and its temporary files. Must
//! not decide file names or contents.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of concurrent writers in one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically.
///
/// The data goes to a hidden temporary file in the same directory (a rename
/// is only atomic within one file system), is flushed to disk, and is then
/// renamed over `path`. On any error the temporary file is removed and an
/// existing `path` is left untouched, so an interrupted run cannot leave a
/// truncated result that looks complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |out| out.write_all(bytes))
}

/// Same as [`write_atomic`], with the contents streamed by `fill` into a
/// buffered writer on the temporary file instead of held in memory whole.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` does not name a file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp_path = write_temp_with(dir, &file_name.to_string_lossy(), fill)?;
    let result = fs::rename(&tmp_path, path);
    if result.is_err() {
        // Best effort: the original error is what the caller needs to see.
        let _ = fs::remove_file(&tmp_path);
    }
    result?;
    sync_dir(dir);
    Ok(())
}

/// Writes what `fill` streams into a buffered writer to a new temporary
/// file for `name` in `dir`, flushed to disk, and returns its path
/// (removed again if writing fails). Stale temporary files of dead
/// processes in `dir` are removed first.
pub(super) fn write_temp_with(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut io::BufWriter<File>) -> io::Result<()>,
) -> io::Result<PathBuf> {
    remove_stale_temps(dir);
    let (tmp_path, file) = create_temp(dir, name)?;
    let result = (|| {
        let mut writer = io::BufWriter::new(file);
        fill(&mut writer)?;
        let file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(e);
    }
    Ok(tmp_path)
}

/// The writer's pid in a temporary file name `.<name>.<pid>.<n>.tmp`.
fn temp_pid(file_name: &str) -> Option<u32> {
    let inner = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = inner.rsplitn(3, '.');
    let n = parts.next()?;
    let pid = parts.next()?;
    parts.next().filter(|name| !name.is_empty())?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Whether process `pid` is running; `None` where that cannot be known.
fn process_alive(pid: u32) -> Option<bool> {
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        return None;
    }
    Some(proc_root.join(pid.to_string()).exists())
}

/// Removes the temporary files of dead writers in `dir`. Best effort: a
/// file another process removes first, or one that cannot be removed, is
/// not this run's concern.
pub(super) fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = temp_pid(&name.to_string_lossy()) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && pid != own && process_alive(pid) == Some(false) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates a new, exclusively owned temporary file next to the target.
fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    for _ in 0..1000 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{pid}.{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            // A stale file from a crashed run with a recycled pid: try the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free temporary name for `{name}` in `{}`", dir.display()),
    ))
}

/// Makes the rename itself durable where the platform allows it. Failure is
/// ignored: the data is already safe and some file systems refuse to sync
/// directories.
pub(super) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("summary.json");
        write_atomic(&path, b"old")?;
        write_atomic(&path, b"new contents")?;
        assert_eq!(fs::read(&path)?, b"new contents");
        assert_eq!(names(dir.path()), ["summary.json"]);
        Ok(())
    }

    #[test]
    fn failed_rename_leaves_no_temporary_file() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        // A non-empty directory cannot be replaced by a file.
        let target = dir.path().join("plots");
        fs::create_dir(&target)?;
        fs::write(target.join("keep.txt"), b"keep")?;
        assert!(write_atomic(&target, b"data").is_err());
        assert_eq!(names(dir.path()), ["plots"]);
        assert_eq!(fs::read(target.join("keep.txt"))?, b"keep");
        Ok(())
    }

    #[test]
    fn stale_temporary_files_of_dead_writers_are_removed() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        // Above the largest pid Linux hands out (2^22): never running.
        let dead = dir.path().join(".waveforms.csv.4194305.0.tmp");
        let live = dir
            .path()
            .join(format!(".summary.json.{}.7.tmp", std::process::id()));
        let foreign = dir.path().join(".notes.tmp");
        for f in [&dead, &live, &foreign] {
            fs::write(f, b"partial")?;
        }
        write_atomic(&dir.path().join("waveforms.csv"), b"t\n")?;
        let expected = if process_alive(1).is_some() {
            vec![
                ".notes.tmp".to_string(),
                live_name(&live),
                "waveforms.csv".into(),
            ]
        } else {
            vec![
                ".notes.tmp".to_string(),
                live_name(&live),
                ".waveforms.csv.4194305.0.tmp".into(),
                "waveforms.csv".into(),
            ]
        };
        let mut expected = expected;
        expected.sort();
        assert_eq!(names(dir.path()), expected);
        Ok(())
    }

    fn live_name(p: &Path) -> String {
        p.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }

    #[test]
    fn temporary_names_parse_back_to_their_pid() {
        assert_eq!(temp_pid(".waveforms.csv.123.0.tmp"), Some(123));
        assert_eq!(temp_pid(".a.b.c.png.9.12.tmp"), Some(9));
        assert_eq!(temp_pid(".x.tmp"), None);
        assert_eq!(temp_pid("waveforms.csv.1.0.tmp"), None);
        assert_eq!(temp_pid("..1.0.tmp"), None);
    }

    #[test]
    fn missing_directory_and_bad_names_are_errors() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        assert!(write_atomic(&dir.path().join("no/such/dir/file.csv"), b"x").is_err());
        assert!(write_atomic(Path::new("/"), b"x").is_err());
        assert!(write_atomic(Path::new(".."), b"x").is_err());
        assert_eq!(names(dir.path()), Vec::<String>::new());
        Ok(())
    }
}
