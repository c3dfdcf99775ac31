//! Whether a torchward firewall covers a port, read from the state files `torchward firewall
//! apply` and `torchward run` leave under `/run/torchward/` (issue 4). The reader is tolerant
//! of the file's exact shape: it collects every array named `ports` (numbers, `"a-b"` strings
//! or `{start, end}` objects) anywhere in each JSON file, so a covered port is only ever
//! claimed when a state file names it (and, when the file names a holder `pid`, that process
//! is still alive). A state file of `torchward run` also names the job's cgroup
//! (`plan.cgroup.path`): every socket of a process in that cgroup is covered, whatever its
//! port. State files outside the directory (`--state-file`) are read too.
use crate::ports::PortRange;
use crate::root::SystemRoot;
use serde_json::Value;

/// Where the firewall keeps its state (issue 4: "a state file under /run/torchward/").
pub const STATE_DIR: &str = "/run/torchward";

/// The ports torchward's firewall state says are restricted to peers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cover {
    /// State files read.
    pub files: Vec<String>,
    /// Ports they cover.
    pub ports: Vec<PortRange>,
    /// Each covering file with its ports and the job cgroup it restricts (`torchward run`).
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    file: String,
    ports: Vec<PortRange>,
    cgroup: Option<String>,
}

impl Cover {
    /// Reads every `*.json` under [`STATE_DIR`] and each of `extra` (absolute paths, from
    /// `--state-file`); unreadable or malformed files cover nothing.
    pub fn read(root: &SystemRoot, extra: &[String]) -> Cover {
        let mut cover = Cover::default();
        let mut paths: Vec<String> = root
            .list(STATE_DIR)
            .unwrap_or_default()
            .iter()
            .filter(|name| {
                std::path::Path::new(name)
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
            })
            .map(|name| format!("{STATE_DIR}/{name}"))
            .collect();
        paths.extend(
            extra
                .iter()
                .filter(|p| !paths.contains(p))
                .cloned()
                .collect::<Vec<_>>(),
        );
        for path in paths {
            let Ok(text) = root.read(&path) else { continue };
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            // A state file naming a holder process (`torchward run`, an nft owner table) is
            // stale once that process is gone: its rules went with it.
            let holder = value.get("pid").and_then(Value::as_u64);
            if holder.is_some_and(|pid| !root.path(&format!("/proc/{pid}")).exists()) {
                continue;
            }
            let mut ports = Vec::new();
            collect(&value, &mut ports, 0);
            let cgroup = value
                .get("plan")
                .and_then(|plan| plan.get("cgroup"))
                .and_then(|cgroup| cgroup.get("path"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if !ports.is_empty() || cgroup.is_some() {
                cover.files.push(path.clone());
                cover.ports.extend_from_slice(&ports);
                cover.entries.push(Entry {
                    file: path,
                    ports,
                    cgroup,
                });
            }
        }
        cover
    }

    /// The state file covering `port`, if any.
    pub fn covering(&self, port: u16) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.ports.iter().any(|range| range.contains(port)))
            .map(|e| e.file.as_str())
    }

    /// The state file covering a socket on `port` held by processes in the cgroups
    /// `owner_cgroups` (paths from `/proc/PID/cgroup`, `0::/torchward/run-7`): by its port, or
    /// because the socket belongs to the job cgroup a `torchward run` restricts.
    pub fn covering_socket(&self, port: u16, owner_cgroups: &[String]) -> Option<&str> {
        self.covering(port).or_else(|| {
            self.entries
                .iter()
                .find(|e| {
                    e.cgroup.as_deref().is_some_and(|job| {
                        owner_cgroups.iter().any(|owner| same_cgroup(job, owner))
                    })
                })
                .map(|e| e.file.as_str())
        })
    }
}

