//! `.torchwardignore`: suppressions a person wrote down with a reason (docs/ignore-file.md).
//! One entry per line, `ID [PATH-GLOB] reason="..." [expires=YYYY-MM-DD]`; full-line `#`
//! comments and blank lines are skipped. A reason is required; an entry past its expiry date
//! stops applying and a warning says so. Matching findings are marked suppressed, never
//! dropped, so JSON and SARIF keep them visible.
use crate::date::Date;
use globset::{GlobBuilder, GlobMatcher};
use std::path::{Path, PathBuf};
use tw_diagnostics::{Report, Suppression};

/// Ignore files larger than this are refused (they are hand-written lists).
pub const MAX_IGNORE_FILE_BYTES: u64 = 1 << 20;

/// A parsed ignore file.
#[derive(Debug)]
pub struct IgnoreFile {
    /// The file as named in messages and in each suppression's `source`.
    source: String,
    /// Its directory; globs also match paths relative to it.
    base: PathBuf,
    /// When found in a scanned directory (not given explicitly or found in the current
    /// directory), it applies only to findings under that directory.
    scope: Option<PathBuf>,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    line: usize,
    rule: String,
    glob: Option<GlobMatcher>,
    reason: String,
    expires: Option<Date>,
}

/// Why an ignore file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IgnoreFileError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] tw_fs::Error),
    /// A line does not follow the format.
    #[error("{source_name}:{line}: {problem} (expected `ID [PATH-GLOB] reason=\"...\" [expires=YYYY-MM-DD]`)")]
    Syntax {
        /// The ignore file.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

impl IgnoreFile {
    /// Reads and parses the ignore file at `path`.
    pub fn load(path: &Path) -> Result<IgnoreFile, IgnoreFileError> {
        let text = tw_fs::read_to_string_bounded(path, MAX_IGNORE_FILE_BYTES)?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        IgnoreFile::parse(&path.display().to_string(), &base, &text)
    }

    /// Parses `text`, naming it `source_name` in errors and suppressions.
    pub fn parse(
        source_name: &str,
        base: &Path,
        text: &str,
    ) -> Result<IgnoreFile, IgnoreFileError> {
        let mut entries = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let syntax = |problem: String| IgnoreFileError::Syntax {
                source_name: source_name.to_owned(),
                line,
                problem,
            };
            entries.push(parse_entry(trimmed, line).map_err(syntax)?);
        }
        Ok(IgnoreFile {
            source: source_name.to_owned(),
            base: base.to_path_buf(),
            scope: None,
            entries,
        })
    }

    /// The same file, applying only to findings whose path lies under `root`.
    #[must_use]
    pub fn scoped_to(mut self, root: &Path) -> IgnoreFile {
        self.scope = Some(root.to_path_buf());
        self
    }

    /// Marks findings matched by a live entry as suppressed (the first matching entry wins;
    /// findings already suppressed keep their suppression). Calls `warn` once per expired
    /// entry, which no longer applies.
    pub fn apply(&self, report: &mut Report, today: Date, warn: &mut dyn FnMut(String)) {
        for entry in &self.entries {
            if let Some(expires) = entry.expires.filter(|expires| *expires < today) {
                warn(format!(
                    "{}:{}: the entry for {} expired on {expires} and no longer applies",
                    self.source, entry.line, entry.rule
                ));
            }
        }
        let live: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|entry| entry.expires.is_none_or(|expires| expires >= today))
            .collect();
        for finding in report
            .findings
            .iter_mut()
            .filter(|f| f.suppressed.is_none() && self.in_scope(&f.location.path))
        {
            let Some(entry) = live.iter().find(|entry| {
                entry.rule.eq_ignore_ascii_case(&finding.rule)
                    && entry
                        .glob
                        .as_ref()
                        .is_none_or(|glob| self.glob_matches(glob, &finding.location.path))
            }) else {
                continue;
            };
            finding.suppressed = Some(Suppression {
                source: format!("{}:{}", self.source, entry.line),
                reason: entry.reason.clone(),
                expires: entry.expires.map(|date| date.to_string()),
            });
        }
    }

    /// `file:line: ID` for each entry naming a rule the registry does not know (a typo, or a
    /// rule from an area this build does not include), for a warning.
    pub fn unknown_rules(&self, registry: &tw_diagnostics::Registry) -> Vec<String> {
        self.entries
            .iter()
            .filter(|entry| registry.get(&entry.rule).is_none())
            .map(|entry| format!("{}:{}: {}", self.source, entry.line, entry.rule))
            .collect()
    }

    /// Whether a finding at `path` is under this file's scope (always, when unscoped).
    fn in_scope(&self, path: &str) -> bool {
        let Some(scope) = &self.scope else {
            return true;
        };
        let path = Path::new(path);
        let path = path.strip_prefix("./").unwrap_or(path);
        let scope = scope.strip_prefix("./").unwrap_or(scope);
        scope == Path::new(".") || path.starts_with(scope)
    }

    /// A glob matches the path as reported, without a leading `./`, or relative to the
    /// ignore file's directory.
    fn glob_matches(&self, glob: &GlobMatcher, path: &str) -> bool {
        let reported = Path::new(path);
        let plain = reported.strip_prefix("./").unwrap_or(reported);
        glob.is_match(plain)
            || plain
                .strip_prefix(self.base.strip_prefix("./").unwrap_or(&self.base))
                .is_ok_and(|relative| glob.is_match(relative))
    }
}

