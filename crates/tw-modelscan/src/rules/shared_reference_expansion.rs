//! TW126 `shared-reference-expansion`: Shared references in a pickle expand past the limits.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW126.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW126",
    name: "shared-reference-expansion",
    severity: Severity::Medium,
    section: "1, 8",
    summary: "Shared references in a pickle expand past the limits.",
    doc: RuleDoc {
        what: "A pickle may name one value many times by memo reference (GET, DUP). Listing what the pickle holds walks every reference; the walk's steps and the bytes it materialises (paths, values, tensor records) are bounded, and a pickle that exceeds a bound is reported.",
        why: "A few kilobytes of references expand to gigabytes: a 1 MB string referenced 2,000 times is 2 GB to any tool that copies a value per reference, and nested tuples of tuples double at each level (a \"billion laughs\"). Loaders keep references shared, but every consumer of the loaded object (printing, `json.dumps`, a `deepcopy`, a converter) expands them and can be made to exhaust memory (statement §8).",
        example: "`{'x': [s] * 2000}` with `s` a 1 MB string, saved with `torch.save`: 1 MB on disk.",
        fix: "Do not load the file. A checkpoint has no reason to repeat one large value thousands of times; re-create it from a trusted source.",
        references: &["https://en.wikipedia.org/wiki/Billion_laughs_attack", "Lib/pickle.py (memo, GET/BINGET)"],
    },
};

/// A finding for a walk stopped by the limit described in `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
