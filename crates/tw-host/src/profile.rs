//! Profiles and the site overlay (host-hardening.md b6). `baseline` checks the statement as
//! written; `strict` also requires a hard core limit of 0, fails unexpected listeners of a
//! training tree, assumes the newer 32-port HCCL span and raises the beyond-statement sysctls.
//! The overlay is a TOML file holding only a site's differences and its skips; each skip
//! carries a reason and an optional expiry after which the real result comes back.
use crate::date;
use crate::error::ConfigError;
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// The largest overlay file read (a profile is a few hundred bytes of TOML).
const MAX_OVERLAY_BYTES: u64 = 1 << 20;

/// A built-in profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The statement as written.
    #[default]
    Baseline,
    /// The statement plus the measured lessons of host-hardening.md.
    Strict,
}

impl Profile {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Baseline => "baseline",
            Profile::Strict => "strict",
        }
    }

    /// The HCCL span this profile assumes when none is given: 16 ports in the statement, 32
    /// in CANN 9.0 and later (host-hardening.md finding 11).
    pub fn default_hccl_count(self) -> u32 {
        match self {
            Profile::Baseline => 16,
            Profile::Strict => 32,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "baseline" => Ok(Profile::Baseline),
            "strict" => Ok(Profile::Strict),
            _ => Err(ConfigError::Profile {
                given: s.to_owned(),
            }),
        }
    }
}

/// One skip: a rule, optionally one subject of it, why, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skip {
    /// The rule ID (`TW209`).
    pub id: String,
    /// One subject only: a path (`/proc/sys/kernel/kptr_restrict`), a sysctl key, an
    /// endpoint (`[::]:29500`) or a PID, matched against the finding's location and evidence.
    #[serde(default)]
    pub subject: Option<String>,
    /// Why, required.
    pub reason: String,
    /// `YYYY-MM-DD`; from this day on the skip no longer applies.
    #[serde(default)]
    pub until: Option<String>,
}

/// The site overlay file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// The profile to start from.
    #[serde(default)]
    pub profile: Option<Profile>,
    /// `HCCL_IF_BASE_PORT` of this site's jobs.
    #[serde(default)]
    pub hccl_base_port: Option<u32>,
    /// 16 or 32 (CANN version).
    #[serde(default)]
    pub hccl_port_count: Option<u32>,
    /// Further training ports.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Skips.
    #[serde(default)]
    pub skip: Vec<Skip>,
}

impl Overlay {
    /// Parses overlay TOML; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Overlay, ConfigError> {
        let overlay: Overlay = toml::from_str(text).map_err(|err| ConfigError::OverlayParse {
            path: path.to_owned(),
            message: err.to_string(),
        })?;
        for skip in &overlay.skip {
            let bad = |what: &str| ConfigError::Skip {
                path: path.to_owned(),
                id: skip.id.clone(),
                what: what.to_owned(),
            };
            if skip.reason.trim().is_empty() {
                return Err(bad("a reason is required"));
            }
            if let Some(until) = &skip.until {
                if !date::is_iso_date(until) {
                    return Err(bad("`until` must be a YYYY-MM-DD date"));
                }
            }
        }
        Ok(overlay)
    }

    /// Reads and parses the overlay file at `path` (a real path, not under the system root).
    pub fn load(path: &std::path::Path) -> Result<Overlay, ConfigError> {
        let shown = path.display().to_string();
        // Non-blocking and regular files only: a FIFO named --overlay is refused, never waited on.
        let text = tw_fs::read_to_string_bounded(path, MAX_OVERLAY_BYTES).map_err(|err| {
            ConfigError::OverlayRead {
                path: shown.clone(),
                source: match err {
                    tw_fs::Error::Io { source, .. } => source,
                    other => std::io::Error::other(other.to_string()),
                },
            }
        })?;
        Overlay::parse(&shown, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overlay_with_skips() {
        let text = r#"
profile = "strict"
hccl_port_count = 16
ports = [1234]
[[skip]]
id = "TW212"
subject = "kernel.dmesg_restrict"
reason = "support needs dmesg"
until = "2027-01-01"
"#;
        let overlay = Overlay::parse("o.toml", text).unwrap();
        assert_eq!(overlay.profile, Some(Profile::Strict));
        assert_eq!(overlay.skip.len(), 1);
        assert_eq!(overlay.ports, vec![1234]);
    }

    #[test]
    fn rejects_skips_without_reason_or_with_bad_dates_and_unknown_keys() {
        let err = Overlay::parse("o", "[[skip]]\nid='TW201'\nreason=' '\n").unwrap_err();
        assert!(err.to_string().contains("reason"));
        let err =
            Overlay::parse("o", "[[skip]]\nid='TW201'\nreason='r'\nuntil='soon'\n").unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD"));
        assert!(Overlay::parse("o", "profil = 'strict'\n").is_err());
        assert!("paranoid".parse::<Profile>().is_err());
    }
}
