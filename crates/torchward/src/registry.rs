//! The rule registry: every area crate's explicit `RULES` slice, gathered here with one line
//! per crate (no registration by side effect). `rules`, `explain`, SARIF and `docs/rules.md`
//! all read this one list.
use tw_diagnostics::{Registry, RuleMeta};

/// Each area crate's rule list. To add an area, add its crate as a dependency of `torchward`
/// and one line here.
const RULE_LISTS: &[&[RuleMeta]] = &[
    tw_modelscan::RULES, // TW1xx model files
    tw_host::RULES,      // TW2xx host
    tw_env::RULES,       // TW22x Python environments
    tw_perms::RULES,     // TW3xx permissions
    tw_firewall::RULES,  // TW4xx network
    tw_urls::RULES,      // TW5xx address declaration
    tw_pylint::RULES,    // TW6xx Python lint
    tw_pyapi::RULES,     // TW65x Python API declaration
];

/// All rules torchward knows, sorted by ID.
pub fn registry() -> Registry {
    Registry::new(RULE_LISTS.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let registry = registry();
        assert!(
            registry.duplicate_ids().is_empty(),
            "duplicate IDs: {:?}",
            registry.duplicate_ids()
        );
        for rule in registry.rules() {
            let digits = rule.id.strip_prefix("TW").unwrap_or("");
            assert!(
                digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
                "rule ID {} is not TW + three digits",
                rule.id
            );
            assert!(
                !rule.name.is_empty()
                    && rule
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "rule {} name `{}` is not kebab-case",
                rule.id,
                rule.name
            );
        }
    }

    #[test]
    fn rule_names_are_unique() {
        let registry = registry();
        let mut names: Vec<&str> = registry.rules().iter().map(|r| r.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "two rules share a name");
    }
}
