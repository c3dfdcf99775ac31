//! TW501 `undeclared-public-address`: with `--check`, a public address in the tree that the
//! declaration does not list for that file (the CI gate).
use crate::address::Address;
use crate::declaration::{Entry, TO_FILL};
use crate::rules::public_address::with_row;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW501.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW501",
    name: "undeclared-public-address",
    severity: Severity::High,
    section: "9",
    summary: "A public address appears in the tree but the declaration does not list it for that file.",
    doc: RuleDoc {
        what: "With `--baseline FILE --check`, every public address found in a configuration file or script is looked up in the declaration by file and exact text; each one missing, or whose row still has origin or purpose `(to fill)`, is reported.",
        why: "An undeclared address is a host the software contacts that users were not told about: a new mirror, a download URL, a telemetry endpoint or a leftover test server. The statement requires the declaration to be complete; this rule keeps it complete on every change.",
        example: "A pull request adds `curl -fsSL https://get.example-cdn.net/install.sh | sh` to `scripts/setup.sh`, and the declaration has no row for it.",
        fix: "If the address is wanted, run `torchward urls . --baseline FILE --write-baseline FILE` and fill in origin, upstream and purpose for the new row; otherwise remove the address.",
        references: &["Security statement section 9 (public network address declaration)", "docs/urls.md (the CI gate)"],
    },
};

/// The finding for an undeclared `address` in `file` (shown as `path`); `incomplete` is its
/// declaration row when one exists but is not filled in.
pub fn finding(address: &Address, path: &str, file: &str, incomplete: Option<&Entry>) -> Finding {
    let location = Location {
        end_line: Some(address.line),
        end_column: Some(address.end_column),
        ..Location::path(path).with_line(address.line, address.column)
    };
    let message = if incomplete.is_some() {
        format!(
            "public {} `{}` in `{file}`: its declaration row still has origin or purpose `{TO_FILL}`",
            address.kind, address.text
        )
    } else {
        format!(
            "public {} `{}` is not declared for `{file}`",
            address.kind, address.text
        )
    };
    with_row(
        Finding::new(&RULE, location, message).with_remediation(
            "add it to the declaration (--write-baseline FILE) and fill in origin, upstream and purpose, or remove it",
        ),
        address,
        file,
        incomplete,
    )
}
