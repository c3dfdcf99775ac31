//! The lint baseline: accepted findings keyed by rule, path and the normalized call text (the
//! `code` evidence, compared without insignificant whitespace), never by line number, so edits
//! elsewhere in a file or reformatting do not invalidate it.
//! Each key carries a count: a file with two identical accepted calls accepts exactly two.
//! Invariant: a finding is marked `baseline`-suppressed only while its key's count lasts; a new
//! identical call beyond the count is reported.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tw_diagnostics::{Finding, Suppression};

/// The format version written into baseline files.
pub const BASELINE_VERSION: u32 = 1;

/// The evidence name holding the normalized call text.
pub const CODE_EVIDENCE: &str = "code";

/// One accepted finding group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The rule ID.
    pub rule: String,
    /// The path as the lint run spelled it (a leading `./` removed).
    pub path: String,
    /// The call text (the `code` evidence), compared with insignificant whitespace removed.
    pub code: String,
    /// How many identical findings are accepted.
    pub count: u32,
}

/// A baseline file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// `BASELINE_VERSION`.
    pub version: u32,
    /// The accepted findings, sorted.
    pub entries: Vec<BaselineEntry>,
}

/// A baseline file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The JSON is malformed or has the wrong shape.
    #[error("baseline is not valid JSON at line {line}, column {column}: {reason}")]
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde reported.
        reason: String,
    },
    /// The file was written by an incompatible version.
    #[error("baseline version {found} is not supported (expected {expected})")]
    Version {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
}

type Key = (String, String, String);

fn key_of(finding: &Finding) -> Key {
    let code = finding
        .evidence
        .iter()
        .find(|e| e.name == CODE_EVIDENCE)
        .map(|e| normalize_code(&e.value))
        .unwrap_or_default();
    (
        finding.rule.clone(),
        normalize_path(&finding.location.path),
        code,
    )
}

/// The code with whitespace removed except one space between two identifier characters, so
/// reformatting (`f( a,b )` vs `f(a, b)`) keeps a baseline entry valid.
fn normalize_code(code: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(code.len());
    let mut pending_space = false;
    for c in code.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && out.chars().last().is_some_and(is_word) && is_word(c) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

fn normalize_path(path: &str) -> String {
    path.strip_prefix("./").unwrap_or(path).to_owned()
}

impl Baseline {
    /// A baseline accepting every unsuppressed finding in `findings`.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        let mut counts: BTreeMap<Key, u32> = BTreeMap::new();
        for finding in findings.into_iter().filter(|f| f.suppressed.is_none()) {
            *counts.entry(key_of(finding)).or_default() += 1;
        }
        Baseline {
            version: BASELINE_VERSION,
            entries: counts
                .into_iter()
                .map(|((rule, path, code), count)| BaselineEntry {
                    rule,
                    path,
                    code,
                    count,
                })
                .collect(),
        }
    }

    /// Parses a baseline file.
    pub fn from_json(text: &str) -> Result<Self, BaselineError> {
        let baseline: Baseline = serde_json::from_str(text).map_err(|e| BaselineError::Json {
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })?;
        if baseline.version != BASELINE_VERSION {
            return Err(BaselineError::Version {
                found: baseline.version,
                expected: BASELINE_VERSION,
            });
        }
        Ok(baseline)
    }

    /// The baseline as pretty JSON with a trailing newline (stable: entries are sorted).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Marks findings the baseline accepts as suppressed (source `baseline`); returns how many.
    pub fn apply(&self, findings: &mut [Finding]) -> usize {
        let mut left: BTreeMap<Key, u32> = self
            .entries
            .iter()
            .map(|e| {
                (
                    (
                        e.rule.clone(),
                        normalize_path(&e.path),
                        normalize_code(&e.code),
                    ),
                    e.count,
                )
            })
            .collect();
        let mut marked = 0;
        for finding in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            if let Some(count) = left.get_mut(&key_of(finding)) {
                if *count > 0 {
                    *count -= 1;
                    marked += 1;
                    finding.suppressed = Some(Suppression {
                        source: "baseline".to_owned(),
                        reason: "accepted in the lint baseline".to_owned(),
                        expires: None,
                    });
                }
            }
        }
        marked
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_code;

    #[test]
    fn code_keys_ignore_formatting() {
        assert_eq!(
            normalize_code("torch.load( p ,\n   map_location = 'cpu' )"),
            "torch.load(p,map_location='cpu')"
        );
        assert_eq!(normalize_code("not  x"), "not x");
    }
}
