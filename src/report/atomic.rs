//! Atomic file replacement: readers see either the old file or the complete
//! new one, never a half-written file under the final name.
//!
//! Owns only the write-fsync-rename protocol. Must not decide file names
//! or contents.

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
    let (tmp_path, file) = create_temp(dir, &file_name.to_string_lossy())?;
    let result = fill_and_rename(file, &tmp_path, path, bytes);
    if result.is_err() {
        // Best effort: the original error is what the caller needs to see.
        let _ = fs::remove_file(&tmp_path);
    }
    result?;
    sync_dir(dir);
    Ok(())
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
    let (tmp_path, file) = create_temp(dir, &file_name.to_string_lossy())?;
    let result = (|| {
        let mut writer = io::BufWriter::new(file);
        fill(&mut writer)?;
        let file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        fill_and_rename(file, &tmp_path, path, &[])
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result?;
    sync_dir(dir);
    Ok(())
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

fn fill_and_rename(mut file: File, tmp: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, target)
}

/// Makes the rename itself durable where the platform allows it. Failure is
/// ignored: the data is already safe and some file systems refuse to sync
/// directories.
fn sync_dir(dir: &Path) {
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
    fn missing_directory_and_bad_names_are_errors() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        assert!(write_atomic(&dir.path().join("no/such/dir/file.csv"), b"x").is_err());
        assert!(write_atomic(Path::new("/"), b"x").is_err());
        assert!(write_atomic(Path::new(".."), b"x").is_err());
        assert_eq!(names(dir.path()), Vec::<String>::new());
        Ok(())
    }
}
