//! Peer addresses: IPs, CIDRs and host names (resolved to every A and AAAA record), kept as
//! network prefixes in normal form: host bits cleared, sorted, overlapping prefixes merged into
//! the fewest covering prefixes. nft refuses overlapping set elements and iptables would hold
//! duplicate rules, so only normal-form lists reach a ruleset.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::str::FromStr;

/// An IPv4 or IPv6 network prefix with its host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IpNet {
    /// The network address.
    pub addr: IpAddr,
    /// Prefix length (at most 32 for IPv4, 128 for IPv6).
    pub prefix: u8,
}

/// Why a peer could not be turned into addresses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerError {
    /// `addr/len` with a bad length or address.
    #[error("`{value}` is not a valid address prefix (IPv4 /0-32, IPv6 /0-128)")]
    BadPrefix {
        /// The text given.
        value: String,
    },
    /// A host name that resolved to nothing (or failed to resolve).
    #[error("host name `{name}` did not resolve: {reason}")]
    Unresolved {
        /// The name.
        name: String,
        /// The resolver's message.
        reason: String,
    },
    /// Empty text or characters no host name has.
    #[error("`{value}` is neither an address, a prefix nor a host name")]
    Invalid {
        /// The text given.
        value: String,
    },
}

/// Which IP version a prefix belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 (`ip`, `iptables`).
    V4,
    /// IPv6 (`ip6`, `ip6tables`).
    V6,
}

impl Family {
    fn bits(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

impl IpNet {
    /// A prefix from an address and length, host bits cleared; `None` when `prefix` is too long.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let family = family_of(addr);
        if prefix > family.bits() {
            return None;
        }
        let value = to_u128(addr) & mask(family, prefix);
        Some(IpNet {
            addr: from_u128(family, value),
            prefix,
        })
    }

    /// A single host.
    pub fn host(addr: IpAddr) -> Self {
        let family = family_of(addr);
        IpNet {
            addr,
            prefix: family.bits(),
        }
    }

    /// The family of the prefix.
    pub fn family(self) -> Family {
        family_of(self.addr)
    }

    /// Whether it is one host (a /32 or /128).
    pub fn is_host(self) -> bool {
        self.prefix == self.family().bits()
    }

    /// First and last address as integers.
    pub fn bounds(self) -> (u128, u128) {
        let start = to_u128(self.addr);
        let host_bits = u32::from(self.family().bits() - self.prefix);
        let span = 1u128.checked_shl(host_bits).map_or(u128::MAX, |v| v - 1);
        (start, start | span)
    }
}

impl fmt::Display for IpNet {
    /// Hosts print as bare addresses (as nft prints them), networks as `addr/len`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_host() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl FromStr for IpNet {
    type Err = PeerError;

    /// `ADDR` or `ADDR/LEN` (no host names: see [`resolve_peer`]).
    fn from_str(text: &str) -> Result<Self, PeerError> {
        let bad = || PeerError::BadPrefix {
            value: text.to_owned(),
        };
        match text.split_once('/') {
            None => text.parse::<IpAddr>().map(IpNet::host).map_err(|_| bad()),
            Some((addr, len)) => {
                let addr: IpAddr = addr.parse().map_err(|_| bad())?;
                let len: u8 = len.parse().map_err(|_| bad())?;
                IpNet::new(addr, len).ok_or_else(bad)
            }
        }
    }
}

fn family_of(addr: IpAddr) -> Family {
    match addr {
        IpAddr::V4(_) => Family::V4,
        IpAddr::V6(_) => Family::V6,
    }
}

fn to_u128(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_u128(family: Family, value: u128) -> IpAddr {
    match family {
        // Values of the V4 family never exceed u32 (they come from to_u128 of a V4 address).
        Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX))),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(value)),
    }
}

fn mask(family: Family, prefix: u8) -> u128 {
    let bits = family.bits();
    let all = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let host_bits = u32::from(bits - prefix);
    let host = 1u128.checked_shl(host_bits).map_or(u128::MAX, |v| v - 1);
    all & !host
}

/// A peer as the user gave it and the prefixes it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// The text given (`192.168.1.2`, `10.0.0.0/24`, `node2.cluster`).
    pub given: String,
    /// What it stands for (a name: every A and AAAA record).
    pub nets: Vec<IpNet>,
}

