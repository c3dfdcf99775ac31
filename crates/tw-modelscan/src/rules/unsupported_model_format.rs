//! TW116 `unsupported-model-format`: A model format torchward recognises but does not analyse.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW116.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW116",
    name: "unsupported-model-format",
    severity: Severity::Low,
    section: "1",
    summary: "A model format torchward recognises but does not analyse.",
    doc: RuleDoc {
        what: "Formats such as a PT2 export archive or a TorchServe `.mar` are recognised by content and reported instead of being passed as clean.",
        why: "A scanner that silently skips what it cannot read gives false confidence; these formats can carry code (a `.mar` contains handler source).",
        example: "A zip with `archive_format` = `pt2`.",
        fix: "Review the file by other means, or export the weights to safetensors.",
        references: &["torch.export.save", "TorchServe model archiver"],
    },
};

/// A finding for a recognised but unanalysed `format`.
pub fn finding(location: Location, format: &str) -> Finding {
    Finding::new(
        &RULE,
        location,
        format!("{format}: recognised but not analysed by torchward; review it by other means"),
    )
}
