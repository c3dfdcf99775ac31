//! TW503 `plain-http-download`: a plain `http://` (or `ftp://`) URL used as a package index, a
//! mirror or a download. Decided from the host (package indexes and mirrors), the path
//! (`/simple`, `/dists`, `.whl`, `.tar.gz`, `.sh` ...) or the words on the line (`pip`,
//! `--index-url`, `deb`, `curl`, `wget`, `ADD`; whole words, so `pipermail` is not `pip`). A URL
//! that names an XML namespace or points at a schema (`xmlns="http://maven.apache.org/POM/4.0.0"`,
//! `xsi:schemaLocation`, `targetNamespace`) is an identifier no build fetches: never TW503.
use crate::address::{Address, Kind};
use tw_diagnostics::{Finding, Location, RuleDoc, RuleMeta, Severity};

/// Metadata and documentation of TW503.
pub const RULE: RuleMeta = RuleMeta {
    id: "TW503",
    name: "plain-http-download",
    severity: Severity::Medium,
    section: "7, 9",
    summary: "A package index, mirror or download is reached over plain HTTP or FTP.",
    doc: RuleDoc {
        what: "Reports `http://` and `ftp://` URLs to public hosts that serve packages or downloads: package indexes and mirrors (pip, conda, npm, apt, yum), release and artifact downloads, install scripts. The host name, the path and the words on the line decide.",
        why: "Anything fetched without TLS can be replaced on the way: a network attacker who answers for the mirror serves a wheel, a `.deb` or an install script that runs with the build's privileges. apt verifies signatures, pip and `curl | sh` do not.",
        example: "`pip install --index-url http://mirrors.aliyun.com/pypi/simple torch` or `RUN wget http://download.example-cdn.net/tool.tar.gz`.",
        fix: "Use the `https://` URL of the same index or download (every major mirror serves it), and pin hashes (`pip --require-hashes`, checksums for downloads).",
        references: &["Security statement sections 7 (build security) and 9", "pip documentation: --require-hashes", "CWE-494: Download of Code Without Integrity Check"],
    },
};

/// Host name parts that mark package indexes, mirrors and download servers.
const HOST_HINTS: &[&str] = &[
    "pypi",
    "pythonhosted",
    "pytorch",
    "mirror",
    "archive",
    "repo",
    "registry",
    "npmjs",
    "conda",
    "anaconda",
    "huggingface",
    "download",
    "dl.",
    "release",
    "packages",
    "apt.",
    "yum.",
    "rpm",
    "deb.",
    "maven",
    "gradle",
    "rubygems",
    "crates",
    "golang",
    "nodejs",
    "githubusercontent",
    "sourceforge",
    "artifactory",
    "nexus",
    "ftp.",
];

/// Path parts and endings of indexes and downloads.
const PATH_HINTS: &[&str] = &[
    "/simple",
    "/pypi",
    "/whl",
    "/wheels",
    "/packages",
    "/download",
    "/downloads",
    "/releases",
    "/dists",
    "/debian",
    "/ubuntu",
    "/centos",
    "/repo",
    "/mirror",
    "/conda",
    "/anaconda",
    "/pool/",
    "/npm",
    "/dist/",
    ".whl",
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".tar.bz2",
    ".zip",
    ".deb",
    ".rpm",
    ".sh",
    ".run",
    ".exe",
    ".msi",
    ".jar",
    ".gz",
    ".xz",
    ".bin",
    ".pt",
    ".pth",
    ".safetensors",
    ".onnx",
    ".ckpt",
];

/// Words on the line that mean "fetch and use".
const LINE_HINTS: &[&str] = &[
    "pip",
    "index-url",
    "find-links",
    "trusted-host",
    "deb ",
    "curl",
    "wget",
    "add ",
    "baseurl",
    "registry",
    "download",
    "install",
    "channels",
    "mirror",
    "conda",
];

