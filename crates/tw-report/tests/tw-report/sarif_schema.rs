//! Every SARIF document we write must validate against the OASIS SARIF 2.1.0 JSON schema
//! (tests/data/sarif-schema-2.1.0.json, provenance in tests/data/README.md), with format
//! assertions on (`uri`, `uri-reference`, ...).
use crate::fixture;
use serde_json::Value;
use tw_diagnostics::{Registry, Report};
use tw_report::SarifOptions;

const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";

fn validate(document: &Value) -> Result<(), String> {
    let schema: Value = serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json"))
        .map_err(|e| format!("schema is not JSON: {e}"))?;
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource(SCHEMA_URL, schema)
        .map_err(|e| format!("{e}"))?;
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(SCHEMA_URL, &mut schemas)
        .map_err(|e| format!("{e}"))?;
    schemas
        .validate(document, index)
        .map_err(|e| format!("{e:#}"))
}

fn sarif_of(report: &Report, registry: &Registry) -> Value {
    let text = tw_report::sarif(report, registry, &SarifOptions::default())
        .unwrap_or_else(|e| panic!("render: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("SARIF is not JSON: {e}"))
}

#[test]
fn shared_report_is_valid_sarif() {
    let document = sarif_of(&fixture::report(), &fixture::registry());
    if let Err(err) = validate(&document) {
        panic!("SARIF output does not match the 2.1.0 schema:\n{err}");
    }
}

#[test]
fn empty_report_is_valid_sarif() {
    let document = sarif_of(&Report::new("lint", "0.1.0"), &Registry::default());
    if let Err(err) = validate(&document) {
        panic!("SARIF output does not match the 2.1.0 schema:\n{err}");
    }
}

#[test]
fn the_validator_rejects_broken_sarif() {
    let mut document = sarif_of(&fixture::report(), &fixture::registry());
    if let Some(object) = document.as_object_mut() {
        object.remove("version");
    }
    assert!(
        validate(&document).is_err(),
        "a log without `version` must fail"
    );
    let mut document = sarif_of(&fixture::report(), &fixture::registry());
    document["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(validate(&document).is_err(), "an unknown level must fail");
}

#[test]
fn results_point_at_their_rules_and_carry_fingerprints() {
    let report = fixture::report();
    let document = sarif_of(&report, &fixture::registry());
    let run = &document["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), report.findings.len());
    for (result, finding) in results.iter().zip(&report.findings) {
        let index = result["ruleIndex"]
            .as_u64()
            .and_then(|i| usize::try_from(i).ok());
        let rule = index.and_then(|i| rules.get(i)).unwrap_or(&Value::Null);
        assert_eq!(rule["id"], result["ruleId"]);
        assert_eq!(
            result["partialFingerprints"]["torchward/v1"],
            Value::from(finding.fingerprint())
        );
        assert_eq!(
            result["suppressions"].is_array(),
            finding.suppressed.is_some()
        );
    }
    assert_eq!(
        run["invocations"][0]["executionSuccessful"],
        Value::from(false)
    );
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .map(Vec::len),
        Some(report.errors.len())
    );
}

#[test]
fn a_counted_finding_keeps_its_count_in_every_format() -> Result<(), Box<dyn std::error::Error>> {
    let mut report = fixture::report();
    report.findings[0].occurrences = Some(7);
    let document = sarif_of(&report, &fixture::registry());
    if let Err(err) = validate(&document) {
        panic!("SARIF with occurrenceCount does not match the 2.1.0 schema:\n{err}");
    }
    assert_eq!(document["runs"][0]["results"][0]["occurrenceCount"], 7);
    assert!(document["runs"][0]["results"][1]
        .get("occurrenceCount")
        .is_none());
    let json: Value = serde_json::from_str(&tw_report::json(&report)?)?;
    assert_eq!(json["findings"][0]["occurrences"], 7);
    let text = tw_report::text(&report, tw_report::TextOptions::default());
    assert!(text.contains("occurrences: 7 in this file"), "{text}");
    Ok(())
}

#[test]
fn a_finding_inside_an_archive_member_points_at_the_file_on_disk() {
    let mut report = Report::new("scan", "0.1.0");
    let mut location = tw_diagnostics::Location::path("bundle.zip!model/pytorch_model.bin")
        .with_entry("archive/data.pkl")
        .with_offset(81);
    location.outer = Some("bundle.zip".into());
    report.findings = vec![tw_diagnostics::Finding::new(
        fixture::registry().rules()[0],
        location,
        "GLOBAL os.system is called on load",
    )];
    let document = sarif_of(&report, &fixture::registry());
    if let Err(err) = validate(&document) {
        panic!("SARIF output does not match the 2.1.0 schema:\n{err}");
    }
    let result = &document["runs"][0]["results"][0];
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "bundle.zip"
    );
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "model/pytorch_model.bin:archive/data.pkl@81"
    );
    let full = "bundle.zip!model/pytorch_model.bin:archive/data.pkl@81";
    assert_eq!(result["properties"]["archivePath"], full);
    assert!(result["message"]["text"]
        .as_str()
        .is_some_and(|t| t.ends_with(&format!("[in {full}]"))));
    let github = tw_report::github(&report);
    assert!(github.contains("file=bundle.zip,"), "{github}");
    assert!(github.contains(full), "{github}");
}
