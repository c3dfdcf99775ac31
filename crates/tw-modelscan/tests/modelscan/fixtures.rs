//! The fixture manifest is the oracle: `expect` lists exactly the rule IDs a correct scanner
//! reports for each file, and `error` whether it must report an analysis error.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tw_modelscan::{analyse_bytes, ScanOptions};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/models")
}

fn manifest() -> Vec<Value> {
    manifest_in(&fixtures_dir())
}

/// The `files` of `dir/manifest.json`.
pub(crate) fn manifest_in(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["files"].as_array().unwrap().clone()
}

/// Every file of `dir/manifest.json` analysed and compared with its `expect` and `error`:
/// a line per file that differs, after at least `min` files were checked.
pub(crate) fn assert_manifest_holds(dir: &Path, min: usize) {
    let options = ScanOptions::default();
    let mut mismatches = Vec::new();
    let entries = manifest_in(dir);
    assert!(
        entries.len() >= min,
        "manifest lists {} files",
        entries.len()
    );
    for entry in &entries {
        let file = entry["file"].as_str().unwrap();
        let data = std::fs::read(dir.join(file)).unwrap();
        let outcome = analyse_bytes(file, &data, &options);
        let got: BTreeSet<&str> = outcome.findings.iter().map(|f| f.rule.as_str()).collect();
        let want: BTreeSet<&str> = entry["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let want_error = entry["error"].as_bool().unwrap();
        let got_error = !outcome.errors.is_empty();
        let matches = got == want && got_error == want_error;
        if !matches {
            mismatches.push(format!(
                "{file} [{}]: rules got {got:?} want {want:?}; error got {got_error} want {want_error}{}{}",
                entry["kind"].as_str().unwrap_or(""),
                outcome
                    .errors
                    .first()
                    .map(|e| format!(" ({})", e.message))
                    .unwrap_or_default(),
                outcome
                    .findings
                    .iter()
                    .filter(|f| !want.contains(f.rule.as_str()))
                    .map(|f| format!("\n    extra {} {}", f.rule, f.message))
                    .collect::<String>()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} fixtures mismatch:\n{}",
        mismatches.len(),
        entries.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_fixture_gives_exactly_its_expected_rules_and_errors() {
    assert_manifest_holds(&fixtures_dir(), 100);
}

#[test]
fn findings_carry_file_entry_and_offset() {
    let data = std::fs::read(fixtures_dir().join("malicious/T01_zip_os_system.pt"));
    let Ok(data) = data else {
        // Name from the manifest instead, in case the fixture was renamed.
        let entry = manifest()
            .into_iter()
            .find(|e| e["file"].as_str().unwrap().contains("T01"))
            .unwrap();
        let file = entry["file"].as_str().unwrap().to_owned();
        let data = std::fs::read(fixtures_dir().join(&file)).unwrap();
        return check_t01(&file, &data);
    };
    check_t01("malicious/T01_zip_os_system.pt", &data);
}

fn check_t01(file: &str, data: &[u8]) {
    let outcome = analyse_bytes(file, data, &ScanOptions::default());
    let critical = outcome
        .findings
        .iter()
        .find(|f| f.rule == "TW101")
        .expect("TW101 on T01");
    assert_eq!(critical.location.path, file);
    let entry = critical.location.entry.as_deref().unwrap();
    assert!(entry.ends_with("data.pkl"), "{entry}");
    assert!(critical.location.offset.is_some());
    assert!(critical.message.contains("system"), "{}", critical.message);
}
