//! Listening TCP sockets from `/proc/net/tcp` and `/proc/net/tcp6` (kernel
//! `Documentation/networking/proc_net_tcp.rst`) and their owners through the
//! `socket:[INODE]` links in `/proc/PID/fd`. Addresses are printed by the kernel as host-order
//! 32-bit words, ports big-endian, so both are decoded exactly as the kernel wrote them.
use crate::error::ProbeError;
use crate::root::SystemRoot;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The TCP state code of a listening socket (`0A` = `TCP_LISTEN`).
const LISTEN: &str = "0A";

/// One listening socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `/proc/net/tcp` or `/proc/net/tcp6`.
    pub table: &'static str,
    /// The bound address.
    pub addr: IpAddr,
    /// The bound port.
    pub port: u16,
    /// The owning UID (readable even when the fds are not).
    pub uid: u32,
    /// The socket inode (`socket:[INODE]` in `/proc/PID/fd`).
    pub inode: u64,
}

impl Listener {
    /// Whether it listens on every address: `0.0.0.0`, or `::`, which also takes IPv4 unless
    /// `IPV6_V6ONLY` is set, and `/proc` cannot tell (host-hardening.md b8), so `::` counts as
    /// exposed on both families.
    pub fn is_wildcard(&self) -> bool {
        self.addr.is_unspecified()
    }

    /// `0.0.0.0:29500` or `[::]:29500`.
    pub fn endpoint(&self) -> String {
        match self.addr {
            IpAddr::V4(addr) => format!("{addr}:{}", self.port),
            IpAddr::V6(addr) => format!("[{addr}]:{}", self.port),
        }
    }
}

fn parse_addr(hex: &str, v6: bool) -> Option<IpAddr> {
    let word = |chunk: &str| u32::from_str_radix(chunk, 16).ok().map(u32::to_ne_bytes);
    if v6 {
        if hex.len() != 32 || !hex.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (index, out) in bytes.chunks_exact_mut(4).enumerate() {
            let chunk = hex.get(index * 8..index * 8 + 8)?;
            out.copy_from_slice(&word(chunk)?);
        }
        Some(IpAddr::V6(Ipv6Addr::from(bytes)))
    } else {
        if hex.len() != 8 {
            return None;
        }
        Some(IpAddr::V4(Ipv4Addr::from(word(hex)?)))
    }
}

/// Parses a `/proc/net/tcp{,6}` table, keeping LISTEN rows.
pub fn parse_table(table: &'static str, text: &str) -> Result<Vec<Listener>, ProbeError> {
    let v6 = table.ends_with('6');
    let mut listeners = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        let bad = |what: &str| ProbeError::Parse {
            path: table.to_owned(),
            line: index + 1,
            what: what.to_owned(),
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
        let (Some(local), Some(state), Some(uid), Some(inode)) =
            (fields.get(1), fields.get(3), fields.get(7), fields.get(9))
        else {
            return Err(bad("fewer than 10 fields"));
        };
        if *state != LISTEN {
            continue;
        }
        let (addr, port) = local
            .split_once(':')
            .ok_or_else(|| bad("local address has no port"))?;
        listeners.push(Listener {
            table,
            addr: parse_addr(addr, v6).ok_or_else(|| bad("bad local address"))?,
            port: u16::from_str_radix(port, 16).map_err(|_| bad("bad port"))?,
            uid: uid.parse().map_err(|_| bad("bad uid"))?,
            inode: inode.parse().map_err(|_| bad("bad inode"))?,
        });
    }
    Ok(listeners)
}

/// Every listening socket in this network namespace, IPv4 then IPv6. A missing table (IPv6
/// disabled) is empty. On the real root the kernel is asked over netlink first
/// ([`crate::sock_diag`]: it skips the established-connection hash `/proc/net/tcp` walks on
/// every read); the tables are read when it does not answer, and always under a fake root.
pub fn listeners(root: &SystemRoot) -> Result<Vec<Listener>, ProbeError> {
    if root.is_real() {
        if let Some(found) = crate::sock_diag::listeners() {
            return Ok(found);
        }
    }
    let mut all = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Some(text) = root.read_opt(table)? {
            all.extend(parse_table(table, &text)?);
        }
    }
    Ok(all)
}

