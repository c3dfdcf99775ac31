//! Fix convergence (audit, fix, audit clean, second fix no-op), refusals, and the undo
//! journal round trip.
use crate::tree::{audit, is_root, mode, Tree};
use std::io::Write as _;
use tw_perms::{apply_fix, plan_fix, read_journal, undo, Outcome, User};

#[test]
fn audit_fix_audit_clean_second_fix_noop_and_undo() {
    let tree = Tree::new();
    tree.dir("run", 0o755);
    let model = tree.file("run/model.pt", 0o664, b"x");
    let script = tree.file("run/train.py", 0o775, b"x");
    let key = tree.file("run/tls.pem", 0o644, b"x");
    let fine = tree.file("run/ok.pt", 0o600, b"x");
    let user = User::current();

    let first = audit(&[tree.path("run")]);
    assert_eq!(first.candidates.len(), 4, "{:?}", first.candidates);
    let (changes, refused) = plan_fix(&first.candidates, user);
    assert!(refused.is_empty(), "{refused:?}");
    let journal = tree.path("undo.json");
    let outcomes = apply_fix(&changes, &journal, false, user).unwrap();
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Changed(_))),
        "{outcomes:?}"
    );
    assert_eq!(mode(&tree.path("run")), 0o750);
    assert_eq!(mode(&model), 0o640);
    assert_eq!(mode(&script), 0o550);
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&fine), 0o600, "stricter modes are never widened");
    assert_eq!(mode(&journal), 0o640);

    let second = audit(&[tree.path("run")]);
    assert!(second.candidates.is_empty());
    assert!(
        second.findings.iter().all(|f| f.rule == "TW307"),
        "{:?}",
        second.findings
    );
    let (changes, refused) = plan_fix(&second.candidates, user);
    assert!(changes.is_empty() && refused.is_empty());
    let second_journal = tree.path("undo2.json");
    assert!(apply_fix(&changes, &second_journal, false, user)
        .unwrap()
        .is_empty());
    assert!(!second_journal.exists(), "a no-op fix writes no journal");

    // The journal is never overwritten without force.
    assert!(apply_fix(
        &[tw_perms::Change {
            path: model.clone(),
            dev: 0,
            ino: 0,
            old_mode: 0o640,
            new_mode: 0o600
        }],
        &journal,
        false,
        user
    )
    .is_err());

    let record = read_journal(&journal).unwrap();
    assert_eq!(record.changes.len(), 4);
    let restored = undo(&record, user).unwrap();
    assert!(
        restored.iter().all(|o| matches!(o, Outcome::Changed(_))),
        "{restored:?}"
    );
    assert_eq!(mode(&tree.path("run")), 0o755);
    assert_eq!(mode(&model), 0o664);
    assert_eq!(mode(&script), 0o775);
    let again = undo(&record, user).unwrap();
    assert!(
        again.iter().all(|o| matches!(o, Outcome::Unchanged { .. })),
        "{again:?}"
    );
}

#[test]
fn undo_refuses_paths_changed_since() {
    let tree = Tree::new();
    tree.dir("d", 0o750);
    let model = tree.file("d/m.pt", 0o644, b"x");
    let user = User::current();
    let (changes, _) = plan_fix(&audit(&[tree.path("d")]).candidates, user);
    let journal = tree.path("j.json");
    apply_fix(&changes, &journal, false, user).unwrap();
    std::fs::set_permissions(&model, std::os::unix::fs::PermissionsExt::from_mode(0o400)).unwrap();
    let outcomes = undo(&read_journal(&journal).unwrap(), user).unwrap();
    assert!(
        matches!(&outcomes[0], Outcome::Refused { why, .. } if why.contains("not 0640")),
        "{outcomes:?}"
    );
    assert_eq!(mode(&model), 0o400);
}

#[test]
fn refuses_world_writable_hardlinked_and_foreign() {
    let tree = Tree::new();
    tree.dir("d", 0o750);
    let open = tree.file("d/open.pt", 0o666, b"x");
    let linked = tree.file("d/a.pt", 0o644, b"x");
    std::fs::hard_link(&linked, tree.path("d/b.pt")).unwrap();
    let foreign = tree.file("d/theirs.pt", 0o644, b"x");
    let root = is_root();
    if root {
        std::os::unix::fs::chown(&foreign, Some(4321), None).unwrap();
    } else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP foreign-owner refusal: chown needs root"
        );
    }
    let user = User::current();
    let (changes, refused) = plan_fix(&audit(&[tree.path("d")]).candidates, user);
    let why = |name: &str| {
        refused.iter().find_map(|o| match o {
            Outcome::Refused { path, why } if path.ends_with(name) => Some(why.clone()),
            _ => None,
        })
    };
    assert!(why("open.pt").unwrap().starts_with("world-writable"));
    assert!(why("a.pt").unwrap().contains("hard links"));
    if root {
        assert!(why("theirs.pt").unwrap().contains("owned by UID 4321"));
        assert!(changes.is_empty(), "{changes:?}");
    }
    assert_eq!(mode(&open), 0o666);
    assert_eq!(mode(&linked), 0o644);
}
