//! `audit env` on environments built as directory trees with the metadata files installers
//! write (a venv with `pyvenv.cfg`, a conda env with `conda-meta` records, egg-info files and
//! directories, a container-like root with `/proc`, `/etc` and systemd units), and on a real
//! process started by the test with `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` in its environment.
// Skips are printed to stderr, as the project's tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use std::io::Write as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use tw_diagnostics::{Finding, Status};
use tw_env::{audit, EnvAudit, Options, Root};

/// A fake `/`.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> Root {
        Root::new(self.dir.path())
    }

    fn path(&self, abs: &str) -> PathBuf {
        self.dir.path().join(abs.trim_start_matches('/'))
    }

    fn write(&self, abs: &str, text: &str) {
        let path = self.path(abs);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn link(&self, abs: &str, target: &str) {
        let path = self.path(abs);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
    }

    /// A dist-info record as pip writes it (METADATA headers, then the description).
    fn dist_info(&self, site: &str, name: &str, version: &str) {
        let dir = format!("{site}/{}-{version}.dist-info", name.replace('-', "_"));
        self.write(
            &format!("{dir}/METADATA"),
            &format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: x\n\nLong description with Name: other\n"),
        );
        self.write(&format!("{dir}/RECORD"), "");
    }

    /// A virtual environment as `python3.11 -m venv` lays it out.
    fn venv(&self, prefix: &str) -> String {
        self.write(
            &format!("{prefix}/pyvenv.cfg"),
            "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n",
        );
        self.link(&format!("{prefix}/bin/python"), "/usr/bin/python3.11");
        self.link(&format!("{prefix}/bin/python3"), "python");
        self.write(
            &format!("{prefix}/bin/activate"),
            "deactivate () {\n:\n}\nVIRTUAL_ENV=\"/x\"\nexport VIRTUAL_ENV\n",
        );
        let site = format!("{prefix}/lib/python3.11/site-packages");
        std::fs::create_dir_all(self.path(&site)).unwrap();
        self.write("/usr/bin/python3.11", "");
        site
    }
}

fn run(tree: &Tree, options: &Options) -> EnvAudit {
    audit(&tree.root(), options)
}

fn paths(list: &[&str]) -> Options {
    Options {
        paths: list.iter().map(PathBuf::from).collect(),
        ..Options::default()
    }
}

/// (rule, status, path) of every finding, for compact asserts.
fn summary(findings: &[Finding]) -> Vec<(String, Status, String)> {
    findings
        .iter()
        .map(|f| (f.rule.clone(), f.status, f.location.path.clone()))
        .collect()
}

fn failing(findings: &[Finding]) -> Vec<(&str, &str)> {
    findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| (f.rule.as_str(), f.location.path.as_str()))
        .collect()
}

fn evidence<'a>(finding: &'a Finding, name: &str) -> Option<&'a str> {
    finding
        .evidence
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.value.as_str())
}

#[test]
fn done_when_torch_versions() {
    let tree = Tree::new();
    for (env, version) in [
        ("/e/old", "2.5.1"),
        ("/e/mid", "2.8.0"),
        ("/e/new", "2.10.0"),
    ] {
        let site = tree.venv(env);
        tree.dist_info(&site, "torch", version);
    }
    let result = run(&tree, &paths(&["/e/old", "/e/mid", "/e/new"]));
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(result.environments, 3);
    let record = |env: &str, v: &str| {
        format!("{env}/lib/python3.11/site-packages/torch-{v}.dist-info/METADATA")
    };
    assert_eq!(
        failing(&result.findings),
        [
            ("TW220", record("/e/old", "2.5.1").as_str()),
            ("TW221", record("/e/old", "2.5.1").as_str()),
            ("TW221", record("/e/mid", "2.8.0").as_str()),
        ]
    );
    // Every torch is shown: the clean ones as passes.
    let passes = result
        .findings
        .iter()
        .filter(|f| f.status == Status::Pass)
        .count();
    assert_eq!(passes, 3, "2.8.0 passes TW220, 2.10.0 passes both");
    let bypass = &result.findings[0];
    assert_eq!(bypass.severity, tw_diagnostics::Severity::Critical);
    assert!(
        bypass
            .message
            .contains("CVE-2025-32434 / GHSA-53q9-r3pm-6pq6"),
        "{}",
        bypass.message
    );
    assert_eq!(evidence(bypass, "installed"), Some("2.5.1"));
    assert_eq!(evidence(bypass, "fixed"), Some("2.6.0"));
    assert_eq!(evidence(bypass, "environment"), Some("virtualenv /e/old"));
    assert_eq!(evidence(bypass, "found via"), Some("argument"));
}

