//! The communication matrix of statement §12, computed for one job from launcher flags and the
//! environment torchrun and HCCL read. Precedence follows torchrun: a flag wins over its
//! `PET_<OPTION>` variable (`torch/distributed/argparse_util.py`), which wins over `MASTER_*`,
//! which wins over the default. Every value that cannot be read becomes a finding, never a
//! silent default, so the ports the firewall restricts are the ports the job really opens.
use crate::port::{self, parse_port, PortRange};
use crate::rules::{
    ephemeral_overlap, hccl_base_range, invalid_address, invalid_port, loopback_master,
    port_span_overflow, random_ports,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use tw_diagnostics::{Finding, Location, RuleMeta};

/// torchrun static rendezvous (`--master-port`) default (statement §12).
pub const MASTER_PORT: u16 = 29500;
/// c10d rendezvous endpoint default port (statement §12).
pub const RDZV_PORT: u16 = 29400;
/// `HCCL_IF_BASE_PORT` default (statement §12).
pub const HCCL_BASE_PORT: u16 = 60000;
/// HCCL listening span in the statement and older CANN releases; newer releases use 32.
pub const HCCL_PORT_COUNT: u16 = 16;
/// HCCL NPU-side socket port default (`HCCL_NPU_SOCKET_PORT_RANGE`).
pub const HCCL_NPU_PORT: u16 = 16666;
/// HCCL's documented base-port range.
pub const HCCL_BASE_RANGE: (u16, u16) = (1024, 65520);

/// Launcher options as given on the command line (raw text, so bad values become findings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchFlags {
    /// `--master-addr`.
    pub master_addr: Option<String>,
    /// `--master-port`.
    pub master_port: Option<String>,
    /// `--rdzv-backend` (`static`, `c10d`, `etcd`, ...).
    pub rdzv_backend: Option<String>,
    /// `--rdzv-endpoint host[:port]`.
    pub rdzv_endpoint: Option<String>,
    /// `--standalone`.
    pub standalone: bool,
    /// `--nnodes` (`N` or `MIN:MAX`).
    pub nnodes: Option<String>,
    /// `--nproc-per-node` (a number, or `gpu`, `cpu`, `auto` ...).
    pub nproc_per_node: Option<String>,
    /// `--node-rank`.
    pub node_rank: Option<String>,
    /// `--rdzv-id`.
    pub rdzv_id: Option<String>,
    /// `--max-restarts`.
    pub max_restarts: Option<String>,
}

/// The kernel's port ranges (`ip-sysctl.rst`), read by the caller (tests pass their own).
#[derive(Debug, Clone, Default)]
pub struct KernelPorts {
    /// `net.ipv4.ip_local_port_range`.
    pub local_range: Option<PortRange>,
    /// `net.ipv4.ip_local_reserved_ports`.
    pub reserved: Vec<PortRange>,
}

impl KernelPorts {
    /// Reads both sysctls under `proc_sys` (normally `/proc/sys`); missing files give nothing.
    pub fn read(proc_sys: &std::path::Path) -> KernelPorts {
        let read = |name: &str| {
            tw_fs::read_to_string_bounded(proc_sys.join("net/ipv4").join(name), 64 * 1024).ok()
        };
        let local_range = read("ip_local_port_range").and_then(|text| {
            let mut words = text.split_whitespace().map(parse_port);
            match (words.next(), words.next()) {
                (Some(Ok(a)), Some(Ok(b))) => PortRange::new(a, b),
                _ => None,
            }
        });
        let reserved = read("ip_local_reserved_ports")
            .map(|text| {
                text.trim()
                    .split(',')
                    .filter_map(|part| part.parse::<PortRange>().ok())
                    .collect()
            })
            .unwrap_or_default();
        KernelPorts {
            local_range,
            reserved: port::normalize(reserved),
        }
    }
}

/// Everything the matrix is computed from.
#[derive(Debug, Clone)]
pub struct MatrixSources {
    /// Launcher flags.
    pub flags: LaunchFlags,
    /// The environment (only the variables named in this module are read).
    pub env: BTreeMap<String, String>,
    /// HCCL listening span (16 or 32, by CANN release).
    pub hccl_port_count: u16,
    /// Kernel port ranges.
    pub kernel: KernelPorts,
}

