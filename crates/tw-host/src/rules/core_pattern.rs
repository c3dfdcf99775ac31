//! TW206: where the kernel writes core dumps (`kernel.core_pattern`, core(5)). A pattern that is
//! not an absolute path or a pipe (the default `core`) writes into the crashing process's
//! working directory, which for training is the data or checkpoint directory; an absolute
//! pattern must point into a directory that is not world-writable.
use super::{finding, Checked};
use crate::context::Context;
use std::os::unix::fs::PermissionsExt;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW206",
    name: "core-pattern",
    severity: Severity::Medium,
    section: "8",
    summary: "Core dumps are written into the working directory or a world-writable directory.",
    doc: RuleDoc {
        what: "Reads /proc/sys/kernel/core_pattern. A relative pattern (such as the default `core`) fails; an absolute pattern whose directory is world-writable fails (warns when the sticky bit is set); a pipe to a handler passes here and TW208 judges systemd-coredump's storage.",
        why: "A relative pattern drops the dump beside the training data or checkpoints, often readable by the group or everyone; a world-writable dump directory lets other users read or pre-create dump files.",
        example: "`kernel.core_pattern = core` (measured on this host).",
        fix: "Send dumps to a protected place: `install -d -m 0700 /var/lib/coredumps && sysctl -w kernel.core_pattern=/var/lib/coredumps/core.%e.%p.%t` (persist in /etc/sysctl.d/), or pipe to systemd-coredump with Storage=none, or disable with `kernel.core_pattern=|/bin/false`.",
        references: &["Security statement §8", "core(5)", "Linux Documentation/admin-guide/sysctl/kernel.rst (core_pattern)"],
    },
};

/// Checks the pattern.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    const PATH: &str = "/proc/sys/kernel/core_pattern";
    let pattern = match ctx.root.read(PATH) {
        Ok(text) => text.trim_end_matches('\n').to_owned(),
        Err(err) if err.is_not_found() => {
            return vec![Checked::plain(finding(
                &RULE,
                Status::Skip,
                PATH,
                "kernel.core_pattern does not exist",
            ))]
        }
        Err(err) => {
            return vec![Checked::plain(finding(
                &RULE,
                Status::Error,
                PATH,
                err.to_string(),
            ))]
        }
    };
    let result = |status: Status, message: String| {
        let result = finding(&RULE, status, PATH, message)
            .with_values(
                "a pipe, or an absolute path in a protected directory",
                pattern.clone(),
            )
            .with_evidence("sysctl", "kernel.core_pattern");
        if status == Status::Pass {
            result
        } else {
            result.with_remediation(RULE.doc.fix)
        }
    };
    if pattern.starts_with('|') {
        return vec![Checked::plain(result(
            Status::Pass,
            format!("core dumps are piped to a handler ({pattern})"),
        ))];
    }
    if !pattern.starts_with('/') {
        return vec![Checked::plain(result(
            Status::Fail,
            format!("core_pattern `{pattern}` writes dumps into the crashing process's working directory"),
        ))];
    }
    let dir = pattern
        .rsplit_once('/')
        .map_or("/", |(dir, _)| if dir.is_empty() { "/" } else { dir });
    if dir.contains('%') {
        return vec![Checked::plain(result(
            Status::Warn,
            format!("core_pattern `{pattern}` has a directory that depends on the process; check its permissions by hand"),
        ))];
    }
    match std::fs::metadata(ctx.root.path(dir)) {
        Ok(meta) => {
            let mode = meta.permissions().mode();
            if mode & 0o002 != 0 && mode & 0o1000 == 0 {
                vec![Checked::plain(result(Status::Fail, format!("core dumps go to {dir}, which is world-writable ({:04o})", mode & 0o7777)))]
            } else if mode & 0o002 != 0 {
                vec![Checked::plain(result(Status::Warn, format!("core dumps go to {dir}, world-writable with the sticky bit ({:04o})", mode & 0o7777)))]
            } else {
                vec![Checked::plain(result(Status::Pass, format!("core dumps go to {dir} ({:04o})", mode & 0o7777)))]
            }
        }
        Err(_) => vec![Checked::plain(result(
            Status::Warn,
            format!("core dumps go to {dir}, which does not exist or cannot be read (dumps are then lost)"),
        ))],
    }
}
