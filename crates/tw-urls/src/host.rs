//! Whether a host name is public: it must end in a suffix of the Public Suffix List (the copy
//! embedded in the `psl` crate, see `docs/urls.md`), have a registrable label before that
//! suffix, and not be a special-use name (RFC 6761, RFC 6762, RFC 8375, RFC 2606, RFC 9476).
//! IP literals are judged by [`crate::reach`].
use crate::reach::{reach, Reach};
use std::net::IpAddr;

/// Special-use top-level names that never reach a public host.
const SPECIAL_TLDS: &[&str] = &[
    "test",
    "example",
    "invalid",
    "localhost",
    "local",
    "internal",
    "lan",
    "home",
    "corp",
    "intranet",
    "private",
    "alt",
    "onion",
];

/// Special-use second-level names (RFC 2606 reserved examples, RFC 8375 `home.arpa`).
const SPECIAL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org", "home.arpa"];

/// Whether `host` (a DNS name or an IP literal, brackets allowed, no port) is public.
pub fn host_reach(host: &str) -> Reach {
    let trimmed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let unzoned = trimmed.split('%').next().unwrap_or(trimmed);
    if let Ok(ip) = unzoned.parse::<IpAddr>() {
        return reach(ip);
    }
    domain_reach(host)
}

/// Whether a DNS name is public (see the module doc).
pub fn domain_reach(name: &str) -> Reach {
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    if lower.is_empty() || !lower.contains('.') {
        return Reach::Special("single-label name (no public suffix)");
    }
    let tld = lower.rsplit('.').next().unwrap_or("");
    if SPECIAL_TLDS.contains(&tld) {
        return Reach::Special("special-use name (RFC 6761)");
    }
    if SPECIAL_DOMAINS
        .iter()
        .any(|special| lower == *special || lower.ends_with(&format!(".{special}")))
    {
        return Reach::Special("reserved example name (RFC 2606)");
    }
    if !has_registrable_public_suffix(&lower) {
        return Reach::Special("no public suffix (Public Suffix List)");
    }
    Reach::Public
}

/// Whether the name ends in a suffix the Public Suffix List knows (not only the implicit `*`
/// rule) and has a label before that suffix. A name that is itself a suffix of the list's
/// private section (`httpbin.org`, `github.io`) is a real host and counts; a bare ICANN suffix
/// (`co.uk`, `com.cn`) does not.
pub fn has_registrable_public_suffix(lower: &str) -> bool {
    let Some(suffix) = psl::suffix(lower.as_bytes()) else {
        return false;
    };
    if !suffix.is_known() {
        return false;
    }
    psl::domain(lower.as_bytes()).is_some() || suffix.typ() == Some(psl::Type::Private)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_names() {
        for name in [
            "pypi.org",
            "httpbin.org",
            "user.github.io",
            "mirrors.aliyun.com",
            "download.pytorch.org",
            "foo.co.uk",
            "GitHub.com",
        ] {
            assert_eq!(host_reach(name), Reach::Public, "{name}");
        }
    }

    #[test]
    fn non_public_names() {
        for name in [
            "localhost",
            "master",
            "example.com",
            "www.example.org",
            "svc.cluster.local",
            "db.internal",
            "foo.test",
            "co.uk",
            "router.home.arpa",
            "foo.notatld",
            "[::1]",
            "10.0.0.1",
            "[fe80::1%eth0]",
        ] {
            assert!(!host_reach(name).is_public(), "{name}");
        }
    }
}
