//! The `TW4xx` rules, one per file, and the one list that exports them. The checks that raise
//! them live with the data they judge (`matrix`, `coexist`), which cite the rule constants.
use tw_diagnostics::RuleMeta;

pub(crate) mod docker_forward;
pub(crate) mod ephemeral_overlap;
pub(crate) mod firewall_reload;
pub(crate) mod hccl_base_range;
pub(crate) mod invalid_address;
pub(crate) mod invalid_port;
pub(crate) mod loopback_master;
pub(crate) mod port_span_overflow;
pub(crate) mod random_ports;

/// Every `TW4xx` rule, by ID.
pub static RULES: &[RuleMeta] = &[
    invalid_port::RULE,
    hccl_base_range::RULE,
    port_span_overflow::RULE,
    ephemeral_overlap::RULE,
    invalid_address::RULE,
    random_ports::RULE,
    docker_forward::RULE,
    firewall_reload::RULE,
    loopback_master::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn ids_are_unique_ordered_and_in_the_4xx_block() {
        assert_eq!(tw_diagnostics::check_rule_list(RULES, "TW4", None), Ok(()));
    }

    #[test]
    fn names_are_kebab_case() {
        for rule in RULES {
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                rule.name
            );
        }
    }
}
