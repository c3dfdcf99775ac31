//! TW602 torch-load-implicit: `torch.load` relying on the default of `weights_only`.
//! Invariant: reported only when no `weights_only`, no `pickle_module` and no unpacking
//! appear in the call (see `crate::torch_load`).
use super::Hit;
use crate::call::CallSite;
use crate::torch_load::{classify, WeightsOnly};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW602",
    name: "torch-load-implicit",
    severity: Severity::Medium,
    section: "6",
    summary: "torch.load without weights_only is safe only on torch >= 2.6 and without TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD.",
    doc: RuleDoc {
        what: "Calls to `torch.load` / `torch.serialization.load` with no `weights_only` argument, \
no `pickle_module` and no `*args`/`**kwargs`. Must not flag: calls with an explicit \
`weights_only=True` (any position among the keywords); calls with `weights_only=False` or a \
`pickle_module` (TW601); calls whose `weights_only` is not a literal (TW603).",
        why: "torch changed the default of `weights_only` from False to True in 2.6.0. On torch < 2.6 \
the same line unpickles arbitrary objects, and on any version the environment variable \
`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1` (also `y`, `yes`, `true`) silently turns the default back \
off for every call that does not pass `weights_only` explicitly. Torch < 2.6.0 is also affected \
by CVE-2025-32434 even with `weights_only=True`.",
        example: "import torch\nstate = torch.load(path, map_location=\"cpu\")   # TW602",
        fix: "Pass `weights_only=True` explicitly, and require torch >= 2.6.0 (>= 2.10.0 for the \
fix of CVE-2026-24747 in the weights-only unpickler).",
        references: &[
            "https://pytorch.org/docs/stable/notes/serialization.html#weights-only",
            "torch 2.6.0 release notes: torch.load default weights_only=True",
            "CVE-2025-32434, CVE-2026-24747",
            "Security statement section 6",
        ],
    },
};

/// Reports a `torch.load` call that leaves `weights_only` to the default.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    (classify(site)? == WeightsOnly::Implicit).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}` without weights_only: safe by default only on torch >= 2.6 (the default \
changed to True in 2.6.0), and TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 turns it off; pass \
weights_only=True explicitly",
                site.qualified
            ),
        )
    })
}
