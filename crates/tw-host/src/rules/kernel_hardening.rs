//! TW212: kernel hardening the statement implies but does not name (`kptr_restrict`,
//! `dmesg_restrict`, Yama `ptrace_scope`, protected symlinks and hard links). Marked "beyond the
//! statement" in every message; low severity in `baseline`, medium in `strict`.
use super::{sysctl_value, Checked};
use crate::context::Context;
use crate::profile::Profile;
use crate::sysctl::{Managed, Want};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW212",
    name: "kernel-hardening-sysctl",
    severity: Severity::Low,
    section: "2 (beyond the statement)",
    summary: "A kernel hardening sysctl Lynis and CIS expect is off (beyond the statement).",
    doc: RuleDoc {
        what: "Reads kernel.kptr_restrict (>= 1), kernel.dmesg_restrict (1), kernel.yama.ptrace_scope (>= 1, when Yama is built in), fs.protected_symlinks (1) and fs.protected_hardlinks (1). Each is its own finding; an absent key is skipped.",
        why: "They close the usual next steps after a foothold: kernel addresses for an exploit (kptr, dmesg), reading another training process's memory with ptrace (model weights, credentials), and symlink or hard-link tricks in shared directories such as /tmp and dataset folders.",
        example: "`fs.protected_symlinks = 0` lets a user plant a symlink in /tmp that a root-run job follows.",
        fix: "`sysctl -w KEY=VALUE` and persist in /etc/sysctl.d/, or `torchward audit host --fix`.",
        references: &["Linux Documentation/admin-guide/sysctl/kernel.rst, fs.rst", "Documentation/admin-guide/LSM/Yama.rst", "Lynis KRNL-6000"],
    },
};

/// The sysctls, in report order.
pub const SYSCTLS: &[Managed] = &[
    Managed {
        key: "kernel.kptr_restrict",
        want: Want::AtLeast(1),
        purpose: "hide kernel addresses",
    },
    Managed {
        key: "kernel.dmesg_restrict",
        want: Want::Exactly(1),
        purpose: "hide the kernel log from users",
    },
    Managed {
        key: "kernel.yama.ptrace_scope",
        want: Want::AtLeast(1),
        purpose: "stop processes reading their siblings' memory",
    },
    Managed {
        key: "fs.protected_symlinks",
        want: Want::Exactly(1),
        purpose: "refuse symlinks planted in shared sticky directories",
    },
    Managed {
        key: "fs.protected_hardlinks",
        want: Want::Exactly(1),
        purpose: "refuse hard links to files the user cannot write",
    },
];

/// Checks each sysctl.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    let severity = match ctx.options.profile {
        Profile::Baseline => Severity::Low,
        Profile::Strict => Severity::Medium,
    };
    SYSCTLS
        .iter()
        .map(|managed| {
            sysctl_value::judge(
                ctx,
                &RULE,
                managed.key,
                managed.want,
                severity,
                &format!("beyond the statement ({}): ", managed.purpose),
            )
        })
        .collect()
}
