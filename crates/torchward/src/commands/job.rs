//! The job description shared by `matrix`, `firewall` and `run`: launcher flags (the same
//! names torchrun uses), the environment torchrun and HCCL read, and the firewall options
//! (peers, ports, interface, coverage, backend, state file). Turns them into a
//! `tw_firewall::Matrix` and a checked `tw_firewall::Plan`.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use anyhow::Context as _;
use clap::ValueEnum;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use tw_diagnostics::Finding;
use tw_firewall::{
    parse_launch_line, resolve_peer, Action, Backend, Coverage, Exec, Firewall, KernelPorts,
    LaunchFlags, LaunchLine, Matrix, MatrixSources, Peer, Plan, PlanInput, PortRange,
};

/// How the job is launched (torchrun's own option names; PET_* variables and MASTER_*/HCCL_*
/// variables are read from the environment too).
#[derive(Debug, Clone, clap::Args)]
#[command(
    next_help_heading = "Job (torchrun options; PET_*, MASTER_*, HCCL_*, GLOO_*, NCCL_* are read from the environment)"
)]
pub struct JobArgs {
    /// Master address of the static rendezvous (torchrun --master-addr).
    #[arg(long, alias = "master_addr", value_name = "HOST")]
    pub master_addr: Option<String>,
    /// Master port of the static rendezvous (torchrun --master-port; default 29500).
    #[arg(long, alias = "master_port", value_name = "PORT")]
    pub master_port: Option<String>,
    /// Rendezvous backend (torchrun --rdzv-backend: static, c10d ...).
    #[arg(long, alias = "rdzv_backend", value_name = "NAME")]
    pub rdzv_backend: Option<String>,
    /// Rendezvous endpoint HOST[:PORT] (torchrun --rdzv-endpoint; c10d default port 29400).
    #[arg(long, alias = "rdzv_endpoint", value_name = "HOST[:PORT]")]
    pub rdzv_endpoint: Option<String>,
    /// Rendezvous ID (torchrun --rdzv-id; opens no port).
    #[arg(long, alias = "rdzv_id", value_name = "ID")]
    pub rdzv_id: Option<String>,
    /// The job uses torchrun --standalone (random store ports).
    #[arg(long)]
    pub standalone: bool,
    /// Number of nodes (torchrun --nnodes N or MIN:MAX).
    #[arg(long, value_name = "N")]
    pub nnodes: Option<String>,
    /// Processes per node (torchrun --nproc-per-node): one collective listener each.
    #[arg(long, alias = "nproc_per_node", value_name = "N")]
    pub nproc_per_node: Option<String>,
    /// This node's rank (torchrun --node-rank); node rank 0 hosts the static store.
    #[arg(long, alias = "node_rank", value_name = "N")]
    pub node_rank: Option<String>,
    /// Restarts allowed (torchrun --max-restarts; opens no port).
    #[arg(long, alias = "max_restarts", value_name = "N")]
    pub max_restarts: Option<String>,
    /// HCCL listening span from HCCL_IF_BASE_PORT: 16 (statement, older CANN) or 32 (CANN 9+).
    #[arg(long, value_name = "16|32", default_value_t = 16, value_parser = parse_hccl_ports)]
    pub hccl_ports: u16,
}

impl JobArgs {
    fn flags(&self) -> LaunchFlags {
        LaunchFlags {
            master_addr: self.master_addr.clone(),
            master_port: self.master_port.clone(),
            rdzv_backend: self.rdzv_backend.clone(),
            rdzv_endpoint: self.rdzv_endpoint.clone(),
            standalone: self.standalone,
            nnodes: self.nnodes.clone(),
            nproc_per_node: self.nproc_per_node.clone(),
            node_rank: self.node_rank.clone(),
            rdzv_id: self.rdzv_id.clone(),
            max_restarts: self.max_restarts.clone(),
        }
    }
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
    /// A Kubernetes NetworkPolicy for --job (plan only: apply it with kubectl).
    Kubernetes,
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
            ["PET_", "MASTER_", "HCCL_", "GLOO_", "NCCL_"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
        })
        .collect()
}

