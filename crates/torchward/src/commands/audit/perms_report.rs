//! The report of `audit perms` in the text and JSON formats, streamed: findings leave the walk
//! a directory at a time, are filtered (`--select/--ignore`, ignore files) as they come, and
//! are kept in sorted runs on disk ([`super::spill`]); they are then merged back in report
//! order straight into the output. Memory stays bounded whatever the tree holds (a million
//! findings: a 20,000-finding chunk at a time), where the generic pipeline would hold every
//! finding, and the rendered report, at once.
//!
//! The text view is the full listing up to [`SUMMARY_THRESHOLD`] unsuppressed problems and the
//! summary ([`tw_report::Digest`]) beyond, unless `--summary` or `--verbose` says otherwise;
//! JSON always lists every finding, byte for byte as [`tw_report::json`] would.
use super::perms::Args;
use super::spill::Spill;
use crate::args::Format;
use crate::context::Context;
use crate::date::Date;
use crate::exit::ExitStatus;
use crate::output;
use crate::pipeline::{self, ReportCommand};
use anyhow::Context as _;
use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tw_diagnostics::{Finding, Report};
use tw_report::{Digest, TextOptions, TextWriter};

/// Past this many unsuppressed problems the text view is the summary: a listing of more is
/// several hundred lines, more than anyone reads on a terminal; the worst paths and the
/// counts per rule and directory say what to do first. `--verbose` lists them all.
pub const SUMMARY_THRESHOLD: u64 = 200;

/// Where the report bytes go: stdout, or the `--output` file written atomically (committed
/// only when the whole report is written).
enum Destination {
    Stdout(BufWriter<std::io::Stdout>),
    File(BufWriter<tw_fs::AtomicFile>),
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Destination::Stdout(out) => out.write(buf),
            Destination::File(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Destination::Stdout(out) => out.flush(),
            Destination::File(out) => out.flush(),
        }
    }
}

impl Destination {
    fn open(args: &crate::args::ReportArgs) -> anyhow::Result<Destination> {
        Ok(match &args.out.output {
            Some(path) => {
                let file =
                    tw_fs::AtomicFile::create(path, args.out.write_options()).map_err(|err| {
                        match err {
                            tw_fs::Error::Exists { .. } => {
                                anyhow::anyhow!("{err}: pass --force to replace the --output file")
                            }
                            other => anyhow::Error::new(other).context("writing the report"),
                        }
                    })?;
                Destination::File(BufWriter::with_capacity(256 * 1024, file))
            }
            None => Destination::Stdout(BufWriter::with_capacity(64 * 1024, std::io::stdout())),
        })
    }

    /// Flushes, and names the `--output` file (only now does it appear).
    fn finish(self) -> anyhow::Result<()> {
        match self {
            Destination::Stdout(mut out) => out.flush().context("writing to stdout"),
            Destination::File(out) => {
                let file = out
                    .into_inner()
                    .map_err(|err| anyhow::Error::new(err.into_error()))
                    .context("writing the report")?;
                file.commit().context("writing the report")?;
                Ok(())
            }
        }
    }
}

/// Counts kept while findings stream past.
#[derive(Default)]
struct Counts {
    /// Unsuppressed problems.
    problems: AtomicU64,
    /// Findings at or above `--fail-on`.
    failing: AtomicU64,
}

/// Which text view.
fn summary_view(args: &Args, problems: u64) -> bool {
    args.summary || (!args.verbose && problems > SUMMARY_THRESHOLD)
}

