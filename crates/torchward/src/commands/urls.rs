//! `torchward urls PATH...`: the public network address declaration of a source tree
//! (security statement section 9) and its CI gate (`TW5xx`). `tw-urls` walks, extracts and
//! decides; this module maps its outcome into the report, writes the updated declaration when
//! asked, and renders the declaration table for `--format markdown|csv`.
use crate::args::{Format, ReportArgs};
use crate::context::Context;
use crate::pipeline::ReportCommand;
use std::path::PathBuf;
use std::sync::OnceLock;
use tw_diagnostics::{AnalysisError, Report, Stats};
use tw_urls::{findings, table, CheckOptions, Declaration, ScanOptions};

/// Arguments of `urls`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Finds URLs of any host-reaching scheme (http, https, ftp, git, ssh, s3 ..., \
and git@host:path), public IPv4/IPv6 addresses (loopback, private, link-local, CGNAT, \
documentation, benchmarking, multicast and reserved ranges are not public; version strings are \
not addresses, nor are XML namespace URIs downloads), bare domain names in configuration values (checked against the Public Suffix \
List) and e-mail addresses, in configuration files and scripts (.cfg .ini .conf .toml .yaml .json \
.xml .properties .env .sh .ps1 .bat .py, requirements*.txt, Dockerfile*, Makefile, CMakeLists.txt, \
.gitmodules, workflows, Jenkinsfile ...). .gitignore is honoured.

Formats: markdown (the declaration table: origin, upstream source, file, address, purpose, one \
line per address, then one line per finding the table has no column for, such as TW503; the \
default on a terminal), csv, text, json, sarif, github.

Declaration file: TOML ([[address]] file/address/origin/upstream/purpose) or the Markdown table \
itself. Cells a maintainer must fill are marked `(to fill)`.

Exit codes: 0 nothing at or above --fail-on, 1 findings (with --check: an undeclared address or \
a stale row), 2 a file could not be read or bad usage.

Examples:
  torchward urls .                                          Print the declaration table
  torchward urls . --write-baseline ADDRESSES.md            Create or update the declaration
  torchward urls . --baseline ADDRESSES.md --check          The CI gate
  torchward urls . --format csv -o addresses.csv
  torchward explain TW501"
)]
pub struct Args {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Scan every text file, not only configuration files and scripts.
    #[arg(long)]
    pub all_files: bool,

    /// Do not honour .gitignore, .ignore and git exclude files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Leave out paths matching GLOB (relative path or file/directory name; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// The declaration: origin, upstream and purpose of each address (TOML or Markdown).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// The CI gate: report every address the declaration lacks (TW501) and every declared one
    /// that is gone (TW502).
    #[arg(long, requires = "baseline")]
    pub check: bool,

    /// Write the declaration updated to this tree (new rows `(to fill)`, gone rows dropped,
    /// what humans wrote kept), atomically; format from the extension (.md or TOML).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Report options (--format, --output, --fail-on, --select, ...).
    #[command(flatten)]
    pub report: ReportArgs,

    /// The report options with the terminal default applied (markdown when --format was not
    /// given and the report goes to a terminal).
    #[arg(skip)]
    effective: OnceLock<ReportArgs>,
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "urls"
    }

    fn report_args(&self) -> &ReportArgs {
        self.effective
            .get_or_init(|| self.report.with_terminal_format(Format::Markdown))
    }

    fn roots(&self) -> &[PathBuf] {
        &self.paths
    }

    fn extra_formats(&self) -> &'static [Format] {
        &[Format::Markdown, Format::Csv]
    }

    fn render_extra(&self, format: Format, report: &Report) -> anyhow::Result<String> {
        let rows = table::rows(report);
        match format {
            Format::Markdown => Ok(table::markdown(&rows) + &table::other_findings(report)),
            Format::Csv => Ok(table::csv(&rows)),
            other => anyhow::bail!("`urls` cannot render --format {}", other.as_str()),
        }
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let options = ScanOptions {
            all_files: self.all_files,
            no_ignore: self.no_ignore,
            exclude: self.exclude.clone(),
            ..ScanOptions::default()
        };
        let progress = ctx.progress(self.report_args(), None, "scanning for addresses");
        let scan = tw_urls::scan_paths(&self.paths, &options)?;
        progress.finish();

        // The declaration read: --baseline, else the --write-baseline file when it exists.
        let source = self.baseline.clone().or_else(|| {
            self.write_baseline
                .clone()
                .filter(|path| path.symlink_metadata().is_ok())
        });
        let declaration = source.as_deref().map(Declaration::load).transpose()?;
        let declaration_path = self.baseline.as_ref().map(|p| p.display().to_string());

        let mut report = ctx.new_report(self.name());
        report.findings = findings(
            &scan,
            &CheckOptions {
                declaration: declaration.as_ref(),
                declaration_path: declaration_path.as_deref(),
                check: self.check,
            },
        );
        report.errors = scan
            .errors
            .iter()
            .map(|error| AnalysisError {
                path: error.path.clone(),
                entry: None,
                offset: None,
                message: error.message.clone(),
            })
            .collect();
        report.skipped.clone_from(&scan.passed_over);
        report.stats = Stats {
            inputs: scan.inputs,
            skipped: scan.skipped,
            bytes: scan.bytes,
            ..Stats::default()
        };

        if let Some(path) = &self.write_baseline {
            // Replacing the file is the point: it was read above and its human-written cells
            // are carried over; tw-fs writes it atomically with mode 640.
            let updated = declaration.unwrap_or_default().updated(&scan);
            updated.save(path)?;
            let to_fill = updated.entries.iter().filter(|e| !e.is_complete()).count();
            crate::output::note(format!(
                "declaration written to {} ({} rows, {to_fill} to fill)",
                path.display(),
                updated.entries.len()
            ));
        }
        Ok(report)
    }
}
