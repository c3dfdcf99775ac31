//! TW115 `safetensors-header-invalid`: A safetensors header breaks the format's rules.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW115.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW115",
    name: "safetensors-header-invalid",
    severity: Severity::High,
    section: "1",
    summary: "A safetensors header breaks the format's rules.",
    doc: RuleDoc {
        what: "The header length must fit in the file, the JSON must be UTF-8 without duplicate names, offsets must be sorted and contiguous from 0 without gaps or overlaps, each tensor's byte length must equal its element count times its dtype size, and the last offset must end exactly at the end of the file.",
        why: "Parsers disagree on such files (duplicate names: the last one wins in the reference parser), so a checker and a loader can see different weights, and trailing bytes can hide a second payload in a polyglot.",
        example: "Two tensors both named `w`, or bytes after the last tensor.",
        fix: "Re-create the file with the safetensors library.",
        references: &["https://github.com/huggingface/safetensors#format", "safetensors/src/tensor.rs (validate)"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
