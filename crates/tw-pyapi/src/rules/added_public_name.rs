//! TW658 `added-public-name`: a public module or name new in the new version.
use crate::interface::Declaration;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity, Status};

/// Metadata and documentation of TW658.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW658",
    name: "added-public-name",
    severity: Severity::Info,
    section: "10",
    summary: "A public module or name is new in the new version.",
    doc: RuleDoc {
        what: "In the API diff (`--against` or `--rev`), lists each public module and name of the new interface that the old one lacks, with its signature. When a whole module is new, only the module is listed.",
        why: "Every addition to the public interface is a promise to support it (security statement section 10). Listing additions lets reviewers confirm each one is meant to be public and documented before it ships.",
        example: "`pkg.io.save` appears in v2.",
        fix: "Nothing to fix if the addition is intended: document it. If it is an internal helper, name it with a leading `_` or leave it out of `__all__`.",
        references: &["Security statement section 10", "PyTorch wiki: Public API definition and documentation"],
    },
};

/// The finding for `new`, absent from the old interface.
pub fn finding(new: &Declaration) -> Finding {
    Finding::new(
        &RULE,
        Location::path(new.path.clone()).with_line(new.position.line, new.position.column),
        format!("public {} `{}` was added", new.kind, new.qualified()),
    )
    .with_status(Status::Pass)
    .with_evidence("change", "added")
    .with_evidence("module", new.module.clone())
    .with_evidence("name", new.name.clone())
    .with_evidence("kind", new.kind.as_str())
    .with_evidence("old", "")
    .with_evidence("new", new.signature_text())
}
