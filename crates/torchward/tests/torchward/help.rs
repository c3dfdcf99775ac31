//! `--help` is part of the interface: snapshots show every change to it in review.
use crate::cli::{stdout, Tree};

fn help(args: &[&str]) -> String {
    let out = Tree::new()
        .torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0), "{args:?} exits 0");
    stdout(&out)
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!("help", help(&["--help"]));
}

#[test]
fn urls_and_api_help_list_the_formats_they_accept() {
    let urls = help(&["urls", "--help"]);
    let api = help(&["api", "--help"]);
    for (name, text) in [("urls", &urls), ("api", &api)] {
        assert!(text.contains("- markdown:"), "{name} --help lists markdown");
    }
    assert!(urls.contains("- csv:"), "urls --help lists csv");
    insta::assert_snapshot!("help_urls", urls);
    insta::assert_snapshot!("help_api", api);
}

#[test]
fn report_command_help_shows_the_shared_report_options() {
    insta::assert_snapshot!("help_report", help(&["report", "--help"]));
}

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let out = Tree::new()
        .torchward(&[])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: torchward <COMMAND>"));
}

#[test]
fn version_exits_0() {
    assert_eq!(
        help(&["--version"]),
        format!("torchward {}\n", env!("CARGO_PKG_VERSION"))
    );
}
