//! A two-namespace lab for real firewall tests: a server namespace (where the rules go and a
//! dual-stack listener runs, like the PyTorch store on `*:port`) and a client namespace joined
//! by a veth pair, with a peer address and a non-peer address per family. Everything happens
//! inside the namespaces (`ip netns exec`), so the host's firewall is never touched; the lab
//! deletes both namespaces when dropped. `skip_reason` says why a test cannot run here.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use tw_firewall::{Cmd, Exec, ExecError, Output, SystemExec};

pub const SERVER4: &str = "10.77.0.1";
pub const PEER4: &str = "10.77.0.2";
pub const OTHER4: &str = "10.77.0.3";
pub const SERVER6: &str = "fd77::1";
pub const PEER6: &str = "fd77::2";
pub const OTHER6: &str = "fd77::3";

const LISTENER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1])))
s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
"#;

const CONNECT: &str = r#"
import socket, sys
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(1.0)
s.bind((src, 0))
try:
    s.connect((dst, port))
except OSError:
    sys.exit(1)
"#;

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
    for tool in ["ip", "python3"].iter().chain(tools) {
        let found = Command::new(tool)
            .arg(if *tool == "python3" {
                "--version"
            } else {
                "-V"
            })
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
        println!("SKIP {test}: {reason}");
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
                "python3",
                "-c",
                LISTENER,
                &port.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn listener");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("listener stdout"))
            .read_line(&mut line)
            .expect("listener ready");
        assert_eq!(line.trim(), "ready");
        self.listeners.push(child);
    }

    /// Whether `src` (a client address) can open a TCP connection to `dst:port`.
    pub fn reaches(&self, src: &str, dst: &str, port: u16) -> bool {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.client,
                "python3",
                "-c",
                CONNECT,
                src,
                dst,
                &port.to_string(),
            ])
            .status()
            .is_ok_and(|s| s.success())
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
