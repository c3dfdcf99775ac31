//! `torchward urls` through the real binary on a copy of `fixtures/urls`: the declaration
//! table in every format, the CI gate both ways (exit 0 on the complete declaration, exit 1
//! with TW501/TW502 when a row is missing or stale), `--write-baseline` keeping what humans
//! wrote, and usage errors (exit 2).
use crate::cli::{stdout, Tree};
use std::path::Path;

/// A tree holding a copy of `fixtures/urls` (repo/, declaration.toml, declaration.md).
fn fixture_tree() -> Tree {
    let tree = Tree::new();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/urls");
    copy_dir(&source, tree.path());
    tree
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", target.display()));
        }
    }
}

fn run(tree: &Tree, args: &[&str]) -> (Option<i32>, String, String) {
    let out = tree
        .torchward(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        stdout(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The declared fixture with TW503/TW504 left out, so only declaration findings remain.
const GATE: &[&str] = &["urls", "repo", "--check", "--ignore", "TW503,TW504"];

#[test]
fn declaration_table_in_markdown_and_csv() {
    let tree = fixture_tree();
    let (code, markdown, _) = run(
        &tree,
        &[
            "urls",
            "repo",
            "--baseline",
            "declaration.toml",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(
        code,
        Some(1),
        "TW503/TW504 findings count at the default --fail-on"
    );
    insta::assert_snapshot!("urls_markdown", markdown);
    let (_, csv, _) = run(
        &tree,
        &[
            "urls",
            "repo",
            "--baseline",
            "declaration.toml",
            "--format",
            "csv",
        ],
    );
    insta::assert_snapshot!("urls_csv", csv);
    // Without a declaration every row is to fill.
    let (code, bare, _) = run(
        &tree,
        &["urls", "repo", "--format", "markdown", "--select", "TW500"],
    );
    assert_eq!(code, Some(0), "TW500 is info: not counted at --fail-on low");
    let table_rows = |text: &str| text.lines().filter(|l| l.starts_with('|')).count();
    assert_eq!(table_rows(&bare), table_rows(&markdown));
    assert!(
        markdown.contains("Findings beside the declaration:") && markdown.contains("TW503"),
        "the table view still shows the findings it has no column for:\n{markdown}"
    );
    assert!(!bare.contains("Findings beside"), "{bare}");
    assert!(
        bare.lines()
            .skip(2)
            .filter(|l| l.starts_with('|'))
            .all(|l| l.starts_with("| (to fill) | (to fill) |")),
        "{bare}"
    );
}

#[test]
fn text_json_and_sarif_carry_every_address() {
    let tree = fixture_tree();
    let (_, text, _) = run(
        &tree,
        &[
            "urls",
            "repo",
            "--baseline",
            "declaration.toml",
            "--format",
            "text",
            "--select",
            "TW503,TW504",
        ],
    );
    insta::assert_snapshot!("urls_text_tw503_tw504", text);
    let (_, json, _) = run(
        &tree,
        &[
            "urls",
            "repo",
            "--baseline",
            "declaration.toml",
            "--format",
            "json",
        ],
    );
    let value: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let findings = value["findings"].as_array().map_or(0, Vec::len);
    assert_eq!(
        findings,
        47 + 7 + 1,
        "47 addresses, 7 plain-HTTP downloads, 1 password"
    );
    let (_, sarif, _) = run(
        &tree,
        &[
            "urls",
            "repo",
            "--baseline",
            "declaration.toml",
            "--format",
            "sarif",
        ],
    );
    let value: serde_json::Value =
        serde_json::from_str(&sarif).unwrap_or_else(|e| panic!("{e}: {sarif}"));
    assert_eq!(
        value["runs"][0]["results"].as_array().map_or(0, Vec::len),
        findings
    );
    assert!(
        !sarif.contains("s3cr3t") && !json.contains("s3cr3t"),
        "the password never appears"
    );
}

#[test]
fn gate_passes_on_the_complete_declaration_in_both_formats() {
    let tree = fixture_tree();
    for declaration in ["declaration.toml", "declaration.md"] {
        let mut args = GATE.to_vec();
        args.extend(["--baseline", declaration, "--format", "text"]);
        let (code, out, err) = run(&tree, &args);
        assert_eq!(code, Some(0), "{declaration}: {out}{err}");
        assert!(out.contains("No findings; 47 passed"), "{out}");
    }
}

#[test]
fn gate_fails_on_an_undeclared_address_and_on_a_stale_row() {
    let tree = fixture_tree();
    tree.write(
        "repo/scripts/new.sh",
        "curl -fsSL https://get.new-tool.dev/install.sh | sh\n",
    );
    let stale = format!(
        "{}\n[[address]]\nfile = \"pip.conf\"\naddress = \"https://old-mirror.pytorch.org/simple\"\norigin = \"self-developed\"\npurpose = \"dropped\"\n",
        tree.read("declaration.toml")
    );
    tree.write("declaration.toml", &stale);
    let mut args = GATE.to_vec();
    // What a CI log shows: only the gate's findings, not the declared (passing) rows.
    args.extend([
        "--baseline",
        "declaration.toml",
        "--format",
        "text",
        "--ignore",
        "TW500",
    ]);
    let (code, out, _) = run(&tree, &args);
    assert_eq!(code, Some(1), "{out}");
    insta::assert_snapshot!("urls_gate_failures", out);
}

#[test]
fn write_baseline_keeps_human_cells_and_marks_new_rows() {
    let tree = fixture_tree();
    tree.write(
        "repo/scripts/new.sh",
        "curl -fsSL https://get.new-tool.dev/install.sh | sh\n",
    );
    let before = tree.read("declaration.md");
    let (_, _, err) = run(
        &tree,
        &[
            "urls",
            "repo",
            "--baseline",
            "declaration.md",
            "--write-baseline",
            "declaration.md",
            "--format",
            "json",
        ],
    );
    assert!(
        err.contains("declaration written to declaration.md (48 rows, 1 to fill)"),
        "{err}"
    );
    let after = tree.read("declaration.md");
    assert!(after.starts_with("# Public network addresses of the fixture repository"));
    assert!(after.contains("| (to fill) | (to fill) | `scripts/new.sh` | `https://get.new-tool.dev/install.sh` | (to fill) |"), "{after}");
    let removed: Vec<&str> = before.lines().filter(|l| !after.contains(l)).collect();
    assert!(removed.is_empty(), "lost: {removed:?}");
    // The gate now fails on the row still to fill.
    let mut args = GATE.to_vec();
    args.extend(["--baseline", "declaration.md", "--format", "text"]);
    let (code, out, _) = run(&tree, &args);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("TW501") && out.contains("still has origin or purpose `(to fill)`"),
        "{out}"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(tree.join("declaration.md"))
            .map_or_else(|e| panic!("{e}"), |m| m.permissions()),
    );
    assert_eq!(mode & 0o7777, 0o640);
}

#[test]
fn walk_options() {
    let tree = fixture_tree();
    let count = |args: &[&str]| {
        let mut all = vec!["urls", "repo", "--format", "csv"];
        all.extend_from_slice(args);
        run(&tree, &all).1.lines().count().saturating_sub(1)
    };
    let default = count(&[]);
    assert_eq!(default, 47);
    assert_eq!(count(&["--no-ignore"]), default + 1, "build/generated.cfg");
    assert_eq!(count(&["--exclude", "third_party"]), default - 1);
    assert_eq!(
        count(&["--all-files"]),
        default + 2,
        "docs/notes.md: a URL and an e-mail"
    );
}

#[test]
fn usage_errors_exit_2() {
    let tree = fixture_tree();
    let (code, _, err) = run(&tree, &["urls", "repo", "--check"]);
    assert_eq!(code, Some(2), "{err}");
    tree.write("bad.toml", "[[address]]\nfile = 1\n");
    let (code, _, err) = run(&tree, &["urls", "repo", "--baseline", "bad.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("bad.toml"), "{err}");
    let (code, _, err) = run(&tree, &["urls", "repo", "--exclude", "a{"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("a{"), "{err}");
    let (code, _, _) = run(&tree, &["lint", "repo", "--format", "markdown"]);
    assert_eq!(code, Some(2), "markdown is a urls-only format");
    // `-o` takes a file: a directory is named as one, even with --force.
    let (code, _, err) = run(&tree, &["urls", "repo", "-o", "repo", "--force"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is a directory"), "{err}");
    // `api` on a directory without any Python module.
    let (code, _, err) = run(&tree, &["api", "repo/docs"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("holds no Python package or module"), "{err}");
}
