//! Checkpoints as training frameworks write them (fixtures/frameworks, made by torch.save with
//! each framework's globals): clean with their profile; without it every TW102 names the
//! profile and a TW130 note carries the exact safe_globals list; hostile twins stay flagged
//! with the profile on.
use std::path::PathBuf;

use serde_json::Value;
use tw_modelscan::{analyse_bytes, ScanOptions};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/frameworks")
}

fn oracle() -> Value {
    let text = std::fs::read_to_string(dir().join("oracle.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn scan(file: &str, profile: Option<&str>) -> Vec<tw_diagnostics::Finding> {
    let mut options = ScanOptions::default();
    if let Some(name) = profile {
        options.profile(name).unwrap();
    }
    let data = std::fs::read(dir().join(file)).unwrap();
    let outcome = analyse_bytes(file, &data, &options);
    assert!(outcome.errors.is_empty(), "{file}: {:?}", outcome.errors);
    outcome.findings
}

#[test]
fn framework_files_are_clean_with_their_profile_and_named_without() {
    let oracle = oracle();
    let trusted = oracle["trusted"].as_array().unwrap();
    assert!(trusted.len() >= 7);
    for entry in trusted {
        let file = entry["file"].as_str().unwrap();
        let profile = entry["profile"].as_str();
        let with = scan(file, profile);
        assert!(with.is_empty(), "{file} with {profile:?}: {with:#?}");
        let Some(profile) = profile.filter(|p| *p != "torch-npu") else {
            continue; // torch-npu is on by default; plain values need no profile
        };
        let included = tw_modelscan::profiles::profile(profile)
            .unwrap()
            .all_globals();
        let without = scan(file, None);
        let tw102: Vec<_> = without.iter().filter(|f| f.rule == "TW102").collect();
        assert!(!tw102.is_empty(), "{file} is flagged without --profile");
        for finding in &tw102 {
            let global = &finding.evidence[0].value;
            assert!(
                included.iter().any(|g| g.key == global.as_str()),
                "{file}: {global} is not in profile {profile}"
            );
            assert!(
                finding.message.contains("(allowed by --profile "),
                "{}",
                finding.message
            );
        }
        let notes: Vec<_> = without.iter().filter(|f| f.rule == "TW130").collect();
        assert_eq!(notes.len(), 1, "{file}: one safe_globals note");
        let list = &notes[0].evidence[0].value;
        assert!(
            list.starts_with("torch.serialization.safe_globals(["),
            "{list}"
        );
        for finding in &tw102 {
            assert!(list.contains(finding.evidence[0].value.as_str()), "{list}");
        }
    }
}

#[test]
fn hostile_twins_stay_flagged_with_the_profile_on() {
    let oracle = oracle();
    let hostile = oracle["hostile"].as_array().unwrap();
    assert!(!hostile.is_empty());
    for entry in hostile {
        let file = entry["file"].as_str().unwrap();
        let findings = scan(file, entry["profile"].as_str());
        for id in entry["expect"].as_array().unwrap() {
            let id = id.as_str().unwrap();
            assert!(
                findings.iter().any(|f| f.rule == id),
                "{file}: {id} missing from {findings:#?}"
            );
        }
        assert!(
            !findings.iter().any(|f| f.rule == "TW130"),
            "{file}: never offer a safe_globals list for a dangerous file"
        );
    }
}

#[test]
fn sharded_sets_are_checked_against_their_index() {
    let oracle = oracle();
    let sets = oracle["sets"].as_array().unwrap();
    assert!(sets.len() >= 2);
    for entry in sets {
        let set = dir().join(entry["dir"].as_str().unwrap());
        let options = ScanOptions::default();
        let walked = tw_modelscan::walk::collect(
            std::slice::from_ref(&set),
            &tw_modelscan::walk::WalkOptions::default(),
        );
        assert!(walked.errors.is_empty(), "{:?}", walked.errors);
        let result = tw_modelscan::scan::scan_inputs(&walked.inputs, &options, &|| {});
        assert!(result.errors.is_empty(), "{:?}", result.errors);
        let got: std::collections::BTreeSet<&str> =
            result.findings.iter().map(|f| f.rule.as_str()).collect();
        let want: std::collections::BTreeSet<&str> = entry["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(got, want, "{}: {:#?}", set.display(), result.findings);
    }
}

#[test]
fn dcp_directories_scan_clean_and_a_metadata_payload_is_caught() {
    let oracle = oracle();
    let sets = oracle["dcp"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    for entry in sets {
        let set = dir().join(entry["dir"].as_str().unwrap());
        let options = ScanOptions::default();
        let walked = tw_modelscan::walk::collect(
            std::slice::from_ref(&set),
            &tw_modelscan::walk::WalkOptions::default(),
        );
        let result = tw_modelscan::scan::scan_inputs(&walked.inputs, &options, &|| {});
        assert!(result.errors.is_empty(), "{:?}", result.errors);
        let got: std::collections::BTreeSet<&str> =
            result.findings.iter().map(|f| f.rule.as_str()).collect();
        let want: Vec<&str> = entry["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if want.is_empty() {
            assert!(got.is_empty(), "{}: {:#?}", set.display(), result.findings);
        }
        for id in want {
            assert!(got.contains(id), "{}: {id} missing", set.display());
        }
    }
}

#[test]
fn inspect_lists_a_dcp_directory_and_refuses_its_hostile_twin() {
    let oracle = oracle();
    let good = &oracle["dcp"][0];
    let inspection =
        tw_modelscan::dcp::inspect_dir(&dir().join("dcp"), &ScanOptions::default()).unwrap();
    let mut listed: Vec<(String, Vec<u64>)> = inspection
        .tensors
        .iter()
        .map(|t| (t.name.clone(), t.shape.clone()))
        .collect();
    listed.sort();
    let expected: Vec<(String, Vec<u64>)> = good["tensors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let shape = t["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap());
            (t["name"].as_str().unwrap().to_owned(), shape.collect())
        })
        .collect();
    assert_eq!(listed, expected);
    let refused =
        tw_modelscan::dcp::inspect_dir(&dir().join("dcp_hostile"), &ScanOptions::default());
    assert!(
        matches!(&refused, Err(tw_modelscan::inspect::InspectError::Refused { findings }) if findings.iter().any(|f| f.rule == "TW101")),
        "{refused:?}"
    );
}
