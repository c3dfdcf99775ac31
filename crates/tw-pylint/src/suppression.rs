//! Suppression comments: `# torchward: ignore[TW601,TW621]` (or bare `# torchward: ignore`)
//! on any line of the reported call, `# torchward: ignore-file[...]` in the first
//! `FILE_DIRECTIVE_LINES` lines, `# noqa: TW601` (only TW codes count: a bare `# noqa` or
//! other tools' codes never hide a torchward finding), and `# nosec` only when the caller
//! opts in (bandit-style blanket comments are common and would hide findings).
//! Invariant: a suppression only marks a finding; it never removes it.
use std::collections::HashMap;
use tw_diagnostics::Suppression;

/// How many lines from the top may carry `# torchward: ignore-file`.
pub const FILE_DIRECTIVE_LINES: usize = 20;

/// Which rules a directive covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Codes {
    All,
    Some(Vec<String>),
}

impl Codes {
    fn covers(&self, rule: &str) -> bool {
        match self {
            Codes::All => true,
            Codes::Some(codes) => codes.iter().any(|code| code.eq_ignore_ascii_case(rule)),
        }
    }
}

#[derive(Debug, Clone)]
struct Directive {
    codes: Codes,
    /// The comment text, kept as the suppression's reason.
    text: String,
}

/// The suppression directives of one file.
#[derive(Debug, Default)]
pub(crate) struct Suppressions {
    lines: HashMap<usize, Vec<Directive>>,
    file: Vec<Directive>,
}

impl Suppressions {
    /// Reads the directives from `(0-based line, comment text)` pairs.
    pub(crate) fn from_comments<'a>(
        comments: impl IntoIterator<Item = (usize, &'a str)>,
        honor_nosec: bool,
    ) -> Self {
        let mut suppressions = Suppressions::default();
        for (line, comment) in comments {
            for (is_file, codes) in parse(comment, honor_nosec) {
                let directive = Directive {
                    codes,
                    text: comment.trim().to_owned(),
                };
                if is_file {
                    if line < FILE_DIRECTIVE_LINES {
                        suppressions.file.push(directive);
                    }
                } else {
                    suppressions.lines.entry(line).or_default().push(directive);
                }
            }
        }
        suppressions
    }

    /// Reads the directives of a `#`-commented text file (shell, Dockerfile, YAML, `.env`).
    pub(crate) fn from_hash_comments(text: &str, honor_nosec: bool) -> Self {
        Suppressions::from_comments(
            text.lines()
                .enumerate()
                .filter_map(|(line, content)| content.find('#').map(|at| (line, &content[at..]))),
            honor_nosec,
        )
    }

    /// The suppression covering `rule` on any of the 0-based lines `first..=last`.
    pub(crate) fn find(&self, rule: &str, first: usize, last: usize) -> Option<Suppression> {
        let file = self.file.iter().find(|d| d.codes.covers(rule));
        let line = || {
            (first..=last)
                .filter_map(|line| self.lines.get(&line))
                .flatten()
                .find(|d| d.codes.covers(rule))
        };
        let (directive, source) = match file {
            Some(directive) => (directive, "inline-file"),
            None => (line()?, "inline"),
        };
        Some(Suppression {
            source: source.to_owned(),
            reason: directive.text.clone(),
            expires: None,
        })
    }
}

/// The directives in one comment: `(is_file_wide, codes)`.
fn parse(comment: &str, honor_nosec: bool) -> Vec<(bool, Codes)> {
    let mut found = Vec::new();
    let lower = comment.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("torchward:") {
        let after = rest[at + "torchward:".len()..].trim_start();
        if let Some(tail) = after.strip_prefix("ignore-file") {
            found.push((true, bracket_codes(tail)));
        } else if let Some(tail) = after.strip_prefix("ignore") {
            found.push((false, bracket_codes(tail)));
        }
        rest = &rest[at + "torchward:".len()..];
    }
    if let Some(at) = lower.find("noqa:") {
        let codes: Vec<String> = lower[at + "noqa:".len()..]
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(str::trim)
            .take_while(|code| code.is_empty() || code.chars().all(|c| c.is_ascii_alphanumeric()))
            .filter(|code| code.starts_with("tw") && code.len() == 5)
            .map(str::to_ascii_uppercase)
            .collect();
        if !codes.is_empty() {
            found.push((false, Codes::Some(codes)));
        }
    }
    if honor_nosec && lower.contains("nosec") {
        found.push((false, Codes::All));
    }
    found
}

/// `[TW601, TW621]` right after a directive, or all rules when there is no bracket.
fn bracket_codes(tail: &str) -> Codes {
    let Some(inner) = tail.trim_start().strip_prefix('[') else {
        return Codes::All;
    };
    let inner = inner.split(']').next().unwrap_or("");
    Codes::Some(
        inner
            .split(',')
            .map(|code| code.trim().to_ascii_uppercase())
            .filter(|code| !code.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(comment: &str, nosec: bool) -> Suppressions {
        Suppressions::from_comments([(0, comment)], nosec)
    }

    #[test]
    fn directives() {
        let s = one("# torchward: ignore[TW601, tw621]", false);
        assert!(s.find("TW601", 0, 0).is_some());
        assert!(s.find("TW621", 0, 0).is_some());
        assert!(s.find("TW602", 0, 0).is_none());
        assert!(one("# torchward: ignore", false)
            .find("TW699", 0, 0)
            .is_some());
        assert!(one("# noqa: E501, TW601", false)
            .find("TW601", 0, 0)
            .is_some());
        assert!(one("# noqa", false).find("TW601", 0, 0).is_none());
        assert!(one("# noqa: S301", false).find("TW621", 0, 0).is_none());
        assert!(one("# nosec B614", false).find("TW601", 0, 0).is_none());
        assert!(one("# nosec B614", true).find("TW601", 0, 0).is_some());
    }

    #[test]
    fn file_directive_only_near_the_top() {
        let top = Suppressions::from_comments([(3, "# torchward: ignore-file[TW621]")], false);
        assert!(top.find("TW621", 90, 90).is_some());
        assert!(top.find("TW601", 90, 90).is_none());
        let late = Suppressions::from_comments([(40, "# torchward: ignore-file")], false);
        assert!(late.find("TW621", 90, 90).is_none());
    }

    #[test]
    fn any_line_of_a_multi_line_call() {
        let s = Suppressions::from_comments([(5, "# torchward: ignore[TW602]")], false);
        assert!(s.find("TW602", 3, 6).is_some());
        assert!(s.find("TW602", 6, 8).is_none());
    }
}
