//! TW223: a serving or training stack with a pickle-over-the-network or unsafe `torch.load`
//! advisory from torchward's vetted table (`vLLM`, `LightLLM`). The table decides; this file
//! documents.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW223",
    name: "serving-stack-deserialization-advisory",
    severity: Severity::High,
    section: "1, 6, 11",
    summary: "A serving or training package is installed at a version with a known deserialization advisory (pickle over the network, unsafe torch.load).",
    doc: RuleDoc {
        what: "Reads the versions of the packages in torchward's advisory table (`crates/tw-env/advisories.toml`: vLLM CVE-2025-24357, GHSA-ggpf-24jw-3fcw, CVE-2025-30165, CVE-2025-32444; LightLLM CVE-2026-26220) from package metadata and reports each installed version inside an affected range (PEP 440 order; pre-releases of the fixed version are affected). The finding names the advisory, its GHSA, the installed and fixed version (or that no fixed release exists), the metadata file and the processes using it; severity is the table's.",
        why: "These stacks unpickle what arrives on a network socket (ZeroMQ, WebSocket) or `torch.load` model files without weights-only: whoever reaches the port or publishes the model runs code in the serving process, the exact risk of statement §6 and §11.",
        example: "`vllm-0.8.4.dist-info/METADATA`: vllm 0.8.4 is affected by CVE-2025-32444 / GHSA-hj4w-hm2g-p6w5 (Mooncake pickle over ZeroMQ), fixed in 0.8.5.",
        fix: "Upgrade to the fixed version the finding names. Where none exists (LightLLM <= 1.1.0), do not run the affected mode (PD disaggregation) on reachable interfaces: restrict its ports with `torchward firewall` to the peers that need them.",
        references: &["Security statement §1, §6, §11", "https://osv.dev/vulnerability/GHSA-hj4w-hm2g-p6w5", "https://osv.dev/vulnerability/CVE-2026-26220"],
    },
};
