//! `torchward scan` over issue #14's fixtures (`fixtures/scan/`): a model inside a `.tar.gz` is
//! named by the path through the archives, and a tree of ordinary text files scans clean.
use std::path::PathBuf;

use crate::cli::{stdout, Tree};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/scan")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn a_model_in_a_tar_gz_is_flagged_under_its_path_through_the_archives() {
    let tree = Tree::new();
    let file = fixture("nested/bundle.tar.gz");
    let out = tree
        .torchward(&["scan", &file])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let place = format!("{file}!model/pytorch_model.bin:");
    assert!(
        text.contains("critical TW101") && text.contains(&place),
        "{text}"
    );
}

#[test]
fn ordinary_text_files_scan_clean() {
    let tree = Tree::new();
    let out = tree
        .torchward(&["scan", &fixture("text")])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("No findings"), "{text}");
}
