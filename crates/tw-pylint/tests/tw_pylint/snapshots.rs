//! One reviewed snapshot of the findings of each rule's fixture (severity, confidence and
//! message included, which the expectation annotations do not pin).
use super::expectations::lint_fixture;
use std::fmt::Write as _;
use tw_pylint::{Options, RULES};

fn render(relative: &str) -> String {
    let (_, outcome) = lint_fixture(relative, Options::default());
    let mut out = String::new();
    for f in &outcome.findings {
        let confidence = match f.confidence {
            Some(tw_diagnostics::Confidence::Low) => "low",
            _ => "high",
        };
        let suppressed = if f.suppressed.is_some() {
            " (suppressed)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}:{}: {} [{} {}] {}{}",
            f.location.line.unwrap_or(0),
            f.location.column.unwrap_or(0),
            f.rule,
            f.severity,
            confidence,
            f.message,
            suppressed
        );
    }
    out
}

#[test]
fn per_rule_snapshots() {
    for rule in RULES {
        let relative = format!("rules/{}.py", rule.name);
        insta::assert_snapshot!(rule.name, render(&relative));
    }
}

#[test]
fn research_cases_snapshot() {
    insta::assert_snapshot!("cases", render("cases.py"));
}