/// Runs `audit perms` with a streamed text or JSON report.
pub fn execute(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    let (merged, ignore_files, config) = pipeline::prepare(args, ctx)?;
    let report_args = &merged;
    let today = Date::today();
    let spill = Spill::default();
    let counts = Counts::default();
    let warnings: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let sink = |batch: Vec<Finding>| {
        let mut part = Report::new("", "");
        part.findings = batch;
        let mut seen = Vec::new();
        pipeline::filter(
            &mut part,
            report_args,
            &config,
            &ignore_files,
            today,
            &mut |w| seen.push(w),
        );
        if !seen.is_empty() {
            if let Ok(mut all) = warnings.lock() {
                all.extend(seen);
            }
        }
        let problems = part
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.status.is_problem())
            .count() as u64;
        let failing = part
            .findings
            .iter()
            .filter(|f| f.counts_at(report_args.fail_on))
            .count() as u64;
        counts.problems.fetch_add(problems, Ordering::Relaxed);
        counts.failing.fetch_add(failing, Ordering::Relaxed);
        spill.push(part.findings);
    };
    let audit = args.audit(ctx, Some(&sink))?;
    for warning in warnings.into_inner().unwrap_or_default() {
        ctx.warn(warning);
    }
    let mut header = ctx.new_report(args.name());
    header.stats.inputs = audit.entries;
    header.errors = audit.errors;
    header.sort();
    let roots: Vec<String> = args
        .paths
        .iter()
        .map(|p| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut digest = Digest::new(roots);
    digest.set_totals(
        header.stats.inputs,
        header.stats.skipped,
        header.errors.len() as u64,
    );
    if audit.removable > 0 {
        digest.set_fix_hint(format!(
            "`torchward audit perms {} --dry-run` shows, and `--fix` applies, the {} change(s) that only remove bits (world-writable and foreign-owned paths are left to you).",
            args.paths
                .iter()
                .map(|p| tw_diagnostics::shell_quote_path(p))
                .collect::<Vec<_>>()
                .join(" "),
            audit.removable
        ));
    }
    let mut merged = spill
        .into_sorted()
        .context("keeping the findings on disk while the walk runs")?;
    let problems = counts.problems.load(Ordering::Relaxed);
    let mut out = Destination::open(report_args)?;
    let options = TextOptions {
        color: output::use_color(report_args),
        show_suppressed: report_args.show_suppressed,
        show_skipped: false,
    };
    let written: std::io::Result<()> = match report_args.format {
        Format::Json => tw_report::json_stream(
            &header,
            merged.by_ref().inspect(|f| digest.add(f)),
            &mut out,
        )
        .map_err(std::io::Error::other),
        _ if summary_view(args, problems) => {
            merged.by_ref().for_each(|f| digest.add(&f));
            let text = tw_report::digest_text(&digest, &header.errors, ctx.registry(), options);
            out.write_all(text.as_bytes())
        }
        _ => (|| {
            let mut writer = TextWriter::new(options);
            for finding in merged.by_ref() {
                digest.add(&finding);
                writer.finding(&finding);
                out.write_all(writer.take().as_bytes())?;
            }
            out.write_all(writer.finish(&header.errors, digest.summary()).as_bytes())
        })(),
    };
    if let Some(err) = merged.error() {
        return Err(anyhow::Error::new(err).context("reading back the findings kept on disk"));
    }
    let status = if !header.errors.is_empty() {
        ExitStatus::Error
    } else if counts.failing.load(Ordering::Relaxed) > 0 && !report_args.exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    };
    let finished = written
        .map_err(anyhow::Error::new)
        .and_then(|()| out.finish());
    match finished {
        Ok(()) => {}
        Err(err) if output::is_broken_pipe(&err) => return Ok(status),
        Err(err) => return Err(err.context("writing the report")),
    }
    let text_on_stdout = report_args.format == Format::Text && report_args.out.output.is_none();
    if !text_on_stdout {
        for error in &header.errors {
            output::note(format!(
                "error: {}: {}",
                tw_report::escape_control(&error.path),
                tw_report::escape_control(&error.message)
            ));
        }
        if ctx.stderr_is_terminal() {
            output::note(format!("torchward audit perms: {}", digest.summary()));
            if let Some(path) = &report_args.out.output {
                output::note(format!("report written to {}", path.display()));
            }
        }
    }
    Ok(status)
}
