//! `torchward audit perms PATH...`: every path under the given roots is classified into a kind
//! of the security statement's §4 permission table and checked against its most permissive
//! mode (`mode & !allowed`), plus world-writable paths, setuid/setgid bits, symlinks (never
//! followed), foreign owners, hard links and the umask. `--fix` only removes bits, race-free,
//! with an undo journal. Checks return findings; nothing here prints.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod classify;
mod entry;
mod error;
mod fix;
mod kind;
mod policy;
mod rules;
mod walk;
mod writers;

pub use classify::Area;
pub use entry::{Entry, User};
pub use error::PermsError;
pub use fix::{
    apply as apply_fix, plan as plan_fix, read_journal, undo, Change, Journal, Outcome,
    JOURNAL_VERSION,
};
pub use kind::Kind;
pub use policy::Policy;
pub use rules::RULES;
pub use walk::Candidate;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tw_diagnostics::{AnalysisError, Finding};
use walk::Walker;

/// How to audit.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// The site policy (empty: built-in rules only).
    pub policy: Option<&'a Policy>,
    /// Called after each directory with the number of entries read (progress bars).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Where findings go, a batch at a time as the walk finishes each directory (from several
    /// threads). With a sink, [`PermsAudit::findings`] stays empty and memory does not grow
    /// with the number of findings; without one they are collected there.
    pub sink: Option<&'a (dyn Fn(Vec<Finding>) + Sync)>,
    /// Only count the paths `--fix` would tighten ([`PermsAudit::removable`]) instead of
    /// listing them in [`PermsAudit::candidates`] (a report-only run over a huge tree).
    pub count_candidates_only: bool,
}

/// The result of one permission audit.
#[derive(Debug, Clone, Default)]
pub struct PermsAudit {
    /// Problems found (passes are not listed, except the umask result).
    pub findings: Vec<Finding>,
    /// Paths that could not be examined (exit code 2).
    pub errors: Vec<AnalysisError>,
    /// Paths `--fix` would tighten (empty with [`Options::count_candidates_only`]).
    pub candidates: Vec<Candidate>,
    /// How many paths `--fix` would tighten.
    pub removable: u64,
    /// Entries examined.
    pub entries: u64,
    /// Files whose first bytes were read to classify them.
    pub sniffed: u64,
}

/// Home directories from `/etc/passwd` (classified as home, 750).
pub fn homes() -> HashSet<PathBuf> {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split(':').nth(5))
        .filter(|home| home.len() > 1)
        .map(PathBuf::from)
        .collect()
}

/// The live umask from `/proc/self/status` (reading it never changes it, unlike umask(2)).
pub fn current_umask() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let value = status
        .lines()
        .find_map(|line| line.strip_prefix("Umask:"))?;
    u32::from_str_radix(value.trim(), 8).ok()
}

fn root_entry(path: &Path) -> Result<Entry, String> {
    let lstat = walk::lstat_entry(path).map_err(|errno| format!("cannot stat: {errno}"))?;
    if lstat.file_type == rustix::fs::FileType::Symlink {
        return Ok(lstat);
    }
    let canonical = std::fs::canonicalize(path).map_err(|err| format!("cannot resolve: {err}"))?;
    walk::lstat_entry(&canonical).map_err(|errno| format!("cannot stat: {errno}"))
}

/// Audits every path under `paths` (each a file or a directory tree).
pub fn audit(paths: &[PathBuf], options: &Options<'_>) -> PermsAudit {
    let empty = Policy::default();
    let homes = homes();
    let mut walker = Walker::new(
        options.policy.unwrap_or(&empty),
        &homes,
        User::current(),
        options.progress,
    );
    walker.sink = options.sink;
    walker.keep_candidates = !options.count_candidates_only;
    let mut findings = vec![rules::umask::check(current_umask())];
    let mut errors = Vec::new();
    let mut candidates = Vec::new();
    for path in paths {
        let entry = match root_entry(path) {
            Ok(entry) => entry,
            Err(message) => {
                errors.push(AnalysisError {
                    path: path.display().to_string(),
                    entry: None,
                    offset: None,
                    message,
                });
                continue;
            }
        };
        let name = entry
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let area = walk::area_of_ancestors(&entry.path);
        match entry.file_type {
            rustix::fs::FileType::Symlink => {
                let target = std::fs::read_link(path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                findings.push(rules::symlink::check(&entry, &target));
            }
            rustix::fs::FileType::Directory => {
                let (class, child_area) = walker.classify_dir(&entry, &name, area);
                walker.check(&entry, &class, &mut findings, &mut candidates);
                rayon::scope(|scope| walker.walk_dir(scope, &entry, child_area));
            }
            rustix::fs::FileType::RegularFile => {
                let class = walker.classify_file(&entry, &name, area, None, false);
                walker.check(&entry, &class, &mut findings, &mut candidates);
            }
            _ => errors.push(AnalysisError {
                path: path.display().to_string(),
                entry: None,
                offset: None,
                message: "not a regular file, directory or symlink".to_owned(),
            }),
        }
    }
    let roots = u64::try_from(paths.len()).unwrap_or(u64::MAX);
    walker.emit(findings);
    let findings = walker.findings.into_inner().unwrap_or_default();
    errors.extend(walker.errors.into_inner().unwrap_or_default());
    candidates.extend(walker.candidates.into_inner().unwrap_or_default());
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    PermsAudit {
        findings,
        errors,
        candidates,
        removable: walker.removable.into_inner(),
        entries: walker.entries.into_inner() + roots,
        sniffed: walker.sniffed.into_inner(),
    }
}

/// Why a path got its kind (`--explain PATH`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// The canonical path.
    pub path: PathBuf,
    /// Its kind.
    pub kind: Kind,
    /// The most permissive mode allowed.
    pub max_mode: u32,
    /// Its mode.
    pub mode: u32,
    /// The rule that decided the kind (policy or built-in).
    pub reason: String,
    /// Whether the mode is within the allowed one.
    pub ok: bool,
}

/// Explains the classification of one path (content is always sniffed here).
pub fn explain(path: &Path, policy: Option<&Policy>) -> Result<Explanation, PermsError> {
    let empty = Policy::default();
    let homes = homes();
    let walker = Walker::new(policy.unwrap_or(&empty), &homes, User::current(), None);
    let entry = root_entry(path).map_err(|message| {
        PermsError::io(path.display().to_string(), std::io::Error::other(message))
    })?;
    let name = entry
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let area = walk::area_of_ancestors(&entry.path);
    let class = match entry.file_type {
        rustix::fs::FileType::Directory => walker.classify_dir(&entry, &name, area).0,
        rustix::fs::FileType::RegularFile => walker.classify_file(&entry, &name, area, None, true),
        _ => {
            return Err(PermsError::io(
                path.display().to_string(),
                std::io::Error::other("a symlink or special file: not classified (never followed)"),
            ))
        }
    };
    Ok(Explanation {
        path: entry.path.clone(),
        kind: class.kind,
        max_mode: class.max_mode,
        mode: entry.mode,
        reason: class.reason.into_owned(),
        ok: entry.mode & 0o777 & !class.max_mode == 0,
    })
}
