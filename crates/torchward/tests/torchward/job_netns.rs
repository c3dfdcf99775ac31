//! Issue #20, end to end: a two-node job stand-in (`standin/job.py`: a store on the master port,
//! one listener per rank on a port the kernel picks, ranks exchanging data) runs in two network
//! namespaces, each node under the real `torchward run` with only `--peer` and `--port`, while
//! an outsider namespace probes every port of the job over IPv4 and IPv6 from before the job
//! starts until it ends. With the default (every socket of the job restricted through its
//! cgroup) the job completes and the outsider reaches nothing at any moment; with
//! `--listed-ports-only` (the earlier default) it reaches the per-rank ports, which shows the
//! probe can see a hole. No rules remain afterwards.
//!
//! torchward runs under `nsenter --net` rather than `ip netns exec`, which remounts /sys and
//! hides the cgroup file system nft resolves the job's cgroup in.
use crate::cli::{stderr, stdout, Tree};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const MASTER_PORT: &str = "29500";

/// Three namespaces (node 0, node 1, outsider) on one bridge in a fourth; deleted on drop.
struct Cluster {
    names: Vec<String>,
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    fn new(tag: &str) -> Cluster {
        let id = std::process::id();
        let names: Vec<String> = ["n0", "n1", "out", "sw"]
            .iter()
            .map(|n| format!("twj{id}{tag}{n}"))
            .collect();
        let cluster = Cluster { names };
        for ns in &cluster.names {
            sh(&["ip", "netns", "add", ns]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        let sw = cluster.names[3].as_str();
        sh(&["ip", "-n", sw, "link", "add", "br0", "type", "bridge"]);
        sh(&["ip", "-n", sw, "link", "set", "br0", "up"]);
        for (index, ns) in cluster.names[..3].iter().enumerate() {
            let host = (index + 1).to_string();
            let port = format!("p{index}");
            sh(&[
                "ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", &port,
                "netns", sw,
            ]);
            sh(&["ip", "-n", sw, "link", "set", &port, "master", "br0", "up"]);
            sh(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("10.78.0.{host}/24"),
                "dev",
                "eth0",
            ]);
            sh(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("fd78::{host}/64"),
                "dev",
                "eth0",
                "nodad",
            ]);
            sh(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
        }
        cluster
    }

    fn nsenter(&self, index: usize) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net=/run/netns/{}", self.names[index]));
        cmd
    }

