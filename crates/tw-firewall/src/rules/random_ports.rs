//! TW406: the job opens listeners on random ports a port list cannot name in advance.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW406",
    name: "random-store-ports",
    severity: Severity::Medium,
    section: "11",
    summary: "The c10d rendezvous, --standalone, or gloo/NCCL's per-rank listeners open ports chosen at run time that port-list rules do not cover.",
    doc: RuleDoc {
        what: "Reports a c10d rendezvous backend (`--rdzv-backend c10d`, PET_RDZV_BACKEND) or `--standalone`, which start TCP stores on ports picked at run time in addition to the endpoint port, and the collectives' per-rank listeners: gloo's (one per rank) and NCCL's bootstrap and socket listeners, whose ports the kernel picks.",
        why: "Measured with torch 2.15: `--rdzv-backend c10d` listens on 29400 and on a second random wildcard port (the worker store); `--standalone` opens two random wildcard ports; a two-node gloo job listens on one random port per rank (e.g. 41831 and 45603), and that is where the collectives' data flows. None has authentication, and none can be pinned (gloo binds port 0; NCCL has no port-range variable, NVIDIA/nccl#388; GLOO_SOCKET_IFNAME and NCCL_SOCKET_IFNAME choose only the interface), so a firewall restricted to the well-known ports leaves them open to the network.",
        example: "`torchrun --nnodes 2 --master-addr node1 --master-port 29500 train.py` with the gloo or NCCL backend; `torchrun --rdzv-backend c10d --rdzv-endpoint node1:29400 train.py`.",
        fix: "Launch with `torchward run`, which puts the job in its own cgroup and restricts every socket of it to the peers from the first packet (nft). Otherwise use `--coverage interface` (all inbound TCP on the training interface limited to peers, with a keep-open list such as 22), or `torchward run --dynamic`, which adds the ports the job opens while it runs (a short window per port).",
        references: &["Security statement §11", "research/host-hardening.md b9", "PyTorch SECURITY.md, Using distributed features"],
    },
};
