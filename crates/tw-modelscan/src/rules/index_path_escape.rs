//! TW135 `index-path-escape`: A sharded checkpoint's index points outside its directory.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW135.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW135",
    name: "index-path-escape",
    severity: Severity::High,
    section: "1",
    summary: "A sharded checkpoint's index points outside its directory.",
    doc: RuleDoc {
        what: "Each shard file an index names must be a plain name under the index's directory: absolute paths, `..` components and links leading out of the directory are reported.",
        why: "A loader joins the index's directory with the shard name: `../../etc/...` or `/home/other/model.bin` makes it read (and unpickle) a file the repository does not contain.",
        example: "`\"weight_map\": {\"w\": \"../../shared/evil.bin\"}`.",
        fix: "Treat the repository as tampered with; shard names are plain file names.",
        references: &["https://huggingface.co/docs/transformers/main/en/big_models"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
