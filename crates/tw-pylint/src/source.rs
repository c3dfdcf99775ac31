//! Linting one file's text: Python through the parser and the scope-aware rules, other
//! config text (shell, Dockerfile, `.env`, YAML) through TW604's line pass. Turns rule hits
//! into `Finding`s with positions, the normalized call text and suppressions. Invariant: a
//! file that does not parse still has its recovered tree linted, and every parse error is
//! returned with the parser's message and position.
use crate::baseline::CODE_EVIDENCE;
use crate::parse::{parse_python, syntax_errors};
use crate::position::LineIndex;
use crate::resolver::check_module;
use crate::rules::torch_force_no_weights_only;
use crate::suppression::Suppressions;
use crate::{Options, SourceKind};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::Mod;
use ruff_text_size::Ranged;
use tw_diagnostics::{Finding, Location};

/// Longest call text kept as evidence (and baseline key), in characters.
const MAX_CODE_CHARS: usize = 240;

/// A syntax error of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    /// The path as given.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// Byte offset in the file.
    pub offset: u64,
    /// The parser's message.
    pub message: String,
}

/// What linting one file produced.
#[derive(Debug, Clone, Default)]
pub struct FileOutcome {
    /// Findings, suppressed ones included (marked).
    pub findings: Vec<Finding>,
    /// Syntax errors (the recovered tree was still linted).
    pub parse_errors: Vec<ParseFailure>,
    /// Whether the byte prefilter skipped the file without parsing.
    pub skipped: bool,
}

/// Lints one file's text. `path` is used verbatim in locations.
pub fn lint_source(path: &str, source: &str, kind: SourceKind, options: Options) -> FileOutcome {
    let may_match = match kind {
        SourceKind::Python => crate::prefilter::python_may_match(source.as_bytes()),
        SourceKind::EnvText => crate::prefilter::text_may_match(source.as_bytes()),
    };
    if !may_match {
        return FileOutcome {
            skipped: true,
            ..FileOutcome::default()
        };
    }
    match kind {
        SourceKind::Python => lint_python(path, source, options),
        SourceKind::EnvText => lint_text(path, source, options),
    }
}

fn lint_python(path: &str, source: &str, options: Options) -> FileOutcome {
    let index = LineIndex::new(source);
    let parsed = parse_python(source);
    let parse_errors = syntax_errors(path, source, &index, &parsed);
    let comments = parsed
        .tokens()
        .iter()
        .filter(|token| token.kind() == TokenKind::Comment)
        .filter_map(|token| {
            let start = token.start().to_usize();
            source
                .get(start..token.end().to_usize())
                .map(|text| (index.line_of(start), text))
        });
    let suppressions = Suppressions::from_comments(comments, options.honor_nosec);
    let Mod::Module(module) = parsed.syntax() else {
        return FileOutcome {
            parse_errors,
            ..FileOutcome::default()
        };
    };
    let findings = check_module(&module.body)
        .into_iter()
        .map(|ranged| {
            let start = ranged.range.start().to_usize();
            let end = ranged.range.end().to_usize();
            let (line, column) = index.position(source, start);
            let (end_line, end_column) = index.position(source, end);
            let mut location = Location::path(path).with_line(line, column);
            location.end_line = Some(end_line);
            location.end_column = Some(end_column);
            let code = normalize(source.get(start..end).unwrap_or(""));
            let mut finding = Finding::new(ranged.hit.rule, location, ranged.hit.message)
                .with_severity(ranged.hit.severity)
                .with_confidence(ranged.hit.confidence)
                .with_evidence(CODE_EVIDENCE, code);
            if !ranged.qualified.is_empty() {
                finding = finding.with_evidence("resolved", ranged.qualified);
            }
            finding.suppressed =
                suppressions.find(&finding.rule, index.line_of(start), index.line_of(end));
            finding
        })
        .collect();
    FileOutcome {
        findings,
        parse_errors,
        skipped: false,
    }
}

fn lint_text(path: &str, source: &str, options: Options) -> FileOutcome {
    let suppressions = Suppressions::from_hash_comments(source, options.honor_nosec);
    let lines: Vec<&str> = source.lines().collect();
    let findings = torch_force_no_weights_only::check_text(source)
        .into_iter()
        .map(|text_hit| {
            let line_text = lines.get(text_hit.line).copied().unwrap_or("");
            let column = line_text
                .get(..text_hit.column)
                .map_or(text_hit.column, |prefix| prefix.chars().count());
            let line = u32::try_from(text_hit.line + 1).unwrap_or(u32::MAX);
            let column = u32::try_from(column + 1).unwrap_or(u32::MAX);
            let mut finding = Finding::new(
                text_hit.hit.rule,
                Location::path(path).with_line(line, column),
                text_hit.hit.message,
            )
            .with_severity(text_hit.hit.severity)
            .with_confidence(text_hit.hit.confidence)
            .with_evidence(CODE_EVIDENCE, normalize(line_text));
            finding.suppressed = suppressions.find(&finding.rule, text_hit.line, text_hit.line);
            finding
        })
        .collect();
    FileOutcome {
        findings,
        parse_errors: Vec::new(),
        skipped: false,
    }
}

/// The call text with whitespace runs (newlines included) collapsed to one space, capped at
/// `MAX_CODE_CHARS` characters.
fn normalize(code: &str) -> String {
    let mut out = String::with_capacity(code.len().min(MAX_CODE_CHARS));
    for word in code.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > MAX_CODE_CHARS {
        out = out.chars().take(MAX_CODE_CHARS).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_whitespace_only() {
        assert_eq!(
            normalize("torch.load(\n    p,\n    map_location='cpu',\n)"),
            "torch.load( p, map_location='cpu', )"
        );
        assert_eq!(normalize(&"x".repeat(300)).chars().count(), 241);
    }
}
