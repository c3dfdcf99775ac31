//! TW104 `legacy-tar-checkpoint`: The file uses the legacy tar checkpoint format that torch refuses under weights_only.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW104.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW104",
    name: "legacy-tar-checkpoint",
    severity: Severity::High,
    section: "1",
    summary: "The file uses the legacy tar checkpoint format that torch refuses under weights_only.",
    doc: RuleDoc {
        what: "A tar archive with the members `sys_info`, `pickle`, `tensors` and `storages` (the format of torch 0.1.10 and older) is detected by content and refused.",
        why: "The legacy tar loader is the path CVE-2025-32434 went through: PyTorch PR 145020 stopped `weights_only=True` from reaching it, and torch_npu followed. Older torch versions still load it and run what it contains.",
        example: "A `.pth` file that is a tar with `sys_info`, `pickle`, `tensors`, `storages`.",
        fix: "Re-save the model with a current torch (`torch.save(model.state_dict(), path)`) in a sandbox you trust, or convert it to safetensors.",
        references: &["CVE-2025-32434", "https://github.com/pytorch/pytorch/pull/145020"],
    },
};

/// A finding for a legacy tar checkpoint with `members`.
pub fn finding(location: Location, members: &[String]) -> Finding {
    Finding::new(
        &RULE,
        location,
        format!(
            "legacy tar checkpoint (members: {}); torch refuses it under weights_only (PR 145020) and older torch runs it",
            members.join(", ")
        ),
    )
}
