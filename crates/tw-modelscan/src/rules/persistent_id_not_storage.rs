//! TW109 `persistent-id-not-storage`: A persistent id is not a ('storage', ...) tuple.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW109.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW109",
    name: "persistent-id-not-storage",
    severity: Severity::High,
    section: "1",
    summary: "A persistent id is not a ('storage', ...) tuple.",
    doc: RuleDoc {
        what: "Every PERSID or BINPERSID in a checkpoint must carry a tuple whose first item is the string `storage`, as `torch.save` writes; anything else is reported.",
        why: "torch's weights-only loader refuses other persistent ids, but custom `persistent_load` hooks may act on them, and legacy formats used integer and `module` ids that carried Python source.",
        example: "`BINPERSID` over the tuple `('module', SomeClass, 'model.py', '<source>')`.",
        fix: "Re-save the checkpoint with a current `torch.save`.",
        references: &["torch/serialization.py (persistent_load)", "https://github.com/pytorch/pytorch/pull/161661"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
