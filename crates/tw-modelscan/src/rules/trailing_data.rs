//! TW113 `trailing-data`: Bytes follow the end of a pickle, or several pickles are concatenated.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW113.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW113",
    name: "trailing-data",
    severity: Severity::Medium,
    section: "1",
    summary: "Bytes follow the end of a pickle, or several pickles are concatenated.",
    doc: RuleDoc {
        what: "After a pickle's STOP the remaining bytes of its record are checked; leftover bytes, and further pickles where the format expects one, are reported (each further pickle is scanned too).",
        why: "Loaders read the first pickle and ignore the rest, while a second `pickle.load` on the same stream runs the next one; junk after STOP has made scanners throw away what they had found. Data after the end has no legitimate use in a checkpoint.",
        example: "A benign pickle followed by a second pickle that calls `os.system`.",
        fix: "Re-create the file; if it came from elsewhere, treat it as tampered with.",
        references: &["picklescan commit 752369a (malicious-invalid-bytes)", "pickletools: STOP"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
