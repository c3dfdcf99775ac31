//! Built-in classification of a path into a [`Kind`] of the §4 table, by name, extension,
//! content and location (the directories around it), in a fixed order: specific names and key
//! material first, then strong locations (profiler/dump and log directories), then
//! extensions, then content (ELF and `#!` are programs; PEM, DER, PKCS#12 and `PuTTY` key
//! headers are keys), then weak locations, then business data. A file is key material by its
//! name, extension or content only, never by the directory it sits in: `serde/src/private/*.rs`
//! is source code. Every answer carries the rule that decided it, which is what `--explain`
//! prints.
use crate::kind::Kind;
use std::borrow::Cow;

/// What a directory makes of everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Area {
    /// Nothing known.
    #[default]
    None,
    /// Program directory (`bin`, `lib`, `site-packages` ...).
    Program,
    /// Configuration directory.
    Config,
    /// Log directory.
    Log,
    /// Profiler output or dump directory (statement §5, §6).
    Debug,
    /// Temporary directory.
    Temp,
    /// Maintenance or upgrade directory.
    Maintenance,
    /// Business data directory (datasets, checkpoints).
    Data,
    /// Key material directory.
    Key,
}

/// A classification and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The kind.
    pub kind: Kind,
    /// The most permissive mode allowed (the kind's, unless a policy overrides it).
    pub max_mode: u32,
    /// The rule that decided, in words.
    pub reason: Cow<'static, str>,
}

impl Class {
    fn of(kind: Kind, reason: &'static str) -> Class {
        Class {
            kind,
            max_mode: kind.max_mode(),
            reason: Cow::Borrowed(reason),
        }
    }
}

/// What the first bytes of a file show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// `\x7fELF`: an executable or shared library.
    Elf,
    /// `#!`: a script.
    Shebang,
    /// A PEM block (`-----BEGIN `): key, certificate or CSR (OpenSSH private keys are PEM
    /// armoured too).
    Pem,
    /// A DER-encoded ASN.1 structure as keys and certificates start (PKCS#1, PKCS#8, PKCS#12,
    /// X.509): a SEQUENCE with a long-form length, then an INTEGER version or a SEQUENCE.
    Der,
    /// A `PuTTY` private key file (`PuTTY-User-Key-File-`).
    Putty,
    /// Anything else (or unreadable).
    Other,
}

/// Bytes read to sniff content (PEM blocks may follow a comment header).
pub const SNIFF_BYTES: usize = 1024;

/// Classifies the first bytes of a file.
pub fn sniff(head: &[u8]) -> Content {
    if head.starts_with(b"\x7fELF") {
        Content::Elf
    } else if head.starts_with(b"#!") {
        Content::Shebang
    } else if head.windows(11).any(|w| w == b"-----BEGIN ") {
        Content::Pem
    } else if head.starts_with(b"PuTTY-User-Key-File-") {
        Content::Putty
    } else if is_der_key(head) {
        Content::Der
    } else {
        Content::Other
    }
}

/// `30 81 LL` or `30 82 LL LL` (a SEQUENCE long enough to be a key or certificate, length in
/// long form as DER requires past 127 bytes), then `02` (the version INTEGER of PKCS#1, PKCS#8
/// and PKCS#12) or `30` (X.509's `TBSCertificate`), per ITU-T X.690 §8.1.3 and RFC 5208/7292.
fn is_der_key(head: &[u8]) -> bool {
    let inner = match head {
        [0x30, 0x81, len, rest @ ..] if *len >= 0x80 => rest.first(),
        [0x30, 0x82, hi, _, rest @ ..] if *hi > 0 => rest.first(),
        _ => None,
    };
    matches!(inner, Some(0x02 | 0x30))
}

/// Whether `name` is an SSH identity (`id_rsa`, `id_ed25519`, `id_ecdsa_sk` ...): `id_` and no
/// extension (`id_rsa.pub` is the public half).
fn is_ssh_identity(name: &str) -> bool {
    name.len() > 3 && name.starts_with("id_") && !name.contains('.')
}