/// Whether the cgroup nft names (relative to `/sys/fs/cgroup`, e.g. `unified/torchward/run-7`)
/// and one from `/proc/PID/cgroup` (relative to the cgroup2 root, `/torchward/run-7`, or a
/// child of it) are the same job cgroup: they agree on the `torchward/run-N` part.
fn same_cgroup(job: &str, owner: &str) -> bool {
    let Some(index) = job.find("torchward/run-") else {
        return false;
    };
    let Some(tail) = job.get(index..) else {
        return false;
    };
    let owner = owner.trim_end();
    owner.ends_with(&format!("/{tail}")) || owner.contains(&format!("/{tail}/"))
}

/// The cgroup v2 path of `pid` (the `0::PATH` line of `/proc/PID/cgroup`), if readable.
pub fn cgroup_of(root: &SystemRoot, pid: u32) -> Option<String> {
    root.read(&format!("/proc/{pid}/cgroup"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("0::").map(str::to_owned))
}

fn collect(value: &Value, out: &mut Vec<PortRange>, depth: usize) {
    // JSON from serde_json is already depth-limited (128); this bound keeps recursion explicit.
    if depth > 32 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if key == "ports" {
                    if let Value::Array(items) = item {
                        out.extend(items.iter().filter_map(port_item));
                    }
                } else {
                    collect(item, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect(item, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn port_item(item: &Value) -> Option<PortRange> {
    match item {
        Value::Number(number) => number
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .map(PortRange::single),
        Value::String(text) => text.parse::<PortRange>().ok(),
        Value::Object(map) => {
            let get = |key: &str| map.get(key)?.as_u64().and_then(|n| u16::try_from(n).ok());
            let start = get("start")?;
            let end = get("end").unwrap_or(start);
            (start <= end).then_some(PortRange { start, end })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_ports_of_any_shape() {
        let dir = tempfile::tempdir().unwrap();
        let root = SystemRoot::new(dir.path());
        std::fs::create_dir_all(root.path(STATE_DIR)).unwrap();
        std::fs::write(
            root.path("/run/torchward/firewall.json"),
            r#"{"backend":"nft","rules":{"ports":[29500,"60000-60015",{"start":29400}]}}"#,
        )
        .unwrap();
        std::fs::write(root.path("/run/torchward/bad.json"), "{").unwrap();
        std::fs::write(
            root.path("/run/torchward/stale.json"),
            r#"{"pid":99999,"owner":true,"ports":[{"start":61000,"end":61001}]}"#,
        )
        .unwrap();
        let cover = Cover::read(&root, &[]);
        assert_eq!(cover.covering(29500), Some("/run/torchward/firewall.json"));
        assert!(cover.covering(60015).is_some());
        assert!(cover.covering(29400).is_some());
        assert!(cover.covering(60016).is_none());
        assert!(
            cover.covering(61000).is_none(),
            "stale state of a dead holder covers nothing"
        );
    }

    #[test]
    fn a_custom_state_file_and_a_job_cgroup_cover_sockets() {
        let dir = tempfile::tempdir().unwrap();
        let root = SystemRoot::new(dir.path());
        std::fs::create_dir_all(root.path("/etc/tw")).unwrap();
        std::fs::create_dir_all(root.path(&format!("/proc/{}", std::process::id()))).unwrap();
        std::fs::write(
            root.path("/etc/tw/job.json"),
            format!(
                r#"{{"pid":{},"ports":[29500],"plan":{{"ports":[],"cgroup":{{"path":"unified/torchward/run-7","level":2}}}}}}"#,
                std::process::id()
            ),
        )
        .unwrap();
        assert!(Cover::read(&root, &[]).covering(29500).is_none());
        let cover = Cover::read(&root, &["/etc/tw/job.json".to_owned()]);
        assert_eq!(cover.covering(29500), Some("/etc/tw/job.json"));
        // A gloo listener on a random port of a process in the job's cgroup is covered.
        assert_eq!(
            cover.covering_socket(41831, &["/torchward/run-7".to_owned()]),
            Some("/etc/tw/job.json")
        );
        assert_eq!(
            cover.covering_socket(41831, &["/torchward/run-77".to_owned()]),
            None
        );
        assert_eq!(
            cover.covering_socket(41831, &["/user.slice".to_owned()]),
            None
        );
    }
}
