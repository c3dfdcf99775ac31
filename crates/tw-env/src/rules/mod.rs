//! The `TW22x` rules of `audit env`, one per file, and the list the registry reads. The
//! advisory rules (TW220, TW221, TW223) are decided by the shipped advisory table
//! (`advisories.toml`, see [`crate::advisory`]); their files hold the documentation.
use tw_diagnostics::RuleMeta;

pub mod serving_advisory;
pub mod torch_npu_mismatch;
pub mod torch_unpickler_memory;
pub mod torch_weights_only_bypass;
pub mod weights_only_disabled;

/// Every `TW22x` rule, by ID.
pub static RULES: &[RuleMeta] = &[
    torch_weights_only_bypass::RULE,
    torch_unpickler_memory::RULE,
    torch_npu_mismatch::RULE,
    serving_advisory::RULE,
    weights_only_disabled::RULE,
];

/// The rules an advisory-table row may name.
pub const ADVISORY_RULES: [&str; 3] = [
    torch_weights_only_bypass::RULE.id,
    torch_unpickler_memory::RULE.id,
    serving_advisory::RULE.id,
];

/// The rule with `id` (the advisory table names rules by ID).
pub fn by_id(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|rule| rule.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_list_keeps_its_shape() {
        assert_eq!(
            tw_diagnostics::check_rule_list(RULES, "TW22", Some("1")),
            Ok(())
        );
        for id in ADVISORY_RULES {
            assert!(by_id(id).is_some());
        }
    }
}
