//! The shape every area crate's `RULES` list must keep, checked in one place: IDs strictly
//! increasing (so sorted and unique), each in the crate's `TWnxx` block, and, where the crate
//! serves one statement section, every rule naming it. Each crate's test calls
//! [`check_rule_list`], so the seven lists cannot drift apart in what they promise.
use crate::RuleMeta;

/// The first way a `RULES` list breaks its shape, naming the rule at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleListError {
    /// Two rules carry the same ID.
    #[error("rule {id} is listed twice")]
    Duplicate {
        /// The repeated ID.
        id: &'static str,
    },
    /// A rule comes after one with a greater ID.
    #[error("rule {id} comes after {previous}: the list must be in ID order")]
    OutOfOrder {
        /// The ID listed just before it.
        previous: &'static str,
        /// The ID out of place.
        id: &'static str,
    },
    /// A rule's ID is not `TW` plus three digits starting with the crate's block.
    #[error("rule {id} is outside the {block} block (IDs are `TW` and three digits)")]
    OutsideBlock {
        /// The ID at fault.
        id: &'static str,
        /// The prefix every ID of the crate starts with (`TW4`, `TW65`).
        block: &'static str,
    },
    /// A rule's `section` list does not name the section the crate serves.
    #[error("rule {id} serves sections \"{sections}\", which do not include section {section}")]
    MissingSection {
        /// The ID at fault.
        id: &'static str,
        /// The rule's `section` list as written (`"7, 9"`).
        sections: &'static str,
        /// The section every rule of the crate must name.
        section: &'static str,
    },
}

/// Checks one area crate's `RULES` list: IDs strictly increasing, each `TW` plus three digits
/// and starting with `block` (`"TW4"`, `"TW65"`), and, when `section` is given, each rule's
/// comma-separated `section` list naming it. Returns the first rule at fault, in list order.
/// Meant for each crate's unit test, so a new rule cannot be registered out of place.
pub fn check_rule_list(
    rules: &[RuleMeta],
    block: &'static str,
    section: Option<&'static str>,
) -> Result<(), RuleListError> {
    let mut previous: Option<&'static str> = None;
    for rule in rules {
        let id = rule.id;
        let digits = id.get(2..).unwrap_or_default();
        if !id.starts_with(block)
            || !id.starts_with("TW")
            || digits.len() != 3
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(RuleListError::OutsideBlock { id, block });
        }
        if let Some(section) = section {
            if !rule.section.split(", ").any(|s| s == section) {
                return Err(RuleListError::MissingSection {
                    id,
                    sections: rule.section,
                    section,
                });
            }
        }
        match previous {
            Some(previous) if previous == id => return Err(RuleListError::Duplicate { id }),
            Some(previous) if previous > id => {
                return Err(RuleListError::OutOfOrder { previous, id });
            }
            _ => previous = Some(id),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_rule_list, RuleListError};
    use crate::{RuleDoc, RuleMeta, Severity};

    fn rule(id: &'static str, section: &'static str) -> RuleMeta {
        RuleMeta {
            id,
            name: "test-rule",
            severity: Severity::Low,
            section,
            summary: "A rule for testing the list check.",
            doc: RuleDoc {
                what: "Nothing.",
                why: "Tests.",
                example: "None.",
                fix: "None.",
                references: &[],
            },
        }
    }

    #[test]
    fn accepts_a_sorted_list_in_its_block() {
        let rules = [
            rule("TW501", "9"),
            rule("TW502", "7, 9"),
            rule("TW509", "9, 11"),
        ];
        assert_eq!(check_rule_list(&rules, "TW5", Some("9")), Ok(()));
        assert_eq!(check_rule_list(&rules, "TW50", None), Ok(()));
        assert_eq!(check_rule_list(&[], "TW5", Some("9")), Ok(()));
    }

    #[test]
    fn refuses_an_unsorted_list() {
        let rules = [rule("TW502", "9"), rule("TW501", "9")];
        assert_eq!(
            check_rule_list(&rules, "TW5", None),
            Err(RuleListError::OutOfOrder {
                previous: "TW502",
                id: "TW501"
            })
        );
    }

    #[test]
    fn refuses_a_duplicate_id() {
        let rules = [rule("TW501", "9"), rule("TW502", "9"), rule("TW502", "9")];
        let err = check_rule_list(&rules, "TW5", None);
        assert_eq!(err, Err(RuleListError::Duplicate { id: "TW502" }));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("rule TW502 is listed twice".to_owned())
        );
    }

    #[test]
    fn refuses_an_id_outside_the_block() {
        for id in ["TW601", "TW5011", "TW51", "TW5x1", "XY501"] {
            let rules = [rule("TW500", "9"), rule(id, "9")];
            assert_eq!(
                check_rule_list(&rules, "TW5", None),
                Err(RuleListError::OutsideBlock { id, block: "TW5" }),
                "{id}"
            );
        }
        let rules = [rule("TW501", "9")];
        assert_eq!(
            check_rule_list(&rules, "TW50", None),
            Ok(()),
            "a two-digit block prefix"
        );
        assert!(check_rule_list(&rules, "TW51", None).is_err());
    }

    #[test]
    fn refuses_a_rule_not_naming_the_section() {
        // "19" and "9 (beyond)" are not section 9: the list is split on ", " and compared whole.
        for sections in ["7", "19", "7,9", "9 (beyond)", ""] {
            let rules = [rule("TW501", "9"), rule("TW502", sections)];
            assert_eq!(
                check_rule_list(&rules, "TW5", Some("9")),
                Err(RuleListError::MissingSection {
                    id: "TW502",
                    sections,
                    section: "9"
                }),
                "{sections:?}"
            );
        }
    }
}
