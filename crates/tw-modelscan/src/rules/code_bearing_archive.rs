//! TW103 `code-bearing-archive`: The archive carries code: a TorchScript module or a torch.package.
use std::fmt::Write as _;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW103.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW103",
    name: "code-bearing-archive",
    severity: Severity::High,
    section: "1",
    summary: "The archive carries code: a TorchScript module or a torch.package.",
    doc: RuleDoc {
        what: "A zip whose records include `constants.pkl` or `code/` (TorchScript, written by `torch.jit.save`) or the layout of `torch.package` is reported, with the code files it contains.",
        why: "TorchScript and torch.package archives are programs, not data: loading them runs the code they contain (`__setstate__` and methods of `__torch__` classes, or the packaged Python source). Before torch 2.6, `torch.load(weights_only=True)` forwarded TorchScript files to `torch.jit.load` (CVE-2025-32434); TorchScript ops such as `aten::save` and `aten::from_file` give file write and read.",
        example: "`model.pt` containing `model/code/__torch__/module.py` and `model/constants.pkl`.",
        fix: "Treat the file like an executable from its author: load it only if you trust them. To share weights, export a `state_dict` with `torch.save` or, better, safetensors.",
        references: &["CVE-2025-32434", "https://github.com/pytorch/pytorch/pull/143326", "PyTorch SECURITY.md: TorchScript models should be treated as executable code"],
    },
};

/// A finding for an archive of `kind` (TorchScript, torch.package) carrying `code_files`: the
/// message counts them, the evidence lists each once.
pub fn finding(location: Location, kind: &str, code_files: &[String]) -> Finding {
    let mut message = format!("{kind} archive: loading it runs the code it carries");
    if !code_files.is_empty() {
        let _ = write!(
            message,
            " ({} code file{})",
            code_files.len(),
            if code_files.len() == 1 { "" } else { "s" },
        );
    }
    code_files
        .iter()
        .fold(Finding::new(&RULE, location, message), |f, file| {
            f.with_evidence("code file", file.as_str())
        })
}
