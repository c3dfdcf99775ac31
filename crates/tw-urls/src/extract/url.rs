//! URLs (`scheme://authority/...`, RFC 3986) and scp-like git remotes (`git@host:org/repo.git`).
//! A URL ends at whitespace, a quote, a backtick, `<`, `>` or a backslash; placeholders
//! (`${VAR}`, `$(cmd)`, `{name}`) are kept whole; then trailing sentence punctuation, quotes
//! and unbalanced closing brackets are trimmed (`(see https://x.org/a_(b))` keeps `a_(b)`).
use super::placeholder::{has_placeholder, placeholder_end};
use super::{before, Claim, Claims, Found};
use crate::address::Kind;
use crate::host::{domain_reach, host_reach};

/// Schemes that name no host even with `//` (`file:///etc`).
const HOSTLESS_SCHEMES: &[&str] = &["file", "about", "data", "javascript", "urn", "blob"];

/// Object-storage schemes whose authority is a bucket on a public cloud, not a DNS name.
const BUCKET_SCHEMES: &[&str] = &[
    "s3", "s3a", "s3n", "gs", "gcs", "oss", "obs", "cos", "az", "abfs", "abfss", "wasb", "wasbs",
];

const MAX_SCHEME: usize = 32;

/// Every URL in `text`, public or not (non-public ones are claimed with no finding).
pub(super) fn urls(text: &str) -> Vec<Claim> {
    let bytes = text.as_bytes();
    let mut claims = Vec::new();
    let mut last_end = 0usize;
    // When a URL runs into the next one (`s@http://a/x@https://b/y@g` in a sed command), the
    // byte between them is a delimiter the next URL also stops at.
    let mut delimiter: Option<u8> = None;
    for sep in memchr::memmem::find_iter(bytes, b"://") {
        if sep < last_end {
            continue;
        }
        let Some(start) = scheme_start(bytes, sep) else {
            continue;
        };
        let Some(scheme) = text.get(start..sep).map(str::to_ascii_lowercase) else {
            continue;
        };
        let body_start = sep.saturating_add(3);
        let (raw_end, next_delimiter) = scan_url_end(bytes, body_start, delimiter.take());
        delimiter = next_delimiter;
        let end = trim_end(bytes, body_start, raw_end);
        if end <= body_start || HOSTLESS_SCHEMES.contains(&scheme.as_str()) {
            continue;
        }
        let Some(whole) = text.get(start..end) else {
            continue;
        };
        let Some(body) = text.get(body_start..end) else {
            continue;
        };
        last_end = end;
        let found = url_found(&scheme, whole, body);
        claims.push(Claim { start, end, found });
    }
    claims
}

/// Where the scheme before `://` at `sep` starts (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" /
/// "-" / "." )), or `None` when there is none.
fn scheme_start(bytes: &[u8], sep: usize) -> Option<usize> {
    let mut start = sep;
    while let Some(c) = before(bytes, start) {
        if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.') {
            start = start.saturating_sub(1);
        } else {
            break;
        }
        if sep.saturating_sub(start) > MAX_SCHEME {
            return None;
        }
    }
    // The scheme must begin with a letter: skip leading digits and punctuation.
    while bytes.get(start).is_some_and(|c| !c.is_ascii_alphabetic()) && start < sep {
        start = start.saturating_add(1);
    }
    (start < sep).then_some(start)
}

