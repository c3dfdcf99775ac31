//! One finding: which rule, where, what was seen, and (for host checks) the state of the
//! check, the expected and actual value and the exact remediation. Findings are plain data;
//! a check builds them and a renderer prints them.
use crate::{RuleMeta, Severity};
use serde::{Deserialize, Serialize};

/// The outcome of a check, separate from its severity (a `pass` of a critical check is not
/// a problem; a `warn` means the check could not see everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check found a problem. Every model-file or lint finding has this status.
    #[default]
    Fail,
    /// The check found something doubtful, or could not see everything (e.g. unprivileged).
    Warn,
    /// The check ran and found nothing wrong (kept only when a command reports passes).
    Pass,
    /// The check did not run, with the reason in the message.
    Skip,
    /// The check itself failed (unreadable input); the run's exit code becomes 2.
    Error,
}

impl Status {
    /// Whether this status counts toward `--fail-on` and exit code 1.
    pub fn is_problem(self) -> bool {
        matches!(self, Status::Fail | Status::Warn)
    }

    /// The lowercase name used in JSON and text.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// How sure a check is (lint findings with unknown arguments are `low`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The evidence is unambiguous.
    High,
    /// Some input was not a literal or could not be resolved.
    Low,
}

/// Where a finding is: a file, optionally an entry inside an archive, a byte offset inside
/// that entry (model files) or a line and column (text files).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Location {
    /// The file or directory as the user named it (or as the walk found it).
    pub path: String,
    /// The entry inside a container (`archive/data.pkl`), if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub entry: Option<String>,
    /// Byte offset inside the entry (or the file when there is no entry).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub offset: Option<u64>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<u32>,
    /// 1-based last line, when the finding spans several lines.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub end_line: Option<u32>,
    /// 1-based column just past the end, on `end_line` (or `line`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub end_column: Option<u32>,
    /// When `path` names a member inside an archive by the path through the archives
    /// (`bundle.zip!model/x.bin`), the file on disk that holds it (`bundle.zip`): renderers
    /// that must point at a real file (SARIF, GitHub annotations) point there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outer: Option<String>,
}

impl Location {
    /// A location naming just a path.
    pub fn path(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            ..Location::default()
        }
    }

    /// This location inside an archive entry.
    #[must_use]
    pub fn with_entry(mut self, entry: impl Into<String>) -> Self {
        self.entry = Some(entry.into());
        self
    }

    /// This location at a byte offset.
    #[must_use]
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The file on disk and, for a member inside an archive, the path through the archives
    /// after it: `("bundle.zip", Some("model/x.bin"))` for `bundle.zip!model/x.bin` inside
    /// `bundle.zip`, `(path, None)` otherwise.
    pub fn file_and_member(&self) -> (&str, Option<&str>) {
        let member = self.outer.as_deref().and_then(|outer| {
            let member = self.path.strip_prefix(outer)?.strip_prefix('!')?;
            Some((outer, member))
        });
        match member {
            Some((outer, member)) => (outer, Some(member)),
            None => (&self.path, None),
        }
    }

    /// This location at a 1-based line and column.
    #[must_use]
    pub fn with_line(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

/// One named piece of evidence (`pid` = `4242`, `global` = `os.system`, `socket inode` ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Evidence {
    /// What this is.
    pub name: String,
    /// Its value, exactly as observed.
    pub value: String,
}

/// Why a finding is suppressed; suppressed findings stay in JSON and SARIF output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Suppression {
    /// Where the suppression came from (`.torchwardignore:3`, `inline`, `baseline`).
    pub source: String,
    /// The reason a human wrote for it.
    pub reason: String,
    /// Expiry date (`YYYY-MM-DD`) after which it no longer applies.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expires: Option<String>,
}

