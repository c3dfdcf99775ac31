//! `torchward firewall plan|apply|remove|status` (statement §11): restrict the training ports
//! to the peers, atomically, over IPv4 and IPv6, touching only torchward's own table or
//! chains. `plan` prints the exact ruleset and changes nothing. Exit codes of `apply`: 0
//! applied and verified, 2 nothing changed (error), 3 failed and rolled back cleanly, 4
//! rollback failed (the manual recovery commands are printed).
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use super::job::{self, JobArgs, RuleArgs};
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use clap::{Subcommand, ValueEnum};
use std::fmt::Write as _;
use tw_firewall::{ApplyError, Backend, Firewall, SystemExec};

/// `apply` failed and rolled back cleanly.
pub const EXIT_ROLLED_BACK: u8 = 3;
/// `apply` failed and so did its rollback.
pub const EXIT_ROLLBACK_FAILED: u8 = 4;

/// Arguments of `firewall`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: FirewallCommand,
}

/// The firewall subcommands.
#[derive(Debug, Subcommand)]
pub enum FirewallCommand {
    /// Print the exact ruleset (nft) or script (iptables) apply would load; change nothing.
    #[command(after_help = "Examples:
  torchward firewall plan --peer 192.168.1.1,192.168.1.2 --port 29510
  torchward firewall plan --backend iptables --peer 10.0.0.0/24
  torchward firewall plan --coverage interface --interface eth1 --peer node2 --keep-open 22
  torchward firewall plan --backend kubernetes --job bert --namespace team-a --port 29500,60000-60015")]
    Plan(PlanArgs),
    /// Apply the rules, read them back, verify; roll back on failure.
    #[command(
        after_help = "Exit codes: 0 applied and verified, 2 nothing changed, 3 failed and rolled back cleanly,
4 rollback failed (run the printed commands)."
    )]
    Apply(ApplyArgs),
    /// Remove torchward's rules (both backends) and the state file.
    Remove(RemoveArgs),
    /// Show what is applied, with drop counters; exit 1 if the rules drifted from the state file.
    Status(StatusArgs),
}

/// Arguments of `firewall plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The job (ports default to its matrix).
    #[command(flatten)]
    pub job: JobArgs,
    /// The rules.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// The Kubernetes job (--backend kubernetes).
    #[command(flatten)]
    pub kube: super::firewall_kubernetes::KubeArgs,
    /// The job's launch line, pasted after -- (torchrun, torch_npu_run or python -m
    /// torch.distributed.run, with its options); torchward's own flags win over it.
    #[arg(last = true, value_name = "LAUNCH LINE")]
    pub launch: Vec<std::ffi::OsString>,
}

/// Arguments of `firewall apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The job (ports default to its matrix).
    #[command(flatten)]
    pub job: JobArgs,
    /// The rules.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// The job's launch line, pasted after -- (torchrun, torch_npu_run or python -m
    /// torch.distributed.run, with its options); torchward's own flags win over it.
    #[arg(last = true, value_name = "LAUNCH LINE")]
    pub launch: Vec<std::ffi::OsString>,
}

/// Arguments of `firewall remove`.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// State file recording what was applied.
    #[arg(long, value_name = "PATH", default_value = tw_firewall::state::DEFAULT_PATH)]
    pub state_file: std::path::PathBuf,
}

/// Output formats of `firewall status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// For people.
    Text,
    /// JSON.
    Json,
}

/// Arguments of `firewall status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// State file recording what was applied.
    #[arg(long, value_name = "PATH", default_value = tw_firewall::state::DEFAULT_PATH)]
    pub state_file: std::path::PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

/// Runs the firewall subcommand.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    match &args.command {
        FirewallCommand::Plan(args) => plan(args, ctx),
        FirewallCommand::Apply(args) => apply(args, ctx),
        FirewallCommand::Remove(args) => remove(args),
        FirewallCommand::Status(args) => status(args),
    }
}

/// Matrix findings that matter for the plan, host coexistence problems, and what is and is
/// not covered (said once).
fn warn_findings(ctx: &Context, matrix: &tw_firewall::Matrix, plan: &tw_firewall::Plan) {
    for finding in job::plan_findings(matrix, plan)
        .iter()
        .chain(&tw_firewall::coexist::check(std::path::Path::new("/")))
    {
        let fix = finding
            .remediation
            .as_deref()
            .map(|r| format!(" (fix: {r})"))
            .unwrap_or_default();
        ctx.warn(format!(
            "{} {}: {}{fix}",
            finding.rule, finding.name, finding.message
        ));
    }
    output::note(job::coverage_note(matrix, plan, false));
}

fn plan(args: &PlanArgs, ctx: &Context) -> anyhow::Result<ExitStatus> {
    let line = job::launch_line(&args.launch)?;
    if args.rules.backend == job::BackendChoice::Kubernetes {
        return super::firewall_kubernetes::plan(&args.kube, &args.job, &args.rules, line.as_ref());
    }
    if args.kube.given() {
        anyhow::bail!(
            "--job, --namespace, --job-kind, --pod-label and --egress need --backend kubernetes"
        );
    }
    let matrix = job::matrix(&args.job, line.as_ref());
    let plan = job::plan(&args.rules, &matrix)?;
    // `plan` touches nothing, so it also works on a machine without either tool.
    let backend = job::backend(args.rules.backend, &SystemExec).unwrap_or(Backend::Nft);
    warn_findings(ctx, &matrix, &plan);
    for line in job::describe_peers(&plan) {
        output::note(line);
    }
    if plan.peers().is_empty() {
        ctx.warn("no --peer given: only loopback and this host's own addresses will reach the restricted ports");
    }
    let script = match backend {
        Backend::Nft => tw_firewall::nft::apply_script(&plan),
        Backend::Iptables => tw_firewall::iptables::plan_script(&plan),
    };
    match output::write_stdout(&script) {
        Err(err) if !output::is_broken_pipe(&err) => Err(err),
        _ => Ok(ExitStatus::Success),
    }
}

