//! TW114 `weights-only-incompatible`: The pickle uses an opcode or construct torch's weights-only loader rejects, though it is not dangerous by itself.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW114.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW114",
    name: "weights-only-incompatible",
    severity: Severity::Info,
    section: "1",
    summary: "The pickle uses an opcode or construct torch's weights-only loader rejects, though it is not dangerous by itself.",
    doc: RuleDoc {
        what: "Opcodes outside the 34 that `torch.load(weights_only=True)` accepts (for example FRAME, MEMOIZE or SHORT_BINUNICODE from protocol 4) are reported once per pickle.",
        why: "Such a file fails to load with `weights_only=True` (\"Unsupported operand 149\"), which tempts users to switch to `weights_only=False`, the unsafe path. Knowing why it fails avoids that.",
        example: "A plain dict saved with `pickle.dump(obj, f, protocol=4)`.",
        fix: "Save checkpoints with `torch.save` and its default protocol 2.",
        references: &["torch/_weights_only_unpickler.py"],
    },
};

/// A finding for a pickle using `opcodes`, which torch's weights-only loader rejects.
pub fn finding(location: Location, opcodes: &[&str]) -> Finding {
    Finding::new(
        &RULE,
        location,
        format!(
            "uses opcode{} {} that torch.load(weights_only=True) rejects",
            if opcodes.len() == 1 { "" } else { "s" },
            opcodes.join(", ")
        ),
    )
}
