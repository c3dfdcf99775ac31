//! `torchward slurm prolog|epilog|sweep`: one firewall table per Slurm job
//! (`inet torchward_job_ID`), applied and verified by the node prolog, removed by the epilog,
//! and swept when Slurm no longer runs the job. The prolog exits 2 whenever the rules cannot
//! be applied and verified, so Slurm never starts a job unprotected (`deploy/slurm/`,
//! docs/cluster.md).
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use clap::Subcommand;
use std::path::PathBuf;
use tw_firewall::{resolve_peer, SystemExec};
use tw_slurm::job::{self, NodeEnv};
use tw_slurm::{JobId, SlurmConfig};

/// Variable naming the state directory (tests keep theirs elsewhere).
const STATE_DIR_VAR: &str = "TORCHWARD_SLURM_STATE_DIR";

/// Arguments of `slurm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: SlurmCommand,
}

/// The slurm subcommands.
#[derive(Debug, Subcommand)]
pub enum SlurmCommand {
    /// Node prolog: apply and verify the job's firewall table (exit 2, and Slurm does not
    /// run the job, when it cannot).
    #[command(
        after_help = "slurm.conf: Prolog=/usr/local/lib/torchward/prolog.sh (deploy/slurm/prolog.sh).
Reads SLURM_JOB_ID, SLURM_JOB_NODELIST or SLURM_NODELIST (else scontrol show job), and the
site config /etc/torchward/slurm.toml or $TORCHWARD_SLURM_CONF."
    )]
    Prolog(PrologArgs),
    /// Node epilog: remove the job's firewall table and state file (nothing there is fine).
    Epilog(JobArgs),
    /// Remove the tables of jobs Slurm no longer runs (asks squeue; removes nothing when
    /// Slurm cannot answer).
    Sweep(StateArgs),
}

/// Where the per-job state files live.
#[derive(Debug, clap::Args)]
pub struct StateArgs {
    /// Directory of the per-job state files (default /run/torchward/slurm, or
    /// $TORCHWARD_SLURM_STATE_DIR).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// The job and its state.
#[derive(Debug, clap::Args)]
pub struct JobArgs {
    /// The job ID (default: $SLURM_JOB_ID).
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// The state directory.
    #[command(flatten)]
    pub state: StateArgs,
}

/// Arguments of `slurm prolog`.
#[derive(Debug, clap::Args)]
pub struct PrologArgs {
    /// The job and its state.
    #[command(flatten)]
    pub job: JobArgs,
    /// Site config (default: $TORCHWARD_SLURM_CONF, else /etc/torchward/slurm.toml).
    #[arg(long, value_name = "PATH")]
    pub conf: Option<PathBuf>,
}

/// Runs the slurm subcommand.
pub fn run(args: &Args, _ctx: &Context) -> anyhow::Result<ExitStatus> {
    match &args.command {
        SlurmCommand::Prolog(args) => prolog(args),
        SlurmCommand::Epilog(args) => epilog(args),
        SlurmCommand::Sweep(args) => sweep(args),
    }
}

fn state_dir(args: &StateArgs) -> PathBuf {
    args.state_dir.clone().unwrap_or_else(|| {
        std::env::var_os(STATE_DIR_VAR)
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(job::DEFAULT_STATE_DIR), PathBuf::from)
    })
}

fn job_id(args: &JobArgs) -> anyhow::Result<JobId> {
    let text = match &args.job {
        Some(text) => text.clone(),
        None => std::env::var("SLURM_JOB_ID").map_err(|_| tw_slurm::SlurmError::NoJobId)?,
    };
    Ok(JobId::parse(&text)?)
}

fn prolog(args: &PrologArgs) -> anyhow::Result<ExitStatus> {
    let job = job_id(&args.job)?;
    let path = args.conf.clone().unwrap_or_else(|| {
        SlurmConfig::path_from_env(std::env::var_os(tw_slurm::config::ENV_VAR).as_deref())
    });
    let config = SlurmConfig::load(&path)?;
    let env = NodeEnv {
        job_nodelist: std::env::var("SLURM_JOB_NODELIST").ok(),
        nodelist: std::env::var("SLURM_NODELIST").ok(),
    };
    let (source, nodes) = job::node_names(&SystemExec, job, &env)?;
    let plan = job::plan(job, &nodes, &config, &resolve_peer)?;
    job::apply(&SystemExec, job, &plan, &state_dir(&args.job.state))?;
    let peers: Vec<String> = plan
        .peers()
        .iter()
        .map(|p| {
            let nets: Vec<String> = p.nets.iter().map(ToString::to_string).collect();
            format!("{} ({})", p.given, nets.join(", "))
        })
        .collect();
    output::note(format!(
        "job {job}: table inet {} applied and verified: ports {} reachable only from {} (nodes from {source}), loopback and this host",
        job.table(),
        tw_firewall::port::join(plan.ports()),
        peers.join(", "),
    ));
    Ok(ExitStatus::Success)
}

fn epilog(args: &JobArgs) -> anyhow::Result<ExitStatus> {
    let job = job_id(args)?;
    let removed = job::remove(&SystemExec, job, &state_dir(&args.state))?;
    output::note(if removed {
        format!("job {job}: table inet {} removed", job.table())
    } else {
        format!("job {job}: no table inet {} was present", job.table())
    });
    Ok(ExitStatus::Success)
}

fn sweep(args: &StateArgs) -> anyhow::Result<ExitStatus> {
    let swept = job::sweep(&SystemExec, &state_dir(args))?;
    let list = |jobs: &[JobId]| {
        if jobs.is_empty() {
            "none".to_owned()
        } else {
            jobs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    output::note(format!(
        "removed the tables of jobs Slurm no longer runs: {}; kept (still running): {}",
        list(&swept.removed),
        list(&swept.kept)
    ));
    Ok(ExitStatus::Success)
}
