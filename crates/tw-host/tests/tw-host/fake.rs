//! A fake `/` in a temporary directory: sysctls, /etc files, processes with status, limits,
//! cmdline and fd links (real symlinks to `socket:[INODE]`), and /proc/net tables.
use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use tw_host::{Options, Profile, SystemRoot, TrainingPorts};

pub struct Fake {
    pub dir: tempfile::TempDir,
    tcp: Vec<String>,
    tcp6: Vec<String>,
}

pub struct Proc<'a> {
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub caps: u64,
    pub umask: u32,
    pub core: (&'a str, &'a str),
    pub cmdline: &'a [&'a str],
}

impl Default for Proc<'_> {
    fn default() -> Self {
        Proc {
            pid: 100,
            ppid: 1,
            uid: 1000,
            caps: 0,
            umask: 0o027,
            core: ("0", "0"),
            cmdline: &["/usr/bin/python3", "train.py"],
        }
    }
}

impl Fake {
    /// A host that passes every check in the baseline profile.
    pub fn hardened() -> Fake {
        let fake = Fake {
            dir: tempfile::tempdir().unwrap(),
            tcp: Vec::new(),
            tcp6: Vec::new(),
        };
        for (key, value) in [
            ("kernel.randomize_va_space", "2"),
            ("fs.suid_dumpable", "0"),
            (
                "kernel.core_pattern",
                "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h",
            ),
            ("net.ipv4.ip_local_port_range", "32768\t60999"),
            ("net.ipv4.ip_local_reserved_ports", "60000-60031"),
            ("kernel.kptr_restrict", "1"),
            ("kernel.dmesg_restrict", "1"),
            ("kernel.yama.ptrace_scope", "1"),
            ("fs.protected_symlinks", "1"),
            ("fs.protected_hardlinks", "1"),
        ] {
            fake.sysctl(key, value);
        }
        fake.file(
            "/etc/login.defs",
            "# login defaults\nMAIL_DIR /var/mail\nUMASK\t\t027\nUSERGROUPS_ENAB yes\n",
        );
        fake.file("/etc/profile", "if [ \"$PS1\" ]; then :; fi\numask 027\n");
        fake.file("/etc/systemd/coredump.conf", "[Coredump]\nStorage=none\n");
        fake.process_self(&Proc {
            pid: 4000,
            ..Proc::default()
        });
        fake.write_net();
        fake
    }

    pub fn root(&self) -> SystemRoot {
        SystemRoot::new(self.dir.path())
    }

    pub fn path(&self, abs: &str) -> PathBuf {
        self.dir.path().join(abs.trim_start_matches('/'))
    }

    pub fn file(&self, abs: &str, text: &str) {
        let path = self.path(abs);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    pub fn read(&self, abs: &str) -> String {
        fs::read_to_string(self.path(abs)).unwrap()
    }

    pub fn sysctl(&self, key: &str, value: &str) {
        self.file(
            &format!("/proc/sys/{}", key.replace('.', "/")),
            &format!("{value}\n"),
        );
    }

    pub fn remove(&self, abs: &str) {
        fs::remove_file(self.path(abs)).unwrap();
    }

    fn write_proc(&self, dir: &str, proc: &Proc) {
        let status = format!(
            "Name:\t{}\nUmask:\t{:04o}\nState:\tS (sleeping)\nPid:\t{}\nPPid:\t{}\nUid:\t{u}\t{u}\t{u}\t{u}\nGid:\t{u}\t{u}\t{u}\t{u}\nCapEff:\t{:016x}\n",
            proc.cmdline.first().map_or("kthread", |c| c.rsplit('/').next().unwrap()),
            proc.umask,
            proc.pid,
            proc.ppid,
            proc.caps,
            u = proc.uid,
        );
        self.file(&format!("/proc/{dir}/status"), &status);
        self.file(
            &format!("/proc/{dir}/limits"),
            &format!(
                "Limit                     Soft Limit           Hard Limit           Units     \nMax file size             unlimited            unlimited            bytes     \nMax core file size        {:<20} {:<20} bytes     \n",
                proc.core.0, proc.core.1
            ),
        );
        let mut cmdline = proc.cmdline.join("\0");
        if !cmdline.is_empty() {
            cmdline.push('\0');
        }
        self.file(&format!("/proc/{dir}/cmdline"), &cmdline);
        fs::create_dir_all(self.path(&format!("/proc/{dir}/fd"))).unwrap();
    }

    /// torchward's own process, `/proc/self` (a directory here; a link on a real host).
    pub fn process_self(&self, proc: &Proc) {
        self.write_proc("self", proc);
    }

    pub fn process(&self, proc: &Proc) {
        self.write_proc(&proc.pid.to_string(), proc);
    }

    /// Gives `pid` an fd `fd` pointing at `socket:[inode]`.
    pub fn socket_fd(&self, pid: u32, fd: u32, inode: u64) {
        symlink(
            format!("socket:[{inode}]"),
            self.path(&format!("/proc/{pid}/fd/{fd}")),
        )
        .unwrap();
    }

    /// Adds a LISTEN row; `addr_hex` as the kernel prints it.
    pub fn listen(&mut self, v6: bool, addr_hex: &str, port: u16, uid: u32, inode: u64) {
        let row = format!(
            "{:4}: {addr_hex}:{port:04X} {} 0A 00000000:00000000 00:00000000 00000000 {uid:5}        0 {inode} 1 0000000000000000 100 0 0 10 0",
            if v6 { self.tcp6.len() } else { self.tcp.len() },
            if v6 { "00000000000000000000000000000000:0000" } else { "00000000:0000" },
        );
        if v6 {
            self.tcp6.push(row);
        } else {
            self.tcp.push(row);
        }
        self.write_net();
    }

    fn write_net(&self) {
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        let body = |rows: &[String]| rows.iter().map(|r| format!("{r}\n")).collect::<String>();
        self.file("/proc/net/tcp", &format!("{header}{}", body(&self.tcp)));
        self.file("/proc/net/tcp6", &format!("{header}{}", body(&self.tcp6)));
    }
}

pub const V4_ANY: &str = "00000000";
pub const V4_LOOPBACK: &str = "0100007F";
pub const V6_ANY: &str = "00000000000000000000000000000000";

pub fn options(profile: Profile) -> Options {
    Options {
        profile,
        ports: TrainingPorts::new(60000, profile.default_hccl_count(), Vec::new()).unwrap(),
        pids: Vec::new(),
        all_processes: false,
        skips: Vec::new(),
        today: "2026-06-01".to_owned(),
        state_files: Vec::new(),
    }
}

/// The findings of `rule` as (status, message) pairs.
pub fn results(audit: &tw_host::HostAudit, rule: &str) -> Vec<(tw_diagnostics::Status, String)> {
    audit
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.status, f.message.clone()))
        .collect()
}
