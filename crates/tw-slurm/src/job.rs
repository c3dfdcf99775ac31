//! The per-job table's life: `prolog` (resolve the job's nodes, build the plan from the site
//! config, apply it to `inet torchward_job_ID`, read it back; any failure is an error, so the
//! prolog exits non-zero and Slurm never starts the job unprotected), `epilog` (remove that
//! table and the job's state file; idempotent) and `sweep` (remove the tables of jobs Slurm no
//! longer runs; when Slurm cannot be asked, nothing is removed). Only tables named
//! `torchward_job_DIGITS` are ever touched, each through its own `Firewall`, so concurrent jobs
//! on a node never name each other's rules.
use crate::config::{ConfigError, SlurmConfig};
use crate::hostlist::{self, HostlistError};
use std::path::{Path, PathBuf};
use tw_firewall::{
    Action, ApplyError, Backend, Cmd, Coverage, Exec, ExecError, Firewall, FirewallError, Peer,
    PeerError, Plan, PlanError, PlanInput, State, StateError,
};

/// Default directory of the per-job state files (a tmpfs a reboot clears with the rules).
pub const DEFAULT_STATE_DIR: &str = "/run/torchward/slurm";
/// Prefix of every per-job nft table.
pub const TABLE_PREFIX: &str = "torchward_job_";

/// A Slurm job ID (digits only, so it can be part of a table and a file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(u64);

