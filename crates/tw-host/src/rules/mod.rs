//! The `TW2xx` rules, one per file, and the one table that lists them: `RULES` for the registry
//! and `CHECKS` pairing each rule with the function that runs it (a test keeps the two in the
//! same order). A check reads the gathered [`Context`] and returns findings with their
//! optional fix; it never formats output.
use crate::context::Context;
use crate::fix::FixAction;
use tw_diagnostics::{Finding, Location, RuleMeta, Status};

mod aslr;
mod core_limit;
mod core_pattern;
mod coredump_storage;
mod exposed_port;
mod hccl_reserved;
mod kernel_hardening;
mod login_umask;
mod process_umask;
mod run_user;
mod suid_dumpable;
mod sysctl_value;
mod training_listener;

/// Every `TW2xx` rule, by ID.
pub static RULES: &[RuleMeta] = &[
    aslr::RULE,
    run_user::RULE,
    process_umask::RULE,
    login_umask::RULE,
    core_limit::RULE,
    core_pattern::RULE,
    suid_dumpable::RULE,
    coredump_storage::RULE,
    exposed_port::RULE,
    training_listener::RULE,
    hccl_reserved::RULE,
    kernel_hardening::RULE,
];

/// A rule and the function that checks it.
pub(crate) struct Check {
    /// The rule's ID (must equal the `RULES` entry at the same index).
    pub id: &'static str,
    /// Runs the check.
    pub run: fn(&Context) -> Vec<Checked>,
}

/// The checks, in `RULES` order.
pub(crate) static CHECKS: &[Check] = &[
    Check {
        id: aslr::RULE.id,
        run: aslr::check,
    },
    Check {
        id: run_user::RULE.id,
        run: run_user::check,
    },
    Check {
        id: process_umask::RULE.id,
        run: process_umask::check,
    },
    Check {
        id: login_umask::RULE.id,
        run: login_umask::check,
    },
    Check {
        id: core_limit::RULE.id,
        run: core_limit::check,
    },
    Check {
        id: core_pattern::RULE.id,
        run: core_pattern::check,
    },
    Check {
        id: suid_dumpable::RULE.id,
        run: suid_dumpable::check,
    },
    Check {
        id: coredump_storage::RULE.id,
        run: coredump_storage::check,
    },
    Check {
        id: exposed_port::RULE.id,
        run: exposed_port::check,
    },
    Check {
        id: training_listener::RULE.id,
        run: training_listener::check,
    },
    Check {
        id: hccl_reserved::RULE.id,
        run: hccl_reserved::check,
    },
    Check {
        id: kernel_hardening::RULE.id,
        run: kernel_hardening::check,
    },
];

/// One result and, when it is a problem `--fix` can solve, the fix.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The result.
    pub finding: Finding,
    /// The safe fix, if any.
    pub fix: Option<FixAction>,
}

impl Checked {
    /// A result without a fix.
    pub(crate) fn plain(finding: Finding) -> Self {
        Checked { finding, fix: None }
    }
}

/// A finding of `rule` with `status` about the system path `path`.
pub(crate) fn finding(
    rule: &RuleMeta,
    status: Status,
    path: &str,
    message: impl Into<String>,
) -> Finding {
    Finding::new(rule, Location::path(path), message).with_status(status)
}

/// Octal mode or umask as people write it (`0027`).
pub(crate) fn octal(value: u32) -> String {
    format!("{value:04o}")
}

/// Whether umask `mask` is 0027 or stricter (it masks group write and all of others').
pub(crate) fn umask_ok(mask: u32) -> bool {
    mask & 0o027 == 0o027
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_follow_rules_one_to_one() {
        assert_eq!(RULES.len(), CHECKS.len());
        for (rule, check) in RULES.iter().zip(CHECKS) {
            assert_eq!(rule.id, check.id);
        }
        assert_eq!(tw_diagnostics::check_rule_list(RULES, "TW2", None), Ok(()));
    }

    #[test]
    fn umask_threshold() {
        assert!(umask_ok(0o027));
        assert!(umask_ok(0o077));
        assert!(!umask_ok(0o022));
        assert!(!umask_ok(0o007));
        assert_eq!(octal(0o27), "0027");
    }
}
