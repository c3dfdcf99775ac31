//! TW134 `mixed-weight-formats`: Both pickle (`.bin`) and safetensors weights of one model are shipped side by side.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW134.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW134",
    name: "mixed-weight-formats",
    severity: Severity::Low,
    section: "1",
    summary: "Both pickle (`.bin`) and safetensors weights of one model are shipped side by side.",
    doc: RuleDoc {
        what: "A directory holding both `pytorch_model*.bin` and `model*.safetensors` weights is reported once.",
        why: "Loaders pick one or the other by version and flags (`use_safetensors` ...): reviewing the safetensors files says nothing about the pickle a loader may take instead, which can run code.",
        example: "`model.safetensors` and `pytorch_model.bin` in one Hugging Face repository.",
        fix: "Ship only safetensors (convert with `torchward convert`) and delete the `.bin` files.",
        references: &["https://huggingface.co/docs/safetensors/index"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
