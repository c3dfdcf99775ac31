//! Kernel parameters: the mapping from a sysctl key to its `/proc/sys` file (sysctl(8): dots
//! become slashes) and the one table of sysctls the audit checks and `--fix` may set, so the
//! check and the fix can never disagree on a key or a value.

/// The `/proc/sys` path of `key` (`kernel.randomize_va_space` -> `/proc/sys/kernel/randomize_va_space`).
pub fn path_of(key: &str) -> String {
    format!("/proc/sys/{}", key.replace('.', "/"))
}

/// How a sysctl's value is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The value must equal this number.
    Exactly(i64),
    /// The value must be at least this number.
    AtLeast(i64),
}

impl Want {
    /// Whether `value` (the trimmed file content) satisfies this.
    pub fn accepts(self, value: &str) -> bool {
        let Ok(number) = value.trim().parse::<i64>() else {
            return false;
        };
        match self {
            Want::Exactly(want) => number == want,
            Want::AtLeast(want) => number >= want,
        }
    }

    /// The value `--fix` writes.
    pub fn target(self) -> i64 {
        match self {
            Want::Exactly(value) | Want::AtLeast(value) => value,
        }
    }

    /// The expected value as shown in findings (`2`, `>= 1`).
    pub fn describe(self) -> String {
        match self {
            Want::Exactly(value) => value.to_string(),
            Want::AtLeast(value) => format!(">= {value}"),
        }
    }
}

/// One sysctl the audit checks.
#[derive(Debug, Clone, Copy)]
pub struct Managed {
    /// The sysctl key.
    pub key: &'static str,
    /// What value passes.
    pub want: Want,
    /// Why, in a few words, for the message.
    pub purpose: &'static str,
}

/// The persisted file `--fix` writes (sysctl.d(5): read at boot in lexical order).
pub const PERSIST_FILE: &str = "/etc/sysctl.d/60-torchward.conf";

/// The exact commands that set `key` to `value` now and at every boot.
pub fn remediation(key: &str, value: &str) -> String {
    format!(
        "sysctl -w {key}={value} && echo '{key} = {value}' >> {PERSIST_FILE} (or `torchward audit host --fix`)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_proc_sys() {
        assert_eq!(
            path_of("kernel.randomize_va_space"),
            "/proc/sys/kernel/randomize_va_space"
        );
    }

    #[test]
    fn wants_judge_numbers_only() {
        assert!(Want::Exactly(2).accepts("2\n"));
        assert!(!Want::Exactly(2).accepts("1"));
        assert!(Want::AtLeast(1).accepts("3"));
        assert!(!Want::AtLeast(1).accepts("0"));
        assert!(!Want::AtLeast(1).accepts("x"));
        assert_eq!(Want::AtLeast(1).describe(), ">= 1");
    }
}
