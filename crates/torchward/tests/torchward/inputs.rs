//! What every command reads, and how: symbolic links (the Hugging Face cache layout), `-` and
//! `--files-from`, special files named on the command line or in a config-file flag (an error
//! at once, never a hang), and trees whose files vanish or turn into FIFOs while a command
//! walks them (passed over and counted, never an error). Every run has a timeout, so a
//! regression to a blocking open fails instead of hanging the suite.
use crate::cli::{stderr, stdout, Tree};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tw_diagnostics::{Report, SkipReason};

/// Long enough for a debug build on a loaded machine; a blocking open never returns at all.
const TIMEOUT: Duration = Duration::from_mins(1);

/// A repository example: a torch checkpoint whose pickle calls `os.system`.
fn evil() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/evil-system.pt")
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap_or_else(|e| panic!("mkfifo {}: {e}", path.display()));
}

fn run(tree: &Tree, args: &[&str]) -> Output {
    tree.torchward(args)
        .timeout(TIMEOUT)
        .output()
        .unwrap_or_else(|e| panic!("torchward {args:?}: {e}"))
}

fn json_report(output: &Output) -> Report {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(output), stderr(output)))
}

/// `models--org--name/{blobs/<sha>, snapshots/<rev>/pytorch_model.bin -> ../../blobs/<sha>,
/// refs/main}` as `huggingface_hub` lays out its cache, the blob a malicious checkpoint.
fn hugging_face_cache(tree: &Tree) -> PathBuf {
    let repo = tree.join("hub/models--org--name");
    let sha = "4f7d0cd2bd3a3d0b5a2a6c1e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";
    let rev = "0123456789abcdef0123456789abcdef01234567";
    for dir in ["blobs", "refs", &format!("snapshots/{rev}")] {
        std::fs::create_dir_all(repo.join(dir)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::copy(evil(), repo.join("blobs").join(sha)).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(repo.join("refs/main"), rev).unwrap_or_else(|e| panic!("{e}"));
    symlink(
        format!("../../blobs/{sha}"),
        repo.join(format!("snapshots/{rev}/pytorch_model.bin")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    repo.join(format!("snapshots/{rev}/pytorch_model.bin"))
}

#[test]
fn malicious_model_in_the_hugging_face_cache_is_flagged_under_its_link() {
    let tree = Tree::new();
    let link = hugging_face_cache(&tree);
    let out = run(&tree, &["scan", "hub", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_report(&out);
    assert!(!report.findings.is_empty());
    let expected = link.strip_prefix(tree.path()).unwrap_or(&link);
    assert!(
        report
            .findings
            .iter()
            .all(|f| Path::new(&f.location.path) == expected),
        "each finding under the link, the blob once: {:?}",
        report
            .findings
            .iter()
            .map(|f| &f.location.path)
            .collect::<Vec<_>>()
    );
    assert_eq!(report.stats.links_followed, 1);
    assert_eq!(report.stats.inputs, 1, "the blob analysed once");

    // The link named on the command line is followed too.
    let named = link.display().to_string();
    let out = run(&tree, &["scan", &named]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 symbolic link followed"),
        "{}",
        stdout(&out)
    );

    // Only the snapshots, refusing links that leave them: passed over and said so.
    let out = run(
        &tree,
        &[
            "scan",
            "hub/models--org--name/snapshots",
            "--no-follow-outside",
            "--show-skipped",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("a symbolic link leading outside the paths given"),
        "{text}"
    );
    assert!(text.contains("1 file passed over"), "{text}");
}

#[test]
fn dangling_links_and_loops_are_counted_and_listed() {
    let tree = Tree::new();
    std::fs::create_dir(tree.join("d")).unwrap_or_else(|e| panic!("{e}"));
    symlink("missing.pt", tree.join("d/dangling.pt")).unwrap_or_else(|e| panic!("{e}"));
    symlink("loop.pt", tree.join("d/loop.pt")).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&tree, &["scan", "d", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json_report(&out);
    let reasons: Vec<(&str, SkipReason)> = report
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("d/dangling.pt", SkipReason::DanglingLink),
            ("d/loop.pt", SkipReason::LinkLoop)
        ]
    );
}

#[test]
fn standard_input_and_file_lists_are_read() {
    let tree = Tree::new();
    let bytes = std::fs::read(evil()).unwrap_or_else(|e| panic!("{e}"));
    let out = tree
        .torchward(&["scan", "-", "--format", "json"])
        .timeout(TIMEOUT)
        .write_stdin(bytes)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_report(&out);
    assert!(report.findings.iter().all(|f| f.location.path == "<stdin>"));
    assert!(!report.findings.is_empty());

    std::fs::copy(evil(), tree.join("evil one.pt")).unwrap_or_else(|e| panic!("{e}"));
    tree.write("clean.txt", "not a model\n");
    let out = tree
        .torchward(&["scan", "--files-from", "-", "--format", "json"])
        .timeout(TIMEOUT)
        .write_stdin("evil one.pt\0clean.txt\0")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_report(&out);
    assert!(report
        .findings
        .iter()
        .all(|f| f.location.path == "evil one.pt"));
    assert_eq!(report.stats.inputs + report.stats.skipped, 2);

    tree.write("list.txt", "clean.txt\nmissing.pt\n");
    let out = run(&tree, &["scan", "--files-from", "list.txt"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a listed file is named: missing is an error"
    );
    assert!(
        stdout(&out).contains("(ENOENT): No such file or directory"),
        "{}",
        stdout(&out)
    );
}

/// Every command, and every file flag, given a FIFO: exit 2 naming it, well before the timeout.
#[test]
fn a_fifo_named_anywhere_is_an_error_not_a_hang() {
    let tree = Tree::new();
    mkfifo(&tree.join("pipe"));
    tree.write("src/ok.py", "x = 1\n");
    let cases: &[&[&str]] = &[
        &["scan", "pipe"],
        &["inspect", "pipe"],
        &["convert", "pipe", "-o", "out.safetensors"],
        &["lint", "pipe"],
        &["urls", "pipe"],
        &["report", "pipe"],
        &["scan", "src", "--ignore-file", "pipe"],
        &["lint", "src", "--baseline", "pipe"],
        &["urls", "src", "--baseline", "pipe"],
        &["audit", "perms", "src", "--policy", "pipe"],
        &["audit", "host", "--overlay", "pipe"],
    ];
    for args in cases {
        let out = run(&tree, args);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains("FIFO"), "{args:?} names the FIFO: {all}");
    }
    // The ignore file found by name in the scanned directory.
    mkfifo(&tree.join("src/.torchwardignore"));
    let out = run(&tree, &["scan", "src"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("FIFO"), "{}", stderr(&out));
}

/// A tree whose files are deleted and replaced by FIFOs while `scan`, `lint` and `urls` walk
/// it, a bounded number of times: every run ends, none errors, and what was passed over is
/// counted with its reason.
#[test]
fn files_vanishing_or_turning_into_fifos_during_a_walk_are_passed_over() {
    const FILES: usize = 400;
    const ROUNDS: usize = 4;
    for round in 0..ROUNDS {
        for command in [&["scan"][..], &["lint"], &["urls", "--all-files"]] {
            let tree = Tree::new();
            let names: Vec<PathBuf> = (0..FILES)
                .map(|i| tree.write(&format!("t/d{}/f{i}.py", i % 8), "x = 1  # plain\n"))
                .collect();
            let churn = std::thread::spawn(move || {
                for (i, path) in names.iter().enumerate() {
                    if i % 50 == 0 {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    let _ = std::fs::remove_file(path);
                    if i % 2 == 0 {
                        let _ = rustix::fs::mkfifoat(
                            rustix::fs::CWD,
                            path,
                            rustix::fs::Mode::from_raw_mode(0o600),
                        );
                    }
                }
            });
            let mut args = command.to_vec();
            args.extend(["t", "--format", "json"]);
            let out = run(&tree, &args);
            churn.join().unwrap_or_else(|_| panic!("churn thread"));
            let report = json_report(&out);
            assert!(
                report.errors.is_empty(),
                "round {round} {command:?}: {:?}",
                report.errors
            );
            assert!(
                report
                    .skipped
                    .iter()
                    .all(|s| matches!(s.reason, SkipReason::Vanished | SkipReason::Fifo)),
                "{:?}",
                report.skipped
            );
            assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
        }
    }
}

/// A FIFO named `.gitignore` or `.ignore` inside a walked tree (of a git repository, so `lint`
/// reads `.gitignore` too): every walking command ends, reports no error, and lists the FIFO as
/// passed over; the regular ignore files beside it still apply.
#[test]
fn a_fifo_ignore_file_in_a_walked_tree_is_passed_over() {
    let tree = Tree::new();
    std::fs::create_dir_all(tree.join("t/.git")).unwrap_or_else(|e| panic!("{e}"));
    tree.write("t/.gitignore", "ignored.py\n");
    tree.write(
        "t/ignored.py",
        "import pickle\npickle.loads(b'')\nu = 'https://ignored.example.com/'\n",
    );
    tree.write(
        "t/sub/a.py",
        "import pickle\npickle.loads(b'')\nu = 'https://example.com/'\n",
    );
    tree.write("t/other/b.py", "x = 1\n");
    mkfifo(&tree.join("t/sub/.gitignore"));
    mkfifo(&tree.join("t/other/.ignore"));
    for command in ["lint", "urls", "scan", "api"] {
        let out = run(&tree, &[command, "t", "--format", "json"]);
        let report = json_report(&out);
        assert!(report.errors.is_empty(), "{command}: {:?}", report.errors);
        assert_ne!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        let fifos: Vec<&str> = report
            .skipped
            .iter()
            .filter(|s| s.reason == SkipReason::Fifo)
            .map(|s| s.path.as_str())
            .collect();
        if command == "api" {
            // `api` reads Python modules only and never lists the ignore files.
            continue;
        }
        for name in ["t/sub/.gitignore", "t/other/.ignore"] {
            assert!(
                fifos.iter().filter(|p| p.ends_with(name)).count() == 1,
                "{command} passes over {name} once: {fifos:?}"
            );
        }
        if command != "scan" {
            // sub/a.py and other/b.py; t/.gitignore leaves ignored.py out.
            assert_eq!(report.stats.inputs, 2, "{command}: {}", stdout(&out));
        }
    }
}