fn apply(args: &ApplyArgs, ctx: &Context) -> anyhow::Result<ExitStatus> {
    let line = job::launch_line(&args.launch)?;
    let matrix = job::matrix(&args.job, line.as_ref());
    let plan = job::plan(&args.rules, &matrix)?;
    let backend = job::backend(args.rules.backend, &SystemExec)?;
    warn_findings(ctx, &matrix, &plan);
    for line in job::describe_peers(&plan) {
        output::note(line);
    }
    let firewall = Firewall::new(&SystemExec, args.rules.state_file.clone());
    match firewall.apply(&plan, backend, None) {
        Ok(_) => {
            output::note(format!(
                "applied and verified ({}): ports {} reachable only from peers, loopback and this host; state in {}",
                backend.as_str(),
                tw_firewall::port::join(plan.ports()),
                args.rules.state_file.display()
            ));
            Ok(ExitStatus::Success)
        }
        Err(err @ ApplyError::NotApplied { .. }) => Err(err.into()),
        Err(err @ ApplyError::RolledBack { .. }) => {
            output::error(&anyhow::Error::new(err));
            Ok(ExitStatus::External(EXIT_ROLLED_BACK))
        }
        Err(ApplyError::RollbackFailed {
            cause,
            rollback,
            recovery,
        }) => {
            output::note(format!("error: apply failed: {cause}\nerror: rollback failed: {rollback}\nremove torchward's rules by hand:"));
            for command in recovery {
                output::note(format!("  {command}"));
            }
            Ok(ExitStatus::External(EXIT_ROLLBACK_FAILED))
        }
    }
}

fn remove(args: &RemoveArgs) -> anyhow::Result<ExitStatus> {
    let removed = Firewall::new(&SystemExec, args.state_file.clone()).remove()?;
    if removed.is_empty() {
        output::note("no torchward rules were present");
    } else {
        let names: Vec<&str> = removed.iter().map(|b| b.as_str()).collect();
        output::note(format!("removed torchward's rules ({})", names.join(", ")));
    }
    Ok(ExitStatus::Success)
}

fn status(args: &StatusArgs) -> anyhow::Result<ExitStatus> {
    let status = Firewall::new(&SystemExec, args.state_file.clone()).status()?;
    let drift = super::firewall_drift::drift(&status);
    let text = match args.format {
        StatusFormat::Json => {
            let mut json = serde_json::to_string_pretty(
                &serde_json::json!({ "status": &status, "drift": &drift }),
            )?;
            json.push('\n');
            json
        }
        StatusFormat::Text => {
            let mut out = String::new();
            if let Some(state) = &status.state {
                let _ = writeln!(
                    out,
                    "state file: {} ({}{}{}), ports {}",
                    args.state_file.display(),
                    state.backend.as_str(),
                    if state.owner { ", owner table" } else { "" },
                    state.pid.map(|p| format!(", pid {p}")).unwrap_or_default(),
                    tw_firewall::port::join(&state.ports)
                );
                if let Some(cgroup) = state.plan.cgroup() {
                    let _ = writeln!(
                        out,
                        "job sockets: every socket of cgroup {} (torchward run)",
                        cgroup.path()
                    );
                }
                let peers: Vec<String> =
                    state.plan.nets().iter().map(ToString::to_string).collect();
                let _ = writeln!(
                    out,
                    "peers: {}",
                    if peers.is_empty() {
                        "(none: loopback and own addresses only)".to_owned()
                    } else {
                        peers.join(", ")
                    }
                );
            } else if let Some(err) = &status.state_error {
                let _ = writeln!(out, "state file: {err}");
            } else {
                let _ = writeln!(out, "state file: none at {}", args.state_file.display());
            }
            if let Some(nft) = &status.nft {
                let (packets, bytes) = nft.dropped.unwrap_or((0, 0));
                let _ = writeln!(out, "nft table inet torchward: present{}; dropped {packets} packets ({bytes} bytes)", if nft.owner { " (owner table)" } else { "" });
            }
            for chain in &status.iptables {
                let _ = writeln!(
                    out,
                    "{} chain {}: present, jump {}; dropped {} packets ({} bytes)",
                    if chain.chain.ends_with('6') {
                        "ip6tables"
                    } else {
                        "iptables"
                    },
                    chain.chain,
                    match (chain.jump_present, chain.jump_first) {
                        (_, true) => "first in INPUT",
                        (true, false) => "NOT first in INPUT",
                        (false, _) => "MISSING from INPUT",
                    },
                    chain.dropped.0,
                    chain.dropped.1
                );
            }
            if !status.active() {
                let _ = writeln!(out, "no torchward rules are present");
            }
            for line in &drift {
                let _ = writeln!(out, "drift: {line}");
            }
            out
        }
    };
    match output::write_stdout(&text) {
        Err(err) if !output::is_broken_pipe(&err) => return Err(err),
        _ => {}
    }
    Ok(if drift.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}
