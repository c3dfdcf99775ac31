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
        for pair in RULES.windows(2) {
            if let [a, b] = pair {
                assert!(a.id < b.id, "{} !< {}", a.id, b.id);
            }
        }
        assert!(RULES
            .iter()
            .all(|r| r.id.starts_with("TW5") && r.id.len() == 5));
        assert!(RULES
            .iter()
            .all(|r| r.section.split(", ").any(|s| s == "9")));
    }
}
