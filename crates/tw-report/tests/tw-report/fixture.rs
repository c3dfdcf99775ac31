//! The one canned report every renderer test uses: model-file findings with archive entries
//! and byte offsets, a lint finding with line and column, a host finding with expected/actual
//! values and a fix, a passing check, a suppressed finding, a rule the registry does not know,
//! text that needs escaping, and analysis errors.
use tw_diagnostics::{
    AnalysisError, Confidence, Finding, Location, Registry, Report, RuleDoc, RuleMeta, Severity,
    Stats, Status, Suppression,
};

pub static RULES: &[RuleMeta] = &[
    RuleMeta {
        id: "TW901",
        name: "test-dangerous-callable",
        severity: Severity::Critical,
        section: "1, 6",
        summary: "The pickle calls a function that runs code.",
        doc: RuleDoc {
            what: "Looks for GLOBAL and STACK_GLOBAL opcodes naming callables that run code.",
            why: "Loading the file runs the callable with arguments from the file.",
            example: "`GLOBAL 'os system'` then `REDUCE` with `('id',)`.",
            fix: "Do not load the file; convert trusted checkpoints with `torchward convert`.",
            references: &[
                "CVE-2025-32434",
                "https://docs.python.org/3/library/pickle.html",
            ],
        },
    },
    RuleMeta {
        id: "TW902",
        name: "test-lint-call",
        severity: Severity::Medium,
        section: "6",
        summary: "A call deserializes untrusted data | with a pipe.",
        doc: RuleDoc {
            what: "Finds `torch.load` without `weights_only=True`.",
            why: "Without it, torch unpickles arbitrary objects.",
            example: "torch.load(path)",
            fix: "torch.load(path, weights_only=True)",
            references: &[],
        },
    },
    RuleMeta {
        id: "TW903",
        name: "test-host-setting",
        severity: Severity::Low,
        section: "2",
        summary: "A kernel setting is weaker than the statement asks.",
        doc: RuleDoc {
            what: "Reads a sysctl.",
            why: "A weak setting helps an attacker.",
            example: "kernel.randomize_va_space = 1",
            fix: "sysctl -w kernel.randomize_va_space=2",
            references: &[],
        },
    },
];

pub fn registry() -> Registry {
    Registry::new([RULES])
}

fn rule(id: &str) -> &'static RuleMeta {
    RULES
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no test rule {id}"))
}

pub fn report() -> Report {
    let mut report = Report::new("scan", "0.1.0");
    report.findings = vec![
        Finding::new(
            rule("TW901"),
            Location::path("models/evil.pt")
                .with_entry("evil/data.pkl")
                .with_offset(26),
            "GLOBAL os.system is called with ('id',) on load",
        )
        .with_evidence("global", "os.system")
        .with_evidence("call", "os.system('id')")
        .with_evidence("module name from the file", "evil\x1b]0;pwned\x07\x1b[2J"),
        Finding::new(
            rule("TW901"),
            Location::path("models/evil.pt")
                .with_entry("evil/data.pkl")
                .with_offset(90),
            "GLOBAL builtins.eval is imported",
        )
        .with_severity(Severity::High),
        Finding::new(
            rule("TW902"),
            {
                let mut location = Location::path("src/train.py").with_line(12, 9);
                location.end_line = Some(12);
                location.end_column = Some(31);
                location
            },
            "torch.load(ckpt) without weights_only=True",
        )
        .with_confidence(Confidence::High),
        Finding::new(
            rule("TW903"),
            Location::path("/proc/sys/kernel/randomize_va_space"),
            "ASLR is partial",
        )
        .with_status(Status::Warn)
        .with_values("2", "1")
        .with_remediation("sysctl -w kernel.randomize_va_space=2"),
        Finding::new(
            rule("TW903"),
            Location::path("/proc/sys/fs/suid_dumpable"),
            "suid_dumpable is 0",
        )
        .with_status(Status::Pass)
        .with_severity(Severity::Info),
        {
            let mut finding = Finding::new(
                rule("TW901"),
                Location::path("tests/fixtures/evil.pkl").with_offset(0),
                "GLOBAL posix.system is called on load",
            );
            finding.suppressed = Some(Suppression {
                source: ".torchwardignore:3".into(),
                reason: "malicious fixture, kept on purpose".into(),
                expires: Some("2999-12-31".into()),
            });
            finding
        },
        Finding::new(
            rule("TW902"),
            Location::path("odd dir/a,b:c.py").with_line(3, 1),
            "100% of calls\nare unsafe, see: here\x1b[31m",
        ),
        {
            let mut finding = Finding::new(
                rule("TW903"),
                Location::path("legacy.bin"),
                "a finding from a rule this registry does not know",
            );
            finding.rule = "TW999".into();
            finding.name = "retired-rule".into();
            finding
        },
    ];
    report.errors = vec![
        AnalysisError {
            path: "models/broken.pt".into(),
            entry: Some("broken/data.pkl".into()),
            offset: Some(7),
            message: "pickle ends inside a BINUNICODE string (needs 40 bytes, 3 left)".into(),
        },
        AnalysisError {
            path: "models/unreadable.pt".into(),
            entry: None,
            offset: None,
            message: "cannot open: permission denied".into(),
        },
    ];
    report.stats = Stats {
        inputs: 9,
        skipped: 2,
        bytes: 4096,
        ..Stats::default()
    };
    report.sort();
    report
}
