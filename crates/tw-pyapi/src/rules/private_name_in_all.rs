//! TW654 `private-name-in-all`: `__all__` lists a name starting with `_`.
use crate::facts::{AllEntry, ModuleFacts};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW654.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW654",
    name: "private-name-in-all",
    severity: Severity::Low,
    section: "10",
    summary: "`__all__` of a public module lists a private name (`_x`).",
    doc: RuleDoc {
        what: "Reports each string in a public module's `__all__` that starts with `_` (dunder names such as `__version__` are allowed).",
        why: "A leading underscore says internal; `__all__` says public. Listing `_x` makes an internal name part of the declared interface: users rely on it, and it cannot change without breaking them.",
        example: "`__all__ = [\"load\", \"_load_legacy\"]`.",
        fix: "Drop the name from `__all__`, or give it a public name and document it.",
        references: &["PEP 8: public and internal interfaces", "PyTorch wiki: Public API definition and documentation"],
    },
};

/// The finding for `entry` of `module`'s `__all__`, read from `path`.
pub fn finding(module: &ModuleFacts, path: &str, entry: &AllEntry) -> Finding {
    Finding::new(
        &RULE,
        Location::path(path).with_line(entry.position.line, entry.position.column),
        format!(
            "`__all__` of `{}` lists the private name `{}`",
            module.name, entry.name
        ),
    )
    .with_evidence("module", module.name.clone())
    .with_evidence("name", entry.name.clone())
}
