//! TW208: when `core_pattern` pipes to `systemd-coredump`, its `Storage=` (`coredump.conf`(5):
//! /etc/systemd/coredump.conf, then drop-ins in `coredump.conf`.d/ in lexical order, last one
//! wins; default `external`) decides whether dumps are kept on disk.
use super::{finding, Checked};
use crate::context::Context;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW208",
    name: "coredump-storage",
    severity: Severity::Low,
    section: "8",
    summary: "systemd-coredump keeps core dumps on disk (Storage= is not none).",
    doc: RuleDoc {
        what: "When kernel.core_pattern pipes to systemd-coredump, reads Storage= from /etc/systemd/coredump.conf and /etc/systemd/coredump.conf.d/*.conf (the last setting wins; unset means external) and expects none. Skipped when dumps do not go to systemd-coredump.",
        why: "Stored dumps of training processes keep model weights and private data in /var/lib/systemd/coredump for days; `coredumpctl` makes them easy to copy.",
        example: "coredump.conf without Storage= (default external).",
        fix: "Add `[Coredump]` / `Storage=none` in /etc/systemd/coredump.conf.d/50-torchward.conf; keep dumps only while debugging (statement §8), then switch back.",
        references: &["Security statement §8", "coredump.conf(5)", "Lynis KRNL-5820"],
    },
};

/// Checks the storage setting.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    const PATTERN: &str = "/proc/sys/kernel/core_pattern";
    const CONF: &str = "/etc/systemd/coredump.conf";
    let pattern = ctx.root.read(PATTERN).unwrap_or_default();
    if !pattern.starts_with('|') || !pattern.contains("systemd-coredump") {
        return vec![Checked::plain(finding(
            &RULE,
            Status::Skip,
            CONF,
            "core dumps do not go to systemd-coredump",
        ))];
    }
    let mut files = vec![CONF.to_owned()];
    if let Ok(names) = ctx.root.list("/etc/systemd/coredump.conf.d") {
        files.extend(
            names
                .iter()
                .filter(|n| {
                    std::path::Path::new(n)
                        .extension()
                        .is_some_and(|ext| ext.eq_ignore_ascii_case("conf"))
                })
                .map(|n| format!("/etc/systemd/coredump.conf.d/{n}")),
        );
    }
    let mut storage = ("external".to_owned(), "built-in default".to_owned());
    for file in &files {
        let Ok(Some(text)) = ctx.root.read_opt(file) else {
            continue;
        };
        for line in text.lines() {
            if let Some(value) = line.trim().strip_prefix("Storage=") {
                storage = (value.trim().to_owned(), file.clone());
            }
        }
    }
    let (value, source) = storage;
    let (status, message) = if value == "none" {
        (
            Status::Pass,
            "systemd-coredump does not store dumps (Storage=none)".to_owned(),
        )
    } else {
        (
            Status::Fail,
            format!("systemd-coredump stores dumps (Storage={value}, from {source})"),
        )
    };
    let mut result = finding(&RULE, status, CONF, message)
        .with_values("Storage=none", format!("Storage={value}"))
        .with_evidence("source", source);
    if status == Status::Fail {
        result = result.with_remediation(RULE.doc.fix);
    }
    vec![Checked::plain(result)]
}
