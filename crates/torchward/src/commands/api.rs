//! `torchward api PACKAGE_DIR`: the public interface declaration of a Python package
//! (security statement section 10, `TW65x`), read from source by PyTorch's public-API rules,
//! and, with `--against` or `--rev`, the breaking-change diff of two versions. `tw-pyapi`
//! reads, resolves and decides; this module picks the sources (directories or git
//! revisions), maps the outcome into the report and renders `--format markdown`.
#![allow(clippy::doc_markdown)]
use crate::args::{Format, ReportArgs};
use crate::context::Context;
use crate::pipeline::ReportCommand;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tw_diagnostics::{AnalysisError, Report, Stats};
use tw_pyapi::{Analysis, SourceSet};

/// Arguments of `api`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Public by PyTorch's rules: a module is public when no component of its dotted \
path starts with `_` and it is not a test module (tests/, test_*.py, *_test.py, conftest.py); in \
it, the names listed in `__all__` (`= [...]`, `+=`, `.extend`, `.append`, `+= other.__all__`, \
`set(a.__all__) | {...}`, a comprehension over literals) when it defines one, otherwise the names \
not starting with `_` that are defined in the module or in a public module below it. A .pyi stub \
beside a .py is read too: its `__all__` wins over a computed one and its signatures win. When \
`__all__` is computed at import time (a loop over dir(), a filter) the module is reported \
(TW659): its declaration is partial. Re-exports are followed through relative and absolute \
imports and star imports; a name defined in a private module shows its origin. Nothing is \
imported or executed.

Formats: markdown (the declaration table: module, name, kind, signature, summary, defined in; \
with --against/--rev the change table; the default on a terminal), text, json, sarif, github.

