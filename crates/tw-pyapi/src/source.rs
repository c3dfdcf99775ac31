//! The source files of one package and their module names: a directory walk (or a git
//! revision, see [`crate::git`]) turned into `(dotted name, file)` pairs the way Python's
//! path finder would import them: a directory is a package when it holds `__init__.py`
//! (or is a namespace package holding modules), `x/__init__.py` wins over `x.py`, `x.py`
//! over `x.pyi` (a stub is read only for a module with no source, such as an extension), and
//! names that are not identifiers cannot be imported and are skipped; a stub beside a source
//! is kept with it. A directory holding no module at all is an error. Invariant: every module
//! name is a dotted path of identifiers under the package's own name.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files larger than this are reported instead of read (as in `lint`).
pub const MAX_FILE_BYTES: u64 = tw_pylint::MAX_FILE_BYTES;

/// Where a file's text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Read from this path when analysed.
    Path(PathBuf),
    /// Already in memory (a git blob).
    Text(String),
}

/// One module's source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The dotted module name (`pkg.sub.mod`).
    pub module: String,
    /// The file as shown in findings.
    pub display: String,
    /// An `__init__` file.
    pub is_package: bool,
    /// A `.pyi` stub.
    pub is_stub: bool,
    /// Its text.
    pub content: Content,
    /// The `.pyi` stub beside a `.py` source (shown path and text): its `__all__` and
    /// signatures win over the source's (see `crate::stub`).
    pub stub: Option<(String, Content)>,
}

/// A file that could not be listed or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The path.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// A package's files, ready to analyse.
#[derive(Debug, Clone, Default)]
pub struct SourceSet {
    /// The top-level package name.
    pub package: String,
    /// Module files, sorted by module name.
    pub files: Vec<SourceFile>,
    /// Entries that could not be read while listing.
    pub problems: Vec<FileProblem>,
}

/// Whether `name` is a Python identifier (ASCII letters, digits, `_`, or any non-ASCII
/// character: PEP 3131 identifiers are checked by the parser; here only the shape matters).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Whether a dotted module name is public: no component starts with `_` (PyTorch's rule), and
/// it is not a test module (`is_test_module`).
pub fn is_public_module(module: &str) -> bool {
    module.split('.').all(|part| !part.starts_with('_')) && !is_test_module(module)
}

/// Collects `(relative path, content)` pairs into module files. `relative` uses `/`.
/// Paths that are not importable module files are skipped.
pub fn modules_from_paths(
    package: &str,
    entries: impl IntoIterator<Item = (String, String, Content)>,
) -> Vec<SourceFile> {
    // Rank: package __init__ beats a module file; .py beats .pyi.
    let mut chosen: BTreeMap<String, (u8, SourceFile)> = BTreeMap::new();
    let mut stubs: BTreeMap<(String, bool), (String, Content)> = BTreeMap::new();
    for (relative, display, content) in entries {
        let Some((stem, is_stub)) = relative
            .strip_suffix(".py")
            .map(|s| (s, false))
            .or_else(|| relative.strip_suffix(".pyi").map(|s| (s, true)))
        else {
            continue;
        };
        let mut parts: Vec<&str> = stem.split('/').collect();
        let is_package = parts.last() == Some(&"__init__");
        if is_package {
            parts.pop();
        }
        if !parts.iter().all(|p| is_identifier(p)) {
            continue;
        }
        // An empty package name is a source root: its children are top-level modules.
        let mut module = package.to_owned();
        for part in &parts {
            if !module.is_empty() {
                module.push('.');
            }
            module.push_str(part);
        }
        if module.is_empty() {
            continue;
        }
        let rank = u8::from(is_package) * 2 + u8::from(!is_stub);
        if is_stub {
            stubs.insert(
                (module.clone(), is_package),
                (display.clone(), content.clone()),
            );
        }
        let file = SourceFile {
            module: module.clone(),
            display,
            is_package,
            is_stub,
            content,
            stub: None,
        };
        match chosen.get(&module) {
            Some((existing, _)) if *existing >= rank => {}
            _ => {
                chosen.insert(module, (rank, file));
            }
        }
    }
    chosen
        .into_values()
        .map(|(_, mut file)| {
            if !file.is_stub {
                file.stub = stubs.remove(&(file.module.clone(), file.is_package));
            }
            file
        })
        .collect()
}

