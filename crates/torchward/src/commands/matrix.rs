//! `torchward matrix`: the communication matrix of statement §12 for this job, from launcher
//! flags and the environment, as text, JSON or Markdown, with the problems in the inputs
//! (TW401-TW406, TW409) listed after it.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use super::job::{self, JobArgs};
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use clap::ValueEnum;
use std::fmt::Write as _;

/// Output formats of `matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// For people.
    Text,
    /// The matrix and findings as JSON.
    Json,
    /// The statement's table in Markdown.
    Markdown,
}

/// Arguments of `matrix`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  torchward matrix
  torchward matrix --master-port 29510 --format markdown
  torchward matrix -- torchrun --nnodes 2 --nproc-per-node 8 --master-addr 10.0.0.1 train.py
  HCCL_IF_BASE_PORT=61000 torchward matrix --hccl-ports 32 --format json

Exit codes: 0 the inputs are valid, 1 findings (invalid or risky values), 2 errors.")]
pub struct Args {
    /// The job.
    #[command(flatten)]
    pub job: JobArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Text)]
    pub format: MatrixFormat,
    /// Exit 0 even when the inputs have findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// The job's launch line, pasted after -- (torchrun, torch_npu_run or python -m
    /// torch.distributed.run, with its options); torchward's own flags win over it.
    #[arg(last = true, value_name = "LAUNCH LINE")]
    pub launch: Vec<std::ffi::OsString>,
}

/// Runs `matrix`.
pub fn run(args: &Args, _ctx: &Context) -> anyhow::Result<ExitStatus> {
    let line = job::launch_line(&args.launch)?;
    let matrix = job::matrix(&args.job, line.as_ref());
    let mut text = match args.format {
        MatrixFormat::Text => tw_firewall::table::render_text(&matrix),
        MatrixFormat::Markdown => tw_firewall::table::render_markdown(&matrix),
        MatrixFormat::Json => {
            let value = serde_json::json!({
                "matrix": &matrix,
                "rows": tw_firewall::table::rows(&matrix),
                "training_ports": matrix.training_ports(),
                "findings": &matrix.findings,
            });
            let mut json = serde_json::to_string_pretty(&value)?;
            json.push('\n');
            json
        }
    };
    if args.format != MatrixFormat::Json && !matrix.findings.is_empty() {
        text.push_str(if args.format == MatrixFormat::Markdown {
            "\n**Findings**\n\n"
        } else {
            "\nFindings:\n"
        });
        for finding in &matrix.findings {
            let _ = writeln!(
                text,
                "- {} {} [{}] {}",
                finding.rule, finding.name, finding.severity, finding.message
            );
        }
    }
    match output::write_stdout(&text) {
        Err(err) if !output::is_broken_pipe(&err) => return Err(err),
        _ => {}
    }
    Ok(if matrix.findings.is_empty() || args.exit_zero {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}
