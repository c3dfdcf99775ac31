//! TW106 `storage-dtype-conflict`: One storage key is used with two different dtypes.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW106.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW106",
    name: "storage-dtype-conflict",
    severity: Severity::High,
    section: "1",
    summary: "One storage key is used with two different dtypes.",
    doc: RuleDoc {
        what: "Each storage key must always be referenced with the same dtype; a key seen once as `float32` and again as `int64` is reported.",
        why: "`torch.save` refuses to write such a file, but the loader reuses the first storage it built, so the second tensor reinterprets its bytes with another element size and can reach past the end. It is a building block of CVE-2026-24747-style memory corruption.",
        example: "Two tensors whose persistent ids both name key `'0'`, one as `torch.FloatStorage`, one as `torch.LongStorage`.",
        fix: "Do not load the file; re-create it with `torch.save` from trusted tensors.",
        references: &["CVE-2026-24747", "torch/serialization.py (Cannot save multiple tensors or storages that view the same data as different types)"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
