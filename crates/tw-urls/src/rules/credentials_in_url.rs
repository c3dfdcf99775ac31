//! TW504 `credentials-in-url`: a URL that embeds a literal password (`user:pass@host`). The
//! password never appears in the report (it is shown as `****`); a password that is a
//! placeholder (`${TOKEN}`, `$PASS`, `{password}`) is not a secret in the file and is not
//! reported.
use crate::address::Address;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW504.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW504",
    name: "credentials-in-url",
    severity: Severity::Critical,
    section: "9",
    summary: "A URL to a public host embeds a user name and a literal password.",
    doc: RuleDoc {
        what: "Reports URLs whose user-info part carries a password written into the file (`https://user:secret@host/`), for public hosts. Placeholders (`${TOKEN}`, `$PASS`, `{password}`) are not reported. The password is masked in every output.",
        why: "A password in a configuration file or script is readable by everyone who can read the repository, its forks, CI logs and built images, and it cannot be rotated without a commit. Package-index tokens in `pip.conf` or `requirements.txt` are a common leak.",
        example: "`extra-index-url = https://deploy:p4ssw0rd@pypi.internal-mirror.com/simple`",
        fix: "Remove the password, rotate it, and pass it at run time: `https://${PIP_USER}:${PIP_TOKEN}@host/simple`, a netrc file with mode 600, or a keyring.",
        references: &["Security statement section 9", "CWE-798: Use of Hard-coded Credentials", "RFC 3986 section 3.2.1 (user information is deprecated for passwords)"],
    },
};

/// The finding for `address`, which has `credentials_user`, in `path`.
pub fn finding(address: &Address, path: &str) -> Finding {
    let location = Location {
        end_line: Some(address.line),
        end_column: Some(address.end_column),
        ..Location::path(path).with_line(address.line, address.column)
    };
    let user = address.credentials_user.as_deref().unwrap_or("");
    Finding::new(
        &RULE,
        location,
        format!("URL embeds the password of user `{user}`: `{}`", address.text),
    )
    .with_evidence("address", &address.text)
    .with_remediation("remove the password from the file, rotate it, and pass it from the environment or a netrc file at run time")
}
