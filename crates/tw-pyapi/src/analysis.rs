//! One analysis run: read and parse every module file in parallel (ruff's parser through
//! `tw_pylint::parse_python`), reduce each tree to its facts, resolve names across the
//! package, build the interface and run the checks. Invariant: a file that cannot be read is
//! listed with its path and the run goes on; a file with syntax errors is analysed as far as
//! the parser recovered, and its errors are returned.
use crate::checks::check;
use crate::extract::{module_facts, ModuleSource};
use crate::facts::ModuleFacts;
use crate::interface::Interface;
use crate::package::Package;
use crate::rules::public_declaration;
use crate::source::{Content, FileProblem, SourceFile, SourceSet, MAX_FILE_BYTES};
use rayon::prelude::*;
use ruff_python_ast::Mod;
use tw_diagnostics::Finding;
use tw_pylint::{parse_python, syntax_errors, LineIndex, ParseFailure};

/// The result of analysing one package.
#[derive(Debug)]
pub struct Analysis {
    /// The resolved modules.
    pub package: Package,
    /// The public interface.
    pub interface: Interface,
    /// Syntax errors (those files were still analysed as far as the parser recovered).
    pub parse_errors: Vec<ParseFailure>,
    /// Files that could not be listed or read.
    pub problems: Vec<FileProblem>,
    /// Module files analysed.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
}

impl Analysis {
    /// The declaration rows (TW650) and the interface findings (TW651-TW655).
    pub fn findings(&self) -> Vec<Finding> {
        let mut findings: Vec<Finding> = self
            .interface
            .declarations
            .iter()
            .map(public_declaration::finding)
            .collect();
        findings.extend(check(&self.package, &self.interface));
        findings
    }
}

enum Parsed {
    Module(Box<ModuleFacts>, Vec<ParseFailure>, u64),
    Failed(FileProblem),
}

fn read(display: &str, content: &Content) -> Result<String, FileProblem> {
    match content {
        Content::Text(text) => Ok(text.clone()),
        Content::Path(path) => {
            let problem = |message: String| FileProblem {
                path: display.to_owned(),
                message,
            };
            // Non-blocking and regular files only: a FIFO in a package is refused, not waited on.
            let bytes = tw_fs::read_bounded(path, MAX_FILE_BYTES).map_err(|err| match err {
                tw_fs::Error::TooLarge { actual, .. } => problem(format!(
                    "file is {actual} bytes, more than the limit of {MAX_FILE_BYTES}"
                )),
                other => problem(
                    tw_diagnostics::AnalysisError::of_path(display.to_owned(), &other).message,
                ),
            })?;
            // Python source is UTF-8 (PEP 3120); other encodings are read lossily.
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

fn parse_file(file: &SourceFile) -> Parsed {
    let (facts, mut errors, mut bytes) =
        match parse_one(file, &file.display, &file.content, file.is_stub) {
            Ok(parsed) => parsed,
            Err(problem) => return Parsed::Failed(problem),
        };
    let mut facts = facts;
    if let Some((display, content)) = &file.stub {
        // An unreadable stub leaves the source's own facts; the source was read.
        if let Ok((stub, stub_errors, stub_bytes)) = parse_one(file, display, content, true) {
            facts = crate::stub::merge(facts, stub, display);
            errors.extend(stub_errors);
            bytes += stub_bytes;
        }
    }
    Parsed::Module(Box::new(facts), errors, bytes)
}

/// The facts of one file of `file`'s module (its source or its stub).
fn parse_one(
    file: &SourceFile,
    display: &str,
    content: &Content,
    is_stub: bool,
) -> Result<(ModuleFacts, Vec<ParseFailure>, u64), FileProblem> {
    let source = read(display, content)?;
    let parsed = parse_python(&source);
    let index = LineIndex::new(&source);
    let errors = syntax_errors(display, &source, &index, &parsed);
    let body = match parsed.syntax() {
        Mod::Module(module) => module.body.as_slice(),
        Mod::Expression(_) => &[],
    };
    let facts = module_facts(
        &ModuleSource {
            name: &file.module,
            path: display,
            is_package: file.is_package,
            is_stub,
            source: &source,
            index: &index,
        },
        body,
    );
    Ok((facts, errors, source.len() as u64))
}

/// Stack of each parsing thread. Ruff's parser recurses (and its tree drops recursively) once
/// per nesting level; on the default 2 MiB a chain of about 50,000 `a + ...` overflows. The
/// reservation is virtual memory, touched only by input that deep.
const PARSER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Analyses the package `set`; `on_file` is called once per file (progress).
pub fn analyze(set: &SourceSet, on_file: &(dyn Fn() + Sync)) -> Analysis {
    let parse_all = || -> Vec<Parsed> {
        set.files
            .par_iter()
            .map(|file| {
                let parsed = parse_file(file);
                on_file();
                parsed
            })
            .collect()
    };
    let results = match rayon::ThreadPoolBuilder::new()
        .stack_size(PARSER_STACK_BYTES)
        .build()
    {
        Ok(pool) => pool.install(parse_all),
        // No pool of our own (thread limits): the global one still works for normal input.
        Err(_) => parse_all(),
    };
    let mut modules = Vec::with_capacity(results.len());
    let mut parse_errors = Vec::new();
    let mut problems = set.problems.clone();
    let mut bytes = 0;
    for result in results {
        match result {
            Parsed::Module(facts, errors, size) => {
                modules.push(*facts);
                parse_errors.extend(errors);
                bytes += size;
            }
            Parsed::Failed(problem) => problems.push(problem),
        }
    }
    let files = modules.len() as u64;
    let package = Package::new(modules);
    let interface = Interface::of(&set.package, &package);
    Analysis {
        package,
        interface,
        parse_errors,
        problems,
        files,
        bytes,
    }
}
