//! Pure renderers of a `tw_diagnostics::Report`: text for people, JSON (and JSON lines, one
//! per file as a scan goes) for programs, SARIF
//! 2.1.0 for code-scanning services and GitHub workflow annotations. They only format what
//! they are given; filtering, colour choice and exit codes belong to the binary.
//!
//! ```
//! use tw_diagnostics::{Registry, Report};
//! let report = Report::new("scan", "0.1.0");
//! let text = tw_report::text(&report, tw_report::TextOptions::default());
//! assert!(text.contains("No findings"));
//! let sarif = tw_report::sarif(&report, &Registry::default(), &tw_report::SarifOptions::default());
//! assert!(sarif.is_ok());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod digest;
mod error;
mod escape;
mod github;
mod json;
mod jsonl;
mod location;
mod sarif;
mod style;
mod summary;
mod text;

pub use digest::{digest_text, Digest};
pub use error::Error;
/// Control characters shown as visible escapes (`\x0a`), for any text a command prints that
/// came from the files it read (paths in notes on stderr, `--explain` output).
pub use escape::for_terminal as escape_control;
pub use github::github;
pub use json::{json, json_stream};
pub use jsonl::{jsonl, Line};
pub use location::display_location;
pub use sarif::{sarif, SarifOptions, INFORMATION_URI};
pub use summary::Summary;
pub use text::{text, TextOptions, TextWriter};
