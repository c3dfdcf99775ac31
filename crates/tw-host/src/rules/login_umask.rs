//! TW204: the login defaults set a umask of 0027 or stricter (statement §4.4): `UMASK` in
//! /etc/login.defs (login(1), useradd(8); absent means 022), `umask NNN` lines in /etc/profile,
//! /etc/profile.d/*.sh and /etc/bash.bashrc, and `umask=` arguments of `pam_umask` in /etc/pam.d.
//! Only login.defs has an automatic fix; shell files are reported with their line.
use super::{finding, octal, umask_ok, Checked};
use crate::context::Context;
use crate::fix::FixAction;
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity, Status};

/// The rule.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW204",
    name: "login-umask",
    severity: Severity::Medium,
    section: "4",
    summary: "A login default (login.defs, profile, pam_umask) sets a umask looser than 0027.",
    doc: RuleDoc {
        what: "Reads UMASK in /etc/login.defs, `umask` commands in /etc/profile, /etc/profile.d/*.sh and /etc/bash.bashrc, and pam_umask `umask=` arguments in /etc/pam.d/*; each must be 0027 or stricter. A login.defs without UMASK means the built-in 022.",
        why: "New sessions inherit these values, so every file a training job later writes (checkpoints, logs, profiler data) gets group- or world-readable modes unless someone remembers to run umask by hand (statement §4.4).",
        example: "/etc/login.defs: `UMASK 022`.",
        fix: "Set `UMASK 027` in /etc/login.defs (`torchward audit host --fix` does this) and change `umask 022` lines to `umask 027`.",
        references: &["Security statement §4.4", "login.defs(5) UMASK", "pam_umask(8)", "Lynis AUTH-9328"],
    },
};

/// Parses an octal umask word (`027`, `0027`).
fn parse_mask(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 4 {
        return None;
    }
    u32::from_str_radix(word, 8).ok()
}

fn judge(path: &str, line: usize, mask: u32, what: &str) -> Finding {
    let (status, message) = if umask_ok(mask) {
        (Status::Pass, format!("{what} sets umask {}", octal(mask)))
    } else {
        (
            Status::Fail,
            format!("{what} sets umask {}, looser than 0027", octal(mask)),
        )
    };
    let mut result = Finding::new(
        &RULE,
        Location::path(path).with_line(u32::try_from(line).unwrap_or(u32::MAX), 1),
        message,
    )
    .with_status(status)
    .with_values("0027 or stricter", octal(mask));
    if status == Status::Fail {
        result = result.with_remediation(format!(
            "Edit {path} line {line}: use 027 instead of {mask:03o}."
        ));
    }
    result
}

fn login_defs(ctx: &Context) -> Vec<Checked> {
    const PATH: &str = "/etc/login.defs";
    let text = match ctx.root.read_opt(PATH) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return vec![Checked::plain(finding(
                &RULE,
                Status::Skip,
                PATH,
                "/etc/login.defs does not exist",
            ))]
        }
        Err(err) => {
            return vec![Checked::plain(finding(
                &RULE,
                Status::Error,
                PATH,
                err.to_string(),
            ))]
        }
    };
    let setting = text.lines().enumerate().find_map(|(index, line)| {
        let mut words = line.split_whitespace();
        (words.next() == Some("UMASK")).then(|| (index + 1, words.next().map(str::to_owned)))
    });
    let fix = |from: Option<String>| FixAction::LoginDefsUmask {
        from,
        to: "027".to_owned(),
    };
    match setting {
        Some((line, Some(word))) => match parse_mask(&word) {
            Some(mask) => {
                let result = judge(PATH, line, mask, "/etc/login.defs UMASK");
                if result.status == Status::Fail {
                    vec![Checked {
                        finding: result.with_remediation(
                            "Set `UMASK 027` in /etc/login.defs (or `torchward audit host --fix`).",
                        ),
                        fix: Some(fix(Some(word))),
                    }]
                } else {
                    vec![Checked::plain(result)]
                }
            }
            None => vec![Checked::plain(finding(
                &RULE,
                Status::Error,
                PATH,
                format!("line {line}: UMASK `{word}` is not an octal umask"),
            ))],
        },
        _ => vec![Checked {
            finding: finding(
                &RULE,
                Status::Fail,
                PATH,
                "/etc/login.defs sets no UMASK, so login uses 022",
            )
            .with_values("UMASK 027 or stricter", "unset (022)")
            .with_remediation(
                "Add `UMASK 027` to /etc/login.defs (or `torchward audit host --fix`).",
            ),
            fix: Some(fix(None)),
        }],
    }
}

fn shell_files(ctx: &Context, out: &mut Vec<Checked>) {
    let mut files = vec!["/etc/profile".to_owned(), "/etc/bash.bashrc".to_owned()];
    if let Ok(names) = ctx.root.list("/etc/profile.d") {
        files.extend(
            names
                .iter()
                .filter(|n| {
                    std::path::Path::new(n)
                        .extension()
                        .is_some_and(|ext| ext.eq_ignore_ascii_case("sh"))
                })
                .map(|n| format!("/etc/profile.d/{n}")),
        );
    }
    for path in files {
        let Ok(Some(text)) = ctx.root.read_opt(&path) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            // Commands separated by `;` on one line are split; comments end the line.
            let code = line.split('#').next().unwrap_or("");
            for command in code.split(';') {
                let mut words = command.split_whitespace();
                if words.next() != Some("umask") {
                    continue;
                }
                if let Some(mask) = words.next().and_then(parse_mask) {
                    out.push(Checked::plain(judge(
                        &path,
                        index + 1,
                        mask,
                        &format!("{path} line {}", index + 1),
                    )));
                }
            }
        }
    }
}

fn pam(ctx: &Context, out: &mut Vec<Checked>) {
    let Ok(names) = ctx.root.list("/etc/pam.d") else {
        return;
    };
    for name in names {
        let path = format!("/etc/pam.d/{name}");
        let Ok(Some(text)) = ctx.root.read_opt(&path) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            let code = line.split('#').next().unwrap_or("");
            if !code.contains("pam_umask.so") {
                continue;
            }
            let mask = code
                .split_whitespace()
                .find_map(|word| word.strip_prefix("umask="))
                .and_then(parse_mask);
            if let Some(mask) = mask {
                out.push(Checked::plain(judge(
                    &path,
                    index + 1,
                    mask,
                    &format!("pam_umask in {path}"),
                )));
            }
        }
    }
}

/// Checks every login default.
pub(crate) fn check(ctx: &Context) -> Vec<Checked> {
    let mut out = login_defs(ctx);
    shell_files(ctx, &mut out);
    pam(ctx, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::parse_mask;

    #[test]
    fn parses_octal_masks_only() {
        assert_eq!(parse_mask("027"), Some(0o27));
        assert_eq!(parse_mask("0077"), Some(0o77));
        assert_eq!(parse_mask("089"), None);
        assert_eq!(parse_mask("00777"), None);
        assert_eq!(parse_mask(""), None);
    }
}
