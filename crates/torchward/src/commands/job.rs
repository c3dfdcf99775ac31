//! The job description shared by `matrix`, `firewall` and `run`: launcher flags (the same
//! names torchrun uses), the environment torchrun and HCCL read, and the firewall options
//! (peers, ports, interface, coverage, backend, state file). Turns them into a
//! `tw_firewall::Matrix` and a checked `tw_firewall::Plan`.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use anyhow::Context as _;
use clap::ValueEnum;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tw_firewall::{
    resolve_peer, Action, Backend, Coverage, Exec, Firewall, KernelPorts, LaunchFlags, Matrix,
    MatrixSources, Peer, Plan, PlanInput, PortRange,
};

/// How the job is launched (torchrun's own option names; PET_* variables and MASTER_*/HCCL_*
/// variables are read from the environment too).
#[derive(Debug, Clone, clap::Args)]
#[command(
    next_help_heading = "Job (torchrun options; PET_*, MASTER_*, HCCL_* are read from the environment)"
)]
pub struct JobArgs {
    /// Master address of the static rendezvous (torchrun --master-addr).
    #[arg(long, value_name = "HOST")]
    pub master_addr: Option<String>,
    /// Master port of the static rendezvous (torchrun --master-port; default 29500).
    #[arg(long, value_name = "PORT")]
    pub master_port: Option<String>,
    /// Rendezvous backend (torchrun --rdzv-backend: static, c10d ...).
    #[arg(long, value_name = "NAME")]
    pub rdzv_backend: Option<String>,
    /// Rendezvous endpoint HOST[:PORT] (torchrun --rdzv-endpoint; c10d default port 29400).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub rdzv_endpoint: Option<String>,
    /// The job uses torchrun --standalone (random store ports).
    #[arg(long)]
    pub standalone: bool,
    /// HCCL listening span from HCCL_IF_BASE_PORT: 16 (statement, older CANN) or 32 (CANN 9+).
    #[arg(long, value_name = "16|32", default_value_t = 16, value_parser = parse_hccl_ports)]
    pub hccl_ports: u16,
}

fn parse_hccl_ports(text: &str) -> Result<u16, String> {
    match text {
        "16" => Ok(16),
        "32" => Ok(32),
        _ => Err("HCCL uses 16 (older CANN) or 32 (CANN 9+) ports".to_owned()),
    }
}

/// Firewall backends on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// nft when installed, else iptables.
    Auto,
    /// nftables: one `inet torchward` table, both families in one transaction.
    Nft,
    /// iptables and ip6tables: TORCHWARD-IN / TORCHWARD-IN6 chains.
    Iptables,
}

/// Coverage modes on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CoverageChoice {
    /// The training ports (from --port or the matrix), on every interface.
    Ports,
    /// All inbound TCP on --interface except --keep-open (covers random store ports).
    Interface,
}

/// Who may reach the training ports, and how the rules are built.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Firewall")]
pub struct RuleArgs {
    /// Peer allowed in: IP, CIDR or host name (all A and AAAA records). Repeatable,
    /// comma-separated. Loopback and this host's own addresses are always allowed.
    #[arg(long, value_name = "ADDR|CIDR|HOST", value_delimiter = ',')]
    pub peer: Vec<String>,
    /// Port or range A-B to restrict (repeatable, comma-separated). Default: the matrix's
    /// fixed host-side ports.
    #[arg(long, value_name = "PORT|A-B", value_delimiter = ',')]
    pub port: Vec<PortRange>,
    /// Training interface. With --coverage ports, peers are accepted only on it.
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,
    /// What to restrict.
    #[arg(long, value_enum, default_value_t = CoverageChoice::Ports)]
    pub coverage: CoverageChoice,
    /// Ports left open with --coverage interface (default 22).
    #[arg(long, value_name = "PORT|A-B", value_delimiter = ',')]
    pub keep_open: Vec<PortRange>,
    /// Answer non-peers with a TCP reset instead of dropping silently (fails fast).
    #[arg(long)]
    pub reject: bool,
    /// Firewall tool.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
    /// State file recording what was applied.
    #[arg(long, value_name = "PATH", default_value = tw_firewall::state::DEFAULT_PATH)]
    pub state_file: PathBuf,
}

/// The variables the matrix reads, from the process environment.
pub fn launcher_env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(name, _)| {
            name.starts_with("PET_") || name.starts_with("MASTER_") || name.starts_with("HCCL_")
        })
        .collect()
}

/// Computes the matrix of the job.
pub fn matrix(job: &JobArgs) -> Matrix {
    Matrix::compute(&MatrixSources {
        flags: LaunchFlags {
            master_addr: job.master_addr.clone(),
            master_port: job.master_port.clone(),
            rdzv_backend: job.rdzv_backend.clone(),
            rdzv_endpoint: job.rdzv_endpoint.clone(),
            standalone: job.standalone,
        },
        env: launcher_env(),
        hccl_port_count: job.hccl_ports,
        kernel: KernelPorts::read(std::path::Path::new("/proc/sys")),
    })
}

/// Builds the plan: explicit ports or the matrix's, peers resolved.
pub fn plan(rules: &RuleArgs, matrix: &Matrix) -> anyhow::Result<Plan> {
    let peers: Vec<Peer> = rules
        .peer
        .iter()
        .map(|p| resolve_peer(p).with_context(|| format!("--peer {p}")))
        .collect::<anyhow::Result<_>>()?;
    let coverage = match rules.coverage {
        CoverageChoice::Ports => Coverage::Ports,
        CoverageChoice::Interface => Coverage::Interface,
    };
    let interface = rules.interface.clone().or_else(|| {
        (coverage == Coverage::Interface)
            .then(|| matrix.interface_hint.clone())
            .flatten()
    });
    let keep_open = if rules.keep_open.is_empty() && coverage == Coverage::Interface {
        vec![PortRange::single(22)]
    } else {
        rules.keep_open.clone()
    };
    let ports = if rules.port.is_empty() {
        matrix.training_ports()
    } else {
        rules.port.clone()
    };
    Ok(Plan::new(PlanInput {
        ports,
        peers,
        interface,
        coverage,
        action: if rules.reject {
            Action::Reject
        } else {
            Action::Drop
        },
        keep_open,
    })?)
}

/// The backend to use.
pub fn backend(choice: BackendChoice, exec: &dyn Exec) -> anyhow::Result<Backend> {
    Ok(match choice {
        BackendChoice::Nft => Backend::Nft,
        BackendChoice::Iptables => Backend::Iptables,
        BackendChoice::Auto => Firewall::new(exec, PathBuf::new()).detect_backend()?,
    })
}

/// One line per peer: what it resolved to (shown so users see what a name stood for).
pub fn describe_peers(plan: &Plan) -> Vec<String> {
    plan.peers()
        .iter()
        .map(|peer| {
            let nets: Vec<String> = peer.nets.iter().map(ToString::to_string).collect();
            if nets.len() == 1 && nets.first() == Some(&peer.given) {
                format!("peer {}", peer.given)
            } else {
                format!("peer {} -> {}", peer.given, nets.join(", "))
            }
        })
        .collect()
}
