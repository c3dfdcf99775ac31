//! Reads the `# expect: TWnnn [suppressed]` / `# expect: none` annotations of a fixture and
//! compares them with what the lint found, exactly: a line without annotation must have no
//! finding, and an annotated line exactly the findings it names.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tw_diagnostics::Finding;
use tw_pylint::{lint_source, FileOutcome, Options, SourceKind};

/// The repository's `fixtures/lint` directory.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lint")
}

/// Lints a fixture file as Python.
pub fn lint_fixture(relative: &str, options: Options) -> (String, FileOutcome) {
    let path = fixture_dir().join(relative);
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    let outcome = lint_source(relative, &source, SourceKind::Python, options);
    (source, outcome)
}

/// `line -> ["TW601", "TW602 suppressed"]` from the annotations.
pub fn expected(source: &str) -> BTreeMap<u32, Vec<String>> {
    let mut map = BTreeMap::new();
    for (index, line) in source.lines().enumerate() {
        let Some(at) = line.find("expect:") else {
            continue;
        };
        let spec = line[at + "expect:".len()..].trim();
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let entries: Vec<String> = if spec == "none" {
            Vec::new()
        } else {
            vec![spec.to_owned()]
        };
        map.insert(line_number, entries);
    }
    map
}

/// `line -> ["TW601", "TW602 suppressed"]` from the findings.
pub fn actual(findings: &[Finding]) -> BTreeMap<u32, Vec<String>> {
    let mut map: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for finding in findings {
        let line = finding.location.line.unwrap_or(0);
        let entry = if finding.suppressed.is_some() {
            format!("{} suppressed", finding.rule)
        } else {
            finding.rule.clone()
        };
        map.entry(line).or_default().push(entry);
    }
    map
}

/// Asserts the fixture's findings are exactly its annotations.
pub fn assert_matches(relative: &str, options: Options) {
    let (source, outcome) = lint_fixture(relative, options);
    let expected = expected(&source);
    let actual = actual(&outcome.findings);
    let mut problems = Vec::new();
    for (line, found) in &actual {
        match expected.get(line) {
            None => problems.push(format!(
                "{relative}:{line}: unexpected {found:?} (no annotation)"
            )),
            Some(want) if want != found => {
                problems.push(format!(
                    "{relative}:{line}: expected {want:?}, found {found:?}"
                ));
            }
            Some(_) => {}
        }
    }
    for (line, want) in &expected {
        if !want.is_empty() && !actual.contains_key(line) {
            problems.push(format!(
                "{relative}:{line}: expected {want:?}, found nothing"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
