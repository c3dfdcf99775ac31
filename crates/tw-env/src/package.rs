//! What is installed, read from package metadata only (nothing is imported or run):
//! `*.dist-info/METADATA` (PEP 376/566), `*.egg-info/PKG-INFO` (a directory, or the file itself
//! for distutils installs) and conda's `conda-meta/NAME-VERSION-BUILD.json`. Directory names
//! decide which records are opened (only packages some rule is about), the record's own
//! `Name:`/`Version:` (or conda's `name`/`version`) decide what is reported.
use crate::error::EnvError;
use crate::root::Root;
use crate::version::Version;
use std::path::{Path, PathBuf};

/// Bytes of a METADATA/PKG-INFO file read: the headers come first and end at the first blank
/// line, the long description after them is never needed.
pub const METADATA_PREFIX: u64 = 64 * 1024;

/// Largest conda-meta record read (a record lists every file of its package: pytorch's is a
/// few MB).
pub const CONDA_RECORD_LIMIT: u64 = 64 * 1024 * 1024;

/// The two kinds of record in a site directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `NAME-VERSION.dist-info/METADATA`.
    DistInfo,
    /// `NAME.egg-info/PKG-INFO` or an `.egg-info` file.
    EggInfo,
}

/// One installed package.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The normalised name (PEP 503), conda's `pytorch` read as `torch`.
    pub name: String,
    /// The version the record states.
    pub version: Version,
    /// The record read (system path inside the root).
    pub record: PathBuf,
}

/// PEP 503 normalisation: lowercase, every run of `-`, `_`, `.` becomes one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// conda package names that install a `PyPI` distribution under another name.
fn conda_to_pypi(name: &str) -> String {
    match name {
        "pytorch" => "torch".to_owned(),
        other => normalize_name(other),
    }
}

/// Whether a record named `stem` (a directory or file name without its suffix) may belong to
/// one of `wanted`: its normalised form starts with one of them. Over-matching (`torchvision`
/// for `torch`) only costs one read; the record's own name decides.
fn may_be(stem: &str, wanted: &[&str]) -> bool {
    let normal = normalize_name(stem);
    wanted.iter().any(|name| normal.starts_with(name))
}

/// The `Name:` and `Version:` headers of a METADATA or PKG-INFO text (RFC 822 style: headers
/// end at the first blank line; names are case-insensitive).
pub fn parse_metadata(path: &Path, bytes: &[u8]) -> Result<(String, Version), EnvError> {
    let text = String::from_utf8_lossy(bytes);
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key.eq_ignore_ascii_case("name") && name.is_none() {
            name = Some(value.trim().to_owned());
        } else if key.eq_ignore_ascii_case("version") && version.is_none() {
            version = Some(value.trim().to_owned());
        }
    }
    let malformed = |what: &str| EnvError::Malformed {
        path: path.to_path_buf(),
        what: what.to_owned(),
    };
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| malformed("no Name: header"))?;
    let version = version.ok_or_else(|| malformed("no Version: header"))?;
    let version = Version::parse(&version).map_err(|err| malformed(&err.to_string()))?;
    Ok((normalize_name(&name), version))
}

/// What one site-packages directory holds.
#[derive(Debug, Default)]
pub struct SiteScan {
    /// The wanted packages found.
    pub packages: Vec<Installed>,
    /// Package records in the directory (every `.dist-info`/`.egg-info`), wanted or not.
    pub records: usize,
    /// Records that could not be read (the run goes on; each becomes an error).
    pub errors: Vec<EnvError>,
}

impl SiteScan {
    /// Records the outcome of reading one record: a wanted package, nothing (a package no
    /// rule is about, despite its directory name), or an error.
    fn add(&mut self, read: Result<(String, Version), EnvError>, record: PathBuf, wanted: &[&str]) {
        match read {
            Ok((name, version)) if wanted.contains(&name.as_str()) => {
                self.packages.push(Installed {
                    name,
                    version,
                    record,
                });
            }
            Ok(_) => {}
            Err(err) => self.errors.push(err),
        }
    }
}

