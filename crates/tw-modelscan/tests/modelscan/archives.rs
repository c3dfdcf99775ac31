//! Issue #14's fixtures (`fixtures/scan/manifest.json`, made by `fixtures/scan/make_fixtures.py`):
//! archives inside archives, compressed pickles, Keras files, legacy tar links, zip integrity,
//! and a tree of ordinary text files. The manifest is the oracle, as for `fixtures/models`.
use std::collections::BTreeSet;
use std::path::PathBuf;

use tw_diagnostics::Severity;
use tw_modelscan::{analyse_bytes, ScanOptions};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan")
}

fn analyse(file: &str) -> tw_modelscan::FileOutcome {
    let data = std::fs::read(dir().join(file)).unwrap();
    analyse_bytes(file, &data, &ScanOptions::default())
}

#[test]
fn every_scan_fixture_gives_exactly_its_expected_rules_and_errors() {
    crate::fixtures::assert_manifest_holds(&dir(), 40);
}

#[test]
fn findings_in_nested_archives_name_the_path_through_them() {
    let outcome = analyse("nested/bundle.zip");
    let critical = outcome.findings.iter().find(|f| f.rule == "TW101").unwrap();
    assert_eq!(
        critical.location.path,
        "nested/bundle.zip!model/pytorch_model.bin"
    );
    assert!(critical
        .location
        .entry
        .as_deref()
        .is_some_and(|e| e.ends_with("data.pkl")));
    assert!(critical.location.offset.is_some());
    // Renderers that must name a file on disk (SARIF, GitHub) point at the outer file.
    assert_eq!(
        critical.location.outer.as_deref(),
        Some("nested/bundle.zip")
    );
    let outcome = analyse("nested/zip_in_tar_in_gzip.tgz");
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.location.path == "nested/zip_in_tar_in_gzip.tgz!bundle/inner.zip"));
}

#[test]
fn equal_findings_in_two_members_are_both_kept() {
    let outcome = analyse("nested/two_models.tar");
    let paths: BTreeSet<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "TW101")
        .map(|f| f.location.path.as_str())
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            "nested/two_models.tar!a/pytorch_model.bin",
            "nested/two_models.tar!b/pytorch_model.bin"
        ])
    );
}

#[test]
fn severities_of_archives_keras_and_twins() {
    let rule = |file: &str, id: &str| {
        analyse(file)
            .findings
            .into_iter()
            .find(|f| f.rule == id)
            .map(|f| f.severity)
    };
    assert_eq!(
        rule("nested/unknown_weights.zip", "TW119"),
        Some(Severity::Low)
    );
    assert_eq!(
        rule("keras/foreign_module.keras", "TW118"),
        Some(Severity::Critical)
    );
    assert_eq!(rule("keras/lambda.keras", "TW117"), Some(Severity::High));
}

#[test]
fn a_budget_too_small_for_a_deflated_member_is_a_finding() {
    let mut options = ScanOptions::default();
    options.checkpoint.limits.max_archive_bytes = 100;
    let data = std::fs::read(dir().join("nested/bundle_deflated.zip")).unwrap();
    let outcome = analyse_bytes("bundle_deflated.zip", &data, &options);
    assert!(
        outcome.findings.iter().any(|f| f.rule == "TW111"),
        "{:?}",
        outcome.findings
    );
    assert!(!outcome.findings.iter().any(|f| f.rule == "TW101"));
}

#[test]
fn scanning_the_text_tree_gives_no_finding_and_no_error() {
    let options = ScanOptions::default();
    let walked = tw_modelscan::walk::collect(
        &[dir().join("text")],
        &tw_modelscan::walk::WalkOptions::default(),
    );
    assert!(walked.errors.is_empty(), "{:?}", walked.errors);
    assert!(walked.inputs.len() >= 10, "{:?}", walked.inputs);
    let result = tw_modelscan::scan::scan_inputs(&walked.inputs, &options, &|| {});
    assert!(result.findings.is_empty(), "{:?}", result.findings);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
}

#[test]
fn the_archive_fuzz_corpus_is_analysed_without_panics() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/archive");
    let mut replayed = 0;
    for entry in std::fs::read_dir(corpus).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = analyse_bytes(&name, &data, &ScanOptions::default());
        // The seeds copied from fixtures/scan are malicious.
        let fixture = [".tgz", ".tar", ".h5"].iter().any(|e| name.ends_with(e));
        if name.starts_with("seed_") && fixture {
            assert!(!outcome.findings.is_empty(), "{name}");
        }
        replayed += 1;
    }
    assert!(replayed >= 20, "only {replayed} inputs");
}

#[test]
fn member_count_and_depth_limits_are_findings() {
    let mut options = ScanOptions::default();
    options.checkpoint.limits.max_archive_members = 1;
    let data = std::fs::read(dir().join("nested/bundle.tar")).unwrap();
    let outcome = analyse_bytes("bundle.tar", &data, &options);
    assert!(
        outcome
            .findings
            .iter()
            .any(|f| f.rule == "TW111" && f.message.contains("members")),
        "{:?}",
        outcome.findings
    );
    let mut options = ScanOptions::default();
    options.checkpoint.limits.max_archive_depth = 1;
    let data = std::fs::read(dir().join("nested/zip_in_tar_in_gzip.tgz")).unwrap();
    let outcome = analyse_bytes("x.tgz", &data, &options);
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.rule == "TW111" && f.message.contains("nested")));
    assert!(!outcome.findings.iter().any(|f| f.rule == "TW101"));
}

#[test]
fn tar_members_with_long_names_are_named_in_full() {
    let deep = ["a-rather-long-folder-name"; 5].join("/");
    for tag in ["gnu", "pax"] {
        let file = format!("longname/bundle_{tag}.tar");
        let outcome = analyse(&file);
        let critical = outcome.findings.iter().find(|f| f.rule == "TW101").unwrap();
        assert_eq!(
            critical.location.path,
            format!("{file}!{deep}/pytorch_model.bin")
        );
    }
}

#[test]
fn joblib_arrays_are_skipped_exactly_and_their_globals_read_as_data() {
    for file in [
        "joblib/arrays.joblib",
        "joblib/arrays.z",
        "joblib/arrays.xz",
        "joblib/arrays.lz4",
        "joblib/arrays_unaligned.joblib",
        "joblib/object_array.joblib",
    ] {
        let outcome = analyse(file);
        assert!(outcome.errors.is_empty(), "{file}: {:?}", outcome.errors);
        let rules: BTreeSet<&str> = outcome.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, BTreeSet::from(["TW114"]), "{file}");
    }
    // The payload after a real array, in an object array's nested pickle, and in array bytes
    // a plain pickle.load reads as opcodes: each flagged where it is.
    for (file, offset) in [
        ("joblib/evil_after_array.joblib", 350),
        ("joblib/evil_object_array.joblib", 387),
        ("joblib/payload_in_array_bytes.pkl", 225),
    ] {
        let outcome = analyse(file);
        let critical = outcome.findings.iter().find(|f| f.rule == "TW101").unwrap();
        assert_eq!(critical.location.offset, Some(offset), "{file}");
    }
}
