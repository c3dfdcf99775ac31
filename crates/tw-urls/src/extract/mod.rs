//! Extraction of public addresses from one file's text. The extractors run in a fixed order
//! (URLs, scp-like git remotes, e-mails, IP addresses, bare domains) and each later one skips
//! the byte ranges an earlier one claimed, so `https://8.8.8.8/` is one URL and not also an IP
//! address. Every extractor works on bytes with bounds-checked access and linear scans: no
//! input can make it panic or take more than linear time per trigger.
mod domain;
mod email;
mod ip;
mod lines;
mod placeholder;
mod url;
mod version;

pub use lines::LineIndex;

use crate::address::{Address, Kind};
use crate::filetype::Syntax;

/// A byte range an extractor claimed, with what it found there (`None` when the text is an
/// address that is not public: it is still claimed, so nothing inside it is found again).
#[derive(Debug, Clone)]
struct Claim {
    start: usize,
    end: usize,
    found: Option<Found>,
}

/// What an extractor found, before line and column are known.
#[derive(Debug, Clone)]
struct Found {
    kind: Kind,
    text: String,
    scheme: Option<String>,
    host: Option<String>,
    credentials_user: Option<String>,
}

/// Claimed ranges, kept sorted by start so overlap checks are a binary search.
#[derive(Debug, Default)]
struct Claims {
    claims: Vec<Claim>,
}

impl Claims {
    fn overlaps(&self, start: usize, end: usize) -> bool {
        let idx = self.claims.partition_point(|c| c.end <= start);
        self.claims.get(idx).is_some_and(|c| c.start < end)
    }

    /// Adds the claims of one extractor pass (which never overlap each other).
    fn extend(&mut self, new: Vec<Claim>) {
        self.claims.extend(new);
        self.claims.sort_by_key(|c| c.start);
    }
}

/// Every public address in `text`, in file order. `syntax` decides where bare domain names
/// are looked for.
pub fn extract(text: &str, syntax: Syntax) -> Vec<Address> {
    let bytes = text.as_bytes();
    let mut claims = Claims::default();
    let urls = url::urls(text);
    claims.extend(urls);
    let scp = url::scp_remotes(text, &claims);
    claims.extend(scp);
    let emails = email::emails(text, &claims);
    claims.extend(emails);
    let ips = ip::ips(text, &claims);
    claims.extend(ips);
    if syntax != Syntax::Text {
        let domains = domain::domains(text, syntax, &claims);
        claims.extend(domains);
    }
    let index = LineIndex::new(bytes);
    claims
        .claims
        .into_iter()
        .filter_map(|claim| {
            let found = claim.found?;
            let (line, column) = index.line_column(text, claim.start);
            let (_, end_column) = index.line_column(text, claim.end);
            Some(Address {
                kind: found.kind,
                text: found.text,
                offset: claim.start,
                line,
                column,
                end_column,
                scheme: found.scheme,
                host: found.host,
                credentials_user: found.credentials_user,
            })
        })
        .collect()
}

/// The byte at `idx`, or `None` past either end.
fn byte_at(bytes: &[u8], idx: Option<usize>) -> Option<u8> {
    idx.and_then(|i| bytes.get(i)).copied()
}

/// The byte before `idx`.
fn before(bytes: &[u8], idx: usize) -> Option<u8> {
    byte_at(bytes, idx.checked_sub(1))
}

#[cfg(test)]
mod tests;
