//! The state file (`/run/torchward/firewall.json` by default; the path is a parameter so tests
//! use their own): what torchward applied, with which backend, for which process, so that
//! `firewall remove` and the next start can clean up after a crash. It is written atomically
//! (tw-fs: temp + rename, mode 640, directory 750) after the rules are verified, and removed
//! after they are removed. Its `ports` array is what `audit host` reads to know a port is
//! covered.
use crate::plan::{Backend, Plan};
use crate::port::PortRange;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Default location (research b10: `/run/torchward/`, a tmpfs that a reboot clears together
/// with the rules themselves).
pub const DEFAULT_PATH: &str = "/run/torchward/firewall.json";
/// Version of the file's shape.
pub const VERSION: u32 = 1;
/// Largest state file read back.
const MAX_BYTES: u64 = 1024 * 1024;

/// What was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Shape version ([`VERSION`]).
    pub version: u32,
    /// Backend used.
    pub backend: Backend,
    /// Whether the table is an nft owner table (it vanishes with the process `pid`).
    pub owner: bool,
    /// The `torchward run` process holding the rules, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pid: Option<u32>,
    /// Seconds since the Unix epoch when the rules were applied.
    pub applied_at: u64,
    /// Restricted ports (also inside `plan`; kept at top level for `audit host`).
    pub ports: Vec<PortRange>,
    /// The objects created (`table inet torchward`, `iptables chain TORCHWARD-IN`, ...).
    pub objects: Vec<String>,
    /// The plan applied.
    pub plan: Plan,
}

/// The state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] tw_fs::Error),
    /// Deleting the file failed.
    #[error("cannot delete {path}: {source}", path = path.display())]
    Delete {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a state file of this version.
    #[error("{path}: not a torchward firewall state file: {reason}", path = path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
}

impl State {
    /// A state record stamped with the current time.
    pub fn new(backend: Backend, plan: &Plan, owner: bool, pid: Option<u32>) -> State {
        let applied_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let objects = match backend {
            Backend::Nft => vec![format!("nft table inet {}", crate::nft::TABLE)],
            Backend::Iptables => vec![
                "iptables chain TORCHWARD-IN (jump first in INPUT)".to_owned(),
                "ip6tables chain TORCHWARD-IN6 (jump first in INPUT)".to_owned(),
            ],
        };
        State {
            version: VERSION,
            backend,
            owner,
            pid,
            applied_at,
            ports: plan.ports().to_vec(),
            objects,
            plan: plan.clone(),
        }
    }

    /// Writes the file atomically (replacing an older one, creating `/run/torchward` 0750).
    pub fn write(&self, path: &Path) -> Result<(), StateError> {
        let mut text = serde_json::to_string_pretty(self).map_err(|err| StateError::Malformed {
            path: path.to_owned(),
            reason: err.to_string(),
        })?;
        text.push('\n');
        tw_fs::write_atomic(
            path,
            text.as_bytes(),
            tw_fs::WriteOptions::new().force(true).create_parents(true),
        )?;
        Ok(())
    }

    /// Reads the file; `Ok(None)` when there is none.
    pub fn read(path: &Path) -> Result<Option<State>, StateError> {
        if !path.exists() {
            return Ok(None);
        }
        let text = tw_fs::read_to_string_bounded(path, MAX_BYTES)?;
        let state: State = serde_json::from_str(&text).map_err(|err| StateError::Malformed {
            path: path.to_owned(),
            reason: err.to_string(),
        })?;
        if state.version != VERSION {
            return Err(StateError::Malformed {
                path: path.to_owned(),
                reason: format!("version {} (expected {VERSION})", state.version),
            });
        }
        Ok(Some(state))
    }

    /// Deletes the file if present.
    pub fn delete(path: &Path) -> Result<(), StateError> {
        match std::fs::remove_file(path) {
            Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                Err(StateError::Delete {
                    path: path.to_owned(),
                    source,
                })
            }
            _ => Ok(()),
        }
    }
}