/// Which column of the statement's table an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// `PyTorch` (torchrun, `torch.distributed`).
    Pytorch,
    /// HCCL (Ascend collective communication).
    Hccl,
}

/// One listening service of the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// Column of the statement's table.
    pub framework: Framework,
    /// What listens (`torchrun store (static rendezvous)`, `HCCL host sockets`, ...).
    pub service: String,
    /// Listening ports (empty when they are random, see `random_ports`).
    pub ports: Vec<PortRange>,
    /// Where the ports came from (`--master-port`, `PET_MASTER_PORT`, `default`, ...).
    pub origin: String,
    /// Whether the ports are on the host's NICs (and so covered by a host firewall); HCCL's
    /// NPU-side sockets live on the NPU's own network interface.
    pub host_side: bool,
    /// Whether the service also opens ports chosen at run time.
    pub random_ports: bool,
    /// Address the service is reached at, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// The computed matrix: endpoints, the values it was derived from, and the findings.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    /// Listening services.
    pub endpoints: Vec<Endpoint>,
    /// `PyTorch` source ports (the kernel's ephemeral range).
    pub pytorch_source_ports: Option<PortRange>,
    /// HCCL source ports (its base-port span).
    pub hccl_source_ports: Option<PortRange>,
    /// HCCL span size used.
    pub hccl_port_count: u16,
    /// Interface named by `HCCL_SOCKET_IFNAME`, `GLOO_SOCKET_IFNAME` or `NCCL_SOCKET_IFNAME`
    /// (the first plain name, in that order), a hint for `--interface`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_hint: Option<String>,
    /// The job's shape from the launch line: nodes (`--nnodes`), processes per node
    /// (`--nproc-per-node`), this node's rank (`--node-rank`).
    pub job: JobShape,
    /// The kernel's port ranges the matrix was judged against.
    #[serde(skip)]
    pub kernel: KernelPorts,
    /// Problems with the inputs.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// The job's shape as the launch line gives it (raw text: torchrun accepts `1:4` for elastic
/// node counts and `gpu`/`auto` for processes per node).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobShape {
    /// `--nnodes` (`PET_NNODES`); default 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nnodes: Option<String>,
    /// `--nproc-per-node` (`PET_NPROC_PER_NODE`); default 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nproc_per_node: Option<String>,
    /// `--node-rank` (`PET_NODE_RANK`); node rank 0 hosts the static rendezvous store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_rank: Option<String>,
}

/// A value and where it came from.
struct Sourced<'a> {
    value: &'a str,
    origin: &'static str,
}

fn pick<'a>(
    flag: Option<&'a String>,
    flag_name: &'static str,
    sources: &'a MatrixSources,
    vars: &[&'static str],
) -> Option<Sourced<'a>> {
    if let Some(value) = flag {
        return Some(Sourced {
            value,
            origin: flag_name,
        });
    }
    vars.iter().find_map(|var| {
        sources
            .env
            .get(*var)
            .filter(|v| !v.trim().is_empty())
            .map(|value| Sourced { value, origin: var })
    })
}

fn finding(rule: &RuleMeta, origin: &str, message: String, value: &str) -> Finding {
    Finding::new(rule, Location::path(origin), message).with_evidence("value", value)
}

/// Splits `host[:port]`, `[v6]:port` or a bare IPv6 address (no port).
fn split_endpoint(text: &str) -> (&str, Option<&str>) {
    if let Some(rest) = text.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            return (host, tail.strip_prefix(':'));
        }
    }
    if text.matches(':').count() == 1 {
        if let Some((host, port)) = text.split_once(':') {
            return (host, Some(port));
        }
    }
    (text, None)
}

fn valid_host(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
        || (!host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parses `a-b[,c-d...]` or `auto` (HCCL socket port range variables).
fn parse_ranges(text: &str) -> Option<Vec<PortRange>> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Some(Vec::new());
    }
    text.split(',')
        .map(|part| part.trim().parse::<PortRange>().ok())
        .collect()
}

