//! TW624 numpy-allow-pickle: `numpy.load(..., allow_pickle=True)` unpickles object arrays.
//! Signatures from numpy: `load(file, mmap_mode=None, allow_pickle=False, ...)`,
//! `lib.format.read_array(fp, allow_pickle=False, ...)`. Invariant: the default (False since
//! numpy 1.16.3) and a literal False are never reported; a non-literal is a low-confidence note.
use super::Hit;
use crate::call::{Arg, CallSite};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW624",
    name: "numpy-allow-pickle",
    severity: Severity::High,
    section: "6",
    summary: "numpy.load with allow_pickle=True unpickles object arrays.",
    doc: RuleDoc {
        what: "Calls to `numpy.load` (3rd positional or keyword `allow_pickle`) and \
`numpy.lib.format.read_array` (2nd positional or keyword) with a true `allow_pickle`; a \
non-literal value or unpacked `*args`/`**kwargs` is a low-confidence note. Must not flag: \
`np.load(path)` (the default is False since numpy 1.16.3); `allow_pickle=False`.",
        why: "`.npy` files with object dtype hold a pickle; with `allow_pickle=True` numpy unpickles \
it and any callable it names runs.",
        example: "arr = np.load(path, allow_pickle=True)   # TW624",
        fix: "Save numeric arrays only and load with the default `allow_pickle=False`.",
        references: &[
            "https://numpy.org/doc/stable/reference/generated/numpy.load.html",
            "CVE-2019-6446",
            "Security statement section 6",
        ],
    },
};

const ENTRY_POINTS: &[(&str, usize)] = &[("numpy.load", 2), ("numpy.lib.format.read_array", 1)];

/// Reports a numpy load that allows pickles.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    let &(_, position) = ENTRY_POINTS
        .iter()
        .find(|(name, _)| *name == site.qualified)?;
    match site.arg("allow_pickle", Some(position)) {
        Arg::Literal(value) if value.truthy() => Some(Hit::new(
            &RULE,
            format!(
                "`{}` with allow_pickle=True unpickles object arrays and can run code",
                site.qualified
            ),
        )),
        Arg::Literal(_) | Arg::Missing => None,
        Arg::Expr(_) | Arg::Unpacked => Some(
            Hit::new(
                &RULE,
                format!(
                    "`{}` with an allow_pickle the linter cannot know",
                    site.qualified
                ),
            )
            .severity(Severity::Low)
            .unsure(),
        ),
    }
}
