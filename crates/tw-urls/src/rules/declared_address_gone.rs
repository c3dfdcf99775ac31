//! TW502 `declared-address-gone`: with `--check`, a declaration row whose address no longer
//! appears in its file.
use crate::declaration::Entry;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW502.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW502",
    name: "declared-address-gone",
    severity: Severity::Low,
    section: "9",
    summary: "The declaration lists an address that no longer appears in that file.",
    doc: RuleDoc {
        what: "With `--baseline FILE --check`, every row of the declaration is looked up among the addresses found in the tree (same file, same exact text); each row with no match is reported at the declaration file.",
        why: "A stale row makes the declaration wrong in the other direction: it tells users about a host the software no longer contacts, and hides which rows still matter.",
        example: "`setup.cfg` used to name `http://mirror.old-host.org/pypi`, the mirror was dropped, the declaration row stayed.",
        fix: "Run `torchward urls . --baseline FILE --write-baseline FILE`: rows whose address is gone are dropped, the others keep what was written for them.",
        references: &["Security statement section 9 (public network address declaration)"],
    },
};

/// The finding for a declared `entry` that is gone, reported at the declaration file.
pub fn finding(entry: &Entry, declaration_path: &str) -> Finding {
    let mut location = Location::path(declaration_path);
    location.line = entry.line;
    let message = format!(
        "declared address `{}` no longer appears in `{}`",
        entry.address, entry.file
    );
    Finding::new(&RULE, location, message)
        .with_evidence("address", &entry.address)
        .with_evidence("file", &entry.file)
        .with_remediation("drop the row (--write-baseline FILE does it)")
}
