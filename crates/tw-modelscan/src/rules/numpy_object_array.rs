//! TW112 `numpy-object-array`: A NumPy file holds an object array, which is a pickle.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW112.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW112",
    name: "numpy-object-array",
    severity: Severity::High,
    section: "1, 6",
    summary: "A NumPy file holds an object array, which is a pickle.",
    doc: RuleDoc {
        what: "`.npy` files and `.npz` members whose dtype is `object` (or a structured dtype containing objects) are reported, and the pickle they carry is scanned like any other.",
        why: "`numpy.load(allow_pickle=True)` unpickles object arrays and runs what they import (CVE-2019-6446); many loaders pass `allow_pickle=True` to make old files load.",
        example: "`np.save('x.npy', np.array([obj], dtype=object))`.",
        fix: "Store numeric arrays only, or use safetensors. Load NumPy files with the default `allow_pickle=False`.",
        references: &["CVE-2019-6446", "numpy/lib/_format_impl.py"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
