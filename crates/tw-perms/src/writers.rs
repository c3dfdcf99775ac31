//! Which files some process holds open for writing (statement §4 separates logs "being
//! written", 640, from finished logs, 440; host-hardening.md b7: decide from reality, not
//! names). Read once, lazily, from `/proc/PID/fd` links and the `flags:` line of
//! `/proc/PID/fdinfo/N` (proc(5)); the result is a set of (device, inode).
use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;

/// `O_ACCMODE` bits of the fdinfo `flags:` value (octal): 1 = write-only, 2 = read-write.
const ACCMODE: u32 = 0o3;

/// (device, inode) of every regular file open for writing by a visible process.
pub fn open_for_writing() -> HashSet<(u64, u64)> {
    let mut set = HashSet::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return set;
    };
    for proc in procs.flatten() {
        let name = proc.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            if !target.is_absolute() {
                continue; // sockets, pipes, anon inodes
            }
            let fd_name = fd.file_name();
            let Some(fd_name) = fd_name.to_str() else {
                continue;
            };
            let Ok(info) = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd_name}")) else {
                continue;
            };
            let writable = info
                .lines()
                .find_map(|line| line.strip_prefix("flags:"))
                .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
                .is_some_and(|flags| flags & ACCMODE != 0);
            if !writable {
                continue;
            }
            // metadata() follows the magic link to the very inode the process holds.
            if let Ok(meta) = std::fs::metadata(fd.path()) {
                if meta.is_file() {
                    set.insert((meta.dev(), meta.ino()));
                }
            }
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sees_our_own_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.log");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"x").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let set = open_for_writing();
        assert!(set.contains(&(meta.dev(), meta.ino())));
        drop(file);
        let reader = std::fs::File::open(&path).unwrap();
        assert!(!open_for_writing().contains(&(meta.dev(), meta.ino())));
        drop(reader);
    }
}
