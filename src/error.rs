//! Where an error happened in an input file. Shared by the netlist and
//! scenario parsers so that the CLI can underline the offending text.
//!
//! Owns only location data; rendering (miette) belongs to the binary.

use std::path::PathBuf;

/// A place in an input file: 1-based line and column, and the byte span of
/// the offending text (for underlining).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Byte offsets `[start, end)` into the file's text.
    pub span: (usize, usize),
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}
