//! `torchward rules`: every rule in the registry as a table (people), JSON (programs) or the
//! Markdown document `docs/rules.md` is generated from, so the docs cannot drift from the code.
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use anyhow::Context as _;
use clap::ValueEnum;
use std::fmt::Write;
use tw_diagnostics::{Registry, RuleMeta};

/// How `rules` prints the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// An aligned table.
    Text,
    /// A JSON array of rule metadata, docs included.
    Json,
    /// The full Markdown reference (`docs/rules.md`).
    Markdown,
}

/// Arguments of `rules`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    torchward rules\n  \
    torchward rules --format markdown > docs/rules.md")]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text, value_name = "FORMAT")]
    pub format: RulesFormat,
}

/// Prints the rule list.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    let registry = ctx.registry();
    let rendered = match args.format {
        RulesFormat::Text => table(registry),
        RulesFormat::Json => {
            let mut json = serde_json::to_string_pretty(registry.rules())
                .context("serializing the rule list")?;
            json.push('\n');
            json
        }
        RulesFormat::Markdown => markdown(registry),
    };
    output::write_stdout(&rendered)?;
    Ok(ExitStatus::Success)
}

/// Columns padded to the widest cell; the summary column runs to the end of the line.
fn table(registry: &Registry) -> String {
    let rules = registry.rules();
    let width = |cell: fn(&RuleMeta) -> usize, title: &str| {
        rules
            .iter()
            .map(|r| cell(r))
            .max()
            .unwrap_or(0)
            .max(title.len())
    };
    let id_w = width(|r| r.id.len(), "ID");
    let name_w = width(|r| r.name.len(), "NAME");
    let sev_w = width(|r| r.severity.as_str().len(), "SEVERITY");
    let sec_w = width(|r| r.section.len(), "SECTION");
    let mut out = format!(
        "{:id_w$}  {:name_w$}  {:sev_w$}  {:sec_w$}  SUMMARY\n",
        "ID", "NAME", "SEVERITY", "SECTION"
    );
    for rule in rules {
        let _ = writeln!(
            out,
            "{:id_w$}  {:name_w$}  {:sev_w$}  {:sec_w$}  {}",
            rule.id,
            rule.name,
            rule.severity.as_str(),
            rule.section,
            rule.summary
        );
    }
    out
}

/// The Markdown rule reference: an index table, then each rule's `RuleMeta::markdown`.
pub fn markdown(registry: &Registry) -> String {
    let mut out = String::from(
        "# torchward finding IDs\n\n\
         <!-- Generated from the rule registry by `torchward rules --format markdown`; do not \
         edit by hand. Regenerate with `UPDATE_DOCS=1 cargo test -p torchward rules_doc`. -->\n\n\
         Every finding torchward reports carries one of these IDs. IDs are never reused: \
         1xx model files, 2xx host, 3xx permissions, 4xx network and firewall, 5xx address \
         declaration, 6xx Python lint. `torchward explain ID` prints the same text.\n\n",
    );
    out.push_str("| ID | Name | Severity | Section | Summary |\n|---|---|---|---|---|\n");
    for rule in registry.rules() {
        let anchor = format!("{}-{}", rule.id, rule.name).to_ascii_lowercase();
        let _ = writeln!(
            out,
            "| [{}](#{anchor}) | `{}` | {} | {} | {} |",
            rule.id,
            rule.name,
            rule.severity,
            rule.section,
            rule.summary.replace('|', "\\|")
        );
    }
    for rule in registry.rules() {
        out.push('\n');
        out.push_str(rule.markdown().trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// `docs/rules.md` must equal what the registry generates. Set `UPDATE_DOCS=1` to
    /// rewrite it instead of failing.
    #[test]
    fn rules_doc_is_up_to_date() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
        let expected = markdown(&crate::registry::registry());
        if std::env::var_os("UPDATE_DOCS").is_some() {
            if let Err(err) = std::fs::write(&path, &expected) {
                panic!("cannot write {}: {err}", path.display());
            }
            return;
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test -p torchward rules_doc` \
             (or `cargo run -p torchward -- rules --format markdown > docs/rules.md`) and commit it"
        );
    }

    #[test]
    fn table_lists_every_rule_once() {
        let registry = crate::registry::registry();
        let table = table(&registry);
        assert_eq!(table.lines().count(), registry.rules().len() + 1);
        for rule in registry.rules() {
            assert_eq!(table.matches(rule.id).count(), 1, "{} listed once", rule.id);
        }
    }
}
