//! TW622 joblib-load: `joblib.load`, which unpickles. Invariant: `joblib.dump` and
//! `joblib.Parallel` are never reported.
use super::Hit;
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW622",
    name: "joblib-load",
    severity: Severity::Medium,
    section: "6",
    summary: "joblib.load unpickles the file.",
    doc: RuleDoc {
        what: "Calls to `joblib.load` and `sklearn.externals.joblib.load`. Must not flag: \
`joblib.dump`; `joblib.Parallel`, `joblib.delayed`, `joblib.Memory`.",
        why: "joblib files are pickles with numpy arrays stored beside them; loading one runs any \
callable it names.",
        example: "clf = joblib.load(\"model.joblib\")   # TW622",
        fix: "Store models in a format without code (skops with a trusted-types list, ONNX, \
safetensors) or load joblib files only from paths nobody else can write.",
        references: &[
            "https://joblib.readthedocs.io/en/stable/persistence.html (security warning)",
            "Security statement section 6",
        ],
    },
};

const NAMES: &[&str] = &["joblib.load", "sklearn.externals.joblib.load"];

/// Reports a joblib load.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    site.is_any(NAMES).then(|| {
        Hit::new(
            &RULE,
            format!("`{}` unpickles the file and can run code", site.qualified),
        )
    })
}
