//! `torchward scan PATH...`: finds every model or pickle file under the paths (by content,
//! never by extension) and reports whether loading it could run code or corrupt memory
//! (`TW1xx`). Files are analysed in parallel; one unreadable file never stops the run.
//! Every path named is read (`-` is standard input, `--files-from` names a list); a special
//! file named is an error, one met in a walk is passed over and counted. `--shard I/N` keeps
//! a stable part of the inputs, `--format jsonl` streams one line per file.
use std::io::Read as _;
use std::os::fd::AsFd as _;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context as _;
use globset::{Glob, GlobSetBuilder};
use std::collections::BTreeMap;
use tw_diagnostics::{AnalysisError, Finding, Report, SkippedInput, Stats};
use tw_modelscan::scan::{self, FileResult, Verdict};
use tw_modelscan::shard::Shard;
use tw_modelscan::shards;
use tw_modelscan::walk::{self, WalkOptions, Walked};
use tw_modelscan::ScanOptions;

use crate::args::{Format, ReportArgs};
use crate::config::Config;
use crate::context::Context;
use crate::pipeline::ReportCommand;
use crate::stream::Sink;

/// The path that names standard input.
const STDIN: &str = "-";
/// How findings name standard input.
const STDIN_NAME: &str = "<stdin>";
/// The most read from a standard input that is a pipe (a regular file redirected in is mapped
/// whatever its size): a checkpoint bigger than this is scanned by its path instead.
const STDIN_PIPE_LIMIT: u64 = 1 << 30;
/// The most read from a `--files-from` list (about ten million paths).
const LIST_LIMIT: u64 = 1 << 30;

/// Arguments of `scan`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Every file is recognised by its content (torch zip and legacy checkpoints, \
TorchScript, raw and compressed pickles, NumPy .npy/.npz, safetensors); nothing it reads is \
ever executed or imported.

Every path named is read: a symbolic link is followed, `-` is standard input, and a FIFO, \
socket or device named is an error. In directories, links to files are followed as torch.load \
follows them (the Hugging Face cache is all links into blobs/): each file is analysed once and \
reported under its links. Dangling links, loops, special files and files that vanish during \
the walk are passed over and counted (--show-skipped lists them).

--format jsonl writes one JSON object per file as it finishes, then a summary line \
(docs/json-schema.md); --shard I/N keeps the inputs whose path hashes (FNV-1a) to I modulo N, \
so N workers given the same paths split them without coordination.

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 a file could not be analysed.

Examples:
  torchward scan model.pt
  torchward scan checkpoints/ --exclude '*.log'
  torchward scan . --format sarif -o model-scan.sarif
  torchward scan ~/.cache/huggingface/hub --fail-on high --format json
  find /store -name '*.pt' -print0 | torchward scan --files-from - --shard 0/4 --format jsonl"
)]
#[allow(clippy::struct_excessive_bools)] // Each bool is one on/off command-line flag.
pub struct Args {
    /// Files or directories to scan (`-` reads standard input).
    #[arg(required_unless_present = "files_from", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Also scan the paths listed in FILE (`-`: standard input), NUL-separated when the list
    /// holds a NUL byte (`find -print0`), else one per line.
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Scan only shard I of N (0-based) of the inputs, partitioned by a stable hash of each
    /// path: N workers with the same paths together scan each file exactly once.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,

    /// Skip paths matching this glob (repeatable; matched on the path, the path relative to
    /// the scanned directory, and the file name).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Also walk into directories that symbolic links name (links to files are always
    /// followed; loops are detected).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Pass over symbolic links whose target lies outside the directories named.
    #[arg(long)]
    pub no_follow_outside: bool,

    /// List the files passed over (vanished, special files, dangling links ...) in text output
    /// (JSON always lists them).
    #[arg(long)]
    pub show_skipped: bool,

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

/// The `verdict` of a `--format jsonl` file line carrying the sharded-set checks of an index
/// or a directory rather than one file's analysis (docs/json-schema.md).
const REPOSITORY_VERDICT: &str = "repository";

/// What a run reads: the walked inputs of this shard, and whether standard input is one.
struct Plan {
    walked: Walked,
    stdin: bool,
    /// Every input walked, of all shards: the repository checks look at whole directories.
    all_paths: Vec<PathBuf>,
}

impl Args {
    fn options(&self) -> anyhow::Result<ScanOptions> {
        let mut options = ScanOptions::default();
        // The configuration file's profiles and globals, then the command line's.
        let config = Config::for_inputs(&self.paths)?;
        for name in config.profiles.iter().chain(&self.profile) {
            options
                .profile(name)
                .with_context(|| format!("--profile {name}"))?;
        }
        for global in config.allow_global.iter().chain(&self.allow_global) {
            options
                .pickle
                .allowlist
                .allow(global)
                .with_context(|| format!("--allow-global {global}"))?;
        }
        Ok(options)
    }

