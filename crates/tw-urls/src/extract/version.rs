//! Whether a dotted quad is a version string rather than an IPv4 address, decided from the
//! text around it: a version specifier before it (`==`, `>=`, `~=`, `@`, `name-`), a key that
//! names a version (`version = 1.2.3.4`, `__version__ = "…"`, `IMAGE_TAG: …`), the word
//! `version`/`release` just before it, or a version suffix after it (`-rc1`, `+cu121`, `.post1`).

/// Key words that make a value a version.
const VERSION_KEYS: &[&str] = &[
    "version", "ver", "release", "tag", "rev", "revision", "build",
];

/// Words before a dotted number that make it a section or item number.
const NUMBERING_WORDS: &[&str] = &[
    "section", "sec", "chapter", "clause", "step", "item", "rule", "§",
];

/// Whether the dotted quad at `start..end` in `text` is a version string, a section number or
/// an ASN.1 object identifier.
pub(super) fn is_version_context(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let line_start = text
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |nl| nl.saturating_add(1));
    let prefix = text.get(line_start..start).unwrap_or("");
    let after = text.get(end..).unwrap_or("");
    specifier_before(prefix)
        || key_names_version(prefix)
        || suffix_after(bytes, end, after)
        || object_identifier(prefix)
}

/// `==1.2.3.4`, `>=`, `<=`, `~=`, `!=`, `^`, `~`, `@1.2.3.4`, `name-1.2.3.4`, `+1.2.3.4`.
fn specifier_before(prefix: &str) -> bool {
    let mut rev = prefix.bytes().rev();
    match rev.next() {
        Some(b'=') => matches!(rev.next(), Some(b'=' | b'>' | b'<' | b'~' | b'!')),
        Some(b'>' | b'<' | b'^' | b'~' | b'@' | b'+') => true,
        Some(b'-') => rev.next().is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => false,
    }
}

/// The value's key (the word before the nearest `=` or `:` on the line), or the word right
/// before the number, names a version.
fn key_names_version(prefix: &str) -> bool {
    let trimmed = prefix.trim_end_matches([' ', '\t', '"', '\'', '[', '(']);
    let word_before = |s: &str| -> String {
        s.trim_end_matches([' ', '\t', '"', '\''])
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let names_version = |word: &str| {
        let word = word.trim_matches('_');
        word.contains("version")
            || VERSION_KEYS.iter().any(|key| {
                word == *key
                    || word.ends_with(&format!("_{key}"))
                    || word.ends_with(&format!("-{key}"))
                    || word.ends_with(&format!(".{key}"))
                    || word.starts_with(&format!("{key}_"))
            })
    };
    if let Some(key_part) = trimmed.strip_suffix(['=', ':']) {
        return names_version(&word_before(key_part));
    }
    // `version 1.2.3.4`, `Release 10.0.0.1`, `v 1.2.3.4`, `section 13.2.3.1`, `RFC 2231 4.2.3.2`
    let word = word_before(trimmed);
    word == "v" || names_version(&word) || NUMBERING_WORDS.contains(&word.as_str())
}

/// An ASN.1 object identifier (`ObjectIdentifier("2.5.29.9")`, `oid = "1.3.6.1"`).
fn object_identifier(prefix: &str) -> bool {
    prefix
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_ascii_lowercase)
        .any(|word| {
            word.contains("objectidentifier")
                || word == "oid"
                || word.starts_with("oid_")
                || word.ends_with("_oid")
        })
}

/// `1.2.3.4-rc1`, `1.2.3.4+cu121`, `1.2.3.4.post1`.
fn suffix_after(bytes: &[u8], end: usize, after: &str) -> bool {
    match bytes.get(end) {
        Some(b'-' | b'+') => after
            .as_bytes()
            .get(1)
            .is_some_and(u8::is_ascii_alphanumeric),
        Some(b'.') => after.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_version_context;

    fn check(line: &str, quad: &str) -> bool {
        let start = line.find(quad).unwrap_or(0);
        is_version_context(line, start, start + quad.len())
    }

    #[test]
    fn versions_by_context() {
        for line in [
            "version = 1.2.3.4",
            "__version__ = \"8.8.8.8\"",
            "VERSION: '8.8.4.4'",
            "torch==1.2.3.4",
            "numpy>=1.2.3.4",
            "pkg~=1.2.3.4",
            "name@1.2.3.4",
            "torch-1.2.3.4.tar.gz",
            "image_tag: 1.2.3.4",
            "Release 1.2.3.4 is out",
            "1.2.3.4-rc1",
            "1.2.3.4+cu121",
            "1.2.3.4.post1",
            "LIB_MINIMUM_VERSION_TYPING = '1.2.3.4'",
            "defined in section 1.2.3.4 of the HTML standard",
            "EXT = ObjectIdentifier(\"1.2.3.4\")",
        ] {
            let quad = if line.contains("8.8.8.8") {
                "8.8.8.8"
            } else if line.contains("8.8.4.4") {
                "8.8.4.4"
            } else {
                "1.2.3.4"
            };
            assert!(check(line, quad), "{line}");
        }
    }

    #[test]
    fn addresses_by_context() {
        for line in [
            "server = 1.2.3.4",
            "android_dns = 1.2.3.4",
            "avoid 1.2.3.4",
            "dns: 1.2.3.4",
            "ping 1.2.3.4.",
            "host=1.2.3.4:80",
        ] {
            assert!(!check(line, "1.2.3.4"), "{line}");
        }
    }
}
