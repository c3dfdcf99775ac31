//! Bare domain names in configuration values (`trusted-host = mirrors.aliyun.com`,
//! `deb ... ` hosts, `--registry registry.npmjs.org`). A candidate must be a lower-case host
//! name (RFC 1123 labels) ending in a commonly used top-level domain ([`BARE_NAME_TLDS`]) and in
//! a suffix of the Public Suffix List, must not be a key
//! (followed by `=` or `:`), a call (`(`), a path part, a file name (`setup.py`, `model.pt`:
//! the last label is a common file extension) or a Python attribute chain (`logging.info`,
//! `os.path`, `torch.distributed.run`, `aten.transpose.int`: the first label is a well-known
//! module or object, or the last label is a word of code and the first no host label). In
//! Python only a whole string literal counts; comments are never values.
use super::{before, Claim, Claims, Found};
use crate::address::Kind;
use crate::filetype::Syntax;
use crate::host::domain_reach;

/// Last labels that are file extensions (many are also top-level domains: `.py`, `.sh`, `.md`,
/// `.zip`, `.pt`, `.rs`, `.so`, `.mov`, `.pl`).
const FILE_EXTENSIONS: &[&str] = &[
    "py",
    "pyc",
    "pyi",
    "pt",
    "pth",
    "sh",
    "bash",
    "md",
    "rst",
    "txt",
    "zip",
    "gz",
    "tgz",
    "xz",
    "bz2",
    "tar",
    "whl",
    "so",
    "rs",
    "pl",
    "pm",
    "mov",
    "mp4",
    "cc",
    "cpp",
    "hpp",
    "cu",
    "in",
    "am",
    "ac",
    "cfg",
    "ini",
    "toml",
    "yaml",
    "yml",
    "json",
    "xml",
    "lock",
    "log",
    "ps",
    "bin",
    "onnx",
    "ckpt",
    "pkl",
    "npy",
    "npz",
    "csv",
    "html",
    "htm",
    "css",
    "js",
    "ts",
    "java",
    "go",
    "rb",
    "php",
    "lua",
    "swift",
    "kt",
    "scala",
    "sql",
    "db",
    "exe",
    "dll",
    "bat",
    "cmd",
    "ps1",
    "mk",
    "cmake",
    "ninja",
    "proto",
    "tf",
    "sum",
    "mod",
    "env",
    "list",
    "repo",
    "deb",
    "rpm",
    "png",
    "jpg",
    "gif",
    "svg",
    "pdf",
    "doc",
    "docx",
    "ipynb",
    "safetensors",
    "h5",
    "tflite",
    "pb",
    "dat",
    "run",
    "sig",
    "asc",
    "pem",
    "crt",
    "key",
    "diff",
    "patch",
];

/// Top-level domains a bare host name must end in. A bare name has no scheme to say it is a
/// host, and code is full of dotted names that end in a real but rarely used suffix
/// (`pygments.lexers.ml`, `metadata.name`, `f32.gt`, `progress.download`); hosts written
/// without a scheme in configuration files end, in practice, in one of these. Names under other
/// suffixes are still found as URLs and e-mail domains.
const BARE_NAME_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "io", "co", "ai", "dev", "app", "cloud",
    "tech", "info", "biz", "me", "cc", "tv", "xyz", "site", "online", "top", "ltd", "cn", "hk",
    "tw", "mo", "jp", "kr", "sg", "in", "id", "my", "th", "vn", "ph", "au", "nz", "uk", "ie", "de",
    "fr", "it", "es", "nl", "be", "ch", "at", "se", "no", "fi", "dk", "pl", "cz", "ru", "ua", "eu",
    "ca", "us", "mx", "br", "ar", "cl", "za", "il", "tr", "gr", "ro", "hu", "ae", "sa", "ir",
];

/// Top-level domains that are also words of code (`aten.transpose.int`, `builtins.int`,
/// `llvmlite.ir`, `others.should.not.be`, `user.id`): a bare name ending in one is a host only
/// when its first label is a conventional host label ([`HOST_LABELS`]: `www.who.int`).
const CODE_WORD_TLDS: &[&str] = &["int", "ir", "it", "id", "at", "be", "no", "me", "my"];

/// First labels that mark a host name.
const HOST_LABELS: &[&str] = &[
    "www",
    "mirror",
    "mirrors",
    "pypi",
    "registry",
    "repo",
    "download",
    "downloads",
    "dl",
    "api",
    "cdn",
    "ftp",
    "git",
    "docs",
    "mail",
    "smtp",
    "hub",
    "npm",
];