/// Bytes that end a URL.
fn is_terminator(c: u8) -> bool {
    c.is_ascii_whitespace()
        || c.is_ascii_control()
        || matches!(c, b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\' | b'^' | b'|')
}

/// The index just past the raw URL body starting at `start` (before trimming), stopping also
/// at `stop` and at the start of a following `scheme://`; in that last case also the byte
/// just before the following scheme, which the next URL then stops at.
fn scan_url_end(bytes: &[u8], start: usize, stop: Option<u8>) -> (usize, Option<u8>) {
    let end = scan_end(bytes, start);
    let body = bytes.get(start..end).unwrap_or(&[]);
    let mut end = end;
    let mut next_delimiter = None;
    if let Some(pos) = stop.and_then(|d| memchr::memchr(d, body)) {
        end = start.saturating_add(pos);
    }
    let body = bytes.get(start..end).unwrap_or(&[]);
    if let Some(next_sep) = memchr::memmem::find(body, b"://") {
        let absolute = start.saturating_add(next_sep);
        if let Some(scheme) = scheme_start(bytes, absolute) {
            if scheme > start {
                next_delimiter = before(bytes, scheme).filter(|c| !c.is_ascii_alphanumeric());
                end = scheme;
            }
        }
    }
    (end, next_delimiter)
}

/// The index just past a run of URL bytes starting at `start`: up to a terminator or a closing
/// `)` or `]` with no opening one inside the URL (`[text](https://x.org/a)`,
/// `[link=https://x.org]text[/link]`), so the balanced `Foo_(bar)` stays whole.
fn scan_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    let (mut parens, mut brackets) = (0usize, 0usize);
    while let Some(&c) = bytes.get(i) {
        if let Some(end) = placeholder_end(bytes, i) {
            i = end;
            continue;
        }
        // An HTML-escaped bracket or quote ends the URL (`&lt;http://x.org&gt;`).
        if c == b'&'
            && [&b"&gt;"[..], b"&lt;", b"&quot;", b"&#39;"]
                .iter()
                .any(|entity| bytes.get(i..).is_some_and(|rest| rest.starts_with(entity)))
        {
            break;
        }
        if is_terminator(c) {
            break;
        }
        match c {
            b'(' => parens = parens.saturating_add(1),
            b'[' => brackets = brackets.saturating_add(1),
            b')' if parens == 0 => break,
            b']' if brackets == 0 => break,
            b')' => parens = parens.saturating_sub(1),
            b']' => brackets = brackets.saturating_sub(1),
            _ => {}
        }
        i = i.saturating_add(1);
    }
    i
}

/// Drops trailing punctuation and unbalanced closing brackets from `start..end`.
fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start {
        let Some(&last) = bytes.get(end.saturating_sub(1)) else {
            break;
        };
        let drop = match last {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'*' | b'\'' | b'"' | b'@' => true,
            b')' => unbalanced(bytes, start, end, b'(', b')'),
            b']' => unbalanced(bytes, start, end, b'[', b']'),
            b'}' => unbalanced(bytes, start, end, b'{', b'}'),
            _ => false,
        };
        if !drop {
            break;
        }
        end = end.saturating_sub(1);
    }
    end
}

/// Whether `start..end` has more `close` than `open` brackets (placeholders count as balanced
/// because they are).
fn unbalanced(bytes: &[u8], start: usize, end: usize, open: u8, close: u8) -> bool {
    let slice = bytes.get(start..end).unwrap_or(&[]);
    let opens = memchr::memchr_iter(open, slice).count();
    let closes = memchr::memchr_iter(close, slice).count();
    closes > opens
}

/// The finding for one URL, or `None` when its host is not public.
fn url_found(scheme: &str, whole: &str, body: &str) -> Option<Found> {
    let authority_end = authority_end(body);
    let authority = body.get(..authority_end)?;
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (authority.get(..at), authority.get(at.saturating_add(1)..)?),
        None => (None, authority),
    };
    let host = host_of(hostport);
    if host.is_empty() {
        return None;
    }
    if !host_is_public(scheme, host) {
        return None;
    }
    let mut text = whole.to_owned();
    let mut credentials_user = None;
    if let Some((user, password)) = userinfo.and_then(|u| u.split_once(':')) {
        if !password.is_empty() && !has_placeholder(password) {
            credentials_user = Some(user.to_owned());
            text = format!(
                "{}{user}:****@{}",
                whole.get(..whole.len().saturating_sub(body.len()))?,
                body.get(authority_end.saturating_sub(hostport.len())..)?
            );
        }
    }
    Some(Found {
        kind: Kind::Url,
        text,
        scheme: Some(scheme.to_owned()),
        host: Some(host.to_owned()),
        credentials_user,
    })
}

