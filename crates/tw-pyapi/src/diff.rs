//! The API diff of two interfaces: public names removed (TW656), signatures changed so that
//! existing calls break (TW657) and names added (TW658). A call breaks when a parameter it
//! passes is gone, a positional argument lands on another parameter, an argument it omits is
//! now required, or a keyword it uses is no longer accepted (Python reference §6.3.4 "Calls";
//! PEP 570 and PEP 3102 for parameter kinds). Invariant: compatible changes (a new optional
//! parameter at the end, a widened kind, a new annotation) are never reported as breaks.
use crate::interface::{Declaration, Interface, Kind};
use crate::rules::{added_public_name, breaking_signature_change, removed_public_name};
use crate::signature::{Param, ParamKind, Signature};
use std::collections::{HashMap, HashSet};
use tw_diagnostics::Finding;

/// The findings of the change from `old` to `new`.
pub fn diff(old: &Interface, new: &Interface) -> Vec<Finding> {
    let old_map = by_name(old);
    let new_map = by_name(new);
    let old_modules = modules(old);
    let new_modules = modules(new);
    let mut findings = Vec::new();
    for declaration in &old.declarations {
        let key = declaration.qualified();
        match new_map.get(key.as_str()) {
            None => {
                // A removed module is reported once, not with each of its names.
                let module_gone = !declaration.name.is_empty()
                    && !new_modules.contains(declaration.module.as_str());
                if !module_gone {
                    findings.push(removed_public_name::finding(declaration));
                }
            }
            Some(current) => {
                let breaks = breaks(declaration, current);
                if !breaks.is_empty() {
                    findings.push(breaking_signature_change::finding(
                        declaration,
                        current,
                        &breaks,
                    ));
                }
            }
        }
    }
    for declaration in &new.declarations {
        let key = declaration.qualified();
        let module_new =
            !declaration.name.is_empty() && !old_modules.contains(declaration.module.as_str());
        if !old_map.contains_key(key.as_str()) && !module_new {
            findings.push(added_public_name::finding(declaration));
        }
    }
    findings
}

fn by_name(interface: &Interface) -> HashMap<String, &Declaration> {
    let mut map = HashMap::new();
    for declaration in &interface.declarations {
        map.entry(declaration.qualified()).or_insert(declaration);
    }
    map
}

fn modules(interface: &Interface) -> HashSet<&str> {
    interface
        .declarations
        .iter()
        .filter(|d| d.name.is_empty())
        .map(|d| d.module.as_str())
        .collect()
}

/// Whether the first parameter is bound when the callable is reached this way.
fn binds_first(kind: Kind) -> bool {
    matches!(kind, Kind::Method | Kind::AsyncMethod | Kind::ClassMethod)
}

/// Every way `new` breaks callers of `old`, in words.
pub fn breaks(old: &Declaration, new: &Declaration) -> Vec<String> {
    let mut out = Vec::new();
    if old.kind != new.kind {
        if old.kind.is_callable() != new.kind.is_callable() {
            out.push(format!("was a {}, is now a {}", old.kind, new.kind));
            return out;
        }
        let was_async = matches!(old.kind, Kind::AsyncFunction | Kind::AsyncMethod);
        let is_async = matches!(new.kind, Kind::AsyncFunction | Kind::AsyncMethod);
        if was_async != is_async {
            out.push(if is_async {
                "`def` became `async def` (calls now return a coroutine)".to_owned()
            } else {
                "`async def` became `def` (awaiting the result now fails)".to_owned()
            });
        }
    }
    if let (Some(before), Some(after)) = (&old.signature, &new.signature) {
        let before = if binds_first(old.kind) {
            before.clone().bound()
        } else {
            before.clone()
        };
        let after = if binds_first(new.kind) {
            after.clone().bound()
        } else {
            after.clone()
        };
        out.extend(compare(&before, &after));
    }
    let kept: HashSet<String> = new.overloads.iter().map(ToString::to_string).collect();
    for overload in &old.overloads {
        let text = overload.to_string();
        if !kept.contains(&text) {
            out.push(format!("overload `{text}` removed"));
        }
    }
    out
}

fn non_variadic(signature: &Signature) -> impl Iterator<Item = &Param> {
    signature
        .params
        .iter()
        .filter(|p| !matches!(p.kind, ParamKind::VarPositional | ParamKind::VarKeyword))
}

fn has(signature: &Signature, kind: ParamKind) -> bool {
    signature.params.iter().any(|p| p.kind == kind)
}