fn ext_of(name: &str) -> &str {
    match name.rfind('.') {
        Some(0) | None => "",
        Some(dot) => name.get(dot + 1..).unwrap_or(""),
    }
}

fn is_any(word: &str, list: &[&str]) -> bool {
    list.iter().any(|item| item.eq_ignore_ascii_case(word))
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

const KEY_EXT: &[&str] = &[
    "pem", "key", "crt", "cer", "der", "p12", "pfx", "p8", "pk8", "jks", "keystore", "csr", "gpg",
    "pgp", "enc", "kdbx", "ks",
];
const KEY_NAMES: &[&str] = &["authorized_keys", "known_hosts", ".netrc", ".pgpass"];
const PROGRAM_EXT: &[&str] = &[
    "py", "pyc", "pyd", "pyx", "pyi", "sh", "bash", "zsh", "so", "pl", "rb", "lua", "js", "run",
    "exe", "whl", "egg", // Source code is program text too (a crate's `src/private/*.rs`).
    "rs", "c", "h", "cc", "cpp", "cxx", "hpp", "cu", "cuh", "go", "java", "ts", "kt", "scala",
    "swift",
];
const CONFIG_EXT: &[&str] = &[
    "json",
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "config",
    "env",
    "properties",
    "xml",
    "prototxt",
];
const LOG_EXT: &[&str] = &["log", "out", "err"];
const DEBUG_EXT: &[&str] = &[
    "dump", "dmp", "prof", "trace", "pftrace", "perfetto", "nsys-rep", "qdrep",
];
const DATA_EXT: &[&str] = &[
    "pt",
    "pth",
    "ckpt",
    "bin",
    "safetensors",
    "npy",
    "npz",
    "h5",
    "hdf5",
    "pkl",
    "pickle",
    "onnx",
    "om",
    "mindir",
    "pb",
    "tfrecord",
    "parquet",
    "arrow",
    "csv",
    "tsv",
    "jsonl",
    "txt",
    "tar",
    "zip",
    "gz",
    "bz2",
    "xz",
    "zst",
    "lmdb",
    "mdb",
    "jpg",
    "jpeg",
    "png",
    "wav",
    "mp4",
    "idx",
    "md",
];

/// What a directory's own name says, and what it makes of its contents.
pub fn dir_area(name: &str) -> Option<(Kind, Area, &'static str)> {
    let lower_is = |list: &[&str]| is_any(name, list);
    if name.ends_with("_ascend_pt")
        || name.ends_with("_ascend_ms")
        || name.starts_with("PROF_")
        || lower_is(&[
            "ASCEND_PROFILER_OUTPUT",
            "profiler",
            "profiling",
            "prof",
            "kernel_meta",
            "dump",
            "dumps",
            "ascend_dump",
            "msprobe",
            "op_dump",
            "core_dumps",
            "coredump",
        ])
    {
        return Some((
            Kind::DebugDir,
            Area::Debug,
            "directory named like profiler or dump output (statement §5, §6)",
        ));
    }
    if lower_is(&["log", "logs", "ascend_log", "install_log"]) {
        return Some((
            Kind::LogDir,
            Area::Log,
            "directory named like a log directory",
        ));
    }
    if lower_is(&[
        "keys",
        "key",
        "certs",
        "cert",
        "certificates",
        "ssl",
        "tls",
        "private_keys",
        "secrets",
        "secret",
        ".ssh",
        ".gnupg",
        "kmc",
    ]) {
        return Some((Kind::KeyDir, Area::Key, "directory named like key material"));
    }
    if lower_is(&["tmp", "temp", ".tmp", "scratch", "shm"]) {
        return Some((
            Kind::TempDir,
            Area::Temp,
            "directory named like a temporary directory",
        ));
    }
    if lower_is(&[
        "upgrade",
        "upgrades",
        "maintenance",
        "backup",
        "backups",
        "patch",
        "patches",
    ]) {
        return Some((
            Kind::MaintenanceDir,
            Area::Maintenance,
            "directory named like maintenance or upgrade",
        ));
    }
    if lower_is(&["conf", "config", "configs", "etc", ".config", "settings"]) {
        return Some((
            Kind::ConfigDir,
            Area::Config,
            "directory named like configuration",
        ));
    }
    if lower_is(&[
        "bin",
        "sbin",
        "lib",
        "lib64",
        "libexec",
        "scripts",
        "site-packages",
        "dist-packages",
        "__pycache__",
    ]) {
        return Some((
            Kind::ProgramDir,
            Area::Program,
            "directory named like programs or libraries",
        ));
    }
    if lower_is(&[
        "data",
        "dataset",
        "datasets",
        "checkpoints",
        "checkpoint",
        "ckpt",
        "ckpts",
        "models",
        "weights",
        "output",
        "outputs",
    ]) {
        return Some((
            Kind::DataDir,
            Area::Data,
            "directory named like business data (datasets, checkpoints)",
        ));
    }
    None
}

/// Classifies a directory named `name` inside `area`, returning the area for its children.
pub fn classify_dir(name: &str, area: Area, is_home: bool) -> (Class, Area) {
    if is_home {
        return (
            Class::of(Kind::HomeDir, "a home directory in /etc/passwd"),
            Area::None,
        );
    }
    if let Some((kind, child_area, reason)) = dir_area(name) {
        // Inside key or debug areas every directory stays that kind.
        return match area {
            Area::Key => (
                Class::of(Kind::KeyDir, "inside a key material directory"),
                Area::Key,
            ),
            Area::Debug => (
                Class::of(Kind::DebugDir, "inside a profiler or dump directory"),
                Area::Debug,
            ),
            _ => (Class::of(kind, reason), child_area),
        };
    }
    let class = match area {
        Area::Program => Class::of(Kind::ProgramDir, "inside a program directory"),
        Area::Config => Class::of(Kind::ConfigDir, "inside a configuration directory"),
        Area::Log => Class::of(Kind::LogDir, "inside a log directory"),
        Area::Debug => Class::of(Kind::DebugDir, "inside a profiler or dump directory"),
        Area::Temp => Class::of(Kind::TempDir, "inside a temporary directory"),
        Area::Maintenance => Class::of(Kind::MaintenanceDir, "inside a maintenance directory"),
        Area::Key => Class::of(Kind::KeyDir, "inside a key material directory"),
        Area::Data | Area::None => {
            Class::of(Kind::DataDir, "default for directories: business data")
        }
    };
    (class, area)
}

/// The decision for a file from its name and location, or `None` when only its content can
/// decide (no known name or extension and no strong location).
pub fn classify_file_by_name(
    name: &str,
    area: Area,
    open_for_write: impl FnOnce() -> bool,
) -> Option<Class> {
    let ext = ext_of(name);
    let log = |open: bool, reason: &'static str| {
        if open {
            Class::of(Kind::LogActive, reason)
        } else {
            Class::of(Kind::LogFinished, reason)
        }
    };
    if is_any(name, KEY_NAMES) || is_any(ext, KEY_EXT) || is_ssh_identity(name) {
        return Some(Class::of(
            Kind::KeyFile,
            "name or extension of key material, certificates or ciphertext",
        ));
    }
    let program_ext = is_any(ext, PROGRAM_EXT);
    // "crypt" covers encrypt and decrypt; only scripts can be crypto scripts.
    if program_ext && contains_ci(name, "crypt") {
        return Some(Class::of(
            Kind::CryptoScript,
            "a script named for encryption or decryption",
        ));
    }
    if name.ends_with(".pt.trace.json")
        || name.ends_with(".pt.trace.json.gz")
        || name == "core"
        || is_core_n(name)
        || is_any(ext, DEBUG_EXT)
    {
        return Some(Class::of(
            Kind::DebugFile,
            "profiler trace, dump or core file name",
        ));
    }
    let rotated_log = contains_ci(name, ".log.");
    if is_any(ext, LOG_EXT) || rotated_log {
        let open = !rotated_log && open_for_write();
        return Some(log(
            open,
            if rotated_log {
                "a rotated log (finished)"
            } else {
                "log extension; active when a process holds it open for writing"
            },
        ));
    }
    match area {
        Area::Debug => {
            return Some(Class::of(
                Kind::DebugFile,
                "inside a profiler or dump directory",
            ))
        }
        Area::Log => {
            let open = open_for_write();
            return Some(log(
                open,
                "inside a log directory; active when a process holds it open for writing",
            ));
        }
        _ => {}
    }
    if program_ext || name.contains(".so.") {
        return Some(Class::of(
            Kind::ProgramFile,
            "program extension (script or library)",
        ));
    }
    if is_any(ext, CONFIG_EXT) {
        return Some(Class::of(Kind::ConfigFile, "configuration extension"));
    }
    if is_any(ext, DATA_EXT) {
        return Some(Class::of(
            Kind::DataFile,
            "business data extension (checkpoint, dataset)",
        ));
    }
    None
}

