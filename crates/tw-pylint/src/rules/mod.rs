//! The `TW6xx` rules, one per file, and the one explicit list of them (`RULES`). Each rule file
//! owns its `RuleMeta` (with the What / Why / Example / Fix / References text that `explain`,
//! SARIF and `docs/rules.md` print) and a `check` that looks at one resolved call. Invariant:
//! `RULES` and the dispatch below name the same rule files, and a rule only ever sees calls
//! whose callee resolved through imports and scopes, never a bare spelling.
use crate::call::CallSite;
use ruff_python_ast::{Expr, ExprCall, ExprDict};
use tw_diagnostics::{Confidence, RuleMeta, Severity};

pub(crate) mod joblib_load;
pub(crate) mod jsonpickle_decode;
pub(crate) mod marshal_load;
pub(crate) mod numpy_allow_pickle;
pub(crate) mod pandas_read_pickle;
pub(crate) mod pickle_load;
pub(crate) mod shelve_open;
pub(crate) mod torch_dist_object_collective;
pub(crate) mod torch_force_no_weights_only;
pub(crate) mod torch_hub_remote_code;
pub(crate) mod torch_hub_state_dict;
pub(crate) mod torch_load_implicit;
pub(crate) mod torch_load_unresolved;
pub(crate) mod torch_load_unsafe;
pub(crate) mod torch_rpc;
pub(crate) mod torch_safe_globals_widened;
pub(crate) mod torchscript_or_package_load;
pub(crate) mod yaml_unsafe_load;

/// Every `TW6xx` rule, in ID order.
pub static RULES: &[RuleMeta] = &[
    torch_load_unsafe::RULE,
    torch_load_implicit::RULE,
    torch_load_unresolved::RULE,
    torch_force_no_weights_only::RULE,
    torch_hub_remote_code::RULE,
    torch_hub_state_dict::RULE,
    torchscript_or_package_load::RULE,
    torch_dist_object_collective::RULE,
    torch_rpc::RULE,
    torch_safe_globals_widened::RULE,
    pickle_load::RULE,
    joblib_load::RULE,
    pandas_read_pickle::RULE,
    numpy_allow_pickle::RULE,
    yaml_unsafe_load::RULE,
    marshal_load::RULE,
    shelve_open::RULE,
    jsonpickle_decode::RULE,
];

/// The rules that look at one resolved call.
const CALL_CHECKS: &[fn(&CallSite<'_>) -> Option<Hit>] = &[
    torch_load_unsafe::check,
    torch_load_implicit::check,
    torch_load_unresolved::check,
    torch_force_no_weights_only::check,
    torch_hub_remote_code::check,
    torch_hub_state_dict::check,
    torchscript_or_package_load::check,
    torch_dist_object_collective::check,
    torch_rpc::check,
    torch_safe_globals_widened::check,
    pickle_load::check,
    joblib_load::check,
    pandas_read_pickle::check,
    numpy_allow_pickle::check,
    yaml_unsafe_load::check,
    marshal_load::check,
    shelve_open::check,
    jsonpickle_decode::check,
];

/// What a rule reported about one call, before it has a file position.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    /// The rule.
    pub(crate) rule: &'static RuleMeta,
    /// The severity of this hit (the rule default unless the rule raised or lowered it).
    pub(crate) severity: Severity,
    /// Low when an argument was not a literal or could come from `*args`/`**kwargs`.
    pub(crate) confidence: Confidence,
    /// One sentence naming what was found.
    pub(crate) message: String,
}

impl Hit {
    /// A high-confidence hit of `rule` at its default severity.
    pub(crate) fn new(rule: &'static RuleMeta, message: impl Into<String>) -> Self {
        Hit {
            rule,
            severity: rule.severity,
            confidence: Confidence::High,
            message: message.into(),
        }
    }

    /// The same hit at another severity.
    #[must_use]
    pub(crate) fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same hit, unsure because an argument is unknown.
    #[must_use]
    pub(crate) fn unsure(mut self) -> Self {
        self.confidence = Confidence::Low;
        self
    }
}

/// Runs every call rule on one resolved call.
pub(crate) fn check_call(site: &CallSite<'_>) -> Vec<Hit> {
    CALL_CHECKS.iter().filter_map(|check| check(site)).collect()
}

/// Checks that need no callee: `f(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD="1")` (TW604).
pub(crate) fn check_call_syntax(call: &ExprCall) -> Vec<Hit> {
    torch_force_no_weights_only::check_keywords(call)
        .into_iter()
        .collect()
}

/// `{"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}` anywhere (TW604).
pub(crate) fn check_dict(dict: &ExprDict) -> Vec<Hit> {
    torch_force_no_weights_only::check_dict(dict)
        .into_iter()
        .collect()
}

/// `os.environ[key] = value` (TW604); `container` is what the subscripted value resolved to.
pub(crate) fn check_env_subscript(container: &[String], key: &Expr, value: &Expr) -> Vec<Hit> {
    torch_force_no_weights_only::check_subscript(container, key, value)
        .into_iter()
        .collect()
}

/// The names `qualified` is known by: `names` prefixed by each module in `modules`.
pub(crate) fn in_modules(qualified: &str, modules: &[&str], names: &[&str]) -> bool {
    qualified
        .rsplit_once('.')
        .is_some_and(|(module, name)| modules.contains(&module) && names.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_ordered_and_documented() {
        assert_eq!(tw_diagnostics::check_rule_list(RULES, "TW6", None), Ok(()));
        for rule in RULES {
            for text in [
                rule.summary,
                rule.doc.what,
                rule.doc.why,
                rule.doc.example,
                rule.doc.fix,
            ] {
                assert!(!text.trim().is_empty(), "{} has an empty doc part", rule.id);
            }
            assert!(
                !rule.doc.references.is_empty(),
                "{} has no references",
                rule.id
            );
            assert!(
                rule.doc.what.contains("Must not flag"),
                "{} does not document what it must not flag",
                rule.id
            );
        }
        assert_eq!(RULES.len(), CALL_CHECKS.len());
    }
}