Diff mode: --against NEW_DIR compares PACKAGE_DIR (old) with NEW_DIR (new); --rev A..B compares \
PACKAGE_DIR as it is at two git revisions (read with git ls-tree/cat-file, no checkout; an empty \
side means HEAD). Removed public names and breaking signature changes (parameter removed, \
reordered, made required, kind narrowed, *args/**kwargs removed, def <-> async def) are high \
findings, so the exit code gates a release; additions are listed at info.

Exit codes: 0 nothing at or above --fail-on, 1 findings (a missing docstring or __all__ problem; \
in diff mode a breaking change), 2 a file could not be read or parsed, or bad usage.

Examples:
  torchward api src/mypkg                                     Print the declaration table
  torchward api src/mypkg --format markdown -o API.md         Write it to a file
  torchward api src/mypkg --select TW651,TW652,TW654          Only the __all__ checks
  torchward api old/mypkg --against src/mypkg                 Breaking changes between trees
  torchward api src/mypkg --rev v1.0..HEAD                    Breaking changes since a tag
  torchward explain TW657"
)]
pub struct Args {
    /// The package directory (the one holding `__init__.py`; any other directory is a source
    /// root whose packages are all read; a directory without any Python module is an error);
    /// the old version in diff mode.
    #[arg(value_name = "PACKAGE_DIR")]
    pub package: PathBuf,

    /// Compare with this directory (the new version) and report API changes.
    #[arg(long, value_name = "NEW_DIR", conflicts_with = "rev")]
    pub against: Option<PathBuf>,

    /// Compare PACKAGE_DIR at two git revisions, `OLD..NEW` (e.g. `v1.0..HEAD`).
    #[arg(long, value_name = "A..B")]
    pub rev: Option<String>,

    /// Report syntax errors as warnings on stderr instead of errors (exit 2).
    #[arg(long)]
    pub ignore_parse_errors: bool,

    /// Report options (--format, --output, --fail-on, --select, ...).
    #[command(flatten)]
    pub report: ReportArgs,

    /// The report options with the terminal default applied (markdown when --format was not
    /// given and the report goes to a terminal).
    #[arg(skip)]
    effective: OnceLock<ReportArgs>,

    /// The roots searched for `.torchwardignore`.
    #[arg(skip)]
    roots: OnceLock<Vec<PathBuf>>,
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "api"
    }

    fn report_args(&self) -> &ReportArgs {
        self.effective
            .get_or_init(|| self.report.with_terminal_format(Format::Markdown))
    }

    fn roots(&self) -> &[PathBuf] {
        self.roots.get_or_init(|| {
            let mut roots = vec![self.package.clone()];
            roots.extend(self.against.clone());
            roots
        })
    }

    fn extra_formats(&self) -> &'static [Format] {
        &[Format::Markdown]
    }

    fn render_extra(&self, format: Format, report: &Report) -> anyhow::Result<String> {
        match format {
            Format::Markdown => Ok(tw_pyapi::markdown(report)),
            other => anyhow::bail!("`api` cannot render --format {}", other.as_str()),
        }
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let mut report = ctx.new_report(self.name());
        match (&self.against, &self.rev) {
            (None, None) => {
                let analysis = self.analyze(ctx, &tw_pyapi::read_dir(&self.package)?);
                report.findings = analysis.findings();
                self.record(ctx, &mut report, &analysis);
            }
            (Some(new_dir), _) => {
                let old = self.analyze(ctx, &tw_pyapi::read_dir(&self.package)?);
                let new = self.analyze(ctx, &tw_pyapi::read_dir(new_dir)?);
                report.findings = tw_pyapi::diff(&old.interface, &new.interface);
                self.record(ctx, &mut report, &old);
                self.record(ctx, &mut report, &new);
            }
            (None, Some(range)) => {
                let (old_rev, new_rev) = split_range(range)?;
                let old = self.analyze(ctx, &read_revision(&self.package, old_rev)?);
                let new = self.analyze(ctx, &read_revision(&self.package, new_rev)?);
                report.findings = tw_pyapi::diff(&old.interface, &new.interface);
                self.record(ctx, &mut report, &old);
                self.record(ctx, &mut report, &new);
            }
        }
        Ok(report)
    }
}

/// `A..B` into its sides; an empty side is `HEAD` (as git reads `A..`).
fn split_range(range: &str) -> anyhow::Result<(&str, &str)> {
    let Some((old, new)) = range.split_once("..") else {
        anyhow::bail!("--rev takes a range `OLD..NEW` (e.g. `v1.0..HEAD`), got `{range}`");
    };
    if new.starts_with('.') {
        anyhow::bail!("--rev takes a two-dot range `OLD..NEW`, got `{range}`");
    }
    Ok((
        if old.is_empty() { "HEAD" } else { old },
        if new.is_empty() { "HEAD" } else { new },
    ))
}

fn read_revision(dir: &Path, revision: &str) -> anyhow::Result<SourceSet> {
    Ok(tw_pyapi::read_revision(dir, revision)?)
}

impl Args {
    fn analyze(&self, ctx: &Context, set: &SourceSet) -> Analysis {
        let progress = ctx.progress(
            self.report_args(),
            Some(set.files.len() as u64),
            "reading the interface",
        );
        let analysis = tw_pyapi::analyze(set, &|| progress.inc(1));
        progress.finish();
        analysis
    }

    /// Adds `analysis`'s failures and counts to the report.
    fn record(&self, ctx: &Context, report: &mut Report, analysis: &Analysis) {
        for problem in &analysis.problems {
            report.errors.push(AnalysisError {
                path: problem.path.clone(),
                entry: None,
                offset: None,
                message: problem.message.clone(),
            });
        }
        let mut last_path: Option<&str> = None;
        for error in &analysis.parse_errors {
            // One error per file: later ones are usually consequences of the first.
            if last_path == Some(error.path.as_str()) {
                continue;
            }
            last_path = Some(error.path.as_str());
            let message = format!(
                "syntax error at line {}, column {}: {}; the rest of the file was still read",
                error.line, error.column, error.message
            );
            if self.ignore_parse_errors {
                ctx.warn(format!("{}: {message}", error.path));
            } else {
                report.errors.push(AnalysisError {
                    path: error.path.clone(),
                    entry: None,
                    offset: Some(error.offset),
                    message,
                });
            }
        }
        report.stats = Stats {
            inputs: report.stats.inputs + analysis.files,
            skipped: report.stats.skipped,
            bytes: report.stats.bytes + analysis.bytes,
            ..Stats::default()
        };
    }
}
