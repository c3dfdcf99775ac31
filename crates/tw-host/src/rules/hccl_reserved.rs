//! TW211: HCCL ports inside the ephemeral range but not reserved (statement §12: source ports
//! come from `ip_local_port_range`; HCCL listens on `HCCL_IF_BASE_PORT` and the span after it).
//! An outgoing connection may take an HCCL port first and the job fails to bind; reserving the
//! overlap in `ip_local_reserved_ports` (`ip-sysctl.rst`) prevents it.
use super::{finding, Checked};
use crate::context::Context;
use crate::fix::FixAction;
use crate::ports::{self, PortRange};
use crate::sysctl;
use tw_diagnostics::{RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW211",
    name: "hccl-ports-not-reserved",
    severity: Severity::Low,
    section: "12",
    summary: "HCCL ports lie inside ip_local_port_range but are not in ip_local_reserved_ports.",
    doc: RuleDoc {
        what: "Intersects the HCCL span (HCCL_IF_BASE_PORT, default 60000, 16 or 32 ports) with net.ipv4.ip_local_port_range and fails when part of the overlap is missing from net.ipv4.ip_local_reserved_ports.",
        why: "The kernel hands out ephemeral source ports from ip_local_port_range; one of them can be an HCCL port, and HCCL then cannot listen there (the job fails or falls back to an unexpected port).",
        example: "ip_local_port_range 32768 60999 (Debian default) with HCCL on 60000-60015 and no reserved ports.",
        fix: "`sysctl -w net.ipv4.ip_local_reserved_ports=60000-60015` (merged with existing entries) and persist in /etc/sysctl.d/, or `torchward audit host --fix`; alternatively move HCCL_IF_BASE_PORT out of the range.",
        references: &["Security statement §12", "Linux Documentation/networking/ip-sysctl.rst (ip_local_reserved_ports)", "CANN HCCL_IF_BASE_PORT"],
    },
};

/// Checks the overlap.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    const RANGE: &str = "net.ipv4.ip_local_port_range";
    const RESERVED: &str = "net.ipv4.ip_local_reserved_ports";
    let hccl = ctx.options.ports.hccl;
    let read = |key: &str| ctx.root.read(&sysctl::path_of(key));
    let range_path = sysctl::path_of(RANGE);
    let (range_text, reserved_text) = match (read(RANGE), read(RESERVED)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(err), _) | (_, Err(err)) => {
            let status = if err.is_not_found() {
                Status::Skip
            } else {
                Status::Error
            };
            return vec![Checked::plain(finding(
                &RULE,
                status,
                &range_path,
                err.to_string(),
            ))];
        }
    };
    let (Some(local), Some(reserved)) = (
        ports::parse_local_range(&range_text),
        ports::parse_reserved(&reserved_text),
    ) else {
        return vec![Checked::plain(finding(
            &RULE,
            Status::Error,
            &range_path,
            format!(
                "cannot parse {RANGE} `{}` or {RESERVED} `{}`",
                range_text.trim(),
                reserved_text.trim()
            ),
        ))];
    };
    let base = |status: Status, message: String| {
        finding(&RULE, status, &range_path, message)
            .with_evidence(RANGE, local.to_string())
            .with_evidence(RESERVED, ports::format_list(&reserved))
            .with_evidence("HCCL span", hccl.to_string())
    };
    let Some(overlap) = hccl.intersect(local) else {
        return vec![Checked::plain(base(
            Status::Pass,
            format!("HCCL ports {hccl} lie outside the ephemeral range {local}"),
        ))];
    };
    let missing = ports::uncovered(overlap, &reserved);
    if missing.is_empty() {
        return vec![Checked::plain(base(
            Status::Pass,
            format!("HCCL ports {overlap} inside the ephemeral range are reserved"),
        ))];
    }
    let mut wanted: Vec<PortRange> = reserved.clone();
    wanted.push(overlap);
    let target = ports::format_list(&ports::merge(wanted));
    let missing_text = ports::format_list(&missing);
    vec![Checked {
        finding: base(
            Status::Fail,
            format!("HCCL ports {missing_text} lie inside the ephemeral range {local} and are not reserved"),
        )
        .with_values(format!("{overlap} in {RESERVED}"), format!("{RESERVED} = `{}`", reserved_text.trim()))
        .with_remediation(sysctl::remediation(RESERVED, &target)),
        fix: Some(FixAction::Sysctl {
            key: RESERVED.to_owned(),
            from: reserved_text.trim().to_owned(),
            to: target,
        }),
    }]
}
