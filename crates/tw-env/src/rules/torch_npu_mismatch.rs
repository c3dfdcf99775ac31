//! TW222: `torch_npu` built for an older torch series than the torch installed beside it
//! (`torch_npu` 2.x.y pairs with torch 2.x). Passes name the pair, so the report shows which
//! `torch_npu` runs on which torch.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW222",
    name: "torch-npu-behind-torch",
    severity: Severity::Medium,
    section: "1",
    summary: "torch_npu is older than the torch it runs with (torch_npu 2.x.y pairs with torch 2.x).",
    doc: RuleDoc {
        what: "For each environment holding both torch and torch_npu (read from package metadata), compares their series: torch_npu's first two release numbers name the torch series it was built for (`torch_npu 2.1.0.post8` for `torch 2.1`). A torch_npu of an older series than torch fails; a matching pair passes and is shown, so the report always says which torch_npu runs on which torch.",
        why: "torch_npu patches torch's loading and device code for the series it was built for; against a newer torch it fails to import or runs half-patched. The common cause is upgrading torch for CVE-2025-32434/CVE-2026-24747 and leaving torch_npu behind, after which people roll torch back to the vulnerable version to get the NPU working again.",
        example: "torch 2.6.0 with torch_npu 2.5.1 in `/opt/conda/envs/train`.",
        fix: "Install the torch_npu release of torch's series (`pip install 'torch_npu==2.6.*'` for torch 2.6), or both upgraded together past 2.10.",
        references: &["Security statement §1", "https://github.com/Ascend/pytorch (version pairing table in README)"],
    },
};
