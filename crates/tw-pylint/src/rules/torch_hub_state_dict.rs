//! TW606 torch-hub-state-dict: `torch.hub.load_state_dict_from_url` / `torch.utils.model_zoo.load_url`,
//! whose `weights_only` defaults to False (`torch/hub.py`: `load_state_dict_from_url(url,
//! model_dir=None, map_location=None, progress=True, check_hash=False, file_name=None,
//! weights_only=False)`), so the torch 2.6 default change does not cover it. Invariant: only a
//! literal truthy `weights_only` is safe.
use super::Hit;
use crate::call::{Arg, CallSite};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW606",
    name: "torch-hub-state-dict",
    severity: Severity::Medium,
    section: "6",
    summary: "load_state_dict_from_url without weights_only=True unpickles a downloaded file.",
    doc: RuleDoc {
        what: "Calls to `torch.hub.load_state_dict_from_url` and `torch.utils.model_zoo.load_url` \
without a literal `weights_only=True` (keyword, or the 7th positional argument). A \
non-literal value or unpacked `**kwargs` is reported with low confidence. Must not flag: an \
explicit `weights_only=True`; `torch.hub.download_url_to_file`.",
        why: "The function downloads a file and passes it to `torch.load` with its own \
`weights_only`, which defaults to False even on torch >= 2.6: whoever controls the URL, the \
cache directory or the network path can run code in the process.",
        example: "torch.hub.load_state_dict_from_url(url)   # TW606",
        fix: "Pass `weights_only=True` (and `check_hash=True` with a hash-named file), or \
download safetensors weights.",
        references: &[
            "torch/hub.py: load_state_dict_from_url",
            "https://pytorch.org/docs/stable/hub.html#torch.hub.load_state_dict_from_url",
            "Security statement section 6",
        ],
    },
};

const NAMES: &[&str] = &[
    "torch.hub.load_state_dict_from_url",
    "torch.utils.model_zoo.load_url",
];

/// Reports a state-dict download that is not weights-only.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    if !site.is_any(NAMES) {
        return None;
    }
    match site.arg("weights_only", Some(6)) {
        Arg::Literal(value) if value.truthy() => None,
        Arg::Literal(_) | Arg::Missing => Some(Hit::new(
            &RULE,
            format!(
                "`{}` without weights_only=True: its weights_only defaults to False on every torch version, so the download is fully unpickled",
                site.qualified
            ),
        )),
        Arg::Expr(_) | Arg::Unpacked => Some(
            Hit::new(
                &RULE,
                format!("`{}` with a weights_only the linter cannot know", site.qualified),
            )
            .severity(Severity::Low)
            .unsure(),
        ),
    }
}
