//! Archives inside files: the members of a plain zip, a tar, a TorchServe `.mar` or a `.keras`
//! zip, and the content of a compression wrapper that is itself an archive, are each analysed as
//! a file of their own, named by the path through the archives (`bundle.zip!model/x.bin`).
//! One [`Budget`] per top-level file bounds the depth, the members opened and the bytes
//! decompressed, all levels together; exceeding one is a TW111 finding, and what is left is not
//! opened. An archive in which no member is a recognised format although one is named like a
//! model is reported (TW119); an archive of ordinary files (a wheel, documents) is clean once
//! every member was looked at.

use tw_checkpoint::members::Members;
use tw_checkpoint::{Container, Format, PickleRole};
use tw_diagnostics::Location;

use crate::analyse::{analyse_into, named_like_model, FileOutcome};
use crate::classify;
use crate::rules::{archive_without_model, decompression_bomb};
use crate::ScanOptions;

/// What one top-level file has spent on nested archives so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct Budget {
    /// Archive levels currently open around the data being analysed.
    depth: u32,
    /// Members opened so far.
    members: usize,
    /// Bytes decompressed so far (wrappers and deflated members).
    bytes: u64,
}

/// Opens what `container` (of the file or member named `path`, bytes `data`) holds that is a
/// file of its own: a wrapper's archive content, or every member of an archive.
pub(crate) fn open_inner(
    path: &str,
    data: &[u8],
    container: &Container<'_>,
    options: &ScanOptions,
    out: &mut FileOutcome,
) {
    let limits = &options.checkpoint.limits;
    if let Some(inner) = &container.unwrapped {
        out.budget.bytes = out.budget.bytes.saturating_add(inner.len() as u64);
        if !enter(path, options, out) {
            return;
        }
        let mut inner_options = options.clone();
        let left = limits.max_archive_bytes.saturating_sub(out.budget.bytes);
        let max = &mut inner_options.checkpoint.limits.max_decompressed;
        *max = (*max).min(left);
        analyse_into(path, None, inner, &inner_options, 0, true, out);
        out.budget.depth -= 1;
        return;
    }
    if !container.format.holds_members() {
        return;
    }
    let max = limits
        .max_archive_members
        .saturating_sub(out.budget.members);
    let members = match Members::list(data, container.format, limits, max) {
        Ok(members) => members,
        Err(err) => {
            out.error(
                path,
                None,
                None,
                format!("cannot list the archive's members: {err}"),
            );
            return;
        }
    };
    if !enter(path, options, out) {
        return;
    }
    // Members the container already handed out as pickles were analysed with it.
    let analysed: Vec<&str> = container
        .pickles
        .iter()
        .filter(|p| p.role == PickleRole::ExtraEntry)
        .map(|p| p.name.as_str())
        .collect();
    let mut recognised = !analysed.is_empty() || !container.facts.keras_code.is_empty();
    let mut promising: Option<&str> = None;
    for member in &members.list {
        out.budget.members += 1;
        if analysed.contains(&member.name.as_str()) {
            continue;
        }
        let left = limits.max_archive_bytes.saturating_sub(out.budget.bytes);
        if member.compressed && member.size > left {
            out.push(decompression_bomb::finding(
                Location::path(path).with_entry(member.name.as_str()),
                format!(
                    "member `{}` declares {} bytes but only {left} of the {}-byte budget for archive members are left: not opened",
                    member.name, member.size, limits.max_archive_bytes
                ),
            ));
            continue;
        }
        let (bytes, issues) = match members.read(member, left.min(limits.max_decompressed)) {
            Ok(read) => read,
            Err(err) => {
                out.error(path, Some(&member.name), None, err.to_string());
                continue;
            }
        };
        for issue in &issues {
            let issue = tw_checkpoint::ContainerIssue::Zip(issue.clone());
            out.push(classify::container_issue(Location::path(path), &issue));
        }
        if member.compressed {
            out.budget.bytes = out.budget.bytes.saturating_add(bytes.len() as u64);
        }
        let inner_path = format!("{path}!{}", member.name);
        let (format, _) = analyse_into(&inner_path, None, &bytes, options, 0, true, out);
        if format == Format::Unknown {
            if promising.is_none() && named_like_model(&member.name, &bytes) {
                promising = Some(member.name.as_str());
            }
        } else {
            recognised = true;
        }
    }
    out.budget.depth -= 1;
    if members.truncated {
        out.push(decompression_bomb::finding(
            Location::path(path),
            format!(
                "more archive members than the limit of {} per file: the rest are not opened",
                limits.max_archive_members
            ),
        ));
    }
    if let Some(name) = promising.filter(|_| !recognised) {
        out.push(archive_without_model::finding(
            Location::path(path),
            container.format.name(),
            members.list.len(),
            name,
        ));
    }
}

/// Enters one more archive level, or reports (TW111) that the depth limit stops it.
fn enter(path: &str, options: &ScanOptions, out: &mut FileOutcome) -> bool {
    let max = options.checkpoint.limits.max_archive_depth;
    if out.budget.depth >= max {
        out.push(decompression_bomb::finding(
            Location::path(path),
            format!("archives nested more than {max} deep: the innermost is not opened"),
        ));
        return false;
    }
    out.budget.depth += 1;
    true
}
