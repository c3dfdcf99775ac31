//! TW628 jsonpickle-decode: jsonpickle rebuilds arbitrary objects from JSON. Invariant:
//! `jsonpickle.encode` is never reported.
use super::Hit;
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW628",
    name: "jsonpickle-decode",
    severity: Severity::Medium,
    section: "6",
    summary: "jsonpickle.decode rebuilds arbitrary objects and can run code.",
    doc: RuleDoc {
        what: "Calls to `jsonpickle.decode`, `jsonpickle.unpickler.decode` and \
`jsonpickle.unpickler.Unpickler`. Must not flag: `jsonpickle.encode`; `json.loads`.",
        why:
            "jsonpickle imports the classes and calls the reducers named in the JSON, exactly like \
pickle; its documentation warns it is not secure.",
        example: "obj = jsonpickle.decode(text)   # TW628",
        fix: "Use plain `json` with explicit schemas.",
        references: &[
            "https://jsonpickle.github.io/ (security warning)",
            "Security statement section 6",
        ],
    },
};

const NAMES: &[&str] = &[
    "jsonpickle.decode",
    "jsonpickle.unpickler.decode",
    "jsonpickle.unpickler.Unpickler",
    "jsonpickle.Unpickler",
];

/// Reports a jsonpickle decode.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    site.is_any(NAMES).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}` rebuilds arbitrary objects and can run code",
                site.qualified
            ),
        )
    })
}
