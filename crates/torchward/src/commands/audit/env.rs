//! `torchward audit env [PATH...]`: the torch, torch_npu and serving stacks of Python
//! environments and running processes against the statement's advisories, and
//! TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD wherever it is set (TW22x, `tw-env`). Reads package
//! metadata and text files under `--root`; never imports or runs anything.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use crate::args::ReportArgs;
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::pipeline::{self, ReportCommand};
use std::path::PathBuf;
use tw_diagnostics::Report;
use tw_env::{Options, Root};

/// Arguments of `audit env`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  torchward audit env                          # running processes, python3 on PATH, usual places
  torchward audit env /opt/venv /opt/conda/envs/train
  torchward audit env --root /mnt/image        # a container's root filesystem
  torchward audit env --format json -o env.json

PATH may be a virtualenv, a conda env, a prefix or a site-packages directory. Without PATH:
the environments of running Python processes, python3 on PATH, /opt/conda/envs/*,
~/.virtualenvs/*, /usr and /usr/local, plus TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD in process
environments, /etc/environment, shell profiles and systemd units.")]
pub struct Args {
    /// Environments to audit (inside --root when given).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Read everything under DIR instead of / (a container root filesystem, a copied tree).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,

    /// Report options (--format, --output, --fail-on, --select, ...).
    #[command(flatten)]
    pub report: ReportArgs,
}

impl Args {
    fn options(&self) -> anyhow::Result<Options> {
        if !self.paths.is_empty() {
            let mut paths = Vec::new();
            for path in &self.paths {
                // On the real root a relative PATH is relative to the working directory; under
                // another root it names a path inside that root.
                let path = if self.root == std::path::Path::new("/") {
                    std::path::absolute(path)?
                } else {
                    std::path::Path::new("/").join(path)
                };
                paths.push(path);
            }
            return Ok(Options {
                paths,
                ..Options::default()
            });
        }
        // python3 is looked up on our own PATH on the real root; a container image is read
        // with the usual default PATH.
        let path_var = if self.root == std::path::Path::new("/") {
            std::env::var("PATH").ok()
        } else {
            Some("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned())
        };
        Ok(Options::everything(path_var))
    }
}

/// Runs the environment audit under `root` and fills `report`; shared with `audit host`.
pub fn fill(ctx: &Context, root: &Root, options: &Options, report: &mut Report) {
    let mut audit = tw_env::audit(root, options);
    if audit.hidden > 0 {
        ctx.warn(format!(
            "audit env: {} processes or files could not be read (permission denied): what they hold is not in the report",
            audit.hidden
        ));
    }
    report.findings.append(&mut audit.findings);
    report.errors.append(&mut audit.errors);
    report.stats.inputs += audit.environments;
    report.stats.skipped += audit.vanished;
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "audit env"
    }

    fn report_args(&self) -> &ReportArgs {
        &self.report
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let options = self.options()?;
        let mut report = ctx.new_report(self.name());
        fill(ctx, &Root::new(&self.root), &options, &mut report);
        Ok(report)
    }
}

/// Runs `audit env` through the report pipeline.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    pipeline::execute(args, ctx)
}
