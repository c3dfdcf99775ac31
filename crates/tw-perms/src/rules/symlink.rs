//! TW304: symbolic links inside the audited tree (never followed; `torch_npu`'s own path checks
//! refuse symlinks, statement §4).
use crate::entry::Entry;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW304",
    name: "symlink",
    severity: Severity::Low,
    section: "4",
    summary: "A symbolic link is inside the audited tree (not followed).",
    doc: RuleDoc {
        what: "Reports symbolic links found while walking, with their target. They are never followed, neither by the audit nor by `--fix`.",
        why: "torch_npu refuses to read or write through symlinks: a link lets whoever controls its target redirect a checkpoint load or a log write elsewhere (a classic TOCTOU and privilege trick).",
        example: "`checkpoints/latest.pt -> /tmp/evil.pt`.",
        fix: "Replace the link with the real file or directory, or point the training configuration at the real path.",
        references: &["Security statement §4 (torch_npu path checks)", "CWE-59"],
    },
};

/// The finding for a symlink `entry` with `target`.
pub fn check(entry: &Entry, target: &str) -> Finding {
    Finding::new(
        &RULE,
        Location::path(entry.display()),
        format!(
            "{} is a symlink to {target} (not followed)",
            entry.display()
        ),
    )
    .with_evidence("target", target)
    .with_remediation("replace the link with the real path")
}
