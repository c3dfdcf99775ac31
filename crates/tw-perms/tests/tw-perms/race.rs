//! Symlinks swapped in during the walk and between audit and fix: nothing outside the tree
//! may change. A file and a directory are replaced by symlinks to outside targets after the
//! audit; then a thread keeps swapping a directory and a symlink while audits and fixes run.
use crate::tree::{audit, mode, Tree};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tw_perms::{apply_fix, plan_fix, Outcome, User};

#[test]
fn swap_after_audit_changes_nothing_outside() {
    let tree = Tree::new();
    let outside_dir = tree.dir("outside", 0o755);
    let outside_file = tree.file("outside/secret.pt", 0o644, b"x");
    tree.dir("run", 0o750);
    let victim = tree.file("run/model.pt", 0o644, b"x");
    tree.dir("run/sub", 0o755);
    tree.file("run/sub/inner.pt", 0o644, b"x");
    let user = User::current();
    let result = audit(&[tree.path("run")]);
    assert_eq!(result.candidates.len(), 3);

    std::fs::remove_file(&victim).unwrap();
    symlink(&outside_file, &victim).unwrap();
    std::fs::rename(tree.path("run/sub"), tree.path("run/sub.old")).unwrap();
    symlink(&outside_dir, tree.path("run/sub")).unwrap();

    let (changes, refused) = plan_fix(&result.candidates, user);
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(refused.len(), 3);
    for outcome in &refused {
        assert!(
            matches!(outcome, Outcome::Refused { why, .. } if why.contains("symlink")),
            "{outcome}"
        );
    }
    assert_eq!(mode(&outside_file), 0o644);
    assert_eq!(mode(&outside_dir), 0o755);
}

#[test]
fn concurrent_swaps_during_walk_and_fix() {
    let tree = Tree::new();
    let outside_dir = tree.dir("outside", 0o755);
    let outside_file = tree.file("outside/inner.pt", 0o666, b"x");
    std::fs::set_permissions(&outside_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    tree.dir("run", 0o750);
    for i in 0..50 {
        tree.file(&format!("run/f{i}.pt"), 0o640, b"x");
    }
    let real = tree.dir("run/swap.real", 0o750);
    tree.file("run/swap.real/inner.pt", 0o644, b"x");
    let link = tree.path("run/swap.link");
    symlink(&outside_dir, &link).unwrap();
    let slot = tree.path("run/swap");
    std::fs::rename(&real, &slot).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, slot, real, link) = (stop.clone(), slot.clone(), real.clone(), link.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // Directory out, symlink to the outside directory in; then back.
                if std::fs::rename(&slot, &real).is_ok() && std::fs::rename(&link, &slot).is_ok() {
                    swaps += 1;
                    let _ = std::fs::rename(&slot, &link);
                    let _ = std::fs::rename(&real, &slot);
                }
            }
            swaps
        })
    };
    let user = User::current();
    for round in 0..200 {
        let result = audit(&[tree.path("run")]);
        let (changes, _) = plan_fix(&result.candidates, user);
        let journal = tree.path(&format!("j{round}.json"));
        apply_fix(&changes, &journal, false, user).unwrap();
        assert_eq!(
            mode(&outside_file),
            0o644,
            "outside file changed in round {round}"
        );
        assert_eq!(
            mode(&outside_dir),
            0o755,
            "outside dir changed in round {round}"
        );
        // Put the inner file back so the next round has something to fix.
        for candidate in ["run/swap/inner.pt", "run/swap.real/inner.pt"] {
            let path = tree.path(candidate);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
                && path.starts_with(tree.path("run"))
            {
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644));
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0, "the swapper never ran");
    assert_eq!(mode(&outside_file), 0o644);
    assert_eq!(mode(&outside_dir), 0o755);
}
