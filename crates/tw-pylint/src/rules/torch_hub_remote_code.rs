//! TW605 torch-hub-remote-code: `torch.hub.load`/`list`/`help` import and run `hubconf.py`
//! from a repository. Signatures follow `torch/hub.py`: `load(repo_or_dir, model, *args,
//! source="github", trust_repo="check", ...)`, `list(github, force_reload, skip_validation,
//! trust_repo, verbose)`, `help(github, model, force_reload, skip_validation, trust_repo)`.
//! Invariant: a GitHub source is escalated when the ref is not a commit hash or
//! `trust_repo=True`; `source="local"` is only a note.
use super::Hit;
use crate::call::{Arg, CallSite, Literal};
use tw_diagnostics::{RuleDoc, RuleMeta, Severity};

/// The rule's metadata and documentation.
pub(crate) const RULE: RuleMeta = RuleMeta {
    id: "TW605",
    name: "torch-hub-remote-code",
    severity: Severity::Medium,
    section: "6",
    summary: "torch.hub.load/list/help download and run a repository's hubconf.py.",
    doc: RuleDoc {
        what: "Calls to `torch.hub.load`, `torch.hub.list` and `torch.hub.help`. Raised to high \
when the repository is GitHub and the ref is not pinned to a commit hash (`owner/repo` or \
`owner/repo:main`) or when `trust_repo=True`; lowered to a note for `source=\"local\"`. Must \
not flag: `torch.hub.download_url_to_file`, `torch.hub.get_dir`, other objects' `.load`.",
        why:
            "`hubconf.py` and everything it imports run with the caller's privileges. A branch or \
tag can be moved by whoever controls the repository, so an unpinned ref runs whatever code is \
there at load time; `trust_repo=True` also skips torch's confirmation prompt.",
        example: "torch.hub.load(\"pytorch/vision\", \"resnet50\")   # TW605 (high: unpinned)",
        fix: "Vendor the model code and load weights with `torch.load(..., weights_only=True)` or \
safetensors; if hub must be used, pin `owner/repo:<commit sha>` and keep `trust_repo` at its \
default.",
        references: &[
            "https://pytorch.org/docs/stable/hub.html",
            "torch/hub.py: load, list, help",
            "Security statement section 6",
        ],
    },
};

const ENTRY_POINTS: &[(&str, Option<usize>)] = &[
    ("torch.hub.load", None),
    ("torch.hub.list", Some(3)),
    ("torch.hub.help", Some(4)),
];

/// Whether `repo` is `owner/name:<hex commit>` (7 to 40 hex digits).
fn pinned(repo: &str) -> bool {
    repo.rsplit_once(':').is_some_and(|(_, reference)| {
        (7..=40).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Reports a hub call that runs repository code.
pub(crate) fn check(site: &CallSite<'_>) -> Option<Hit> {
    let &(_, trust_position) = ENTRY_POINTS
        .iter()
        .find(|(name, _)| *name == site.qualified)?;
    let is_load = site.qualified == "torch.hub.load";
    let source = if is_load {
        site.arg("source", None)
    } else {
        Arg::Missing
    };
    if matches!(&source, Arg::Literal(Literal::Str(s)) if s == "local") {
        return Some(
            Hit::new(
                &RULE,
                format!(
                    "`{}` with source=\"local\" runs the directory's hubconf.py as code",
                    site.qualified
                ),
            )
            .severity(Severity::Low),
        );
    }
    let trusted = matches!(
        site.arg("trust_repo", trust_position),
        Arg::Literal(Literal::Bool(true))
    );
    let repo = site.arg(if is_load { "repo_or_dir" } else { "github" }, Some(0));
    let hit = match &repo {
        Arg::Literal(Literal::Str(repo)) if !pinned(repo) => Hit::new(
            &RULE,
            format!("`{}` runs hubconf.py from \"{repo}\", a ref that is not pinned to a commit hash", site.qualified),
        )
        .severity(Severity::High),
        _ if trusted => Hit::new(
            &RULE,
            format!("`{}` with trust_repo=True runs hubconf.py from the repository without confirmation", site.qualified),
        )
        .severity(Severity::High),
        Arg::Literal(Literal::Str(repo)) => Hit::new(
            &RULE,
            format!("`{}` runs hubconf.py from \"{repo}\" as code", site.qualified),
        ),
        _ => Hit::new(
            &RULE,
            format!("`{}` runs hubconf.py from a repository the linter cannot know", site.qualified),
        )
        .unsure(),
    };
    Some(if source.is_unknown() {
        hit.unsure()
    } else {
        hit
    })
}

#[cfg(test)]
mod tests {
    use super::pinned;

    #[test]
    fn only_commit_hashes_pin() {
        assert!(pinned("pytorch/vision:2b9a5d1"));
        assert!(!pinned("pytorch/vision"));
        assert!(!pinned("pytorch/vision:main"));
        assert!(!pinned("pytorch/vision:v0.10.0"));
    }
}
