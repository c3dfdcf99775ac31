//! Reading a package directory as it was at a git revision, without a checkout: `git ls-tree`
//! lists the revision's files under the directory's path in the repository, and one
//! `git cat-file --batch` process streams their contents (git's documented batch output:
//! `<oid> SP <type> SP <size> LF <contents> LF`). Invariant: nothing is written to disk, every
//! size git announces is checked against [`MAX_FILE_BYTES`] before a byte is buffered, and
//! symlinks and submodules in the tree are skipped.
use crate::source::{
    directory_name, modules_from_paths, Content, FileProblem, SourceSet, MAX_FILE_BYTES,
};
use crate::ApiError;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, ApiError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ApiError::Git {
            command: args.join(" "),
            path: dir.to_path_buf(),
            message: e.to_string(),
        })
}

fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim().to_owned()
}

/// The package directory `dir` as it is at `revision` of the repository holding it.
pub fn read_revision(dir: &Path, revision: &str) -> Result<SourceSet, ApiError> {
    if !dir.is_dir() {
        return Err(ApiError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let prefix = git(dir, &["rev-parse", "--show-prefix"])?;
    if !prefix.status.success() {
        return Err(ApiError::NotAGitRepository {
            path: dir.to_path_buf(),
            message: stderr_text(&prefix),
        });
    }
    let prefix = String::from_utf8_lossy(&prefix.stdout).trim().to_owned();
    let tree = format!("{revision}^{{tree}}");
    let verify = git(dir, &["rev-parse", "--verify", "--quiet", &tree])?;
    if !verify.status.success() || revision.starts_with('-') {
        return Err(ApiError::UnknownRevision {
            revision: revision.to_owned(),
            path: dir.to_path_buf(),
            message: "git rev-parse --verify found no tree of that name".to_owned(),
        });
    }
    let tree_id = String::from_utf8_lossy(&verify.stdout).trim().to_owned();
    // `--full-name` with the prefix as the path limit: paths come out relative to the top.
    let listing = git(
        dir,
        &["ls-tree", "-r", "-z", "--full-name", &tree_id, "--", "."],
    )?;
    if !listing.status.success() {
        return Err(ApiError::Git {
            command: "ls-tree".to_owned(),
            path: dir.to_path_buf(),
            message: stderr_text(&listing),
        });
    }
    let mut wanted = Vec::new();
    let mut offset = 0u64;
    for record in listing.stdout.split(|&b| b == 0) {
        let record_len = record.len() as u64 + 1;
        if record.is_empty() {
            offset += record_len;
            continue;
        }
        let text = String::from_utf8_lossy(record);
        let (meta, path) = text.split_once('\t').ok_or_else(|| ApiError::GitOutput {
            command: "ls-tree".to_owned(),
            offset,
            message: "a record without a tab".to_owned(),
        })?;
        let mut fields = meta.split(' ');
        let (Some(mode), Some(kind), Some(oid)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(ApiError::GitOutput {
                command: "ls-tree".to_owned(),
                offset,
                message: "a record without mode, type and object".to_owned(),
            });
        };
        offset += record_len;
        // Regular files only: symlinks (120000) and submodules (commit) are not read.
        if kind != "blob" || !(mode == "100644" || mode == "100755") {
            continue;
        }
        let Some(relative) = path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        let extension = Path::new(relative).extension().and_then(|e| e.to_str());
        if matches!(extension, Some("py" | "pyi")) {
            wanted.push((relative.to_owned(), oid.to_owned()));
        }
    }
    let (contents, problems) = cat_files(dir, revision, &wanted)?;
    // As `source::package_name`, but for the revision's files.
    let is_package = wanted
        .iter()
        .any(|(relative, _)| relative == "__init__.py" || relative == "__init__.pyi");
    let package = if is_package {
        directory_name(dir)
    } else {
        String::new()
    };
    let entries = wanted
        .into_iter()
        .zip(contents)
        .filter_map(|((relative, _), text)| {
            text.map(|text| {
                let display = format!("{revision}:{prefix}{relative}");
                (relative, display, Content::Text(text))
            })
        });
    Ok(SourceSet {
        files: modules_from_paths(&package, entries),
        package,
        problems,
    })
}

type Blobs = (Vec<Option<String>>, Vec<FileProblem>);

/// The contents of `wanted` blobs, in order, through one `git cat-file --batch`.
fn cat_files(dir: &Path, revision: &str, wanted: &[(String, String)]) -> Result<Blobs, ApiError> {
    let failure = |message: String| ApiError::Git {
        command: "cat-file --batch".to_owned(),
        path: dir.to_path_buf(),
        message,
    };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failure(e.to_string()))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| failure("no stdin".to_owned()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| failure("no stdout".to_owned()))?;
    let mut request = String::new();
    for (_, oid) in wanted {
        request.push_str(oid);
        request.push('\n');
    }
    // Written from another thread so that a full stdout pipe cannot deadlock the two.
    let writer = std::thread::spawn(move || {
        let result = stdin.write_all(request.as_bytes());
        drop(stdin);
        result
    });
    let mut reader = BufReader::new(stdout);
    let mut contents = Vec::with_capacity(wanted.len());
    let mut problems = Vec::new();
    let mut offset = 0u64;
    let mut header = String::new();
    for (relative, _) in wanted {
        header.clear();
        let read = reader
            .read_line(&mut header)
            .map_err(|e| failure(e.to_string()))?;
        let at = offset;
        let bad = |message: &str| ApiError::GitOutput {
            command: "cat-file --batch".to_owned(),
            offset: at,
            message: message.to_owned(),
        };
        if read == 0 {
            return Err(bad("output ended early"));
        }
        offset += read as u64;
        let mut fields = header.trim_end().split(' ');
        let (Some(_), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(bad("a header without object, type and size"));
        };
        let size: u64 = size
            .parse()
            .map_err(|_| bad("a size that is not a number"))?;
        if kind != "blob" {
            return Err(bad("an object that is not a blob"));
        }
        if size > MAX_FILE_BYTES {
            // Skip the body (and its newline) without buffering it.
            std::io::copy(&mut (&mut reader).take(size + 1), &mut std::io::sink())
                .map_err(|e| failure(e.to_string()))?;
            problems.push(FileProblem {
                path: format!("{revision}:{relative}"),
                message: format!("file is {size} bytes, more than the limit of {MAX_FILE_BYTES}"),
            });
            contents.push(None);
            offset += size + 1;
            continue;
        }
        let capacity = usize::try_from(size).map_err(|_| bad("a size too large"))?;
        let mut body = Vec::with_capacity(capacity);
        (&mut reader)
            .take(size)
            .read_to_end(&mut body)
            .map_err(|e| failure(e.to_string()))?;
        if body.len() as u64 != size {
            return Err(bad("a blob shorter than its size"));
        }
        let mut newline = [0u8; 1];
        reader
            .read_exact(&mut newline)
            .map_err(|e| failure(e.to_string()))?;
        offset += size + 1;
        contents.push(Some(String::from_utf8_lossy(&body).into_owned()));
    }
    writer
        .join()
        .map_err(|_| failure("the writer thread panicked".to_owned()))?
        .map_err(|e| failure(e.to_string()))?;
    let status = child.wait().map_err(|e| failure(e.to_string()))?;
    if !status.success() {
        return Err(failure(format!("git exited with {status}")));
    }
    Ok((contents, problems))
}
