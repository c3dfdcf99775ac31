//! Snapshots of every renderer on the shared report (reviewed by hand; never bulk-accepted).
use crate::fixture;
use tw_diagnostics::Report;
use tw_report::{SarifOptions, TextOptions};

#[test]
fn text_plain_hides_suppressed() {
    let out = tw_report::text(&fixture::report(), TextOptions::default());
    assert!(!out.contains("posix.system"));
    insta::assert_snapshot!("text_plain", out);
}

#[test]
fn text_show_suppressed() {
    let options = TextOptions {
        color: false,
        show_suppressed: true,
        ..TextOptions::default()
    };
    insta::assert_snapshot!(
        "text_show_suppressed",
        tw_report::text(&fixture::report(), options)
    );
}

#[test]
fn text_color() {
    let options = TextOptions {
        color: true,
        show_suppressed: false,
        ..TextOptions::default()
    };
    let out = tw_report::text(&fixture::report(), options);
    assert!(out.contains("\x1b[1;31mcritical"));
    insta::assert_snapshot!("text_color", out.replace('\x1b', "\\e"));
}

#[test]
fn text_never_passes_control_characters_from_findings_through() {
    let out = tw_report::text(&fixture::report(), TextOptions::default());
    assert!(!out.contains('\x1b') && !out.contains('\x07'));
    assert!(out.contains("evil\\x1b]0;pwned\\x07\\x1b[2J"));
}

#[test]
fn github_never_passes_control_characters_through() {
    let out = tw_report::github(&fixture::report());
    assert!(!out.contains('\x1b'));
}

#[test]
fn text_empty_report() {
    let out = tw_report::text(&Report::new("lint", "0.1.0"), TextOptions::default());
    assert_eq!(out, "No findings.\n");
}

#[test]
fn json_keeps_everything_and_round_trips() -> Result<(), Box<dyn std::error::Error>> {
    let report = fixture::report();
    let out = tw_report::json(&report)?;
    let back: Report = serde_json::from_str(&out)?;
    assert_eq!(back, report);
    insta::assert_snapshot!("json", out);
    Ok(())
}

#[test]
fn sarif() -> Result<(), tw_report::Error> {
    let out = tw_report::sarif(
        &fixture::report(),
        &fixture::registry(),
        &SarifOptions::default(),
    )?;
    insta::assert_snapshot!("sarif", out);
    Ok(())
}

#[test]
fn github() {
    let out = tw_report::github(&fixture::report());
    assert!(
        !out.contains("posix.system"),
        "suppressed findings are not annotated"
    );
    insta::assert_snapshot!("github", out);
}

#[test]
fn text_lists_skipped_inputs_on_request_and_counts_them_always() {
    let mut report = fixture::report();
    report.stats.links_followed = 2;
    report.skipped.push(tw_diagnostics::SkippedInput {
        path: "models/pipe".into(),
        reason: tw_diagnostics::SkipReason::Fifo,
    });
    let quiet = tw_report::text(&report, TextOptions::default());
    assert!(!quiet.contains("models/pipe"), "{quiet}");
    assert!(
        quiet.contains(
            "; 2 symbolic links followed; 1 file passed over (--show-skipped lists them)."
        ),
        "{quiet}"
    );
    let listed = tw_report::text(
        &report,
        TextOptions {
            show_skipped: true,
            ..TextOptions::default()
        },
    );
    assert!(
        listed.contains("skipped: models/pipe: a FIFO (named pipe)\n"),
        "{listed}"
    );
}
