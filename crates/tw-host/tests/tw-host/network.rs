//! TW209/TW210/TW211 on fake /proc/net tables: wildcard listeners on training ports mapped to
//! PIDs through fd symlinks, the IPv6 wildcard, loopback ignored, HCCL spans of 16 and 32
//! ports, firewall cover, and the ephemeral-range overlap with reserved ports.
use crate::fake::{options, results, Fake, Proc, V4_ANY, V4_LOOPBACK, V6_ANY};
use tw_diagnostics::Status;
use tw_host::{audit, FixAction, Profile, TrainingPorts};

#[test]
fn wildcard_training_listeners_are_mapped_to_pids() {
    let mut fake = Fake::hardened();
    fake.process(&Proc {
        pid: 500,
        cmdline: &[
            "/usr/local/bin/torchrun",
            "--nproc-per-node",
            "8",
            "train.py",
        ],
        ..Proc::default()
    });
    fake.listen(false, V4_ANY, 29500, 1000, 12345);
    fake.listen(true, V6_ANY, 29400, 1000, 12346);
    fake.listen(false, V4_LOOPBACK, 60001, 1000, 12347);
    fake.listen(false, V4_ANY, 22, 0, 12348);
    fake.socket_fd(500, 3, 12345);
    fake.socket_fd(500, 7, 12346);
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    let tw209: Vec<_> = audit
        .findings
        .iter()
        .filter(|f| f.rule == "TW209")
        .collect();
    assert_eq!(tw209.len(), 2, "{tw209:#?}");
    let v4 = tw209
        .iter()
        .find(|f| f.location.path == "/proc/net/tcp")
        .unwrap();
    assert_eq!(v4.status, Status::Fail);
    assert!(v4
        .message
        .starts_with("0.0.0.0:29500 (torchrun master port) listens on every IPv4 address"));
    let evidence: Vec<_> = v4
        .evidence
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_str()))
        .collect();
    assert!(evidence.contains(&("socket inode", "12345")));
    assert!(evidence.contains(&("pid", "500")));
    assert!(evidence.contains(&(
        "command",
        "/usr/local/bin/torchrun --nproc-per-node 8 train.py"
    )));
    let v6 = tw209
        .iter()
        .find(|f| f.location.path == "/proc/net/tcp6")
        .unwrap();
    assert!(v6.message.starts_with("[::]:29400 (c10d rendezvous port) listens on every IPv6 address and, unless IPV6_V6ONLY is set, every IPv4 address"));
    assert_eq!(v6.status, Status::Fail);
}

#[test]
fn hccl_span_of_16_or_32_ports() {
    let mut fake = Fake::hardened();
    fake.listen(false, V4_ANY, 60015, 1000, 1);
    fake.listen(false, V4_ANY, 60020, 1000, 2);
    let audit16 = audit(&fake.root(), &options(Profile::Baseline));
    let ports16: Vec<_> = audit16
        .findings
        .iter()
        .filter(|f| f.rule == "TW209")
        .map(|f| f.actual.clone().unwrap())
        .collect();
    assert_eq!(ports16, vec!["0.0.0.0:60015"]);
    let mut opts = options(Profile::Baseline);
    opts.ports = TrainingPorts::new(60000, 32, vec![]).unwrap();
    let audit32 = tw_host::audit(&fake.root(), &opts);
    let ports32: Vec<_> = audit32
        .findings
        .iter()
        .filter(|f| f.rule == "TW209")
        .map(|f| f.actual.clone().unwrap())
        .collect();
    assert_eq!(ports32, vec!["0.0.0.0:60015", "0.0.0.0:60020"]);
    assert!(audit32
        .findings
        .iter()
        .any(|f| f.message.contains("HCCL port (base 60000 + 20)")));
}

#[test]
fn firewall_state_covers_ports() {
    let mut fake = Fake::hardened();
    fake.listen(true, V6_ANY, 29500, 1000, 9);
    fake.file(
        "/run/torchward/firewall.json",
        r#"{"backend":"nft","ports":[29500,"60000-60015"]}"#,
    );
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    let tw209 = audit.findings.iter().find(|f| f.rule == "TW209").unwrap();
    assert_eq!(tw209.status, Status::Pass);
    assert!(tw209
        .evidence
        .iter()
        .any(|e| e.name == "firewall state" && e.value == "/run/torchward/firewall.json"));
}

/// A torchrun agent (PID 600) and its worker (601).
fn training_tree(fake: &Fake) {
    fake.process(&Proc {
        pid: 600,
        cmdline: &["/usr/local/bin/torchrun", "train.py"],
        ..Proc::default()
    });
    fake.process(&Proc {
        pid: 601,
        ppid: 600,
        cmdline: &["/opt/worker"],
        ..Proc::default()
    });
}

