//! Each TW3xx rule and the classification rules on real trees.
use crate::tree::{audit, is_root, summary, Tree};
use std::io::Write as _;
use std::os::unix::fs::symlink;
use tw_diagnostics::Severity;
use tw_perms::{explain, Kind, Policy};

fn pair(rule: &str, path: &str) -> (String, String) {
    (rule.to_owned(), path.to_owned())
}

#[test]
fn modes_are_judged_by_kind() {
    let tree = Tree::new();
    tree.dir("run", 0o750);
    tree.file("run/model.pt", 0o644, b"PK");
    tree.file("run/model-ok.pt", 0o600, b"PK");
    tree.file("run/train.py", 0o755, b"import torch\n");
    tree.file("run/train-ok.py", 0o550, b"import torch\n");
    tree.file("run/config.yaml", 0o640, b"lr: 1\n");
    tree.file("run/server.key", 0o640, b"-----BEGIN PRIVATE KEY-----\n");
    tree.file("run/notes", 0o640, b"-----BEGIN CERTIFICATE-----\n");
    tree.file("run/launcher", 0o750, b"#!/bin/sh\n");
    tree.dir("run/logs", 0o755);
    tree.file("run/logs/old.log", 0o640, b"done\n");
    tree.dir("run/rank0_1_20260101_ascend_pt", 0o750);
    tree.file(
        "run/rank0_1_20260101_ascend_pt/trace_view.json",
        0o644,
        b"{}",
    );
    let result = audit(&[tree.path("run")]);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let got = summary(&result, &tree.root());
    assert_eq!(
        got,
        vec![
            pair("TW301", "/run/launcher"),
            pair("TW301", "/run/logs"),
            pair("TW301", "/run/logs/old.log"),
            pair("TW301", "/run/model.pt"),
            pair("TW301", "/run/notes"),
            pair("TW301", "/run/rank0_1_20260101_ascend_pt/trace_view.json"),
            pair("TW301", "/run/server.key"),
            pair("TW301", "/run/train.py"),
        ]
    );
    let key = result
        .findings
        .iter()
        .find(|f| f.location.path.ends_with("server.key"))
        .unwrap();
    assert_eq!(key.severity, Severity::High);
    assert_eq!(key.expected.as_deref(), Some("at most 0600 (key-file)"));
    assert_eq!(key.actual.as_deref(), Some("0640"));
    let model = result
        .findings
        .iter()
        .find(|f| f.location.path.ends_with("model.pt"))
        .unwrap();
    assert!(model
        .remediation
        .as_deref()
        .unwrap()
        .starts_with("chmod 0640 '"));
    assert_eq!(result.entries, 13);
}

#[test]
fn logs_open_for_writing_are_active() {
    let tree = Tree::new();
    tree.dir("logs", 0o750);
    let active = tree.file("logs/train.log", 0o640, b"");
    tree.file("logs/old.log", 0o640, b"");
    let _writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&active)
        .unwrap();
    let result = audit(&[tree.path("logs")]);
    assert_eq!(
        summary(&result, &tree.root()),
        vec![pair("TW301", "/logs/old.log")]
    );
    assert_eq!(explain(&active, None).unwrap().kind, Kind::LogActive);
}

#[test]
fn world_writable_setid_symlink_hardlink() {
    let tree = Tree::new();
    tree.dir("d", 0o750);
    tree.dir("d/shared", 0o777);
    tree.file("d/tool.sh", 0o4550, b"#!/bin/sh\n");
    let outside = tree.file("outside.pt", 0o644, b"x");
    symlink(&outside, tree.path("d/link.pt")).unwrap();
    tree.file("d/a.pt", 0o640, b"a");
    std::fs::hard_link(tree.path("d/a.pt"), tree.path("d/b.pt")).unwrap();
    let result = audit(&[tree.path("d")]);
    let got = summary(&result, &tree.root());
    assert!(got.contains(&pair("TW302", "/d/shared")), "{got:?}");
    assert!(got.contains(&pair("TW301", "/d/shared")));
    assert!(got.contains(&pair("TW303", "/d/tool.sh")));
    assert!(got.contains(&pair("TW304", "/d/link.pt")));
    assert!(got.contains(&pair("TW306", "/d/a.pt")));
    assert!(got.contains(&pair("TW306", "/d/b.pt")));
    assert!(
        !got.iter().any(|(_, p)| p == "/outside.pt"),
        "symlink followed: {got:?}"
    );
    let ww = result.findings.iter().find(|f| f.rule == "TW302").unwrap();
    assert_eq!(ww.severity, Severity::Critical);
    let link = result.findings.iter().find(|f| f.rule == "TW304").unwrap();
    assert!(link.message.contains("(not followed)"));
    // A symlink given as the root is reported and not followed either.
    let result = audit(&[tree.path("d/link.pt")]);
    assert_eq!(
        summary(&result, &tree.root()),
        vec![pair("TW304", "/d/link.pt")]
    );
}

