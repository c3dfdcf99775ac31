//! `torchward audit perms PATH...`: the permission table (TW3xx) over whole trees, with
//! `--explain PATH`, `--fix` (plan on stderr, undo journal, then the report of the state after
//! the fix), `--dry-run` and `--undo JOURNAL`.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use crate::args::{Format, ReportArgs};
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use crate::pipeline::{self, ReportCommand};
use anyhow::Context as _;
use std::path::PathBuf;
use tw_diagnostics::{Finding, Report};
use tw_perms::{Outcome, PermsAudit, Policy, User};

/// Arguments of `audit perms`.
#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools)] // Each bool is one on/off command-line flag.
#[command(after_help = "Examples:
  torchward audit perms /srv/train
  torchward audit perms ~/run --explain ~/run/model.pt
  torchward audit perms /srv/train --dry-run         # show what --fix would change
  torchward audit perms /srv/train --fix             # only removes bits; writes an undo journal
  torchward audit perms --undo torchward-perms-undo-1764390000.json
  torchward audit perms /srv/train --policy site-perms.toml --format sarif -o perms.sarif
  torchward audit perms / --summary                  # counts per rule and directory, worst paths

More than 200 findings are shown as the summary in the text view (--verbose lists every one);
--format json always lists every finding and is written as the walk's results are merged, so
memory stays bounded however many there are.

Kinds and maximum modes (security statement §4): home 750, programs 550, config 640 (dirs
750), finished logs 440, logs being written 640, log/debug/temp/data dirs 750, debug and
data files 640, maintenance dirs 770, keys 600 (dirs 700), crypto scripts 500.")]
pub struct Args {
    /// Files or directories to audit (symlinks are reported, never followed).
    #[arg(value_name = "PATH", required_unless_present_any = ["explain", "undo"])]
    pub paths: Vec<PathBuf>,

    /// Policy file (TOML) with rules that classify paths by glob or override their mode.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Show which kind PATH is, its allowed mode and the rule that decided, then exit.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["fix", "dry_run", "undo"])]
    pub explain: Option<PathBuf>,

    /// Remove the bits beyond the allowed mode (never adds any; refuses world-writable,
    /// foreign-owned and hard-linked files) and write an undo journal.
    #[arg(long, conflicts_with = "dry_run")]
    pub fix: bool,

    /// Print what --fix would change, change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Where --fix writes its undo journal (default: ./torchward-perms-undo-<time>.json).
    #[arg(long, value_name = "FILE", requires = "fix")]
    pub journal: Option<PathBuf>,

    /// Restore the modes recorded in JOURNAL (only where nothing changed since), then exit.
    #[arg(long, value_name = "JOURNAL", conflicts_with_all = ["fix", "dry_run"])]
    pub undo: Option<PathBuf>,

    /// Text view: counts per rule and top directory, the worst paths and the fix for each,
    /// instead of one block per finding (the default past 200 findings).
    #[arg(long, conflicts_with = "verbose")]
    pub summary: bool,

    /// Text view: list every finding, however many.
    #[arg(long)]
    pub verbose: bool,

    /// Report options (--format, --output, --fail-on, --select, ...).
    #[command(flatten)]
    pub report: ReportArgs,
}

impl Args {
    pub(super) fn policy(&self) -> anyhow::Result<Option<Policy>> {
        self.policy
            .as_deref()
            .map(Policy::load)
            .transpose()
            .map_err(Into::into)
    }
}

fn print_outcomes(outcomes: &[Outcome]) -> bool {
    let mut refused = false;
    for outcome in outcomes {
        refused |= matches!(outcome, Outcome::Refused { .. });
        output::note(format!(
            "  {}",
            tw_report::escape_control(&outcome.to_string())
        ));
    }
    refused
}

impl ReportCommand for Args {
    fn name(&self) -> &'static str {
        "audit perms"
    }

    fn report_args(&self) -> &ReportArgs {
        &self.report
    }

    fn roots(&self) -> &[PathBuf] {
        &self.paths
    }

    fn run(&self, ctx: &Context) -> anyhow::Result<Report> {
        let audit = self.audit(ctx, None)?;
        let mut report = ctx.new_report(self.name());
        report.stats.inputs = audit.entries;
        report.findings = audit.findings;
        report.errors = audit.errors;
        Ok(report)
    }
}

