//! The shared judgement of one sysctl against a wanted value, used by every sysctl rule so
//! reading, skipping an absent key, the unprivileged case and the fix are the same for all.
use super::{finding, Checked};
use crate::context::Context;
use crate::fix::FixAction;
use crate::sysctl::{self, Want};
use tw_diagnostics::{RuleMeta, Severity, Status};

/// Judges `key` against `want` for `rule`, at `severity`; `note` prefixes the message.
pub(crate) fn judge(
    ctx: &Context,
    rule: &RuleMeta,
    key: &str,
    want: Want,
    severity: Severity,
    note: &str,
) -> Checked {
    let path = sysctl::path_of(key);
    let result = |status: Status, message: String| {
        finding(rule, status, &path, format!("{note}{message}"))
            .with_severity(severity)
            .with_evidence("sysctl", key)
    };
    let value = match ctx.root.read(&path) {
        Ok(value) => value.trim().to_owned(),
        Err(err) if err.is_not_found() => {
            return Checked::plain(result(
                Status::Skip,
                format!("{key} does not exist on this kernel"),
            ))
        }
        Err(err) if err.is_denied() => {
            return Checked::plain(
                result(
                    Status::Warn,
                    format!("incomplete: unprivileged: {key} could not be read"),
                )
                .with_values(want.describe(), "unreadable"),
            )
        }
        Err(err) => {
            return Checked::plain(result(Status::Error, err.to_string()));
        }
    };
    if want.accepts(&value) {
        return Checked::plain(
            result(Status::Pass, format!("{key} is {value}")).with_values(want.describe(), value),
        );
    }
    let target = want.target().to_string();
    Checked {
        finding: result(
            Status::Fail,
            format!("{key} is {value}, expected {}", want.describe()),
        )
        .with_values(want.describe(), value.clone())
        .with_remediation(sysctl::remediation(key, &target)),
        fix: Some(FixAction::Sysctl {
            key: key.to_owned(),
            from: value,
            to: target,
        }),
    }
}
