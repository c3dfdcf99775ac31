//! The `TW3xx` rules, one per file, and `RULES`, the list the binary registers.
use tw_diagnostics::RuleMeta;

pub mod foreign_owner;
pub mod hard_link;
pub mod mode_too_open;
pub mod setid;
pub mod symlink;
pub mod umask;
pub mod world_writable;

/// Every `TW3xx` rule, by ID.
pub static RULES: &[RuleMeta] = &[
    mode_too_open::RULE,
    world_writable::RULE,
    setid::RULE,
    symlink::RULE,
    foreign_owner::RULE,
    hard_link::RULE,
    umask::RULE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_tw3xx() {
        assert_eq!(tw_diagnostics::check_rule_list(RULES, "TW3", None), Ok(()));
    }
}
