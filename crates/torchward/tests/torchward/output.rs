//! `--output FILE`: atomic, mode 640, never replacing a file without `--force`.
use crate::cli::{findings_report, stderr, stdout, Tree};
use std::os::unix::fs::PermissionsExt;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o7777)
}

#[test]
fn writes_the_report_with_mode_640_and_nothing_on_stdout() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let out = tree
        .torchward(&[
            "report",
            "scan.json",
            "--format",
            "sarif",
            "--output",
            "out/scan.sarif",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    // The parent directory does not exist: refused with the path named, exit 2.
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("out"), "{}", stderr(&out));

    let out = tree
        .torchward(&[
            "report",
            "scan.json",
            "--format",
            "sarif",
            "-o",
            "scan.sarif",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the exit code still reflects the findings"
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(mode(&tree.join("scan.sarif")), 0o640);
    assert!(tree.read("scan.sarif").contains("\"version\": \"2.1.0\""));
    let leftovers: Vec<_> = std::fs::read_dir(tree.path())
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(
        leftovers.len(),
        2,
        "only scan.json and scan.sarif: {leftovers:?}"
    );
}

#[test]
fn refuses_to_overwrite_without_force_and_replaces_with_it() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.write("report.txt", "precious");
    let out = tree
        .torchward(&["report", "scan.json", "-o", "report.txt"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(tree.read("report.txt"), "precious");

    tree.torchward(&["report", "scan.json", "-o", "report.txt", "--force"])
        .assert()
        .code(1);
    assert!(tree.read("report.txt").contains("TW101"));
    assert_eq!(mode(&tree.join("report.txt")), 0o640);
}

#[test]
fn output_file_never_gets_colour_in_auto_mode() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    tree.torchward(&["report", "scan.json", "-o", "r.txt"])
        .assert()
        .code(1);
    assert!(!tree.read("r.txt").contains('\x1b'));
}

/// `--output` means the same for a reporting command, `inspect` and `report merge` (one shared
/// `OutputArgs`): a directory is a usage error naming it, an existing file is kept without
/// `--force` and replaced with it.
#[test]
fn output_and_force_mean_the_same_for_reports_inspect_and_merge() {
    let tree = Tree::new();
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/resnet-tiny.pt");
    tree.torchward(&["scan", model, "--format", "json", "-o", "scan.json"])
        .assert()
        .code(0);
    std::fs::create_dir(tree.join("outdir")).unwrap_or_else(|e| panic!("{e}"));
    let commands: &[&[&str]] = &[
        &["scan", model],
        &["inspect", model],
        &["report", "merge", "scan.json"],
    ];
    for command in commands {
        let run = |extra: &[&str]| {
            let mut args = command.to_vec();
            args.extend_from_slice(extra);
            tree.torchward(&args)
                .output()
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let into_dir = run(&["-o", "outdir"]);
        assert_eq!(into_dir.status.code(), Some(2), "{command:?}");
        assert!(
            stderr(&into_dir).contains("is a directory: -o takes the file's name"),
            "{command:?}: {}",
            stderr(&into_dir)
        );
        tree.write("kept.txt", "keep me\n");
        let kept = run(&["-o", "kept.txt"]);
        assert_eq!(kept.status.code(), Some(2), "{command:?}");
        assert!(stderr(&kept).contains("pass --force"), "{}", stderr(&kept));
        assert_eq!(tree.read("kept.txt"), "keep me\n");
        let forced = run(&["-o", "kept.txt", "--force"]);
        assert_eq!(
            forced.status.code(),
            Some(0),
            "{command:?}: {}",
            stderr(&forced)
        );
        assert_ne!(tree.read("kept.txt"), "keep me\n");
    }
}
