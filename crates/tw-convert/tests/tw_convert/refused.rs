//! Files that must not be converted: every malicious fixture of `fixtures/models` is refused
//! with exactly the finding IDs its manifest expects (at `low` or above), and the unsupported
//! fixtures fail as `oracle.json` says; no output file is ever left.
use tw_convert::{convert_file, ConvertOptions};

use crate::common::{fixtures, listing, oracle};

/// Rules below `low` (notes, never a reason to refuse).
const INFO_RULES: [&str; 1] = ["TW114"];

#[test]
fn every_malicious_fixture_is_refused_with_its_finding_ids() {
    let text = std::fs::read_to_string(fixtures().join("models/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = ConvertOptions::default();
    let mut checked = 0;
    for entry in manifest["files"].as_array().unwrap() {
        if entry["kind"] != "malicious" || entry["error"] == true {
            continue;
        }
        let rel = entry["file"].as_str().unwrap();
        let mut expected: Vec<&str> = entry["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .filter(|id| !INFO_RULES.contains(id))
            .collect();
        expected.sort_unstable();
        let out = dir.path().join("out.safetensors");
        let err = convert_file(
            &fixtures().join("models").join(rel),
            &out,
            &options,
            &|_| {},
        )
        .expect_err(rel);
        assert!(err.is_refusal(), "{rel}: {err}");
        assert_eq!(err.finding_ids(), expected, "{rel}: {err}");
        assert!(listing(dir.path()).is_empty(), "{rel} left a file");
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} malicious fixtures");
}

#[test]
fn unsupported_fixtures_fail_as_the_oracle_says() {
    let oracle = oracle();
    let dir = tempfile::tempdir().unwrap();
    for entry in oracle["unsupported"].as_array().unwrap() {
        let rel = entry["file"].as_str().unwrap();
        let out = dir.path().join("out.safetensors");
        let err = convert_file(
            &fixtures().join("convert").join(rel),
            &out,
            &ConvertOptions::default(),
            &|_| {},
        )
        .expect_err(rel);
        match entry["expect"].as_str().unwrap() {
            "refused" => {
                assert!(err.is_refusal(), "{rel}: {err}");
                let ids: Vec<&str> = entry["ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(err.finding_ids(), ids, "{rel}: {err}");
            }
            _ => assert!(!err.is_refusal(), "{rel}: {err}"),
        }
        assert!(listing(dir.path()).is_empty(), "{rel} left a file");
    }
}

#[test]
fn a_name_collision_names_both_paths() {
    // {"a.b": x, "a": {"b": y}}: both flatten to `a.b`.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.safetensors");
    let err = convert_file(
        &fixtures().join("convert/unsupported/collision.pt"),
        &out,
        &ConvertOptions::default(),
        &|_| {},
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, tw_convert::ConvertError::NameCollision { ref name, .. } if name == "a.b"),
        "{text}"
    );
    assert!(
        text.contains(r#"path ["a.b"]"#) && text.contains(r#"path ["a", "b"]"#),
        "{text}"
    );
    assert!(!out.exists());
}
