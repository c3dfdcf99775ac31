//! One file per `TW5xx` rule: its metadata, documentation and finding constructor. `RULES` is
//! the explicit list the binary registers; a test checks it is sorted, unique and in the
//! `TW5xx` block.
use tw_diagnostics::RuleMeta;

pub mod credentials_in_url;
pub mod declared_address_gone;
pub mod plain_http_download;
pub mod public_address;
pub mod undeclared_public_address;

/// Every `TW5xx` rule, in ID order.
pub static RULES: &[RuleMeta] = &[
    public_address::RULE,
    undeclared_public_address::RULE,
    declared_address_gone::RULE,
    plain_http_download::RULE,
    credentials_in_url::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn ids_sorted_unique_and_in_block() {
        assert_eq!(
            tw_diagnostics::check_rule_list(RULES, "TW5", Some("9")),
            Ok(())
        );
    }
}
