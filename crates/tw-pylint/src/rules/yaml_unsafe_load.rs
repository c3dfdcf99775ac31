//! TW625 yaml-unsafe-load: `PyYAML` loads that can construct arbitrary Python objects, and
//! `ruamel.yaml.YAML(typ="unsafe")`. Signatures from `PyYAML`: `load(stream, Loader)`,
//! `load_all(stream, Loader)`. Invariant: `SafeLoader`, `CSafeLoader` and `BaseLoader` (which
//! builds only strings, lists and dicts) are never reported, nor is a class of the same file
//! that derives from them (`class UniqueKeyLoader(yaml.SafeLoader)`, followed through the
//! file's own classes) unless it also derives from an unsafe loader; a loader the linter cannot
//! name is reported with low confidence.
use super::Hit;
use crate::call::{Arg, CallSite, Literal};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW625",
    name: "yaml-unsafe-load",
    severity: Severity::Medium,
    section: "6",
    summary:
        "yaml.load without a safe Loader, yaml.unsafe_load/full_load can build arbitrary objects.",
    doc: RuleDoc {
        what: "`yaml.load`/`load_all` with no Loader or a Loader outside `SafeLoader`, \
`CSafeLoader`, `BaseLoader` (keyword `Loader=` or 2nd positional); `yaml.unsafe_load`, \
`unsafe_load_all`, `full_load`, `full_load_all`; `ruamel.yaml.YAML(typ=\"unsafe\")`. Must not \
flag: `yaml.safe_load`/`safe_load_all`; `Loader=yaml.SafeLoader`, `yaml.CSafeLoader` or \
`yaml.BaseLoader`, or a class of the same file deriving only from those (`class \
UniqueKeyLoader(yaml.SafeLoader)`, also through other classes of the file); `json.loads`. A \
class deriving from `yaml.Loader`, `UnsafeLoader` or `FullLoader` is flagged.",
        why: "PyYAML's `Loader`/`UnsafeLoader` construct any Python object named by a \
`!!python/object` tag, which runs code; `FullLoader` has had several bypasses \
(CVE-2020-1747, CVE-2020-14343). Before PyYAML 5.1 a bare `yaml.load(s)` used the unsafe \
loader.",
        example: "cfg = yaml.load(text)                          # TW625\n\
cfg = yaml.load(text, Loader=yaml.FullLoader)  # TW625",
        fix: "Use `yaml.safe_load(text)` or `Loader=yaml.SafeLoader` (CSafeLoader for speed).",
        references: &[
            "https://pyyaml.org/wiki/PyYAMLDocumentation",
            "CVE-2017-18342, CVE-2020-1747, CVE-2020-14343",
            "Security statement section 6",
        ],
    },
};

const LOADS: &[&str] = &["yaml.load", "yaml.load_all"];
const ALWAYS_UNSAFE: &[&str] = &[
    "yaml.unsafe_load",
    "yaml.unsafe_load_all",
    "yaml.full_load",
    "yaml.full_load_all",
];
const SAFE_LOADERS: &[&str] = &["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"];
const SAFE_MODULES: &[&str] = &["yaml", "yaml.loader", "yaml.cyaml"];

fn safe_loader(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(module, loader)| {
        SAFE_MODULES.contains(&module) && SAFE_LOADERS.contains(&loader)
    })
}

/// Reports an unsafe YAML load.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    if site.is_any(ALWAYS_UNSAFE) {
        return Some(Hit::new(
            &RULE,
            format!(
                "`{}` can construct arbitrary Python objects",
                site.qualified
            ),
        ));
    }
    if site.qualified == "ruamel.yaml.YAML" {
        return match site.arg("typ", None) {
            Arg::Literal(Literal::Str(typ)) if typ == "unsafe" => Some(Hit::new(
                &RULE,
                "`ruamel.yaml.YAML(typ=\"unsafe\")` constructs arbitrary Python objects",
            )),
            _ => None,
        };
    }
    if !site.is_any(LOADS) {
        return None;
    }
    match site.arg("Loader", Some(1)) {
        Arg::Missing | Arg::Literal(Literal::None) => Some(Hit::new(
            &RULE,
            format!(
                "`{}` without a Loader: unsafe before PyYAML 5.1; pass Loader=yaml.SafeLoader",
                site.qualified
            ),
        )),
        Arg::Expr(expr) => {
            let names = site.names_of(expr);
            let bases = site.class_bases_of(expr);
            if let Some(base) = bases
                .iter()
                .find(|base| base.starts_with("yaml.") && !safe_loader(base))
            {
                Some(Hit::new(
                    &RULE,
                    format!(
                        "`{}` with a Loader class deriving from {base}, which can construct arbitrary Python objects",
                        site.qualified
                    ),
                ))
            } else if names.iter().any(|name| safe_loader(name))
                || bases.iter().any(|base| safe_loader(base))
            {
                None
            } else if let Some(name) = names.iter().find(|name| name.starts_with("yaml.")) {
                Some(Hit::new(
                    &RULE,
                    format!(
                        "`{}` with Loader={name} can construct arbitrary Python objects",
                        site.qualified
                    ),
                ))
            } else {
                Some(
                    Hit::new(
                        &RULE,
                        format!(
                            "`{}` with a Loader the linter cannot resolve to a safe one",
                            site.qualified
                        ),
                    )
                    .unsure(),
                )
            }
        }
        Arg::Unpacked | Arg::Literal(_) => Some(
            Hit::new(
                &RULE,
                format!("`{}` with a Loader the linter cannot know", site.qualified),
            )
            .unsure(),
        ),
    }
}
