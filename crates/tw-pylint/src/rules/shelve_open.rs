//! TW627 shelve-open: `shelve` stores values as pickles. Invariant: only shelve's openers and
//! shelf classes are reported.
use super::Hit;
use crate::call::CallSite;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW627",
    name: "shelve-open",
    severity: Severity::Medium,
    section: "6",
    summary: "shelve unpickles every value it reads.",
    doc: RuleDoc {
        what: "Calls to `shelve.open`, `shelve.Shelf`, `shelve.DbfilenameShelf` and \
`shelve.BsdDbShelf`. Must not flag: `dbm.open` (stores bytes only), other objects' `.open`.",
        why: "A shelf is a dbm file of pickles; reading a key from a shelf someone else can write \
runs their code.",
        example: "db = shelve.open(\"cache\")   # TW627",
        fix: "Use `dbm` or `sqlite3` with JSON values.",
        references: &[
            "https://docs.python.org/3/library/shelve.html (warning)",
            "Security statement section 6",
        ],
    },
};

const NAMES: &[&str] = &[
    "shelve.open",
    "shelve.Shelf",
    "shelve.DbfilenameShelf",
    "shelve.BsdDbShelf",
];

/// Reports a shelve open.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    site.is_any(NAMES).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}`: shelf values are pickles and can run code when read",
                site.qualified
            ),
        )
    })
}
