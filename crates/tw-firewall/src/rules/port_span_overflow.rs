//! TW403: the HCCL port span starting at the base port runs past 65535.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW403",
    name: "port-span-overflow",
    severity: Severity::High,
    section: "12",
    summary: "HCCL_IF_BASE_PORT plus the HCCL port count runs past port 65535.",
    doc: RuleDoc {
        what: "Checks base + count - 1 <= 65535 for the HCCL listening span (16 ports in older CANN releases, 32 in newer ones; `--hccl-ports`).",
        why: "The documented range allows a base of 65520, but a 32-port span from there ends at 65551, which does not exist. HCCL then fails or wraps to ports nobody firewalled.",
        example: "`HCCL_IF_BASE_PORT=65520` with CANN 9 (32 ports).",
        fix: "Lower the base so the whole span fits, e.g. `HCCL_IF_BASE_PORT=60000`.",
        references: &["Security statement §12", "research/host-hardening.md b9 (16 vs 32 ports by CANN version)"],
    },
};
