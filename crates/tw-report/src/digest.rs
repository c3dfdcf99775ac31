//! The summary view of a big report (`audit perms --summary`, and the default text view past a
//! threshold): counts per rule and per top directory, the worst paths, and the fix each rule
//! calls for, instead of one block per finding. It is fed one finding at a time in report
//! order, keeps a bounded amount of state (at most [`Digest::MAX_DIRS`] directories and
//! [`Digest::WORST`] paths), and renders as text with every field escaped.
use crate::escape::for_terminal;
use crate::style::Style;
use crate::Summary;
use std::collections::BTreeMap;
use std::fmt::Write;
use tw_diagnostics::{AnalysisError, Finding, Registry, Severity, Status};

/// Counts of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleCount {
    name: String,
    worst: Severity,
    count: u64,
    /// How many of `count` are at `worst` (a rule's findings may differ in severity).
    at_worst: u64,
    example: Option<String>,
}

/// What the summary view shows, gathered finding by finding.
#[derive(Debug, Clone)]
pub struct Digest {
    roots: Vec<String>,
    summary: Summary,
    last_problem_path: Option<String>,
    rules: BTreeMap<String, RuleCount>,
    dirs: BTreeMap<String, u64>,
    dirs_overflow: u64,
    worst: Vec<Finding>,
    fix_hint: Option<String>,
}

impl Digest {
    /// Top directories counted one by one; findings past this many more go to "other".
    pub const MAX_DIRS: usize = 10_000;
    /// Top directories listed.
    pub const SHOWN_DIRS: usize = 15;
    /// Worst paths listed.
    pub const WORST: usize = 20;

    /// An empty digest of a report over `roots` (the paths the command was given, as they
    /// appear at the start of finding paths); a finding's top directory is its root plus the
    /// next path component.
    pub fn new(roots: Vec<String>) -> Self {
        Digest {
            roots,
            summary: Summary::default(),
            last_problem_path: None,
            rules: BTreeMap::new(),
            dirs: BTreeMap::new(),
            dirs_overflow: 0,
            worst: Vec::new(),
            fix_hint: None,
        }
    }

    /// A line the caller knows and the findings do not (`--fix would tighten N paths`).
    pub fn set_fix_hint(&mut self, hint: impl Into<String>) {
        self.fix_hint = Some(hint.into());
    }

    /// The counts so far (the one-line summary).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Sets the inputs, skipped inputs and analysis errors the summary line reports.
    pub fn set_totals(&mut self, inputs: u64, skipped: u64, errors: u64) {
        self.summary.inputs = inputs;
        self.summary.skipped = skipped;
        self.summary.errors = errors;
    }

    /// Counts one finding; findings must come in report order (distinct files are counted
    /// as path changes).
    pub fn add(&mut self, finding: &Finding) {
        if finding.suppressed.is_some() {
            self.summary.suppressed += 1;
            return;
        }
        if !finding.status.is_problem() {
            if finding.status == Status::Pass {
                self.summary.passed += 1;
            } else {
                self.summary.not_checked += 1;
            }
            return;
        }
        if let Some(slot) = Severity::ALL
            .iter()
            .position(|s| *s == finding.severity)
            .and_then(|i| self.summary.by_severity.get_mut(i))
        {
            *slot += 1;
        }
        let path = &finding.location.path;
        if self.last_problem_path.as_deref() != Some(path.as_str()) {
            self.summary.files += 1;
            self.last_problem_path = Some(path.clone());
        }
        let rule = self
            .rules
            .entry(finding.rule.clone())
            .or_insert_with(|| RuleCount {
                name: finding.name.clone(),
                worst: finding.severity,
                count: 0,
                at_worst: 0,
                example: finding.remediation.clone(),
            });
        rule.count += 1;
        if finding.severity > rule.worst {
            rule.worst = finding.severity;
            rule.at_worst = 0;
            rule.example.clone_from(&finding.remediation);
        }
        if finding.severity == rule.worst {
            rule.at_worst += 1;
        }
        let dir = self.top_dir(path);
        if let Some(count) = self.dirs.get_mut(&dir) {
            *count += 1;
        } else if self.dirs.len() < Self::MAX_DIRS {
            self.dirs.insert(dir, 1);
        } else {
            self.dirs_overflow += 1;
        }
        self.keep_if_worst(finding);
    }

