//! TW119 `archive-without-model`: An archive holds a file named like a model, and torchward recognises no model file in it.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW119.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW119",
    name: "archive-without-model",
    severity: Severity::Low,
    section: "1",
    summary: "An archive holds a file named like a model, and torchward recognises no model file in it.",
    doc: RuleDoc {
        what: "A plain zip or tar (also inside gzip, bz2, xz, zlib, lzma or lz4) is opened member by member and every member is analysed as a file of its own, nested archives included, within limits on depth, member count and decompressed bytes (TW111 when one is exceeded). When no member is a format torchward recognises although a member's name promises a model (`.pt`, `.ckpt`, `.pkl`, `.safetensors` ...), the archive is reported. An archive whose members are recognised model files (a zip of safetensors files) gets no finding of its own: its members are judged; an archive of ordinary files (a wheel, documents) is clean once every member was looked at.",
        why: "A scanner that passes what it does not understand gives false confidence: a repository bundle, a `.tar.gz` of a checkpoint or a zip holding a model under an unusual name is loaded by people and tools after unpacking, and an attacker only needs a wrapper the scanner ignores.",
        example: "`bundle.zip` holding `model/weights.bin` whose content is no known format.",
        fix: "Unpack the archive and look at what it holds; keep models in formats torchward reads (safetensors above all).",
        references: &["nullifAI (ReversingLabs, 2025): models wrapped in archives scanners do not open"],
    },
};

/// A finding for an archive of `kind` (`zip`, `tar`) with `members` members, none recognised,
/// of which `name` is named like a model.
pub fn finding(location: Location, kind: &str, members: usize, name: &str) -> Finding {
    Finding::new(
        &RULE,
        location,
        format!("{kind} archive of {members} member(s): none is a model format torchward recognises, though `{name}` is named like one"),
    )
    .with_evidence("member", name)
}
