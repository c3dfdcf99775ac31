//! TW626 marshal-load: `marshal.load`/`loads`, which build code objects from bytes.
//! Invariant: `marshal.dump`/`dumps` are never reported.
use super::Hit;
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW626",
    name: "marshal-load",
    severity: Severity::Medium,
    section: "6",
    summary: "marshal.load/loads are not safe on untrusted data.",
    doc: RuleDoc {
        what: "Calls to `marshal.load` and `marshal.loads`. Must not flag: `marshal.dump`, \
`marshal.dumps`.",
        why: "marshal builds code objects and is documented as not secure against erroneous or \
malicious data; crafted input can crash the interpreter or yield code that later runs.",
        example: "code = marshal.loads(blob)   # TW626",
        fix: "Use a data format (JSON, safetensors) for data from outside the process.",
        references: &[
            "https://docs.python.org/3/library/marshal.html (warning)",
            "Security statement section 6",
        ],
    },
};

const NAMES: &[&str] = &["marshal.load", "marshal.loads"];

/// Reports a marshal load.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    site.is_any(NAMES).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}` is not safe on data from outside the process",
                site.qualified
            ),
        )
    })
}