fn is_core_n(name: &str) -> bool {
    name.strip_prefix("core.")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// The decision for a file no name rule decided, from its content and location.
pub fn classify_file_by_content(name: &str, content: Content, area: Area) -> Class {
    match content {
        Content::Pem => return Class::of(Kind::KeyFile, "content: PEM block (key or certificate)"),
        Content::Der => {
            return Class::of(
                Kind::KeyFile,
                "content: DER key or certificate (PKCS#1, PKCS#8, PKCS#12, X.509)",
            )
        }
        Content::Putty => return Class::of(Kind::KeyFile, "content: PuTTY private key"),
        Content::Elf | Content::Shebang => {
            if contains_ci(name, "crypt") {
                return Class::of(
                    Kind::CryptoScript,
                    "content: program named for encryption or decryption",
                );
            }
            return Class::of(
                Kind::ProgramFile,
                if content == Content::Elf {
                    "content: ELF executable or library"
                } else {
                    "content: #! script"
                },
            );
        }
        Content::Other => {}
    }
    match area {
        Area::Program => Class::of(Kind::ProgramFile, "inside a program directory"),
        Area::Config => Class::of(Kind::ConfigFile, "inside a configuration directory"),
        _ => Class::of(Kind::DataFile, "default for files: business data"),
    }
}

/// Whether sniffing the content could change the verdict for a file of `mode` that no name rule
/// decided: content can only make it a program (550), key (600) or crypto script (500) instead
/// of data or config (640); a mode inside all of those (at most 0400) passes whatever it is.
pub fn content_matters(mode: u32) -> bool {
    mode & 0o777 & !0o400 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_name(name: &str, area: Area) -> Option<Kind> {
        classify_file_by_name(name, area, || false).map(|c| c.kind)
    }

    #[test]
    fn names_and_extensions() {
        assert_eq!(by_name("train.py", Area::None), Some(Kind::ProgramFile));
        assert_eq!(by_name("server.KEY", Area::None), Some(Kind::KeyFile));
        assert_eq!(by_name("id_ed25519", Area::None), Some(Kind::KeyFile));
        assert_eq!(
            by_name("decrypt_model.sh", Area::None),
            Some(Kind::CryptoScript)
        );
        assert_eq!(
            by_name("worker0.1700000000.pt.trace.json", Area::None),
            Some(Kind::DebugFile)
        );
        assert_eq!(by_name("core.1234", Area::None), Some(Kind::DebugFile));
        assert_eq!(by_name("config.yaml", Area::None), Some(Kind::ConfigFile));
        assert_eq!(
            by_name("model.safetensors", Area::None),
            Some(Kind::DataFile)
        );
        assert_eq!(by_name("train.log", Area::None), Some(Kind::LogFinished));
        assert_eq!(by_name("train.log.3", Area::None), Some(Kind::LogFinished));
        assert_eq!(by_name("README", Area::None), None);
        assert_eq!(
            by_name("libascend.so.1", Area::None),
            Some(Kind::ProgramFile)
        );
    }

    #[test]
    fn locations_decide_before_extensions() {
        assert_eq!(
            by_name("kernel_details.csv", Area::Debug),
            Some(Kind::DebugFile)
        );
        // A key directory's files are keys by name, extension or content, not by location.
        assert_eq!(by_name("anything", Area::Key), None);
        assert_eq!(by_name("de.rs", Area::Key), Some(Kind::ProgramFile));
        assert_eq!(by_name("id_ecdsa_sk", Area::None), Some(Kind::KeyFile));
        assert_eq!(by_name("id_rsa.pub", Area::None), None);
        assert_eq!(by_name("id_utils.py", Area::None), Some(Kind::ProgramFile));
        assert_eq!(dir_area("private"), None);
        assert_eq!(
            classify_file_by_name("rank0", Area::Log, || true)
                .unwrap()
                .kind,
            Kind::LogActive
        );
        assert_eq!(
            dir_area("rank0_12345_20260101_ascend_pt").unwrap().0,
            Kind::DebugDir
        );
        assert_eq!(dir_area("PROF_000001_abc").unwrap().0, Kind::DebugDir);
        let (class, area) = classify_dir("sub", Area::Log, false);
        assert_eq!((class.kind, area), (Kind::LogDir, Area::Log));
        let (class, _) = classify_dir("logs", Area::Key, false);
        assert_eq!(class.kind, Kind::KeyDir);
        assert_eq!(classify_dir("x", Area::None, true).0.kind, Kind::HomeDir);
    }

    #[test]
    fn content_sniffing() {
        assert_eq!(sniff(b"\x7fELF\x02\x01"), Content::Elf);
        assert_eq!(sniff(b"#!/bin/sh\n"), Content::Shebang);
        assert_eq!(
            sniff(b"# comment\n-----BEGIN PRIVATE KEY-----\n"),
            Content::Pem
        );
        assert_eq!(sniff(b"hello"), Content::Other);
        // An RSA PKCS#1 key (30 82 04 a4 02 01 00 ...) and a PKCS#12 bundle (30 82 0a 3b 02 01 03).
        assert_eq!(sniff(b"\x30\x82\x04\xa4\x02\x01\x00"), Content::Der);
        assert_eq!(sniff(b"\x30\x82\x0a\x3b\x02\x01\x03"), Content::Der);
        assert_eq!(sniff(b"\x30\x81\x87\x02\x01\x00"), Content::Der);
        assert_eq!(sniff(b"\x30\x82\x00\x10\x02"), Content::Other);
        assert_eq!(sniff(b"0\x82zz"), Content::Other);
        assert_eq!(
            sniff(b"PuTTY-User-Key-File-3: ssh-ed25519\n"),
            Content::Putty
        );
        assert_eq!(
            classify_file_by_content("run", Content::Shebang, Area::None).kind,
            Kind::ProgramFile
        );
        assert_eq!(
            classify_file_by_content("tls", Content::Pem, Area::None).kind,
            Kind::KeyFile
        );
        assert_eq!(
            classify_file_by_content("x", Content::Other, Area::Config).kind,
            Kind::ConfigFile
        );
        assert_eq!(
            classify_file_by_content("x", Content::Other, Area::None).kind,
            Kind::DataFile
        );
        assert!(!content_matters(0o400));
        assert!(content_matters(0o640));
    }
}