    fn walk_options(&self) -> anyhow::Result<WalkOptions> {
        let mut globs = GlobSetBuilder::new();
        for pattern in &self.exclude {
            globs.add(
                Glob::new(pattern)
                    .with_context(|| format!("invalid --exclude glob `{pattern}`"))?,
            );
        }
        Ok(WalkOptions {
            exclude: globs.build().context("building --exclude globs")?,
            follow_symlinks: self.follow_symlinks,
            no_follow_outside: self.no_follow_outside,
        })
    }

    /// Walks the paths named and listed, then keeps this shard's part.
    fn plan(&self) -> anyhow::Result<Plan> {
        without_huge_pages();
        let stdin_named = self.paths.iter().any(|p| p.as_os_str() == STDIN);
        let mut roots: Vec<PathBuf> = self
            .paths
            .iter()
            .filter(|p| p.as_os_str() != STDIN)
            .cloned()
            .collect();
        if let Some(list) = &self.files_from {
            if stdin_named && list.as_os_str() == STDIN {
                anyhow::bail!("`-` and `--files-from -` both name standard input; use one");
            }
            roots.extend(read_list(list)?);
        }
        let mut walked = walk::collect(&roots, &self.walk_options()?);
        let all_paths = walked
            .inputs
            .iter()
            .map(|input| input.path().to_path_buf())
            .collect();
        let mut stdin = stdin_named;
        if let Some(shard) = self.shard {
            walked.inputs.retain(|input| shard.contains(input.path()));
            walked
                .errors
                .retain(|error| shard.contains(Path::new(&error.path)));
            walked
                .skipped
                .retain(|skipped| shard.contains(Path::new(&skipped.path)));
            stdin &= shard.contains(Path::new(STDIN));
        }
        Ok(Plan {
            walked,
            stdin,
            all_paths,
        })
    }