/// Country-code TLDs that are also file extensions (`sndhdr.au` Sun audio, `gettext.mo` compiled
/// gettext catalogues): a two-label `stem.ext` name ending in one is a file name.
const FILE_LIKE_TLDS: &[&str] = &["au", "mo"];

/// First labels that start a code path rather than a host (`logging.info`, `os.path`,
/// `self.model.to`, `torch.nn.init`, `np.random.seed`).
const CODE_ROOTS: &[&str] = &[
    "self",
    "cls",
    "os",
    "sys",
    "re",
    "io",
    "json",
    "logging",
    "logger",
    "log",
    "torch",
    "torch_npu",
    "np",
    "numpy",
    "pd",
    "pandas",
    "tf",
    "math",
    "time",
    "datetime",
    "subprocess",
    "shutil",
    "pathlib",
    "path",
    "typing",
    "collections",
    "functools",
    "itertools",
    "args",
    "kwargs",
    "config",
    "cfg",
    "settings",
    "opt",
    "opts",
    "model",
    "nn",
    "string",
    "random",
    "socket",
    "threading",
    "multiprocessing",
    "pickle",
    "yaml",
    "requests",
    "urllib",
    "http",
    "importlib",
    "inspect",
    "tensor",
    "data",
    "dataset",
    "module",
    "super",
    "obj",
    "result",
    "response",
    "ctx",
    "app",
    "conf",
    "params",
    "env",
    "distributed",
    "dist",
    "aten",
    "prims",
    "builtins",
];

/// Whether `tld` is one of the top-level domains hosts are commonly named under.
pub(super) fn is_common_tld(tld: &str) -> bool {
    BARE_NAME_TLDS.contains(&tld)
}

/// Bytes that end a token in scripts and configuration files.
fn is_delimiter(c: u8) -> bool {
    c.is_ascii_whitespace()
        || matches!(
            c,
            b'"' | b'\''
                | b'`'
                | b'='
                | b','
                | b';'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b'|'
                | b'&'
                | b'*'
                | b'!'
                | b':'
                | b'/'
                | b'#'
        )
}

/// Every bare public domain in value position outside claimed ranges.
pub(super) fn domains(text: &str, syntax: Syntax, claims: &Claims) -> Vec<Claim> {
    let spans = match syntax {
        Syntax::Python => python_strings(text),
        Syntax::Script | Syntax::Config => value_tokens(text),
        Syntax::Text => Vec::new(),
    };
    let mut out = Vec::new();
    for (start, end) in spans {
        if claims.overlaps(start, end) {
            continue;
        }
        let Some(token) = text.get(start..end) else {
            continue;
        };
        let token = token.strip_suffix('.').unwrap_or(token);
        if !is_candidate(token) || !domain_reach(token).is_public() {
            continue;
        }
        out.push(Claim {
            start,
            end: start.saturating_add(token.len()),
            found: Some(Found {
                kind: Kind::Domain,
                text: token.to_owned(),
                scheme: None,
                host: Some(token.to_owned()),
                credentials_user: None,
            }),
        });
    }
    out
}

/// Whether `token` looks like a host name that could be a domain (before the PSL check).
fn is_candidate(token: &str) -> bool {
    if token.len() > 253 || !token.contains('.') {
        return false;
    }
    let labels: Vec<&str> = token.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    };
    if !labels.iter().all(label_ok) {
        return false;
    }
    let (Some(first), Some(last)) = (labels.first(), labels.last()) else {
        return false;
    };
    let tld_ok = BARE_NAME_TLDS.contains(last) || last.starts_with("xn--");
    let code_word = CODE_WORD_TLDS.contains(last) && !HOST_LABELS.contains(first);
    let file_name = labels.len() == 2 && FILE_LIKE_TLDS.contains(last);
    tld_ok
        && !code_word
        && !file_name
        && !FILE_EXTENSIONS.contains(last)
        && !CODE_ROOTS.contains(first)
}

/// Tokens in value position in a script or configuration file: outside comments, not a key,
/// not a call, not a path component.
fn value_tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut line_start = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let header = trimmed.starts_with('[') && trimmed.ends_with(']');
        if !header && !trimmed.starts_with(';') && !trimmed.starts_with("//") {
            tokens_of_line(
                bytes,
                line_start,
                line_start.saturating_add(line.len()),
                &mut out,
            );
        }
        line_start = line_start.saturating_add(line.len());
    }
    out
}

