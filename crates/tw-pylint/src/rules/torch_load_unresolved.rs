//! TW603 torch-load-unresolved: `torch.load` whose `weights_only` the linter cannot know.
//! Invariant: always low confidence; never reported for a literal `weights_only`.
use super::Hit;
use crate::call::CallSite;
use crate::torch_load::{classify, WeightsOnly};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW603",
    name: "torch-load-unresolved",
    severity: Severity::Low,
    section: "6",
    summary: "torch.load whose weights_only is not a literal (a variable, call, *args or **kwargs).",
    doc: RuleDoc {
        what: "Calls to `torch.load` / `torch.serialization.load` whose `weights_only` is a \
variable, attribute or call, or that unpack `*args`/`**kwargs` which could pass it. Reported \
with low confidence, for review. Must not flag: a literal `True` or `False` (TW601 / TW602 \
own those); calls without unpacking and without `weights_only` (TW602).",
        why: "The value decides between the weights-only unpickler and full pickle. A flag that is \
False on some code path (a config default, a CLI option) is as dangerous as a literal False, \
and a linter cannot prove otherwise.",
        example: "torch.load(path, weights_only=cfg.safe)   # TW603\ntorch.load(path, **kwargs)   # TW603",
        fix: "Pass the literal `weights_only=True`; if callers need another behaviour, give them \
a separate, clearly named function.",
        references: &[
            "https://pytorch.org/docs/stable/generated/torch.load.html",
            "Security statement section 6",
        ],
    },
};

/// Reports a `torch.load` call with an unknown `weights_only`.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    (classify(site)? == WeightsOnly::Unresolved).then(|| {
        Hit::new(
            &RULE,
            format!(
                "`{}` with a weights_only the linter cannot know (not a literal, or passed \
through *args/**kwargs); make it the literal True",
                site.qualified
            ),
        )
        .unsure()
    })
}
