//! The four stages every reporting command shares (trivy's run -> filter -> write -> exit):
//! run the command to get a `Report`; drop findings by `--select/--ignore` and mark those an
//! ignore file suppresses; render in the chosen format; write to stdout or `--output`; turn
//! the report into the exit code. A command implements [`ReportCommand`] and gets all of it.
use crate::args::{Format, ReportArgs};
use crate::config::Config;
use crate::context::Context;
use crate::date::Date;
use crate::exit::ExitStatus;
use crate::filter::apply_selectors;
use crate::ignore_file::IgnoreFile;
use crate::output;
use crate::stream::{self, Sink};
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use tw_diagnostics::{Report, Stats};
use tw_report::{SarifOptions, Summary, TextOptions};

/// The file name looked for when `--ignore-file` is not given.
pub const IGNORE_FILE_NAME: &str = ".torchwardignore";

/// A command whose result is a `Report` (scan, audit, urls, lint ...). See
/// `docs/dev/adding-a-command.md`.
pub trait ReportCommand {
    /// The name recorded in `Report::command` and used in messages (`scan`, `audit host`).
    fn name(&self) -> &'static str;

    /// The shared report options (the command's `#[command(flatten)] report: ReportArgs`).
    fn report_args(&self) -> &ReportArgs;

    /// The paths the command analyses. A `.torchwardignore` in any of these directories
    /// (and in the current directory) applies when `--ignore-file` is not given.
    fn roots(&self) -> &[PathBuf] {
        &[]
    }

    /// Formats beyond text/json/sarif/github that this command renders itself
    /// (`Format::Markdown`, `Format::Csv`); `--format` with any other is a usage error.
    fn extra_formats(&self) -> &'static [Format] {
        &[]
    }

    /// Renders one of [`ReportCommand::extra_formats`]. Called after filtering.
    fn render_extra(&self, format: Format, report: &Report) -> anyhow::Result<String> {
        let _ = report;
        anyhow::bail!(
            "`{}` cannot render --format {}",
            self.name(),
            format.as_str()
        )
    }

    /// Whether the text view lists the inputs passed over (`scan --show-skipped`).
    fn show_skipped(&self) -> bool {
        false
    }

    /// Does the work. Per-input failures go into `Report::errors` (exit code 2, the run
    /// goes on); return `Err` only when nothing useful can be reported at all.
    fn run(&self, ctx: &Context) -> anyhow::Result<Report>;

    /// Does the work handing each finished file to `sink` at once (`--format jsonl`, for
    /// commands listing `Format::Jsonl` in [`ReportCommand::extra_formats`]), and returns the
    /// run's counts.
    fn stream(&self, ctx: &Context, sink: &Sink<'_>) -> anyhow::Result<Stats> {
        let _ = (ctx, sink);
        anyhow::bail!("`{}` cannot stream --format jsonl", self.name())
    }

    /// The part of the inputs this run covers (`--shard I/N`), recorded in streamed output.
    fn shard(&self) -> Option<String> {
        None
    }
}

/// Runs `command` through the whole pipeline and returns the exit status.
pub fn execute(command: &dyn ReportCommand, ctx: &Context) -> anyhow::Result<ExitStatus> {
    let (merged, ignore_files, config) = prepare(command, ctx)?;
    let args = &merged;
    if args.format == Format::Jsonl {
        return stream::execute(command, ctx, args, &config, &ignore_files);
    }

    let mut report = command.run(ctx)?;
    // A re-rendered report (`torchward report FILE`) keeps the host it was made on.
    if report.host.is_none() {
        report.host = crate::hostname::current();
    }
    filter(
        &mut report,
        args,
        &config,
        &ignore_files,
        Date::today(),
        &mut |w| ctx.warn(w),
    );
    report.sort();

    let rendered = render(command, ctx, &report, args)?;
    let status = exit_status(&report, args);
    match output::write_report(&rendered, args) {
        Ok(()) => {}
        // A closed pipe (`| head`) ends output quietly; the exit code is still the one the
        // findings call for (docs/exit-codes.md).
        Err(err) if output::is_broken_pipe(&err) => return Ok(status),
        Err(err) => return Err(err),
    }
    tell_stderr(ctx, &report, args);
    Ok(status)
}

