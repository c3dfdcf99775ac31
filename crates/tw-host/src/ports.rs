//! The training ports of statement §12 (torchrun 29500, c10d rendezvous 29400, the HCCL span
//! from `HCCL_IF_BASE_PORT`) and the kernel's port ranges (`ip_local_port_range`,
//! `ip_local_reserved_ports`, `ip-sysctl.rst`), as inclusive ranges.
use crate::error::ConfigError;
pub use tw_ports::PortRange;

/// torchrun / torch.distributed.launch static rendezvous port (statement §12).
pub const MASTER_PORT: u16 = 29500;
/// c10d rendezvous backend port (statement §12).
pub const RDZV_PORT: u16 = 29400;
/// `HCCL_IF_BASE_PORT` default (statement §12).
pub const HCCL_BASE_PORT: u16 = 60000;

/// Parses `ip_local_port_range` (two numbers separated by whitespace).
pub fn parse_local_range(text: &str) -> Option<PortRange> {
    let mut numbers = text.split_whitespace().map(str::parse::<u16>);
    let start = numbers.next()?.ok()?;
    let end = numbers.next()?.ok()?;
    (start <= end).then_some(PortRange { start, end })
}

/// Parses `ip_local_reserved_ports` (comma-separated ports and ranges; empty is none).
pub fn parse_reserved(text: &str) -> Option<Vec<PortRange>> {
    text.trim()
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| item.parse::<PortRange>().ok())
        .collect()
}

/// The ports of `range` not covered by any of `covered`, as ranges.
pub fn uncovered(range: PortRange, covered: &[PortRange]) -> Vec<PortRange> {
    let mut out = Vec::new();
    let mut start = u32::from(range.start);
    let end = u32::from(range.end);
    while start <= end {
        let port = u16::try_from(start).unwrap_or(u16::MAX);
        if let Some(cover) = covered.iter().find(|c| c.contains(port)) {
            start = u32::from(cover.end) + 1;
            continue;
        }
        let next = covered
            .iter()
            .filter(|c| u32::from(c.start) > start)
            .map(|c| u32::from(c.start))
            .min()
            .unwrap_or(end + 1)
            .min(end + 1);
        out.push(PortRange {
            start: port,
            end: u16::try_from(next - 1).unwrap_or(u16::MAX),
        });
        start = next;
    }
    out
}

/// Sorted, merged ranges (`8080,9000-9010`), as `ip_local_reserved_ports` takes them.
pub fn merge(mut ranges: Vec<PortRange>) -> Vec<PortRange> {
    ranges.sort();
    let mut merged: Vec<PortRange> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if u32::from(range.start) <= u32::from(last.end) + 1 => {
                last.end = last.end.max(range.end);
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// Formats ranges as `ip_local_reserved_ports` takes them.
pub fn format_list(ranges: &[PortRange]) -> String {
    ranges
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The ports training listens on, with a label for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingPorts {
    /// torchrun master port.
    pub master: u16,
    /// c10d rendezvous port.
    pub rdzv: u16,
    /// The HCCL span (`HCCL_IF_BASE_PORT` and the 15 or 31 after it).
    pub hccl: PortRange,
    /// Further ports the user declared.
    pub extra: Vec<u16>,
}

impl TrainingPorts {
    /// The statement's defaults with an HCCL span of `hccl_count` ports from `hccl_base`,
    /// validated as the CANN docs require (base in [1024, 65520], 16 or 32 ports, the span
    /// inside 65535: a base of 65520 with 32 ports overflows though the docs allow it).
    pub fn new(hccl_base: u32, hccl_count: u32, extra: Vec<u16>) -> Result<Self, ConfigError> {
        if !(1024..=65520).contains(&hccl_base) {
            return Err(ConfigError::HcclBase { base: hccl_base });
        }
        if hccl_count != 16 && hccl_count != 32 {
            return Err(ConfigError::HcclCount { count: hccl_count });
        }
        let last = hccl_base + hccl_count - 1;
        let (Ok(start), Ok(end)) = (u16::try_from(hccl_base), u16::try_from(last)) else {
            return Err(ConfigError::HcclSpan {
                base: hccl_base,
                count: hccl_count,
            });
        };
        Ok(TrainingPorts {
            master: MASTER_PORT,
            rdzv: RDZV_PORT,
            hccl: PortRange { start, end },
            extra,
        })
    }

    /// What `port` is for, if it is a training port.
    pub fn label(&self, port: u16) -> Option<String> {
        if port == self.master {
            Some("torchrun master port".to_owned())
        } else if port == self.rdzv {
            Some("c10d rendezvous port".to_owned())
        } else if self.hccl.contains(port) {
            Some(format!(
                "HCCL port (base {} + {})",
                self.hccl.start,
                port - self.hccl.start
            ))
        } else if self.extra.contains(&port) {
            Some("declared training port".to_owned())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hccl_span_is_validated() {
        let ports = TrainingPorts::new(60000, 16, vec![]).unwrap();
        assert_eq!(
            ports.hccl,
            PortRange {
                start: 60000,
                end: 60015
            }
        );
        let ports = TrainingPorts::new(60000, 32, vec![]).unwrap();
        assert_eq!(ports.hccl.end, 60031);
        assert!(matches!(
            TrainingPorts::new(1000, 16, vec![]),
            Err(ConfigError::HcclBase { .. })
        ));
        assert!(matches!(
            TrainingPorts::new(65520, 32, vec![]),
            Err(ConfigError::HcclSpan { .. })
        ));
        assert!(matches!(
            TrainingPorts::new(60000, 8, vec![]),
            Err(ConfigError::HcclCount { .. })
        ));
    }

    #[test]
    fn labels_ports() {
        let ports = TrainingPorts::new(60000, 16, vec![1234]).unwrap();
        assert_eq!(ports.label(29500).unwrap(), "torchrun master port");
        assert_eq!(ports.label(60003).unwrap(), "HCCL port (base 60000 + 3)");
        assert!(ports.label(60016).is_none());
        assert!(ports.label(1234).is_some());
    }

    #[test]
    fn parses_kernel_ranges() {
        assert_eq!(
            parse_local_range("32768\t60999\n"),
            Some(PortRange {
                start: 32768,
                end: 60999
            })
        );
        assert_eq!(parse_local_range("5 1"), None);
        assert_eq!(parse_reserved("\n"), Some(vec![]));
        assert_eq!(
            parse_reserved("8080,60000-60007\n"),
            Some(vec![
                PortRange::single(8080),
                PortRange {
                    start: 60000,
                    end: 60007
                }
            ])
        );
        assert_eq!(parse_reserved("x"), None);
    }

    #[test]
    fn finds_uncovered_parts_and_merges() {
        let span = PortRange {
            start: 60000,
            end: 60015,
        };
        let covered = [
            PortRange {
                start: 60004,
                end: 60007,
            },
            PortRange::single(60015),
        ];
        assert_eq!(
            uncovered(span, &covered),
            vec![
                PortRange {
                    start: 60000,
                    end: 60003
                },
                PortRange {
                    start: 60008,
                    end: 60014
                }
            ]
        );
        assert!(uncovered(
            span,
            &[PortRange {
                start: 59000,
                end: 61000
            }]
        )
        .is_empty());
        let merged = merge(vec![
            PortRange::single(8080),
            span,
            PortRange {
                start: 60010,
                end: 60020,
            },
        ]);
        assert_eq!(format_list(&merged), "8080,60000-60020");
    }
}