/// The breaking differences between two signatures as the caller sees them.
pub fn compare(old: &Signature, new: &Signature) -> Vec<String> {
    let mut out = Vec::new();
    let new_by_name: HashMap<&str, &Param> =
        non_variadic(new).map(|p| (p.name.as_str(), p)).collect();
    let old_names: HashSet<&str> = non_variadic(old).map(|p| p.name.as_str()).collect();
    let new_var_positional = has(new, ParamKind::VarPositional);
    let new_var_keyword = has(new, ParamKind::VarKeyword);
    for param in non_variadic(old) {
        let name = &param.name;
        let Some(current) = new_by_name.get(name.as_str()) else {
            let absorbed = (!param.kind.positional() || new_var_positional)
                && (!param.kind.keyword() || new_var_keyword);
            if !absorbed {
                out.push(format!("parameter `{name}` removed"));
            }
            continue;
        };
        if param.kind.positional() && !current.kind.positional() {
            out.push(format!(
                "parameter `{name}` can no longer be passed by position (now {})",
                current.kind.as_str()
            ));
        }
        if param.kind.keyword() && !current.kind.keyword() {
            out.push(format!(
                "parameter `{name}` can no longer be passed by keyword (now {})",
                current.kind.as_str()
            ));
        }
        if param.default.is_some() && current.default.is_none() {
            out.push(format!(
                "parameter `{name}` made required (default removed)"
            ));
        }
    }
    for param in non_variadic(new) {
        if !old_names.contains(param.name.as_str()) && param.default.is_none() {
            out.push(format!("new required parameter `{}`", param.name));
        }
    }
    out.extend(positional_order(old, new));
    if has(old, ParamKind::VarPositional) && !new_var_positional {
        out.push("`*args` removed".to_owned());
    }
    if has(old, ParamKind::VarKeyword) && !new_var_keyword {
        out.push("`**kwargs` removed".to_owned());
    }
    out
}

/// Positional arguments of old calls must land on the same parameters: the parameters both
/// versions take by position must keep their relative order, and no new parameter may be
/// inserted before one of them.
fn positional_order(old: &Signature, new: &Signature) -> Option<String> {
    let old_positional: Vec<&str> = old
        .params
        .iter()
        .filter(|p| p.kind.positional())
        .map(|p| p.name.as_str())
        .collect();
    let new_positional: Vec<&str> = new
        .params
        .iter()
        .filter(|p| p.kind.positional())
        .map(|p| p.name.as_str())
        .collect();
    let common_old: Vec<&str> = old_positional
        .iter()
        .copied()
        .filter(|n| new_positional.contains(n))
        .collect();
    let common_new: Vec<&str> = new_positional
        .iter()
        .copied()
        .filter(|n| old_positional.contains(n))
        .collect();
    if common_old != common_new {
        return Some(format!(
            "positional parameters reordered: ({}) -> ({})",
            old_positional.join(", "),
            new_positional.join(", ")
        ));
    }
    let last_common = common_new.last()?;
    let last_at = new_positional.iter().position(|n| n == last_common)?;
    let inserted: Vec<&str> = new_positional
        .iter()
        .take(last_at)
        .copied()
        .filter(|n| !old_positional.contains(n))
        .collect();
    (!inserted.is_empty()).then(|| {
        format!(
            "parameter `{}` inserted before existing positional parameters ({}) -> ({})",
            inserted.join("`, `"),
            old_positional.join(", "),
            new_positional.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, kind: ParamKind, default: bool) -> Param {
        Param {
            name: name.to_owned(),
            kind,
            annotation: None,
            default: default.then(|| "None".to_owned()),
        }
    }

    fn sig(params: Vec<Param>) -> Signature {
        Signature {
            type_params: None,
            params,
            returns: None,
        }
    }

    use ParamKind::{KeywordOnly as K, PositionalOrKeyword as P, VarKeyword as VK};

    #[test]
    fn compatible_changes_are_not_breaks() {
        let old = sig(vec![param("a", P, false), param("b", P, true)]);
        let new = sig(vec![
            param("a", P, true),
            param("b", P, true),
            param("c", P, true),
            param("d", K, true),
        ]);
        assert!(compare(&old, &new).is_empty(), "{:?}", compare(&old, &new));
        let absorbed = sig(vec![param("a", P, false), param("kw", VK, false)]);
        let old_kw = sig(vec![param("a", P, false), param("b", K, true)]);
        assert!(compare(&old_kw, &absorbed).is_empty());
    }

    #[test]
    fn each_break_is_named() {
        let old = sig(vec![
            param("a", P, false),
            param("b", P, true),
            param("c", P, true),
        ]);
        let new = sig(vec![
            param("b", P, false),
            param("a", P, false),
            param("c", K, true),
        ]);
        assert_eq!(
            compare(&old, &new),
            vec![
                "parameter `b` made required (default removed)",
                "parameter `c` can no longer be passed by position (now keyword-only)",
                "positional parameters reordered: (a, b, c) -> (b, a)",
            ]
        );
        let inserted = sig(vec![param("x", P, true), param("a", P, false)]);
        assert_eq!(
            compare(&sig(vec![param("a", P, false)]), &inserted),
            vec!["parameter `x` inserted before existing positional parameters (a) -> (x, a)"]
        );
    }
}
