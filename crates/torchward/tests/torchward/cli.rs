//! The harness: a temporary working tree, a command that runs the binary in it with a
//! predictable environment, and saved JSON reports built from the real rule registry.
use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tw_diagnostics::{AnalysisError, Finding, Location, Report, RuleMeta};

/// A temporary directory the binary runs in.
pub struct Tree {
    dir: TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Saves `report` as `name` (what `--format json` would have written).
    pub fn save_report(&self, name: &str, report: &Report) -> PathBuf {
        let json = serde_json::to_string_pretty(report).unwrap_or_else(|e| panic!("json: {e}"));
        self.write(name, &json)
    }

    /// `torchward ARGS...` in this tree, with no colour hints from the environment.
    pub fn torchward(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("torchward").unwrap_or_else(|e| panic!("binary: {e}"));
        cmd.current_dir(self.path())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env("COLUMNS", "100")
            .env("TERM", "dumb")
            .env("TORCHWARD_HOST_NAME", "test-host")
            .args(args);
        cmd
    }
}

/// The registered rule `id` (the binary knows the same list).
pub fn rule(id: &str) -> &'static RuleMeta {
    tw_modelscan::RULES
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id} registered"))
}

/// Some registered medium-severity rule (the tests do not depend on which).
pub fn medium_rule() -> &'static RuleMeta {
    tw_modelscan::RULES
        .iter()
        .find(|r| r.severity == tw_diagnostics::Severity::Medium)
        .unwrap_or_else(|| panic!("no medium rule registered"))
}

/// A scan report with a critical, a high and a medium finding in two files.
pub fn findings_report() -> Report {
    let mut report = Report::new("scan", env!("CARGO_PKG_VERSION"));
    report.findings = vec![
        Finding::new(
            rule("TW101"),
            Location::path("models/evil.pt")
                .with_entry("evil/data.pkl")
                .with_offset(26),
            "GLOBAL os.system is called on load",
        ),
        Finding::new(
            rule("TW102"),
            Location::path("models/odd.pt")
                .with_entry("odd/data.pkl")
                .with_offset(40),
            "GLOBAL collections.Counter is not in the weights-only allowlist",
        ),
        Finding::new(
            medium_rule(),
            Location::path("models/odd.pt").with_offset(900),
            "12 bytes after the last pickle",
        ),
    ];
    report.stats.inputs = 3;
    report
}

/// A clean report.
pub fn clean_report() -> Report {
    let mut report = Report::new("scan", env!("CARGO_PKG_VERSION"));
    report.stats.inputs = 2;
    report
}

/// A report with one finding and one file that could not be analysed.
pub fn error_report() -> Report {
    let mut report = findings_report();
    report.findings.truncate(1);
    report.errors.push(AnalysisError {
        path: "models/broken.pt".into(),
        entry: None,
        offset: Some(7),
        message: "pickle ends inside a string".into(),
    });
    report
}

/// Stdout of a finished command as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr of a finished command as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_configuration_file_sets_profiles_and_a_bad_key_is_an_error() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/frameworks/megatron_model_optim_rng.pt"
    );
    std::fs::copy(fixture, tmp.path().join("model_optim_rng.pt")).unwrap_or_else(|e| panic!("{e}"));
    let scan = || {
        assert_cmd::Command::cargo_bin("torchward")
            .unwrap_or_else(|e| panic!("{e}"))
            .current_dir(tmp.path())
            .args(["scan", "model_optim_rng.pt"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let without = scan();
    assert_eq!(without.status.code(), Some(1));
    let text = String::from_utf8_lossy(&without.stdout).into_owned();
    assert!(text.contains("allowed by --profile megatron"), "{text}");
    assert!(
        text.contains("torch.serialization.safe_globals(["),
        "{text}"
    );
    std::fs::write(
        tmp.path().join("pyproject.toml"),
        "[tool.torchward]\nprofiles = [\"megatron\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scan().status.code(), Some(0));
    std::fs::write(tmp.path().join("torchward.toml"), "fial-on = \"high\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let bad = scan();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert!(
        err.contains("torchward.toml") && err.contains("fial-on"),
        "{err}"
    );
}

#[test]
fn a_git_lfs_pointer_is_named_as_one() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        tmp.path().join("pytorch_model.bin"),
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = assert_cmd::Command::cargo_bin("torchward")
        .unwrap_or_else(|e| panic!("{e}"))
        .current_dir(tmp.path())
        .args(["scan", "pytorch_model.bin"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("a Git LFS pointer, not the weights: run `git lfs pull`"),
        "{all}"
    );
}
