//! TW652 `missing-from-all`: a public-looking function or class is missing from its module's
//! `__all__`.
use crate::facts::{Binding, ModuleFacts};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW652.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW652",
    name: "missing-from-all",
    severity: Severity::Low,
    section: "10",
    summary: "A public-looking function or class is not listed in its module's `__all__`.",
    doc: RuleDoc {
        what: "In a public module that defines `__all__`, reports each function or class defined in the module whose name does not start with `_` and that `__all__` does not list (PyTorch's public-bindings test reports the same).",
        why: "By PyTorch's rules a name is public when it looks public and is listed in `__all__`. A definition that looks public but is not listed is ambiguous: users import it believing it is supported, while the maintainers may change or remove it at any time.",
        example: "`__all__ = [\"load\"]` in a module that also defines `def save(...)`.",
        fix: "Add the name to `__all__` if it is public (and document it), or rename it with a leading `_` if it is internal.",
        references: &["PyTorch wiki: Public API definition and documentation", "pytorch/pytorch test/test_public_bindings.py"],
    },
};

/// The finding for `binding` (a function or class of `module`).
pub fn finding(module: &ModuleFacts, binding: &Binding, kind: &str) -> Finding {
    Finding::new(
        &RULE,
        Location::path(module.path.clone())
            .with_line(binding.position.line, binding.position.column),
        format!(
            "{kind} `{}.{}` looks public but is missing from `__all__`",
            module.name, binding.name
        ),
    )
    .with_evidence("module", module.name.clone())
    .with_evidence("name", binding.name.clone())
}
