//! The walk honours .gitignore, sees hidden `.env` files, lints non-Python config through
//! the text pass, and keeps going after unreadable paths.
use super::expectations::fixture_dir;
use std::path::PathBuf;
use tw_pylint::{lint_paths, Options};

#[test]
fn env_text_files() {
    let dir = fixture_dir().join("env");
    let outcome = lint_paths(std::slice::from_ref(&dir), Options::default());
    let mut found: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| {
            let path = PathBuf::from(&f.location.path);
            let name = path
                .strip_prefix(&dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            let suffix = if f.suppressed.is_some() {
                " suppressed"
            } else {
                ""
            };
            assert_eq!(f.rule, "TW604");
            format!("{name}:{}{suffix}", f.location.line.unwrap_or(0))
        })
        .collect();
    found.sort();
    let expected_text = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
    let expected: Vec<String> = expected_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn gitignore_prefilter_and_missing_paths() {
    let temp = tempfile::tempdir().expect("tempdir");
    let root = temp.path();
    std::fs::create_dir(root.join(".git")).expect("mkdir");
    std::fs::write(root.join(".gitignore"), "ignored.py\n").expect("write");
    std::fs::write(root.join("ignored.py"), "import pickle\npickle.loads(b)\n").expect("write");
    std::fs::write(root.join("used.py"), "import pickle\npickle.loads(b)\n").expect("write");
    std::fs::write(root.join("plain.py"), "import json\njson.loads(b)\n").expect("write");
    let missing = root.join("missing");
    let outcome = lint_paths(&[root.to_path_buf(), missing], Options::default());
    assert_eq!(outcome.findings.len(), 1);
    assert!(outcome
        .findings
        .iter()
        .all(|f| f.location.path.ends_with("used.py")));
    assert_eq!(outcome.files, 2);
    assert_eq!(outcome.skipped, 1);
    assert_eq!(outcome.io_errors.len(), 1);
}
