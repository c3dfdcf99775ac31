//! No input makes the lint panic: arbitrary text, and Python-shaped token soup that reaches
//! the resolver and the rules with broken or odd syntax.
use proptest::prelude::*;
use tw_pylint::{lint_source, Options, SourceKind};

const TOKENS: &[&str] = &[
    "import torch",
    "import pickle as p",
    "from torch import load",
    "from . import x",
    "torch.load(",
    "p.loads(",
    "load(",
    "weights_only=",
    "True",
    "False",
    "**kw",
    "*a",
    ")",
    "(",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "=",
    ":=",
    "\n",
    "    ",
    "def f(",
    "class C:",
    "lambda x:",
    "for x in",
    "if",
    "else:",
    "try:",
    "except ImportError:",
    "global load",
    "nonlocal load",
    "match x:",
    "case _:",
    "f\"{",
    "\"",
    "'",
    "#",
    "# torchward: ignore[",
    "# noqa: TW6",
    "os.environ[",
    "\"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD\"",
    "\"1\"",
    "yaml.load(",
    "Loader=",
    "[x for x in",
    "(y := ",
    "del ",
    "é",
    "\r",
    "\t",
    "\\",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = lint_source("x.py", &format!("import torch\n{text}"), SourceKind::Python, Options::default());
        let _ = lint_source("x.sh", &format!("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD{text}"), SourceKind::EnvText, Options::default());
    }

    #[test]
    fn token_soup_never_panics(picks in proptest::collection::vec(0..TOKENS.len(), 0..120)) {
        let source: String = picks.iter().filter_map(|&i| TOKENS.get(i).copied()).collect::<Vec<_>>().join(" ");
        let outcome = lint_source("soup.py", &source, SourceKind::Python, Options::default());
        for finding in &outcome.findings {
            prop_assert!(finding.location.line.is_some_and(|line| line >= 1));
        }
    }
}
