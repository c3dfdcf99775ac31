//! TW107 `tensor-view-out-of-bounds`: A tensor view reaches outside its storage.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW107.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW107",
    name: "tensor-view-out-of-bounds",
    severity: Severity::High,
    section: "1",
    summary: "A tensor view reaches outside its storage.",
    doc: RuleDoc {
        what: "For every tensor, the rank of sizes and strides must agree, sizes, strides and the offset must be non-negative, and the last element `offset + sum((size_i - 1) * stride_i)` must lie inside the storage (checked arithmetic).",
        why: "torch relies on `set_()` bounds checks that CVE-2026-24747 showed can be skipped; converters and custom loaders that copy views without checking read or write memory outside the buffer.",
        example: "`_rebuild_tensor_v2(storage of 4 floats, 2, (4,), (1,), ...)`: elements 2..5 of a 4-element storage.",
        fix: "Do not load the file; re-create it from trusted tensors.",
        references: &["CVE-2026-24747", "https://github.com/pytorch/pytorch/pull/170085"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
