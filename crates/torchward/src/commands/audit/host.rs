//! `torchward audit host`: runs the TW2xx checks under `--root` (default `/`), optionally
//! shows (`--dry-run`) or applies (`--fix`) the safe fixes first; the report then shows the
//! state after the fix. The plan and what was written go to stderr; stdout carries the report.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use crate::args::ReportArgs;
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use crate::pipeline::{self, ReportCommand};
use anyhow::Context as _;
use std::path::PathBuf;
use tw_diagnostics::Report;
use tw_host::{Options, Overlay, Profile, SystemRoot, TrainingPorts, HCCL_BASE_PORT};

/// Arguments of `audit host`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  torchward audit host
  torchward audit host --all-processes --profile strict
  torchward audit host --pid 4242 --format json -o host.json
  torchward audit host --dry-run            # show the safe fixes
  sudo torchward audit host --fix           # apply them (sysctl live + /etc/sysctl.d, login.defs UMASK)
  torchward audit host --root /tmp/fakeroot # audit a copied /proc,/etc tree

Every result has a status (pass, fail, warn, skip, error) and a severity; warn with
\"incomplete: unprivileged\" means torchward could not see everything without root.")]
#[allow(clippy::struct_excessive_bools)] // Each bool is one on/off command-line flag.
pub struct Args {
    /// Read /proc, /etc and /run under DIR instead of / (tests, copied trees).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,

    /// baseline (the statement) or strict (also hard core limit 0, undeclared listeners fail,
    /// 32 HCCL ports, hardening sysctls medium). Default: the overlay's, else baseline.
    #[arg(long, value_name = "PROFILE", value_parser = ["baseline", "strict"])]
    pub profile: Option<String>,

    /// Site overlay (TOML): profile, HCCL ports, extra ports, skips with reason and expiry.
    #[arg(long, value_name = "FILE")]
    pub overlay: Option<PathBuf>,

    /// Also judge this process (run user, umask, core limit); repeatable.
    #[arg(long, value_name = "PID")]
    pub pid: Vec<u32>,

    /// Judge every running python, torchrun and torch_npu_run process.
    #[arg(long)]
    pub all_processes: bool,

    /// HCCL_IF_BASE_PORT of the jobs (default: $HCCL_IF_BASE_PORT, the overlay, 60000).
    #[arg(long, value_name = "PORT")]
    pub hccl_base_port: Option<u32>,

    /// Ports HCCL takes from the base: 16 (CANN before 9.0) or 32 (CANN 9.0 and later).
    #[arg(long, value_name = "N", value_parser = ["16", "32"])]
    pub hccl_port_count: Option<String>,

    /// A further training port to check; repeatable.
    #[arg(long = "port", value_name = "PORT")]
    pub ports: Vec<u16>,

    /// A torchward firewall state file outside /run/torchward (run --state-file), read
    /// besides every state file there (under --root); repeatable.
    #[arg(long, value_name = "PATH")]
    pub state_file: Vec<PathBuf>,

    /// Apply the safe fixes after printing them (needs root on a real host).
    #[arg(long, conflicts_with = "dry_run")]
    pub fix: bool,

    /// Print the fixes --fix would apply, change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Report options (--format, --output, --fail-on, --select, ...).
    #[command(flatten)]
    pub report: ReportArgs,
}

impl Args {
    fn options(&self) -> anyhow::Result<Options> {
        let overlay = match &self.overlay {
            Some(path) => Overlay::load(path)?,
            None => Overlay::default(),
        };
        let profile = match &self.profile {
            Some(name) => name.parse::<Profile>()?,
            None => overlay.profile.unwrap_or_default(),
        };
        let base = if let Some(port) = self.hccl_base_port {
            port
        } else if let Ok(value) = std::env::var("HCCL_IF_BASE_PORT") {
            value
                .trim()
                .parse()
                .with_context(|| format!("HCCL_IF_BASE_PORT={value} is not a port number"))?
        } else {
            overlay.hccl_base_port.unwrap_or(u32::from(HCCL_BASE_PORT))
        };
        let count = match &self.hccl_port_count {
            Some(text) => text.parse()?,
            None => overlay
                .hccl_port_count
                .unwrap_or(profile.default_hccl_count()),
        };
        let mut extra = overlay.ports.clone();
        extra.extend(&self.ports);
        Ok(Options {
            profile,
            ports: TrainingPorts::new(base, count, extra)?,
            pids: self.pid.clone(),
            all_processes: self.all_processes,
            skips: overlay.skip,
            today: tw_host::today(),
            state_files: self
                .state_file
                .iter()
                .map(|path| std::path::absolute(path).map(|p| p.to_string_lossy().into_owned()))
                .collect::<std::io::Result<_>>()?,
        })
    }
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "audit host"
    }

    fn report_args(&self) -> &ReportArgs {
        &self.report
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let options = self.options()?;
        let root = SystemRoot::new(&self.root);
        let mut audit = tw_host::audit(&root, &options);
        if self.fix || self.dry_run {
            if audit.fixes.is_empty() {
                output::note("audit host: nothing to fix");
            } else {
                output::note(if self.fix {
                    "audit host: applying these fixes:"
                } else {
                    "audit host: --fix would apply:"
                });
                for fix in &audit.fixes {
                    output::note(format!("  {fix}"));
                }
            }
            if self.fix && !audit.fixes.is_empty() {
                let written =
                    tw_host::apply_fixes(&root, &audit.fixes).context("applying the host fixes")?;
                for path in written {
                    output::note(format!("  wrote {path}"));
                }
                audit = tw_host::audit(&root, &options);
            }
        }
        if !audit.privileged {
            ctx.warn("not running as root: other users' processes and sockets may be hidden; such results are `warn` (incomplete: unprivileged)");
        }
        let mut report = ctx.new_report(self.name());
        report.stats.inputs = u64::try_from(audit.findings.len()).unwrap_or(u64::MAX);
        // Processes that exited while being read: skipped and counted, never errors.
        report.stats.skipped = u64::try_from(audit.vanished).unwrap_or(u64::MAX);
        report.findings = audit.findings;
        report.errors = audit.errors;
        // The statement's CVE notice for what runs here: TW22x of running processes and host
        // files (`audit env` without its path and install-place discovery).
        super::env::fill(
            ctx,
            &tw_env::Root::new(&self.root),
            &tw_env::Options::host(),
            &mut report,
        );
        Ok(report)
    }
}

/// Runs `audit host` through the report pipeline.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    pipeline::execute(args, ctx)
}