/// One entry line, already trimmed and not a comment.
fn parse_entry(text: &str, line: usize) -> Result<Entry, String> {
    let mut bare = Vec::new();
    let mut reason = None;
    let mut expires = None;
    for token in tokenize(text)? {
        match token {
            Token::Bare(word) if word.starts_with('#') => {
                return Err("comments must be on a line of their own".to_owned());
            }
            Token::Bare(word) => bare.push(word),
            Token::Pair(key, value) => match key.as_str() {
                "reason" => {
                    if value.trim().is_empty() {
                        return Err("the reason is empty".to_owned());
                    }
                    reason = Some(value);
                }
                "expires" => {
                    expires = Some(value.parse::<Date>().map_err(|err| err.to_string())?);
                }
                other => return Err(format!("unknown key `{other}`")),
            },
        }
    }
    let mut bare = bare.into_iter();
    let Some(rule) = bare.next() else {
        return Err("missing finding ID".to_owned());
    };
    let digits = rule.strip_prefix("TW").or_else(|| rule.strip_prefix("tw"));
    if !digits.is_some_and(|d| d.len() == 3 && d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("`{rule}` is not a finding ID such as TW101"));
    }
    let glob = match bare.next() {
        Some(pattern) => Some(
            GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|err| format!("bad path glob `{pattern}`: {}", err.kind()))?
                .compile_matcher(),
        ),
        None => None,
    };
    if let Some(extra) = bare.next() {
        return Err(format!("unexpected `{extra}`"));
    }
    let Some(reason) = reason else {
        return Err("every entry needs reason=\"...\"".to_owned());
    };
    Ok(Entry {
        line,
        rule: rule.to_ascii_uppercase(),
        glob,
        reason,
        expires,
    })
}

enum Token {
    Bare(String),
    Pair(String, String),
}

