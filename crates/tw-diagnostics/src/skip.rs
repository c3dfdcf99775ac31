//! Inputs a command passed over without analysing them, and why: files that vanished while a
//! tree was walked, special files (FIFOs, sockets, devices) met in a walk, symbolic links that
//! lead nowhere, in a loop or outside the roots. Never silent: each is counted in the summary,
//! listed in JSON and, on request, in text.
use serde::{Deserialize, Serialize};
use std::fmt;

/// One input passed over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkippedInput {
    /// The path as the walk found it.
    pub path: String,
    /// Why it was passed over.
    pub reason: SkipReason,
}

/// Why an input was passed over. Serialised in kebab-case (`dangling-link`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SkipReason {
    /// Listed by the walk, gone when opened (a build cleaning up, a checkpoint rotated).
    Vanished,
    /// A named pipe: reading it could block forever.
    Fifo,
    /// A Unix-domain socket.
    Socket,
    /// A character or block device.
    Device,
    /// A symbolic link whose target does not exist.
    DanglingLink,
    /// A symbolic link that resolves back to itself (`ELOOP`) or to a directory already on the
    /// walk's path.
    LinkLoop,
    /// A symbolic link to a directory, not followed without `--follow-symlinks`.
    DirectoryLink,
    /// A symbolic link leading outside the roots given (`--no-follow-outside`).
    OutsideRoots,
}

impl SkipReason {
    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Vanished => "vanished",
            SkipReason::Fifo => "fifo",
            SkipReason::Socket => "socket",
            SkipReason::Device => "device",
            SkipReason::DanglingLink => "dangling-link",
            SkipReason::LinkLoop => "link-loop",
            SkipReason::DirectoryLink => "directory-link",
            SkipReason::OutsideRoots => "outside-roots",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Vanished => "vanished while the tree was walked",
            SkipReason::Fifo => "a FIFO (named pipe)",
            SkipReason::Socket => "a socket",
            SkipReason::Device => "a device",
            SkipReason::DanglingLink => "a symbolic link to nothing",
            SkipReason::LinkLoop => "a symbolic link loop",
            SkipReason::DirectoryLink => {
                "a symbolic link to a directory (--follow-symlinks walks it)"
            }
            SkipReason::OutsideRoots => "a symbolic link leading outside the paths given",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialise_as_their_names() -> Result<(), serde_json::Error> {
        for reason in [
            SkipReason::Vanished,
            SkipReason::Fifo,
            SkipReason::Socket,
            SkipReason::Device,
            SkipReason::DanglingLink,
            SkipReason::LinkLoop,
            SkipReason::DirectoryLink,
            SkipReason::OutsideRoots,
        ] {
            assert_eq!(
                serde_json::to_string(&reason)?,
                format!("\"{}\"", reason.as_str())
            );
        }
        Ok(())
    }
}
