//! TW111 `decompression-bomb`: Declared or actual decompressed sizes exceed the limits or the compression ratio of a bomb.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW111.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW111",
    name: "decompression-bomb",
    severity: Severity::Medium,
    section: "1, 8",
    summary: "Declared or actual decompressed sizes exceed the limits or the compression ratio of a bomb.",
    doc: RuleDoc {
        what: "Compressed zip entries, `.npz` members and gzip, bz2 or xz wrappers are checked against limits on the declared uncompressed size, the bytes actually produced and the compression ratio.",
        why: "A few kilobytes can expand to tens of gigabytes and exhaust memory or disk in torch, numpy and scanners alike (statement §8: a job that does not fit the machine fails).",
        example: "`archive/data/0` deflated from 40 GB of zeros.",
        fix: "Do not load the file. torch never compresses checkpoint entries; a compressed storage is itself suspicious.",
        references: &["huggingface/safetensors attacks/torch_dos_create.py"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
