//! TW656 `removed-public-name`: a public module or name of the old version is gone.
use crate::interface::Declaration;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW656.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW656",
    name: "removed-public-name",
    severity: Severity::High,
    section: "10",
    summary: "A public module or name of the old version no longer exists in the new one.",
    doc: RuleDoc {
        what: "Compares two versions of a package (`torchward api OLD --against NEW`, or `--rev A..B`) and reports each public module and public name of the old interface that the new interface lacks, including names that became private or were dropped from `__all__`. When a whole module is gone, only the module is reported.",
        why: "Removing a public name breaks every caller with an `ImportError` or `AttributeError`. PyTorch's policy is to deprecate first and remove later; a release gate catches removals that were not meant.",
        example: "`pkg.io.load_legacy` exists in v1 and is gone (or renamed `_load_legacy`) in v2.",
        fix: "Keep the name (deprecated, with a warning) for a release, or, if the removal is intended, record it in the changelog and accept it in `.torchwardignore` with a reason.",
        references: &["PyTorch wiki: Public API definition and documentation", "PyTorch backward compatibility policy (deprecation before removal)"],
    },
};

/// The finding for `old`, missing from the new interface; `path` shows the old file.
pub fn finding(old: &Declaration) -> Finding {
    Finding::new(
        &RULE,
        Location::path(old.path.clone()).with_line(old.position.line, old.position.column),
        format!("public {} `{}` was removed", old.kind, old.qualified()),
    )
    .with_evidence("change", "removed")
    .with_evidence("module", old.module.clone())
    .with_evidence("name", old.name.clone())
    .with_evidence("kind", old.kind.as_str())
    .with_evidence("old", old.signature_text())
    .with_evidence("new", "")
}
