//! TW500 `public-address`: one public address in a configuration file or script, with what the
//! declaration says about it. These findings are the rows of the declaration table.
use crate::address::Address;
use crate::declaration::{Entry, TO_FILL};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity, Status};

/// Metadata and documentation of TW500.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW500",
    name: "public-address",
    severity: Severity::Info,
    section: "9",
    summary: "A public URL, IP address, domain or e-mail address appears in a configuration file or script.",
    doc: RuleDoc {
        what: "Lists every public network address (URL of a host-reaching scheme, public IPv4/IPv6 address, bare domain name in a configuration value, e-mail address) found in configuration files and scripts, with the origin, upstream and purpose the declaration gives it. Addresses in loopback, private, link-local, CGNAT, documentation, benchmarking, multicast and reserved ranges, special-use names (`localhost`, `*.local`, `example.com`) and version strings are not public and are not listed.",
        why: "The security statement (section 9) requires every public address in the project's configuration files and scripts to be declared with its origin, upstream source, file and purpose, so that users know which hosts the software contacts. These findings are that table; `--format markdown` prints it.",
        example: "`RUN pip install -i https://pypi.org/simple torch` in a Dockerfile.",
        fix: "Nothing to fix: record origin, upstream and purpose in the declaration file (`--write-baseline FILE`, then fill the `(to fill)` cells).",
        references: &["Security statement section 9 (public network address declaration)", "IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890)", "Public Suffix List"],
    },
};

/// The finding for `address` in `file` (shown as `path`), with its declaration entry if any.
/// Declared addresses pass; undeclared ones, and rows still to fill, are warnings at info
/// level.
pub fn finding(address: &Address, path: &str, file: &str, declared: Option<&Entry>) -> Finding {
    let location = Location {
        end_line: Some(address.line),
        end_column: Some(address.end_column),
        ..Location::path(path).with_line(address.line, address.column)
    };
    let (status, message) = match declared.filter(|e| e.is_complete()) {
        Some(entry) => (
            Status::Pass,
            format!(
                "public {} `{}` (declared: {})",
                address.kind, address.text, entry.purpose
            ),
        ),
        None if declared.is_some() => (
            Status::Warn,
            format!(
                "public {} `{}` (declaration row not filled in)",
                address.kind, address.text
            ),
        ),
        None => (
            Status::Warn,
            format!("public {} `{}` (not declared)", address.kind, address.text),
        ),
    };
    with_row(
        Finding::new(&RULE, location, message).with_status(status),
        address,
        file,
        declared,
    )
}

/// Adds the declaration-table evidence (kind, address, file, origin, upstream, purpose) the
/// Markdown and CSV renderers read.
pub fn with_row(
    finding: Finding,
    address: &Address,
    file: &str,
    declared: Option<&Entry>,
) -> Finding {
    let field = |get: fn(&Entry) -> &str| declared.map_or(TO_FILL, get).to_owned();
    finding
        .with_evidence("kind", address.kind.as_str())
        .with_evidence("address", &address.text)
        .with_evidence("file", file)
        .with_evidence("origin", field(|e| &e.origin))
        .with_evidence("upstream", field(|e| &e.upstream))
        .with_evidence("purpose", field(|e| &e.purpose))
}
