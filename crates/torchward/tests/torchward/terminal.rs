//! Behaviour that depends on a terminal: colour in `--color auto`, `NO_COLOR`, and the stderr
//! summary. A pseudo-terminal comes from util-linux `script`; without it these tests are
//! skipped with a printed reason.
use crate::cli::{findings_report, Tree};
use std::io::Write as _;
use std::process::Command;

/// Runs `shell_command` under a pseudo-terminal in `tree`, returning everything it printed.
/// The command names the binary under test as `"$TORCHWARD"`: its path may hold spaces or
/// quotes (the checkout can be anywhere), so it is passed in the environment, never spliced
/// into the shell text.
fn on_a_terminal(tree: &Tree, shell_command: &str, no_color: bool) -> Option<String> {
    let Ok(script) = which("script") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP (a terminal test): util-linux `script` is not installed, so no pseudo-terminal"
        );
        return None;
    };
    let mut cmd = Command::new(script);
    cmd.current_dir(tree.path())
        .args(["-qec", shell_command, "/dev/null"])
        .env("TERM", "xterm")
        .env("TORCHWARD", assert_cmd::cargo::cargo_bin("torchward"))
        .env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("script: {e}"));
    Some(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"))
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|candidate| candidate.is_file())
        })
        .ok_or(())
}

#[test]
fn text_on_a_terminal_is_coloured_unless_no_color() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let command = r#""$TORCHWARD" report scan.json"#;
    let Some(coloured) = on_a_terminal(&tree, command, false) else {
        return;
    };
    assert!(coloured.contains("\x1b["), "{coloured}");
    let Some(plain) = on_a_terminal(&tree, command, true) else {
        return;
    };
    assert!(!plain.contains('\x1b'), "{plain}");
    assert!(plain.contains("TW101"));
}

#[test]
fn summary_goes_to_stderr_on_a_terminal_for_machine_formats() {
    let tree = Tree::new();
    tree.save_report("scan.json", &findings_report());
    let command = r#""$TORCHWARD" report scan.json --format json > out.json"#;
    let Some(printed) = on_a_terminal(&tree, command, false) else {
        return;
    };
    assert_eq!(
        printed,
        "torchward scan: 3 findings (1 critical, 1 high, 1 medium) in 2 files; 3 inputs.\n"
    );
    assert!(
        tree.read("out.json").starts_with('{'),
        "stdout carried only the report"
    );
}