/// Whether a dotted module name belongs to a test suite (`tests`/`test` packages,
/// `test_*.py`, `*_test.py`, `conftest.py`): tests are not part of a public interface.
pub fn is_test_module(module: &str) -> bool {
    module.split('.').any(|part| {
        matches!(part, "tests" | "test" | "conftest")
            || part.starts_with("test_")
            || part.ends_with("_test")
    })
}

/// The package name of `dir`: its final component when it is a package (holds `__init__.py`
/// or `__init__.pyi`), else empty: `dir` is then a source root (`src/`, `site-packages`) whose
/// packages and modules are all read, each under its own top-level name.
pub fn package_name(dir: &Path) -> String {
    if dir.join("__init__.py").is_file() || dir.join("__init__.pyi").is_file() {
        directory_name(dir)
    } else {
        String::new()
    }
}

/// The final component of `dir` (resolved, so `.` names the current directory).
pub fn directory_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .as_deref()
        .and_then(Path::file_name)
        .or_else(|| dir.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("package")
        .to_owned()
}

/// The module files of the package directory `dir` (the one holding `__init__.py`; any other
/// directory is read as a source root: every package and module in it under its own name).
/// Directories that cannot be packages (`__pycache__`, hidden, non-identifier names) are not
/// entered.
pub fn read_dir(dir: &Path) -> Result<SourceSet, crate::ApiError> {
    if !dir.is_dir() {
        return Err(crate::ApiError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let package = package_name(dir);
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || e.file_name().to_str().is_some_and(is_identifier)
        });
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_file() {
                    continue;
                }
                let Ok(relative) = entry.path().strip_prefix(dir) else {
                    continue;
                };
                let Some(relative) = relative.to_str() else {
                    continue;
                };
                let relative = relative.replace(std::path::MAIN_SEPARATOR, "/");
                entries.push((
                    relative,
                    entry.path().display().to_string(),
                    Content::Path(entry.into_path()),
                ));
            }
            Err(error) => problems.push(FileProblem {
                path: error
                    .path()
                    .map_or_else(|| dir.display().to_string(), |p| p.display().to_string()),
                message: error.to_string(),
            }),
        }
    }
    let files = modules_from_paths(&package, entries);
    if files.is_empty() && problems.is_empty() {
        return Err(crate::ApiError::NoModules {
            path: dir.to_path_buf(),
        });
    }
    Ok(SourceSet {
        package,
        files,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(paths: &[&str]) -> Vec<(String, bool, bool)> {
        modules_from_paths(
            "pkg",
            paths.iter().map(|p| {
                (
                    (*p).to_owned(),
                    (*p).to_owned(),
                    Content::Text(String::new()),
                )
            }),
        )
        .into_iter()
        .map(|f| (f.module, f.is_package, f.is_stub))
        .collect()
    }

    #[test]
    fn maps_paths_like_the_import_system() {
        assert_eq!(
            names(&[
                "__init__.py",
                "a.py",
                "a.pyi",
                "b.pyi",
                "c.py",
                "c/__init__.py",
                "not-a-module.py",
                "d/e.py",
                "README.md"
            ]),
            vec![
                ("pkg".to_owned(), true, false),
                ("pkg.a".to_owned(), false, false),
                ("pkg.b".to_owned(), false, true),
                ("pkg.c".to_owned(), true, false),
                ("pkg.d.e".to_owned(), false, false),
            ]
        );
        let root = modules_from_paths(
            "",
            ["__init__.py", "top.py", "pkg/__init__.py", "pkg/m.py"]
                .iter()
                .map(|p| {
                    (
                        (*p).to_owned(),
                        (*p).to_owned(),
                        Content::Text(String::new()),
                    )
                }),
        );
        let root: Vec<&str> = root.iter().map(|f| f.module.as_str()).collect();
        assert_eq!(root, ["pkg", "pkg.m", "top"]);
        assert!(is_public_module("pkg.sub"));
        assert!(!is_public_module("pkg._impl.x"));
        assert!(is_public_module("torch.testing"));
        for test in [
            "pkg.tests.test_io",
            "pkg.test",
            "pkg.test_io",
            "pkg.io_test",
            "pkg.conftest",
        ] {
            assert!(!is_public_module(test), "{test}");
        }
    }
}
