//! `torchward convert` through the real binary: exit codes 0 (converted), 1 (refused, with the
//! finding IDs), 2 (malformed, unsupported, existing output); the default output name; a tree
//! with --out-dir and its summary; and a write that fails half way (file size limit) leaving
//! no file behind.
use std::path::{Path, PathBuf};

use crate::cli::{stderr, Tree};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn copy(tree: &Tree, rel: &str, name: &str) -> PathBuf {
    let to = tree.join(name);
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::copy(fixture(rel), &to).unwrap_or_else(|e| panic!("{rel}: {e}"));
    to
}

fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn converts_to_the_default_output_and_exits_0() {
    let tree = Tree::new();
    copy(&tree, "convert/convertible/views.pt", "views.pt");
    let out = tree
        .torchward(&["convert", "views.pt", "--verify"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let message = stderr(&out);
    assert!(
        message.contains("-> views.safetensors: 8 tensor(s)"),
        "{message}"
    );
    assert!(message.contains("verified"), "{message}");
    assert_eq!(names(tree.path()), ["views.pt", "views.safetensors"]);
    // A second run refuses to overwrite (exit 2); --force replaces.
    let again = tree
        .torchward(&["convert", "views.pt"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("refusing to overwrite"));
    tree.torchward(&["convert", "views.pt", "--force"])
        .assert()
        .code(0);
}

#[test]
fn refused_files_exit_1_with_their_finding_ids_and_no_output() {
    let tree = Tree::new();
    copy(&tree, "models/malicious/T01_zip_os_system.pt", "evil.pt");
    let out = tree
        .torchward(&["convert", "evil.pt", "-o", "evil.safetensors"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("TW101"), "{message}");
    assert!(message.contains("TW102"), "{message}");
    assert_eq!(names(tree.path()), ["evil.pt"]);
}

#[test]
fn malformed_and_unsupported_exit_2() {
    let tree = Tree::new();
    copy(
        &tree,
        "models/malformed/truncated_zip_central_directory.pt",
        "cut.pt",
    );
    copy(&tree, "convert/unsupported/complex128.pt", "z.pt");
    for (input, expected) in [
        ("cut.pt", "cut.pt"),
        (
            "z.pt",
            "dtype torch.complex128 has no safetensors equivalent",
        ),
    ] {
        let out = tree
            .torchward(&["convert", input])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{input}");
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
    assert_eq!(names(tree.path()), ["cut.pt", "z.pt"]);
    let out = tree
        .torchward(&["convert", "z.pt", "--allow-global", "os.system"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--allow-global os.system"));
}

#[test]
fn a_tree_converts_in_parallel_with_a_summary() {
    let tree = Tree::new();
    copy(&tree, "convert/convertible/shapes.pt", "in/a/shapes.pt");
    copy(&tree, "convert/convertible/arrays.npz", "in/b/arrays.npz");
    copy(&tree, "convert/convertible/legacy.pt", "in/legacy.bin");
    copy(
        &tree,
        "models/benign/library.safetensors",
        "in/done.safetensors",
    );
    tree.write("in/notes.txt", "not a model\n");
    let out = tree
        .torchward(&["convert", "in", "--out-dir", "out"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{message}");
    assert!(
        message.contains("3 converted, 2 skipped (not checkpoints), 0 refused, 0 failed"),
        "{message}"
    );
    assert_eq!(names(&tree.join("out/a")), ["shapes.safetensors"]);
    assert_eq!(names(&tree.join("out/b")), ["arrays.safetensors"]);
    assert!(tree.join("out/legacy.safetensors").is_file());
    // A refused file in the tree makes the run exit 1; the others still convert.
    copy(
        &tree,
        "models/malicious/T02_legacy_pickle4.pt",
        "in/evil.pt",
    );
    let out = tree
        .torchward(&["convert", "in", "--out-dir", "out2"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("3 converted, 2 skipped (not checkpoints), 1 refused"));
    assert!(!tree.join("out2/evil.safetensors").exists());
    // A directory without --out-dir is a usage error.
    tree.torchward(&["convert", "in"]).assert().code(2);
}

#[test]
fn a_write_failing_half_way_leaves_no_file() {
    let tree = Tree::new();
    copy(&tree, "convert/convertible/every_dtype.pt", "m.pt");
    // The output is about 1.7 KB; a 1 KiB file size limit makes a write fail (EFBIG, with
    // SIGXFSZ ignored) after the header went out.
    let bin = assert_cmd::cargo::cargo_bin("torchward");
    let status = std::process::Command::new("bash")
        .current_dir(tree.path())
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 1; exec \"$0\" convert m.pt -o m.safetensors",
        ])
        .arg(&bin)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status.status.code(), Some(2), "{}", stderr(&status));
    assert!(
        stderr(&status).contains("cannot write"),
        "{}",
        stderr(&status)
    );
    assert_eq!(names(tree.path()), ["m.pt"]);
}
