//! TW303: setuid or setgid bits, which the §4 table never allows.
use crate::entry::{octal, Entry};
use rustix::fs::FileType;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW303",
    name: "setuid-setgid",
    severity: Severity::High,
    section: "4",
    summary: "A file has the setuid or setgid bit, or a directory the setgid bit.",
    doc: RuleDoc {
        what: "Reports regular files with S_ISUID or S_ISGID and directories with S_ISGID.",
        why: "A setuid program in a training tree runs with its owner's rights for whoever starts it; nothing in the statement's table needs one. A setgid directory hands its group to every new file.",
        example: "`tools/launch` with mode 4755 owned by root.",
        fix: "`chmod u-s,g-s PATH` (`--fix` removes them along with the other extra bits).",
        references: &["Security statement §4", "chmod(2) S_ISUID, S_ISGID"],
    },
};

/// The finding for `entry`, if it has setuid/setgid bits.
pub fn check(entry: &Entry) -> Option<Finding> {
    let bits = entry.mode & 0o6000;
    if bits == 0 || !entry.is_file_or_dir() {
        return None;
    }
    let what = match (
        bits & 0o4000 != 0,
        bits & 0o2000 != 0,
        entry.file_type == FileType::Directory,
    ) {
        (_, true, true) => "a setgid directory",
        (true, true, false) => "setuid and setgid",
        (true, false, _) => "setuid",
        _ => "setgid",
    };
    Some(
        Finding::new(
            &RULE,
            Location::path(entry.display()),
            format!("{} is {what} ({})", entry.display(), octal(entry.mode)),
        )
        .with_values("no setuid/setgid", octal(entry.mode))
        .with_remediation(format!("chmod u-s,g-s {}", entry.quoted())),
    )
}