    /// The root a path lies under plus its next component (`/root/.cargo`), or the path's
    /// parent when no root matches.
    fn top_dir(&self, path: &str) -> String {
        for root in &self.roots {
            let root = root.trim_end_matches('/');
            if let Some(rest) = path.strip_prefix(root) {
                if rest.is_empty() {
                    return root.to_owned();
                }
                if let Some(rest) = rest.strip_prefix('/') {
                    let first = rest.split('/').next().unwrap_or(rest);
                    return format!("{root}/{first}");
                }
            }
        }
        path.rsplit_once('/')
            .map_or_else(|| path.to_owned(), |(parent, _)| parent.to_owned())
    }

    /// Keeps the `WORST` most severe findings (ties: the first in report order).
    fn keep_if_worst(&mut self, finding: &Finding) {
        if self.worst.len() == Self::WORST
            && self
                .worst
                .last()
                .is_some_and(|last| last.severity >= finding.severity)
        {
            return;
        }
        let at = self
            .worst
            .iter()
            .position(|kept| kept.severity < finding.severity)
            .unwrap_or(self.worst.len());
        self.worst.insert(at, finding.clone());
        self.worst.truncate(Self::WORST);
    }
}

/// Renders the summary view: counts per rule (with the rule's fix), per top directory, the
/// worst paths with the command that fixes each, the errors, then the one-line summary.
pub fn digest_text(
    digest: &Digest,
    errors: &[AnalysisError],
    registry: &Registry,
    options: crate::TextOptions,
) -> String {
    let style = Style {
        color: options.color,
    };
    let mut out = String::new();
    let problems = digest.summary.problems();
    if problems > 0 {
        let _ = writeln!(out, "{}", style.bold("Findings by rule"));
        let mut rules: Vec<(&String, &RuleCount)> = digest.rules.iter().collect();
        rules.sort_by(|a, b| b.1.worst.cmp(&a.1.worst).then(b.1.count.cmp(&a.1.count)));
        for (id, rule) in rules {
            let severity = format!("{:<8}", rule.worst.as_str());
            // The line leads with the worst severity; say how many are at it when not all are.
            let mixed = if rule.at_worst < rule.count {
                format!(" ({} {})", rule.at_worst, rule.worst.as_str())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {} {} {}  {} finding(s){mixed}",
                style.severity(rule.worst, &severity),
                style.bold(&for_terminal(id)),
                for_terminal(&rule.name),
                rule.count
            );
            if let Some(meta) = registry.get(id) {
                let _ = writeln!(out, "           fix: {}", for_terminal(meta.doc.fix));
            }
            if let Some(example) = &rule.example {
                let _ = writeln!(out, "           e.g. {}", for_terminal(example));
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", style.bold("Top directories"));
        let mut dirs: Vec<(&String, &u64)> = digest.dirs.iter().collect();
        dirs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (dir, count) in dirs.iter().take(Digest::SHOWN_DIRS) {
            let _ = writeln!(out, "  {count:>9}  {}", for_terminal(dir));
        }
        let rest: u64 = dirs
            .iter()
            .skip(Digest::SHOWN_DIRS)
            .map(|(_, count)| **count)
            .sum::<u64>()
            + digest.dirs_overflow;
        if rest > 0 {
            let _ = writeln!(out, "  {rest:>9}  (elsewhere)");
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", style.bold("Worst paths"));
        for finding in &digest.worst {
            let severity = format!("{:<8}", finding.severity.as_str());
            let _ = writeln!(
                out,
                "  {} {} {}",
                style.severity(finding.severity, &severity),
                style.bold(&for_terminal(&finding.rule)),
                for_terminal(&finding.location.path)
            );
            if let Some(fix) = &finding.remediation {
                let _ = writeln!(out, "           fix: {}", for_terminal(fix));
            }
        }
        if let Some(hint) = &digest.fix_hint {
            let _ = writeln!(out);
            let _ = writeln!(out, "{}", for_terminal(hint));
        }
    }
    if !errors.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        for error in errors {
            let _ = writeln!(
                out,
                "{} {}: {}",
                style.error("error:"),
                for_terminal(&error.path),
                for_terminal(&error.message)
            );
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{}", digest.summary);
    out
}
