//! Errors that stop a whole `urls` run (a per-file read failure is not one: it is reported
//! with its path and the run goes on). Each names the file and the position it is about; the
//! underlying error is the `source`, so a cause chain (`{:#}`) prints it once.
use std::path::PathBuf;

/// Why the scan or the declaration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An `--exclude` pattern is not a valid glob.
    #[error("invalid --exclude glob `{glob}`")]
    Glob {
        /// The pattern as given.
        glob: String,
        /// What globset said.
        source: globset::Error,
    },
    /// The declaration file could not be read (the tw-fs error names the path).
    #[error("cannot read the declaration")]
    ReadDeclaration {
        /// The I/O error, carrying the path.
        source: tw_fs::Error,
    },
    /// The TOML declaration does not parse or has unknown keys.
    #[error("declaration {} is not a valid TOML declaration", path.display())]
    Toml {
        /// The declaration file.
        path: PathBuf,
        /// The parser's error, with line and column.
        source: Box<toml::de::Error>,
    },
    /// The Markdown declaration has no table with origin, file and address columns.
    #[error("declaration {} has no table with Origin, File and Address columns", path.display())]
    NoTable {
        /// The declaration file.
        path: PathBuf,
    },
    /// A Markdown table row has a different number of cells than the header.
    #[error("declaration {} line {line}: the row has {found} cells, the header has {expected}", path.display())]
    MarkdownRow {
        /// The declaration file.
        path: PathBuf,
        /// 1-based line of the row.
        line: usize,
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },
    /// Writing the updated declaration failed (the tw-fs error names the path).
    #[error("cannot write the declaration")]
    WriteDeclaration {
        /// The I/O error, carrying the path.
        source: tw_fs::Error,
    },
}
