//! One test (or more) per TW2xx rule on fake roots: pass on a hardened root, the failing case
//! with its expected and actual values, and the absent-feature skip.
use crate::fake::{options, results, Fake, Proc};
use tw_diagnostics::{Severity, Status};
use tw_host::{audit, FixAction, Profile, Skip};

#[test]
fn hardened_root_has_no_problems() {
    let fake = Fake::hardened();
    let audit = audit(&fake.root(), &options(Profile::Strict));
    let problems: Vec<_> = audit
        .findings
        .iter()
        .filter(|f| f.status.is_problem())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(audit.errors.is_empty(), "{:?}", audit.errors);
    assert!(audit.fixes.is_empty());
    for rule in tw_host::RULES {
        assert!(
            audit.findings.iter().any(|f| f.rule == rule.id),
            "no result for {}",
            rule.id
        );
    }
}

#[test]
fn aslr_off_fails_with_values_and_fix() {
    let fake = Fake::hardened();
    fake.sysctl("kernel.randomize_va_space", "1");
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    let finding = audit.findings.iter().find(|f| f.rule == "TW201").unwrap();
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(finding.severity, Severity::High);
    assert_eq!(finding.expected.as_deref(), Some("2"));
    assert_eq!(finding.actual.as_deref(), Some("1"));
    assert_eq!(finding.location.path, "/proc/sys/kernel/randomize_va_space");
    assert!(finding
        .remediation
        .as_deref()
        .unwrap()
        .contains("sysctl -w kernel.randomize_va_space=2"));
    assert_eq!(
        audit.fixes,
        vec![FixAction::Sysctl {
            key: "kernel.randomize_va_space".into(),
            from: "1".into(),
            to: "2".into()
        }]
    );
}

#[test]
fn root_session_and_capable_targets_fail() {
    let fake = Fake::hardened();
    fake.process_self(&Proc {
        pid: 4000,
        uid: 0,
        ..Proc::default()
    });
    fake.process(&Proc {
        pid: 200,
        uid: 1000,
        caps: 0x2000,
        ..Proc::default()
    });
    fake.process(&Proc {
        pid: 201,
        uid: 1000,
        cmdline: &["/usr/sbin/sshd"],
        ..Proc::default()
    });
    let mut opts = options(Profile::Baseline);
    opts.all_processes = true;
    let audit = audit(&fake.root(), &opts);
    let tw202 = results(&audit, "TW202");
    assert_eq!(tw202.len(), 2, "{tw202:?}");
    assert_eq!(tw202[0].0, Status::Fail);
    assert!(tw202[0].1.contains("invoking session") && tw202[0].1.contains("root"));
    assert_eq!(tw202[1].0, Status::Fail);
    assert!(
        tw202[1].1.contains("process 200") && tw202[1].1.contains("capabilities 0000000000002000")
    );

    let mut opts = options(Profile::Baseline);
    opts.pids = vec![201, 999];
    let audit = tw_host::audit(&fake.root(), &opts);
    let tw202 = results(&audit, "TW202");
    assert_eq!(tw202[1].0, Status::Pass, "{tw202:?}");
    assert_eq!(tw202[2].0, Status::Error);
    assert!(tw202[2].1.contains("--pid 999"));
    assert_eq!(audit.errors.len(), 1);
}

#[test]
fn live_umask_of_session_and_targets() {
    let fake = Fake::hardened();
    fake.process_self(&Proc {
        pid: 4000,
        umask: 0o022,
        ..Proc::default()
    });
    fake.process(&Proc {
        pid: 300,
        umask: 0o077,
        ..Proc::default()
    });
    let mut opts = options(Profile::Baseline);
    opts.pids = vec![300];
    let audit = audit(&fake.root(), &opts);
    let tw203 = results(&audit, "TW203");
    assert_eq!(tw203[0].0, Status::Fail);
    assert!(tw203[0].1.contains("umask 0022"));
    assert_eq!(
        tw203[1],
        (
            Status::Pass,
            "process 300 (/usr/bin/python3 train.py) has umask 0077".to_owned()
        )
    );
}

