//! `torchward convert` through the real binary: exit codes 0 (converted), 1 (refused, with the
//! finding IDs), 2 (malformed, unsupported, existing output); the default output name; a tree
//! with --out-dir and its summary; and a write that fails half way (file size limit) leaving
//! no file behind.
use std::io::Write as _;
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

/// The sorted entry names of `dir` (empty when it does not exist).
pub fn names(dir: &Path) -> Vec<String> {
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
    // The output is about 1.7 KB; a 1 KiB file size limit (SIGXFSZ ignored) makes reserving
    // the output's size fail (EFBIG) before any byte is written.
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
        stderr(&status).contains("cannot reserve") && stderr(&status).contains("EFBIG"),
        "{}",
        stderr(&status)
    );
    assert_eq!(names(tree.path()), ["m.pt"]);
}

/// Whether `unshare --mount` with a tmpfs mount works here (root, util-linux, no seccomp).
fn can_mount_tmpfs() -> Result<(), String> {
    let probe = std::process::Command::new("unshare")
        .args([
            "--mount",
            "sh",
            "-c",
            "d=$(mktemp -d) && mount -t tmpfs -o size=4k tmpfs \"$d\"",
        ])
        .output()
        .map_err(|e| format!("unshare cannot run: {e}"))?;
    if probe.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cannot mount a tmpfs in a private mount namespace: {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ))
    }
}

#[test]
fn a_full_file_system_stops_at_the_reservation_with_enospc() {
    if let Err(why) = can_mount_tmpfs() {
        // A skip must be visible in the test output, never a silent pass.
        let _ = writeln!(
            std::io::stderr(),
            "SKIP a_full_file_system_stops_at_the_reservation_with_enospc: {why}"
        );
        return;
    }
    let tree = Tree::new();
    copy(&tree, "convert/convertible/every_dtype.pt", "m.pt");
    std::fs::create_dir(tree.join("small")).unwrap_or_else(|e| panic!("{e}"));
    // A one-page tmpfs holds the (empty) temporary file but not the output's bytes; the
    // mount lives only in the private namespace of this one command.
    let bin = assert_cmd::cargo::cargo_bin("torchward");
    let out = std::process::Command::new("unshare")
        .current_dir(tree.path())
        .args([
            "--mount",
            "sh",
            "-c",
            "mount -t tmpfs -o size=4k tmpfs small && head -c 3000 /dev/zero > small/filler && \"$0\" convert m.pt -o small/m.safetensors; code=$?; ls -A small; exit $code",
        ])
        .arg(&bin)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(
        message.contains("cannot reserve") && message.contains("ENOSPC"),
        "{message}"
    );
    assert!(message.contains("small/m.safetensors"), "{message}");
    // Nothing but the filler was left on the small file system.
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "filler");
}

/// Runs `convert` with `args` and checks it refuses (exit 2) because an output is an input.
fn refused_as_its_own_input(tree: &Tree, args: &[&str]) {
    let out = tree
        .torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {message}");
    assert!(message.contains("is the input"), "{args:?}: {message}");
}

#[test]
fn an_output_that_is_the_input_is_refused_even_with_force() {
    let tree = Tree::new();
    let input = copy(&tree, "convert/convertible/views.pt", "a.pt");
    std::os::unix::fs::symlink("a.pt", tree.join("link.safetensors"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::hard_link(&input, tree.join("hard.safetensors")).unwrap_or_else(|e| panic!("{e}"));
    let before = std::fs::read(&input).unwrap_or_else(|e| panic!("{e}"));
    for output in ["a.pt", "./a.pt", "link.safetensors", "hard.safetensors"] {
        refused_as_its_own_input(&tree, &["convert", "a.pt", "-o", output, "--force"]);
    }
    assert_eq!(
        std::fs::read(&input).unwrap_or_else(|e| panic!("{e}")),
        before
    );
    assert!(tree.join("link.safetensors").is_symlink());
    assert_eq!(
        names(tree.path()),
        ["a.pt", "hard.safetensors", "link.safetensors"]
    );
}

#[test]
fn a_tree_whose_output_would_be_an_input_is_refused() {
    let tree = Tree::new();
    // A torch checkpoint named .safetensors: converting `m.pt` in place would overwrite it.
    copy(&tree, "convert/convertible/views.pt", "in/m.pt");
    let claimed = copy(&tree, "convert/convertible/shapes.pt", "in/m.safetensors");
    let before = std::fs::read(&claimed).unwrap_or_else(|e| panic!("{e}"));
    refused_as_its_own_input(&tree, &["convert", "in", "--out-dir", "in", "--force"]);
    assert_eq!(
        std::fs::read(&claimed).unwrap_or_else(|e| panic!("{e}")),
        before
    );
    // A hard link to an input inside the output directory is the input too.
    copy(&tree, "convert/convertible/views.pt", "in2/x.pt");
    std::fs::create_dir(tree.join("out2")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::hard_link(tree.join("in2/x.pt"), tree.join("out2/x.safetensors"))
        .unwrap_or_else(|e| panic!("{e}"));
    refused_as_its_own_input(&tree, &["convert", "in2", "--out-dir", "out2", "--force"]);
    assert_eq!(
        std::fs::read(tree.join("in2/x.pt")).unwrap_or_else(|e| panic!("{e}")),
        std::fs::read(fixture("convert/convertible/views.pt")).unwrap_or_else(|e| panic!("{e}"))
    );
}
