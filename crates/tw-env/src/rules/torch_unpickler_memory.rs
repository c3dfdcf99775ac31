//! TW221: torch below 2.10.0, whose weights-only unpickler can corrupt memory on a crafted
//! checkpoint (CVE-2026-24747). Decided by the advisory table row of the same rule.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW221",
    name: "torch-unpickler-memory-corruption",
    severity: Severity::High,
    section: "1",
    summary: "torch below 2.10.0 is installed: the weights-only unpickler can corrupt memory on a crafted checkpoint (CVE-2026-24747).",
    doc: RuleDoc {
        what: "Reads the torch version from package metadata in every environment found, as TW220 does, and reports versions below 2.10.0 (`2.10.0a0` and `2.9.1+cpu` are affected). The finding names CVE-2026-24747 / GHSA-63cw-57p8-fm3p, the installed and fixed versions, the metadata file and the processes using it.",
        why: "Below 2.10.0 the weights-only unpickler applies SETITEM/SETITEMS to objects that are not dicts and accepts storages whose declared element count exceeds the bytes stored; a crafted checkpoint corrupts memory, which with predictable addresses becomes code execution. `weights_only=True` is the statement's safe path, so the unpickler itself must be fixed.",
        example: "`torch-2.8.0+cpu.dist-info/METADATA`: torch 2.8.0+cpu (fixed in 2.10.0).",
        fix: "Upgrade torch to 2.10.0 or later with the matching torch_npu (`pip install --upgrade 'torch>=2.10' 'torch_npu>=2.10'`). Until then, check checkpoints with `torchward scan` (it validates storages and SETITEM targets the same way) before loading them, and keep ASLR on (TW201).",
        references: &["Security statement §1", "CVE-2026-24747", "https://github.com/advisories/GHSA-63cw-57p8-fm3p"],
    },
};
