//! The process exit codes (DESIGN.md §1), in one place: 0 nothing at or above the fail
//! level, 1 findings, 2 errors or bad usage, and a child's own code for `run`.
use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above `--fail-on` (or `--exit-zero` was given).
    Success,
    /// Findings at or above `--fail-on`.
    Findings,
    /// An input could not be analysed, or the command failed.
    Error,
    /// A child process's own exit code (`torchward run`).
    External(u8),
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
            ExitStatus::External(code) => code,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
