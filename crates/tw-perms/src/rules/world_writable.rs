//! TW302: anything writable by every user (critical regardless of kind; `--fix` refuses it,
//! because its integrity is unknown: host-hardening.md b7, permctl's refusal).
use crate::entry::{octal, Entry};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW302",
    name: "world-writable",
    severity: Severity::Critical,
    section: "4",
    summary: "A file or directory is writable by every user.",
    doc: RuleDoc {
        what: "Reports every regular file or directory with the others-write bit (o+w), with or without the sticky bit.",
        why: "Anyone on the host can replace a checkpoint with a malicious pickle, edit a training script or config, or plant files in a directory; the training user then runs or loads them.",
        example: "`checkpoints/` with mode 0777.",
        fix: "Find out who wrote there and whether the content can still be trusted (compare checksums, re-download), then `chmod o-w PATH`. `--fix` refuses world-writable paths on purpose.",
        references: &["Security statement §4", "CIS Linux benchmark: world-writable files"],
    },
};

/// The finding for `entry`, if world-writable.
pub fn check(entry: &Entry) -> Option<Finding> {
    if entry.mode & 0o002 == 0 {
        return None;
    }
    Some(
        Finding::new(
            &RULE,
            Location::path(entry.display()),
            format!("{} is world-writable ({})", entry.display(), octal(entry.mode)),
        )
        .with_values("no o+w", octal(entry.mode))
        .with_remediation(format!(
            "verify the content can be trusted, then chmod o-w '{}' (--fix refuses world-writable paths)",
            entry.display()
        )),
    )
}
