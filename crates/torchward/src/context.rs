//! What every command may use besides its own arguments: the rule registry, fresh reports
//! stamped with the tool version, progress bars that know when to hide, and warnings.
use crate::args::ReportArgs;
use crate::output;
use crate::progress::Progress;
use std::borrow::Cow;
use std::fmt::Display;
use tw_diagnostics::{Registry, Report};

/// The crate version, recorded in every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Shared, read-only state of one torchward invocation.
#[derive(Debug)]
pub struct Context {
    registry: Registry,
    stderr_is_terminal: bool,
}

impl Context {
    /// A context over `registry`, looking at the real stderr.
    pub fn new(registry: Registry) -> Self {
        Context {
            registry,
            stderr_is_terminal: output::stderr_is_terminal(),
        }
    }

    /// All rules torchward knows.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// An empty report for `command` (`scan`, `audit host`) made by this version.
    #[allow(clippy::unused_self)] // A method so commands reach everything through `ctx`.
    pub fn new_report(&self, command: &str) -> Report {
        Report::new(command, VERSION)
    }

    /// A progress bar on stderr for `total` items (a spinner for `None`), drawn only when
    /// stderr is a terminal and the format is for people.
    pub fn progress(
        &self,
        args: &ReportArgs,
        total: Option<u64>,
        message: impl Into<Cow<'static, str>>,
    ) -> Progress {
        let visible = self.stderr_is_terminal && !args.format.is_machine_readable();
        Progress::new(total, message, visible)
    }

    /// Whether stderr is a terminal.
    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_is_terminal
    }

    /// Prints a warning on stderr (always: warnings are not progress).
    #[allow(clippy::unused_self)] // A method so commands reach everything through `ctx`.
    pub fn warn(&self, message: impl Display) {
        output::warn(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shareable<T: Send + Sync>() {}

    #[test]
    fn context_and_progress_can_be_shared_with_worker_threads() {
        shareable::<Context>();
        shareable::<Progress>();
    }

    #[test]
    fn new_reports_carry_the_tool_version() {
        let ctx = Context::new(Registry::default());
        let report = ctx.new_report("scan");
        assert_eq!(
            (report.command.as_str(), report.tool.version.as_str()),
            ("scan", VERSION)
        );
    }
}
