//! TW621 pickle-load: loading with `pickle` and its relatives (`_pickle`, `cPickle`,
//! `pickle5`, `dill`, `cloudpickle`). Invariant: only load-side names are reported, and only
//! when they resolve through imports (`loads = json.loads` is never reported).
use super::{in_modules, Hit};
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW621",
    name: "pickle-load",
    severity: Severity::Medium,
    section: "6",
    summary: "pickle-family load/loads/Unpickler run code named by the data.",
    doc: RuleDoc {
        what: "Calls to `load`, `loads` and `Unpickler` (which covers `Unpickler(f).load()`) of \
`pickle`, `_pickle`, `cPickle`, `pickle5`, `dill` and `cloudpickle`, however imported \
(aliases, from-imports, try/except import fallbacks). Must not flag: `dump`/`dumps`; \
`json.load`/`loads`; names rebound locally (`loads = json.loads`, a parameter called `loads`).",
        why:
            "Unpickling calls any importable callable the data names. Data from a file, socket or \
cache that someone else can write is code execution.",
        example: "import pickle as pk\nobj = pk.loads(blob)   # TW621",
        fix:
            "Use a data format (JSON, safetensors, numpy without pickle). If pickle must be read, \
restrict globals with an `Unpickler.find_class` allowlist and read only files nobody else can \
write.",
        references: &[
            "https://docs.python.org/3/library/pickle.html (the warning at the top)",
            "Security statement section 6",
        ],
    },
};

const MODULES: &[&str] = &[
    "pickle",
    "_pickle",
    "cPickle",
    "pickle5",
    "dill",
    "cloudpickle",
];
const NAMES: &[&str] = &["load", "loads", "Unpickler"];

/// Reports a pickle-family load.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    in_modules(site.qualified, MODULES, NAMES).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}` unpickles data and can run any code it names",
                site.qualified
            ),
        )
    })
}
