//! TW108 `invalid-mutation-target`: SETITEM, APPEND or BUILD is applied to an object torch does not allow.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW108.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW108",
    name: "invalid-mutation-target",
    severity: Severity::High,
    section: "1",
    summary: "SETITEM, APPEND or BUILD is applied to an object torch does not allow.",
    doc: RuleDoc {
        what: "SETITEM and SETITEMS must target a `dict`, `OrderedDict` or `Counter`; APPEND and APPENDS a `list`; BUILD only the objects torch's weights-only loader allows. Anything else is reported with its byte offset.",
        why: "Applying SETITEM to a rebuilt tensor (`tensor[k] = v`) writes through the tensor, which together with an out-of-bounds view corrupted memory in torch up to 2.9.1 (CVE-2026-24747). A plain `pickle.load` calls `__setitem__`, `append` or `__setstate__` of whatever object is there.",
        example: "A `data.pkl` whose SETITEMS follows a `_rebuild_tensor_v2` REDUCE.",
        fix: "Do not load the file with torch older than 2.10; re-create it from trusted tensors.",
        references: &["CVE-2026-24747", "https://github.com/pytorch/pytorch/security/advisories/GHSA-63cw-57p8-fm3p"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