#[test]
fn foreign_owner_is_reported() {
    if !is_root() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP foreign_owner_is_reported: chown needs root"
        );
        return;
    }
    let tree = Tree::new();
    tree.dir("d", 0o750);
    let file = tree.file("d/theirs.pt", 0o640, b"x");
    std::os::unix::fs::chown(&file, Some(4321), Some(4321)).unwrap();
    let result = audit(&[tree.path("d")]);
    assert_eq!(
        summary(&result, &tree.root()),
        vec![pair("TW305", "/d/theirs.pt")]
    );
}

#[test]
fn umask_is_reported_once() {
    let tree = Tree::new();
    let result = audit(&[tree.root()]);
    let umask: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.rule == "TW307")
        .collect();
    assert_eq!(umask.len(), 1);
    let live = tw_perms::current_umask().unwrap();
    assert_eq!(
        umask[0].actual.as_deref(),
        Some(format!("{live:04o}").as_str())
    );
}

#[test]
fn policy_overrides_and_explain() {
    let tree = Tree::new();
    tree.dir("d", 0o750);
    let shared = tree.file("d/shared.pt", 0o644, b"x");
    let text = format!(
        "[[rule]]\nglob = '{}/d/shared.*'\nmode = '0644'\nreason = 'read by the evaluation team'\n",
        tree.root().display()
    );
    let policy = Policy::parse("site.toml", &text).unwrap();
    let result = tw_perms::audit(
        &[tree.path("d")],
        &tw_perms::Options {
            policy: Some(&policy),
            ..tw_perms::Options::default()
        },
    );
    assert!(summary(&result, &tree.root()).is_empty());
    let explained = explain(&shared, Some(&policy)).unwrap();
    assert_eq!(
        (explained.kind, explained.max_mode, explained.ok),
        (Kind::DataFile, 0o644, true)
    );
    assert!(
        explained.reason.contains("site.toml rule 1"),
        "{}",
        explained.reason
    );
    let plain = explain(&shared, None).unwrap();
    assert_eq!((plain.max_mode, plain.ok), (0o640, false));
    assert_eq!(
        plain.reason,
        "business data extension (checkpoint, dataset)"
    );
    let script = tree.file("d/run", 0o700, b"\x7fELF\x02");
    assert_eq!(
        explain(&script, None).unwrap().reason,
        "content: ELF executable or library"
    );
}

#[test]
fn missing_root_is_an_error() {
    let tree = Tree::new();
    let result = audit(&[tree.path("nope")]);
    assert_eq!(result.errors.len(), 1);
    assert!(result.errors[0].message.starts_with("cannot stat"));
}

