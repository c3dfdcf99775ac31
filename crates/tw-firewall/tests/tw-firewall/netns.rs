//! A two-namespace lab for real firewall tests: a server namespace (where the rules go and a
//! dual-stack listener runs, like the PyTorch store on `*:port`) and a client namespace joined
//! by a veth pair, with a peer address and a non-peer address per family. Everything happens
//! inside the namespaces (`ip netns exec`), so the host's firewall is never touched; the lab
//! deletes both namespaces when dropped. `skip_reason` says why a test cannot run here.
use std::io::{BufRead, BufReader, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use tw_firewall::{Cmd, Exec, ExecError, Output, SystemExec};

pub const SERVER4: &str = "10.77.0.1";
pub const PEER4: &str = "10.77.0.2";
pub const OTHER4: &str = "10.77.0.3";
pub const SERVER6: &str = "fd77::1";
pub const PEER6: &str = "fd77::2";
pub const OTHER6: &str = "fd77::3";

/// Environment variables that turn this test binary into a listener or a client (see the
/// ignored `listen_role` and `connect_role` tests): no Python or netcat needed.
const LISTEN_VAR: &str = "TW_NETNS_LISTEN";
const CONNECT_VAR: &str = "TW_NETNS_CONNECT";

/// Arguments that re-run this test binary as one role.
pub fn role_args(role: &str) -> Vec<String> {
    [
        "--ignored",
        "--exact",
        role,
        "--nocapture",
        "--test-threads=1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// A shell command line that runs this binary as a listener on `port` (0: any) for `secs`
/// seconds, exiting with `code`; it prints `listening PORT` once bound.
pub fn listener_command(port: u16, secs: u32, code: i32) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    format!(
        "{LISTEN_VAR}='{port} {secs} {code}' exec '{}' {}",
        exe.display(),
        role_args("netns::listen_role").join(" ")
    )
}

/// Role: a dual-stack wildcard listener (like the PyTorch store on `*:port`).
#[test]
#[ignore = "re-executed inside a network namespace by the namespace tests"]
fn listen_role() {
    let Ok(spec) = std::env::var(LISTEN_VAR) else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP listen_role: only meaningful when re-executed by a namespace test"
        );
        return;
    };
    let mut words = spec
        .split_whitespace()
        .map(|w| w.parse::<i64>().expect("number"));
    let port = u16::try_from(words.next().unwrap_or(0)).expect("port");
    let secs = u64::try_from(words.next().unwrap_or(3600)).expect("seconds");
    let code = i32::try_from(words.next().unwrap_or(0)).expect("exit code");
    // std leaves IPV6_V6ONLY at the kernel default (0): one socket takes both families.
    let socket = std::net::TcpListener::bind(("::", port)).expect("bind");
    socket.set_nonblocking(true).expect("nonblocking");
    // libtest printed "test ... " without a newline: start a fresh line.
    println!(
        "\nlistening {}",
        socket.local_addr().expect("address").port()
    );
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        match socket.accept() {
            Ok((stream, _)) => drop(stream),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
    std::process::exit(code);
}

/// Role: connect from a given source address with a 1 s timeout; exit 0 when connected.
#[test]
#[ignore = "re-executed inside a network namespace by the namespace tests"]
fn connect_role() {
    use rustix::net::{sockopt, AddressFamily, SocketType};
    let Ok(spec) = std::env::var(CONNECT_VAR) else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIP connect_role: only meaningful when re-executed by a namespace test"
        );
        return;
    };
    let words: Vec<&str> = spec.split_whitespace().collect();
    let src: std::net::IpAddr = words[0].parse().expect("source");
    let dst: std::net::IpAddr = words[1].parse().expect("destination");
    let port: u16 = words[2].parse().expect("port");
    let family = if dst.is_ipv6() {
        AddressFamily::INET6
    } else {
        AddressFamily::INET
    };
    let fd = rustix::net::socket(family, SocketType::STREAM, None).expect("socket");
    rustix::net::bind(&fd, &std::net::SocketAddr::new(src, 0)).expect("bind source");
    // Linux applies SO_SNDTIMEO to connect(): a dropped SYN fails after 1 s.
    sockopt::set_socket_timeout(
        &fd,
        sockopt::Timeout::Send,
        Some(std::time::Duration::from_secs(1)),
    )
    .expect("timeout");
    let connected = rustix::net::connect(&fd, &std::net::SocketAddr::new(dst, port)).is_ok();
    std::process::exit(i32::from(!connected));
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn sh(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn euid_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

/// Why namespace tests cannot run here, if they cannot.
pub fn skip_reason(tools: &[&str]) -> Option<String> {
    if !euid_is_root() {
        return Some("not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN".into());
    }
    for tool in ["ip"].iter().chain(tools) {
        let found = Command::new(tool)
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

/// Prints a skip line and returns true when the test must skip.
pub fn skip(test: &str, tools: &[&str]) -> bool {
    if let Some(reason) = skip_reason(tools) {
        let _ = writeln!(std::io::stderr(), "SKIP {test}: {reason}");
        return true;
    }
    false
}

/// Runs commands inside a namespace.
#[derive(Clone)]
pub struct NetnsExec {
    pub ns: String,
}

impl Exec for NetnsExec {
    fn run(&self, cmd: &Cmd) -> Result<Output, ExecError> {
        let mut args = vec![
            "netns".to_owned(),
            "exec".to_owned(),
            self.ns.clone(),
            cmd.program.clone(),
        ];
        args.extend(cmd.args.iter().cloned());
        let wrapped = Cmd {
            program: "ip".into(),
            args,
            stdin: cmd.stdin.clone(),
        };
        let out = SystemExec.run(&wrapped)?;
        // `ip netns exec` reports a missing program as exit 255 with this message.
        if out.code == Some(255)
            && out.stderr.contains("No such file or directory")
            && out.stderr.contains(&cmd.program)
        {
            return Err(ExecError::NotFound {
                program: cmd.program.clone(),
            });
        }
        Ok(out)
    }
}

pub struct Lab {
    pub server: String,
    pub client: String,
    listeners: Vec<Child>,
}

impl Lab {
    pub fn new() -> Result<Lab, String> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let id = std::process::id();
        let lab = Lab {
            server: format!("twfw-{id}-{n}-s"),
            client: format!("twfw-{id}-{n}-c"),
            listeners: Vec::new(),
        };
        for ns in [&lab.server, &lab.client] {
            sh(&["ip", "netns", "add", ns])?;
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
        }
        let (s, c) = (lab.server.as_str(), lab.client.as_str());
        sh(&[
            "ip", "-n", s, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", c,
        ])?;
        sh(&[
            "ip",
            "-n",
            s,
            "addr",
            "add",
            &format!("{SERVER4}/24"),
            "dev",
            "v0",
        ])?;
        sh(&[
            "ip",
            "-n",
            s,
            "addr",
            "add",
            &format!("{SERVER6}/64"),
            "dev",
            "v0",
            "nodad",
        ])?;
        for addr in [PEER4, OTHER4] {
            sh(&[
                "ip",
                "-n",
                c,
                "addr",
                "add",
                &format!("{addr}/24"),
                "dev",
                "v1",
            ])?;
        }
        for addr in [PEER6, OTHER6] {
            sh(&[
                "ip",
                "-n",
                c,
                "addr",
                "add",
                &format!("{addr}/64"),
                "dev",
                "v1",
                "nodad",
            ])?;
        }
        sh(&["ip", "-n", s, "link", "set", "v0", "up"])?;
        sh(&["ip", "-n", c, "link", "set", "v1", "up"])?;
        Ok(lab)
    }

    pub fn exec(&self) -> NetnsExec {
        NetnsExec {
            ns: self.server.clone(),
        }
    }

    /// Starts a dual-stack wildcard listener on `port` in the server namespace.
    pub fn listen(&mut self, port: u16) {
        let mut child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.server,
                "sh",
                "-c",
                &listener_command(port, 3600, 0),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn listener");
        let lines = BufReader::new(child.stdout.take().expect("listener stdout")).lines();
        let ready = lines
            .map_while(Result::ok)
            .any(|line| line.starts_with("listening"));
        assert!(ready, "listener did not start");
        self.listeners.push(child);
    }

    /// Whether `src` (a client address) can open a TCP connection to `dst:port`. A failure is
    /// tried once more: the first packet to a new neighbour can be lost to address resolution.
    pub fn reaches(&self, src: &str, dst: &str, port: u16) -> bool {
        (0..2).any(|_| {
            Command::new("ip")
                .args(["netns", "exec", &self.client])
                .arg(std::env::current_exe().expect("test binary path"))
                .args(role_args("netns::connect_role"))
                .env(CONNECT_VAR, format!("{src} {dst} {port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    }

    /// (peer v4, other v4, peer v6, other v6) reachability of `port`.
    pub fn matrix(&self, port: u16) -> [bool; 4] {
        [
            self.reaches(PEER4, SERVER4, port),
            self.reaches(OTHER4, SERVER4, port),
            self.reaches(PEER6, SERVER6, port),
            self.reaches(OTHER6, SERVER6, port),
        ]
    }

    /// Runs a shell-free command in the server namespace and returns stdout.
    pub fn server_stdout(&self, args: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.server])
            .args(args)
            .output()
            .expect("run in server namespace");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.listeners {
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}