impl Matrix {
    /// Computes the matrix and its findings.
    pub fn compute(sources: &MatrixSources) -> Matrix {
        let mut findings = Vec::new();
        let mut endpoints = Vec::new();
        let flags = &sources.flags;

        // Master address (statement §12: --master-addr/--master-port, static backend).
        let master_addr = pick(
            flags.master_addr.as_ref(),
            "--master-addr",
            sources,
            &["PET_MASTER_ADDR", "MASTER_ADDR"],
        );
        if let Some(addr) = &master_addr {
            check_host(&mut findings, addr);
        }
        let backend = pick(
            flags.rdzv_backend.as_ref(),
            "--rdzv-backend",
            sources,
            &["PET_RDZV_BACKEND"],
        )
        .map_or_else(
            || "static".to_owned(),
            |s| s.value.trim().to_ascii_lowercase(),
        );
        let standalone = flags.standalone
            || sources
                .env
                .get("PET_STANDALONE")
                .is_some_and(|v| matches!(v.trim(), "1" | "true" | "True"));

        if standalone {
            endpoints.push(Endpoint {
                framework: Framework::Pytorch,
                service: "torchrun --standalone (c10d stores on localhost, random ports)".into(),
                ports: Vec::new(),
                origin: "--standalone".into(),
                host_side: true,
                random_ports: true,
                address: None,
            });
            findings.push(Finding::new(
                &random_ports::RULE,
                Location::path("--standalone"),
                "--standalone opens two stores on random wildcard ports that a port list cannot name",
            ));
        } else if backend == "static" {
            let port = pick(
                flags.master_port.as_ref(),
                "--master-port",
                sources,
                &["PET_MASTER_PORT", "MASTER_PORT"],
            );
            let (ports, origin) = match &port {
                None => (vec![PortRange::single(MASTER_PORT)], "default".to_owned()),
                Some(p) => match parse_port(p.value) {
                    Ok(n) => (vec![PortRange::single(n)], p.origin.to_owned()),
                    Err(err) => {
                        findings.push(finding(
                            &invalid_port::RULE,
                            p.origin,
                            format!("{}: {err}", p.origin),
                            p.value,
                        ));
                        (
                            vec![PortRange::single(MASTER_PORT)],
                            "default (given value unreadable)".to_owned(),
                        )
                    }
                },
            };
            endpoints.push(Endpoint {
                framework: Framework::Pytorch,
                service: "torchrun store (static rendezvous)".into(),
                ports,
                origin,
                host_side: true,
                random_ports: false,
                address: master_addr.as_ref().map(|a| a.value.trim().to_owned()),
            });
        } else {
            let endpoint = pick(
                flags.rdzv_endpoint.as_ref(),
                "--rdzv-endpoint",
                sources,
                &["PET_RDZV_ENDPOINT"],
            );
            let mut ports = vec![PortRange::single(RDZV_PORT)];
            let mut origin = "default".to_owned();
            let mut address = None;
            if let Some(ep) = &endpoint {
                let (host, port) = split_endpoint(ep.value.trim());
                if !host.is_empty() {
                    check_host(
                        &mut findings,
                        &Sourced {
                            value: host,
                            origin: ep.origin,
                        },
                    );
                    address = Some(host.to_owned());
                }
                if let Some(port) = port {
                    match parse_port(port) {
                        Ok(n) => {
                            ports = vec![PortRange::single(n)];
                            ep.origin.clone_into(&mut origin);
                        }
                        Err(err) => findings.push(finding(
                            &invalid_port::RULE,
                            ep.origin,
                            format!("{}: {err}", ep.origin),
                            ep.value,
                        )),
                    }
                }
            }
            endpoints.push(Endpoint {
                framework: Framework::Pytorch,
                service: format!("{backend} rendezvous store"),
                ports,
                origin,
                host_side: true,
                random_ports: true,
                address,
            });
            findings.push(Finding::new(
                &random_ports::RULE,
                Location::path("--rdzv-backend"),
                format!("rendezvous backend `{backend}` also starts a worker store on a random wildcard port"),
            ));
        }

        let shape = JobShape {
            nnodes: pick(flags.nnodes.as_ref(), "--nnodes", sources, &["PET_NNODES"])
                .map(|s| s.value.trim().to_owned()),
            nproc_per_node: pick(
                flags.nproc_per_node.as_ref(),
                "--nproc-per-node",
                sources,
                &["PET_NPROC_PER_NODE"],
            )
            .map(|s| s.value.trim().to_owned()),
            node_rank: pick(
                flags.node_rank.as_ref(),
                "--node-rank",
                sources,
                &["PET_NODE_RANK"],
            )
            .map(|s| s.value.trim().to_owned()),
        };
        collectives(sources, &shape, &mut endpoints, &mut findings);

        // HCCL (statement §12 column 2).
        let count = sources.hccl_port_count;
        let (base, base_origin) = match sources
            .env
            .get("HCCL_IF_BASE_PORT")
            .filter(|v| !v.trim().is_empty())
        {
            None => (HCCL_BASE_PORT, "default"),
            Some(value) => match parse_port(value) {
                Ok(base) => {
                    if !(HCCL_BASE_RANGE.0..=HCCL_BASE_RANGE.1).contains(&base) {
                        findings.push(
                            finding(
                                &hccl_base_range::RULE,
                                "HCCL_IF_BASE_PORT",
                                format!("HCCL_IF_BASE_PORT={base} is outside 1024-65520"),
                                value,
                            )
                            .with_values("1024-65520", base.to_string()),
                        );
                    }
                    (base, "HCCL_IF_BASE_PORT")
                }
                Err(err) => {
                    findings.push(finding(
                        &invalid_port::RULE,
                        "HCCL_IF_BASE_PORT",
                        format!("HCCL_IF_BASE_PORT: {err}"),
                        value,
                    ));
                    (HCCL_BASE_PORT, "default (given value unreadable)")
                }
            },
        };
        let span = PortRange::span(base, count);
        if span.is_none() {
            findings.push(
                Finding::new(
                    &port_span_overflow::RULE,
                    Location::path("HCCL_IF_BASE_PORT"),
                    format!(
                        "HCCL_IF_BASE_PORT={base} with {count} ports ends at {}, past 65535",
                        u32::from(base) + u32::from(count) - 1
                    ),
                )
                .with_values(
                    "base + count - 1 <= 65535",
                    (u32::from(base) + u32::from(count) - 1).to_string(),
                ),
            );
        }
        let hccl_span = span.unwrap_or(PortRange {
            start: base,
            end: u16::MAX,
        });
        endpoints.push(Endpoint {
            framework: Framework::Hccl,
            service: format!("HCCL host listeners ({count} ports from the base)"),
            ports: vec![hccl_span],
            origin: base_origin.to_owned(),
            host_side: true,
            random_ports: false,
            address: sources.env.get("HCCL_IF_IP").map(|v| v.trim().to_owned()),
        });
        for (var, service, host_side, default) in [
            (
                "HCCL_HOST_SOCKET_PORT_RANGE",
                "HCCL host socket range",
                true,
                None,
            ),
            (
                "HCCL_NPU_SOCKET_PORT_RANGE",
                "HCCL NPU-side sockets (on the NPU network, not the host's)",
                false,
                Some(HCCL_NPU_PORT),
            ),
        ] {
            let value = sources.env.get(var).filter(|v| !v.trim().is_empty());
            let ranges = match value {
                None => default.map(|p| (vec![PortRange::single(p)], "default")),
                Some(text) => match parse_ranges(text) {
                    Some(ranges) if ranges.is_empty() => None,
                    Some(ranges) => Some((ranges, var)),
                    None => {
                        findings.push(finding(
                            &invalid_port::RULE,
                            var,
                            format!("{var}: `{text}` is not `auto` or a list of ports/ranges a-b"),
                            text,
                        ));
                        None
                    }
                },
            };
            if let Some((ranges, origin)) = ranges {
                endpoints.push(Endpoint {
                    framework: Framework::Hccl,
                    service: service.to_owned(),
                    ports: port::normalize(ranges),
                    origin: origin.to_owned(),
                    host_side,
                    random_ports: false,
                    address: None,
                });
            }
        }

        if let Some(ip) = sources
            .env
            .get("HCCL_IF_IP")
            .filter(|v| !v.trim().is_empty())
        {
            if ip.trim().parse::<IpAddr>().is_err() {
                findings.push(finding(
                    &invalid_address::RULE,
                    "HCCL_IF_IP",
                    format!("HCCL_IF_IP `{ip}` is not an IP address"),
                    ip,
                ));
            }
        }
        let mut interface_hint = None;
        for var in [
            "HCCL_SOCKET_IFNAME",
            "GLOO_SOCKET_IFNAME",
            "NCCL_SOCKET_IFNAME",
        ] {
            let Some(names) = sources.env.get(var).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            for name in names.split(',') {
                let bare = name.trim_start_matches(['^', '=']);
                let valid = !bare.is_empty()
                    && bare.len() <= 15
                    && bare
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && b != b'/' && b != b',');
                if !valid {
                    findings.push(finding(
                        &invalid_address::RULE,
                        var,
                        format!("{var} entry `{name}` is not an interface name"),
                        names,
                    ));
                } else if interface_hint.is_none() && !name.starts_with('^') {
                    interface_hint = Some(bare.to_owned());
                }
            }
        }

