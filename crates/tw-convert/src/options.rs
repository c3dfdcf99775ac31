//! What a conversion is configured with: the user's extra globals (never in the always-blocked
//! modules, never a known-dangerous callable), naming, what to do with non-tensor values, and
//! the limits. The defaults are the safe ones.

use tw_pickle::Allowlist;

use crate::error::ConvertError;

/// Settings of one conversion.
#[allow(clippy::struct_excessive_bools)] // one per command-line switch
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Name of the tensor when the checkpoint (or `.npy`) is a bare tensor (`--name`).
    pub bare_name: String,
    /// Drop values that cannot go into `__metadata__` instead of refusing (`--drop-non-tensors`).
    pub drop_non_tensors: bool,
    /// Write identical aliases (same storage, offset, shape, strides, dtype) once (`--dedupe`).
    pub dedupe: bool,
    /// Re-read the output and compare every tensor with the source before committing it.
    pub verify: bool,
    /// Replace an existing output file (`--force`).
    pub force: bool,
    /// Create missing parent directories of the output (mode 0750).
    pub create_parents: bool,
    /// Container limits.
    pub checkpoint: tw_checkpoint::Options,
    /// Pickle limits.
    pub pickle_limits: tw_pickle::Limits,
    /// Largest output, as a multiple of the input size (plus `output_slack` bytes): bounds what
    /// stride-0 or overlapping views can expand to.
    pub max_output_ratio: u64,
    /// Bytes allowed on top of `max_output_ratio * input size`.
    pub output_slack: u64,
    allowlist: Allowlist,
    allowed: Vec<String>,
    profiles: Vec<&'static str>,
    containers: Vec<String>,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        let mut options = ConvertOptions {
            bare_name: "tensor".to_owned(),
            drop_non_tensors: false,
            dedupe: false,
            verify: false,
            force: false,
            create_parents: false,
            checkpoint: tw_checkpoint::Options::default(),
            pickle_limits: tw_pickle::Limits::default(),
            max_output_ratio: 4,
            output_slack: 1 << 30,
            allowlist: Allowlist::new(),
            allowed: Vec::new(),
            profiles: Vec::new(),
            containers: Vec::new(),
        };
        for profile in tw_pickle::profiles::PROFILES.iter().filter(|p| p.default) {
            options.add_profile(profile);
        }
        options
    }
}

impl ConvertOptions {
    /// Accepts the extra global `module.Name` (`--allow-global`). Globals in `sys`, `os`,
    /// `posix`, `nt` and callables torchward knows to be dangerous are refused.
    pub fn allow_global(&mut self, key: &str) -> Result<(), ConvertError> {
        if let Some((module, name)) = key.rsplit_once('.') {
            if let Some(reason) = tw_pickle::dangerous_reason(module, name) {
                return Err(ConvertError::AllowGlobal {
                    key: key.to_owned(),
                    reason: format!("a dangerous callable ({reason}) is never allowed"),
                });
            }
        }
        self.allowlist
            .allow(key)
            .map_err(|e| ConvertError::AllowGlobal {
                key: key.to_owned(),
                reason: e.to_string(),
            })?;
        if !self.allowed.iter().any(|k| k == key) {
            self.allowed.push(key.to_owned());
            self.containers.push(key.to_owned());
        }
        Ok(())
    }

    /// Accepts the globals of the profile `name` (`--profile`): its classes are read as
    /// containers, its enums as their values, never constructed.
    pub fn profile(&mut self, name: &str) -> Result<(), ConvertError> {
        let profile =
            tw_pickle::profiles::profile(name).ok_or_else(|| ConvertError::UnknownProfile {
                name: name.to_owned(),
                known: tw_pickle::profiles::profile_names().join(", "),
            })?;
        self.add_profile(profile);
        Ok(())
    }

    fn add_profile(&mut self, profile: &'static tw_pickle::profiles::FrameworkProfile) {
        if self.profiles.contains(&profile.name) {
            return;
        }
        self.profiles.push(profile.name);
        for global in profile.all_globals() {
            // Profile entries are tested never to be blocked or dangerous.
            if self.allowlist.allow(global.key).is_ok()
                && !self.containers.iter().any(|k| k == global.key)
            {
                self.containers.push(global.key.to_owned());
            }
        }
    }

    /// The profiles in force (the default ones first), recorded in the output metadata.
    pub fn profiles(&self) -> &[&'static str] {
        &self.profiles
    }

    /// Every extra global (the user's and the profiles'): what the reader walks as data.
    pub(crate) fn containers(&self) -> &[String] {
        &self.containers
    }

    /// The allowlist (torch's plus the user's globals).
    pub fn allowlist(&self) -> &Allowlist {
        &self.allowlist
    }

    /// The user's extra globals, in the order given (recorded in the output metadata).
    pub fn allowed_globals(&self) -> &[String] {
        &self.allowed
    }

    /// Pickle options for the given profile with these limits and this allowlist.
    pub(crate) fn parse_options(&self, profile: tw_pickle::Profile) -> tw_pickle::ParseOptions {
        tw_pickle::ParseOptions {
            profile,
            limits: self.pickle_limits,
            allowlist: self.allowlist.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_global_refuses_blocked_and_dangerous() {
        let mut options = ConvertOptions::default();
        assert!(options.allow_global("argparse.Namespace").is_ok());
        assert!(options.allow_global("argparse.Namespace").is_ok());
        assert_eq!(options.allowed_globals(), ["argparse.Namespace"]);
        for bad in ["os.system", "posix.system", "builtins.eval", "nodot"] {
            assert!(
                matches!(
                    options.allow_global(bad),
                    Err(ConvertError::AllowGlobal { .. })
                ),
                "{bad}"
            );
        }
        assert!(options.allowlist().contains("argparse", "Namespace"));
    }
}
