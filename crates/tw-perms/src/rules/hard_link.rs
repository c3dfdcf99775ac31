//! TW306: regular files with more than one hard link (a second name can be a way in from
//! outside the tree; `--fix` refuses them, host-hardening.md b7).
use crate::entry::Entry;
use rustix::fs::FileType;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW306",
    name: "hard-linked-file",
    severity: Severity::Medium,
    section: "4",
    summary: "A regular file has more than one hard link.",
    doc: RuleDoc {
        what: "Reports regular files whose link count is above 1.",
        why: "The same inode is reachable under another name, possibly outside the audited tree and with other directory permissions; changing its mode changes it everywhere, and the other name may be the way an attacker writes it.",
        example: "`model.pt` with 2 links, the other one in /tmp.",
        fix: "Find the other names (`find / -samefile PATH`) and replace the link with a copy (`cp --remove-destination`), then fix the mode.",
        references: &["Security statement §4", "fs.protected_hardlinks (Documentation/admin-guide/sysctl/fs.rst)"],
    },
};

/// The finding for `entry`, if it is a hard-linked regular file.
pub fn check(entry: &Entry) -> Option<Finding> {
    if entry.file_type != FileType::RegularFile || entry.nlink <= 1 {
        return None;
    }
    Some(
        Finding::new(
            &RULE,
            Location::path(entry.display()),
            format!("{} has {} hard links", entry.display(), entry.nlink),
        )
        .with_values("1 link", entry.nlink.to_string())
        .with_evidence("inode", entry.ino.to_string())
        .with_remediation(format!("find / -xdev -samefile {}", entry.quoted())),
    )
}
