//! `torchward report FILE`: reads a JSON report written by any torchward command and runs it
//! through the pipeline again, so one run can feed several formats (JSON archived, SARIF
//! uploaded, annotations printed) and filters or an ignore file can be applied afterwards.
use crate::args::ReportArgs;
use crate::context::Context;
use crate::pipeline::ReportCommand;
use anyhow::Context as _;
use std::io::Read;
use std::path::PathBuf;
use tw_diagnostics::{Report, SCHEMA_VERSION};

/// Saved reports larger than this are refused.
const MAX_REPORT_BYTES: u64 = 256 << 20;

/// `report`: re-render one saved report, or (`report merge`) summarise many.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// `merge`, or none to re-render one report.
    #[command(subcommand)]
    pub action: Option<Action>,

    /// Re-rendering one report.
    #[command(flatten)]
    pub rerender: Args,
}

/// The subcommands of `report`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Summarise many reports (a fleet's hosts, a sharded scan): hosts by worst severity,
    /// findings per rule, the hosts failing each rule; text, Markdown, JSON or HTML.
    Merge(super::report_merge::Args),
}

/// Arguments of `report` re-rendering one file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    torchward report scan.json --format sarif -o scan.sarif\n  \
    torchward report scan.json --format github --fail-on high\n  \
    torchward report - --select TW1 < scan.json\n  \
    torchward report merge results/ --format html -o fleet.html")]
pub struct Args {
    /// A report written with --format json (`-` reads stdin).
    #[arg(value_name = "REPORT.json")]
    pub input: Option<PathBuf>,

    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "report"
    }

    fn report_args(&self) -> &ReportArgs {
        &self.report
    }

    fn run(&self, _ctx: &Context) -> anyhow::Result<Report> {
        // Optional only so that `report merge` parses; re-rendering needs one file.
        let Some(input) = &self.input else {
            anyhow::bail!(
                "`torchward report` needs a REPORT.json to re-render (or `torchward report merge REPORT...`)"
            );
        };
        let bytes = if input.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(MAX_REPORT_BYTES + 1)
                .read_to_end(&mut bytes)
                .context("reading the report from stdin")?;
            anyhow::ensure!(
                bytes.len() as u64 <= MAX_REPORT_BYTES,
                "the report on stdin is over {MAX_REPORT_BYTES} bytes"
            );
            bytes
        } else {
            tw_fs::read_bounded(input, MAX_REPORT_BYTES)?
        };
        let report: Report = serde_json::from_slice(&bytes)
            .with_context(|| format!("`{}` is not a torchward JSON report", input.display()))?;
        anyhow::ensure!(
            report.schema_version == SCHEMA_VERSION,
            "`{}` has schema_version {}, this torchward reads {SCHEMA_VERSION}",
            input.display(),
            report.schema_version
        );
        Ok(report)
    }
}
