//! Whether an IP address is publicly reachable, per the IANA IPv4 and IPv6 Special-Purpose
//! Address Registries (RFC 6890 and its updates). `IpAddr::is_global` is unstable on rustc
//! 1.95, so the ranges are listed here; every range whose "Globally Reachable" column is
//! `False` or `N/A` is not public. IPv4-mapped, IPv4-compatible, 6to4 and NAT64 addresses are
//! judged by the IPv4 address they carry, so `::ffff:127.0.0.1` is never public.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether an address is public, and if not, which special-purpose range it falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Globally reachable: it must be declared.
    Public,
    /// In a special-purpose range (the range's registry name), so not a public address.
    Special(&'static str),
}

impl Reach {
    /// Whether the address is public.
    pub fn is_public(self) -> bool {
        self == Reach::Public
    }
}

/// IPv4 special-purpose ranges that are not globally reachable (network, prefix length,
/// registry name). Multicast (RFC 5771) and the limited broadcast address are included: they
/// never name one public host.
const V4_SPECIAL: &[(u32, u8, &str)] = &[
    (0x0000_0000, 8, "this network (RFC 791)"),
    (0x0A00_0000, 8, "private use (RFC 1918)"),
    (0x6440_0000, 10, "shared address space / CGNAT (RFC 6598)"),
    (0x7F00_0000, 8, "loopback (RFC 1122)"),
    (0xA9FE_0000, 16, "link local (RFC 3927)"),
    (0xAC10_0000, 12, "private use (RFC 1918)"),
    (0xC000_0000, 24, "IETF protocol assignments (RFC 6890)"),
    (0xC000_0200, 24, "documentation TEST-NET-1 (RFC 5737)"),
    (0xC058_6300, 24, "deprecated 6to4 relay anycast (RFC 7526)"),
    (0xC0A8_0000, 16, "private use (RFC 1918)"),
    (0xC612_0000, 15, "benchmarking (RFC 2544)"),
    (0xC633_6400, 24, "documentation TEST-NET-2 (RFC 5737)"),
    (0xCB00_7100, 24, "documentation TEST-NET-3 (RFC 5737)"),
    (0xE000_0000, 4, "multicast (RFC 5771)"),
    (0xF000_0000, 4, "reserved (RFC 1112)"),
];

/// The two addresses inside 192.0.0.0/24 the registry marks globally reachable (PCP and TURN
/// anycast, RFC 7723 and RFC 8155).
const V4_GLOBAL_EXCEPTIONS: &[u32] = &[0xC000_0009, 0xC000_000A];

/// IPv6 special-purpose ranges that are not globally reachable, checked inside `2000::/3` and
/// before the embedded-IPv4 forms (network, prefix length, registry name).
const V6_SPECIAL: &[(u128, u8, &str)] = &[
    (
        0x0100_0000_0000_0000_0000_0000_0000_0000,
        64,
        "discard-only (RFC 6666)",
    ),
    (
        0x0064_ff9b_0001_0000_0000_0000_0000_0000,
        48,
        "local-use IPv4/IPv6 translation (RFC 8215)",
    ),
    (
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        32,
        "documentation (RFC 3849)",
    ),
    (
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        20,
        "documentation (RFC 9637)",
    ),
    (
        0x5f00_0000_0000_0000_0000_0000_0000_0000,
        16,
        "segment routing SIDs (RFC 9602)",
    ),
    (
        0xfc00_0000_0000_0000_0000_0000_0000_0000,
        7,
        "unique local (RFC 4193)",
    ),
    (
        0xfe80_0000_0000_0000_0000_0000_0000_0000,
        10,
        "link-local unicast (RFC 4291)",
    ),
    (
        0xfec0_0000_0000_0000_0000_0000_0000_0000,
        10,
        "site-local, deprecated (RFC 3879)",
    ),
    (
        0xff00_0000_0000_0000_0000_0000_0000_0000,
        8,
        "multicast (RFC 4291)",
    ),
];

/// Inside `2001::/23` (IETF protocol assignments, not globally reachable) these blocks are
/// globally reachable per the registry: AMT, AS112-v6, `ORCHIDv2`, Drone Remote ID, and the
/// two anycast addresses.
const V6_2001_GLOBAL: &[(u128, u8)] = &[
    (0x2001_0001_0000_0000_0000_0000_0000_0001, 128),
    (0x2001_0001_0000_0000_0000_0000_0000_0002, 128),
    (0x2001_0003_0000_0000_0000_0000_0000_0000, 32),
    (0x2001_0004_0112_0000_0000_0000_0000_0000, 48),
    (0x2001_0020_0000_0000_0000_0000_0000_0000, 28),
    (0x2001_0030_0000_0000_0000_0000_0000_0000, 28),
];

/// Whether `addr` is public.
pub fn reach(addr: IpAddr) -> Reach {
    match addr {
        IpAddr::V4(v4) => reach_v4(v4),
        IpAddr::V6(v6) => reach_v6(v6),
    }
}