/// Reads the records of `wanted` packages in the site-packages directory `dir`. An unreadable
/// directory is an error; an unreadable record is one entry of `errors`.
pub fn scan_site(root: &Root, dir: &Path, wanted: &[&str]) -> Result<SiteScan, EnvError> {
    let names = root.list(dir)?.ok_or_else(|| EnvError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    })?;
    let mut scan = SiteScan::default();
    for entry in names {
        let (stem, kind) = if let Some(stem) = entry.strip_suffix(".dist-info") {
            (stem, Kind::DistInfo)
        } else if let Some(stem) = entry.strip_suffix(".egg-info") {
            (stem, Kind::EggInfo)
        } else {
            continue;
        };
        scan.records += 1;
        if !may_be(stem, wanted) {
            continue;
        }
        let path = dir.join(&entry);
        let record = match kind {
            Kind::DistInfo => path.join("METADATA"),
            Kind::EggInfo if root.is_dir(&path) => path.join("PKG-INFO"),
            Kind::EggInfo => path,
        };
        let read = root
            .read_prefix(&record, METADATA_PREFIX)
            .and_then(|bytes| parse_metadata(&record, &bytes));
        scan.add(read, record, wanted);
    }
    Ok(scan)
}

#[derive(serde::Deserialize)]
struct CondaRecord {
    name: String,
    version: String,
}

/// Reads the conda records of `wanted` packages in `prefix/conda-meta`.
pub fn scan_conda(root: &Root, prefix: &Path, wanted: &[&str]) -> Result<SiteScan, EnvError> {
    let meta = prefix.join("conda-meta");
    let names = root.list(&meta)?.unwrap_or_default();
    let mut scan = SiteScan::default();
    for entry in names {
        let Some(stem) = entry.strip_suffix(".json") else {
            continue;
        };
        // NAME-VERSION-BUILD: conda forbids `-` in versions and builds, so the name is all
        // but the last two fields.
        let mut fields = stem.rsplitn(3, '-');
        let (Some(_build), Some(_version), Some(name)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        scan.records += 1;
        if !wanted.contains(&conda_to_pypi(name).as_str()) {
            continue;
        }
        let record = meta.join(&entry);
        let read = root.read(&record, CONDA_RECORD_LIMIT).and_then(|bytes| {
            let parsed: CondaRecord =
                serde_json::from_slice(&bytes).map_err(|err| EnvError::Malformed {
                    path: record.clone(),
                    what: format!("not a conda record: {err}"),
                })?;
            let version = Version::parse(&parsed.version).map_err(|err| EnvError::Malformed {
                path: record.clone(),
                what: err.to_string(),
            })?;
            Ok((conda_to_pypi(&parsed.name), version))
        });
        scan.add(read, record, wanted);
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_names() {
        assert_eq!(normalize_name("Torch_NPU"), "torch-npu");
        assert_eq!(normalize_name("torch-npu"), "torch-npu");
        assert_eq!(normalize_name("a.-_b"), "a-b");
        assert_eq!(normalize_name(" vLLM "), "vllm");
        assert_eq!(conda_to_pypi("pytorch"), "torch");
    }

    #[test]
    fn reads_headers_only() {
        let path = Path::new("/m");
        let (name, version) = parse_metadata(
            path,
            b"Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1+cpu\n\nName: other\n",
        )
        .unwrap();
        assert_eq!(
            (name.as_str(), version.to_string().as_str()),
            ("torch", "2.5.1+cpu")
        );
        let (name, _) =
            parse_metadata(path, b"name: Torch_NPU\r\nversion: 2.1.0.post8\r\n").unwrap();
        assert_eq!(name, "torch-npu");
        for bad in [
            &b""[..],
            b"Name: torch\n",
            b"Version: 1.0\n",
            b"Name: torch\n\nVersion: 1.0\n",
            b"Name: torch\nVersion: not a version\n",
            b"Name:\nVersion: 1.0\n",
            b"\xff\xfe\x00",
        ] {
            let err = parse_metadata(path, bad).unwrap_err();
            assert!(err.to_string().starts_with("`/m`"), "{err}");
        }
    }

    #[test]
    fn picks_records_by_name() {
        let wanted = ["torch", "torch-npu"];
        assert!(may_be("torch-2.5.1", &wanted));
        assert!(may_be("torch_npu-2.1.0.post8", &wanted));
        assert!(may_be("Torch_NPU", &wanted));
        assert!(!may_be("numpy-2.0.0", &wanted));
    }
}
