//! The baseline accepts findings by rule, path and call text, survives line moves and
//! reports new identical calls beyond the accepted count.
use tw_pylint::{lint_source, Baseline, Options, SourceKind};

const BEFORE: &str = "import torch\ntorch.load(p)\npickle = 1\n";
const AFTER: &str = "import torch\n\n\n# moved\ntorch.load( p )\ntorch.load(p)\n";

#[test]
fn keyed_by_call_text_not_line() {
    let before = lint_source("m.py", BEFORE, SourceKind::Python, Options::default());
    let baseline = Baseline::from_findings(&before.findings);
    assert_eq!(baseline.entries.len(), 1);
    let text = baseline.to_json();
    let reread = Baseline::from_json(&text).expect("round trip");
    assert_eq!(reread, baseline);

    let mut after = lint_source("./m.py", AFTER, SourceKind::Python, Options::default()).findings;
    assert_eq!(after.len(), 2);
    assert_eq!(reread.apply(&mut after), 1);
    assert!(after.first().is_some_and(|f| f.suppressed.is_some()));
    assert!(after.get(1).is_some_and(|f| f.suppressed.is_none()));
}

#[test]
fn rejects_other_versions_and_bad_json() {
    assert!(Baseline::from_json("{\"version\": 9, \"entries\": []}").is_err());
    let err = Baseline::from_json("{").expect_err("bad json");
    assert!(err.to_string().contains("line 1"));
}
