//! TW133 `shard-not-indexed`: A shard file lies beside an index that does not name it.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW133.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW133",
    name: "shard-not-indexed",
    severity: Severity::Medium,
    section: "1",
    summary: "A shard file lies beside an index that does not name it.",
    doc: RuleDoc {
        what: "Files named like shards of an index (`PREFIX-0000X-of-0000Y.EXT`, with the prefix and extension of the shards the index names) that the index does not list are reported.",
        why: "Loaders that follow the index never read the extra file, but other tools (a glob over `*.bin`, a conversion script) do: a file nobody reviewed travels with the model.",
        example: "`pytorch_model-00004-of-00003.bin` beside an index of three shards.",
        fix: "Remove the stray file, or regenerate the index if it belongs to the set.",
        references: &["https://huggingface.co/docs/transformers/main/en/big_models"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
