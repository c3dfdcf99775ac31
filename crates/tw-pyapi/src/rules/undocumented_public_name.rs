//! TW653 `undocumented-public-name`: a public function, class, method, property or module
//! without a docstring.
use crate::interface::Declaration;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW653.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW653",
    name: "undocumented-public-name",
    severity: Severity::Low,
    section: "10",
    summary: "A public function, class, method, property or module has no docstring.",
    doc: RuleDoc {
        what: "Reports each public module, function, class, method and property (by the interface TW650 lists) whose definition has no docstring or a blank one. Each definition is reported once, where it is defined, even when several public modules export it. Definitions in `.pyi` stubs are not checked.",
        why: "The security statement (section 10) follows PyTorch's definition: a function is public when it looks public *and* is documented. An undocumented public name is a promise nobody wrote down: users cannot tell its contract, and maintainers cannot tell whether it is meant to be supported.",
        example: "`def load(path): return _read(path)` in a public module, with no docstring.",
        fix: "Write a docstring whose first line says what it does, or make the name private (`_load`) and drop it from `__all__`.",
        references: &["Security statement section 10", "PEP 257 (docstring conventions)", "PyTorch wiki: Public API definition and documentation"],
    },
};

/// The finding for `declaration`.
pub fn finding(declaration: &Declaration) -> Finding {
    Finding::new(
        &RULE,
        Location::path(declaration.path.clone())
            .with_line(declaration.position.line, declaration.position.column),
        format!(
            "public {} `{}` has no docstring",
            declaration.kind,
            declaration
                .origin
                .clone()
                .unwrap_or_else(|| declaration.qualified())
        ),
    )
    .with_evidence("module", declaration.module.clone())
    .with_evidence("name", declaration.name.clone())
}
