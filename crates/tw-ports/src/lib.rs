//! Inclusive TCP port ranges, shared by the host audit (`tw-host`: training ports against the
//! kernel's ephemeral range), the firewall (`tw-firewall`) and the launcher, and their normal
//! form: sorted, merged, never empty, so that two plans with the same ports render to the
//! same ruleset (nft refuses overlapping interval elements, so merging is also what makes a
//! plan loadable).
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An inclusive port range (`start <= end` always holds for values built by this module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PortRange {
    /// First port.
    pub start: u16,
    /// Last port (inclusive).
    pub end: u16,
}

/// Why a port or port range did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Not a decimal number in 1..=65535.
    #[error("`{value}` is not a port number (1-65535)")]
    NotAPort {
        /// The text given.
        value: String,
    },
    /// `a-b` with `a > b`.
    #[error("port range `{value}` ends before it starts")]
    Reversed {
        /// The text given.
        value: String,
    },
}

impl PortRange {
    /// One port.
    pub fn single(port: u16) -> Self {
        PortRange {
            start: port,
            end: port,
        }
    }

    /// `start..=end`, or `None` when `start > end`.
    pub fn new(start: u16, end: u16) -> Option<Self> {
        (start <= end).then_some(PortRange { start, end })
    }

    /// `count` ports from `base`, or `None` when the span passes 65535 or `count` is 0.
    pub fn span(base: u16, count: u16) -> Option<Self> {
        let last = u32::from(base) + u32::from(count.checked_sub(1)?);
        Some(PortRange {
            start: base,
            end: u16::try_from(last).ok()?,
        })
    }

    /// How many ports the range holds.
    pub fn len(self) -> u32 {
        u32::from(self.end) - u32::from(self.start) + 1
    }

    /// Always false: a range holds at least one port (kept for clippy's `len_without_is_empty`).
    pub fn is_empty(self) -> bool {
        false
    }

    /// Whether the two ranges share a port.
    pub fn overlaps(self, other: PortRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// Whether `port` is inside.
    pub fn contains(self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }

    /// The ports both ranges hold, if any.
    pub fn intersect(self, other: PortRange) -> Option<PortRange> {
        PortRange::new(self.start.max(other.start), self.end.min(other.end))
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// Parses one port (`1..=65535`; 0 is not a port anyone can listen on by number).
pub fn parse_port(text: &str) -> Result<u16, PortError> {
    let trimmed = text.trim();
    match trimmed.parse::<u16>() {
        Ok(port) if port > 0 && trimmed.bytes().all(|b| b.is_ascii_digit()) => Ok(port),
        _ => Err(PortError::NotAPort {
            value: text.to_owned(),
        }),
    }
}

impl FromStr for PortRange {
    type Err = PortError;

    /// `N` or `A-B` (also `A:B`, the iptables spelling).
    fn from_str(text: &str) -> Result<Self, PortError> {
        match text.split_once(['-', ':']) {
            None => parse_port(text).map(PortRange::single),
            Some((a, b)) => {
                let (start, end) = (parse_port(a)?, parse_port(b)?);
                PortRange::new(start, end).ok_or_else(|| PortError::Reversed {
                    value: text.to_owned(),
                })
            }
        }
    }
}

/// Sorts and merges overlapping or adjacent ranges.
pub fn normalize(mut ranges: Vec<PortRange>) -> Vec<PortRange> {
    ranges.sort_unstable();
    let mut out: Vec<PortRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if u32::from(range.start) <= u32::from(last.end) + 1 => {
                last.end = last.end.max(range.end);
            }
            _ => out.push(range),
        }
    }
    out
}

/// `a, b-c` for messages and tables.
pub fn join(ranges: &[PortRange]) -> String {
    ranges
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_ports_and_ranges() {
        assert_eq!("29500".parse(), Ok(PortRange::single(29500)));
        assert_eq!(
            "60000-60015".parse(),
            Ok(PortRange::new(60000, 60015).unwrap())
        );
        assert!("0".parse::<PortRange>().is_err());
        assert!("65536".parse::<PortRange>().is_err());
        assert!("+5".parse::<PortRange>().is_err());
        assert!(matches!(
            "9-3".parse::<PortRange>(),
            Err(PortError::Reversed { .. })
        ));
    }

    #[test]
    fn intersections() {
        let a = PortRange::new(100, 200).unwrap();
        assert_eq!(
            a.intersect(PortRange::new(150, 300).unwrap()),
            PortRange::new(150, 200)
        );
        assert_eq!(a.intersect(PortRange::single(201)), None);
        assert!(a.overlaps(PortRange::single(200)) && !a.overlaps(PortRange::single(99)));
    }

    #[test]
    fn span_checks_overflow() {
        assert_eq!(PortRange::span(60000, 16), PortRange::new(60000, 60015));
        assert_eq!(PortRange::span(65520, 32), None);
        assert_eq!(PortRange::span(65520, 16), PortRange::new(65520, 65535));
        assert_eq!(PortRange::span(1, 0), None);
    }

    #[test]
    fn normalize_merges_overlaps_and_neighbours() {
        let merged = normalize(vec![
            PortRange::single(29500),
            PortRange::single(29499),
            PortRange::span(60000, 16).unwrap(),
            PortRange::single(60010),
        ]);
        assert_eq!(join(&merged), "29499-29500, 60000-60015");
    }
}
