//! Every fixture case gives exactly its expected result.
use super::expectations::{assert_matches, fixture_dir, lint_fixture};
use tw_pylint::{Options, RULES};

#[test]
fn research_cases() {
    assert_matches("cases.py", Options::default());
}

#[test]
fn research_negatives() {
    assert_matches("negatives.py", Options::default());
}

#[test]
fn shadowing_scopes_and_suppression_comments() {
    assert_matches("scope.py", Options::default());
}

#[test]
fn nosec_only_when_honoured() {
    let (source, outcome) = lint_fixture("scope.py", Options { honor_nosec: true });
    let line = source
        .lines()
        .position(|l| l.contains("# nosec B614"))
        .and_then(|i| u32::try_from(i + 1).ok());
    let finding = outcome
        .findings
        .iter()
        .find(|f| f.location.line == line)
        .expect("the nosec line is still reported");
    let suppression = finding
        .suppressed
        .as_ref()
        .expect("suppressed with --honor-nosec");
    assert_eq!(suppression.source, "inline");
}

#[test]
fn new_syntax_files_parse_and_lint() {
    for file in ["py312.py", "py313.py", "py314.py"] {
        let (_, outcome) = lint_fixture(file, Options::default());
        assert!(
            outcome.parse_errors.is_empty(),
            "{file}: {:?}",
            outcome.parse_errors
        );
        assert_matches(file, Options::default());
    }
}

#[test]
fn every_rule_fixture() {
    for rule in RULES {
        let relative = format!("rules/{}.py", rule.name);
        assert!(
            fixture_dir().join(&relative).is_file(),
            "{} has no fixture {relative}",
            rule.id
        );
        assert_matches(&relative, Options::default());
    }
}

#[test]
fn rule_fixtures_report_their_own_rule() {
    for rule in RULES {
        let (_, outcome) = lint_fixture(&format!("rules/{}.py", rule.name), Options::default());
        assert!(
            outcome.findings.iter().any(|f| f.rule == rule.id),
            "{} fixture never triggers {}",
            rule.name,
            rule.id
        );
    }
}

#[test]
fn parse_errors_are_reported_and_the_rest_is_linted() {
    let (_, outcome) = lint_fixture("parse-errors/broken.py", Options::default());
    let first = outcome.parse_errors.first().expect("a parse error");
    assert_eq!((first.line, first.column), (5, 12));
    assert!(!first.message.is_empty());
    assert_matches("parse-errors/broken.py", Options::default());
}

#[test]
fn low_confidence_for_unknown_arguments() {
    let (_, outcome) = lint_fixture("rules/torch-load-unresolved.py", Options::default());
    for finding in outcome.findings.iter().filter(|f| f.rule == "TW603") {
        assert_eq!(finding.confidence, Some(tw_diagnostics::Confidence::Low));
    }
}

#[test]
fn deeply_nested_input_does_not_overflow_the_stack() {
    for depth in [1_000_usize, 20_000] {
        let calls = format!(
            "import torch\nx = {}torch.load(p){}\n",
            "f(".repeat(depth),
            ")".repeat(depth)
        );
        let lists = format!(
            "import pickle\nx = {}pickle.loads(b){}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        for source in [calls, lists] {
            let outcome = tw_pylint::lint_source(
                "deep.py",
                &source,
                tw_pylint::SourceKind::Python,
                Options::default(),
            );
            assert!(outcome.findings.len() <= 1);
        }
    }
}
