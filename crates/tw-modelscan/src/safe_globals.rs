//! The `torch.serialization.safe_globals([...])` list a file needs (TW130): every global its
//! TW102 findings name, offered only when that list would make `torch.load(weights_only=True)`
//! succeed without admitting anything dangerous (no TW101, nothing in a module torch always
//! blocks, no global a pickle could only form by STACK_GLOBAL tricks or extension codes).
use std::collections::BTreeSet;

use tw_diagnostics::{Finding, Location, Severity};

use crate::rules::{dangerous_callable, global_not_allowlisted, safe_globals_needed};

/// Modules whose classes do work when constructed (TorchScript classes, nn modules,
/// optimizers): a list naming them would be advice to run code.
const DOES_WORK: [&str; 4] = [
    "__torch__.",
    "torch.nn.modules.",
    "torch.optim.",
    "torch.jit.",
];

/// The TW130 note for a file whose findings are `findings`, or `None` when no list helps.
pub(crate) fn hint(path: &str, findings: &[Finding]) -> Option<Finding> {
    // Only when globals are the sole obstacle: code, tar, object arrays or storage damage
    // are not fixed by a list (and TW101 must never be answered with one).
    if findings.iter().any(|f| {
        f.severity >= Severity::Low && f.rule != global_not_allowlisted::RULE.id
            || f.rule == dangerous_callable::RULE.id
    }) {
        return None;
    }
    let mut globals = BTreeSet::new();
    let mut profiles = BTreeSet::new();
    for finding in findings
        .iter()
        .filter(|f| f.rule == global_not_allowlisted::RULE.id)
    {
        let key = finding
            .evidence
            .iter()
            .find(|e| e.name == "global")
            .map(|e| e.value.as_str())?;
        let (module, name) = key.rsplit_once('.')?;
        let well_formed = |part: &str| {
            !part.is_empty()
                && part
                    .split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        };
        if !well_formed(module)
            || !well_formed(name)
            || tw_pickle::is_blocked_module(module)
            || DOES_WORK.iter().any(|prefix| key.starts_with(prefix))
        {
            return None;
        }
        globals.insert(key.to_owned());
        if let Some(profile) = finding.evidence.iter().find(|e| e.name == "profile") {
            profiles.insert(profile.value.as_str());
        }
    }
    if globals.is_empty() {
        return None;
    }
    let globals: Vec<String> = globals.into_iter().collect();
    let profiles: Vec<&str> = profiles.into_iter().collect();
    Some(safe_globals_needed::finding(
        Location::path(path),
        &globals,
        &profiles,
    ))
}
