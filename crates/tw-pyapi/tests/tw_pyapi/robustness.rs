//! Hostile packages: import cycles, star-import cycles, relative imports above the top,
//! `__all__` that refers to itself or to unknown modules, deep nesting. Analysis must finish
//! and give the expected, bounded result; no token soup or arbitrary text makes it panic.
use proptest::prelude::*;
use tw_pyapi::{analyze, Content, SourceFile, SourceSet};

fn package(files: &[(&str, &str)]) -> SourceSet {
    SourceSet {
        package: "p".to_owned(),
        files: files
            .iter()
            .map(|(module, text)| SourceFile {
                module: (*module).to_owned(),
                display: format!("{module}.py"),
                is_package: *module == "p",
                is_stub: false,
                content: Content::Text((*text).to_owned()),
                stub: None,
            })
            .collect(),
        problems: Vec::new(),
    }
}

#[test]
fn cycles_and_bad_imports_terminate() {
    let set = package(&[
        (
            "p",
            "from .a import *\nfrom .b import x\nfrom .... import nothing\n__all__ = __all__ + ['x']\n",
        ),
        ("p.a", "from .b import *\nfrom . import a\n"),
        ("p.b", "from .a import *\nfrom .a import x\n"),
    ]);
    let analysis = analyze(&set, &|| {});
    // `x` is bound (by an import that goes round in circles) so it is listed nowhere as a
    // definition, and nothing panics or hangs.
    assert!(analysis
        .interface
        .declarations
        .iter()
        .all(|d| d.name != "x"));
    assert_eq!(analysis.files, 3);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
    let mut source = String::new();
    for depth in 0..200 {
        source.push_str(&"    ".repeat(depth));
        source.push_str("if True:\n");
    }
    source.push_str(&"    ".repeat(200));
    source.push_str("def f(): pass\n");
    let sum = format!(
        "__all__ = {}[]\n__all__ += {}__all__\n",
        "[] + ".repeat(100_000),
        "a.".repeat(100_000)
    );
    let set = package(&[("p", &deep), ("p.m", &source), ("p.s", &sum)]);
    let analysis = analyze(&set, &|| {});
    assert!(analysis
        .interface
        .declarations
        .iter()
        .any(|d| d.module == "p.m" && d.name == "f"));
}

#[test]
fn names_added_from_another_all_must_be_bound() {
    let set = package(&[
        (
            "p",
            "from . import m\n__all__ = ['a']\n__all__ += m.__all__\na = 1\n",
        ),
        ("p.m", "__all__ = ['b', 'c']\nb = 2\nc = 3\n"),
        (
            "p.n",
            "from . import m\nfrom .m import *\n__all__ = m.__all__ + ['d']\nd = 4\n",
        ),
    ]);
    let findings: Vec<String> = analyze(&set, &|| {})
        .findings()
        .into_iter()
        .filter(|f| f.rule == "TW651")
        .map(|f| {
            format!(
                "{}:{} {}",
                f.location.path,
                f.location.line.unwrap_or(0),
                f.message
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            "p.py:2 `__all__` of `p` lists `b`, which the module neither defines nor imports",
            "p.py:2 `__all__` of `p` lists `c`, which the module neither defines nor imports",
        ]
    );
}

#[test]
fn dynamic_all_is_not_reported_as_undefined() {
    let set = package(&[(
        "p",
        "__all__ = [n for n in dir()] + ['ghost']\n__all__.extend(unknown.__all__)\n",
    )]);
    let analysis = analyze(&set, &|| {});
    // The literal part is still checked: `ghost` is not bound.
    let undefined: Vec<_> = analysis
        .findings()
        .into_iter()
        .filter(|f| f.rule == "TW651")
        .collect();
    assert_eq!(undefined.len(), 1);
    let set = package(&[("p", "__all__ = ['ghost']\ndef __getattr__(name): ...\n")]);
    assert!(analyze(&set, &|| {})
        .findings()
        .iter()
        .all(|f| f.rule != "TW651"));
}

/// Python-shaped fragments that reach every part of the extractor and resolver.
const TOKENS: &[&str] = &[
    "__all__",
    " = ",
    " += ",
    ".extend(",
    ".append(",
    ".remove(",
    "[",
    "]",
    "(",
    ")",
    "\"x\"",
    "'_y'",
    ", ",
    "\n",
    "    ",
    "from . import *\n",
    "from .m import *\n",
    "from .. import m\n",
    "from .m import x as y\n",
    "import p.m as m\n",
    "m.__all__",
    "def x(",
    "a, /, b=1, *c, d, **e",
    ") -> int:",
    "@overload\n",
    "@property\n",
    "@dataclass\n",
    "class C[T](NamedTuple):",
    "type A[T] = list[T]\n",
    "x: int = 1\n",
    "_: KW_ONLY\n",
    "if TYPE_CHECKING:\n",
    "try:\n",
    "except ImportError:\n",
    "match v:\n",
    "case _:\n",
    "\"\"\"doc\"\"\"\n",
    "globals()",
    "def __getattr__(n): ...\n",
    "pass\n",
    "é",
    "\\",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn token_soup_never_panics(
        a in proptest::collection::vec(proptest::sample::select(TOKENS), 0..60),
        b in proptest::collection::vec(proptest::sample::select(TOKENS), 0..60),
    ) {
        let init: String = a.concat();
        let module: String = b.concat();
        let set = package(&[("p", &init), ("p.m", &module)]);
        let analysis = analyze(&set, &|| {});
        let _ = analysis.findings();
        let again = analyze(&set, &|| {});
        let _ = tw_pyapi::diff(&analysis.interface, &again.interface);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let set = package(&[("p", &text), ("p.m", &text)]);
        let _ = analyze(&set, &|| {}).findings();
    }
}
