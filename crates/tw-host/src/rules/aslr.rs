//! TW201: full address-space layout randomisation (statement §2: `kernel.randomize_va_space` = 2).
use super::{sysctl_value, Checked};
use crate::context::Context;
use crate::sysctl::Want;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW201",
    name: "aslr-not-full",
    severity: Severity::High,
    section: "2",
    summary: "Address-space layout randomisation is not fully enabled (kernel.randomize_va_space is not 2).",
    doc: RuleDoc {
        what: "Reads /proc/sys/kernel/randomize_va_space and expects 2: stack, mmap, VDSO and heap (brk) randomised.",
        why: "Without full ASLR, a memory-corruption bug in a deserializer or operator (CVE-2026-24747 corrupted memory through the weights-only unpickler) becomes much easier to turn into code execution, because addresses are predictable.",
        example: "`kernel.randomize_va_space = 1` leaves the heap unrandomised; 0 turns ASLR off.",
        fix: "`sysctl -w kernel.randomize_va_space=2` and persist it in /etc/sysctl.d/, or run `torchward audit host --fix`.",
        references: &["Security statement §2", "Linux Documentation/admin-guide/sysctl/kernel.rst (randomize_va_space)", "Lynis KRNL-6000"],
    },
};

/// Checks the sysctl.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    vec![sysctl_value::judge(
        ctx,
        &RULE,
        "kernel.randomize_va_space",
        Want::Exactly(2),
        RULE.severity,
        "",
    )]
}
