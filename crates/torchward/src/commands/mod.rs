//! The subcommands: one module per command, the `Command` enum clap parses into, and the one
//! `match` that runs each. Adding a command is three lines here (see
//! `docs/dev/adding-a-command.md`): `mod x;`, a variant, and a dispatch arm.
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::pipeline;
use clap::Subcommand;

mod api;
mod audit;
mod convert;
mod explain;
mod firewall;
mod firewall_drift;
mod firewall_kubernetes;
mod inspect;
mod job;
mod lint;
mod matrix;
mod report;
mod report_merge;
mod rules;
mod run;
mod scan;
mod slurm;
mod supervise;
mod urls;

/// Every torchward subcommand, in the order `--help` lists them (DESIGN.md §1 order).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan model and pickle files for code that would run on load (`TW1xx`).
    Scan(scan::Args),
    /// List the tensors and values of a weights-only model file, without running it.
    Inspect(inspect::Args),
    /// Convert checkpoints (torch zip, legacy torch, .npy/.npz, DCP directories, sharded .bin
    /// sets) to safetensors without running them: bit-exact, streaming, atomic; refused files
    /// say why.
    Convert(convert::Args),
    /// Audit this host (ASLR, run user, umask, core dumps, exposed ports) or paths (the
    /// permission table); --fix applies safe fixes.
    Audit(audit::Args),
    /// Print the communication matrix of this job (statement §12) from torchrun flags and the
    /// environment torchrun and HCCL read.
    Matrix(matrix::Args),
    /// Restrict the training ports to the peers (nftables or iptables, IPv4 and IPv6):
    /// plan, apply, remove, status.
    Firewall(firewall::Args),
    /// Per-job firewall tables for Slurm: node prolog, epilog, and a sweep of stale tables.
    Slurm(slurm::Args),
    /// Launch training hardened: preflight, firewall held while it runs, signals forwarded,
    /// the command's exit code returned.
    Run(run::Args),
    /// Write and check the public network address declaration of a source tree: URLs, public
    /// IPs, domains and e-mails in configs and scripts.
    Urls(urls::Args),
    /// Find risky deserialization calls in Python code (torch.load, pickle, yaml.load ...).
    Lint(lint::Args),
    /// Write the public interface declaration of a Python package (read from source by the
    /// public-API rules torch follows) and gate breaking API changes between two versions.
    Api(api::Args),
    /// Print the documentation of one finding ID (what, why, example, fix, references).
    Explain(explain::Args),
    /// List every finding ID with its name, severity, statement section and summary.
    Rules(rules::Args),
    /// Re-render a saved JSON report (another format, other filters, an ignore file), or
    /// merge many into one fleet summary (`report merge`).
    Report(report::Cli),
    /// Internal: the process `run` places between itself and the command.
    #[command(name = "__supervise", hide = true)]
    Supervise(supervise::Args),
}

/// Runs the parsed command.
pub fn dispatch(command: Command, ctx: &Context) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Scan(args) => pipeline::execute(&args, ctx),
        Command::Inspect(args) => inspect::run(&args, ctx),
        Command::Convert(args) => convert::run(&args, ctx),
        Command::Audit(args) => audit::run(&args, ctx),
        Command::Matrix(args) => matrix::run(&args, ctx),
        Command::Firewall(args) => firewall::run(&args, ctx),
        Command::Slurm(args) => slurm::run(&args, ctx),
        Command::Run(args) => run::run(&args, ctx),
        Command::Urls(args) => pipeline::execute(&args, ctx),
        Command::Lint(args) => pipeline::execute(&args, ctx),
        Command::Api(args) => pipeline::execute(&args, ctx),
        Command::Explain(args) => explain::run(&args, ctx),
        Command::Rules(args) => rules::run(&args, ctx),
        Command::Report(report::Cli {
            action: Some(report::Action::Merge(args)),
            ..
        }) => report_merge::run(&args, ctx),
        Command::Report(cli) => pipeline::execute(&cli.rerender, ctx),
        Command::Supervise(args) => Ok(supervise::run(&args)),
    }
}