fn tokens_of_line(bytes: &[u8], start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let mut i = start;
    while i < end {
        let Some(&c) = bytes.get(i) else { break };
        // `#` at the line start or after a blank starts a comment (shell, INI, YAML, TOML).
        if c == b'#' && (i == start || before(bytes, i).is_some_and(|p| p.is_ascii_whitespace())) {
            return;
        }
        if is_delimiter(c) {
            i = i.saturating_add(1);
            continue;
        }
        let tok_start = i;
        while i < end && bytes.get(i).is_some_and(|&c| !is_delimiter(c)) {
            i = i.saturating_add(1);
        }
        if is_value_position(bytes, tok_start, i, start) {
            out.push((tok_start, i));
        }
    }
}

/// Not a path part (`/x/a.com`, `./a.com`, `~/a.com`), not a variable or flag piece (`$a.b`,
/// `--a.b`), not a key (`a.com =`, `a.com:` not followed by a port) and not a call (`a.b(`);
/// not a module after `-m`.
fn is_value_position(bytes: &[u8], start: usize, end: usize, line_start: usize) -> bool {
    if before(bytes, start).is_some_and(|p| matches!(p, b'/' | b'\\' | b'@' | b'$' | b'~')) {
        return false;
    }
    if bytes.get(start) == Some(&b'-') || bytes.get(start) == Some(&b'.') {
        return false;
    }
    let mut j = end;
    while bytes.get(j).is_some_and(|c| matches!(c, b'"' | b'\'')) {
        j = j.saturating_add(1);
    }
    while bytes.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
        j = j.saturating_add(1);
    }
    match bytes.get(j) {
        Some(b'=' | b'(') => return false,
        Some(b':')
            if !bytes
                .get(j.saturating_add(1))
                .is_some_and(u8::is_ascii_digit) =>
        {
            return false
        }
        _ => {}
    }
    let line_prefix = bytes.get(line_start..start).unwrap_or(&[]);
    !line_prefix.trim_ascii_end().ends_with(b" -m")
}

/// Where the host ends in a string literal `body..end` that is `host`, `host:port`, or
/// `host[:port]/path` without blanks (`'www.microsoft.com/download/details.aspx?id=%d'`), or
/// `None` when the literal is anything else (prose, a sentence, an empty string).
fn literal_host_end(bytes: &[u8], body: usize, end: usize) -> Option<usize> {
    let literal = bytes.get(body..end)?;
    if literal.iter().any(u8::is_ascii_whitespace) {
        return None;
    }
    let host_len = literal
        .iter()
        .position(|&c| c == b':' || c == b'/')
        .unwrap_or(literal.len());
    let rest = literal.get(host_len..)?;
    let port_ok = match rest.first() {
        Some(b':') => {
            let digits = rest
                .get(1..)?
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            digits > 0 && matches!(rest.get(digits.saturating_add(1)), None | Some(b'/'))
        }
        _ => true,
    };
    (host_len > 0 && port_ok).then(|| body.saturating_add(host_len))
}

/// The hosts of Python string literals that are nothing but one host, with an optional port
/// and path (`"mirrors.aliyun.com"`, `'pypi.org:443'`, `'www.x.com/dl'`); comments and triple-quoted
/// strings (docstrings, prose) are skipped.
fn python_strings(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'#' => {
                i = memchr::memchr(b'\n', bytes.get(i..).unwrap_or(&[]))
                    .map_or(bytes.len(), |n| i.saturating_add(n));
            }
            b'"' | b'\'' => {
                let triple = bytes.get(i..i.saturating_add(3)) == Some(&[c, c, c][..]);
                if triple {
                    let body = i.saturating_add(3);
                    let close = memchr::memmem::find(bytes.get(body..).unwrap_or(&[]), &[c, c, c]);
                    i = close.map_or(bytes.len(), |n| body.saturating_add(n).saturating_add(3));
                    continue;
                }
                let body = i.saturating_add(1);
                let mut j = body;
                while let Some(&d) = bytes.get(j) {
                    if d == b'\\' {
                        j = j.saturating_add(2);
                        continue;
                    }
                    if d == c || d == b'\n' {
                        break;
                    }
                    j = j.saturating_add(1);
                }
                if bytes.get(j) == Some(&c) {
                    if let Some(host_end) = literal_host_end(bytes, body, j) {
                        out.push((body, host_end));
                    }
                }
                i = j.saturating_add(1);
            }
            _ => i = i.saturating_add(1),
        }
    }
    out
}
