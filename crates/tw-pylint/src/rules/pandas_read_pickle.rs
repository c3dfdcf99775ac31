//! TW623 pandas-read-pickle: `pandas.read_pickle`, which unpickles. Invariant: other pandas
//! readers and `to_pickle` are never reported.
use super::Hit;
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW623",
    name: "pandas-read-pickle",
    severity: Severity::Medium,
    section: "6",
    summary: "pandas.read_pickle unpickles the file.",
    doc: RuleDoc {
        what: "Calls to `pandas.read_pickle` (also `pandas.io.pickle.read_pickle`), resolved \
through imports such as `import pandas as pd`. Must not flag: `DataFrame.to_pickle`; \
`read_csv`, `read_parquet` and the other readers.",
        why: "`read_pickle` is `pickle.load` with decompression: a crafted file runs code.",
        example: "df = pd.read_pickle(path)   # TW623",
        fix: "Use Parquet, Feather or CSV for data frames.",
        references: &[
            "https://pandas.pydata.org/docs/reference/api/pandas.read_pickle.html (warning)",
            "Security statement section 6",
        ],
    },
};

const NAMES: &[&str] = &["pandas.read_pickle", "pandas.io.pickle.read_pickle"];

/// Reports a pandas pickle read.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    site.is_any(NAMES).then(|| {
        Hit::new(
            &RULE,
            format!("`{}` unpickles the file and can run code", site.qualified),
        )
    })
}