        findings.extend(ephemeral_overlap_findings(
            &host_ports(&endpoints),
            &sources.kernel,
        ));

        Matrix {
            endpoints,
            pytorch_source_ports: sources.kernel.local_range,
            hccl_source_ports: span,
            hccl_port_count: count,
            interface_hint,
            job: shape,
            kernel: sources.kernel.clone(),
            findings,
        }
    }

    /// Host-side services whose ports `ports` does not cover: fixed ports outside it, and
    /// every service with ports chosen at run time (what a port-list firewall leaves open).
    pub fn uncovered(&self, ports: &[PortRange]) -> Vec<&Endpoint> {
        self.endpoints
            .iter()
            .filter(|e| e.host_side)
            .filter(|e| {
                e.random_ports
                    || e.ports.iter().any(|range| {
                        !ports
                            .iter()
                            .any(|p| p.start <= range.start && range.end <= p.end)
                    })
            })
            .collect()
    }

    /// The fixed host-side listening ports, normalised: what `firewall` restricts by default.
    pub fn training_ports(&self) -> Vec<PortRange> {
        host_ports(&self.endpoints)
    }

    /// Whether some service opens ports chosen at run time.
    pub fn has_random_ports(&self) -> bool {
        self.endpoints.iter().any(|e| e.random_ports)
    }
}

