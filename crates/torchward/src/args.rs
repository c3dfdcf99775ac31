//! Command-line arguments: the top-level `Cli` and the report flags every reporting command
//! flattens in (`ReportArgs`), so `--format`, `--output`, `--fail-on`, `--select`... mean the
//! same thing everywhere. Commands' own arguments live in their modules under `commands/`.
use crate::commands::Command;
use crate::filter::Selector;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use tw_diagnostics::Severity;

const EXAMPLES: &str = "\
Examples:
  torchward rules                            List every finding ID with its severity
  torchward explain TW101                    Explain one finding ID: what, why, how to fix
  torchward report scan.json --format sarif  Re-render a saved JSON report as SARIF

Every reporting command accepts the report options shown in its own --help:
  --format text|json|sarif|github (urls: also markdown|csv; api: also markdown),
  --output FILE (written atomically, mode 640),
  --fail-on LEVEL, --exit-zero, --select/--ignore ID|PREFIX, --ignore-file PATH.

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 errors or bad usage.
Documentation: docs/rules.md (finding IDs), docs/ignore-file.md, docs/json-schema.md.";

/// torchward: put the `torch_npu` security statement into practice.
#[derive(Debug, Parser)]
#[command(
    name = "torchward",
    version,
    about = "Check model files, hosts, permissions, networks and code against the torch_npu security statement.",
    after_help = EXAMPLES,
    max_term_width = 100,
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats. `markdown` and `csv` are accepted only by commands that render them
/// themselves (see `ReportCommand::render_extra`); every command renders the first four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: findings grouped by file, then a summary line.
    Text,
    /// The versioned report (docs/json-schema.md).
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// A Markdown table (`urls`: the address declaration; `api`: the interface); other
    /// commands refuse it.
    Markdown,
    /// Comma-separated values (`urls` only: the address declaration).
    Csv,
    /// One JSON object per line, written as each file finishes (`scan`).
    #[value(hide = true)]
    Jsonl,
}

impl Format {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    /// Whether the output is for programs (progress bars stay hidden then).
    pub fn is_machine_readable(self) -> bool {
        !matches!(self, Format::Text | Format::Markdown)
    }
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour (even into a file or pipe).
    Always,
    /// Never colour.
    Never,
}

/// Where a command writes what it prints: `--output FILE` and `--force`, the same for every
/// reporting command, `inspect` and `report merge`.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Write to FILE (a file name, not a directory; atomically, mode 640) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite the --output file if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
}

impl OutputArgs {
    /// Refuses, before a long run rather than after it, an `--output` that is a directory (a
    /// usage error `--force` cannot help with; `example` is a file name to suggest in it), or
    /// an existing file when `--force` was not given (tw-fs checks again when it renames).
    pub fn check_destination(&self, example: &str) -> anyhow::Result<()> {
        if let Some(path) = &self.output {
            if path.is_dir() {
                anyhow::bail!(
                    "--output `{}` is a directory: -o takes the file's name (e.g. `{}`)",
                    path.display(),
                    path.join(example).display()
                );
            }
        }
        if let (Some(path), false) = (&self.output, self.force) {
            if path.symlink_metadata().is_ok() {
                anyhow::bail!(
                    "refusing to overwrite existing file `{}`: pass --force to replace the --output file",
                    path.display()
                );
            }
        }
        Ok(())
    }

    /// The options of the atomic write of the `--output` file.
    pub fn write_options(&self) -> tw_fs::WriteOptions {
        tw_fs::WriteOptions::new().force(self.force)
    }

    /// Writes `text` to the `--output` file atomically with mode 640 (refusing to replace an
    /// existing file unless `--force`), else to stdout; `what` names the output in errors
    /// (`writing the report`).
    pub fn write(&self, text: &str, what: &'static str) -> anyhow::Result<()> {
        match &self.output {
            Some(path) => {
                tw_fs::write_atomic(path, text.as_bytes(), self.write_options()).map_err(|err| {
                    match err {
                        tw_fs::Error::Exists { .. } => {
                            anyhow::anyhow!("{err}: pass --force to replace the --output file")
                        }
                        other => anyhow::Error::new(other).context(what),
                    }
                })
            }
            None => crate::output::write_stdout(text),
        }
    }
}

/// The report options every reporting command shares.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Report options")]
#[allow(clippy::struct_excessive_bools)] // Each bool is one on/off command-line flag.
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub format: Format,

    /// `--output` and `--force`.
    #[command(flatten)]
    pub out: OutputArgs,

    /// Exit 1 only for findings at or above LEVEL.
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "low",
        ignore_case = true,
        value_parser = severity_parser()
    )]
    pub fail_on: Severity,

    /// Exit 0 even when findings exist (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Report only these finding IDs or ID prefixes (repeatable, comma-separated: TW1,TW301).
    #[arg(long, value_name = "ID|PREFIX", value_delimiter = ',')]
    pub select: Vec<Selector>,

    /// Drop these finding IDs or ID prefixes (repeatable, comma-separated); wins over --select.
    #[arg(long, value_name = "ID|PREFIX", value_delimiter = ',')]
    pub ignore: Vec<Selector>,

    /// Suppress findings listed in this ignore file (docs/ignore-file.md). Default:
    /// `.torchwardignore` in the current directory and in each scanned directory.
    #[arg(long, value_name = "PATH")]
    pub ignore_file: Option<PathBuf>,

    /// Do not read any ignore file.
    #[arg(long, conflicts_with = "ignore_file")]
    pub no_ignore_file: bool,

    /// Show suppressed findings in text output (JSON and SARIF always include them).
    #[arg(long)]
    pub show_suppressed: bool,

    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl ReportArgs {
    /// These options, with `format` used instead of text when `--format` was not given and the
    /// report goes to a terminal (`urls` and `api` show their table there, like a person
    /// expects; pipes and `--output` keep the documented default).
    pub fn with_terminal_format(&self, format: Format) -> ReportArgs {
        let mut args = self.clone();
        let format_given = std::env::args_os().any(|a| {
            a.to_str()
                .is_some_and(|a| a == "--format" || a.starts_with("--format="))
        });
        if !format_given && args.out.output.is_none() && std::io::stdout().is_terminal() {
            args.format = format;
        }
        args
    }
}

/// The parser of every `--fail-on LEVEL`: one of the severity names (case-insensitive with
/// `ignore_case`), listed in `--help`.
pub fn severity_parser() -> impl TypedValueParser<Value = Severity> {
    PossibleValuesParser::new(Severity::ALL.map(Severity::as_str))
        .try_map(|level| level.parse::<Severity>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
