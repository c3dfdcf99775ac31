//! TW224: `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` set to a value torch reads as true, which turns
//! every `torch.load` that does not pass `weights_only` back into full pickle.
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW224",
    name: "weights-only-load-disabled",
    severity: Severity::High,
    section: "1, 6",
    summary: "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD is set to a true value: torch.load falls back to full pickle.",
    doc: RuleDoc {
        what: "Looks for TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD in the environment of running processes (`/proc/PID/environ`), in `/etc/environment`, shell profiles and rc files (`/etc/profile`, `/etc/profile.d/*`, `/etc/bash.bashrc`, zsh and csh system files, each home's `.bashrc`, `.profile`, `.bash_profile`, `.zshrc` ...), systemd units (`Environment=` lines and their `EnvironmentFile=` files under /etc/systemd/system, /run/systemd/system, /usr/lib/systemd/system) and the activation scripts of the environments audited (`bin/activate*`, conda `etc/conda/activate.d/*`, `conda env config vars` in `conda-meta/state`). torch treats exactly `1`, `y`, `yes` and `true` as set (torch/serialization.py). A value computed at run time (`$FLAG`) is reported as `warn`. The finding names the PID and command, or the file and line.",
        why: "torch 2.6 made `weights_only=True` the default of `torch.load`; this variable turns the default back to full pickle for every call that does not pass `weights_only` explicitly, so any checkpoint loaded by the affected processes can run code. It is usually set once to silence a loading error and then forgotten in a profile or unit file.",
        example: "`/etc/profile.d/train.sh` line 3: `export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`; process 4242 (`python train.py`) runs with it set.",
        fix: "Remove the assignment and restart the processes that inherited it. Load checkpoints that need extra classes with `torch.serialization.add_safe_globals([...])` or `torch.serialization.safe_globals(...)`, or convert them with `torchward convert`; pass `weights_only=False` only at a call site that loads your own files.",
        references: &["Security statement §1, §6", "torch/serialization.py (load: TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD, TORCH_FORCE_WEIGHTS_ONLY_LOAD)", "https://pytorch.org/docs/stable/notes/serialization.html#weights-only"],
    },
};