/// TW404 for each of `ports` that lies in the kernel's ephemeral range and is not reserved:
/// the kernel may hand it to an outgoing connection before the job binds it.
pub fn ephemeral_overlap_findings(ports: &[PortRange], kernel: &KernelPorts) -> Vec<Finding> {
    let Some(local) = kernel.local_range else {
        return Vec::new();
    };
    ports
        .iter()
        .filter_map(|range| {
            let exposed = unreserved_overlap(*range, local, &kernel.reserved);
            (!exposed.is_empty()).then(|| {
                Finding::new(
                    &ephemeral_overlap::RULE,
                    Location::path("net.ipv4.ip_local_port_range"),
                    format!(
                        "training ports {range} overlap the ephemeral range {local}; not reserved: {}",
                        port::join(&exposed)
                    ),
                )
                .with_remediation(format!(
                    "sysctl -w net.ipv4.ip_local_reserved_ports={}",
                    port::join(&exposed).replace(' ', "")
                ))
            })
        })
        .collect()
}

/// The collective libraries' listeners (research b9): gloo opens one listener per rank on a
/// port the kernel picks (it binds port 0; `GLOO_SOCKET_IFNAME` chooses the interface, nothing
/// chooses the port); NCCL's bootstrap and socket transport do the same per rank
/// (`NCCL_SOCKET_IFNAME`; NCCL has no port-range variable, NVIDIA/nccl#388), except the root
/// bootstrap address that `NCCL_COMM_ID=host:port` pins. One TW406 says so.
fn collectives(
    sources: &MatrixSources,
    shape: &JobShape,
    endpoints: &mut Vec<Endpoint>,
    findings: &mut Vec<Finding>,
) {
    let ranks = shape.nproc_per_node.as_deref().unwrap_or("1");
    let per_node = if ranks.bytes().all(|b| b.is_ascii_digit()) {
        format!("{ranks} on this node")
    } else {
        format!("--nproc-per-node {ranks} on this node")
    };
    let iface = |var: &str| {
        sources
            .env
            .get(var)
            .filter(|v| !v.trim().is_empty())
            .map_or_else(
                || format!("interface of the host name's address ({var} unset)"),
                |v| format!("{var}={}", v.trim()),
            )
    };
    endpoints.push(Endpoint {
        framework: Framework::Pytorch,
        service: format!(
            "gloo listeners, one per rank, {per_node}; {}",
            iface("GLOO_SOCKET_IFNAME")
        ),
        ports: Vec::new(),
        origin: "gloo (port chosen by the kernel, cannot be pinned)".into(),
        host_side: true,
        random_ports: true,
        address: None,
    });
    endpoints.push(Endpoint {
        framework: Framework::Pytorch,
        service: format!(
            "NCCL bootstrap and socket listeners, per rank, {per_node}; {}",
            iface("NCCL_SOCKET_IFNAME")
        ),
        ports: Vec::new(),
        origin: "NCCL (ports chosen by the kernel; no port-range variable)".into(),
        host_side: true,
        random_ports: true,
        address: None,
    });
    if let Some(id) = sources
        .env
        .get("NCCL_COMM_ID")
        .filter(|v| !v.trim().is_empty())
    {
        let (host, port) = split_endpoint(id.trim());
        match port.map(parse_port) {
            Some(Ok(port)) => endpoints.push(Endpoint {
                framework: Framework::Pytorch,
                service: "NCCL root bootstrap (NCCL_COMM_ID)".into(),
                ports: vec![PortRange::single(port)],
                origin: "NCCL_COMM_ID".into(),
                host_side: true,
                random_ports: false,
                address: Some(host.to_owned()),
            }),
            _ => findings.push(finding(
                &invalid_port::RULE,
                "NCCL_COMM_ID",
                format!("NCCL_COMM_ID `{id}` is not host:port"),
                id,
            )),
        }
    }
    findings.push(
        Finding::new(
            &random_ports::RULE,
            Location::path("torch.distributed"),
            format!("gloo and NCCL open one listener per rank ({per_node}) on ports the kernel picks; a port list cannot name them"),
        )
        .with_remediation("launch with `torchward run`, which restricts every socket of the job through its cgroup; otherwise --coverage interface on the training NIC (GLOO_SOCKET_IFNAME / NCCL_SOCKET_IFNAME pin the interface, not the port)"),
    );
}

