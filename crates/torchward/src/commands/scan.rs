//! `torchward scan PATH...`: finds every model or pickle file under the paths (by content,
//! never by extension) and reports whether loading it could run code or corrupt memory
//! (`TW1xx`). Files are analysed in parallel; one unreadable file never stops the run.
use std::path::PathBuf;

use anyhow::Context as _;
use globset::{Glob, GlobSetBuilder};
use tw_diagnostics::Report;
use tw_modelscan::{scan, ScanOptions};

use crate::args::ReportArgs;
use crate::context::Context;
use crate::pipeline::ReportCommand;

/// Arguments of `scan`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Every file is recognised by its content (torch zip and legacy checkpoints, \
TorchScript, raw and compressed pickles, NumPy .npy/.npz, safetensors); nothing it reads is \
ever executed or imported.

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 a file could not be analysed.

Examples:
  torchward scan model.pt
  torchward scan checkpoints/ --exclude '*.log'
  torchward scan . --format sarif -o model-scan.sarif
  torchward scan hub-cache/ --fail-on high --format json"
)]
pub struct Args {
    /// Files or directories to scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Skip paths matching this glob (repeatable; matched on the path, the path relative to
    /// the scanned directory, and the file name).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Follow symbolic links while walking directories (off: a link could lead anywhere).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Also accept this global as weights-only safe, e.g. `argparse.Namespace` (repeatable).
    /// Modules sys, os, posix and nt can never be allowed.
    #[arg(long, value_name = "MODULE.NAME")]
    pub allow_global: Vec<String>,

    /// Also accept the data-only globals of a framework profile (repeatable): numpy-rng,
    /// megatron, deepspeed, hf-trainer, lightning; torch-npu is always on (docs/profiles.md).
    #[arg(
        long,
        value_name = "NAME",
        value_parser = clap::builder::PossibleValuesParser::new(tw_modelscan::profiles::profile_names())
    )]
    pub profile: Vec<String>,

    /// Report options (--format, --output, --fail-on, --select, ...).
    #[command(flatten)]
    pub report: ReportArgs,
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "scan"
    }

    fn report_args(&self) -> &ReportArgs {
        &self.report
    }

    fn roots(&self) -> &[PathBuf] {
        &self.paths
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let mut globs = GlobSetBuilder::new();
        for pattern in &self.exclude {
            globs.add(
                Glob::new(pattern)
                    .with_context(|| format!("invalid --exclude glob `{pattern}`"))?,
            );
        }
        let exclude = globs.build().context("building --exclude globs")?;
        let mut options = ScanOptions {
            follow_symlinks: self.follow_symlinks,
            ..ScanOptions::default()
        };
        for name in &self.profile {
            options
                .profile(name)
                .with_context(|| format!("--profile {name}"))?;
        }
        for global in &self.allow_global {
            options
                .pickle
                .allowlist
                .allow(global)
                .with_context(|| format!("--allow-global {global}"))?;
        }
        let mut report = ctx.new_report(self.name());
        let (files, walk_errors) = scan::files(&self.paths, &exclude, &options);
        report.errors.extend(walk_errors);
        let progress = ctx.progress(&self.report, Some(files.len() as u64), "scanning");
        let result = scan::scan_files(&files, &options, &|| progress.inc(1));
        progress.finish();
        report.findings.extend(result.findings);
        report.errors.extend(result.errors);
        report.stats = result.stats;
        Ok(report)
    }
}