/// What every reporting command does before its run: merge the project configuration file
/// into the flags (flags win), check the format, refuse an `--output` that is a directory, or
/// an existing file without `--force` (before a long run, not after it; tw-fs checks again when
/// it renames), load the ignore files and warn about unknown IDs. Returns the report options
/// in force, the ignore files and the configuration (for its per-path settings).
pub(crate) fn prepare(
    command: &dyn ReportCommand,
    ctx: &Context,
) -> anyhow::Result<(ReportArgs, Vec<IgnoreFile>, Config)> {
    let config = Config::for_inputs(command.roots())?;
    let args = config.merge_into(command.report_args());
    check_format(command, args.format)?;
    args.out
        .check_destination(&format!("{}.json", command.name()))?;
    let ignore_files = load_ignore_files(&args, command.roots())?;
    warn_about_unknown_ids(ctx, &args, &ignore_files);
    Ok((args, ignore_files, config))
}

/// The exit status of a filtered report: 2 on analysis errors, 1 on findings at or above
/// `--fail-on` (0 with `--exit-zero`), else 0.
pub fn exit_status(report: &Report, args: &ReportArgs) -> ExitStatus {
    match report.exit_code(args.fail_on) {
        0 => ExitStatus::Success,
        1 if args.exit_zero => ExitStatus::Success,
        1 => ExitStatus::Findings,
        _ => ExitStatus::Error,
    }
}

/// Drops findings by `--select`/`--ignore` (the configuration file's where no flag is given,
/// already merged into `args`) and by the configuration's `per-path-ignores`, then marks
/// ignore-file suppressions. Every output path (whole report, `--format jsonl`, the streamed
/// `audit perms` report) filters through here, so no format sees other findings.
pub fn filter(
    report: &mut Report,
    args: &ReportArgs,
    config: &Config,
    ignore_files: &[IgnoreFile],
    today: Date,
    warn: &mut dyn FnMut(String),
) {
    apply_selectors(report, &args.select, &args.ignore);
    config.apply_per_path(report);
    for file in ignore_files {
        file.apply(report, today, warn);
    }
}

/// Selectors and ignore-file entries that name no known rule are almost always typos; say so
/// (they stay harmless: they simply match nothing).
fn warn_about_unknown_ids(ctx: &Context, args: &ReportArgs, ignore_files: &[IgnoreFile]) {
    let registry = ctx.registry();
    for (flag, selectors) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        for selector in selectors {
            if !registry
                .rules()
                .iter()
                .any(|rule| selector.matches(rule.id))
            {
                ctx.warn(format!("{flag} {selector} matches no known finding ID"));
            }
        }
    }
    for file in ignore_files {
        for entry in file.unknown_rules(registry) {
            ctx.warn(format!(
                "{entry} is not a known finding ID; the entry matches nothing"
            ));
        }
    }
}

fn check_format(command: &dyn ReportCommand, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Text | Format::Json | Format::Sarif | Format::Github => Ok(()),
        extra if command.extra_formats().contains(&extra) => Ok(()),
        extra => anyhow::bail!(
            "`torchward {}` does not support --format {} (use text, json, sarif or github)",
            command.name(),
            extra.as_str()
        ),
    }
}

/// The explicit `--ignore-file`, or every `.torchwardignore` in the current directory and the
/// root directories (each file once).
fn load_ignore_files(args: &ReportArgs, roots: &[PathBuf]) -> anyhow::Result<Vec<IgnoreFile>> {
    if args.no_ignore_file {
        return Ok(Vec::new());
    }
    if let Some(path) = &args.ignore_file {
        let file = IgnoreFile::load(path).context("reading --ignore-file")?;
        return Ok(vec![file]);
    }
    // The current directory's file applies everywhere; a scanned directory's file applies to
    // findings under that directory only.
    let mut candidates: Vec<(PathBuf, Option<&Path>)> =
        vec![(PathBuf::from(IGNORE_FILE_NAME), None)];
    candidates.extend(
        roots
            .iter()
            .filter(|root| root.is_dir())
            .map(|root| (root.join(IGNORE_FILE_NAME), Some(root.as_path()))),
    );
    let mut seen = Vec::new();
    let mut files = Vec::new();
    for (candidate, scope) in candidates {
        let Ok(canonical) = candidate.canonicalize() else {
            continue; // Not there: nothing to apply.
        };
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical);
        let file = IgnoreFile::load(&candidate)?;
        files.push(match scope {
            Some(root) => file.scoped_to(root),
            None => file,
        });
    }
    Ok(files)
}