#[test]
fn login_defaults_profile_and_pam_umask() {
    let fake = Fake::hardened();
    fake.file("/etc/login.defs", "UMASK 022\n");
    fake.file(
        "/etc/profile.d/site.sh",
        "# site\nexport X=1; umask 002 # too loose\n",
    );
    fake.file(
        "/etc/pam.d/common-session",
        "session optional pam_umask.so umask=0077\n",
    );
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    let tw204: Vec<_> = audit
        .findings
        .iter()
        .filter(|f| f.rule == "TW204")
        .collect();
    let by_path = |p: &str| tw204.iter().find(|f| f.location.path == p).unwrap();
    assert_eq!(by_path("/etc/login.defs").status, Status::Fail);
    assert_eq!(by_path("/etc/login.defs").actual.as_deref(), Some("0022"));
    let site = by_path("/etc/profile.d/site.sh");
    assert_eq!((site.status, site.location.line), (Status::Fail, Some(2)));
    assert_eq!(by_path("/etc/pam.d/common-session").status, Status::Pass);
    assert_eq!(by_path("/etc/profile").status, Status::Pass);
    assert_eq!(
        audit.fixes,
        vec![FixAction::LoginDefsUmask {
            from: Some("022".into()),
            to: "027".into()
        }]
    );

    fake.file("/etc/login.defs", "# nothing\n");
    let audit = tw_host::audit(&fake.root(), &options(Profile::Baseline));
    let defs = audit
        .findings
        .iter()
        .find(|f| f.location.path == "/etc/login.defs")
        .unwrap();
    assert!(defs.message.contains("no UMASK"));
    fake.remove("/etc/login.defs");
    let audit = tw_host::audit(&fake.root(), &options(Profile::Baseline));
    let defs = audit
        .findings
        .iter()
        .find(|f| f.location.path == "/etc/login.defs")
        .unwrap();
    assert_eq!(defs.status, Status::Skip);
}

#[test]
fn core_limits_by_profile() {
    let fake = Fake::hardened();
    fake.process_self(&Proc {
        pid: 4000,
        core: ("0", "unlimited"),
        ..Proc::default()
    });
    fake.process(&Proc {
        pid: 400,
        core: ("unlimited", "unlimited"),
        ..Proc::default()
    });
    let mut opts = options(Profile::Baseline);
    opts.pids = vec![400];
    let audit = audit(&fake.root(), &opts);
    let tw205 = results(&audit, "TW205");
    assert_eq!(tw205[0].0, Status::Warn);
    assert!(tw205[0]
        .1
        .contains("may turn them on: soft 0, hard unlimited"));
    assert_eq!(tw205[1].0, Status::Fail);
    opts.profile = Profile::Strict;
    let audit = tw_host::audit(&fake.root(), &opts);
    assert_eq!(results(&audit, "TW205")[0].0, Status::Fail);
}

