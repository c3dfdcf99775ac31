//! `torchward audit host|perms|env`: the command group for the host checks (TW2xx, `tw-host`),
//! the permission table (TW3xx, `tw-perms`) and Python environments (TW22x, `tw-env`); one
//! module per leaf.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use crate::context::Context;
use crate::exit::ExitStatus;
use clap::Subcommand;

mod env;
mod host;
mod perms;
mod perms_report;
mod spill;

/// Arguments of `audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to audit.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check this host against the statement: ASLR, run user, umask, core dumps, exposed
    /// training ports (TW2xx); --fix applies the safe fixes.
    Host(host::Args),
    /// Check paths against the statement's permission table (TW3xx); --fix only removes bits,
    /// race-free, with an undo journal.
    Perms(perms::Args),
    /// Check Python environments and running processes against the statement's CVE notice:
    /// torch, torch_npu and serving stacks, TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD (TW22x).
    Env(env::Args),
}

/// Runs the audit subcommand.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    match &args.command {
        AuditCommand::Host(args) => host::run(args, ctx),
        AuditCommand::Perms(args) => perms::run(args, ctx),
        AuditCommand::Env(args) => env::run(args, ctx),
    }
}
