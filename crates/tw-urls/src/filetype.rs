//! Which files are configuration files or scripts (section 9 covers exactly those), decided
//! by file name and extension, and what syntax each has: the syntax decides where a bare
//! domain name counts as a value (Python: a whole string literal; others: a token outside
//! comments and keys).
use std::path::Path;

/// The syntax family of a file, as far as address extraction cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Python source: bare domains only as a whole string literal.
    Python,
    /// Shell, batch, PowerShell, Dockerfile, Makefile, `CMake`, Jenkinsfile: words are values.
    Script,
    /// INI, TOML, YAML, JSON, XML, properties, env, pip/apt configs, requirements files.
    Config,
    /// Any other text file (only with `--all-files`).
    Text,
}

/// Extensions of configuration files and scripts (lower case, without the dot).
const EXTENSIONS: &[(&str, Syntax)] = &[
    ("cfg", Syntax::Config),
    ("ini", Syntax::Config),
    ("conf", Syntax::Config),
    ("toml", Syntax::Config),
    ("yaml", Syntax::Config),
    ("yml", Syntax::Config),
    ("json", Syntax::Config),
    ("xml", Syntax::Config),
    ("properties", Syntax::Config),
    ("env", Syntax::Config),
    ("list", Syntax::Config),
    ("sources", Syntax::Config),
    ("repo", Syntax::Config),
    ("npmrc", Syntax::Config),
    ("pypirc", Syntax::Config),
    ("condarc", Syntax::Config),
    ("sh", Syntax::Script),
    ("bash", Syntax::Script),
    ("zsh", Syntax::Script),
    ("ksh", Syntax::Script),
    ("ps1", Syntax::Script),
    ("psm1", Syntax::Script),
    ("bat", Syntax::Script),
    ("cmd", Syntax::Script),
    ("cmake", Syntax::Script),
    ("mk", Syntax::Script),
    ("dockerfile", Syntax::Script),
    ("py", Syntax::Python),
    ("pyi", Syntax::Python),
];

/// Exact file names (lower case) of configuration files and scripts without a telling
/// extension.
const NAMES: &[(&str, Syntax)] = &[
    ("dockerfile", Syntax::Script),
    ("containerfile", Syntax::Script),
    ("makefile", Syntax::Script),
    ("gnumakefile", Syntax::Script),
    ("cmakelists.txt", Syntax::Script),
    ("jenkinsfile", Syntax::Script),
    ("vagrantfile", Syntax::Script),
    (".gitmodules", Syntax::Config),
    (".env", Syntax::Config),
    (".npmrc", Syntax::Config),
    (".pypirc", Syntax::Config),
    (".condarc", Syntax::Config),
    ("sources.list", Syntax::Config),
    ("pip.conf", Syntax::Config),
    ("pip.ini", Syntax::Config),
];

/// Name prefixes of configuration files and scripts (`Dockerfile.cuda`, `requirements-dev.txt`,
/// `Jenkinsfile.nightly`, `.env.production`).
const PREFIXES: &[(&str, Syntax)] = &[
    ("dockerfile", Syntax::Script),
    ("containerfile", Syntax::Script),
    ("jenkinsfile", Syntax::Script),
    ("requirements", Syntax::Config),
    ("constraints", Syntax::Config),
    (".env.", Syntax::Config),
];

/// The syntax of `path` if it is a configuration file or script, else `None`.
pub fn config_or_script(path: &Path) -> Option<Syntax> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if let Some(&(_, syntax)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Some(syntax);
    }
    let ext = Path::new(&name).extension().and_then(|e| e.to_str());
    let requirement_list = matches!(ext, Some("txt" | "in"));
    if let Some(&(_, syntax)) = PREFIXES.iter().find(|(p, _)| {
        name.starts_with(p) && (requirement_list || !matches!(*p, "requirements" | "constraints"))
    }) {
        return Some(syntax);
    }
    // `requirements/dev.txt`: pip requirement lists kept in a `requirements` directory.
    let in_requirements_dir = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|dir| dir.eq_ignore_ascii_case("requirements"));
    if requirement_list && in_requirements_dir {
        return Some(Syntax::Config);
    }
    let ext = ext?;
    EXTENSIONS
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|&(_, syntax)| syntax)
}

/// The syntax used for `path` when every text file is scanned (`--all-files`).
pub fn any_file(path: &Path) -> Syntax {
    config_or_script(path).unwrap_or(Syntax::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_by_name_and_extension() {
        for (name, syntax) in [
            ("Dockerfile", Syntax::Script),
            ("Dockerfile.cuda", Syntax::Script),
            ("docker/app.dockerfile", Syntax::Script),
            ("requirements-dev.txt", Syntax::Config),
            ("requirements/base.in", Syntax::Config),
            ("setup.py", Syntax::Python),
            ("setup.cfg", Syntax::Config),
            ("CMakeLists.txt", Syntax::Script),
            ("cmake/deps.cmake", Syntax::Script),
            (".gitmodules", Syntax::Config),
            (".github/workflows/ci.yml", Syntax::Config),
            ("Jenkinsfile", Syntax::Script),
            ("etc/apt/sources.list", Syntax::Config),
            ("pip.conf", Syntax::Config),
            (".env.production", Syntax::Config),
            ("run.ps1", Syntax::Script),
        ] {
            assert_eq!(config_or_script(Path::new(name)), Some(syntax), "{name}");
        }
    }

    #[test]
    fn leaves_other_files_out() {
        for name in [
            "README.md",
            "notes.txt",
            "model.pt",
            "main.rs",
            "requirements.md",
        ] {
            assert_eq!(config_or_script(Path::new(name)), None, "{name}");
        }
        assert_eq!(any_file(Path::new("README.md")), Syntax::Text);
    }
}