#[test]
fn version_edge_cases_in_metadata() {
    let tree = Tree::new();
    for (env, version) in [("/a", "2.6.0rc1"), ("/b", "2.5.1+cpu"), ("/c", "2.10.0a0")] {
        let site = tree.venv(env);
        tree.dist_info(&site, "torch", version);
    }
    let result = run(&tree, &paths(&["/a", "/b", "/c"]));
    let rules: Vec<&str> = failing(&result.findings)
        .iter()
        .map(|(rule, _)| *rule)
        .collect();
    assert_eq!(rules, ["TW220", "TW221", "TW220", "TW221", "TW221"]);
}

#[test]
fn torch_npu_pairs_with_torch() {
    let tree = Tree::new();
    let site = tree.venv("/npu/ok");
    tree.dist_info(&site, "torch", "2.10.0");
    tree.dist_info(&site, "torch-npu", "2.10.0rc1");
    let site = tree.venv("/npu/behind");
    tree.dist_info(&site, "torch", "2.6.0");
    tree.dist_info(&site, "torch-npu", "2.5.1");
    let result = run(&tree, &paths(&["/npu/ok", "/npu/behind"]));
    let pairs: Vec<(Status, &str)> = result
        .findings
        .iter()
        .filter(|f| f.rule == "TW222")
        .map(|f| (f.status, f.message.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            (Status::Pass, "torch_npu 2.10.0rc1 runs with torch 2.10.0 (series 2.10)."),
            (Status::Fail, "torch_npu 2.5.1 (built for torch 2.5) runs with torch 2.6.0: torch_npu is behind torch."),
        ]
    );
    // The torch finding names its torch_npu.
    let torch = result
        .findings
        .iter()
        .find(|f| f.rule == "TW221" && f.location.path.contains("behind"))
        .unwrap();
    assert_eq!(evidence(torch, "torch_npu"), Some("2.5.1"));
}

#[test]
fn conda_env_egg_info_and_activation() {
    let tree = Tree::new();
    let prefix = "/opt/conda/envs/serve";
    tree.write(
        &format!("{prefix}/conda-meta/pytorch-2.8.0-py3.11_cpu_0.json"),
        r#"{"name": "pytorch", "version": "2.8.0", "build": "py3.11_cpu_0", "files": ["lib/x"]}"#,
    );
    tree.write(
        &format!("{prefix}/conda-meta/numpy-2.0.0-py311_0.json"),
        "not read: not wanted",
    );
    tree.write(&format!("{prefix}/conda-meta/history"), "");
    tree.write(
        &format!("{prefix}/conda-meta/state"),
        r#"{"env_vars": {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}}"#,
    );
    tree.write(
        &format!("{prefix}/etc/conda/activate.d/torch.sh"),
        "# set by the image\nexport TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=yes\n",
    );
    let site = format!("{prefix}/lib/python3.11/site-packages");
    // The same torch also as a dist-info: reported once, from site-packages.
    tree.dist_info(&site, "torch", "2.8.0");
    // distutils-style egg-info file and a setuptools egg-info directory.
    tree.write(
        &format!("{site}/vllm-0.8.4-py3.11.egg-info"),
        "Metadata-Version: 1.2\nName: vllm\nVersion: 0.8.4\n",
    );
    tree.write(
        &format!("{site}/lightllm.egg-info/PKG-INFO"),
        "Metadata-Version: 2.1\nName: lightllm\nVersion: 1.1.0\n",
    );
    let result = run(&tree, &paths(&[prefix]));
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let fails = failing(&result.findings);
    let ids: Vec<String> = result
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| evidence(f, "advisory").unwrap_or(&f.rule).to_owned())
        .collect();
    assert_eq!(
        ids,
        [
            "CVE-2026-26220",
            "CVE-2026-24747 / GHSA-63cw-57p8-fm3p",
            "CVE-2025-30165 / GHSA-9pcc-gvx5-r5wm",
            "CVE-2025-32444 / GHSA-hj4w-hm2g-p6w5",
            "TW224",
            "TW224",
        ]
    );
    assert!(fails[1]
        .1
        .ends_with("site-packages/torch-2.8.0.dist-info/METADATA"));
    let lightllm = result
        .findings
        .iter()
        .find(|f| f.location.path.contains("lightllm"))
        .unwrap();
    assert_eq!(
        evidence(lightllm, "fixed"),
        Some("none published (last affected 1.1.0)")
    );
    assert_eq!(lightllm.severity, tw_diagnostics::Severity::Critical);
    assert_eq!(
        fails[4].1,
        format!("{prefix}/etc/conda/activate.d/torch.sh")
    );
    assert_eq!(
        result.findings[result.findings.len() - 2].location.line,
        Some(2)
    );
    assert_eq!(fails[5].1, format!("{prefix}/conda-meta/state"));
    assert_eq!(result.records, 5, "2 conda records and 3 site records");
}

