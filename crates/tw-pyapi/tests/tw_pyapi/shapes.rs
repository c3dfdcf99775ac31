//! Real package shapes (`fixtures/api/shapes/shapepkg`, see its README): `__all__` built from
//! sets and other lists with a stub that lists it, a comprehension over literals, a loop that
//! fills `__all__` (TW659), names only a stub declares, and test modules that are not public.
use std::collections::BTreeSet;
use std::path::Path;
use tw_pyapi::{analyze, read_dir, ApiError};

fn analysis() -> tw_pyapi::Analysis {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/api/shapes/shapepkg");
    let set = read_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    analyze(&set, &|| {})
}

fn names(analysis: &tw_pyapi::Analysis, module: &str) -> BTreeSet<String> {
    analysis
        .interface
        .declarations
        .iter()
        .filter(|d| d.module == module && !d.name.is_empty() && !d.name.contains('.'))
        .map(|d| d.name.clone())
        .collect()
}

#[test]
fn stub_all_wins_over_a_computed_one_and_stub_signatures_win() {
    let analysis = analysis();
    assert_eq!(
        names(&analysis, "shapepkg"),
        [
            "add",
            "comp",
            "dyn",
            "first",
            "native_op",
            "scale",
            "second",
            "ufunc_add"
        ]
        .map(String::from)
        .into(),
    );
    let find = |name: &str| {
        analysis
            .interface
            .declarations
            .iter()
            .find(|d| d.module == "shapepkg" && d.name == name)
            .unwrap_or_else(|| panic!("{name} not declared"))
    };
    let add = find("add");
    assert_eq!(add.signature_text(), "(a: float, b: float) -> float");
    assert!(add.documented, "the source's docstring is kept");
    let native = find("native_op");
    assert!(native.path.ends_with("__init__.pyi"), "{}", native.path);
    assert!(native.from_stub);
    // Imported by the source from a compiled module, defined by the stub: the stub's binding.
    let ufunc = find("ufunc_add");
    assert_eq!(ufunc.kind, tw_pyapi::Kind::Constant);
    assert!(ufunc.path.ends_with("__init__.pyi"), "{}", ufunc.path);
    assert_eq!(
        names(&analysis, "shapepkg.comp"),
        ["first", "second"].map(String::from).into()
    );
}

#[test]
fn a_computed_all_is_reported_and_tests_are_not_public() {
    let analysis = analysis();
    let findings = analysis.findings();
    let dynamic: Vec<_> = findings.iter().filter(|f| f.rule == "TW659").collect();
    assert_eq!(dynamic.len(), 1, "{dynamic:?}");
    assert!(
        dynamic[0].message.contains("`shapepkg.dyn`"),
        "{}",
        dynamic[0].message
    );
    assert!(
        dynamic[0].message.contains("only 1 names"),
        "{}",
        dynamic[0].message
    );
    assert!(analysis
        .interface
        .declarations
        .iter()
        .all(|d| !d.module.contains("tests") && !d.module.contains("conftest")));
}

#[test]
fn an_empty_or_non_python_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        read_dir(dir.path()),
        Err(ApiError::NoModules { .. })
    ));
    std::fs::write(dir.path().join("README.md"), "# not python\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        read_dir(dir.path()),
        Err(ApiError::NoModules { .. })
    ));
}
