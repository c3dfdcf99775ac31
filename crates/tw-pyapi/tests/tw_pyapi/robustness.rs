//! Hostile packages: import cycles, star-import cycles, relative imports above the top,
//! `__all__` that refers to itself or to unknown modules, deep nesting. Analysis must finish
//! and give the expected, bounded result.
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
    let set = package(&[("p", &deep), ("p.m", &source)]);
    let analysis = analyze(&set, &|| {});
    assert!(analysis
        .interface
        .declarations
        .iter()
        .any(|d| d.module == "p.m" && d.name == "f"));
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