#[test]
fn container_root_processes_and_host_files() {
    let tree = Tree::new();
    // The image's system Python with torch, reached from a process and from /usr.
    tree.write("/usr/local/bin/python3.11", "");
    tree.link("/usr/local/bin/python3", "python3.11");
    tree.dist_info(
        "/usr/local/lib/python3.11/site-packages",
        "torch",
        "2.5.1+cpu",
    );
    tree.write(
        "/proc/100/environ",
        "PATH=/bin\0TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=true\0",
    );
    tree.write("/proc/100/cmdline", "python3\0serve.py\0");
    tree.link("/proc/100/exe", "/usr/local/bin/python3.11");
    // A shell with the variable set to a value torch does not read as true: nothing.
    tree.write(
        "/proc/101/environ",
        "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=True\0",
    );
    tree.link("/proc/101/exe", "/bin/bash");
    // A process gone between the listing and the read.
    tree.link("/proc/102", "/nowhere");
    tree.write(
        "/etc/environment",
        "PATH=\"/usr/bin\"\nTORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\n",
    );
    tree.write(
        "/etc/profile.d/train.sh",
        "export A=1\nexport TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=\"$FLAG\"\n",
    );
    tree.write(
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nann:x:1000:1000::/home/ann:/bin/bash\n",
    );
    tree.write(
        "/home/ann/.bashrc",
        "alias ll='ls -l'\nexport TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\n",
    );
    tree.write(
        "/etc/systemd/system/train.service.d/override.conf",
        "[Service]\nEnvironmentFile=-/etc/default/train\n",
    );
    tree.write("/etc/default/train", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=y\n");
    tree.write(
        "/etc/systemd/system/serve.service",
        "[Service]\nEnvironment=\"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1\" OTHER=2\nExecStart=/usr/local/bin/python3 serve.py\n",
    );
    let options = Options::everything(Some("/usr/local/bin:/usr/bin".to_owned()));
    let result = run(&tree, &options);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(result.vanished, 1);
    assert_eq!(
        summary(&result.findings),
        [
            ("TW224".into(), Status::Fail, "/proc/100/environ".into()),
            (
                "TW220".into(),
                Status::Fail,
                "/usr/local/lib/python3.11/site-packages/torch-2.5.1+cpu.dist-info/METADATA".into()
            ),
            (
                "TW221".into(),
                Status::Fail,
                "/usr/local/lib/python3.11/site-packages/torch-2.5.1+cpu.dist-info/METADATA".into()
            ),
            ("TW224".into(), Status::Fail, "/etc/environment".into()),
            (
                "TW224".into(),
                Status::Warn,
                "/etc/profile.d/train.sh".into()
            ),
            ("TW224".into(), Status::Fail, "/home/ann/.bashrc".into()),
            (
                "TW224".into(),
                Status::Fail,
                "/etc/systemd/system/serve.service".into()
            ),
            ("TW224".into(), Status::Fail, "/etc/default/train".into()),
        ]
    );
    // Found three ways (process, python3 on PATH, /usr), read and reported once.
    assert_eq!(result.environments, 1);
    let torch = &result.findings[1];
    assert_eq!(
        evidence(torch, "found via"),
        Some("process 100 (python3 serve.py); python3 on PATH (/usr/local/bin); /usr")
    );
    assert_eq!(evidence(&result.findings[0], "pid"), Some("100"));
}

#[test]
fn unreadable_and_malformed_inputs_are_errors_naming_them() {
    let tree = Tree::new();
    let site = tree.venv("/v");
    tree.write(
        &format!("{site}/torch-2.5.1.dist-info/METADATA"),
        "Name: torch\nVersion: two\n",
    );
    tree.dist_info(&site, "vllm", "0.6.0");
    tree.write("/notenv/readme", "");
    let result = run(&tree, &paths(&["/v", "/notenv", "/missing"]));
    let errors: Vec<&str> = result.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        errors,
        [
            "/notenv",
            "/missing",
            "/v/lib/python3.11/site-packages/torch-2.5.1.dist-info/METADATA",
        ]
    );
    assert!(result.errors[2]
        .message
        .contains("`two` is not a PEP 440 version"));
    // The readable record is still judged.
    assert_eq!(
        failing(&result.findings).len(),
        3,
        "vllm 0.6.0: CVE-2025-24357, GHSA-ggpf, CVE-2025-30165"
    );
}