/// Whether an IPv4 address is public (IANA IPv4 Special-Purpose Address Registry).
pub fn reach_v4(addr: Ipv4Addr) -> Reach {
    let bits = u32::from(addr);
    if bits == u32::MAX {
        return Reach::Special("limited broadcast (RFC 919)");
    }
    if V4_GLOBAL_EXCEPTIONS.contains(&bits) {
        return Reach::Public;
    }
    for &(net, len, name) in V4_SPECIAL {
        if in_v4(bits, net, len) {
            return Reach::Special(name);
        }
    }
    Reach::Public
}

/// Whether an IPv6 address is public (IANA IPv6 Special-Purpose Address Registry; outside
/// `2000::/3` nothing is allocated as global unicast).
pub fn reach_v6(addr: Ipv6Addr) -> Reach {
    let bits = u128::from(addr);
    if bits == 0 {
        return Reach::Special("unspecified (RFC 4291)");
    }
    if bits == 1 {
        return Reach::Special("loopback (RFC 4291)");
    }
    // IPv4-mapped ::ffff:0:0/96 (RFC 4291) and NAT64 64:ff9b::/96 (RFC 6052) stand for the
    // IPv4 address in their low 32 bits; judge that one.
    if let Some(v4) = addr.to_ipv4_mapped() {
        return reach_v4(v4);
    }
    if in_v6(bits, 0x0064_ff9b_0000_0000_0000_0000_0000_0000, 96) {
        return reach_v4(low_v4(bits));
    }
    for &(net, len, name) in V6_SPECIAL {
        if in_v6(bits, net, len) {
            return Reach::Special(name);
        }
    }
    // 2001::/23 holds Teredo (2001::/32), benchmarking (2001:2::/48) and ORCHID (2001:10::/28,
    // deprecated); only the listed exceptions are globally reachable.
    if in_v6(bits, 0x2001_0000_0000_0000_0000_0000_0000_0000, 23) {
        if V6_2001_GLOBAL
            .iter()
            .any(|&(net, len)| in_v6(bits, net, len))
        {
            return Reach::Public;
        }
        return Reach::Special(
            if in_v6(bits, 0x2001_0000_0000_0000_0000_0000_0000_0000, 32) {
                "Teredo (RFC 4380)"
            } else if in_v6(bits, 0x2001_0002_0000_0000_0000_0000_0000_0000, 48) {
                "benchmarking (RFC 5180)"
            } else if in_v6(bits, 0x2001_0010_0000_0000_0000_0000_0000_0000, 28) {
                "ORCHID, deprecated (RFC 4843)"
            } else {
                "IETF protocol assignments (RFC 2928)"
            },
        );
    }
    // 6to4 2002::/16 (RFC 3056): the registry leaves it N/A; the address stands for the IPv4
    // address in bits 16..48, so judge that one.
    if in_v6(bits, 0x2002_0000_0000_0000_0000_0000_0000_0000, 16) {
        let embedded = u32::try_from((bits >> 80) & 0xffff_ffff).unwrap_or(0);
        return reach_v4(Ipv4Addr::from(embedded));
    }
    if !in_v6(bits, 0x2000_0000_0000_0000_0000_0000_0000_0000, 3) {
        return Reach::Special("reserved by IETF, outside global unicast 2000::/3 (RFC 4291)");
    }
    Reach::Public
}

fn low_v4(bits: u128) -> Ipv4Addr {
    Ipv4Addr::from(u32::try_from(bits & 0xffff_ffff).unwrap_or(0))
}

fn in_v4(bits: u32, net: u32, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    bits & mask == net & mask
}

fn in_v6(bits: u128, net: u128, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    bits & mask == net & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> Reach {
        text.parse::<Ipv4Addr>()
            .map_or(Reach::Special("unparsed"), reach_v4)
    }

    fn v6(text: &str) -> Reach {
        text.parse::<Ipv6Addr>()
            .map_or(Reach::Special("unparsed"), reach_v6)
    }

    #[test]
    fn ipv4_special_ranges_are_not_public() {
        for addr in [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "169.254.1.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.2.7",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.9",
            "203.0.113.5",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!v4(addr).is_public(), "{addr} should not be public");
        }
    }

    #[test]
    fn ipv4_public_neighbours_are_public() {
        for addr in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.0.9",
            "192.0.0.10",
            "192.0.3.1",
            "192.31.196.1",
            "192.52.193.1",
            "192.175.48.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert_eq!(v4(addr), Reach::Public, "{addr} should be public");
        }
    }

    #[test]
    fn ipv6_special_ranges_are_not_public() {
        for addr in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:10::1",
            "2001:db8::1",
            "2002:c0a8:0101::1",
            "3fff::1",
            "3fff:0fff::1",
            "5f00::1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "1::2",
            "4000::1",
        ] {
            assert!(!v6(addr).is_public(), "{addr} should not be public");
        }
    }

    #[test]
    fn ipv6_public_and_embedded_public_v4() {
        for addr in [
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
            "2001:1::1",
            "2001:3::1",
            "2001:4:112::1",
            "2001:20::1",
            "2001:30::1",
            "3fff:1000::1",
        ] {
            assert_eq!(v6(addr), Reach::Public, "{addr} should be public");
        }
    }

    #[test]
    fn names_the_range() {
        assert_eq!(
            v4("100.64.0.1"),
            Reach::Special("shared address space / CGNAT (RFC 6598)")
        );
        assert_eq!(v6("2001::1"), Reach::Special("Teredo (RFC 4380)"));
    }
}
