//! TW125 `pickle-stack-residue`: A pickle's STOP leaves values or open MARKs on the stack.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW125.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW125",
    name: "pickle-stack-residue",
    severity: Severity::Medium,
    section: "1",
    summary: "A pickle's STOP leaves values or open MARKs on the stack.",
    doc: RuleDoc {
        what: "When a pickle reaches STOP, the machine checks that the value returned was the only thing on the stack: no other values below it and no MARK left open.",
        why: "`pickle.load` and torch's weights-only unpickler return the top of the stack and silently drop the rest, while `pickletools` rejects such a stream (\"stack not empty after STOP\"). No pickler writes one: the dropped values were still built and their calls still made, and tools that reason about the stream's shape see something other than what the loader returns. It marks a hand-crafted file.",
        example: "`(cos\\nsystem\\n(S'echo pwned'\\ntR}.`: an unclosed MARK and a call result under the empty dict STOP returns.",
        fix: "Do not load the file; re-create it with `torch.save` from a trusted source.",
        references: &["Lib/pickletools.py dis(): \"stack not empty after STOP\"", "torch/_weights_only_unpickler.py (STOP)"],
    },
};

/// A finding for a STOP that left `open_marks` MARKs open and `extra_values` values behind.
pub fn finding(location: Location, open_marks: usize, extra_values: usize) -> Finding {
    let mut left = Vec::new();
    if extra_values > 0 {
        left.push(format!(
            "{extra_values} value{} besides the one returned",
            if extra_values == 1 { "" } else { "s" }
        ));
    }
    if open_marks > 0 {
        left.push(format!(
            "{open_marks} unclosed MARK{}",
            if open_marks == 1 { "" } else { "s" }
        ));
    }
    Finding::new(
        &RULE,
        location,
        format!(
            "STOP leaves {} on the stack: loaders drop them silently, no pickler writes this",
            left.join(" and ")
        ),
    )
}