#[test]
fn training_tree_listeners_outside_declared_ports() {
    let mut fake = Fake::hardened();
    training_tree(&fake);
    fake.process(&Proc {
        pid: 700,
        cmdline: &["/usr/sbin/nginx"],
        ..Proc::default()
    });
    fake.listen(true, V6_ANY, 39409, 1000, 20);
    fake.listen(false, V4_LOOPBACK, 41000, 1000, 21);
    fake.listen(false, V4_ANY, 80, 0, 22);
    fake.socket_fd(601, 5, 20);
    fake.socket_fd(601, 6, 21);
    fake.socket_fd(700, 5, 22);
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    let tw210 = results(&audit, "TW210");
    assert_eq!(tw210.len(), 1, "{tw210:?}");
    assert_eq!(tw210[0].0, Status::Warn);
    assert!(tw210[0].1.contains("[::]:39409"));
    let strict = tw_host::audit(&fake.root(), &options(Profile::Strict));
    assert_eq!(results(&strict, "TW210")[0].0, Status::Fail);
}

#[test]
fn a_run_jobs_cgroup_and_a_custom_state_file_cover_its_random_listeners() {
    // A torchrun worker under `torchward run --state-file /srv/job/fw.json`: its gloo listener
    // on a random wildcard port is in the job's cgroup, which the state file names.
    let mut fake = Fake::hardened();
    training_tree(&fake);
    fake.file("/proc/601/cgroup", "0::/torchward/run-599\n");
    fake.file("/proc/599/stat", "599 (torchward) S 1");
    fake.listen(true, V6_ANY, 41831, 1000, 20);
    fake.listen(true, V6_ANY, 29500, 1000, 21);
    fake.socket_fd(601, 5, 20);
    fake.socket_fd(600, 6, 21);
    fake.file(
        "/srv/job/fw.json",
        r#"{"version":1,"backend":"nft","owner":true,"pid":599,"ports":[{"start":29500,"end":29500}],"plan":{"ports":[{"start":29500,"end":29500}],"cgroup":{"path":"torchward/run-599","level":2}}}"#,
    );
    let without = audit(&fake.root(), &options(Profile::Baseline));
    assert_eq!(results(&without, "TW210")[0].0, Status::Warn);
    assert_eq!(results(&without, "TW209")[0].0, Status::Fail);
    let mut with = options(Profile::Baseline);
    with.state_files = vec!["/srv/job/fw.json".to_owned()];
    let audit = audit(&fake.root(), &with);
    let tw210 = results(&audit, "TW210");
    assert_eq!(tw210.len(), 1, "{tw210:?}");
    assert_eq!(tw210[0].0, Status::Pass, "{tw210:?}");
    assert_eq!(results(&audit, "TW209")[0].0, Status::Pass);
}

#[test]
fn hccl_ports_inside_ephemeral_range_must_be_reserved() {
    let fake = Fake::hardened();
    fake.sysctl("net.ipv4.ip_local_reserved_ports", "8080");
    let audit = audit(&fake.root(), &options(Profile::Baseline));
    let finding = audit.findings.iter().find(|f| f.rule == "TW211").unwrap();
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(
        finding.message,
        "HCCL ports 60000-60015 lie inside the ephemeral range 32768-60999 and are not reserved"
    );
    assert_eq!(
        audit.fixes,
        vec![FixAction::Sysctl {
            key: "net.ipv4.ip_local_reserved_ports".into(),
            from: "8080".into(),
            to: "8080,60000-60015".into()
        }]
    );
    // Partly reserved, 32-port span: only the missing part is reported.
    fake.sysctl("net.ipv4.ip_local_reserved_ports", "60000-60015");
    let mut opts = options(Profile::Baseline);
    opts.ports = TrainingPorts::new(60000, 32, vec![]).unwrap();
    let audit = tw_host::audit(&fake.root(), &opts);
    let finding = audit.findings.iter().find(|f| f.rule == "TW211").unwrap();
    assert!(
        finding
            .message
            .starts_with("HCCL ports 60016-60031 lie inside"),
        "{}",
        finding.message
    );
    // Outside the range: pass.
    fake.sysctl("net.ipv4.ip_local_port_range", "32768\t59999");
    fake.sysctl("net.ipv4.ip_local_reserved_ports", "");
    let audit = tw_host::audit(&fake.root(), &options(Profile::Baseline));
    assert_eq!(results(&audit, "TW211")[0].0, Status::Pass);
}
