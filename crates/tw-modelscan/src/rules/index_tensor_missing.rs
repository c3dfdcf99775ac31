//! TW132 `index-tensor-missing`: A tensor the index assigns to a shard is not in that shard.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW132.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW132",
    name: "index-tensor-missing",
    severity: Severity::Medium,
    section: "1",
    summary: "A tensor the index assigns to a shard is not in that shard.",
    doc: RuleDoc {
        what: "Each shard named by an index is opened (never loaded) and its tensor names compared with the names the index assigns to it.",
        why: "The index and the shards disagree: the set was assembled from different saves, or a shard was replaced after the index was written. What a loader ends up with is not what the index describes.",
        example: "`model.safetensors.index.json` puts `model.norm.weight` in `model-00002-of-00002.safetensors`, whose header has no such tensor.",
        fix: "Regenerate the index from the shards (`save_pretrained` writes both), or fetch the set again.",
        references: &["https://huggingface.co/docs/safetensors/index"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