/// One result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// The rule ID (`TW101`).
    pub rule: String,
    /// The rule's kebab-case name, repeated so JSON readers need no rule table.
    pub name: String,
    /// The severity of this finding (the rule default unless the check raised or lowered it).
    pub severity: Severity,
    /// The outcome of the check.
    #[serde(default)]
    pub status: Status,
    /// One sentence saying what was found, with the concrete names and numbers.
    pub message: String,
    /// Where.
    pub location: Location,
    /// How sure the check is, when it can be unsure.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub confidence: Option<Confidence>,
    /// The value the check expected (host checks).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected: Option<String>,
    /// The value the check saw (host checks).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actual: Option<String>,
    /// Supporting facts, in the order the check found them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub evidence: Vec<Evidence>,
    /// Exact commands or edits that fix it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remediation: Option<String>,
    /// Set when a suppression matched; the finding then does not affect the exit code.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suppressed: Option<Suppression>,
    /// How many times the same finding occurs in the file, when more than once; `location` is
    /// the first (SARIF `occurrenceCount`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub occurrences: Option<u64>,
}

impl Finding {
    /// The order of findings in every report (path, entry, offset, line, column, rule,
    /// message), so output does not depend on thread scheduling; [`crate::Report::sort`] and
    /// streaming writers that merge sorted runs use this one definition.
    pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
        (
            &a.location.path,
            &a.location.entry,
            a.location.offset,
            a.location.line,
            a.location.column,
            &a.rule,
            &a.message,
        )
            .cmp(&(
                &b.location.path,
                &b.location.entry,
                b.location.offset,
                b.location.line,
                b.location.column,
                &b.rule,
                &b.message,
            ))
    }

    /// A failing finding of `rule` at `location`, with the rule's default severity.
    pub fn new(rule: &RuleMeta, location: Location, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.id.to_owned(),
            name: rule.name.to_owned(),
            severity: rule.severity,
            status: Status::Fail,
            message: message.into(),
            location,
            confidence: None,
            expected: None,
            actual: None,
            evidence: Vec::new(),
            remediation: None,
            suppressed: None,
            occurrences: None,
        }
    }

    /// The same finding with another severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same finding with another status.
    #[must_use]
    pub fn with_status(mut self, status: Status) -> Self {
        self.status = status;
        self
    }

    /// The same finding with a confidence.
    #[must_use]
    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = Some(confidence);
        self
    }

    /// The same finding with the expected and actual values.
    #[must_use]
    pub fn with_values(mut self, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }

    /// The same finding with one more piece of evidence.
    #[must_use]
    pub fn with_evidence(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The same finding with a remediation.
    #[must_use]
    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    /// Whether the finding counts toward the exit code at `fail_on` or above.
    pub fn counts_at(&self, fail_on: Severity) -> bool {
        self.suppressed.is_none() && self.status.is_problem() && self.severity >= fail_on
    }

    /// A stable fingerprint (rule, path, entry, message) that survives line moves in other
    /// files; used for SARIF `partialFingerprints` and baselines.
    pub fn fingerprint(&self) -> String {
        // FNV-1a 64: deterministic across platforms and releases, unlike std's SipHash keys.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [
            self.rule.as_str(),
            self.location.path.as_str(),
            self.location.entry.as_deref().unwrap_or(""),
            self.message.as_str(),
        ] {
            for byte in part.bytes().chain(std::iter::once(0)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleDoc;

    const RULE: RuleMeta = RuleMeta {
        id: "TW999",
        name: "test-rule",
        severity: Severity::High,
        section: "1",
        summary: "A test rule.",
        doc: RuleDoc {
            what: "w",
            why: "y",
            example: "e",
            fix: "f",
            references: &[],
        },
    };

    #[test]
    fn counts_only_unsuppressed_problems_at_or_above_level() {
        let finding = Finding::new(&RULE, Location::path("a.pt"), "m");
        assert!(finding.counts_at(Severity::High));
        assert!(!finding.counts_at(Severity::Critical));
        assert!(!finding
            .clone()
            .with_status(Status::Pass)
            .counts_at(Severity::Info));
        let mut suppressed = finding;
        suppressed.suppressed = Some(Suppression {
            source: "inline".into(),
            reason: "r".into(),
            expires: None,
        });
        assert!(!suppressed.counts_at(Severity::Info));
    }

    #[test]
    fn fingerprint_is_stable_and_ignores_offsets() {
        let a = Finding::new(&RULE, Location::path("a.pt").with_offset(3), "m");
        let b = Finding::new(&RULE, Location::path("a.pt").with_offset(9), "m");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        let c = Finding::new(&RULE, Location::path("b.pt"), "m");
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
