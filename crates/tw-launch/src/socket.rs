//! Listening TCP sockets from `/proc/net/tcp{,6}` (format: kernel
//! `Documentation/networking/proc_net_tcp.rst`: rows of `sl local rem st ... uid timeout inode`,
//! ports in big-endian hex, state `0A` = LISTEN) and the process tree they belong to (fd links
//! `socket:[INODE]`). Used by the preflight (is a training port taken?) and by `--dynamic`
//! (which ports did the job open?). Reads under a configurable proc root; unreadable entries
//! (processes that exited, other users' fds) are skipped, never fatal.
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// One listening socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Listener {
    /// Local port.
    pub port: u16,
    /// Socket inode.
    pub inode: u64,
}

const LISTEN: &str = "0A";
const MAX_TABLE: u64 = 64 * 1024 * 1024;

/// Parses one `/proc/net/tcp` or `tcp6` table, keeping LISTEN rows.
pub fn parse_table(text: &str) -> Vec<Listener> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            if *fields.get(3)? != LISTEN {
                return None;
            }
            let (_, port) = local.rsplit_once(':')?;
            Some(Listener {
                port: u16::from_str_radix(port, 16).ok()?,
                inode: fields.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// Listening sockets in the network namespace of `/proc/<pid>` (or `/proc/net` for `None`).
pub fn listeners(proc_root: &Path, pid: Option<u32>) -> Vec<Listener> {
    let base = match pid {
        Some(pid) => proc_root.join(pid.to_string()).join("net"),
        None => proc_root.join("net"),
    };
    ["tcp", "tcp6"]
        .iter()
        .filter_map(|name| tw_fs::read_to_string_bounded(base.join(name), MAX_TABLE).ok())
        .flat_map(|text| parse_table(&text))
        .collect()
}

/// `root` and every process descending from it (by the ppid field of `/proc/PID/stat`).
pub fn process_tree(proc_root: &Path, root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir(proc_root) {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = tw_fs::read_to_string_bounded(entry.path().join("stat"), 64 * 1024)
            else {
                continue;
            };
            // The command name is in parentheses and may hold spaces: fields follow the last ')'.
            let Some((_, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            if let Some(ppid) = rest
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok())
            {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut tree = vec![root];
    let mut index = 0;
    while let Some(&pid) = tree.get(index) {
        if let Some(kids) = children.get(&pid) {
            tree.extend(kids.iter().copied().filter(|k| *k != root));
        }
        index += 1;
        if tree.len() > 1_000_000 {
            break;
        }
    }
    tree
}

/// Socket inodes held open by `pid`.
fn socket_inodes(proc_root: &Path, pid: u32) -> HashSet<u64> {
    let mut inodes = HashSet::new();
    if let Ok(entries) = std::fs::read_dir(proc_root.join(pid.to_string()).join("fd")) {
        for entry in entries.flatten() {
            if let Ok(target) = std::fs::read_link(entry.path()) {
                let text = target.to_string_lossy();
                if let Some(inode) = text
                    .strip_prefix("socket:[")
                    .and_then(|t| t.strip_suffix(']'))
                {
                    if let Ok(inode) = inode.parse() {
                        inodes.insert(inode);
                    }
                }
            }
        }
    }
    inodes
}

/// Ports the process tree under `root` listens on.
pub fn tree_ports(proc_root: &Path, root: u32) -> BTreeSet<u16> {
    let mut ports = BTreeSet::new();
    for pid in process_tree(proc_root, root) {
        let inodes = socket_inodes(proc_root, pid);
        if inodes.is_empty() {
            continue;
        }
        for listener in listeners(proc_root, Some(pid)) {
            if inodes.contains(&listener.inode) {
                ports.insert(listener.port);
            }
        }
    }
    ports
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keeps_listen_rows_with_port_and_inode() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:733C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:733C 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 4243 1\n";
        assert_eq!(
            parse_table(table),
            [Listener {
                port: 29500,
                inode: 4242
            }]
        );
        assert!(parse_table("header\ngarbage line\n").is_empty());
    }

    #[test]
    fn own_listener_is_found_in_own_tree() {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        let ports = tree_ports(Path::new("/proc"), std::process::id());
        assert!(ports.contains(&port), "{ports:?} lacks {port}");
    }
}
