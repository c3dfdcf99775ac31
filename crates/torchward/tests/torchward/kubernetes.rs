//! `firewall plan --backend kubernetes` at the command line: the policy for a job, its ports
//! from the matrix when no --port is given, and the options a policy cannot express refused.
use crate::cli::{stderr, stdout, Tree};

fn run(args: &[&str]) -> std::process::Output {
    let mut all = vec!["firewall", "plan", "--backend", "kubernetes"];
    all.extend_from_slice(args);
    Tree::new()
        .torchward(&all)
        .env_remove("MASTER_PORT")
        .env_remove("MASTER_ADDR")
        .env_remove("HCCL_IF_BASE_PORT")
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_job_gets_a_network_policy_of_its_ports() {
    let out = run(&["--job", "bert", "--namespace", "team-a", "--port", "29510"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.contains("kind: NetworkPolicy"), "{yaml}");
    assert!(yaml.contains("  namespace: \"team-a\""), "{yaml}");
    assert!(
        yaml.contains("\"training.kubeflow.org/job-name\": \"bert\""),
        "{yaml}"
    );
    // Every TCP port but 29510 stays open to anyone.
    assert!(yaml.contains("endPort: 29509\n"), "{yaml}");
    assert!(
        yaml.contains("port: 29511\n      endPort: 65535\n"),
        "{yaml}"
    );
    assert!(!yaml.contains("Egress"), "{yaml}");
    assert!(stderr(&out).contains("hostNetwork"), "{}", stderr(&out));
}

#[test]
fn without_port_the_matrix_supplies_them() {
    let out = run(&[
        "--job",
        "gpt",
        "--job-kind",
        "volcano",
        "--master-port",
        "23456",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.contains("\"volcano.sh/job-name\": \"gpt\""), "{yaml}");
    assert!(yaml.contains("TCP 23456, 60000-60015 of job gpt"), "{yaml}");
}

#[test]
fn what_a_policy_cannot_say_is_refused() {
    for args in [
        &["--port", "1"][..],
        &["--job", "Bad_Name", "--port", "1"][..],
        &["--job", "x", "--pod-label", "novalue", "--port", "1"][..],
        &["--job", "x", "--pod-label", "a b=c", "--port", "1"][..],
        &["--job", "x", "--peer", "10.0.0.1", "--port", "1"][..],
        &["--job", "x", "--interface", "eth0", "--port", "1"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
    // The Kubernetes options mean nothing to the host backends, and apply cannot apply a policy.
    for args in [
        &[
            "firewall",
            "plan",
            "--backend",
            "nft",
            "--job",
            "x",
            "--port",
            "1",
        ][..],
        &[
            "firewall",
            "apply",
            "--backend",
            "kubernetes",
            "--port",
            "1",
        ][..],
    ] {
        let out = Tree::new()
            .torchward(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}