impl JobId {
    /// Parses `SLURM_JOB_ID`'s value.
    pub fn parse(text: &str) -> Result<JobId, SlurmError> {
        let text = text.trim();
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<u64>().ok())
            .flatten()
            .map(JobId)
            .ok_or_else(|| SlurmError::BadJobId {
                value: text.chars().take(40).collect(),
            })
    }

    /// The job's nft table: `torchward_job_ID` (in family `inet`).
    pub fn table(self) -> String {
        format!("{TABLE_PREFIX}{}", self.0)
    }

    /// The job whose table `name` is, if it is a per-job table.
    pub fn from_table(name: &str) -> Option<JobId> {
        name.strip_prefix(TABLE_PREFIX)
            .and_then(|id| JobId::parse(id).ok())
    }

    /// The job's state file in `dir`: `dir/ID.json`.
    pub fn state_file(self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.json", self.0))
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A prolog, epilog or sweep step failed.
#[derive(Debug, thiserror::Error)]
pub enum SlurmError {
    /// No `SLURM_JOB_ID` (not started by Slurm, and no `--job`).
    #[error("SLURM_JOB_ID is not set: run this from a Slurm Prolog/Epilog, or pass --job ID")]
    NoJobId,
    /// A job ID that is not a number.
    #[error("`{value}` is not a Slurm job ID (digits only)")]
    BadJobId {
        /// The value given.
        value: String,
    },
    /// The node list could not be expanded.
    #[error("{source_name}: {cause}")]
    Hostlist {
        /// Where the list came from (`SLURM_NODELIST`, `scontrol show job 12`).
        source_name: String,
        /// What is wrong.
        cause: HostlistError,
    },
    /// `scontrol` could not tell the job's nodes.
    #[error("cannot find the nodes of job {job}: {reason}")]
    NoNodeList {
        /// The job.
        job: JobId,
        /// Why.
        reason: String,
    },
    /// The site config is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A node or extra peer did not resolve.
    #[error("peer of job {job}: {cause}")]
    Peer {
        /// The job.
        job: JobId,
        /// Why.
        cause: PeerError,
    },
    /// The plan could not be built (an interface name the kernel would not accept).
    #[error("{path}: {cause}", path = path.display())]
    Plan {
        /// The config file.
        path: PathBuf,
        /// Why.
        cause: PlanError,
    },
    /// The rules could not be applied and verified.
    #[error("job {job}: table inet {table} not applied: {cause}")]
    Apply {
        /// The job.
        job: JobId,
        /// The table.
        table: String,
        /// What happened (and what is left on the host).
        cause: ApplyError,
    },
    /// Removing or listing rules failed.
    #[error("job {job}: {cause}")]
    Firewall {
        /// The job (0 when listing every table).
        job: JobId,
        /// Why.
        cause: FirewallError,
    },
    /// The firewall crate does not accept the job's table name.
    #[error("`{table}` is not a table name torchward manages")]
    TableName {
        /// The name.
        table: String,
    },
    /// A state file could not be removed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Slurm could not be asked which jobs run: nothing was removed.
    #[error("cannot ask Slurm which jobs run (`{command}`): {reason}; removed nothing")]
    SlurmUnreachable {
        /// The command.
        command: String,
        /// Why.
        reason: String,
    },
    /// The nft tables could not be listed.
    #[error("cannot list nft tables (`nft list tables`): {reason}")]
    ListTables {
        /// Why.
        reason: String,
    },
}

fn exec_reason(result: Result<tw_firewall::Output, ExecError>) -> Result<String, String> {
    match result {
        Ok(out) if out.success() => Ok(out.stdout),
        Ok(out) => Err(format!(
            "exit {}: {}",
            out.code
                .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
            out.stderr.trim()
        )),
        Err(err) => Err(err.to_string()),
    }
}

/// The environment the prolog reads (Slurm 22.05 gives the node prolog `SLURM_NODELIST`, not
/// `SLURM_JOB_NODELIST`, which only `PrologSlurmctld` gets).
#[derive(Debug, Clone, Default)]
pub struct NodeEnv {
    /// `SLURM_JOB_NODELIST`.
    pub job_nodelist: Option<String>,
    /// `SLURM_NODELIST`.
    pub nodelist: Option<String>,
}

/// The job's node names: `SLURM_JOB_NODELIST`, else `SLURM_NODELIST`, else the `NodeList=`
/// of `scontrol show job -o ID`. Returns where the list came from and the names.
pub fn node_names(
    exec: &dyn Exec,
    job: JobId,
    env: &NodeEnv,
) -> Result<(String, Vec<String>), SlurmError> {
    let from_env = [
        ("SLURM_JOB_NODELIST", &env.job_nodelist),
        ("SLURM_NODELIST", &env.nodelist),
    ]
    .into_iter()
    .find_map(|(name, value)| {
        value
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (name.to_owned(), v.to_owned()))
    });
    let (source_name, list) = if let Some(found) = from_env {
        found
    } else {
        let id = job.to_string();
        let cmd = Cmd::new("scontrol", &["show", "job", "-o", &id]);
        let stdout =
            exec_reason(exec.run(&cmd)).map_err(|reason| SlurmError::NoNodeList { job, reason })?;
        let list = stdout
            .split_whitespace()
            .find_map(|word| word.strip_prefix("NodeList="))
            .filter(|v| !v.is_empty() && *v != "(null)")
            .ok_or_else(|| SlurmError::NoNodeList {
                job,
                reason: format!("`{}` shows no NodeList", cmd.display()),
            })?;
        (cmd.display(), list.to_owned())
    };
    let names = hostlist::expand(&list).map_err(|source| SlurmError::Hostlist {
        source_name: source_name.clone(),
        cause: source,
    })?;
    Ok((source_name, names))
}

/// The job's plan: its nodes and the config's extra peers may reach the config's ports.
/// `resolve` turns a name into addresses (`tw_firewall::resolve_peer` in production).
pub fn plan(
    job: JobId,
    nodes: &[String],
    config: &SlurmConfig,
    resolve: &dyn Fn(&str) -> Result<Peer, PeerError>,
) -> Result<Plan, SlurmError> {
    let peers = nodes
        .iter()
        .chain(&config.extra_peers)
        .map(|name| resolve(name).map_err(|cause| SlurmError::Peer { job, cause }))
        .collect::<Result<Vec<Peer>, SlurmError>>()?;
    Plan::new(PlanInput {
        ports: config.ports.clone(),
        peers,
        interface: config.interface.clone(),
        coverage: Coverage::Ports,
        action: if config.reject {
            Action::Reject
        } else {
            Action::Drop
        },
        keep_open: Vec::new(),
    })
    .map_err(|cause| SlurmError::Plan {
        path: config.path.clone(),
        cause,
    })
}

