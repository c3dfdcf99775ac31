//! TW655 `private-star-import`: a public module without `__all__` star-imports a private
//! module of the package.
use crate::facts::{ModuleFacts, StarImport};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW655.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW655",
    name: "private-star-import",
    severity: Severity::Info,
    section: "10",
    summary: "A public module without `__all__` imports everything from a private module with `*`.",
    doc: RuleDoc {
        what: "Reports `from ._impl import *` (or the absolute form) in a public module that does not define `__all__`, when the star-imported module is private (a component of its path starts with `_`). The finding says how many names the import brings.",
        why: "The names arrive in the public module but, by PyTorch's rules, are not public there (they are defined in a private module and not listed in an `__all__`). Users call them through the public path anyway, so the real interface is whatever the private module happens to define, including its own imports, and it changes whenever that module does.",
        example: "`pkg/ops.py` containing only `from ._ops_impl import *`.",
        fix: "Define `__all__` in the public module listing what it exports (or import the names explicitly), so the interface is declared.",
        references: &["Python reference: the import statement (star imports, `__all__`)", "PyTorch wiki: Public API definition and documentation"],
    },
};

/// The finding for `star` in `module`, which brings `count` names.
pub fn finding(module: &ModuleFacts, star: &StarImport, count: usize) -> Finding {
    Finding::new(
        &RULE,
        Location::path(module.path.clone())
            .with_line(star.position.line, star.position.column),
        format!(
            "public module `{}` star-imports the private module `{}` without an `__all__` of its own: {count} names arrive that are reachable but not declared public",
            module.name, star.module
        ),
    )
    .with_evidence("module", module.name.clone())
    .with_evidence("imported", star.module.clone())
}
