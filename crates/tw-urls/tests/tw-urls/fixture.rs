//! The fixture repository's addresses, exactly, in each walk mode.
use super::common::{listing, scan};
use tw_urls::ScanOptions;

#[test]
fn default_walk_finds_exactly_the_public_addresses() {
    let scan = scan(&ScanOptions::default());
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    insta::assert_snapshot!(listing(&scan));
}

fn files(scan: &tw_urls::TreeScan) -> Vec<&str> {
    scan.files.iter().map(|f| f.file.as_str()).collect()
}

#[test]
fn gitignore_is_honoured_unless_no_ignore() {
    let default = scan(&ScanOptions::default());
    assert!(!files(&default).contains(&"build/generated.cfg"));
    let all = scan(&ScanOptions {
        no_ignore: true,
        ..ScanOptions::default()
    });
    assert!(files(&all).contains(&"build/generated.cfg"));
}

#[test]
fn exclude_globs_drop_paths_and_names() {
    for glob in ["third_party", "third_party/**", "*.cfg"] {
        let scan = scan(&ScanOptions {
            exclude: vec![glob.to_owned()],
            ..ScanOptions::default()
        });
        assert!(!files(&scan).contains(&"third_party/vendor.cfg"), "{glob}");
    }
    let bad = tw_urls::scan_paths(
        &[super::common::repo()],
        &ScanOptions {
            exclude: vec!["a{".to_owned()],
            ..ScanOptions::default()
        },
    );
    assert!(bad.is_err_and(|e| e.to_string().contains("a{")));
}

#[test]
fn all_files_adds_text_files_and_still_skips_binaries() {
    let default = scan(&ScanOptions::default());
    assert!(!files(&default).contains(&"docs/notes.md"));
    let all = scan(&ScanOptions {
        all_files: true,
        ..ScanOptions::default()
    });
    assert!(files(&all).contains(&"docs/notes.md"));
    assert!(!files(&all).contains(&"data/blob.bin"));
    assert!(all.skipped >= 1, "the binary file is counted as skipped");
    let notes = all
        .files
        .iter()
        .find(|f| f.file == "docs/notes.md")
        .map(|f| f.addresses.len());
    assert_eq!(
        notes,
        Some(2),
        "a URL and an e-mail; no bare domains in plain text"
    );
}

#[test]
fn a_named_file_is_scanned_whatever_its_name() {
    let path = super::common::repo().join("docs/notes.md");
    let scan = tw_urls::scan_paths(&[path], &ScanOptions::default()).unwrap_or_default();
    assert_eq!(scan.inputs, 1);
    assert_eq!(scan.files.len(), 1);
}
