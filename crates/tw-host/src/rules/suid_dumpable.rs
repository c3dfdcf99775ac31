//! TW207: set-UID programs must not dump core (`fs.suid_dumpable` = 0; statement §8 on core dumps).
use super::{sysctl_value, Checked};
use crate::context::Context;
use crate::sysctl::Want;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW207",
    name: "suid-dumpable",
    severity: Severity::Medium,
    section: "8",
    summary: "Privileged processes may write core dumps (fs.suid_dumpable is not 0).",
    doc: RuleDoc {
        what: "Reads /proc/sys/fs/suid_dumpable and expects 0.",
        why: "With 1 or 2, processes that changed credentials (set-UID programs, daemons that dropped root) dump core; the dump holds the privileged process's memory (keys, tokens, model data) and, with 1, is owned by the user who started it.",
        example: "`fs.suid_dumpable = 2` (suidsafe) as some distributions ship.",
        fix: "`sysctl -w fs.suid_dumpable=0` and persist it in /etc/sysctl.d/, or `torchward audit host --fix`.",
        references: &["Security statement §8", "Linux Documentation/admin-guide/sysctl/fs.rst (suid_dumpable)", "Lynis KRNL-6000:fs.suid_dumpable"],
    },
};

/// Checks the sysctl.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    vec![sysctl_value::judge(
        ctx,
        &RULE,
        "fs.suid_dumpable",
        Want::Exactly(0),
        RULE.severity,
        "",
    )]
}
