//! `torchward convert` on checkpoint directories through the real binary: a DCP directory to
//! one safetensors file (default name DIR.safetensors beside it; a `.metadata` payload refused
//! with TW101 and no file left), and a Hugging Face sharded `.bin` set to Hugging Face's
//! safetensors layout with `--out-dir` (boundaries kept, `--max-shard-size` re-cuts, `TW13x`
//! refuse a hostile set, existing outputs need `--force`).
use std::path::{Path, PathBuf};

use crate::cli::{stderr, Tree};
use crate::convert::names;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/frameworks")
        .join(rel)
}

/// Copies the fixture directory `rel` (hidden files included) to `name` in `tree`.
fn copy_dir(tree: &Tree, rel: &str, name: &str) -> PathBuf {
    let to = tree.join(name);
    std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")) {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap_or_else(|e| panic!("{e}"));
    }
    to
}

/// The JSON header of the safetensors file `path`.
fn header(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let n = u64::from_le_bytes(
        bytes
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; 8]),
    );
    let json = bytes
        .get(8..8 + usize::try_from(n).unwrap_or(0))
        .unwrap_or_default();
    serde_json::from_slice(json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `st/model.safetensors.index.json` of `tree`.
fn index_of(tree: &Tree) -> serde_json::Value {
    serde_json::from_str(&tree.read("st/model.safetensors.index.json"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run(tree: &Tree, args: &[&str]) -> std::process::Output {
    tree.torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_dcp_directory_converts_to_one_file_beside_it() {
    let tree = Tree::new();
    copy_dir(&tree, "dcp", "step-7");
    let out = run(&tree, &["convert", "step-7", "--verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(dcp) -> step-7.safetensors: 3 tensor(s)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(names(tree.path()), ["step-7", "step-7.safetensors"]);
    let h = header(&tree.join("step-7.safetensors"));
    assert_eq!(
        h["model.embedding.weight"]["shape"],
        serde_json::json!([8, 4])
    );
    assert_eq!(h["model.layers.0.weight"]["dtype"], "BF16");
    assert_eq!(h["__metadata__"]["step"], "7");
    // Again without --force: refused, exit 2.
    let again = run(&tree, &["convert", "step-7"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("refusing to overwrite"),
        "{}",
        stderr(&again)
    );
    // --dedupe is for single files: a usage error here.
    let dedupe = run(
        &tree,
        &["convert", "step-7", "-o", "other.safetensors", "--dedupe"],
    );
    assert_eq!(dedupe.status.code(), Some(2));
    assert!(stderr(&dedupe).contains("--dedupe"), "{}", stderr(&dedupe));
    // An output inside the checkpoint is refused even with --force.
    let inside = run(
        &tree,
        &["convert", "step-7", "-o", "step-7/x.safetensors", "--force"],
    );
    assert_eq!(inside.status.code(), Some(2));
    assert_eq!(names(&tree.join("step-7")), [".metadata", "__0_0.distcp"]);
}

#[test]
fn a_dcp_payload_is_refused_with_tw101_and_no_file() {
    let tree = Tree::new();
    let input = fixture("dcp_hostile");
    let output = tree.join("out.safetensors");
    let out = run(
        &tree,
        &[
            "convert",
            input.to_str().unwrap_or_default(),
            "-o",
            output.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("TW101"), "{}", stderr(&out));
    assert!(names(tree.path()).is_empty());
}

#[test]
fn a_sharded_set_converts_to_the_hugging_face_layout() {
    let tree = Tree::new();
    copy_dir(&tree, "sharded", "bin");
    let out = run(&tree, &["convert", "bin", "--out-dir", "st"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        names(&tree.join("st")),
        [
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "model.safetensors.index.json"
        ]
    );
    let index = index_of(&tree);
    assert_eq!(index["metadata"]["total_size"], 168);
    assert_eq!(
        index["weight_map"]["layers.0.bias"],
        "model-00002-of-00002.safetensors"
    );
    for (name, file) in index["weight_map"].as_object().into_iter().flatten() {
        let h = header(&tree.join("st").join(file.as_str().unwrap_or_default()));
        assert!(h.get(name).is_some(), "{name} not in {file}");
    }
    // Existing outputs: exit 2 without --force, replaced with it (and re-cut by size).
    let again = run(
        &tree,
        &[
            "convert",
            "bin",
            "--out-dir",
            "st",
            "--max-shard-size",
            "100",
        ],
    );
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    let forced = run(
        &tree,
        &[
            "convert",
            "bin",
            "--out-dir",
            "st",
            "--max-shard-size",
            "100",
            "--force",
        ],
    );
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let index = index_of(&tree);
    assert_eq!(
        index["weight_map"]["embedding.weight"],
        "model-00001-of-00002.safetensors"
    );
    assert_eq!(
        index["weight_map"]["layers.0.weight"],
        "model-00002-of-00002.safetensors"
    );
    // A bad size is a usage error; a size on a directory that is no sharded set too.
    let bad = run(
        &tree,
        &[
            "convert",
            "bin",
            "--out-dir",
            "x",
            "--max-shard-size",
            "5 parsecs",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let plain = run(
        &tree,
        &["convert", "st", "--out-dir", "y", "--max-shard-size", "5GB"],
    );
    assert_eq!(plain.status.code(), Some(2));
    assert!(stderr(&plain).contains("sharded"), "{}", stderr(&plain));
}

#[test]
fn a_hostile_sharded_set_is_refused_without_output() {
    let tree = Tree::new();
    let input = fixture("sharded_hostile");
    let out = run(
        &tree,
        &[
            "convert",
            input.to_str().unwrap_or_default(),
            "--out-dir",
            "st",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let message = stderr(&out);
    for id in ["TW131", "TW132", "TW135"] {
        assert!(message.contains(id), "{id}: {message}");
    }
    assert!(names(tree.path()).is_empty(), "{:?}", names(tree.path()));
}

#[test]
fn convert_help_documents_directories() {
    let out = run(&Tree::new(), &["convert", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("help_convert", crate::cli::stdout(&out));
}
