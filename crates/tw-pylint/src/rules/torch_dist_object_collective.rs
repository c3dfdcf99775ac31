//! TW608 torch-dist-object-collective: `torch.distributed` collectives that unpickle objects
//! received from other ranks. Invariant: only the receive-side object collectives are
//! reported; tensor collectives and `send_object_list` never are.
use super::{in_modules, Hit};
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW608",
    name: "torch-dist-object-collective",
    severity: Severity::Medium,
    section: "6, 11",
    summary: "torch.distributed object collectives unpickle data from every peer.",
    doc: RuleDoc {
        what: "Calls to `broadcast_object_list`, `all_gather_object`, `gather_object`, \
`scatter_object_list` and `recv_object_list` of `torch.distributed` (also through \
`torch.distributed.distributed_c10d`, `import torch.distributed as dist` or \
`from torch.distributed import ...`). Must not flag: tensor collectives (`broadcast`, \
`all_gather`, `all_reduce`, ...); `send_object_list` (the sender only pickles).",
        why:
            "These functions `pickle.loads` whatever arrives. The trust boundary is every rank and \
anyone who can reach the rendezvous store or the collective's ports: one compromised or spoofed \
peer runs code on all the others.",
        example: "dist.broadcast_object_list(objs, src=0)   # TW608",
        fix: "Exchange tensors (encode metadata as tensors or JSON bytes in a tensor), keep the \
job network closed to non-peers (`torchward firewall`), and never expose the store port.",
        references: &[
            "https://pytorch.org/docs/stable/distributed.html#object-collectives",
            "torch/distributed/distributed_c10d.py: _tensor_to_object uses pickle",
            "Security statement sections 6 and 11",
        ],
    },
};

const MODULES: &[&str] = &["torch.distributed", "torch.distributed.distributed_c10d"];
const NAMES: &[&str] = &[
    "broadcast_object_list",
    "all_gather_object",
    "gather_object",
    "scatter_object_list",
    "recv_object_list",
];

/// Reports an object collective.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    in_modules(site.qualified, MODULES, NAMES).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}` unpickles objects received from other ranks",
                site.qualified
            ),
        )
    })
}
