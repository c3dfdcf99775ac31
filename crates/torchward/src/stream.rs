//! `--format jsonl`, the streaming form of the pipeline: each file's result is filtered
//! (`--select/--ignore`, the configuration's per-path ignores, ignore files: [`filter`]) and written as one line the moment it is finished, so
//! memory does not grow with the number of files; a summary line ends the stream and the exit
//! code follows the same rules as every other format (2 errors, 1 findings, 0 clean).
use crate::args::ReportArgs;
use crate::config::Config;
use crate::context::{Context, VERSION};
use crate::date::Date;
use crate::exit::ExitStatus;
use crate::ignore_file::IgnoreFile;
use crate::output;
use crate::pipeline::{filter, ReportCommand};
use anyhow::Context as _;
use std::io::{self, BufWriter, Write};
use std::sync::Mutex;
use tw_diagnostics::{AnalysisError, Finding, Report, SkippedInput, ToolInfo};
use tw_report::Line;

/// Where lines go: stdout, or the `--output` file written atomically (named only when the
/// stream is complete).
enum Out {
    Stdout(io::Stdout),
    File(BufWriter<tw_fs::AtomicFile>),
}

/// What the stream has written so far, for the summary line and the exit code.
#[derive(Default)]
struct Tally {
    counting: u64,
    errors: u64,
    skipped: u64,
    /// The first write failure; later lines are dropped (a closed pipe ends output quietly).
    failed: Option<io::Error>,
}

/// The receiving end a streaming command hands each finished file to. Shared by the worker
/// threads; each line is written whole under one lock.
pub struct Sink<'a> {
    args: &'a ReportArgs,
    config: &'a Config,
    ignore_files: &'a [IgnoreFile],
    today: Date,
    out: Mutex<Out>,
    tally: Mutex<Tally>,
}

impl Sink<'_> {
    /// One finished file: filtered like a report, then written as a `file` line.
    pub fn file(
        &self,
        path: &str,
        verdict: &str,
        findings: Vec<Finding>,
        errors: Vec<AnalysisError>,
        bytes: u64,
    ) {
        let mut report = Report::new("", "");
        report.findings = findings;
        report.errors = errors;
        // Expired ignore entries were warned about once, before the stream started.
        filter(
            &mut report,
            self.args,
            self.config,
            self.ignore_files,
            self.today,
            &mut |_| {},
        );
        report.sort();
        let counting = report.counting(self.args.fail_on).count() as u64;
        self.write(
            &Line::File {
                path,
                verdict,
                findings: &report.findings,
                errors: &report.errors,
                bytes,
            },
            |tally| {
                tally.counting += counting;
                tally.errors += report.errors.len() as u64;
            },
        );
    }

    /// An input passed over.
    pub fn skipped(&self, skipped: &SkippedInput) {
        self.write(
            &Line::Skipped {
                path: &skipped.path,
                reason: skipped.reason,
            },
            |tally| tally.skipped += 1,
        );
    }

    /// A path that could not be walked or read.
    pub fn error(&self, error: &AnalysisError) {
        self.write(&Line::Error(error), |tally| tally.errors += 1);
    }

    fn write(&self, line: &Line<'_>, count: impl FnOnce(&mut Tally)) {
        let Ok(mut tally) = self.tally.lock() else {
            return;
        };
        count(&mut tally);
        if tally.failed.is_some() {
            return;
        }
        let text = match tw_report::jsonl(line) {
            Ok(text) => text,
            Err(err) => {
                tally.failed = Some(io::Error::other(err));
                return;
            }
        };
        let Ok(mut out) = self.out.lock() else {
            return;
        };
        let written = match &mut *out {
            Out::Stdout(stdout) => stdout.write_all(text.as_bytes()),
            Out::File(file) => file.write_all(text.as_bytes()),
        };
        if let Err(err) = written {
            tally.failed = Some(err);
        }
    }
}

/// Runs `command` streaming, and returns the exit status.
pub fn execute(
    command: &dyn ReportCommand,
    ctx: &Context,
    args: &ReportArgs,
    config: &Config,
    ignore_files: &[IgnoreFile],
) -> anyhow::Result<ExitStatus> {
    let today = Date::today();
    // Each expired entry warned about once, not once per file.
    for file in ignore_files {
        file.apply(&mut Report::new("", ""), today, &mut |w| ctx.warn(w));
    }
    let out = match &args.out.output {
        Some(path) => {
            let file = tw_fs::AtomicFile::create(path, args.out.write_options())
                .context("writing the report")?;
            Out::File(BufWriter::new(file))
        }
        None => Out::Stdout(io::stdout()),
    };
    let sink = Sink {
        args,
        config,
        ignore_files,
        today,
        out: Mutex::new(out),
        tally: Mutex::new(Tally::default()),
    };
    let stats = command.stream(ctx, &sink)?;
    let shard = command.shard();
    let tally = sink
        .tally
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let tool = ToolInfo {
        name: "torchward".to_owned(),
        version: VERSION.to_owned(),
    };
    let summary = tw_report::jsonl(&Line::Summary {
        schema_version: tw_diagnostics::SCHEMA_VERSION,
        tool: &tool,
        command: command.name(),
        stats: &stats,
        counting_findings: tally.counting,
        errors: tally.errors,
        skipped: tally.skipped,
        shard: shard.as_deref(),
    })?;
    let out = sink
        .out
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let finished = tally
        .failed
        .map_or_else(|| finish(out, &summary), |err| Err(anyhow::Error::new(err)));
    let status = status_of(tally.counting, tally.errors, args);
    match finished {
        Ok(()) => {}
        Err(err) if output::is_broken_pipe(&err) => return Ok(status),
        Err(err) => return Err(err.context("writing the report")),
    }
    if ctx.stderr_is_terminal() {
        output::note(format!(
            "torchward {}: {} findings at or above --fail-on, {} errors, {} files, {} passed over",
            command.name(),
            tally.counting,
            tally.errors,
            stats.inputs + stats.skipped,
            tally.skipped
        ));
    }
    Ok(status)
}

/// Writes the summary line and closes the output (naming the `--output` file).
fn finish(out: Out, summary: &str) -> anyhow::Result<()> {
    match out {
        Out::Stdout(stdout) => {
            let mut stdout = stdout.lock();
            stdout.write_all(summary.as_bytes())?;
            stdout.flush()?;
        }
        Out::File(mut file) => {
            file.write_all(summary.as_bytes())?;
            let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.commit()?;
        }
    }
    Ok(())
}

/// 2 on errors, 1 on counting findings (0 with `--exit-zero`), else 0: `pipeline::exit_status`
/// over counts instead of a whole report.
fn status_of(counting: u64, errors: u64, args: &ReportArgs) -> ExitStatus {
    if errors > 0 {
        ExitStatus::Error
    } else if counting > 0 && !args.exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}
