//! TW401: a port flag or variable the launcher would read is not a valid port or range.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW401",
    name: "invalid-port-value",
    severity: Severity::Medium,
    section: "12",
    summary: "A training port flag or environment variable is not a valid port or port range.",
    doc: RuleDoc {
        what: "Parses --master-port, --rdzv-endpoint, PET_MASTER_PORT, PET_RDZV_ENDPOINT, MASTER_PORT, HCCL_IF_BASE_PORT, HCCL_HOST_SOCKET_PORT_RANGE and HCCL_NPU_SOCKET_PORT_RANGE and reports values that are not a port (1-65535) or a range `a-b` with a <= b.",
        why: "torchward derives the ports it firewalls from these values. A value it cannot read is a value the launcher may read differently (or reject at start-up after the rules were applied), so the ports actually opened would not be the ports restricted to peers.",
        example: "`MASTER_PORT=29500x` or `HCCL_HOST_SOCKET_PORT_RANGE=61000-60000`.",
        fix: "Set the variable to a decimal port (`MASTER_PORT=29500`) or an ascending range (`HCCL_HOST_SOCKET_PORT_RANGE=60050-60100`), or unset it to use the default.",
        references: &["Security statement §12 (communication matrix)", "torch/distributed/run.py (torchrun options)", "CANN HCCL environment variables"],
    },
};
