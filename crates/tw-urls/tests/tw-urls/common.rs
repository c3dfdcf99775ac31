//! Shared helpers: the fixture path and a scan run from it (paths relative to the repo root).
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tw_urls::{scan_paths, ScanOptions, TreeScan};

/// The fixture repository.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/urls/repo")
}

/// Scans the fixture with `options`, paths shown relative to the fixture (`repo/...`).
pub fn scan(options: &ScanOptions) -> TreeScan {
    let mut scan = scan_paths(&[repo()], options).unwrap_or_default();
    let prefix = format!("{}/", repo().display());
    for file in &mut scan.files {
        file.path = format!(
            "repo/{}",
            file.path.strip_prefix(&prefix).unwrap_or(&file.path)
        );
    }
    scan
}

/// One line per address: `file:line:column kind text [flags]`.
pub fn listing(scan: &TreeScan) -> String {
    let mut out = String::new();
    for file in &scan.files {
        for found in &file.addresses {
            let a = &found.address;
            let mut flags = String::new();
            if found.plain_http_download {
                flags.push_str(" [plain-http-download]");
            }
            if a.credentials_user.is_some() {
                flags.push_str(" [credentials]");
            }
            let _ = writeln!(
                out,
                "{}:{}:{}-{} {} {}{flags}",
                file.file, a.line, a.column, a.end_column, a.kind, a.text
            );
        }
    }
    out
}