/// Reads a pasted launch line (`torchward matrix -- torchrun ...`); `None` when there is none.
pub fn launch_line(words: &[OsString]) -> anyhow::Result<Option<LaunchLine>> {
    if words.is_empty() {
        return Ok(None);
    }
    let words: Vec<String> = words
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    Ok(Some(parse_launch_line(&words)?))
}

/// Computes the matrix of the job: torchward's flags, over the pasted launch line, over the
/// environment.
pub fn matrix(job: &JobArgs, line: Option<&LaunchLine>) -> Matrix {
    let explicit = job.flags();
    Matrix::compute(&MatrixSources {
        flags: line.map_or_else(|| explicit.clone(), |l| l.merged(&explicit)),
        env: launcher_env(),
        hccl_port_count: job.hccl_ports,
        kernel: KernelPorts::read(std::path::Path::new("/proc/sys")),
    })
}

/// Peers the job implies: the master / rendezvous host (the node every other node talks to),
/// unless it is loopback. Other nodes' addresses are not on the launch line.
fn implied_peers(matrix: &Matrix) -> Vec<String> {
    matrix
        .endpoints
        .iter()
        .filter(|e| e.framework == tw_firewall::Framework::Pytorch)
        .filter_map(|e| e.address.clone())
        .filter(|host| {
            !host.eq_ignore_ascii_case("localhost")
                && !host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
        })
        .collect()
}

/// Builds the plan: explicit ports or the matrix's, peers resolved.
pub fn plan(rules: &RuleArgs, matrix: &Matrix) -> anyhow::Result<Plan> {
    let mut peers: Vec<Peer> = rules
        .peer
        .iter()
        .map(|p| resolve_peer(p).with_context(|| format!("--peer {p}")))
        .collect::<anyhow::Result<_>>()?;
    for host in implied_peers(matrix) {
        if !peers.iter().any(|p| p.given == host) {
            // A master that does not resolve is reported by the matrix (TW405), not here.
            if let Ok(peer) = resolve_peer(&host) {
                peers.push(peer);
            }
        }
    }
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
        BackendChoice::Kubernetes => anyhow::bail!(
            "--backend kubernetes only prints a NetworkPolicy: run `torchward firewall plan --backend kubernetes --job NAME` and apply its output with kubectl"
        ),
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

/// The matrix findings that matter for `plan`: TW404 only for the ports the plan restricts
/// (not for HCCL ports a `--port 29510` user did not ask about), and no TW406 (the coverage
/// note says what is and is not covered instead).
pub fn plan_findings(matrix: &Matrix, plan: &Plan) -> Vec<Finding> {
    let mut findings: Vec<Finding> = matrix
        .findings
        .iter()
        .filter(|f| f.rule != "TW404" && f.rule != "TW406")
        .cloned()
        .collect();
    findings.extend(tw_firewall::matrix::ephemeral_overlap_findings(
        plan.ports(),
        &matrix.kernel,
    ));
    findings
}

/// One line saying what `plan` restricts and what the job opens that it does not.
pub fn coverage_note(matrix: &Matrix, plan: &Plan, job_sockets: bool) -> String {
    let restricted = match plan.coverage() {
        Coverage::Ports => format!("ports {}", tw_firewall::port::join(plan.ports())),
        Coverage::Interface => format!(
            "every TCP port on {} but {}",
            plan.interface().unwrap_or("the interface"),
            tw_firewall::port::join(plan.keep_open())
        ),
    };
    if job_sockets || plan.coverage() == Coverage::Interface {
        return format!("covered: {restricted}, and every socket the job opens");
    }
    let missed: Vec<String> = matrix
        .uncovered(plan.ports())
        .iter()
        .map(|e| {
            // The service's first clause names it; the interface detail is in `matrix`.
            let name = e.service.split(';').next().unwrap_or(&e.service);
            if e.random_ports && e.ports.is_empty() {
                format!("{name} (random ports)")
            } else {
                format!("{name} {}", tw_firewall::port::join(&e.ports))
            }
        })
        .collect();
    if missed.is_empty() {
        format!("covered: {restricted}")
    } else {
        format!(
            "covered: {restricted}; not covered: {}. `torchward run` restricts every socket of the job; or use --coverage interface",
            missed.join("; ")
        )
    }
}
