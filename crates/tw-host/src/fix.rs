//! The safe fixes `audit host --fix` applies: sysctl values written live and persisted in
//! /etc/sysctl.d/60-torchward.conf, and `UMASK` in /etc/login.defs. Every action is shown before
//! it runs (the caller prints the plan), touches only its own key or line, and after it the
//! same audit finds nothing to fix, so a second `--fix` has an empty plan.
use crate::error::{FixError, ProbeError};
use crate::root::SystemRoot;
use crate::sysctl::{self, PERSIST_FILE};
use std::fmt;
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use tw_fs::WriteOptions;

/// The login defaults file (login.defs(5)).
pub const LOGIN_DEFS: &str = "/etc/login.defs";

/// One change `--fix` makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixAction {
    /// Write `to` into `/proc/sys/<key>` and persist `key = to`.
    Sysctl {
        /// The sysctl key.
        key: String,
        /// The value seen.
        from: String,
        /// The value to set.
        to: String,
    },
    /// Set `UMASK` in /etc/login.defs.
    LoginDefsUmask {
        /// The value seen (None when unset).
        from: Option<String>,
        /// The value to set.
        to: String,
    },
}

impl fmt::Display for FixAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixAction::Sysctl { key, from, to } => {
                let from = if from.is_empty() { "empty" } else { from };
                write!(
                    f,
                    "sysctl -w {key}={to} (now {from}); persist `{key} = {to}` in {PERSIST_FILE}"
                )
            }
            FixAction::LoginDefsUmask { from, to } => write!(
                f,
                "set UMASK {to} in {LOGIN_DEFS} (now {})",
                from.as_deref().unwrap_or("unset")
            ),
        }
    }
}

/// Applies `actions` in order under `root`, stopping at the first failure. Returns the system
/// paths written.
pub fn apply(root: &SystemRoot, actions: &[FixAction]) -> Result<Vec<String>, FixError> {
    let mut written = Vec::new();
    let mut persisted: Vec<(&str, &str)> = Vec::new();
    for action in actions {
        match action {
            FixAction::Sysctl { key, to, .. } => {
                let path = sysctl::path_of(key);
                // A /proc/sys file takes one write of the new value (not a rename).
                std::fs::write(root.path(&path), format!("{to}\n")).map_err(|source| {
                    FixError::Write {
                        path: path.clone(),
                        source,
                    }
                })?;
                written.push(path);
                persisted.push((key, to));
            }
            FixAction::LoginDefsUmask { to, .. } => {
                set_login_umask(root, to)?;
                written.push(LOGIN_DEFS.to_owned());
            }
        }
    }
    if !persisted.is_empty() {
        persist(root, &persisted)?;
        written.push(PERSIST_FILE.to_owned());
    }
    Ok(written)
}

/// Merges `values` into torchward's own sysctl.d file (other keys in it are kept).
fn persist(root: &SystemRoot, values: &[(&str, &str)]) -> Result<(), FixError> {
    let existing = root.read_opt(PERSIST_FILE)?.unwrap_or_default();
    let mut entries: Vec<(String, String)> = existing
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect();
    for (key, value) in values {
        match entries.iter_mut().find(|(existing, _)| existing == key) {
            Some(entry) => (*value).clone_into(&mut entry.1),
            None => entries.push(((*key).to_owned(), (*value).to_owned())),
        }
    }
    let mut text = String::from(
        "# Written by `torchward audit host --fix` (security statement §2, §8, §12).\n",
    );
    for (key, value) in &entries {
        let _ = writeln!(text, "{key} = {value}");
    }
    tw_fs::write_atomic(
        root.path(PERSIST_FILE),
        text.as_bytes(),
        WriteOptions::new().force(true).create_parents(true),
    )?;
    Ok(())
}

/// Rewrites the first uncommented `UMASK` line of login.defs (or appends one), keeping every
/// other line and the file's original permission bits.
fn set_login_umask(root: &SystemRoot, value: &str) -> Result<(), FixError> {
    let text = root.read(LOGIN_DEFS)?;
    let path = root.path(LOGIN_DEFS);
    let mode = std::fs::metadata(&path)
        .map_err(|source| ProbeError::Io {
            path: LOGIN_DEFS.to_owned(),
            source,
        })?
        .permissions()
        .mode()
        & 0o7777;
    let mut replaced = false;
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        if !replaced && line.split_whitespace().next() == Some("UMASK") {
            let _ = writeln!(out, "UMASK\t\t{value}");
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !replaced {
        let _ = writeln!(out, "UMASK\t\t{value}");
    }
    tw_fs::write_atomic(&path, out.as_bytes(), WriteOptions::new().force(true))?;
    // tw-fs writes 0640; login.defs is read by unprivileged tools too, so give back exactly
    // the bits the original had (never more).
    tw_fs::set_mode(&path, mode)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_actions() {
        let action = FixAction::Sysctl {
            key: "kernel.randomize_va_space".into(),
            from: "0".into(),
            to: "2".into(),
        };
        assert!(action
            .to_string()
            .starts_with("sysctl -w kernel.randomize_va_space=2 (now 0)"));
        let action = FixAction::LoginDefsUmask {
            from: None,
            to: "027".into(),
        };
        assert_eq!(
            action.to_string(),
            "set UMASK 027 in /etc/login.defs (now unset)"
        );
    }
}
