//! The CI gate both ways: a complete declaration passes, an undeclared address and a stale
//! row are each reported, and updating keeps what humans wrote.
use super::common::scan;
use tw_diagnostics::{Finding, Severity, Status};
use tw_urls::{findings, CheckOptions, Declaration, Entry, ScanOptions, TO_FILL};

fn rules(findings: &[Finding]) -> Vec<&str> {
    let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn complete() -> (tw_urls::TreeScan, Declaration) {
    let scan = scan(&ScanOptions::default());
    let mut declaration = Declaration::default().updated(&scan);
    for entry in &mut declaration.entries {
        entry.origin = "self-developed".into();
        entry.upstream.clear();
        entry.purpose = format!("purpose of {}", entry.address);
    }
    (scan, declaration)
}

#[test]
fn complete_declaration_passes_the_gate() {
    let (scan, declaration) = complete();
    let found = findings(
        &scan,
        &CheckOptions {
            declaration: Some(&declaration),
            declaration_path: Some("decl.toml"),
            check: true,
        },
    );
    assert_eq!(rules(&found), vec!["TW500", "TW503", "TW504"]);
    assert!(found
        .iter()
        .filter(|f| f.rule == "TW500")
        .all(|f| f.status == Status::Pass));
    // Only the plain-HTTP and credential findings count at the default level.
    assert!(found
        .iter()
        .filter(|f| f.counts_at(Severity::Low))
        .all(|f| f.rule == "TW503" || f.rule == "TW504"));
}

#[test]
fn undeclared_address_and_stale_row_fail_the_gate() {
    let (scan, mut declaration) = complete();
    let removed = declaration.entries.remove(0);
    declaration.entries.push(Entry {
        file: "pip.conf".to_owned(),
        address: "https://old-mirror.pytorch.org/simple".to_owned(),
        origin: "self-developed".to_owned(),
        upstream: String::new(),
        purpose: "dropped mirror".to_owned(),
        line: Some(42),
    });
    let found = findings(
        &scan,
        &CheckOptions {
            declaration: Some(&declaration),
            declaration_path: Some("decl.toml"),
            check: true,
        },
    );
    let undeclared: Vec<&Finding> = found.iter().filter(|f| f.rule == "TW501").collect();
    assert_eq!(undeclared.len(), 1);
    assert!(undeclared[0].message.contains(&removed.address));
    assert_eq!(undeclared[0].severity, Severity::High);
    let gone: Vec<&Finding> = found.iter().filter(|f| f.rule == "TW502").collect();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].location.path, "decl.toml");
    assert_eq!(gone[0].location.line, Some(42));
    assert_eq!(gone[0].severity, Severity::Low);
}

#[test]
fn without_check_undeclared_addresses_are_info_warnings() {
    let scan = scan(&ScanOptions::default());
    let found = findings(&scan, &CheckOptions::default());
    let public: Vec<&Finding> = found.iter().filter(|f| f.rule == "TW500").collect();
    assert!(!public.is_empty());
    assert!(public
        .iter()
        .all(|f| f.status == Status::Warn && f.severity == Severity::Info));
    assert!(public.iter().all(|f| f
        .evidence
        .iter()
        .any(|e| e.name == "purpose" && e.value == TO_FILL)));
    assert!(!found.iter().any(|f| f.rule == "TW501" || f.rule == "TW502"));
}

#[test]
fn written_declaration_round_trips_through_both_formats() -> Result<(), Box<dyn std::error::Error>>
{
    let (scan, declaration) = complete();
    let dir = tempfile::tempdir()?;
    for name in ["decl.toml", "decl.md"] {
        let path = dir.path().join(name);
        declaration.save(&path)?;
        let back = Declaration::load(&path)?;
        let found = findings(
            &scan,
            &CheckOptions {
                declaration: Some(&back),
                declaration_path: Some(name),
                check: true,
            },
        );
        assert!(
            !found.iter().any(|f| f.rule == "TW501" || f.rule == "TW502"),
            "{name}"
        );
        assert_eq!(back.updated(&scan).entries.len(), declaration.entries.len());
    }
    Ok(())
}
