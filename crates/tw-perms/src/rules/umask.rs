//! TW307: the umask of the audit's own process (standing for the session that writes into the
//! tree) is looser than 0027 (statement §4.4).
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW307",
    name: "umask-too-open",
    severity: Severity::Medium,
    section: "4",
    summary: "The current umask is looser than 0027, so new files will fail the table again.",
    doc: RuleDoc {
        what: "Reads the Umask: line of /proc/self/status and fails unless it masks group write and every bit for others (umask & 0027 == 0027).",
        why: "Fixing modes once does not help if every new checkpoint, log and trace is created 0644 again (statement §4.4: files torch.save writes follow the umask).",
        example: "umask 0022.",
        fix: "`umask 0027` in the shell and the training account's ~/.profile; `torchward audit host` checks the system defaults (TW204).",
        references: &["Security statement §4.4", "umask(2)"],
    },
};

/// The finding for umask `mask` (`None` when the kernel does not show it).
pub fn check(mask: Option<u32>) -> Finding {
    let location = Location::path("/proc/self/status");
    match mask {
        None => Finding::new(
            &RULE,
            location,
            "the kernel does not show Umask: (Linux < 4.7)",
        )
        .with_status(Status::Skip),
        Some(mask) if mask & 0o027 == 0o027 => {
            Finding::new(&RULE, location, format!("the umask is {mask:04o}"))
                .with_status(Status::Pass)
                .with_values("0027 or stricter", format!("{mask:04o}"))
        }
        Some(mask) => Finding::new(
            &RULE,
            location,
            format!("the umask is {mask:04o}: new files will be readable or writable by others"),
        )
        .with_values("0027 or stricter", format!("{mask:04o}"))
        .with_remediation("umask 0027"),
    }
}