/// Which PIDs hold which socket inodes, and which PIDs' fds could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    /// Inode to the PIDs holding it (a forked listener is shared).
    pub by_inode: BTreeMap<u64, Vec<u32>>,
    /// PIDs whose `fd` directory was refused (unprivileged, or `hidepid`).
    pub unreadable: Vec<u32>,
}

/// Maps the `wanted` inodes to PIDs by reading every `/proc/PID/fd/*` link.
pub fn owners(root: &SystemRoot, pids: &[u32], wanted: &BTreeSet<u64>) -> Owners {
    let mut owners = Owners::default();
    if wanted.is_empty() {
        return owners;
    }
    // Each process's fds on the pool (independent reads, in PID order when merged).
    let found: Vec<(u32, Option<Vec<u64>>)> = pids
        .par_iter()
        .map(|&pid| (pid, sockets_of(root, pid, wanted)))
        .collect();
    for (pid, inodes) in found {
        let Some(inodes) = inodes else {
            owners.unreadable.push(pid);
            continue;
        };
        for inode in inodes {
            let pids = owners.by_inode.entry(inode).or_default();
            if !pids.contains(&pid) {
                pids.push(pid);
            }
        }
    }
    owners
}

/// The `wanted` socket inodes process `pid` holds; `None` when its fds may not be read.
fn sockets_of(root: &SystemRoot, pid: u32, wanted: &BTreeSet<u64>) -> Option<Vec<u64>> {
    let dir = format!("/proc/{pid}/fd");
    let names = match root.list(&dir) {
        Ok(names) => names,
        Err(err) if err.is_denied() => return None,
        // The process exited between listing /proc and reading its fds.
        Err(_) => return Some(Vec::new()),
    };
    let mut inodes = Vec::new();
    for name in names {
        let Ok(target) = root.read_link(&format!("{dir}/{name}")) else {
            continue;
        };
        let Some(inode) = target
            .strip_prefix("socket:[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|number| number.parse::<u64>().ok())
        else {
            continue;
        };
        if wanted.contains(&inode) {
            inodes.push(inode);
        }
    }
    Some(inodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:733C 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0 100 0 0 10 0\n   2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 100 1 0\n";

    #[test]
    fn keeps_listen_rows_and_decodes_addresses() {
        let rows = parse_table("/proc/net/tcp", TCP).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].port, 29500);
        assert!(rows[0].is_wildcard());
        assert_eq!(rows[0].uid, 1000);
        assert_eq!(rows[0].inode, 4242);
        assert_eq!(rows[1].endpoint(), "127.0.0.1:8080");
        assert!(!rows[1].is_wildcard());
    }

    #[test]
    fn decodes_ipv6_wildcard_and_loopback() {
        let text = "header\n 0: 00000000000000000000000000000000:733C 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 7 1\n 1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 8 1\n";
        let rows = parse_table("/proc/net/tcp6", text).unwrap();
        assert_eq!(rows[0].endpoint(), "[::]:29500");
        assert!(rows[0].is_wildcard());
        assert_eq!(rows[1].endpoint(), "[::1]:80");
    }

    #[test]
    fn rejects_malformed_rows() {
        assert!(parse_table("/proc/net/tcp", "h\n 0: zz:1 0:0 0A\n").is_err());
        assert!(parse_table("/proc/net/tcp", "h\n 0: 00000000:XYZ 0:0 0A a b c 0 d 1\n").is_err());
        assert!(parse_table("/proc/net/tcp", "h\n 0: 0000:0001 0:0 0A a b c 0 d 1\n").is_err());
    }
}
