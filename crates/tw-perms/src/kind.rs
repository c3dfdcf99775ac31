//! The kinds of path in the security statement's §4 permission table, each with the most
//! permissive mode it allows. The table is this one enum; classification, checks, `--explain`
//! and the docs all read it from here.
use serde::{Deserialize, Serialize};
use std::fmt;

/// One row of the §4 table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// User home directory (750).
    HomeDir,
    /// Program files: scripts, libraries, executables (550).
    ProgramFile,
    /// Program directories (550).
    ProgramDir,
    /// Configuration files (640).
    ConfigFile,
    /// Configuration directories (750).
    ConfigDir,
    /// Log files, finished or archived (440).
    LogFinished,
    /// Log files being written (640).
    LogActive,
    /// Log directories (750).
    LogDir,
    /// Debug files: profiler output, dumps, core files (640).
    DebugFile,
    /// Debug directories (750).
    DebugDir,
    /// Temporary directories (750).
    TempDir,
    /// Maintenance and upgrade directories (770).
    MaintenanceDir,
    /// Business data files: checkpoints, datasets (640).
    DataFile,
    /// Business data directories (750).
    DataDir,
    /// Key material, private keys, certificates, ciphertext: files (600).
    KeyFile,
    /// Key material directories (700).
    KeyDir,
    /// Encryption and decryption interfaces and scripts (500).
    CryptoScript,
}

impl Kind {
    /// Every kind, in table order.
    pub const ALL: [Kind; 17] = [
        Kind::HomeDir,
        Kind::ProgramFile,
        Kind::ProgramDir,
        Kind::ConfigFile,
        Kind::ConfigDir,
        Kind::LogFinished,
        Kind::LogActive,
        Kind::LogDir,
        Kind::DebugFile,
        Kind::DebugDir,
        Kind::TempDir,
        Kind::MaintenanceDir,
        Kind::DataFile,
        Kind::DataDir,
        Kind::KeyFile,
        Kind::KeyDir,
        Kind::CryptoScript,
    ];

    /// The most permissive mode the statement allows.
    pub fn max_mode(self) -> u32 {
        match self {
            Kind::HomeDir
            | Kind::ConfigDir
            | Kind::LogDir
            | Kind::DebugDir
            | Kind::TempDir
            | Kind::DataDir => 0o750,
            Kind::ProgramFile | Kind::ProgramDir => 0o550,
            Kind::ConfigFile | Kind::LogActive | Kind::DebugFile | Kind::DataFile => 0o640,
            Kind::LogFinished => 0o440,
            Kind::MaintenanceDir => 0o770,
            Kind::KeyFile => 0o600,
            Kind::KeyDir => 0o700,
            Kind::CryptoScript => 0o500,
        }
    }

    /// The kebab-case name used in policy files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::HomeDir => "home-dir",
            Kind::ProgramFile => "program-file",
            Kind::ProgramDir => "program-dir",
            Kind::ConfigFile => "config-file",
            Kind::ConfigDir => "config-dir",
            Kind::LogFinished => "log-finished",
            Kind::LogActive => "log-active",
            Kind::LogDir => "log-dir",
            Kind::DebugFile => "debug-file",
            Kind::DebugDir => "debug-dir",
            Kind::TempDir => "temp-dir",
            Kind::MaintenanceDir => "maintenance-dir",
            Kind::DataFile => "data-file",
            Kind::DataDir => "data-dir",
            Kind::KeyFile => "key-file",
            Kind::KeyDir => "key-dir",
            Kind::CryptoScript => "crypto-script",
        }
    }

    /// Whether the kind is a directory kind.
    pub fn is_dir(self) -> bool {
        matches!(
            self,
            Kind::HomeDir
                | Kind::ProgramDir
                | Kind::ConfigDir
                | Kind::LogDir
                | Kind::DebugDir
                | Kind::TempDir
                | Kind::MaintenanceDir
                | Kind::DataDir
                | Kind::KeyDir
        )
    }

    /// Whether the kind holds secrets (its findings are raised to high).
    pub fn is_secret(self) -> bool {
        matches!(self, Kind::KeyFile | Kind::KeyDir | Kind::CryptoScript)
    }

    /// Parses a kebab-case name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_statement() {
        let table: Vec<(&str, u32)> = Kind::ALL
            .iter()
            .map(|k| (k.as_str(), k.max_mode()))
            .collect();
        assert_eq!(
            table,
            vec![
                ("home-dir", 0o750),
                ("program-file", 0o550),
                ("program-dir", 0o550),
                ("config-file", 0o640),
                ("config-dir", 0o750),
                ("log-finished", 0o440),
                ("log-active", 0o640),
                ("log-dir", 0o750),
                ("debug-file", 0o640),
                ("debug-dir", 0o750),
                ("temp-dir", 0o750),
                ("maintenance-dir", 0o770),
                ("data-file", 0o640),
                ("data-dir", 0o750),
                ("key-file", 0o600),
                ("key-dir", 0o700),
                ("crypto-script", 0o500),
            ]
        );
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
    }
}
