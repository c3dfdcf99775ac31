//! `torchward explain ID`: prints one rule's documentation, the same Markdown as
//! `docs/rules.md` and SARIF `help`. An unknown ID is an error (exit 2) naming the closest
//! known IDs, so a typo leads somewhere.
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use tw_diagnostics::{Registry, RuleMeta};

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  torchward explain TW101\n  torchward explain dangerous-callable"
)]
pub struct Args {
    /// A finding ID (`TW101`) or rule name (`dangerous-callable`).
    #[arg(value_name = "ID")]
    pub id: String,
}

/// Prints the rule's Markdown documentation.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    let registry = ctx.registry();
    let Some(rule) = find(registry, &args.id) else {
        let near = near_matches(registry, &args.id);
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", near.join(", "))
        };
        anyhow::bail!(
            "unknown finding ID `{}`{hint} (`torchward rules` lists them all)",
            args.id
        );
    };
    output::write_stdout(&rule.markdown())?;
    Ok(ExitStatus::Success)
}

fn find(registry: &Registry, query: &str) -> Option<&'static RuleMeta> {
    let query = query.trim();
    registry.get(query).or_else(|| {
        registry
            .rules()
            .iter()
            .copied()
            .find(|r| r.name.eq_ignore_ascii_case(query))
    })
}

/// Up to five IDs whose ID or name is within a small edit distance of `query`, or which share
/// its ID prefix (`TW10` suggests TW101..TW109), closest first.
fn near_matches(registry: &Registry, query: &str) -> Vec<String> {
    let query = query.trim().to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = registry
        .rules()
        .iter()
        .filter_map(|rule| {
            let id = rule.id.to_ascii_lowercase();
            let by_id = levenshtein(&query, &id);
            let by_name = levenshtein(&query, rule.name);
            let prefix = query.len() >= 3 && id.starts_with(&query);
            let score = by_id.min(by_name);
            let close = score <= 2 || (by_name <= rule.name.len() / 3);
            (prefix || close).then_some((if prefix { 0 } else { score }, rule.id))
        })
        .collect();
    scored.sort_unstable();
    scored
        .into_iter()
        .take(5)
        .map(|(_, id)| id.to_owned())
        .collect()
}

/// Edit distance (insertions, deletions, substitutions) between two short strings.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let cost = diagonal + usize::from(ca != *cb);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = cost
                    .min(above.saturating_add(1))
                    .min(left.saturating_add(1));
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("tw101", "tw101"), 0);
    }

    #[test]
    fn finds_by_id_or_name_and_suggests_near_ids() {
        let registry = crate::registry::registry();
        let Some(first) = registry.rules().first() else {
            return; // No rules registered: nothing to look up.
        };
        assert_eq!(
            find(&registry, &first.id.to_ascii_lowercase()).map(|r| r.id),
            Some(first.id)
        );
        assert_eq!(find(&registry, first.name).map(|r| r.id), Some(first.id));
        let typo = format!("{}x", first.id);
        assert!(near_matches(&registry, &typo).contains(&first.id.to_owned()));
        assert!(near_matches(&registry, "completely-unrelated-words").is_empty());
    }
}
