//! The site config of the Slurm prolog (`/etc/torchward/slurm.toml`, or the file
//! `TORCHWARD_SLURM_CONF` names): which ports a training job on this cluster listens on (the
//! torchrun master/rendezvous port, the HCCL span, extra ports), which extra peers may reach
//! them, the training interface and drop or reject. Every error names the file and the key.
use serde::Deserialize;
use std::path::{Path, PathBuf};
use tw_firewall::PortRange;

/// Default location.
pub const DEFAULT_PATH: &str = "/etc/torchward/slurm.toml";
/// The variable that overrides [`DEFAULT_PATH`].
pub const ENV_VAR: &str = "TORCHWARD_SLURM_CONF";
/// Largest config file read.
const MAX_BYTES: u64 = 256 * 1024;

/// The file as written (integers wide enough to report a bad value instead of a type error).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    master_port: Option<i64>,
    rendezvous_port: Option<i64>,
    hccl_base_port: Option<i64>,
    hccl_port_count: Option<i64>,
    #[serde(default)]
    extra_ports: Vec<toml::Value>,
    #[serde(default)]
    extra_peers: Vec<String>,
    interface: Option<String>,
    #[serde(default)]
    reject: bool,
}

/// The checked config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmConfig {
    /// Where it was read from.
    pub path: PathBuf,
    /// Restricted ports, normalised (never empty).
    pub ports: Vec<PortRange>,
    /// Addresses, networks or names allowed in besides the job's nodes.
    pub extra_peers: Vec<String>,
    /// Training interface: peers are accepted only when they arrive on it.
    pub interface: Option<String>,
    /// Answer non-peers with a TCP reset instead of dropping.
    pub reject: bool,
}

