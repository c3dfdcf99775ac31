//! One file per `TW65x` rule: its metadata, documentation and finding constructor. `RULES` is
//! the explicit list the binary registers; a test checks it is sorted, unique, in the `TW65x`
//! block and serves statement section 10.
use tw_diagnostics::RuleMeta;

pub mod added_public_name;
pub mod breaking_signature_change;
pub mod dynamic_all;
pub mod missing_from_all;
pub mod private_name_in_all;
pub mod private_star_import;
pub mod public_declaration;
pub mod removed_public_name;
pub mod undefined_all_name;
pub mod undocumented_public_name;

/// Every `TW65x` rule, in ID order.
pub static RULES: &[RuleMeta] = &[
    public_declaration::RULE,
    undefined_all_name::RULE,
    missing_from_all::RULE,
    undocumented_public_name::RULE,
    private_name_in_all::RULE,
    private_star_import::RULE,
    removed_public_name::RULE,
    breaking_signature_change::RULE,
    added_public_name::RULE,
    dynamic_all::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn ids_sorted_unique_and_in_block() {
        assert_eq!(
            tw_diagnostics::check_rule_list(RULES, "TW65", Some("10")),
            Ok(())
        );
        // Stricter than the shared check: API rules serve section 10 and nothing else.
        assert!(RULES.iter().all(|r| r.section == "10"));
    }
}