/// Where the authority ends (first `/`, `?` or `#` outside a placeholder).
fn authority_end(body: &str) -> usize {
    let bytes = body.as_bytes();
    let mut i = 0usize;
    while let Some(&c) = bytes.get(i) {
        if let Some(end) = placeholder_end(bytes, i) {
            i = end;
            continue;
        }
        if matches!(c, b'/' | b'?' | b'#') {
            return i;
        }
        i = i.saturating_add(1);
    }
    bytes.len()
}

/// The host of `host[:port]` or `[v6]:port`.
fn host_of(hostport: &str) -> &str {
    if hostport.starts_with('[') {
        return hostport
            .find(']')
            .and_then(|close| hostport.get(..=close))
            .unwrap_or(hostport);
    }
    let bytes = hostport.as_bytes();
    let mut i = 0usize;
    while let Some(&c) = bytes.get(i) {
        if let Some(end) = placeholder_end(bytes, i) {
            i = end;
            continue;
        }
        if c == b':' {
            return hostport.get(..i).unwrap_or(hostport);
        }
        i = i.saturating_add(1);
    }
    hostport
}

/// Whether a URL host is public. A host with a placeholder is public when its literal tail is a
/// public domain (`${REGION}.amazonaws.com`); a host that is only a placeholder names no
/// address here (the place that sets the variable does). Bucket schemes name a public cloud.
fn host_is_public(scheme: &str, host: &str) -> bool {
    if has_placeholder(host) {
        let bytes = host.as_bytes();
        let mut tail_start = 0usize;
        let mut i = 0usize;
        while i < bytes.len() {
            if let Some(end) = placeholder_end(bytes, i) {
                tail_start = end;
                i = end;
            } else {
                i = i.saturating_add(1);
            }
        }
        let tail = host.get(tail_start..).unwrap_or("");
        return tail
            .strip_prefix('.')
            .is_some_and(|name| domain_reach(name).is_public());
    }
    if BUCKET_SCHEMES.contains(&scheme) && !host.contains('.') {
        return true;
    }
    host_reach(host).is_public()
}

/// scp-like git remotes `user@host:path` (git-clone(1) "GIT URLS"): the user is a login name,
/// the host has a dot, the path starts right after the colon and is a repository path.
pub(super) fn scp_remotes(text: &str, claims: &Claims) -> Vec<Claim> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for at in memchr::memchr_iter(b'@', bytes) {
        let mut start = at;
        while before(bytes, start)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
        {
            start = start.saturating_sub(1);
        }
        if start == at
            || before(bytes, start).is_some_and(|c| matches!(c, b'/' | b':' | b'+' | b'%'))
        {
            continue;
        }
        let host_start = at.saturating_add(1);
        let mut colon = host_start;
        while bytes
            .get(colon)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.'))
        {
            colon = colon.saturating_add(1);
        }
        if bytes.get(colon) != Some(&b':') || colon == host_start {
            continue;
        }
        let path_start = colon.saturating_add(1);
        let raw_end = scan_end(bytes, path_start);
        let end = trim_end(bytes, path_start, raw_end);
        let Some(path) = text.get(path_start..end) else {
            continue;
        };
        let repo_like = !path.starts_with("//")
            && path.bytes().next().is_some_and(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'~' | b'/' | b'_' | b'.')
            })
            && (path.contains('/') || path.to_ascii_lowercase().ends_with(".git"));
        if !repo_like || claims.overlaps(start, end) {
            continue;
        }
        let Some(host) = text.get(host_start..colon) else {
            continue;
        };
        let found = host_reach(host).is_public().then(|| Found {
            kind: Kind::Url,
            text: text.get(start..end).unwrap_or("").to_owned(),
            scheme: Some("git".to_owned()),
            host: Some(host.to_owned()),
            credentials_user: None,
        });
        out.push(Claim { start, end, found });
    }
    out
}
