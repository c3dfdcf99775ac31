//! How one `torch.load` call sets `weights_only`, shared by TW601, TW602 and TW603 so that
//! exactly one of them reports a call. Follows `torch/serialization.py` (torch 2.6+):
//! `load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
//! **pickle_load_args)`; an unset `weights_only` becomes `_default_to_weights_only(pickle_module)`,
//! i.e. `True` only when no `pickle_module` is passed, and `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`
//! (values `1`, `y`, `yes`, `true`) turns the default off. Invariant: only a literal truthy
//! `weights_only` counts as safe.
use crate::call::{Arg, CallSite, Literal};

/// The callees that are `torch.load`.
const NAMES: &[&str] = &["torch.load", "torch.serialization.load"];

/// The `weights_only` state of a `torch.load` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WeightsOnly {
    /// A literal truthy `weights_only`: not reported.
    Safe,
    /// A literal falsy `weights_only` (`False`, `0`): TW601.
    ExplicitFalse,
    /// `pickle_module=` passed and `weights_only` unset: torch then defaults to `False` (TW601).
    PickleModule,
    /// No `weights_only` and no unpacking: safe only on torch >= 2.6 without the override (TW602).
    Implicit,
    /// A non-literal `weights_only`, or `*args`/`**kwargs` that could pass it (TW603).
    Unresolved,
}

/// The state of `site` when it is a `torch.load` call.
pub(crate) fn classify(site: &CallSite<'_>) -> Option<WeightsOnly> {
    if !site.is_any(NAMES) {
        return None;
    }
    let state = match site.arg("weights_only", None) {
        Arg::Literal(Literal::None) | Arg::Missing => match site.arg("pickle_module", Some(2)) {
            Arg::Missing | Arg::Literal(Literal::None) => {
                if site.has_unpacking() {
                    WeightsOnly::Unresolved
                } else {
                    WeightsOnly::Implicit
                }
            }
            Arg::Unpacked => WeightsOnly::Unresolved,
            Arg::Literal(_) | Arg::Expr(_) => WeightsOnly::PickleModule,
        },
        Arg::Literal(value) if value.truthy() => WeightsOnly::Safe,
        Arg::Literal(_) => WeightsOnly::ExplicitFalse,
        Arg::Expr(_) | Arg::Unpacked => WeightsOnly::Unresolved,
    };
    Some(state)
}