/// Turns a peer argument into prefixes; host names resolve through the system resolver to all
/// their A and AAAA records (research b10: "resolve peer host names to all A/AAAA records").
pub fn resolve_peer(text: &str) -> Result<Peer, PeerError> {
    let text = text.trim();
    if text.contains('/') || text.parse::<IpAddr>().is_ok() {
        return Ok(Peer {
            given: text.to_owned(),
            nets: vec![text.parse()?],
        });
    }
    let valid_name = !text.is_empty()
        && text.len() <= 253
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !valid_name {
        return Err(PeerError::Invalid {
            value: text.to_owned(),
        });
    }
    let addrs = (text, 0u16)
        .to_socket_addrs()
        .map_err(|err| PeerError::Unresolved {
            name: text.to_owned(),
            reason: err.to_string(),
        })?;
    let mut nets: Vec<IpNet> = addrs.map(|sa| IpNet::host(sa.ip())).collect();
    nets.sort_unstable();
    nets.dedup();
    if nets.is_empty() {
        return Err(PeerError::Unresolved {
            name: text.to_owned(),
            reason: "no A or AAAA record".to_owned(),
        });
    }
    Ok(Peer {
        given: text.to_owned(),
        nets,
    })
}

/// Normal form of a prefix list: per family, intervals merged and split back into the fewest
/// aligned prefixes, IPv4 first.
pub fn normalize(nets: &[IpNet]) -> Vec<IpNet> {
    let mut out = Vec::new();
    for family in [Family::V4, Family::V6] {
        let mut intervals: Vec<(u128, u128)> = nets
            .iter()
            .filter(|net| net.family() == family)
            .map(|net| net.bounds())
            .collect();
        intervals.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(intervals.len());
        for (start, end) in intervals {
            match merged.last_mut() {
                Some(last) if last.1 == u128::MAX || start <= last.1 + 1 => {
                    last.1 = last.1.max(end);
                }
                _ => merged.push((start, end)),
            }
        }
        for (start, end) in merged {
            split_interval(family, start, end, &mut out);
        }
    }
    out
}

/// Appends the fewest aligned prefixes covering exactly `start..=end`.
fn split_interval(family: Family, mut start: u128, end: u128, out: &mut Vec<IpNet>) {
    let bits = family.bits();
    loop {
        // Largest block aligned at `start` that does not pass `end`.
        let mut host_bits: u32 = if start == 0 {
            u32::from(bits)
        } else {
            start.trailing_zeros().min(u32::from(bits))
        };
        while host_bits > 0 {
            let last = 1u128
                .checked_shl(host_bits)
                .map_or(u128::MAX, |size| start.saturating_add(size - 1));
            if last <= end {
                break;
            }
            host_bits -= 1;
        }
        // host_bits <= bits, so the subtraction cannot wrap.
        let prefix = bits - u8::try_from(host_bits).unwrap_or(bits);
        out.push(IpNet {
            addr: from_u128(family, start),
            prefix,
        });
        let size_minus_one = 1u128
            .checked_shl(host_bits)
            .map_or(u128::MAX, |size| size - 1);
        match start.checked_add(size_minus_one) {
            Some(last) if last < end => start = last + 1,
            _ => return,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn show(list: &[IpNet]) -> String {
        list.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn parses_hosts_and_prefixes_clearing_host_bits() {
        assert_eq!(
            "192.168.1.7/24".parse::<IpNet>().unwrap().to_string(),
            "192.168.1.0/24"
        );
        assert_eq!("fd00::1".parse::<IpNet>().unwrap().to_string(), "fd00::1");
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("::/129".parse::<IpNet>().is_err());
        assert_eq!(
            "0.0.0.0/0".parse::<IpNet>().unwrap().bounds(),
            (0, u128::from(u32::MAX))
        );
    }

    #[test]
    fn normalize_merges_into_fewest_prefixes() {
        let merged = normalize(&nets(&[
            "10.0.0.1",
            "10.0.0.0",
            "10.0.0.2",
            "10.0.0.3",
            "10.1.2.3",
            "10.1.0.0/16",
            "fd00::2",
            "fd00::3",
        ]));
        assert_eq!(show(&merged), "10.0.0.0/30 10.1.0.0/16 fd00::2/127");
        let single = normalize(&nets(&["192.168.1.1", "192.168.1.2"]));
        assert_eq!(show(&single), "192.168.1.1 192.168.1.2");
        assert_eq!(show(&normalize(&nets(&["::/0", "fd00::1"]))), "::/0");
        assert_eq!(show(&normalize(&nets(&["0.0.0.0/0"]))), "0.0.0.0/0");
    }

    #[test]
    fn peers_resolve_names_and_reject_garbage() {
        assert_eq!(
            resolve_peer("192.168.1.2").unwrap().nets,
            nets(&["192.168.1.2"])
        );
        let local = resolve_peer("localhost").unwrap();
        assert!(local.nets.iter().any(|n| n.addr.is_loopback()));
        assert!(matches!(
            resolve_peer("a b"),
            Err(PeerError::Invalid { .. })
        ));
        assert!(matches!(
            resolve_peer("10.0.0.1/99"),
            Err(PeerError::BadPrefix { .. })
        ));
    }
}
