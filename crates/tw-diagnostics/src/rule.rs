//! Rule metadata: one `RuleMeta` per finding ID, carrying the single doc text that feeds
//! `torchward explain`, SARIF rule descriptions and `docs/rules.md`. IDs are `TW` plus three
//! digits and are never reused; each area crate exports one explicit `RULES` slice.
use crate::Severity;
use serde::Serialize;

/// The fixed-shape documentation of a rule (ruff's What / Why / Example / Fix / References).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleDoc {
    /// What the rule checks, in one or two sentences.
    pub what: &'static str,
    /// Why it matters: the attack or failure it prevents.
    pub why: &'static str,
    /// A short example of what triggers it.
    pub example: &'static str,
    /// How to fix or avoid it.
    pub fix: &'static str,
    /// References: CVEs, advisories, upstream code or spec sections.
    pub references: &'static [&'static str],
}

/// Everything known about one rule, independent of any finding.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Stable ID, `TW` + three digits (`TW101`).
    pub id: &'static str,
    /// Stable kebab-case name (`dangerous-callable`).
    pub name: &'static str,
    /// Default severity of its findings.
    pub severity: Severity,
    /// The security statement section(s) it serves, e.g. `"1, 6"`.
    pub section: &'static str,
    /// One line summary, used as the SARIF short description.
    pub summary: &'static str,
    /// The long documentation.
    pub doc: RuleDoc,
}

impl RuleMeta {
    /// The rule's full documentation as Markdown, the exact text `explain` prints and
    /// `docs/rules.md` contains, so the three can never disagree.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "## {} {}\n\n{}\n\nDefault severity: **{}** · Statement section: {}\n\n",
            self.id, self.name, self.summary, self.severity, self.section
        );
        for (title, body) in [
            ("What it checks", self.doc.what),
            ("Why it matters", self.doc.why),
            ("Example", self.doc.example),
            ("How to fix", self.doc.fix),
        ] {
            out.push_str("### ");
            out.push_str(title);
            out.push_str("\n\n");
            out.push_str(body.trim());
            out.push_str("\n\n");
        }
        if !self.doc.references.is_empty() {
            out.push_str("### References\n\n");
            for reference in self.doc.references {
                out.push_str("- ");
                out.push_str(reference);
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }
}

/// The set of all rules the binary knows, gathered from each area crate's `RULES` slice.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    rules: Vec<&'static RuleMeta>,
}

impl Registry {
    /// A registry of the given rule lists, sorted by ID.
    pub fn new<'a>(lists: impl IntoIterator<Item = &'a [RuleMeta]>) -> Self
    where
        'a: 'static,
    {
        let mut rules: Vec<&'static RuleMeta> = lists.into_iter().flatten().collect();
        rules.sort_by_key(|rule| rule.id);
        Registry { rules }
    }

    /// All rules, sorted by ID.
    pub fn rules(&self) -> &[&'static RuleMeta] {
        &self.rules
    }

    /// The rule with this ID (case-insensitive), if any.
    pub fn get(&self, id: &str) -> Option<&'static RuleMeta> {
        self.rules
            .iter()
            .copied()
            .find(|rule| rule.id.eq_ignore_ascii_case(id))
    }

    /// IDs that appear more than once; a test asserts this is empty.
    pub fn duplicate_ids(&self) -> Vec<&'static str> {
        self.rules
            .windows(2)
            .filter_map(|pair| match pair {
                [a, b] if a.id == b.id => Some(a.id),
                _ => None,
            })
            .collect()
    }
}
