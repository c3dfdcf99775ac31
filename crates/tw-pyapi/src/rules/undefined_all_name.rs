//! TW651 `undefined-all-name`: `__all__` lists a name the module neither defines nor imports.
use crate::facts::{AllEntry, ModuleFacts};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW651.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW651",
    name: "undefined-all-name",
    severity: Severity::High,
    section: "10",
    summary: "A name in `__all__` is not defined or imported by the module.",
    doc: RuleDoc {
        what: "Reports each string in a module's `__all__` (and each name added from another module's list with `__all__ += other.__all__`, reported where `__all__` is first bound) that the module does not bind: no `def`, `class`, assignment or import of that name, no star import providing it, and no submodule of that name. Modules whose namespace is computed at run time (a module-level `__getattr__`, writes through `globals()`, a star import from outside the package) are not checked.",
        why: "`from pkg import *` raises `AttributeError` on such a name, documentation tools list an object that does not exist, and PyTorch's public-bindings test fails. A declared interface that cannot be imported is broken for every user.",
        example: "`__all__ = [\"load\", \"save\"]` in a module that only defines `load`.",
        fix: "Define or import the name, or remove it from `__all__`.",
        references: &["Python reference: the import statement (`__all__`)", "pytorch/pytorch test/test_public_bindings.py"],
    },
};

/// The finding for `entry` of `module`'s `__all__`, read from `path`.
pub fn finding(module: &ModuleFacts, path: &str, entry: &AllEntry) -> Finding {
    Finding::new(
        &RULE,
        Location::path(path).with_line(entry.position.line, entry.position.column),
        format!(
            "`__all__` of `{}` lists `{}`, which the module neither defines nor imports",
            module.name, entry.name
        ),
    )
    .with_evidence("module", module.name.clone())
    .with_evidence("name", entry.name.clone())
}