fn host_ports(endpoints: &[Endpoint]) -> Vec<PortRange> {
    port::normalize(
        endpoints
            .iter()
            .filter(|e| e.host_side)
            .flat_map(|e| e.ports.iter().copied())
            .collect(),
    )
}

fn check_host(findings: &mut Vec<Finding>, host: &Sourced<'_>) {
    let value = host.value.trim();
    if !valid_host(value) {
        findings.push(finding(
            &invalid_address::RULE,
            host.origin,
            format!("{}: `{value}` is not an address or host name", host.origin),
            value,
        ));
    } else if is_loopback(value) {
        findings.push(finding(
            &loopback_master::RULE,
            host.origin,
            format!(
                "{} is {value}, but the store listens on every interface (IPv6 wildcard, IPv4 too)",
                host.origin
            ),
            value,
        ));
    }
}

/// Ports of `range` inside `local` and not covered by `reserved` (normalised).
fn unreserved_overlap(
    range: PortRange,
    local: PortRange,
    reserved: &[PortRange],
) -> Vec<PortRange> {
    if !range.overlaps(local) {
        return Vec::new();
    }
    let mut left = vec![PortRange {
        start: range.start.max(local.start),
        end: range.end.min(local.end),
    }];
    for hole in reserved {
        left = left
            .into_iter()
            .flat_map(|part| {
                let mut pieces = Vec::new();
                if !part.overlaps(*hole) {
                    pieces.push(part);
                    return pieces;
                }
                if part.start < hole.start {
                    pieces.extend(PortRange::new(part.start, hole.start - 1));
                }
                if part.end > hole.end {
                    pieces.extend(PortRange::new(hole.end + 1, part.end));
                }
                pieces
            })
            .collect();
    }
    left
}
