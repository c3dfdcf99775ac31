//! Bare IPv4 (dotted quad, RFC 791 text form without leading zeros) and IPv6 (RFC 4291
//! section 2.2 text forms, parsed by `std`) addresses, with an optional `/prefix`. A dotted quad
//! glued to letters, to more dotted numbers, or in a version context is not an address.
use super::version::is_version_context;
use super::{before, Claim, Claims, Found};
use crate::address::Kind;
use crate::reach::{reach_v4, reach_v6};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Every IP address outside claimed ranges (non-public ones claimed with no finding).
pub(super) fn ips(text: &str, claims: &Claims) -> Vec<Claim> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        let Some(&c) = bytes.get(i) else { break };
        let glued = before(bytes, i)
            .is_some_and(|p| p.is_ascii_alphanumeric() || matches!(p, b'_' | b'.' | b':'));
        if c.is_ascii_hexdigit() || c == b':' {
            if !glued {
                if let Some(claim) = v4_at(text, i).or_else(|| v6_at(text, i)) {
                    if !claims.overlaps(claim.start, claim.end) {
                        i = claim.end;
                        out.push(claim);
                        continue;
                    }
                }
            }
            // Skip the rest of this word so a run is tried once, from its start.
            while bytes
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'_'))
            {
                i = i.saturating_add(1);
            }
            continue;
        }
        i = i.saturating_add(1);
    }
    out
}

/// A dotted quad starting at `start`.
fn v4_at(text: &str, start: usize) -> Option<Claim> {
    let bytes = text.as_bytes();
    let mut i = start;
    for part in 0..4 {
        let digits_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) && i.saturating_sub(digits_start) < 4 {
            i = i.saturating_add(1);
        }
        let len = i.saturating_sub(digits_start);
        if len == 0 || len > 3 || (len > 1 && bytes.get(digits_start) == Some(&b'0')) {
            return None;
        }
        if part < 3 {
            if bytes.get(i) != Some(&b'.') {
                return None;
            }
            i = i.saturating_add(1);
        }
    }
    let addr_end = i;
    // Not followed by more of a word or a longer dotted number (`1.2.3.4.5`, `1.2.3.4a`).
    match bytes.get(addr_end) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => return None,
        Some(b'.')
            if bytes
                .get(addr_end.saturating_add(1))
                .is_some_and(u8::is_ascii_digit) =>
        {
            return None
        }
        _ => {}
    }
    let addr: Ipv4Addr = text.get(start..addr_end)?.parse().ok()?;
    if is_version_context(text, start, addr_end) {
        return Some(Claim {
            start,
            end: addr_end,
            found: None,
        });
    }
    let end = prefix_end(bytes, addr_end, 32);
    let found = reach_v4(addr).is_public().then(|| Found {
        kind: Kind::Ip,
        text: text.get(start..end).unwrap_or("").to_owned(),
        scheme: None,
        host: None,
        credentials_user: None,
    });
    Some(Claim { start, end, found })
}

/// An IPv6 address starting at `start`: the longest run of hex digits, colons and dots with
/// at least two colons that `std` parses (a trailing `:` or `.` is sentence punctuation).
fn v6_at(text: &str, start: usize) -> Option<Claim> {
    let bytes = text.as_bytes();
    let mut run_end = start;
    while bytes
        .get(run_end)
        .is_some_and(|c| c.is_ascii_hexdigit() || matches!(c, b':' | b'.'))
        && run_end.saturating_sub(start) < 64
    {
        run_end = run_end.saturating_add(1);
    }
    if bytes
        .get(run_end)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return None;
    }
    let mut end = run_end;
    while end > start {
        let candidate = text.get(start..end)?;
        if candidate.bytes().filter(|&c| c == b':').count() < 2 {
            return None;
        }
        if let Ok(addr) = candidate.parse::<Ipv6Addr>() {
            let mut claim_end = end;
            // A zone index (`fe80::1%eth0`) belongs to the address.
            if bytes.get(claim_end) == Some(&b'%') {
                claim_end = claim_end.saturating_add(1);
                while bytes.get(claim_end).is_some_and(u8::is_ascii_alphanumeric) {
                    claim_end = claim_end.saturating_add(1);
                }
            }
            let claim_end = prefix_end(bytes, claim_end, 128);
            let found = reach_v6(addr).is_public().then(|| Found {
                kind: Kind::Ip,
                text: text.get(start..claim_end).unwrap_or("").to_owned(),
                scheme: None,
                host: None,
                credentials_user: None,
            });
            return Some(Claim {
                start,
                end: claim_end,
                found,
            });
        }
        match bytes.get(end.saturating_sub(1)) {
            Some(b':' | b'.') => end = end.saturating_sub(1),
            _ => return None,
        }
    }
    None
}

/// Past a `/len` CIDR suffix (len <= `max`) at `end`, if there is one.
fn prefix_end(bytes: &[u8], end: usize, max: u32) -> usize {
    if bytes.get(end) != Some(&b'/') {
        return end;
    }
    let digits_start = end.saturating_add(1);
    let mut i = digits_start;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) && i.saturating_sub(digits_start) < 3 {
        i = i.saturating_add(1);
    }
    let value = bytes
        .get(digits_start..i)
        .and_then(|d| std::str::from_utf8(d).ok())
        .and_then(|d| d.parse::<u32>().ok());
    let word_continues = bytes
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'.' | b'_'));
    match value {
        Some(len) if len <= max && !word_continues => i,
        _ => end,
    }
}
