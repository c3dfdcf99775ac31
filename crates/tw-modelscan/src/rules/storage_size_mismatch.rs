//! TW105 `storage-size-mismatch`: A storage's declared size does not match the bytes stored for it.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW105.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW105",
    name: "storage-size-mismatch",
    severity: Severity::High,
    section: "1",
    summary: "A storage's declared size does not match the bytes stored for it.",
    doc: RuleDoc {
        what: "For every storage a checkpoint references, the declared element count times the element size must equal the length of its record (`data/<key>` in a zip checkpoint, the per-storage count in a legacy stream), and the record must exist.",
        why: "torch before 2.10 trusted the declared element count, so a tensor could read or write past the bytes stored for it: the memory-corruption half of CVE-2026-24747. A smaller declared size hides data; a larger one in a legacy stream makes torch allocate it before reading anything.",
        example: "`('storage', torch.FloatStorage, '0', 'cpu', 1000000)` while `archive/data/0` holds 16 bytes.",
        fix: "Do not load the file with torch older than 2.10. Re-create it from a trusted source; a correct `torch.save` never writes a mismatch.",
        references: &["CVE-2026-24747", "https://github.com/pytorch/pytorch/security/advisories/GHSA-63cw-57p8-fm3p", "https://github.com/pytorch/pytorch/pull/170085"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