impl Args {
    /// Walks the paths, with `--fix`/`--dry-run` handled (plan on stderr, fix applied, then
    /// the state after the fix audited). Findings go to `sink` when given (the streamed report),
    /// else into the result.
    pub(super) fn audit(
        &self,
        ctx: &Context,
        sink: Option<&(dyn Fn(Vec<Finding>) + Sync)>,
    ) -> anyhow::Result<PermsAudit> {
        let policy = self.policy()?;
        let progress = ctx.progress(&self.report, None, "auditing permissions");
        let tick = |n: u64| progress.inc(n);
        let drop_findings = |_: Vec<Finding>| {};
        let options = tw_perms::Options {
            policy: policy.as_ref(),
            progress: Some(&tick),
            // With --fix the state after the fix is reported: this first walk only plans.
            sink: if self.fix { Some(&drop_findings) } else { sink },
            count_candidates_only: !(self.fix || self.dry_run),
        };
        let mut audit = tw_perms::audit(&self.paths, &options);
        progress.finish();
        if self.fix || self.dry_run {
            let user = User::current();
            let (changes, refused) = tw_perms::plan_fix(&audit.candidates, user);
            if changes.is_empty() && refused.is_empty() {
                output::note("audit perms: nothing to fix");
            }
            if !changes.is_empty() {
                output::note(if self.fix {
                    "audit perms: changing (only removing bits):"
                } else {
                    "audit perms: --fix would change:"
                });
                for change in &changes {
                    output::note(format!(
                        "  {}: {:04o} -> {:04o}",
                        tw_diagnostics::shell_quote_path(&change.path),
                        change.old_mode,
                        change.new_mode
                    ));
                }
            }
            if !refused.is_empty() {
                output::note("audit perms: refused (fix by hand after checking):");
                print_outcomes(&refused);
            }
            if self.fix && !changes.is_empty() {
                let journal = self.journal.clone().unwrap_or_else(|| {
                    let secs = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    PathBuf::from(format!("torchward-perms-undo-{secs}.json"))
                });
                let outcomes = tw_perms::apply_fix(&changes, &journal, self.report.out.force, user)
                    .with_context(|| format!("applying the fix (journal {})", journal.display()))?;
                let changed = outcomes
                    .iter()
                    .filter(|o| matches!(o, Outcome::Changed(_)))
                    .count();
                let late: Vec<Outcome> = outcomes
                    .into_iter()
                    .filter(|o| !matches!(o, Outcome::Changed(_)))
                    .collect();
                if !late.is_empty() {
                    output::note("audit perms: refused at apply time:");
                    print_outcomes(&late);
                }
                output::note(format!("audit perms: changed {changed} paths; undo with: torchward audit perms --undo {}", journal.display()));
            }
            if self.fix {
                audit = tw_perms::audit(
                    &self.paths,
                    &tw_perms::Options {
                        policy: policy.as_ref(),
                        progress: None,
                        sink,
                        count_candidates_only: true,
                    },
                );
            }
        }
        Ok(audit)
    }
}

/// Runs `audit perms`: `--explain` and `--undo` print and exit; otherwise the report pipeline.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    if let Some(path) = &args.explain {
        let explained = tw_perms::explain(path, args.policy()?.as_ref())?;
        let verdict = if explained.ok { "within" } else { "BEYOND" };
        output::write_stdout(&format!(
            "{}\n  kind:     {}\n  allowed:  at most {:04o}\n  mode:     {:04o} ({verdict} the allowed mode)\n  rule:     {}\n",
            tw_report::escape_control(&explained.path.to_string_lossy()),
            explained.kind,
            explained.max_mode,
            explained.mode,
            explained.reason
        ))?;
        return Ok(ExitStatus::Success);
    }
    if let Some(journal) = &args.undo {
        let record = tw_perms::read_journal(journal)?;
        let outcomes = tw_perms::undo(&record, User::current())?;
        output::note(format!("audit perms: undoing {}:", journal.display()));
        let refused = print_outcomes(&outcomes);
        let _ = ctx;
        return Ok(if refused {
            ExitStatus::Findings
        } else {
            ExitStatus::Success
        });
    }
    match args.report.format {
        Format::Text | Format::Json => super::perms_report::execute(args, ctx),
        _ => pipeline::execute(args, ctx),
    }
}
