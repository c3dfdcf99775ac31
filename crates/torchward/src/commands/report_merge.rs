//! `torchward report merge REPORT...`: many reports (one per host from `audit host`/`audit
//! env`/`audit perms` on a fleet, or the JSON Lines shards of one sharded `scan`) summarised as
//! one: hosts by worst severity, findings per rule across hosts, the hosts failing each rule.
//! A bad or truncated input is an error naming it (exit 2); the others still merge.
use crate::args::OutputArgs;
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use anyhow::Context as _;
use clap::ValueEnum;
use std::path::{Path, PathBuf};
use tw_diagnostics::{Severity, SkipReason};
use tw_fleet::{parse_reports, render, Fleet};

/// Inputs larger than this are refused (a JSON report of a million findings is ~500 MB: merge
/// such stores as JSON Lines shards instead).
const MAX_INPUT_BYTES: u64 = 512 << 20;

/// How the fleet summary is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// Tables for people.
    Text,
    /// A Markdown document (tickets, wikis, pull requests).
    Markdown,
    /// The summary as JSON (hosts, rules, input errors).
    Json,
    /// One self-contained HTML page with sortable tables (no external assets).
    Html,
}

/// Arguments of `report merge`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    torchward report merge results/                    Every *.json and *.jsonl below results/\n  \
    torchward report merge node*.json --format html -o fleet.html\n  \
    torchward report merge shard-*.jsonl --fail-on high\n\n\
    Each report records the host it ran on (set TORCHWARD_HOST_NAME to override the kernel's\n\
    host name when the reports are made); a report without one is named after its file.\n\
    Exit codes: 0 no host fails, 1 some host has findings at or above --fail-on, 2 an input\n\
    could not be read or a host's own run had errors.")]
pub struct Args {
    /// Reports written with --format json or --format jsonl, or directories holding them.
    #[arg(value_name = "REPORT", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = MergeFormat::Text, value_name = "FORMAT")]
    pub format: MergeFormat,

    /// `--output` and `--force`.
    #[command(flatten)]
    pub out: OutputArgs,

    /// Count findings at or above LEVEL (a host fails when it has one).
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "low",
        ignore_case = true,
        value_parser = crate::args::severity_parser()
    )]
    pub fail_on: Severity,

    /// Exit 0 even when hosts fail (unreadable inputs still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
}

/// Runs `report merge`.
pub fn run(args: &Args, _ctx: &Context) -> anyhow::Result<ExitStatus> {
    args.out.check_destination("fleet.md")?;
    let files = expand(&args.inputs)?;
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    let mut merged = 0;
    for file in &files {
        let shown = file.display().to_string();
        let stem = file
            .file_stem()
            .map_or_else(|| shown.clone(), |s| s.to_string_lossy().into_owned());
        let loaded = tw_fs::read_bounded(file, MAX_INPUT_BYTES)
            .map_err(|e| e.to_string())
            .and_then(|bytes| parse_reports(&shown, &bytes, &stem).map_err(|e| e.to_string()));
        match loaded {
            Ok(loaded) => {
                merged += 1;
                reports.extend(loaded.reports);
            }
            Err(message) => {
                output::note(format_args!("error: {message}"));
                errors.push(message);
            }
        }
    }
    let fleet = Fleet::merge(&reports, merged, errors, args.fail_on);
    let rendered = match args.format {
        MergeFormat::Text => render::text(&fleet),
        MergeFormat::Markdown => render::markdown(&fleet),
        MergeFormat::Json => render::json(&fleet).context("serialising the summary")?,
        MergeFormat::Html => render::html(&fleet),
    };
    let status = match fleet.exit_code() {
        0 => ExitStatus::Success,
        1 if args.exit_zero => ExitStatus::Success,
        1 => ExitStatus::Findings,
        _ => ExitStatus::Error,
    };
    match args.out.write(&rendered, "writing the summary") {
        Ok(()) => Ok(status),
        Err(err) if output::is_broken_pipe(&err) => Ok(status),
        Err(err) => Err(err),
    }
}

/// The files to read: files as named, and for a directory every `*.json` and `*.jsonl` below
/// it, walked as `scan` walks (tw-modelscan's walk): symbolic links to regular files are
/// followed (each target merged once, under its link's name), links to directories are not,
/// and dangling links, link loops and special files are passed over and told on stderr with
/// their count. Sorted, so the merge reads them in a stable order. A name that does not exist
/// is an error before anything is read.
fn expand(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .with_context(|| format!("cannot read `{}`", input.display()))?;
        if meta.is_dir() {
            dirs.push(input.clone());
        } else {
            files.push(input.clone());
        }
    }
    if dirs.is_empty() {
        return Ok(files);
    }
    let walked = tw_modelscan::walk::collect(&dirs, &tw_modelscan::walk::WalkOptions::default());
    if let Some(error) = walked.errors.first() {
        anyhow::bail!("cannot list `{}`: {}", error.path, error.message);
    }
    let mut found: Vec<PathBuf> = walked
        .inputs
        .iter()
        .filter_map(|input| {
            input
                .names
                .iter()
                .find(|name| is_report_name(name))
                .cloned()
        })
        .collect();
    found.sort();
    files.extend(found);
    let passed_over: Vec<String> = walked
        .skipped
        .iter()
        .filter(|s| s.reason == SkipReason::DirectoryLink || is_report_name(Path::new(&s.path)))
        .map(|s| format!("`{}` ({})", s.path, s.reason.as_str()))
        .collect();
    if !passed_over.is_empty() {
        output::note(format_args!(
            "report merge: passed over {} entr{}: {}",
            passed_over.len(),
            if passed_over.len() == 1 { "y" } else { "ies" },
            passed_over.join(", ")
        ));
    }
    Ok(files)
}

/// Whether `path` is named like a report (`*.json`, `*.jsonl`).
fn is_report_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "json" || e == "jsonl")
}
