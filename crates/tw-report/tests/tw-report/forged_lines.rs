//! No field of a finding or error can forge an output line: every field of a report carries a
//! newline followed by a fake finding line, and each renderer must print exactly the lines it
//! prints for the same report without the injection (control characters escaped in place).
use tw_diagnostics::{AnalysisError, Finding, Location, Report, Severity, Status, Suppression};
use tw_report::TextOptions;

/// What a hostile file name or pickle string would inject.
const FORGED: &str = "\n  critical TW999 forged-rule  /etc/passwd\r\n::error file=x::forged\x1b[2J";

/// A report with `inject` appended to every free-text field.
fn report(inject: &str) -> Report {
    let with = |text: &str| format!("{text}{inject}");
    let mut location = Location::path(with("/srv/x.pt")).with_entry(with("archive/data.pkl"));
    location.offset = Some(4);
    let mut finding = Finding::new(
        &crate::fixture::RULES[0],
        location,
        with("GLOBAL os.system is called"),
    )
    .with_values(with("nothing"), with("os.system"))
    .with_evidence(with("global"), with("os.system"))
    .with_remediation(with("chmod 0640 '/srv/x.pt'"));
    finding.name = with("rule-name");
    let mut suppressed = Finding::new(
        &crate::fixture::RULES[1],
        Location::path(with("/srv/y.py")).with_line(3, 1),
        with("torch.load"),
    )
    .with_status(Status::Warn)
    .with_severity(Severity::High);
    suppressed.suppressed = Some(Suppression {
        source: with(".torchwardignore:1"),
        reason: with("fixture"),
        expires: Some(with("2999-01-01")),
    });
    let mut report = Report::new("audit perms", "0.1.0");
    report.findings = vec![finding, suppressed];
    report.errors = vec![AnalysisError {
        path: with("/srv/z.pt"),
        entry: Some(with("z/data.pkl")),
        offset: None,
        message: with("cannot open"),
    }];
    report
}

fn lines(text: &str) -> usize {
    text.lines().count()
}

#[test]
fn text_fields_cannot_forge_lines() {
    for show_suppressed in [false, true] {
        let options = TextOptions {
            color: false,
            show_suppressed,
            show_skipped: true,
        };
        let clean = tw_report::text(&report(""), options);
        let hostile = tw_report::text(&report(FORGED), options);
        assert_eq!(lines(&hostile), lines(&clean), "{hostile}");
        assert!(!hostile.contains(['\r', '\x1b']), "{hostile}");
        assert!(
            !hostile
                .lines()
                .any(|l| l.trim_start().starts_with("critical TW999")),
            "{hostile}"
        );
        assert!(
            hostile.contains("\\x0a  critical TW999 forged-rule"),
            "{hostile}"
        );
    }
}

#[test]
fn github_fields_cannot_forge_workflow_commands() {
    let clean = tw_report::github(&report(""));
    let hostile = tw_report::github(&report(FORGED));
    assert_eq!(lines(&hostile), lines(&clean), "{hostile}");
    assert!(hostile.lines().all(|l| l.starts_with("::")), "{hostile}");
    assert!(!hostile.contains(['\r', '\x1b']), "{hostile}");
}
