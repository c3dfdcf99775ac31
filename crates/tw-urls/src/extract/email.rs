//! E-mail addresses (the common `local@domain.tld` form of RFC 5322 addr-spec without quoted
//! local parts): the domain must be a public name, so `noreply@example.com`,
//! `root@localhost` and `pkg@1.2.3` are not reported, and must look like a mail domain: a
//! numeric first label under a TLD rarely used for mail is `name@index.attr` call notation
//! (`foo@1.bar`, as in torch's `export/unflatten.py`), and a TLD that is a source-file extension
//! (`foo-bar@baz.py`) is a file name.
use super::{before, Claim, Claims, Found};
use crate::address::Kind;
use crate::host::domain_reach;

fn is_local_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Whether `domain` (already known to have a dot and an alphabetic TLD) is not a mail domain:
/// `1.bar` (a numeric first label under an uncommon TLD; `163.com` stays) or `baz.py`
/// ([`SOURCE_EXTENSIONS`]).
fn not_a_mail_domain(domain: &str) -> bool {
    let lower = domain.to_ascii_lowercase();
    let first = lower.split('.').next().unwrap_or("");
    let tld = lower.rsplit('.').next().unwrap_or("");
    let common = super::domain::is_common_tld(tld);
    let numeric = !first.is_empty() && first.bytes().all(|c| c.is_ascii_digit());
    (numeric && !common) || SOURCE_EXTENSIONS.contains(&tld)
}

/// Extensions of source and text files that are not TLDs mail is sent under in practice
/// (`.py` Paraguay, `.sh` Saint Helena, `.md` Moldova, `.rs` Serbia are rare as mail domains,
/// and common in doctest and test strings: `foo-bar@baz.py`).
const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "pyi", "sh", "md", "rs", "txt", "json", "yaml", "yml", "toml", "cfg",
];

/// Every e-mail address outside already claimed ranges (non-public ones claimed too).
pub(super) fn emails(text: &str, claims: &Claims) -> Vec<Claim> {
    let bytes = text.as_bytes();
    let mut out: Vec<Claim> = Vec::new();
    for at in memchr::memchr_iter(b'@', bytes) {
        if out.last().is_some_and(|c| c.end > at) {
            continue;
        }
        let mut start = at;
        while before(bytes, start).is_some_and(is_local_byte) {
            start = start.saturating_sub(1);
        }
        // The local part must not start with a dot (RFC 5322 dot-atom) nor follow `/` or `:`
        // (those are URL user-info or paths), except `mailto:` (RFC 6068).
        while bytes.get(start) == Some(&b'.') && start < at {
            start = start.saturating_add(1);
        }
        let mailto = start >= 7
            && bytes
                .get(start.saturating_sub(7)..start)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"mailto:"));
        if start == at
            || (!mailto && before(bytes, start).is_some_and(|c| matches!(c, b'/' | b':')))
        {
            continue;
        }
        let domain_start = at.saturating_add(1);
        let mut end = domain_start;
        while bytes
            .get(end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        {
            end = end.saturating_add(1);
        }
        while end > domain_start
            && bytes
                .get(end.saturating_sub(1))
                .is_some_and(|c| matches!(c, b'.' | b'-'))
        {
            end = end.saturating_sub(1);
        }
        let Some(domain) = text.get(domain_start..end) else {
            continue;
        };
        let tld_alpha = domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic()));
        if !domain.contains('.')
            || !tld_alpha
            || claims.overlaps(start, end)
            || not_a_mail_domain(domain)
        {
            continue;
        }
        let found = domain_reach(domain).is_public().then(|| Found {
            kind: Kind::Email,
            text: text.get(start..end).unwrap_or("").to_owned(),
            scheme: None,
            host: Some(domain.to_owned()),
            credentials_user: None,
        });
        out.push(Claim { start, end, found });
    }
    out
}