fn render(
    command: &dyn ReportCommand,
    ctx: &Context,
    report: &Report,
    args: &ReportArgs,
) -> anyhow::Result<String> {
    Ok(match args.format {
        Format::Text => tw_report::text(
            report,
            TextOptions {
                color: output::use_color(args),
                show_suppressed: args.show_suppressed,
                show_skipped: command.show_skipped(),
            },
        ),
        Format::Json => tw_report::json(report)?,
        Format::Sarif => tw_report::sarif(report, ctx.registry(), &SarifOptions::default())?,
        Format::Github => tw_report::github(report),
        extra => command.render_extra(extra, report)?,
    })
}

/// After the report is written: analysis errors on stderr when stdout's report does not show
/// them to a person, and the summary line when stderr is a terminal.
fn tell_stderr(ctx: &Context, report: &Report, args: &ReportArgs) {
    let text_on_stdout = args.format == Format::Text && args.out.output.is_none();
    if !text_on_stdout {
        for error in &report.errors {
            output::note(format!("error: {}: {}", error.path, error.message));
        }
        if ctx.stderr_is_terminal() {
            output::note(format!(
                "torchward {}: {}",
                report.command,
                Summary::of(report)
            ));
            if let Some(path) = &args.out.output {
                output::note(format!("report written to {}", path.display()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Cli;
    use clap::Parser;
    use std::path::Path;
    use tw_diagnostics::{AnalysisError, Finding, Location};

    /// The report options as the command line would give them.
    fn args(extra: &[&str]) -> ReportArgs {
        let mut argv = vec!["torchward", "report", "r.json"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv).map(|cli| cli.command) {
            Ok(crate::commands::Command::Report(report)) => report.rerender.report,
            other => panic!("unexpected parse: {other:?}"),
        }
    }

    fn report() -> Report {
        let registry = crate::registry::registry();
        let mut report = Report::new("scan", "0");
        for id in ["TW101", "TW102"] {
            let rule = registry
                .get(id)
                .unwrap_or_else(|| panic!("{id} registered"));
            report
                .findings
                .push(Finding::new(rule, Location::path("m.pt"), "m"));
        }
        report
    }

    fn today() -> Date {
        "2026-06-01".parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn exit_status_follows_fail_on_exit_zero_and_errors() {
        let report = report();
        assert_eq!(exit_status(&report, &args(&[])), ExitStatus::Findings);
        assert_eq!(
            exit_status(&report, &args(&["--fail-on", "critical"])),
            ExitStatus::Findings
        );
        let mut high_only = report.clone();
        high_only.findings.retain(|f| f.rule == "TW102");
        assert_eq!(
            exit_status(&high_only, &args(&["--fail-on", "critical"])),
            ExitStatus::Success
        );
        assert_eq!(
            exit_status(&report, &args(&["--exit-zero"])),
            ExitStatus::Success
        );
        let mut errored = report;
        errored.errors.push(AnalysisError {
            path: "x".into(),
            entry: None,
            offset: None,
            message: "unreadable".into(),
        });
        assert_eq!(
            exit_status(&errored, &args(&["--exit-zero"])),
            ExitStatus::Error
        );
    }

    #[test]
    fn selectors_drop_and_ignore_files_suppress() {
        let ignore = IgnoreFile::parse(".torchwardignore", Path::new("."), "TW102 reason=ok\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut filtered = report();
        filter(
            &mut filtered,
            &args(&["--ignore", "TW101"]),
            &Config::default(),
            &[ignore],
            today(),
            &mut |_| {},
        );
        assert_eq!(filtered.findings.len(), 1, "TW101 dropped");
        assert!(
            filtered.findings[0].suppressed.is_some(),
            "TW102 kept but suppressed"
        );
        assert_eq!(exit_status(&filtered, &args(&[])), ExitStatus::Success);
    }
}