    fn ruleset(&self, index: usize) -> String {
        let out = self
            .nsenter(index)
            .args(["nft", "list", "ruleset"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        stdout(&out)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for ns in &self.names {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn standin(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/torchward/standin")
        .join(name)
}

/// Starts node `rank` under `torchward run` (plus `extra` options).
fn node(cluster: &Cluster, tree: &Tree, rank: usize, portlog: &Path, extra: &[&str]) -> Child {
    let state = tree.join(&format!("fw{rank}.json"));
    let addr = format!("10.78.0.{}", rank + 1);
    let job = standin("job.py");
    let mut cmd = cluster.nsenter(rank);
    cmd.arg(assert_cmd::cargo::cargo_bin("torchward"))
        .args(["run", "--allow-root", "--skip-check", "aslr,disk,memory"])
        .args(["--peer", "10.78.0.1,10.78.0.2", "--port", MASTER_PORT])
        .args(extra)
        .arg("--state-file")
        .arg(&state)
        .args(["--", "python3"])
        .arg(&job)
        .args(["--rank", &rank.to_string(), "--addr", &addr])
        .args(["--master-addr", "10.78.0.1", "--master-port", MASTER_PORT])
        .args(["--seconds", "3", "--portlog"])
        .arg(portlog)
        .env_remove("MASTER_PORT")
        .env_remove("MASTER_ADDR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().unwrap_or_else(|e| panic!("{e}"))
}

struct Round {
    nodes: Vec<Output>,
    probes: Vec<String>,
    portlog: String,
}

/// One job: the outsider starts probing first, both nodes start, the probe stops when both
/// ended (bounded: the job gives up after 60 s, the probe after 90 s).
fn round(cluster: &Cluster, extra: &[&str]) -> Round {
    let tree = Tree::new();
    let portlog = tree.join("ports");
    let stop = tree.join("stop");
    let probe = cluster
        .nsenter(2)
        .arg("python3")
        .arg(standin("probe.py"))
        .args(["--targets", "10.78.0.1,10.78.0.2,fd78::1,fd78::2"])
        .args(["--port", MASTER_PORT, "--max-seconds", "90", "--portlog"])
        .arg(&portlog)
        .arg("--stop")
        .arg(&stop)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let nodes: Vec<Child> = (0..2)
        .map(|rank| node(cluster, &tree, rank, &portlog, extra))
        .collect();
    let nodes: Vec<Output> = nodes
        .into_iter()
        .map(|n| n.wait_with_output().unwrap_or_else(|e| panic!("{e}")))
        .collect();
    std::fs::write(&stop, "").unwrap_or_else(|e| panic!("{e}"));
    let probe = probe.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    Round {
        nodes,
        probes: stdout(&probe).lines().map(str::to_owned).collect(),
        portlog: std::fs::read_to_string(&portlog).unwrap_or_default(),
    }
}

/// `(rank, port)` of each rank's listener, from the job's port log (`rankN PORT` lines).
fn rank_ports(portlog: &str) -> Vec<(usize, String)> {
    portlog
        .lines()
        .filter_map(|l| {
            let (name, port) = l.split_once(' ')?;
            Some((
                name.strip_prefix("rank")?.parse().ok()?,
                port.trim().to_owned(),
            ))
        })
        .collect()
}

#[test]
fn an_outsider_reaches_no_port_of_a_two_node_job_under_run() {
    if crate::network::skip(
        "an_outsider_reaches_no_port_of_a_two_node_job_under_run",
        &["nsenter", "python3"],
    ) {
        return;
    }
    let cluster = Cluster::new("a");
    let protected = round(&cluster, &[]);
    for out in &protected.nodes {
        let err = stderr(out);
        if err.contains("cannot restrict the job's sockets by cgroup") {
            let why = "this kernel or mount cannot match sockets by cgroup";
            let _ = writeln!(
                std::io::stderr(),
                "SKIP an_outsider_reaches_no_port_of_a_two_node_job_under_run: {why}: {err}"
            );
            return;
        }
        assert_eq!(out.status.code(), Some(0), "{err}\n{}", stdout(out));
        assert!(
            err.contains("every socket the job opens is reachable only from peers"),
            "{err}"
        );
    }
    let ranks = rank_ports(&protected.portlog);
    assert_eq!(ranks.len(), 2, "{}", protected.portlog);
    let open: Vec<&String> = protected
        .probes
        .iter()
        .filter(|l| l.starts_with("open "))
        .collect();
    assert!(open.is_empty(), "the outsider reached {open:?}");
    // Each rank port was probed while it listened, over both families, and dropped (a closed
    // port answers with a reset: `refused`).
    for (rank, port) in &ranks {
        for addr in [
            format!("10.78.0.{}", rank + 1),
            format!("fd78::{}", rank + 1),
        ] {
            let line = format!("dropped {addr} {port}");
            assert!(
                protected.probes.contains(&line),
                "no `{line}` in {:?}",
                protected.probes
            );
        }
    }
    assert!(protected
        .probes
        .contains(&format!("dropped 10.78.0.1 {MASTER_PORT}")));
    for index in 0..2 {
        assert_eq!(cluster.ruleset(index), "", "rules left in node {index}");
    }

    // The same job restricting only the listed ports: the outsider reaches the rank ports.
    let listed = round(&cluster, &["--listed-ports-only"]);
    for out in &listed.nodes {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    }
    let reached: Vec<&String> = listed
        .probes
        .iter()
        .filter(|l| l.starts_with("open "))
        .collect();
    assert!(
        rank_ports(&listed.portlog)
            .iter()
            .any(|(_, port)| reached.iter().any(|l| l.ends_with(&format!(" {port}")))),
        "the probe saw no hole with --listed-ports-only: {:?}",
        listed.probes
    );
    assert!(!reached
        .iter()
        .any(|l| l.ends_with(&format!(" {MASTER_PORT}"))));
}
