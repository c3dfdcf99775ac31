//! The matrix from flags and environment: precedence, defaults, and every invalid value as a
//! finding.
use std::collections::BTreeMap;
use tw_firewall::{KernelPorts, LaunchFlags, Matrix, MatrixSources, PortRange};

fn sources(env: &[(&str, &str)], flags: LaunchFlags, count: u16) -> MatrixSources {
    MatrixSources {
        flags,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        hccl_port_count: count,
        kernel: KernelPorts {
            local_range: PortRange::new(32768, 60999),
            reserved: vec![],
        },
    }
}

fn rules(matrix: &Matrix) -> Vec<String> {
    matrix.findings.iter().map(|f| f.rule.clone()).collect()
}

#[test]
fn defaults_match_the_statement() {
    let matrix = Matrix::compute(&sources(&[], LaunchFlags::default(), 16));
    assert_eq!(
        tw_firewall::port::join(&matrix.training_ports()),
        "29500, 60000-60015"
    );
    // The collectives' per-rank listeners are on random ports (TW406); the default HCCL span
    // lies in the default ephemeral range (TW404).
    assert_eq!(rules(&matrix), ["TW406", "TW404"]);
    insta::assert_snapshot!(
        "matrix_default_markdown",
        tw_firewall::table::render_markdown(&matrix)
    );
}

#[test]
fn flags_win_over_pet_variables_which_win_over_master_variables() {
    let flags = LaunchFlags {
        master_port: Some("29510".into()),
        ..LaunchFlags::default()
    };
    let env = [
        ("PET_MASTER_PORT", "29600"),
        ("MASTER_PORT", "29700"),
        ("HCCL_IF_BASE_PORT", "20000"),
    ];
    let matrix = Matrix::compute(&sources(&env, flags, 16));
    assert_eq!(matrix.endpoints[0].origin, "--master-port");
    assert_eq!(
        tw_firewall::port::join(&matrix.training_ports()),
        "20000-20015, 29510"
    );
    let matrix = Matrix::compute(&sources(&env, LaunchFlags::default(), 16));
    assert_eq!(matrix.endpoints[0].origin, "PET_MASTER_PORT");
    let matrix = Matrix::compute(&sources(&env[1..], LaunchFlags::default(), 16));
    assert_eq!(matrix.endpoints[0].origin, "MASTER_PORT");
    assert_eq!(rules(&matrix), ["TW406"]);
}

#[test]
fn c10d_endpoint_and_standalone_report_random_ports() {
    let env = [
        ("PET_RDZV_BACKEND", "c10d"),
        ("PET_RDZV_ENDPOINT", "[fd00::1]:29401"),
        ("HCCL_IF_BASE_PORT", "20000"),
    ];
    let matrix = Matrix::compute(&sources(&env, LaunchFlags::default(), 32));
    assert_eq!(
        tw_firewall::port::join(&matrix.training_ports()),
        "20000-20031, 29401"
    );
    assert_eq!(matrix.endpoints[0].address.as_deref(), Some("fd00::1"));
    assert_eq!(rules(&matrix), ["TW406", "TW406"]);
    let standalone = LaunchFlags {
        standalone: true,
        ..LaunchFlags::default()
    };
    let matrix = Matrix::compute(&sources(&[("HCCL_IF_BASE_PORT", "20000")], standalone, 16));
    assert!(matrix.has_random_ports());
    assert_eq!(rules(&matrix), ["TW406", "TW406"]);
}

#[test]
fn invalid_values_are_findings() {
    let env = [
        ("MASTER_PORT", "29500x"),
        ("MASTER_ADDR", "127.0.0.1"),
        ("HCCL_IF_BASE_PORT", "65520"),
        ("HCCL_IF_IP", "192.168.1.300"),
        ("HCCL_SOCKET_IFNAME", "eth0 eth1,ib0"),
        ("HCCL_HOST_SOCKET_PORT_RANGE", "61000-60000"),
        ("HCCL_NPU_SOCKET_PORT_RANGE", "auto"),
    ];
    let matrix = Matrix::compute(&sources(&env, LaunchFlags::default(), 32));
    let mut ids = rules(&matrix);
    ids.sort();
    assert_eq!(
        ids,
        ["TW401", "TW401", "TW403", "TW405", "TW405", "TW406", "TW409"]
    );
    assert_eq!(matrix.interface_hint.as_deref(), Some("ib0"));
    let low = Matrix::compute(&sources(
        &[("HCCL_IF_BASE_PORT", "80")],
        LaunchFlags::default(),
        16,
    ));
    assert_eq!(rules(&low), ["TW406", "TW402"]);
}

#[test]
fn reserved_ports_clear_the_ephemeral_overlap() {
    let mut src = sources(&[], LaunchFlags::default(), 16);
    src.kernel.reserved = vec![PortRange::new(60000, 60007).unwrap()];
    let matrix = Matrix::compute(&src);
    assert_eq!(rules(&matrix), ["TW406", "TW404"]);
    assert!(
        matrix.findings[1]
            .message
            .ends_with("not reserved: 60008-60015"),
        "{}",
        matrix.findings[0].message
    );
    src.kernel.reserved = vec![PortRange::new(60000, 60031).unwrap()];
    assert_eq!(rules(&Matrix::compute(&src)), ["TW406"]);
}

#[test]
fn kernel_ports_are_read_from_proc_sys() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("net/ipv4");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ip_local_port_range"), "32768\t60999\n").unwrap();
    std::fs::write(dir.join("ip_local_reserved_ports"), "60000-60015,29500\n").unwrap();
    let kernel = KernelPorts::read(root.path());
    assert_eq!(kernel.local_range, PortRange::new(32768, 60999));
    assert_eq!(
        tw_firewall::port::join(&kernel.reserved),
        "29500, 60000-60015"
    );
}

#[test]
fn collectives_are_listed_per_rank_with_their_interface_and_pinned_root() {
    let flags = LaunchFlags {
        nproc_per_node: Some("8".into()),
        nnodes: Some("2".into()),
        ..LaunchFlags::default()
    };
    let env = [
        ("GLOO_SOCKET_IFNAME", "eth1"),
        ("NCCL_COMM_ID", "10.0.0.1:29600"),
    ];
    let matrix = Matrix::compute(&sources(&env, flags, 16));
    let services: Vec<&str> = matrix
        .endpoints
        .iter()
        .map(|e| e.service.as_str())
        .collect();
    assert!(
        services.contains(&"gloo listeners, one per rank, 8 on this node; GLOO_SOCKET_IFNAME=eth1"),
        "{services:?}"
    );
    assert!(services
        .iter()
        .any(|s| s.starts_with("NCCL bootstrap and socket listeners, per rank, 8 on this node")));
    assert_eq!(matrix.interface_hint.as_deref(), Some("eth1"));
    assert_eq!(matrix.job.nnodes.as_deref(), Some("2"));
    // NCCL_COMM_ID pins the root bootstrap port: a fixed training port.
    assert_eq!(
        tw_firewall::port::join(&matrix.training_ports()),
        "29500, 29600, 60000-60015"
    );
    // A port list covers the fixed ports it names; the random ones never.
    let uncovered: Vec<&str> = matrix
        .uncovered(&[PortRange::single(29500)])
        .iter()
        .map(|e| e.origin.as_str())
        .collect();
    assert_eq!(uncovered.len(), 4, "{uncovered:?}");
    let bad = Matrix::compute(&sources(
        &[("NCCL_COMM_ID", "10.0.0.1")],
        LaunchFlags::default(),
        16,
    ));
    assert!(rules(&bad).contains(&"TW401".to_owned()));
}