#[test]
fn unlistable_site_packages_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    if rustix::process::geteuid().is_root() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP unlistable_site_packages_is_an_error: root can list a mode-000 directory"
        );
        return;
    }
    let tree = Tree::new();
    let site = tree.venv("/v");
    let host = tree.path(&site);
    std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o000)).unwrap();
    let result = run(&tree, &paths(&["/v"]));
    std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(result.errors.len(), 1);
    assert_eq!(result.errors[0].path, site);
}

/// A real process: a venv made by `python3 -m venv`, torch 2.5.1 metadata in it, and its
/// interpreter started with the variable set. Read from the real `/proc`.
#[test]
fn real_process_with_the_variable_is_reported_with_its_pid() {
    let Ok(python) = which("python3") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP real_process_with_the_variable_is_reported_with_its_pid: no python3 on PATH"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    let made = std::process::Command::new(&python)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP real_process_with_the_variable_is_reported_with_its_pid: python3 -m venv failed"
        );
        return;
    }
    let lib = venv.join("lib");
    let pyver = std::fs::read_dir(&lib)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let dist = lib.join(pyver).join("site-packages/torch-2.5.1.dist-info");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("METADATA"),
        "Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\n",
    )
    .unwrap();
    // Started as an activated venv starts it: a bare `python` found on PATH.
    let path = format!(
        "{}:{}",
        venv.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = std::process::Command::new("python")
        .args(["-c", "import sys; sys.stdin.read()"])
        .env("PATH", path)
        .env("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait until the interpreter has exec'd (its exe link names python, not the test binary).
    for _ in 0..200 {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if exe.to_string_lossy().contains("python") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let result = audit(
        &Root::default(),
        &Options {
            processes: true,
            ..Options::default()
        },
    );
    drop(child.stdin.take());
    let _ = child.wait();
    let environ = format!("/proc/{pid}/environ");
    let flag = result
        .findings
        .iter()
        .find(|f| f.rule == "TW224" && f.location.path == environ)
        .unwrap_or_else(|| panic!("no TW224 for {pid}: {:#?}", summary(&result.findings)));
    assert_eq!(evidence(flag, "pid"), Some(pid.to_string().as_str()));
    let origin = format!("process {pid} (");
    let torch: Vec<&str> = result
        .findings
        .iter()
        .filter(|f| {
            f.status == Status::Fail
                && evidence(f, "found via").is_some_and(|o| o.contains(&origin))
        })
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(
        torch,
        ["TW220", "TW221"],
        "the venv found from the process's argv[0]"
    );
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var("PATH")
        .map_err(|_| ())?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.is_file())
        .ok_or(())
}

/// The `env_text` fuzz corpus (`fuzz/corpus/env_text`: malformed versions, headers, scripts,
/// units, conda state, environment blocks), replayed on stable: none may panic.
#[test]
fn fuzz_corpus_replays_without_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/env_text");
    let mut count = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        tw_env::exercise_parsers(&bytes);
        count += 1;
    }
    assert!(count >= 10, "the corpus holds {count} inputs");
}

