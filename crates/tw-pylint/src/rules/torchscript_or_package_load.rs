//! TW607 torchscript-or-package-load: loading `TorchScript` archives or `torch.package` packages,
//! which carry code and have no weights-only mode. Invariant: reported as a note on every
//! such call; never on `torch.load` or on `TorchScript`'s `script`/`trace`/`save`.
use super::Hit;
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW607",
    name: "torchscript-or-package-load",
    severity: Severity::Low,
    section: "1, 6",
    summary: "torch.jit.load / torch.package load code-carrying archives; there is no safe mode.",
    doc: RuleDoc {
        what: "Calls to `torch.jit.load`, `torch._C.import_ir_module`, \
`torch._C.import_ir_module_from_buffer` and `torch.package.PackageImporter`. Must not flag: \
`torch.load`; `torch.jit.script`, `torch.jit.trace`, `torch.jit.save`; \
`torch.package.PackageExporter`.",
        why:
            "A TorchScript archive is a program: loading it deserializes pickles and compiled code \
that run with the process's privileges, and torch offers no weights-only mode for it (PyTorch \
PR #143403 added a warning to `torch.jit.load` saying so). A torch.package archive imports \
Python modules stored inside it.",
        example: "model = torch.jit.load(\"model.pt\")   # TW607",
        fix: "Load only archives you built or verified (`torchward scan` reports TorchScript \
content); prefer weights in safetensors plus model code from your own repository.",
        references: &[
            "https://pytorch.org/docs/stable/generated/torch.jit.load.html",
            "PyTorch PR #143403",
            "Security statement sections 1 and 6",
        ],
    },
};

const NAMES: &[&str] = &[
    "torch.jit.load",
    "torch._C.import_ir_module",
    "torch._C.import_ir_module_from_buffer",
    "torch.package.PackageImporter",
    "torch.package.package_importer.PackageImporter",
];

/// Reports a `TorchScript` or `torch.package` load.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    site.is_any(NAMES).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}` loads an archive that carries code; there is no weights-only mode",
                site.qualified
            ),
        )
    })
}
