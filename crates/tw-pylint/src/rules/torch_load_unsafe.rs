//! TW601 torch-load-unsafe: `torch.load` that unpickles arbitrary objects on every torch
//! version. Invariant: reported only for a literal falsy `weights_only` or a `pickle_module`
//! with `weights_only` unset (see `crate::torch_load`).
use super::Hit;
use crate::call::CallSite;
use crate::torch_load::{classify, WeightsOnly};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW601",
    name: "torch-load-unsafe",
    severity: Severity::High,
    section: "6",
    summary: "torch.load with weights_only=False (or a pickle_module) unpickles arbitrary objects.",
    doc: RuleDoc {
        what: "Calls to `torch.load` / `torch.serialization.load` (however imported) that pass a \
literal `weights_only=False` (or `0`), or pass `pickle_module=` without `weights_only=True`: \
torch then defaults `weights_only` to False (`_default_to_weights_only` returns \
`pickle_module is None`). Keywords are matched in any order. Must not flag: `weights_only=True` \
in any keyword position; `torch.jit.load`; `torch.utils.cpp_extension.load`; `torch.save`; \
`.load(...)` on other objects; a local function or parameter named `load`.",
        why: "With `weights_only=False` torch.load runs the full pickle machine: a crafted \
checkpoint executes any code it names (REDUCE on `os.system`) the moment it is loaded. This \
holds on every torch version; the 2.6 change of the default does not apply to an explicit False.",
        example: "import torch\nmodel = torch.load(path, weights_only=False)   # TW601\n\
state = torch.load(path, pickle_module=dill)       # TW601",
        fix: "Pass `weights_only=True` (allowlist extra types with \
`torch.serialization.add_safe_globals` if loading fails), or convert the checkpoint to \
safetensors (`torchward convert`). If the file must be unpickled, scan it first \
(`torchward scan`) and load it only from a path that nobody else can write.",
        references: &[
            "https://pytorch.org/docs/stable/generated/torch.load.html",
            "torch/serialization.py: _default_to_weights_only",
            "CVE-2025-32434 (RCE in torch < 2.6.0 even with weights_only=True)",
            "Security statement section 6",
        ],
    },
};

/// Reports a `torch.load` call that disables the weights-only unpickler.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    let message = match classify(site)? {
        WeightsOnly::ExplicitFalse => format!(
            "`{}` with weights_only=False unpickles arbitrary objects and can run code on load",
            site.qualified
        ),
        WeightsOnly::PickleModule => format!(
            "`{}` with pickle_module= and no weights_only=True: torch then defaults \
weights_only to False and unpickles arbitrary objects",
            site.qualified
        ),
        WeightsOnly::Safe | WeightsOnly::Implicit | WeightsOnly::Unresolved => return None,
    };
    Some(Hit::new(&RULE, message))
}
