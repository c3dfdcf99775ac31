//! The fix commands a user pastes (`remediation`, text and JSON) must change exactly the path
//! they name, whatever the name holds: quotes, `$(...)`, backquotes, newlines, bytes that are
//! not UTF-8. Each printed command is run in a real shell against a tree of hostile names and
//! a victim file whose name a broken quoting would reach; afterwards only the named files have
//! changed and nothing the names try to run has run.
use crate::tree::{audit, mode, Tree};
use std::ffi::OsStr;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Hostile names (all `.py`, so each is a program file allowed 0550: 0644 gives
/// `chmod 0440 NAME`), and whether a POSIX `sh` without `$'...'` can read the quoting.
const HOSTILE: &[(&[u8], bool)] = &[
    (b"x'; touch $HOME.PWNED; echo '.py", true),
    (b"a$(touch sub-PWNED)b.py", true),
    (b"`touch tick-PWNED`.py", true),
    (b"sp ace \"dq\" \\back *.py", true),
    (b"new\nline'\n; touch nl-PWNED.py", false),
    (b"bad\xff'; touch bytes-PWNED;'.py", false),
];

fn shell_available(shell: &str) -> bool {
    Command::new(shell)
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` in `shell` in `dir` with `HOME` pointing into `dir`.
fn run(shell: &str, command: &str, dir: &Path) {
    let status = Command::new(shell)
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("HOME", dir.join("home"))
        .status()
        .unwrap();
    assert!(status.success(), "{shell} -c {command:?} failed");
}

/// Every file under `dir` (names as bytes) with its mode.
fn listing(dir: &Path) -> Vec<(Vec<u8>, u32)> {
    let mut out: Vec<(Vec<u8>, u32)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().as_bytes().to_vec(), mode(&e.path()))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn printed_fix_commands_change_only_the_named_paths() {
    let shells: Vec<&str> = ["dash", "bash"]
        .into_iter()
        .filter(|s| shell_available(s))
        .collect();
    if !shells.contains(&"bash") {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP printed_fix_commands_change_only_the_named_paths: bash is not installed"
        );
        return;
    }
    if !shells.contains(&"dash") {
        println!("note: dash is not installed; the POSIX quoting is checked with bash only");
    }
    let tree = Tree::new();
    let dir = tree.dir("t", 0o750);
    std::fs::create_dir(dir.join("home")).unwrap();
    std::fs::set_permissions(dir.join("home"), std::fs::Permissions::from_mode(0o750)).unwrap();
    // Victims a broken quoting would reach: `'x'` and `*`-globbed names.
    tree.file("t/x", 0o640, b"victim");
    tree.file("t/sp", 0o640, b"victim");
    let mut hostile: Vec<PathBuf> = Vec::new();
    for (name, _) in HOSTILE {
        let path = dir.join(OsStr::from_bytes(name));
        std::fs::write(&path, b"import os\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        hostile.push(path);
    }
    let result = audit(std::slice::from_ref(&dir));
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    for ((name, posix), path) in HOSTILE.iter().zip(&hostile) {
        let wanted = path.to_string_lossy();
        let finding = result
            .findings
            .iter()
            .find(|f| f.rule == "TW301" && f.location.path == wanted)
            .unwrap_or_else(|| panic!("no TW301 for {:?}", String::from_utf8_lossy(name)));
        let command = finding.remediation.clone().unwrap();
        assert!(command.starts_with("chmod 0440 "), "{command}");
        assert!(
            !command.contains(|c: char| c.is_control()),
            "a printed command holds a control character: {command:?}"
        );
        for shell in &shells {
            if *shell == "dash" && !posix {
                continue;
            }
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let before = listing(&dir);
            run(shell, &command, &dir);
            assert_eq!(mode(path), 0o440, "{shell}: {command}");
            // Only that file changed: same names, same modes elsewhere.
            let expected: Vec<(Vec<u8>, u32)> = before
                .iter()
                .map(|(n, m)| {
                    if n.as_slice() == *name {
                        (n.clone(), 0o440)
                    } else {
                        (n.clone(), *m)
                    }
                })
                .collect();
            assert_eq!(listing(&dir), expected, "{shell}: {command}");
        }
    }
    assert_eq!(mode(&dir.join("x")), 0o640);
    assert_eq!(mode(&dir.join("sp")), 0o640);
    assert!(!dir.join("home.PWNED").exists());
}