#[test]
fn python_path_directories_of_a_process_are_read() {
    let tree = Tree::new();
    tree.write("/usr/bin/python3.11", "");
    tree.dist_info("/opt/libs", "torch", "2.5.1");
    std::fs::create_dir_all(tree.path("/opt/empty")).unwrap();
    tree.write(
        "/proc/9/environ",
        "PYTHONPATH=/opt/empty:relative:/opt/libs:/missing\0",
    );
    tree.write("/proc/9/cmdline", "python3\0-m\0serve\0");
    tree.link("/proc/9/exe", "/usr/bin/python3.11");
    let result = run(
        &tree,
        &Options {
            processes: true,
            ..Options::default()
        },
    );
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        failing(&result.findings),
        [
            ("TW220", "/opt/libs/torch-2.5.1.dist-info/METADATA"),
            ("TW221", "/opt/libs/torch-2.5.1.dist-info/METADATA"),
        ]
    );
    assert_eq!(
        evidence(&result.findings[0], "found via"),
        Some("process 9 (python3 -m serve), PYTHONPATH")
    );
    assert_eq!(
        evidence(&result.findings[0], "environment"),
        Some("site-packages /opt/libs")
    );
}

/// A process in another root (a chroot in a private mount namespace, as a container runtime
/// makes one): its environment is read under `/proc/PID/root`, paths shown with that prefix.
#[test]
fn containerised_process_is_read_under_its_root() {
    let tools = ["unshare", "chroot", "mount", "python3"];
    if !rustix::process::geteuid().is_root() || tools.iter().any(|t| which(t).is_err()) {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP containerised_process_is_read_under_its_root: needs root and {tools:?}"
        );
        return;
    }
    let image = tempfile::tempdir().unwrap();
    let base = image.path();
    std::fs::create_dir_all(base.join("usr")).unwrap();
    for dir in ["lib", "lib64", "bin"] {
        symlink(format!("usr/{dir}"), base.join(dir)).unwrap();
    }
    let dist = base.join("opt/libs/torch-2.5.1.dist-info");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("METADATA"), "Name: torch\nVersion: 2.5.1\n").unwrap();
    let script = format!(
        "mount --make-rprivate / && mount --bind /usr '{0}/usr' && exec chroot '{0}' /usr/bin/env PYTHONPATH=/opt/libs python3 -c 'import sys; sys.stdin.read()'",
        base.display()
    );
    let mut child = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut started = false;
    for _ in 0..300 {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if exe.to_string_lossy().contains("python") {
            started = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let record = format!("/proc/{pid}/root/opt/libs/torch-2.5.1.dist-info/METADATA");
    // The exec into python3 is seen before the interpreter settles (and other tests of this
    // binary start and end processes meanwhile): audit until the record shows, for a while.
    let mut result = audit(
        &Root::default(),
        &Options {
            processes: true,
            ..Options::default()
        },
    );
    for _ in 0..40 {
        if !started || result.findings.iter().any(|f| f.location.path == record) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        result = audit(
            &Root::default(),
            &Options {
                processes: true,
                ..Options::default()
            },
        );
    }
    drop(child.stdin.take());
    let _ = child.wait();
    if !started {
        let why = "the chroot did not start python3 (unshare -m refused?)";
        let _ = writeln!(
            std::io::stderr(),
            "SKIP containerised_process_is_read_under_its_root: {why}"
        );
        return;
    }
    let torch: Vec<&str> = result
        .findings
        .iter()
        .filter(|f| f.location.path == record)
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(
        torch,
        ["TW220", "TW221"],
        "{:#?}",
        summary(&result.findings)
    );
}