/// Reviewed snapshot of the findings (root prefix replaced by `<tree>`) for a small
/// training run directory.
#[test]
fn findings_snapshot() {
    let tree = Tree::new();
    tree.dir("run", 0o755);
    tree.file("run/model.pt", 0o644, b"x");
    tree.file("run/train.py", 0o775, b"x");
    tree.dir("run/keys", 0o750);
    tree.file("run/keys/tls.pem", 0o640, b"x");
    tree.dir("run/PROF_000001_x", 0o777);
    let mut result = audit(&[tree.path("run")]);
    result.findings.retain(|f| f.rule != "TW307");
    let prefix = tree.root().to_string_lossy().into_owned();
    let mut lines: Vec<String> = result
        .findings
        .iter()
        .map(|f| {
            let evidence: Vec<String> = f
                .evidence
                .iter()
                .map(|e| format!("{}={}", e.name, e.value))
                .collect();
            format!(
                "{} {} {} | {} | {} | {}",
                f.rule,
                f.severity,
                f.location.path,
                f.message,
                f.remediation.as_deref().unwrap_or("-"),
                evidence.join("; ")
            )
            .replace(&prefix, "<tree>")
        })
        .collect();
    lines.sort();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn non_utf8_names_are_sniffed_by_their_real_name() {
    use std::os::unix::ffi::OsStrExt;
    let tree = Tree::new();
    tree.dir("d", 0o750);
    let path = tree.path("d").join(std::ffi::OsStr::from_bytes(b"tls\xff"));
    std::fs::write(&path, b"-----BEGIN PRIVATE KEY-----\n").unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let result = audit(&[tree.path("d")]);
    let finding = result.findings.iter().find(|f| f.rule == "TW301").unwrap();
    assert_eq!(finding.expected.as_deref(), Some("at most 0600 (key-file)"));
}

#[test]
fn a_sticky_shared_temp_directory_is_expected_but_what_it_holds_is_judged() {
    let tree = Tree::new();
    tree.dir("host", 0o750);
    tree.dir("host/tmp", 0o1777);
    tree.file("host/tmp/open.txt", 0o666, b"anyone may edit this\n");
    tree.file("host/tmp/mine.txt", 0o600, b"private\n");
    tree.dir("host/scratch", 0o777);
    tree.dir("host/shared", 0o1777);
    let result = audit(&[tree.path("host")]);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        summary(&result, &tree.root()),
        vec![
            pair("TW301", "/host/scratch"),
            pair("TW301", "/host/shared"),
            pair("TW301", "/host/tmp/open.txt"),
            pair("TW302", "/host/scratch"),
            pair("TW302", "/host/shared"),
            pair("TW302", "/host/tmp/open.txt"),
        ]
    );
    let find = |rule: &str, rel: &str| {
        result
            .findings
            .iter()
            .find(|f| f.rule == rule && f.location.path.ends_with(rel))
            .unwrap()
    };
    // A temp directory without the sticky bit: critical, and the fix is the sticky bit.
    let scratch = find("TW302", "/host/scratch");
    assert_eq!(scratch.severity, Severity::Critical);
    assert!(
        scratch.message.contains("without the sticky bit"),
        "{}",
        scratch.message
    );
    assert!(scratch
        .remediation
        .as_deref()
        .unwrap()
        .starts_with("chmod +t '"));
    // A sticky world-writable directory that is not a temp directory: high.
    assert_eq!(find("TW302", "/host/shared").severity, Severity::High);
    assert_eq!(
        find("TW302", "/host/tmp/open.txt").severity,
        Severity::Critical
    );
    // Nothing to tighten on the shared temp directory itself.
    assert!(!result
        .candidates
        .iter()
        .any(|c| c.path.ends_with("host/tmp")));
}

#[test]
fn key_material_is_known_by_name_extension_and_content_not_by_a_directory_name() {
    let tree = Tree::new();
    // A crate's source tree: `src/private/` holds Rust code, not keys.
    for dir in [
        "registry",
        "registry/serde",
        "registry/serde/src",
        "registry/serde/src/private",
    ] {
        tree.dir(dir, 0o750);
    }
    tree.file(
        "registry/serde/src/private/de.rs",
        0o440,
        b"use crate::de;\n",
    );
    tree.file("registry/serde/src/private/mod.rs", 0o440, b"pub mod de;\n");
    tree.file("registry/serde/src/private/notes", 0o640, b"plain text\n");
    // Keys by content (PEM, DER, PuTTY), by extension and by SSH identity name.
    tree.dir("registry/keys", 0o700);
    tree.file(
        "registry/keys/pem",
        0o640,
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
    );
    tree.file(
        "registry/keys/der",
        0o640,
        b"\x30\x82\x04\xa4\x02\x01\x00\x02",
    );
    tree.file(
        "registry/keys/ppk",
        0o640,
        b"PuTTY-User-Key-File-3: ssh-ed25519\n",
    );
    tree.file("registry/keys/tls.key", 0o640, b"");
    tree.file("registry/keys/id_ed25519", 0o640, b"");
    tree.file("registry/keys/readme.txt", 0o640, b"how to rotate\n");
    let result = audit(&[tree.path("registry")]);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        summary(&result, &tree.root()),
        vec![
            pair("TW301", "/registry/keys/der"),
            pair("TW301", "/registry/keys/id_ed25519"),
            pair("TW301", "/registry/keys/pem"),
            pair("TW301", "/registry/keys/ppk"),
            pair("TW301", "/registry/keys/tls.key"),
        ]
    );
    assert!(result
        .findings
        .iter()
        .filter(|f| f.rule == "TW301")
        .all(|f| f.severity == Severity::High));
    let de = explain(&tree.path("registry/serde/src/private/de.rs"), None).unwrap();
    assert_eq!(de.kind, Kind::ProgramFile);
    let private = explain(&tree.path("registry/serde/src/private"), None).unwrap();
    assert_ne!(private.kind, Kind::KeyDir);
}