/// The config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading failed (missing, unreadable, too large).
    #[error(transparent)]
    Read(#[from] tw_fs::Error),
    /// Not TOML, or a key this version does not know.
    #[error("{path}: {reason}", path = path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (it names the key and line).
        reason: String,
    },
    /// A key holds a value that cannot be used.
    #[error("{path}: `{key}`: {reason}", path = path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl SlurmConfig {
    /// The path to read: `TORCHWARD_SLURM_CONF` when set and not empty, else [`DEFAULT_PATH`].
    pub fn path_from_env(value: Option<&std::ffi::OsStr>) -> PathBuf {
        value
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_PATH), PathBuf::from)
    }

    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<SlurmConfig, ConfigError> {
        let text = tw_fs::read_to_string_bounded(path, MAX_BYTES)?;
        SlurmConfig::parse(path, &text)
    }

    /// Checks `text` read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<SlurmConfig, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|err| ConfigError::Syntax {
            path: path.to_owned(),
            reason: err.to_string().trim().replace('\n', " "),
        })?;
        let bad = |key: &'static str, reason: String| ConfigError::Value {
            path: path.to_owned(),
            key,
            reason,
        };
        let port = |key: &'static str, value: i64| {
            u16::try_from(value)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad(key, format!("{value} is not a port (1-65535)")))
        };
        let mut ports = Vec::new();
        for (key, value) in [
            ("master_port", raw.master_port),
            ("rendezvous_port", raw.rendezvous_port),
        ] {
            if let Some(value) = value {
                ports.push(PortRange::single(port(key, value)?));
            }
        }
        match (raw.hccl_base_port, raw.hccl_port_count) {
            (Some(base), count) => {
                let base = port("hccl_base_port", base)?;
                let count = count.unwrap_or(16);
                let count = u16::try_from(count)
                    .ok()
                    .filter(|c| (1..=1024).contains(c))
                    .ok_or_else(|| {
                        bad(
                            "hccl_port_count",
                            format!("{count} is not a count of 1-1024 ports"),
                        )
                    })?;
                let span = PortRange::span(base, count).ok_or_else(|| {
                    bad(
                        "hccl_port_count",
                        format!("{count} ports from {base} run past 65535"),
                    )
                })?;
                ports.push(span);
            }
            (None, Some(_)) => {
                return Err(bad("hccl_port_count", "needs `hccl_base_port`".to_owned()))
            }
            (None, None) => {}
        }
        for value in &raw.extra_ports {
            let range = match value {
                toml::Value::Integer(n) => port("extra_ports", *n).map(PortRange::single)?,
                toml::Value::String(text) => text
                    .parse::<PortRange>()
                    .map_err(|err| bad("extra_ports", err.to_string()))?,
                other => {
                    return Err(bad(
                        "extra_ports",
                        format!("{other} is neither a port nor a range like \"8000-8010\""),
                    ))
                }
            };
            ports.push(range);
        }
        if ports.is_empty() {
            return Err(bad(
                "master_port",
                "no ports: set `master_port`, `rendezvous_port`, `hccl_base_port` or `extra_ports`"
                    .to_owned(),
            ));
        }
        if raw.extra_peers.len() > 4096 {
            return Err(bad("extra_peers", "more than 4096 entries".to_owned()));
        }
        Ok(SlurmConfig {
            path: path.to_owned(),
            ports: tw_firewall::port::normalize(ports),
            extra_peers: raw.extra_peers,
            interface: raw.interface,
            reject: raw.reject,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SlurmConfig, ConfigError> {
        SlurmConfig::parse(Path::new("/etc/torchward/slurm.toml"), text)
    }

    #[test]
    fn ports_come_from_every_key() {
        let config = parse(
            "master_port = 29500\nrendezvous_port = 29400\nhccl_base_port = 60000\nhccl_port_count = 32\nextra_ports = [8000, \"9000-9002\"]\nextra_peers = [\"10.0.0.0/24\"]\ninterface = \"ib0\"\nreject = true\n",
        )
        .unwrap();
        let ports: Vec<String> = config.ports.iter().map(ToString::to_string).collect();
        assert_eq!(
            ports,
            ["8000", "9000-9002", "29400", "29500", "60000-60031"]
        );
        assert_eq!(config.extra_peers, ["10.0.0.0/24"]);
        assert_eq!(config.interface.as_deref(), Some("ib0"));
        assert!(config.reject);
        let default_span = parse("hccl_base_port = 60000\n").unwrap();
        assert_eq!(default_span.ports, [PortRange::span(60000, 16).unwrap()]);
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        for (text, key) in [
            (
                "master_port = 70000\n",
                "`master_port`: 70000 is not a port",
            ),
            ("master_port = 0\n", "`master_port`"),
            ("rendezvous_port = -1\n", "`rendezvous_port`"),
            (
                "hccl_base_port = 65530\nhccl_port_count = 16\n",
                "`hccl_port_count`: 16 ports from 65530",
            ),
            ("hccl_port_count = 16\n", "`hccl_port_count`: needs"),
            (
                "hccl_base_port = 60000\nhccl_port_count = 0\n",
                "`hccl_port_count`",
            ),
            ("extra_ports = [\"9-1\"]\n", "`extra_ports`"),
            ("extra_ports = [1.5]\n", "`extra_ports`"),
            ("", "`master_port`: no ports"),
            ("master_prot = 1\n", "master_prot"),
            ("master_port = \"x\"\n", "master_port"),
            ("master_port = \n", "/etc/torchward/slurm.toml"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with("/etc/torchward/slurm.toml: "),
                "{text:?}: {err}"
            );
            assert!(err.contains(key), "{text:?}: {err}");
        }
    }

    #[test]
    fn the_path_comes_from_the_variable_when_set() {
        assert_eq!(SlurmConfig::path_from_env(None), Path::new(DEFAULT_PATH));
        assert_eq!(
            SlurmConfig::path_from_env(Some(std::ffi::OsStr::new(""))),
            Path::new(DEFAULT_PATH)
        );
        assert_eq!(
            SlurmConfig::path_from_env(Some(std::ffi::OsStr::new("/tmp/x.toml"))),
            Path::new("/tmp/x.toml")
        );
        let missing = SlurmConfig::load(Path::new("/nonexistent/torchward/slurm.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("/nonexistent/torchward/slurm.toml"),
            "{missing}"
        );
    }
}
