//! No output of a command may be one of its inputs: `report c.ron s.ron
//! -o c.ron` must not replace the circuit it just read.
//!
//! Files are compared by identity (device and inode on Unix, the
//! canonical path elsewhere), so another spelling of the same path, a
//! hard link or a symbolic link is caught too. An output that does not
//! exist yet cannot be an input (every input has been read).
//!
//! Owns the comparison only. Must not write anything nor decide which
//! files are inputs (the study knows them) or outputs (the command does).

use std::path::{Path, PathBuf};

/// An output that names an input of the same command.
#[derive(Debug, thiserror::Error)]
#[error(
    "{what} {output} is {input}, an input of this command: writing it would replace that input"
)]
pub struct Clobber {
    /// The option that named the output, e.g. "-o" or "--junit".
    pub what: String,
    pub output: String,
    pub input: String,
}

/// What identifies a file, whatever path reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Canonical(PathBuf),
}

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(FileId::Canonical)
    }
}

/// The input files of one command, identified once.
#[derive(Debug, Default)]
pub struct InputFiles {
    files: Vec<(PathBuf, FileId)>,
}

impl InputFiles {
    /// The files among `paths` that exist; a missing one is no input.
    pub fn new(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        let mut inputs = InputFiles::default();
        inputs.extend(paths);
        inputs
    }

    /// Adds more inputs.
    pub fn extend(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        for path in paths {
            if let Some(id) = file_id(&path) {
                self.files.push((path, id));
            }
        }
    }

    /// Fails if the file `output` (named by option `what`) is an input.
    pub fn check_file(&self, what: &str, output: &Path) -> Result<(), Clobber> {
        let Some(id) = file_id(output) else {
            return Ok(());
        };
        match self.files.iter().find(|(_, i)| *i == id) {
            Some((input, _)) => Err(Clobber {
                what: what.to_string(),
                output: format!("`{}`", output.display()),
                input: format!("`{}`", input.display()),
            }),
            None => Ok(()),
        }
    }

    /// Fails if writing into folder `dir` (named by option `what`) could
    /// replace an input: an input in `dir` whose file name `writes` says
    /// the command writes or may remove there.
    pub fn check_folder(
        &self,
        what: &str,
        dir: &Path,
        writes: impl Fn(&str) -> bool,
    ) -> Result<(), Clobber> {
        let Some(dir_id) = file_id(dir) else {
            return Ok(());
        };
        for (input, _) in &self.files {
            let parent = match input.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let name = input.file_name().map(|n| n.to_string_lossy().into_owned());
            if let Some(name) = name.filter(|n| writes(n)) {
                if file_id(parent) == Some(dir_id.clone()) {
                    return Err(Clobber {
                        what: what.to_string(),
                        output: format!("`{}`", dir.join(&name).display()),
                        input: format!("`{}`", input.display()),
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_by_another_path_is_caught() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("c.ron");
        std::fs::write(&input, "x")?;
        let inputs = InputFiles::new([input.clone(), dir.path().join("missing.ron")]);
        let other_spelling = dir.path().join(".").join("c.ron");
        let e = inputs
            .check_file("-o", &other_spelling)
            .expect_err("clobber");
        assert!(e.to_string().contains("an input of this command"), "{e}");
        assert!(inputs
            .check_file("-o", &dir.path().join("new.html"))
            .is_ok());
        assert!(inputs
            .check_folder("-o", dir.path(), |n| n.ends_with(".ron"))
            .is_err());
        assert!(inputs
            .check_folder("-o", dir.path(), |n| n == "waveforms.csv")
            .is_ok());
        Ok(())
    }
}