    /// The sharded-set checks (TW131-TW135) this run owns: all of them unsharded; with
    /// `--shard I/N` those of the indexes (and, for TW134, directories) whose path hashes to
    /// shard I, so each runs exactly once across the shards (docs/scan.md).
    fn repository_check(&self, plan: &Plan, options: &ScanOptions) -> shards::ShardCheck {
        let shard = self.shard;
        shards::check(&plan.all_paths, options, &|path| {
            shard.is_none_or(|shard| shard.contains(path))
        })
    }
}

/// Turns transparent huge pages off for this process (`prctl(PR_SET_THP_DISABLE)`). A scan
/// allocates small graphs on every thread, and the allocator's fresh memory is
/// huge-page-backed where the kernel allows it: each first touch then zeroes a whole 2 MiB
/// page, which was over a third of the CPU time of scanning a mixed corpus (`perf record`:
/// `clear_page_erms` under `do_huge_pmd_anonymous_page`). Only `scan` does this (the flag is
/// inherited by children, and `run`'s child is the user's training). Best effort: a kernel
/// without the call scans as before.
fn without_huge_pages() {
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// The paths a `--files-from` list names: NUL-separated when it holds a NUL byte, else one
/// per line (a `\r` before the newline dropped); empty entries ignored.
fn read_list(list: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let bytes = if list.as_os_str() == STDIN {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(LIST_LIMIT + 1)
            .read_to_end(&mut bytes)
            .context("reading --files-from from standard input")?;
        if bytes.len() as u64 > LIST_LIMIT {
            anyhow::bail!("the --files-from list on standard input is over {LIST_LIMIT} bytes");
        }
        bytes
    } else {
        tw_fs::read_bounded(list, LIST_LIMIT).context("reading --files-from")?
    };
    Ok(split_list(&bytes))
}

fn split_list(bytes: &[u8]) -> Vec<PathBuf> {
    let separator = if bytes.contains(&0) { b'\0' } else { b'\n' };
    bytes
        .split(|&b| b == separator)
        .map(|entry| {
            if separator == b'\n' {
                entry.strip_suffix(b"\r").unwrap_or(entry)
            } else {
                entry
            }
        })
        .filter(|entry| !entry.is_empty())
        .map(|entry| PathBuf::from(std::ffi::OsStr::from_bytes(entry)))
        .collect()
}

/// Standard input analysed as one file named `<stdin>`: mapped when it is a regular file
/// (`< model.pt`), read up to `STDIN_PIPE_LIMIT` otherwise.
fn scan_stdin(options: &ScanOptions) -> FileResult {
    match stdin_bytes() {
        Ok(StdinBytes::Mapped(map)) => {
            tw_modelscan::with_mapped(map, |data| scan::scan_bytes(STDIN_NAME, data, options))
        }
        Ok(StdinBytes::Read(data)) => scan::scan_bytes(STDIN_NAME, &data, options),
        Err(err) => FileResult {
            path: STDIN_NAME.to_owned(),
            verdict: Verdict::Analysed,
            findings: Vec::new(),
            errors: vec![tw_diagnostics::AnalysisError::of_path(
                STDIN_NAME,
                err.as_ref(),
            )],
            bytes: 0,
        },
    }
}

enum StdinBytes {
    Mapped(tw_fs::Mapping),
    Read(Vec<u8>),
}

fn stdin_bytes() -> Result<StdinBytes, Box<dyn std::error::Error + Send + Sync>> {
    let stdin = std::io::stdin();
    let file = std::fs::File::from(stdin.as_fd().try_clone_to_owned()?);
    if file.metadata()?.is_file() {
        return Ok(StdinBytes::Mapped(tw_fs::Mapping::of_file(
            &file,
            Path::new(STDIN_NAME),
        )?));
    }
    let mut data = Vec::new();
    stdin
        .lock()
        .take(STDIN_PIPE_LIMIT + 1)
        .read_to_end(&mut data)?;
    if data.len() as u64 > STDIN_PIPE_LIMIT {
        return Err(format!(
            "standard input is over {STDIN_PIPE_LIMIT} bytes; scan a file this big by its path"
        )
        .into());
    }
    Ok(StdinBytes::Read(data))
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

    fn extra_formats(&self) -> &'static [Format] {
        &[Format::Jsonl]
    }

    fn show_skipped(&self) -> bool {
        self.show_skipped
    }

    fn shard(&self) -> Option<String> {
        self.shard.map(|shard| shard.to_string())
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let options = self.options()?;
        let plan = self.plan()?;
        let mut report = ctx.new_report(self.name());
        report.errors.extend(plan.walked.errors.iter().cloned());
        report.skipped.extend(plan.walked.skipped.iter().cloned());
        let total = plan.walked.inputs.len() as u64 + u64::from(plan.stdin);
        let progress = ctx.progress(&self.report, Some(total), "scanning");
        let mut result = scan::scan_files(&plan.walked.inputs, &options, &|| progress.inc(1));
        if plan.stdin {
            result.add(scan_stdin(&options));
            progress.inc(1);
        }
        progress.finish();
        result.add_repository(self.repository_check(&plan, &options));
        report.findings.extend(result.findings);
        report.errors.extend(result.errors);
        report.skipped.extend(result.skipped);
        report.stats = result.stats;
        report.stats.links_followed = plan.walked.links_followed;
        Ok(report)
    }

    fn stream(&self, ctx: &Context, sink: &Sink<'_>) -> anyhow::Result<Stats> {
        let options = self.options()?;
        let plan = self.plan()?;
        let (walked, stdin) = (&plan.walked, plan.stdin);
        for error in &walked.errors {
            sink.error(error);
        }
        for skipped in &walked.skipped {
            sink.skipped(skipped);
        }
        let stats = Mutex::new(Stats {
            links_followed: walked.links_followed,
            ..Stats::default()
        });
        let total = walked.inputs.len() as u64 + u64::from(stdin);
        let progress = ctx.progress(&self.report, Some(total), "scanning");
        let each = |file: FileResult| {
            if let Ok(mut stats) = stats.lock() {
                file.count(&mut stats);
            }
            match file.verdict {
                Verdict::Skipped(reason) => sink.skipped(&SkippedInput {
                    path: file.path,
                    reason,
                }),
                verdict => sink.file(
                    &file.path,
                    verdict.as_str(),
                    file.findings,
                    file.errors,
                    file.bytes,
                ),
            }
            progress.inc(1);
        };
        scan::for_each_file(&walked.inputs, &options, &each);
        if stdin {
            each(scan_stdin(&options));
        }
        progress.finish();
        // After every file: one `repository` line per index or directory the checks name.
        let check = self.repository_check(&plan, &options);
        let mut by_path: BTreeMap<String, (Vec<Finding>, Vec<AnalysisError>)> = BTreeMap::new();
        for finding in check.findings {
            let path = finding.location.path.clone();
            by_path.entry(path).or_default().0.push(finding);
        }
        for error in check.errors {
            by_path.entry(error.path.clone()).or_default().1.push(error);
        }
        for (path, (findings, errors)) in by_path {
            sink.file(&path, REPOSITORY_VERDICT, findings, errors, 0);
        }
        Ok(stats
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_nul_when_present_else_on_lines() {
        assert_eq!(
            split_list(b"a b\nc\r\n\nd"),
            [PathBuf::from("a b"), "c".into(), "d".into()]
        );
        assert_eq!(
            split_list(b"line\nbreak\0other\0"),
            [PathBuf::from("line\nbreak"), "other".into()]
        );
    }
}
