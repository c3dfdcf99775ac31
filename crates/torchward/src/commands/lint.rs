//! `torchward lint PATH...`: finds risky deserialization calls in Python code (`TW6xx`) and
//! settings of `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` in shell, Dockerfile, `.env` and YAML files.
//! Files are linted in parallel by `tw-pylint`; this module only maps its outcome into the
//! report, applies or writes the baseline, and turns syntax errors into analysis errors
//! (exit 2) unless `--ignore-parse-errors`.
use std::path::PathBuf;

use anyhow::Context as _;
use tw_diagnostics::{AnalysisError, Report, Stats};
use tw_pylint::{Baseline, Options, ParseFailure};

use crate::args::ReportArgs;
use crate::context::Context;
use crate::pipeline::ReportCommand;

/// Largest baseline file read (a baseline of a million findings is still far below it).
const MAX_BASELINE_BYTES: u64 = 256 * 1024 * 1024;

/// Arguments of `lint`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Calls are resolved through imports and scopes (aliases, from-imports, \
try/except import fallbacks, local names shadowing imports); arguments are read by keyword in any \
order or by documented position, and *args/**kwargs or non-literal values count as unknown (low \
confidence), never as safe. Python 3.8 to 3.14 syntax; .gitignore is honoured.

Suppression comments: `# torchward: ignore[TW601]` on the call's line, \
`# torchward: ignore-file[TW621]` in the first 20 lines, `# noqa: TW601`; `# nosec` only with \
--honor-nosec. Baselines are keyed by rule, path and call text (not line numbers).

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 a file could not be read or parsed.

Examples:
  torchward lint src/
  torchward lint . --format sarif -o lint.sarif
  torchward lint . --write-baseline lint-baseline.json
  torchward lint . --baseline lint-baseline.json --fail-on medium
  torchward explain TW601"
)]
pub struct Args {
    /// Files or directories to lint (.py, plus shell/Dockerfile/.env/YAML for TW604).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Honour bandit's `# nosec` comments (off: blanket `# nosec` would hide findings).
    #[arg(long)]
    pub honor_nosec: bool,

    /// Report syntax errors as warnings on stderr instead of errors (exit 2).
    #[arg(long)]
    pub ignore_parse_errors: bool,

    /// Mark findings accepted in this baseline file as suppressed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write every unsuppressed finding to this baseline file (atomically, mode 640).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Replace an existing --write-baseline file.
    #[arg(long, requires = "write_baseline")]
    pub force_baseline: bool,

    /// Report options (--format, --output, --fail-on, --select, ...).
    #[command(flatten)]
    pub report: ReportArgs,
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "lint"
    }

    fn report_args(&self) -> &ReportArgs {
        &self.report
    }

    fn roots(&self) -> &[PathBuf] {
        &self.paths
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let baseline = self.read_baseline()?;
        let options = Options {
            honor_nosec: self.honor_nosec,
        };
        let mut report = ctx.new_report(self.name());
        let (inputs, walk_errors, walk_skipped) = tw_pylint::discover(&self.paths);
        let progress = ctx.progress(&self.report, Some(inputs.len() as u64), "linting");
        let outcome = tw_pylint::lint_inputs(&inputs, options, &|| progress.inc(1));
        progress.finish();

        report.findings = outcome.findings;
        report.skipped = outcome.passed_over;
        report.skipped.extend(walk_skipped);
        for failure in walk_errors.into_iter().chain(outcome.io_errors) {
            report.errors.push(AnalysisError {
                path: failure.path,
                entry: None,
                offset: None,
                message: failure.message,
            });
        }
        for error in first_per_file(&outcome.parse_errors) {
            if self.ignore_parse_errors {
                ctx.warn(format!(
                    "{}:{}:{}: {}",
                    error.path, error.line, error.column, error.message
                ));
            } else {
                report.errors.push(error.into_analysis_error());
            }
        }
        report.stats = Stats {
            inputs: outcome.files,
            skipped: outcome.skipped,
            bytes: outcome.bytes,
            ..Stats::default()
        };

        if let Some(path) = &self.write_baseline {
            let text = Baseline::from_findings(&report.findings).to_json();
            let options = tw_fs::WriteOptions::new().force(self.force_baseline);
            tw_fs::write_atomic(path, text.as_bytes(), options)
                .with_context(|| format!("writing baseline `{}`", path.display()))?;
        }
        if let Some(baseline) = baseline {
            baseline.apply(&mut report.findings);
        }
        Ok(report)
    }
}

impl Args {
    fn read_baseline(&self) -> anyhow::Result<Option<Baseline>> {
        let Some(path) = &self.baseline else {
            return Ok(None);
        };
        let text = tw_fs::read_to_string_bounded(path, MAX_BASELINE_BYTES)
            .with_context(|| format!("reading baseline `{}`", path.display()))?;
        let baseline = Baseline::from_json(&text)
            .with_context(|| format!("reading baseline `{}`", path.display()))?;
        Ok(Some(baseline))
    }
}

/// One syntax error per file: the first one (later ones are often consequences of it),
/// with the number of others in the message.
struct FileParseError<'a> {
    first: &'a ParseFailure,
    more: usize,
}

impl std::ops::Deref for FileParseError<'_> {
    type Target = ParseFailure;

    fn deref(&self) -> &ParseFailure {
        self.first
    }
}

impl FileParseError<'_> {
    fn into_analysis_error(self) -> AnalysisError {
        let more = match self.more {
            0 => String::new(),
            1 => " (and 1 more syntax error)".to_owned(),
            n => format!(" (and {n} more syntax errors)"),
        };
        AnalysisError {
            path: self.first.path.clone(),
            entry: None,
            offset: Some(self.first.offset),
            message: format!(
                "syntax error at line {}, column {}: {}{more}; the rest of the file was still linted",
                self.first.line, self.first.column, self.first.message
            ),
        }
    }
}

fn first_per_file(errors: &[ParseFailure]) -> Vec<FileParseError<'_>> {
    let mut out: Vec<FileParseError<'_>> = Vec::new();
    for error in errors {
        match out.last_mut() {
            Some(last) if last.first.path == error.path => last.more += 1,
            _ => out.push(FileParseError {
                first: error,
                more: 0,
            }),
        }
    }
    out
}
