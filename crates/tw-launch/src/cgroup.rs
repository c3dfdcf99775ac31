//! The job's own cgroup (v2), so that one nft rule (`socket cgroupv2`) restricts every socket
//! the job's processes open, whatever port they pick (gloo, NCCL and c10d listeners on random
//! ports), from the first packet: the directory is made before the rule that names it is
//! loaded (nft resolves the path to the cgroup's ID at load time), and the supervisor joins it
//! before it starts the command, so every process of the job and every socket it creates
//! belong to it (sockets keep the cgroup of the process that created them; accepted
//! connections inherit their listener's).
//!
//! nft resolves a path under `/sys/fs/cgroup` and the kernel compares the ancestor at an
//! absolute `level` below the hierarchy root; so the cgroup2 mount must be at or under
//! `/sys/fs/cgroup` and be the hierarchy's root (inside a cgroup namespace the mount's root is
//! some inner cgroup whose depth is unknown, and a wrong level would match nothing). Where
//! that does not hold, [`JobCgroupDir::create`] says why and `run` falls back to watching
//! ports. Layout: `<cgroup2 mount>/torchward/run-<torchward PID>` (level 2).
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tw_firewall::JobCgroup;

/// Where nft looks cgroup paths up (nftables `src/datatype.c`, `SYSFS_CGROUPSV2_PATH`).
pub const NFT_CGROUP_BASE: &str = "/sys/fs/cgroup";

/// The job's cgroup directory, removed by [`JobCgroupDir::remove`] once the job is gone.
#[derive(Debug)]
pub struct JobCgroupDir {
    dir: PathBuf,
    rule: JobCgroup,
}

/// Why the job cannot have a cgroup the firewall can name.
#[derive(Debug, thiserror::Error)]
pub enum CgroupUnavailable {
    /// No cgroup2 file system is mounted.
    #[error("no cgroup v2 file system is mounted (in {mountinfo}; under `ip netns exec`, /sys is remounted without cgroups: use `nsenter --net=/run/netns/NAME`)")]
    NotMounted {
        /// The mount table read.
        mountinfo: String,
    },
    /// cgroup2 is mounted outside `/sys/fs/cgroup`, where nft cannot look it up.
    #[error("cgroup v2 is mounted at {mount}, outside {NFT_CGROUP_BASE} where nft looks cgroups up (under `ip netns exec`, /sys is remounted without cgroups: use `nsenter --net=/run/netns/NAME`)", mount = .mount.display())]
    OutsideBase {
        /// The mount point.
        mount: PathBuf,
    },
    /// The mount's root is not the hierarchy's root (a cgroup namespace).
    #[error("the cgroup v2 mount at {mount} is not the root of the hierarchy (a cgroup namespace): the job's depth, which the kernel compares, is unknown", mount = .mount.display())]
    NotRoot {
        /// The mount point.
        mount: PathBuf,
    },
    /// The directory could not be created or joined.
    #[error("cannot create the job's cgroup {path}: {source}", path = .path.display())]
    Create {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The path cannot be named in a rule.
    #[error(transparent)]
    Name(#[from] tw_firewall::CgroupError),
}

/// The cgroup2 mount point from a `/proc/self/mountinfo` text (proc(5): field 5 is the mount
/// point, the file system type follows the ` - ` separator).
pub fn cgroup2_mount(mountinfo: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        if right.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        let point = left.split_whitespace().nth(4)?;
        // mountinfo escapes space, tab, newline and backslash as octal (\040 ...).
        (!point.contains('\\')).then(|| PathBuf::from(point))
    })
}

impl JobCgroupDir {
    /// Makes `<mount>/torchward/run-<id>` (mode 0755, as cgroup directories are) after
    /// removing empty ones left by earlier runs that were killed.
    pub fn create(proc_root: &Path, id: u32) -> Result<JobCgroupDir, CgroupUnavailable> {
        let mountinfo_path = proc_root.join("self/mountinfo");
        let mountinfo =
            tw_fs::read_to_string_bounded(&mountinfo_path, 16 * 1024 * 1024).unwrap_or_default();
        let mount = cgroup2_mount(&mountinfo).ok_or_else(|| CgroupUnavailable::NotMounted {
            mountinfo: mountinfo_path.display().to_string(),
        })?;
        let relative = mount
            .strip_prefix(NFT_CGROUP_BASE)
            .map_err(|_| CgroupUnavailable::OutsideBase {
                mount: mount.clone(),
            })?
            .to_owned();
        // Files the kernel creates in every cgroup but the root (cgroup-v2.rst).
        if mount.join("cgroup.type").exists() || !mount.join("cgroup.procs").exists() {
            return Err(CgroupUnavailable::NotRoot { mount });
        }
        let parent = mount.join("torchward");
        let name = format!("run-{id}");
        let dir = parent.join(&name);
        let create = |path: &Path| match std::fs::create_dir(path) {
            Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => {
                Err(CgroupUnavailable::Create {
                    path: path.to_owned(),
                    source: err,
                })
            }
            _ => Ok(()),
        };
        create(&parent)?;
        sweep(&parent, proc_root);
        create(&dir)?;
        let nft_path = relative.join("torchward").join(&name);
        let rule = JobCgroup::new(&nft_path.to_string_lossy(), 2)?;
        Ok(JobCgroupDir { dir, rule })
    }

    /// The cgroup as the firewall rule names it.
    pub fn rule(&self) -> &JobCgroup {
        &self.rule
    }

    /// The directory (its `cgroup.procs` is what the supervisor joins).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the directory once the last process left it (the kernel refuses, EBUSY, while
    /// one remains); waits up to `limit`. Returns whether it is gone.
    pub fn remove(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            match std::fs::remove_dir(&self.dir) {
                Ok(()) => return true,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return true,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => return false,
            }
        }
    }
}

/// Removes empty `run-PID` cgroups of earlier runs whose torchward is gone (a killed torchward
/// leaves its directory). One of a live run is kept (it may be empty until its job starts),
/// and one still holding processes is refused by the kernel and stays.
fn sweep(parent: &Path, proc_root: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("run-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !proc_root.join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

/// Moves the calling process into the cgroup at `dir` (writing `0` to `cgroup.procs` moves the
/// writer, cgroup-v2.rst); its children are born there.
pub fn join(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join("cgroup.procs"), "0")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cgroup2_mount() {
        let hybrid = "30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n41 30 0:35 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";
        assert_eq!(
            cgroup2_mount(hybrid),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
        let pure =
            "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(cgroup2_mount(pure), Some(PathBuf::from("/sys/fs/cgroup")));
        assert_eq!(
            cgroup2_mount("30 25 0:26 / /sys rw - sysfs sysfs rw\n"),
            None
        );
        assert_eq!(cgroup2_mount("garbage"), None);
    }
}
