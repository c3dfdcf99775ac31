//! The report one command run produces: findings, per-file analysis errors and counts. It is
//! versioned (`SCHEMA_VERSION`) because JSON consumers depend on its shape; see
//! `docs/json-schema.md`.
use crate::{Finding, Severity, SkippedInput};
use serde::{Deserialize, Serialize};

/// Version of the JSON report shape. Bump on any incompatible change and document it.
pub const SCHEMA_VERSION: u32 = 1;

/// Which tool made the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `torchward`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// A file or input that could not be analysed; it makes the exit code 2 but never stops the
/// run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisError {
    /// The path as the user named it or the walk found it.
    pub path: String,
    /// The entry inside a container, when the error is inside one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub entry: Option<String>,
    /// Byte offset of the error, when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub offset: Option<u64>,
    /// What went wrong, naming the problem (never just "error").
    pub message: String,
}

impl AnalysisError {
    /// The failure of `path` as a whole, with `error`'s message and every cause after it
    /// (`cannot open `x` (ENOENT): No such file or directory`), so the OS reason is never lost.
    pub fn of_path(path: impl Into<String>, error: &dyn std::error::Error) -> Self {
        let mut message = error.to_string();
        let mut cause = error.source();
        while let Some(err) = cause {
            message.push_str(": ");
            message.push_str(&err.to_string());
            cause = err.source();
        }
        AnalysisError {
            path: path.into(),
            entry: None,
            offset: None,
            message,
        }
    }
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Files (or other inputs) examined.
    pub inputs: u64,
    /// Inputs skipped as not relevant (e.g. not a model file).
    pub skipped: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Symbolic links followed to the files they name (`scan`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub links_followed: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Everything one command run found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// `SCHEMA_VERSION` at the time of writing.
    pub schema_version: u32,
    /// The tool and its version.
    pub tool: ToolInfo,
    /// The subcommand that produced it (`scan`, `audit host`, ...).
    pub command: String,
    /// The host name of the machine it ran on, so reports gathered from a fleet
    /// (`torchward report merge`) say which host each came from. Absent in reports written
    /// before it existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host: Option<String>,
    /// The findings, suppressed ones included (they carry `suppressed`).
    pub findings: Vec<Finding>,
    /// Inputs that could not be analysed.
    pub errors: Vec<AnalysisError>,
    /// Counts.
    pub stats: Stats,
    /// Inputs passed over without analysis (vanished, special files, unfollowed links), with
    /// the reason; omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedInput>,
}

impl Report {
    /// An empty report for `command` made by torchward `version`.
    pub fn new(command: impl Into<String>, version: impl Into<String>) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo {
                name: "torchward".to_owned(),
                version: version.into(),
            },
            command: command.into(),
            host: None,
            findings: Vec::new(),
            errors: Vec::new(),
            stats: Stats::default(),
            skipped: Vec::new(),
        }
    }

    /// Sorts findings and errors into a deterministic order (path, entry, offset, line, rule)
    /// so output does not depend on thread scheduling.
    pub fn sort(&mut self) {
        self.findings.sort_by(Finding::report_order);
        self.errors
            .sort_by(|a, b| (&a.path, &a.entry, a.offset).cmp(&(&b.path, &b.entry, b.offset)));
        self.skipped.sort();
    }

    /// Findings that count at `fail_on` (unsuppressed problems at or above it).
    pub fn counting(&self, fail_on: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.counts_at(fail_on))
    }

    /// The exit code DESIGN.md §1 prescribes: 2 when any input failed, else 1 when a finding
    /// counts at `fail_on`, else 0.
    pub fn exit_code(&self, fail_on: Severity) -> u8 {
        if self.errors.is_empty() {
            u8::from(self.counting(fail_on).next().is_some())
        } else {
            2
        }
    }
}
