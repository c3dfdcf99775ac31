//! TW220: torch below 2.6.0, where `weights_only=True` still runs code (CVE-2025-32434, the
//! statement's opening notice). Decided by the advisory table row of the same rule.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW220",
    name: "torch-weights-only-bypass",
    severity: Severity::Critical,
    section: "1",
    summary: "torch below 2.6.0 is installed: torch.load(weights_only=True) can still run code from a checkpoint (CVE-2025-32434).",
    doc: RuleDoc {
        what: "Reads the torch version from package metadata (`torch-*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, conda `conda-meta/pytorch-*.json`) in every environment found (named paths, running Python processes, python3 on PATH, the usual install places) and reports versions below 2.6.0, PEP 440 order (`2.6.0rc1` and `2.5.1+cpu` are affected). When torch_npu sits beside it, the pair is shown. Each finding names CVE-2025-32434 / GHSA-53q9-r3pm-6pq6, the installed and the fixed version, the metadata file and how the environment was found (PIDs of processes running it).",
        why: "Below 2.6.0, `torch.load` with `weights_only=True` can be steered into the legacy loading path and run arbitrary code from a crafted checkpoint (CVE-2025-32434, critical). Code that relies on weights-only loading for safety, including torch_npu's own loaders and every `lint` finding marked \"safe on torch >= 2.6\", is not safe on this installation.",
        example: "`/opt/venv/lib/python3.11/site-packages/torch-2.5.1.dist-info/METADATA`: torch 2.5.1, used by process 4242 (`python train.py`).",
        fix: "Upgrade torch to 2.6.0 or later (2.10.0 or later also fixes CVE-2026-24747): `pip install --upgrade 'torch>=2.10'`, with the torch_npu release of the same series (`torch_npu 2.10.x` for `torch 2.10`). Until then, load only checkpoints you produced, and convert others with `torchward convert`.",
        references: &["Security statement §1", "CVE-2025-32434", "https://github.com/advisories/GHSA-53q9-r3pm-6pq6", "PyTorch PR 145020 (Prevent legacy_load when weights_only=True)"],
    },
};