fn job_firewall<'e>(
    exec: &'e dyn Exec,
    job: JobId,
    state_dir: &Path,
) -> Result<Firewall<'e>, SlurmError> {
    let table = job.table();
    Firewall::new(exec, job.state_file(state_dir))
        .with_nft_table(&table)
        .ok_or(SlurmError::TableName { table })
}

/// Applies `plan` as the job's table and verifies it (nft only: the iptables chains are one
/// per host). On error nothing of this job's is left, or the error says what is.
pub fn apply(
    exec: &dyn Exec,
    job: JobId,
    plan: &Plan,
    state_dir: &Path,
) -> Result<State, SlurmError> {
    job_firewall(exec, job, state_dir)?
        .apply(plan, Backend::Nft, None)
        .map_err(|cause| SlurmError::Apply {
            job,
            table: job.table(),
            cause,
        })
}

/// Removes the job's table (if present) and state file. Returns whether a table was there.
pub fn remove(exec: &dyn Exec, job: JobId, state_dir: &Path) -> Result<bool, SlurmError> {
    let firewall = job_firewall(exec, job, state_dir)?;
    let present = list_tables(exec)?.contains(&job);
    if present {
        firewall
            .remove_backend(Backend::Nft)
            .map_err(|cause| SlurmError::Firewall { job, cause })?;
    }
    State::delete(&job.state_file(state_dir))?;
    Ok(present)
}

/// The jobs whose tables `nft list tables` shows (`table inet torchward_job_ID` lines).
pub fn parse_tables(listing: &str) -> Vec<JobId> {
    let mut jobs: Vec<JobId> = listing
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some("table"), Some("inet"), Some(name), None) => JobId::from_table(name),
                _ => None,
            }
        })
        .collect();
    jobs.sort_unstable();
    jobs.dedup();
    jobs
}

/// The jobs that have a table on this host. No nft installed means no tables.
pub fn list_tables(exec: &dyn Exec) -> Result<Vec<JobId>, SlurmError> {
    match exec.run(&Cmd::new("nft", &["list", "tables"])) {
        Err(ExecError::NotFound { .. }) => Ok(Vec::new()),
        other => exec_reason(other)
            .map(|stdout| parse_tables(&stdout))
            .map_err(|reason| SlurmError::ListTables { reason }),
    }
}

/// The jobs Slurm knows (pending, running, completing): `squeue -h -o %A`. Any line that is not
/// a job ID makes the whole answer unusable.
pub fn running_jobs(exec: &dyn Exec) -> Result<Vec<JobId>, SlurmError> {
    let cmd = Cmd::new("squeue", &["-h", "-o", "%A"]);
    let unreachable = |reason: String| SlurmError::SlurmUnreachable {
        command: cmd.display(),
        reason,
    };
    let stdout = exec_reason(exec.run(&cmd)).map_err(unreachable)?;
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| JobId::parse(l).map_err(|err| unreachable(err.to_string())))
        .collect()
}

/// The job IDs of the state files in `dir` (`ID.json`).
fn state_files(dir: &Path) -> Vec<JobId> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .take(100_000)
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|id| JobId::parse(id).ok())
        })
        .collect()
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Jobs whose table or state file was removed (Slurm no longer runs them).
    pub removed: Vec<JobId>,
    /// Jobs with a table that Slurm still runs.
    pub kept: Vec<JobId>,
}

/// Removes the tables and state files of jobs Slurm no longer runs. Slurm is asked first:
/// when it cannot answer, nothing is removed and the error says so.
pub fn sweep(exec: &dyn Exec, state_dir: &Path) -> Result<Sweep, SlurmError> {
    let running = running_jobs(exec)?;
    let mut jobs = list_tables(exec)?;
    jobs.extend(state_files(state_dir));
    jobs.sort_unstable();
    jobs.dedup();
    let mut sweep = Sweep::default();
    for job in jobs {
        if running.contains(&job) {
            sweep.kept.push(job);
        } else {
            remove(exec, job, state_dir)?;
            sweep.removed.push(job);
        }
    }
    Ok(sweep)
}
