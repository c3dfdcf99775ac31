//! `torchward rules` and `torchward explain`.
use crate::cli::{rule, stderr, stdout, Tree};

#[test]
fn explain_prints_the_rule_markdown() {
    let tree = Tree::new();
    tree.torchward(&["explain", "TW101"])
        .assert()
        .code(0)
        .stdout(rule("TW101").markdown());
    tree.torchward(&["explain", "tw101"]).assert().code(0);
    tree.torchward(&["explain", rule("TW101").name])
        .assert()
        .code(0);
}

#[test]
fn explain_of_an_unknown_id_exits_2_and_suggests_near_ones() {
    let tree = Tree::new();
    let out = tree
        .torchward(&["explain", "TW10"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let message = stderr(&out);
    assert!(
        message.starts_with("error: unknown finding ID `TW10`; did you mean TW101"),
        "{message}"
    );
    assert!(message.contains("torchward rules"), "{message}");

    let out = tree
        .torchward(&["explain", "TW999"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rules_lists_every_registered_rule() {
    let tree = Tree::new();
    let out = tree
        .torchward(&["rules"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("ID "));
    for meta in tw_modelscan::RULES {
        assert!(
            text.contains(meta.id) && text.contains(meta.name),
            "{} missing",
            meta.id
        );
    }
}

#[test]
fn rules_json_is_machine_readable() {
    let tree = Tree::new();
    let out = tree
        .torchward(&["rules", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let rules: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rules.len(),
        tw_modelscan::RULES.len()
            + tw_host::RULES.len()
            + tw_perms::RULES.len()
            + tw_pylint::RULES.len()
            + tw_urls::RULES.len()
            + tw_firewall::RULES.len()
            + tw_pyapi::RULES.len()
            + tw_env::RULES.len()
    );
    assert_eq!(rules[0]["id"], "TW101");
    assert!(rules[0]["doc"]["why"].is_string());
}

#[test]
fn rules_markdown_is_docs_rules_md() {
    let tree = Tree::new();
    let out = tree
        .torchward(&["rules", "--format", "markdown"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md"))
        .unwrap_or_default();
    assert!(
        stdout(&out) == docs,
        "docs/rules.md differs from `torchward rules --format markdown`"
    );
}

/// SARIF `helpUri`s link each rule to its heading in docs/rules.md: the anchor GitHub gives a
/// heading (`## TW101 dangerous-callable` -> `#tw101-dangerous-callable`) must exist there.
#[test]
fn sarif_help_uris_point_at_docs_rules_md_headings() {
    let tree = Tree::new();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let out = tree
        .torchward(&["scan", examples, "--format", "sarif", "--exit-zero"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}"));
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md"))
        .unwrap_or_default();
    let anchors: Vec<String> = docs
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(|heading| heading.to_ascii_lowercase().replace(' ', "-"))
        .collect();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!rules.is_empty(), "the examples give findings");
    for rule in rules {
        let uri = rule["helpUri"].as_str().unwrap_or_default();
        let (page, anchor) = uri.split_once('#').unwrap_or_default();
        assert!(page.ends_with("/docs/rules.md"), "{uri}");
        assert!(anchors.iter().any(|a| a == anchor), "no heading for {uri}");
    }
}
