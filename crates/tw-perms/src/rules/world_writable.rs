//! TW302: anything writable by every user (critical regardless of kind; `--fix` refuses it,
//! because its integrity is unknown: host-hardening.md b7, permctl's refusal). A shared
//! temporary directory (`/tmp`, `/var/tmp`, `/dev/shm`: a temp directory with mode 1777) is
//! what CIS and the statement expect and is not reported; a world-writable directory without
//! the sticky bit is (anyone may delete or replace anyone's files in it), and so is every
//! world-writable file inside a shared temp directory.
use crate::classify::Class;
use crate::entry::{octal, Entry};
use crate::kind::Kind;
use rustix::fs::FileType;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW302",
    name: "world-writable",
    severity: Severity::Critical,
    section: "4",
    summary: "A file or directory is writable by every user.",
    doc: RuleDoc {
        what: "Reports every regular file or directory with the others-write bit (o+w). A temporary directory (named tmp, temp, scratch, shm ...) that is world-writable with the sticky bit (1777, like /tmp) is a shared temp directory as CIS expects and is not reported; without the sticky bit it is. A sticky world-writable directory that is not a temp directory is reported as high.",
        why: "Anyone on the host can replace a checkpoint with a malicious pickle, edit a training script or config, or plant files in a directory; the training user then runs or loads them. In a world-writable directory without the sticky bit anyone may also delete or rename everyone else's files.",
        example: "`checkpoints/` with mode 0777; `/tmp` with mode 0777 (sticky bit missing).",
        fix: "Find out who wrote there and whether the content can still be trusted (compare checksums, re-download), then `chmod o-w PATH` (`chmod +t` for a shared temp directory). `--fix` refuses world-writable paths on purpose.",
        references: &[
            "Security statement §4",
            "CIS Linux benchmark: world-writable files; sticky bit on all world-writable directories",
        ],
    },
};

/// Whether `entry` is a shared temporary directory as CIS expects it: a temp directory,
/// world-writable, with the sticky bit (only owners may delete or rename files in it).
pub fn is_shared_temp(entry: &Entry, class: &Class) -> bool {
    entry.file_type == FileType::Directory
        && class.kind == Kind::TempDir
        && entry.mode & 0o1002 == 0o1002
}

/// The finding for `entry` of class `class`, if world-writable.
pub fn check(entry: &Entry, class: &Class) -> Option<Finding> {
    if entry.mode & 0o002 == 0 || is_shared_temp(entry, class) {
        return None;
    }
    let is_dir = entry.file_type == FileType::Directory;
    let sticky = entry.mode & 0o1000 != 0;
    let (severity, message, fix) = if is_dir && class.kind == Kind::TempDir {
        (
            RULE.severity,
            format!(
                "{} is a world-writable temporary directory without the sticky bit ({}): anyone may delete or replace other users' files in it",
                entry.display(),
                octal(entry.mode)
            ),
            format!("chmod +t {}", entry.quoted()),
        )
    } else if is_dir && sticky {
        (
            Severity::High,
            format!(
                "{} is world-writable with the sticky bit ({}): anyone may add files to a {}",
                entry.display(),
                octal(entry.mode),
                class.kind
            ),
            format!("chmod o-w {}", entry.quoted()),
        )
    } else {
        (
            RULE.severity,
            format!("{} is world-writable ({})", entry.display(), octal(entry.mode)),
            format!(
                "verify the content can be trusted, then chmod o-w {} (--fix refuses world-writable paths)",
                entry.quoted()
            ),
        )
    };
    Some(
        Finding::new(&RULE, Location::path(entry.display()), message)
            .with_severity(severity)
            .with_values("no o+w", octal(entry.mode))
            .with_remediation(fix),
    )
}
