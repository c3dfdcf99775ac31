//! Whether a torchward firewall covers a port, read from the state files `torchward firewall
//! apply` and `torchward run` leave under `/run/torchward/` (issue 4). The reader is tolerant
//! of the file's exact shape: it collects every array named `ports` (numbers, `"a-b"` strings
//! or `{start, end}` objects) anywhere in each JSON file, so a covered port is only ever
//! claimed when a state file names it (and, when the file names a holder `pid`, that process
//! is still alive).
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
}

impl Cover {
    /// Reads every `*.json` under [`STATE_DIR`]; unreadable or malformed files cover nothing.
    pub fn read(root: &SystemRoot) -> Cover {
        let mut cover = Cover::default();
        let Ok(names) = root.list(STATE_DIR) else {
            return cover;
        };
        for name in names.iter().filter(|name| {
            std::path::Path::new(name)
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
        }) {
            let path = format!("{STATE_DIR}/{name}");
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
            let before = cover.ports.len();
            collect(&value, &mut cover.ports, 0);
            if cover.ports.len() > before {
                cover.files.push(path);
            }
        }
        cover
    }

    /// The state file covering `port`, if any.
    pub fn covering(&self, port: u16) -> Option<&str> {
        if self.ports.iter().any(|range| range.contains(port)) {
            self.files.first().map(String::as_str)
        } else {
            None
        }
    }
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
        let cover = Cover::read(&root);
        assert_eq!(cover.covering(29500), Some("/run/torchward/firewall.json"));
        assert!(cover.covering(60015).is_some());
        assert!(cover.covering(29400).is_some());
        assert!(cover.covering(60016).is_none());
        assert!(
            cover.covering(61000).is_none(),
            "stale state of a dead holder covers nothing"
        );
    }
}
