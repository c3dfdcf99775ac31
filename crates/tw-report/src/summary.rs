//! The counts behind the one-line summary, computed once from a report so the text renderer
//! and the binary's stderr summary always say the same thing.
use std::collections::BTreeSet;
use std::fmt;
use tw_diagnostics::{Report, Severity, Status};

/// Counts of one report: problems by severity, suppressed findings, errors, inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Unsuppressed problems (status fail or warn), indexed by severity, lowest first.
    pub by_severity: [u64; 5],
    /// Files (distinct location paths) with at least one unsuppressed problem.
    pub files: u64,
    /// Suppressed findings.
    pub suppressed: u64,
    /// Unsuppressed checks that passed (status pass).
    pub passed: u64,
    /// Unsuppressed checks that did not run or could not decide (status skip or error).
    pub not_checked: u64,
    /// Inputs that could not be analysed.
    pub errors: u64,
    /// Inputs examined.
    pub inputs: u64,
    /// Inputs skipped as not relevant.
    pub skipped: u64,
    /// Symbolic links followed to the files they name.
    pub links_followed: u64,
    /// Inputs passed over without analysis (vanished, special files, unfollowed links).
    pub passed_over: u64,
}

impl Summary {
    /// Counts `report`.
    pub fn of(report: &Report) -> Self {
        let mut summary = Summary {
            errors: report.errors.len() as u64,
            inputs: report.stats.inputs,
            skipped: report.stats.skipped,
            links_followed: report.stats.links_followed,
            passed_over: report.skipped.len() as u64,
            ..Summary::default()
        };
        let mut files = BTreeSet::new();
        for finding in &report.findings {
            if finding.suppressed.is_some() {
                summary.suppressed += 1;
            } else if finding.status.is_problem() {
                if let Some(slot) = Severity::ALL
                    .iter()
                    .position(|s| *s == finding.severity)
                    .and_then(|i| summary.by_severity.get_mut(i))
                {
                    *slot += 1;
                }
                files.insert(finding.location.path.as_str());
            } else if finding.status == Status::Pass {
                summary.passed += 1;
            } else {
                summary.not_checked += 1;
            }
        }
        summary.files = files.len() as u64;
        summary
    }

    /// Unsuppressed problems of every severity.
    pub fn problems(&self) -> u64 {
        self.by_severity.iter().sum()
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for Summary {
    /// `3 findings (1 critical, 2 high) in 2 files; 4 passed; 1 suppressed; 1 error; 10 inputs, 2 skipped.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems = self.problems();
        if problems == 0 {
            f.write_str("No findings")?;
        } else {
            let parts: Vec<String> = Severity::ALL
                .iter()
                .zip(self.by_severity)
                .rev()
                .filter(|(_, n)| *n > 0)
                .map(|(sev, n)| format!("{n} {sev}"))
                .collect();
            write!(
                f,
                "{} ({}) in {}",
                plural(problems, "finding", "findings"),
                parts.join(", "),
                plural(self.files, "file", "files")
            )?;
        }
        if self.passed > 0 {
            write!(f, "; {} passed", self.passed)?;
        }
        if self.not_checked > 0 {
            write!(f, "; {} not checked", self.not_checked)?;
        }
        if self.suppressed > 0 {
            write!(f, "; {} suppressed", self.suppressed)?;
        }
        if self.errors > 0 {
            write!(f, "; {}", plural(self.errors, "error", "errors"))?;
        }
        if self.inputs > 0 || self.skipped > 0 {
            write!(f, "; {}", plural(self.inputs, "input", "inputs"))?;
            if self.skipped > 0 {
                write!(f, ", {} skipped", self.skipped)?;
            }
        }
        if self.links_followed > 0 {
            write!(
                f,
                "; {} followed",
                plural(self.links_followed, "symbolic link", "symbolic links")
            )?;
        }
        if self.passed_over > 0 {
            write!(
                f,
                "; {} passed over (--show-skipped lists them)",
                plural(self.passed_over, "file", "files")
            )?;
        }
        f.write_str(".")
    }
}