/// XML attributes whose values are namespace names or schema locations (XML Namespaces 1.0
/// section 3, XML Schema Part 1 section 4.3.2), compared without their prefix.
const NAMESPACE_ATTRIBUTES: &[&str] = &[
    "xmlns",
    "schemalocation",
    "nonamespaceschemalocation",
    "targetnamespace",
    "namespace",
];

/// Whether `address` (found on `line`) is a plain-HTTP package index or download.
pub fn applies(address: &Address, line: &str) -> bool {
    if address.kind != Kind::Url || !matches!(address.scheme.as_deref(), Some("http" | "ftp")) {
        return false;
    }
    let before: String = line
        .chars()
        .take(usize::try_from(address.column.saturating_sub(1)).unwrap_or(usize::MAX))
        .collect();
    if in_namespace_attribute(&before) {
        return false;
    }
    let host = address.host.as_deref().unwrap_or("").to_ascii_lowercase();
    let lower = address.text.to_ascii_lowercase();
    let path = lower
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').and_then(|i| rest.get(i..)))
        .unwrap_or("");
    let path = path.split(['?', '#']).next().unwrap_or("");
    let line = line.to_ascii_lowercase();
    HOST_HINTS.iter().any(|h| host.contains(h))
        || PATH_HINTS.iter().any(|h| path_has(path, h))
        || LINE_HINTS.iter().any(|h| has_word(&line, h.trim_end()))
}

/// Whether the URL path has `hint`: a file ending (`.whl`) at its end, a directory (`/simple`)
/// as a whole segment (`/zone/simple-parsing.htm` is not an index).
fn path_has(path: &str, hint: &str) -> bool {
    if hint.starts_with('.') || hint.ends_with('/') {
        return if hint.starts_with('.') {
            path.ends_with(hint)
        } else {
            path.contains(hint)
        };
    }
    path.match_indices(hint).any(|(at, _)| {
        matches!(
            path.as_bytes().get(at.saturating_add(hint.len())),
            None | Some(b'/')
        )
    })
}

/// Whether `hint` occurs in `line` as a whole word (not inside `pipermail` or `skipping`).
fn has_word(line: &str, hint: &str) -> bool {
    let word_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    line.match_indices(hint).any(|(at, _)| {
        let before = line.as_bytes().get(at.wrapping_sub(1)).copied();
        let after = line.as_bytes().get(at.saturating_add(hint.len())).copied();
        !before.is_some_and(word_byte) && !after.is_some_and(word_byte)
    })
}

/// Whether the text before a URL on its line leaves it inside the quoted value of a namespace
/// or schema-location attribute (`xmlns:xsi="`, `xsi:schemaLocation="http://a/ns `).
fn in_namespace_attribute(before: &str) -> bool {
    let Some((head, value)) = before.rsplit_once(['"', '\'']) else {
        return false;
    };
    // An even number of quotes before the last one: that one opens a value still open here.
    let quotes = head.bytes().filter(|c| matches!(c, b'"' | b'\'')).count();
    if quotes % 2 != 0 || value.contains(['<', '>']) {
        return false;
    }
    let Some(name) = head.trim_end().strip_suffix('=') else {
        return false;
    };
    let name = name
        .trim_end()
        .rsplit(|c: char| c.is_ascii_whitespace() || c == '<')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let local = name.rsplit(':').next().unwrap_or("");
    NAMESPACE_ATTRIBUTES.contains(&local) || name.starts_with("xmlns")
}

/// The finding for `address` in `path`.
pub fn finding(address: &Address, path: &str) -> Finding {
    let location = Location {
        end_line: Some(address.line),
        end_column: Some(address.end_column),
        ..Location::path(path).with_line(address.line, address.column)
    };
    let https = address
        .text
        .split_once("://")
        .map_or_else(String::new, |(_, rest)| format!("https://{rest}"));
    Finding::new(
        &RULE,
        location,
        format!(
            "package index or download over plain {}: `{}`",
            address.scheme.as_deref().unwrap_or("http"),
            address.text
        ),
    )
    .with_evidence("address", &address.text)
    .with_remediation(format!("use `{https}` (TLS) and pin hashes"))
}
