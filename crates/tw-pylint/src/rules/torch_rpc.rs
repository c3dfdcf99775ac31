//! TW609 torch-rpc: `torch.distributed.rpc`, whose arguments and results travel pickled.
//! Invariant: reported for `init_rpc` and the call APIs; never for `init_process_group` or
//! the elastic launcher.
use super::{in_modules, Hit};
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW609",
    name: "torch-rpc",
    severity: Severity::Medium,
    section: "6, 11",
    summary: "torch.distributed.rpc pickles arguments and results: any peer can run code.",
    doc: RuleDoc {
        what: "Calls to `torch.distributed.rpc.init_rpc`, `rpc_sync`, `rpc_async` and `remote` \
(also through `torch.distributed.rpc.api`). Must not flag: \
`torch.distributed.init_process_group`; `torch.distributed.elastic` launcher APIs.",
        why: "The RPC framework serializes function references, arguments and return values with \
its internal pickler; a process that accepts RPC accepts code from every peer that can connect.",
        example: "rpc.init_rpc(\"worker0\", rank=0, world_size=2)   # TW609",
        fix: "Use RPC only on a closed network of trusted peers (`torchward firewall`); prefer \
collectives on tensors.",
        references: &[
            "https://pytorch.org/docs/stable/rpc.html",
            "Security statement sections 6 and 11",
        ],
    },
};

const MODULES: &[&str] = &["torch.distributed.rpc", "torch.distributed.rpc.api"];
const NAMES: &[&str] = &["init_rpc", "rpc_sync", "rpc_async", "remote"];

/// Reports an RPC call.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    in_modules(site.qualified, MODULES, NAMES).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}`: RPC pickles arguments and results, so every peer can run code here",
                site.qualified
            ),
        )
    })
}
