//! TW301: a path's permission bits go beyond the most permissive mode the §4 table allows for
//! its kind (`mode & !allowed != 0`; stricter is fine, host-hardening.md b7).
use crate::classify::Class;
use crate::entry::{octal, Entry};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW301",
    name: "mode-too-permissive",
    severity: Severity::Medium,
    section: "4, 5, 7",
    summary: "A file or directory is more permissive than the statement's table allows for its kind.",
    doc: RuleDoc {
        what: "Classifies each path into a kind of the statement's permission table (program 550, config 640, finished log 440, data 640, key 600 ...; `torchward audit perms --explain PATH` shows the rule) and reports permission bits beyond that kind's maximum. Stricter modes pass. Key material findings are high.",
        why: "Checkpoints, datasets, profiler traces and logs hold business data and model weights; scripts that others can modify run with the training user's rights; readable keys leak credentials.",
        example: "`model.pt` with mode 0644 (data files allow 0640); `train.py` with 0755 (programs allow 0550).",
        fix: "`chmod` to the old mode AND the allowed mode (only remove bits): `torchward audit perms PATH --fix` does this race-free and writes an undo journal. Set umask 0027 so new files are right.",
        references: &["Security statement §4 (permission table), §5 (profiler), §7 (build)", "torch_npu path checks"],
    },
};

/// The finding for `entry` of class `class`, if its mode is too open.
pub fn check(entry: &Entry, class: &Class) -> Option<Finding> {
    let extra = entry.mode & 0o777 & !class.max_mode;
    if extra == 0 {
        return None;
    }
    let new = entry.mode & class.max_mode;
    let severity = if class.kind.is_secret() {
        Severity::High
    } else {
        RULE.severity
    };
    Some(
        Finding::new(
            &RULE,
            Location::path(entry.display()),
            format!(
                "{} is {} but a {} allows at most {} (extra bits {})",
                entry.display(),
                octal(entry.mode),
                class.kind,
                octal(class.max_mode),
                octal(extra)
            ),
        )
        .with_severity(severity)
        .with_values(
            format!("at most {} ({})", octal(class.max_mode), class.kind),
            octal(entry.mode),
        )
        .with_evidence("kind", class.kind.as_str())
        .with_evidence("classified by", class.reason.to_string())
        .with_remediation(format!("chmod {} {}", octal(new), entry.quoted())),
    )
}
