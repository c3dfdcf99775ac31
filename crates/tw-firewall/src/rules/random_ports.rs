//! TW406: the launch mode opens stores on random ports a port list cannot name in advance.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW406",
    name: "random-store-ports",
    severity: Severity::Medium,
    section: "11",
    summary: "The c10d rendezvous or --standalone opens stores on random ports that port-list rules do not cover.",
    doc: RuleDoc {
        what: "Reports a c10d rendezvous backend (`--rdzv-backend c10d`, PET_RDZV_BACKEND) or `--standalone`, which start TCP stores on ports picked at run time in addition to the endpoint port.",
        why: "Measured with torch 2.15: `--rdzv-backend c10d` listens on 29400 and on a second random wildcard port (the worker store); `--standalone` opens two random wildcard ports. Stores have no authentication, so a firewall restricted to the well-known ports leaves them open to the network.",
        example: "`torchrun --rdzv-backend c10d --rdzv-endpoint node1:29400 train.py`.",
        fix: "Use `torchward firewall apply --coverage interface` (all inbound TCP on the training interface limited to peers, with a keep-open list such as 22), or `torchward run --dynamic`, which adds the ports the job opens while it runs.",
        references: &["Security statement §11", "research/host-hardening.md b9", "PyTorch SECURITY.md, Using distributed features"],
    },
};
