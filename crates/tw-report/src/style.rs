//! ANSI styling for the text renderer. Colour is decided by the caller (the binary looks at
//! `--color`, `NO_COLOR` and whether stdout is a terminal); this module only applies it.
use tw_diagnostics::Severity;

/// Wraps text in SGR codes when colour is on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Bold, for paths and rule IDs.
    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Dim, for secondary facts (locations, suppression notes).
    pub(crate) fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// The severity's colour: critical bold red, high red, medium yellow, low cyan, info dim.
    pub(crate) fn severity(self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, text)
    }

    /// Red, for analysis errors.
    pub(crate) fn error(self, text: &str) -> String {
        self.paint("1;31", text)
    }
}
