//! TW110 `zip-ambiguity`: The zip container can be read two ways, so a scanner and torch may see different files.
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW110.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW110",
    name: "zip-ambiguity",
    severity: Severity::High,
    section: "1",
    summary: "The zip container can be read two ways, so a scanner and torch may see different files.",
    doc: RuleDoc {
        what: "torchward walks the zip itself and reports duplicate entry names, names equal but for case (torch's miniz lookup ignores case), local and central headers that disagree, bytes before the first entry (a pickle+zip polyglot), encryption or unusual flag bits, CRC mismatches and overlapping entries.",
        why: "Scanners have been bypassed by exactly these differences: a duplicated `data.pkl` whose first copy is malicious, a pickle prepended to a benign zip that `torch.load` runs as a legacy file, a local-header rename (CVE-2025-1944), flag bits (CVE-2025-1945), a bad CRC that torch ignores (CVE-2025-10156). The file is at best damaged and at worst crafted.",
        example: "`archive/data.pkl` stored twice, or a pickle followed by a complete zip archive.",
        fix: "Do not load the file. Re-create the archive from its source with `torch.save`.",
        references: &["CVE-2025-1944", "CVE-2025-1945", "CVE-2025-10156", "caffe2/serialize/inline_container.cc"],
    },
};

/// A finding of this rule at `location` with `message`.
pub fn finding(location: Location, message: impl Into<String>) -> Finding {
    Finding::new(&RULE, location, message)
}
