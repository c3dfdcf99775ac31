//! TW131 `shard-missing`: A sharded checkpoint's index names a shard file that is not there.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW131.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW131",
    name: "shard-missing",
    severity: Severity::High,
    section: "1",
    summary: "A sharded checkpoint's index names a shard file that is not there.",
    doc: RuleDoc {
        what: "Every `*.index.json` (Hugging Face's sharded layout: `weight_map` from tensor name to shard file) found by `scan` is read, and each shard it names is looked for beside it.",
        why: "A loader that follows the index fails half-way, or (with a fallback) loads other weights than the index promised; a set shipped incomplete cannot be checked either.",
        example: "`pytorch_model.bin.index.json` maps `lm_head.weight` to `pytorch_model-00003-of-00003.bin`, which the repository does not contain.",
        fix: "Fetch the whole set again (`git lfs pull`, `huggingface-cli download`), or regenerate the index from the shards that exist.",
        references: &["https://huggingface.co/docs/transformers/main/en/big_models (sharded checkpoints)"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