#[test]
fn core_pattern_relative_absolute_and_piped() {
    let fake = Fake::hardened();
    fake.sysctl("kernel.core_pattern", "core");
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    assert_eq!(results(&audit, "TW206")[0].0, Status::Fail);
    assert_eq!(results(&audit, "TW208")[0].0, Status::Skip);

    std::fs::create_dir_all(fake.path("/var/crash")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        fake.path("/var/crash"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    fake.sysctl("kernel.core_pattern", "/var/crash/core.%e.%p");
    let audit = tw_host::audit(&fake.root(), &options(Profile::Baseline));
    let tw206 = results(&audit, "TW206");
    assert_eq!(tw206[0].0, Status::Fail);
    assert!(tw206[0].1.contains("world-writable (0777)"), "{tw206:?}");
    std::fs::set_permissions(
        fake.path("/var/crash"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let audit = tw_host::audit(&fake.root(), &options(Profile::Baseline));
    assert_eq!(results(&audit, "TW206")[0].0, Status::Pass);
}

#[test]
fn coredump_storage_default_is_external() {
    let fake = Fake::hardened();
    fake.file(
        "/etc/systemd/coredump.conf",
        "[Coredump]\n#Storage=external\n",
    );
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    let tw208 = results(&audit, "TW208");
    assert_eq!(
        tw208[0],
        (
            Status::Fail,
            "systemd-coredump stores dumps (Storage=external, from built-in default)".to_owned()
        )
    );
    fake.file(
        "/etc/systemd/coredump.conf.d/90-site.conf",
        "[Coredump]\nStorage=none\n",
    );
    let audit = tw_host::audit(&fake.root(), &options(Profile::Baseline));
    assert_eq!(results(&audit, "TW208")[0].0, Status::Pass);
}

#[test]
fn suid_dumpable_and_hardening_sysctls() {
    let fake = Fake::hardened();
    fake.sysctl("fs.suid_dumpable", "2");
    fake.sysctl("fs.protected_symlinks", "0");
    fake.remove("/proc/sys/kernel/yama/ptrace_scope");
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    assert_eq!(results(&audit, "TW207")[0].0, Status::Fail);
    let tw212: Vec<_> = audit
        .findings
        .iter()
        .filter(|f| f.rule == "TW212")
        .collect();
    let symlinks = tw212
        .iter()
        .find(|f| f.location.path.ends_with("protected_symlinks"))
        .unwrap();
    assert_eq!(
        (symlinks.status, symlinks.severity),
        (Status::Fail, Severity::Low)
    );
    assert!(symlinks.message.starts_with("beyond the statement"));
    let yama = tw212
        .iter()
        .find(|f| f.location.path.ends_with("ptrace_scope"))
        .unwrap();
    assert_eq!(yama.status, Status::Skip);
    let strict = tw_host::audit(&fake.root(), &options(Profile::Strict));
    let symlinks = strict
        .findings
        .iter()
        .find(|f| f.location.path.ends_with("protected_symlinks"))
        .unwrap();
    assert_eq!(symlinks.severity, Severity::Medium);
    assert_eq!(audit.fixes.len(), 2);
}

#[test]
fn overlay_skips_apply_until_they_expire() {
    let fake = Fake::hardened();
    fake.sysctl("kernel.dmesg_restrict", "0");
    let mut opts = options(Profile::Baseline);
    opts.skips = vec![Skip {
        id: "tw212".into(),
        subject: Some("kernel.dmesg_restrict".into()),
        reason: "support reads dmesg".into(),
        until: Some("2026-07-01".into()),
    }];
    let audit = audit(&fake.root(), &opts);
    let dmesg = audit
        .findings
        .iter()
        .find(|f| f.location.path.ends_with("dmesg_restrict"))
        .unwrap();
    assert_eq!(dmesg.status, Status::Skip);
    assert!(dmesg
        .message
        .starts_with("skipped (support reads dmesg, until 2026-07-01)"));
    assert!(
        audit.fixes.is_empty(),
        "a skipped finding must not be fixed"
    );
    opts.today = "2026-07-01".into();
    let audit = tw_host::audit(&fake.root(), &opts);
    let dmesg = audit
        .findings
        .iter()
        .find(|f| f.location.path.ends_with("dmesg_restrict"))
        .unwrap();
    assert_eq!(dmesg.status, Status::Fail);
    assert!(dmesg.evidence.iter().any(|e| e.name == "expired skip"));
}

#[test]
fn overlay_file_drives_profile_and_ports() {
    let overlay = tw_host::Overlay::parse(
        "site.toml",
        "profile = \"strict\"\nhccl_base_port = 61000\nports = [1234]\n[[skip]]\nid = \"TW208\"\nreason = \"no systemd\"\n",
    )
    .unwrap();
    assert_eq!(overlay.profile, Some(Profile::Strict));
    assert_eq!(overlay.hccl_base_port, Some(61000));
}
