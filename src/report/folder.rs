//! An output folder written as a whole: a command's files there are all
//! from this run, or, when the run fails before the end, all from the
//! previous one.
//!
//! Every file is first written to a temporary file beside its final name
//! (`atomic`); nothing is renamed into place until the whole set is
//! staged, so a run that fails while drawing its figures leaves the folder
//! as it was. On commit the files are renamed into place, and the files
//! the previous run of the same command listed in the folder's manifest
//! (`.busbar-<set>.manifest`) that this run did not write are removed, so
//! that a run without `--plot` does not leave the last run's figures
//! beside its new waveforms. Other files in the folder are never touched:
//! `-o DIR` may be any folder, `.` included. (Writing a temporary folder
//! and renaming it over `DIR` would replace those files too.)
//!
//! The renames themselves are not one atomic step: a process killed in
//! the middle of them leaves some renamed and the rest as temporary files,
//! which the next write into the folder removes.
//!
//! Owns the staging, the manifest and the removal of stale outputs. Must
//! not decide which files a command writes or what they hold.

use super::atomic::{remove_stale_temps, sync_dir, write_atomic, write_temp_with};
use std::fs;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Files staged for one output folder, committed together.
#[derive(Debug)]
pub struct StagedFolder {
    dir: PathBuf,
    set: &'static str,
    /// (final file name, temporary path)
    staged: Vec<(String, PathBuf)>,
}

impl StagedFolder {
    /// Starts staging into `dir` (created if missing) for the outputs of
    /// `set` (the command's name: its manifest is its own).
    pub fn begin(dir: &Path, set: &'static str) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        remove_stale_temps(dir);
        Ok(StagedFolder {
            dir: dir.to_path_buf(),
            set,
            staged: Vec::new(),
        })
    }

    /// Stages `bytes` as `name` (a plain file name); returns its final path.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        self.add_with(name, |out| out.write_all(bytes))
    }

    /// Like [`StagedFolder::add`], with the contents streamed by `fill`
    /// (a long run's waveforms need not be held in memory as text).
    pub fn add_with(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut io::BufWriter<File>) -> io::Result<()>,
    ) -> io::Result<PathBuf> {
        if !plain_name(name) || name == self.manifest_name() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{name}` is not a plain file name for the output folder"),
            ));
        }
        if self.staged.iter().any(|(n, _)| n == name) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("`{name}` is staged twice"),
            ));
        }
        let tmp = write_temp_with(&self.dir, name, fill)?;
        self.staged.push((name.to_string(), tmp));
        Ok(self.dir.join(name))
    }

    /// Renames every staged file into place, records them in the manifest
    /// and removes the previous run's files this run did not write.
    /// Returns the paths written, in staging order.
    pub fn commit(mut self) -> io::Result<Vec<PathBuf>> {
        // A folder in the way would fail its rename half-way through the
        // set: refuse before renaming anything.
        if let Some((name, _)) = self.staged.iter().find(|(n, _)| self.dir.join(n).is_dir()) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "cannot write {}: a folder of that name is in the way",
                    self.dir.join(name).display()
                ),
            ));
        }
        let previous = self.read_manifest();
        let staged = std::mem::take(&mut self.staged);
        let mut written = Vec::with_capacity(staged.len());
        for (i, (name, tmp)) in staged.iter().enumerate() {
            let target = self.dir.join(name);
            if let Err(e) = fs::rename(tmp, &target) {
                for (_, rest) in &staged[i..] {
                    let _ = fs::remove_file(rest);
                }
                return Err(e);
            }
            written.push(target);
        }
        let mut names: Vec<&str> = staged.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        let manifest: String = names.iter().map(|n| format!("{n}\n")).collect();
        write_atomic(&self.dir.join(self.manifest_name()), manifest.as_bytes())?;
        for stale in previous.iter().filter(|p| !names.contains(&p.as_str())) {
            let path = self.dir.join(stale);
            if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(path);
            }
        }
        sync_dir(&self.dir);
        Ok(written)
    }

    fn manifest_name(&self) -> String {
        format!(".busbar-{}.manifest", self.set)
    }

    /// The file names the previous run listed; only plain names count, so
    /// an edited manifest cannot reach outside the folder.
    fn read_manifest(&self) -> Vec<String> {
        fs::read_to_string(self.dir.join(self.manifest_name()))
            .map(|text| {
                text.lines()
                    .filter(|n| plain_name(n))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for StagedFolder {
    /// A set never committed leaves the folder as it was.
    fn drop(&mut self) {
        for (_, tmp) in &self.staged {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// A file name with no folder part, not hidden, not `.` or `..`.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name().is_some_and(|n| n == name)
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
    fn an_uncommitted_set_leaves_the_folder_as_it_was() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut first = StagedFolder::begin(dir.path(), "simulate")?;
        first.add("waveforms.csv", b"old")?;
        first.add("bus.png", b"old figure")?;
        first.commit()?;
        let mut second = StagedFolder::begin(dir.path(), "simulate")?;
        second.add("waveforms.csv", b"new")?;
        drop(second);
        assert_eq!(fs::read(dir.path().join("waveforms.csv"))?, b"old");
        assert_eq!(
            names(dir.path()),
            [".busbar-simulate.manifest", "bus.png", "waveforms.csv"]
        );
        Ok(())
    }

    #[test]
    fn a_commit_removes_only_what_the_last_run_of_the_set_wrote() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        fs::write(dir.path().join("notes.txt"), b"mine")?;
        let mut first = StagedFolder::begin(dir.path(), "simulate")?;
        first.add("waveforms.csv", b"1")?;
        first.add("bus.png", b"1")?;
        first.commit()?;
        let mut other = StagedFolder::begin(dir.path(), "figures")?;
        other.add("bode.png", b"x")?;
        other.commit()?;
        let mut second = StagedFolder::begin(dir.path(), "simulate")?;
        second.add("waveforms.csv", b"2")?;
        second.commit()?;
        assert_eq!(
            names(dir.path()),
            [
                ".busbar-figures.manifest",
                ".busbar-simulate.manifest",
                "bode.png",
                "notes.txt",
                "waveforms.csv"
            ]
        );
        assert_eq!(fs::read(dir.path().join("waveforms.csv"))?, b"2");
        Ok(())
    }

    #[test]
    fn a_folder_in_the_way_fails_before_any_rename() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        fs::write(dir.path().join("waveforms.csv"), b"old")?;
        fs::create_dir(dir.path().join("bus.png"))?;
        fs::write(dir.path().join("bus.png").join("x"), b"")?;
        let mut set = StagedFolder::begin(dir.path(), "simulate")?;
        set.add("waveforms.csv", b"new")?;
        set.add("bus.png", b"new")?;
        assert!(set.commit().is_err());
        assert_eq!(fs::read(dir.path().join("waveforms.csv"))?, b"old");
        assert_eq!(names(dir.path()), ["bus.png", "waveforms.csv"]);
        Ok(())
    }

    #[test]
    fn names_outside_the_folder_are_refused() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut set = StagedFolder::begin(dir.path(), "simulate")?;
        for bad in ["../x", "a/b", "", ".", "..", ".hidden"] {
            assert!(set.add(bad, b"x").is_err(), "{bad}");
        }
        fs::write(
            dir.path().join(".busbar-simulate.manifest"),
            "../escape\nok.csv\n",
        )?;
        assert_eq!(set.read_manifest(), ["ok.csv"]);
        Ok(())
    }
}
