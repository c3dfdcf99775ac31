//! TW402: `HCCL_IF_BASE_PORT` outside the documented range 1024-65520.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW402",
    name: "hccl-base-port-out-of-range",
    severity: Severity::Medium,
    section: "12",
    summary: "HCCL_IF_BASE_PORT is outside the range HCCL accepts (1024-65520).",
    doc: RuleDoc {
        what: "Reads HCCL_IF_BASE_PORT and reports a value below 1024 or above 65520.",
        why: "The statement's matrix gives 1024-65520 as the valid range. A base port below 1024 collides with privileged system services; HCCL rejects or remaps values outside the range, so the ports it really listens on are not the ones the firewall restricts.",
        example: "`HCCL_IF_BASE_PORT=80`.",
        fix: "Choose a base in 1024-65520 that leaves room for the whole span (16 or 32 ports), e.g. `HCCL_IF_BASE_PORT=60000`.",
        references: &["Security statement §12", "CANN HCCL_IF_BASE_PORT documentation"],
    },
};
