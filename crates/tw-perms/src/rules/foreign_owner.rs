//! TW305: paths owned by neither the current user nor root (`torch_npu` warns on such owners;
//! `--fix` refuses them: host-hardening.md b7).
use crate::entry::{Entry, User};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW305",
    name: "foreign-owner",
    severity: Severity::Medium,
    section: "4",
    summary: "A path is owned by another user (neither the current user nor root).",
    doc: RuleDoc {
        what: "Compares each path's owner UID with the effective UID of the audit; owners other than it and root are reported.",
        why: "Another user can change the mode or content of what they own at any time: a checkpoint or script owned by someone else can be swapped after any audit.",
        example: "`data/train.bin` owned by UID 1001 while the job runs as 1000.",
        fix: "`chown trainer: PATH` (as root), or copy the file into a tree the training user owns.",
        references: &["Security statement §4 (torch_npu path checks)"],
    },
};

/// The finding for `entry`, if its owner is foreign to `user`.
pub fn check(entry: &Entry, user: User) -> Option<Finding> {
    if !user.is_foreign(entry.uid) {
        return None;
    }
    Some(
        Finding::new(
            &RULE,
            Location::path(entry.display()),
            format!(
                "{} is owned by UID {}, not by UID {} or root",
                entry.display(),
                entry.uid,
                user.euid
            ),
        )
        .with_values(format!("owner {} or 0", user.euid), entry.uid.to_string())
        .with_remediation(format!(
            "chown {} {} (as root), or copy it into a tree you own",
            user.euid,
            entry.quoted()
        )),
    )
}
