//! The fleet summary on reports built the way torchward writes them.
use tw_diagnostics::{Finding, Location, Report, RuleDoc, RuleMeta, Severity, Suppression};
use tw_fleet::{render, Fleet};

const DOC: RuleDoc = RuleDoc {
    what: "w",
    why: "y",
    example: "e",
    fix: "f",
    references: &[],
};
const ASLR: RuleMeta = RuleMeta {
    id: "TW201",
    name: "aslr-disabled",
    severity: Severity::High,
    section: "2",
    summary: "s",
    doc: DOC,
};
const UMASK: RuleMeta = RuleMeta {
    id: "TW203",
    name: "umask-too-open",
    severity: Severity::Medium,
    section: "4",
    summary: "s",
    doc: DOC,
};

fn host(name: &str, findings: &[&RuleMeta]) -> Report {
    let mut report = Report::new("audit host", "0.1.0");
    report.host = Some(name.to_owned());
    for rule in findings {
        report
            .findings
            .push(Finding::new(rule, Location::path("/proc/sys"), "m"));
    }
    report
}

#[test]
fn hosts_sort_worst_first_and_rules_list_the_hosts_failing_them() {
    let mut suppressed = host("gpu-03", &[&ASLR]);
    suppressed.findings[0].suppressed = Some(Suppression {
        source: ".torchwardignore:1".into(),
        reason: "lab machine".into(),
        expires: None,
    });
    let reports = [
        host("gpu-01", &[&UMASK]),
        host("gpu-02", &[&ASLR, &UMASK]),
        suppressed,
        host("gpu-04", &[]),
    ];
    let fleet = Fleet::merge(&reports, 4, Vec::new(), Severity::Low);
    let order: Vec<&str> = fleet.hosts.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(order, ["gpu-02", "gpu-01", "gpu-03", "gpu-04"]);
    assert_eq!(fleet.hosts[0].worst, Some(Severity::High));
    assert_eq!(
        fleet.hosts[2].worst, None,
        "a suppressed finding does not count"
    );
    assert_eq!(fleet.failing_hosts(), 2);
    let rules: Vec<(&str, usize)> = fleet
        .rules
        .iter()
        .map(|r| (r.rule.as_str(), r.hosts.len()))
        .collect();
    assert_eq!(rules, [("TW201", 1), ("TW203", 2)]);
    assert_eq!(fleet.exit_code(), 1);
    // Counting at a higher level leaves the medium umask findings out.
    let fleet = Fleet::merge(&reports, 4, Vec::new(), Severity::High);
    assert_eq!(fleet.failing_hosts(), 1);
}

#[test]
fn two_reports_of_one_host_are_one_row() {
    let reports = [host("n1", &[&ASLR]), {
        let mut r = host("n1", &[&UMASK]);
        r.command = "audit env".into();
        r
    }];
    let fleet = Fleet::merge(&reports, 2, Vec::new(), Severity::Low);
    assert_eq!(fleet.hosts.len(), 1);
    assert_eq!(fleet.hosts[0].findings, 2);
    assert_eq!(fleet.hosts[0].reports, 2);
    assert_eq!(fleet.hosts[0].commands.len(), 2);
}

#[test]
fn input_errors_make_exit_2_and_are_listed_in_every_format() {
    let reports = [host("n1", &[])];
    let fleet = Fleet::merge(
        &reports,
        1,
        vec!["`bad.json`: not a torchward report".into()],
        Severity::Low,
    );
    assert_eq!(fleet.exit_code(), 2);
    assert!(render::text(&fleet).contains("error: `bad.json`"));
    assert!(render::markdown(&fleet).contains("bad.json"));
    assert!(render::html(&fleet).contains("bad.json"));
    let json: serde_json::Value =
        serde_json::from_str(&render::json(&fleet).unwrap_or_default()).unwrap_or_default();
    assert_eq!(
        json["input_errors"][0],
        "`bad.json`: not a torchward report"
    );
}

#[test]
fn hostile_host_names_cannot_forge_output() {
    let reports = [host(
        "evil\ncritical TW999 forged <script>alert(1)</script> | x",
        &[&ASLR],
    )];
    let fleet = Fleet::merge(&reports, 1, Vec::new(), Severity::Low);
    let text = render::text(&fleet);
    assert!(
        !text.lines().any(|l| l.starts_with("critical TW999")),
        "{text}"
    );
    let html = render::html(&fleet);
    assert!(!html.contains("<script>alert"), "{html}");
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    let markdown = render::markdown(&fleet);
    let row = markdown
        .lines()
        .find(|l| l.contains("evil"))
        .unwrap_or_default();
    assert_eq!(
        row.matches(" | ").count() + row.matches("\\|").count(),
        4,
        "{row}"
    );
}

#[test]
fn html_is_self_contained() {
    let reports = [host("n1", &[&ASLR])];
    let html = render::html(&Fleet::merge(&reports, 1, Vec::new(), Severity::Low));
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(external), "external reference {external}");
    }
}