/// Splits on whitespace; `key=value` and `key="quoted value"` (with `\"` and `\\` escapes)
/// are pairs, anything else is a bare word.
fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(tokens);
        }
        let mut word = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            word.push(c);
        }
        if chars.next_if_eq(&'=').is_none() {
            tokens.push(Token::Bare(word));
            continue;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    None => return Err(format!("unterminated quote after `{word}=`")),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\')) => value.push(c),
                        _ => return Err(format!("bad escape in `{word}=`; use \\\" or \\\\")),
                    },
                    Some(c) => value.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err(format!("text right after the closing quote of `{word}=`"));
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                value.push(c);
            }
        }
        tokens.push(Token::Pair(word, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

    const RULE: RuleMeta = RuleMeta {
        id: "TW101",
        name: "dangerous-callable",
        severity: Severity::Critical,
        section: "1",
        summary: "s",
        doc: RuleDoc {
            what: "",
            why: "",
            example: "",
            fix: "",
            references: &[],
        },
    };

    fn date(s: &str) -> Date {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn report(paths: &[&str]) -> Report {
        let mut report = Report::new("scan", "0");
        for path in paths {
            report
                .findings
                .push(Finding::new(&RULE, Location::path(*path), "m"));
        }
        report
    }

    fn parse(text: &str) -> Result<IgnoreFile, IgnoreFileError> {
        IgnoreFile::parse(".torchwardignore", Path::new("."), text)
    }

    fn problem(text: &str) -> String {
        match parse(text) {
            Err(IgnoreFileError::Syntax { problem, line, .. }) => format!("{line}: {problem}"),
            other => panic!("expected a syntax error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn suppresses_matching_findings_with_source_reason_and_expiry() {
        let file = parse(
            "# vetted fixtures\n\nTW101 tests/fixtures/** reason=\"malicious on purpose\" expires=2999-01-01\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut report = report(&[
            "tests/fixtures/evil.pt",
            "./tests/fixtures/a/b.pt",
            "models/x.pt",
        ]);
        let mut warnings = Vec::new();
        file.apply(&mut report, date("2026-01-01"), &mut |w| warnings.push(w));
        let marks: Vec<_> = report
            .findings
            .iter()
            .map(|f| f.suppressed.clone())
            .collect();
        let expected = Suppression {
            source: ".torchwardignore:3".into(),
            reason: "malicious on purpose".into(),
            expires: Some("2999-01-01".into()),
        };
        assert_eq!(marks, [Some(expected.clone()), Some(expected), None]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn entry_without_glob_matches_every_path_and_ids_are_case_insensitive() {
        let file = parse("tw101 reason=ok").unwrap_or_else(|e| panic!("{e}"));
        let mut report = report(&["a.pt", "dir/b.pt"]);
        file.apply(&mut report, date("2026-01-01"), &mut |_| {});
        assert!(report.findings.iter().all(|f| f.suppressed.is_some()));
    }

    #[test]
    fn star_does_not_cross_directories() {
        let file = parse("TW101 *.pt reason=top-level").unwrap_or_else(|e| panic!("{e}"));
        let mut report = report(&["a.pt", "dir/b.pt"]);
        file.apply(&mut report, date("2026-01-01"), &mut |_| {});
        assert!(report.findings[0].suppressed.is_some());
        assert!(report.findings[1].suppressed.is_none());
    }

    #[test]
    fn globs_also_match_relative_to_the_ignore_files_directory() {
        let file = IgnoreFile::parse(
            "models/.torchwardignore",
            Path::new("models"),
            "TW101 old/*.pt reason=r",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut report = report(&["models/old/a.pt", "models/new/a.pt"]);
        file.apply(&mut report, date("2026-01-01"), &mut |_| {});
        assert!(report.findings[0].suppressed.is_some());
        assert!(report.findings[1].suppressed.is_none());
    }

    #[test]
    fn expired_entries_warn_and_stop_applying_but_apply_on_their_last_day() {
        let file = parse("TW101 reason=\"temporary\" expires=2026-01-01")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut on_the_day = report(&["a.pt"]);
        file.apply(&mut on_the_day, date("2026-01-01"), &mut |_| {});
        assert!(on_the_day.findings[0].suppressed.is_some());

        let mut after = report(&["a.pt"]);
        let mut warnings = Vec::new();
        file.apply(&mut after, date("2026-01-02"), &mut |w| warnings.push(w));
        assert!(after.findings[0].suppressed.is_none());
        assert_eq!(
            warnings,
            [".torchwardignore:1: the entry for TW101 expired on 2026-01-01 and no longer applies"]
        );
    }

    #[test]
    fn quoted_reasons_keep_spaces_and_escapes() {
        let file = parse(r#"TW101 reason="say \"no\" \\ twice""#).unwrap_or_else(|e| panic!("{e}"));
        let mut report = report(&["a.pt"]);
        file.apply(&mut report, date("2026-01-01"), &mut |_| {});
        assert_eq!(
            report.findings[0]
                .suppressed
                .as_ref()
                .map(|s| s.reason.as_str()),
            Some(r#"say "no" \ twice"#)
        );
    }

    #[test]
    fn malformed_lines_are_refused_with_their_line_number() {
        assert_eq!(problem("TW101 a.pt"), "1: every entry needs reason=\"...\"");
        assert_eq!(problem("\nTW101 reason=\"\""), "2: the reason is empty");
        assert_eq!(
            problem("TW1 reason=x"),
            "1: `TW1` is not a finding ID such as TW101"
        );
        assert_eq!(problem("reason=x"), "1: missing finding ID");
        assert_eq!(problem("TW101 a b reason=x"), "1: unexpected `b`");
        assert_eq!(
            problem("TW101 reason=x until=2026-01-01"),
            "1: unknown key `until`"
        );
        assert_eq!(
            problem("TW101 reason=\"x"),
            "1: unterminated quote after `reason=`"
        );
        assert_eq!(
            problem("TW101 reason=x expires=2026-02-30"),
            "1: `2026-02-30` is not a date of the form YYYY-MM-DD"
        );
        assert!(problem("TW101 a[.pt reason=x").starts_with("1: bad path glob `a[.pt`"));
        assert_eq!(
            problem("TW101 reason=x #c"),
            "1: comments must be on a line of their own"
        );
    }

    #[test]
    fn a_file_found_in_a_scanned_directory_applies_only_under_it() {
        let file = IgnoreFile::parse("a/.torchwardignore", Path::new("a"), "TW101 reason=r")
            .unwrap_or_else(|e| panic!("{e}"))
            .scoped_to(Path::new("./a"));
        let mut report = report(&["a/x.pt", "./a/y/z.pt", "b/x.pt", "ab/x.pt"]);
        file.apply(&mut report, date("2026-01-01"), &mut |_| {});
        let marks: Vec<bool> = report
            .findings
            .iter()
            .map(|f| f.suppressed.is_some())
            .collect();
        assert_eq!(marks, [true, true, false, false]);
    }

    #[test]
    fn entries_for_unknown_rules_are_listed() {
        let registry = tw_diagnostics::Registry::new([std::slice::from_ref(&RULE)]);
        let file = parse("TW101 reason=a\nTW199 reason=b\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.unknown_rules(&registry), [".torchwardignore:2: TW199"]);
    }

    #[test]
    fn an_existing_suppression_is_kept() {
        let file = parse("TW101 reason=second").unwrap_or_else(|e| panic!("{e}"));
        let mut report = report(&["a.pt"]);
        let first = Suppression {
            source: "inline".into(),
            reason: "first".into(),
            expires: None,
        };
        report.findings[0].suppressed = Some(first.clone());
        file.apply(&mut report, date("2026-01-01"), &mut |_| {});
        assert_eq!(report.findings[0].suppressed, Some(first));
    }
}
