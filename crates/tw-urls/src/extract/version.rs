//! Whether a dotted quad is a version string rather than an IPv4 address, decided from the
//! text around it: a version specifier before it (`==`, `>=`, `~= `, `@`, `name-`), a key or
//! XML element that names a version (`version = 1.2.3.4`, `__version__ = "…"`, `IMAGE_TAG: …`,
//! `<version>1.2.3.4</version>`), the word `version`/`release` among the few words before it
//! (`CMake versions less than 2.8.10.1`), a product name written in mixed case just before it
//! (`cuSOLVER 12.2.0.1`, `find_package(Python3 3.8.1.2)`), a section number (`sections
//! "8.2.4.44"`, `RFC 5445 3.8.2.4`), or a version suffix after it (`-rc1`, `+cu121`, `.post1`).

/// Key words that make a value a version.
const VERSION_KEYS: &[&str] = &[
    "version", "ver", "release", "tag", "rev", "revision", "build",
];

/// Words before a dotted number that make it a section or item number (plurals too).
const NUMBERING_WORDS: &[&str] = &[
    "section", "sec", "chapter", "clause", "step", "item", "rule", "§", "rfc",
];

/// How many words before a dotted quad are searched for `version` (`versions less than`).
const VERSION_WORD_REACH: usize = 4;

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
        || spaced_range_specifier(prefix)
        || key_names_version(prefix)
        || element_names_version(prefix)
        || version_word_nearby(prefix)
        || product_name_before(prefix)
        || suffix_after(bytes, end, after)
        || object_identifier(prefix)
}

/// Whether `prefix` ends with an XML start tag (`<server>`, `<ns:host attr="x">`).
fn ends_with_start_tag(prefix: &str) -> bool {
    prefix
        .strip_suffix('>')
        .and_then(|open| open.rsplit_once('<'))
        .is_some_and(|(_, tag)| {
            tag.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && !tag.contains('>')
        })
}

/// The words of `prefix`, last first (letters, digits, `_`, `-`, `.`).
fn words_back(prefix: &str) -> impl Iterator<Item = &str> {
    prefix
        .rsplit(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '§')))
        .filter(|word| !word.is_empty())
}

/// `<version>1.2.3.4</version>`, `<cuda.version>`: the XML element opened just before names a
/// version.
fn element_names_version(prefix: &str) -> bool {
    let Some(open) = prefix.trim_end().strip_suffix('>') else {
        return false;
    };
    open.rsplit_once('<').is_some_and(|(_, element)| {
        let element = element.to_ascii_lowercase();
        !element.starts_with('/')
            && (element.contains("version")
                || element == "ver"
                || [".ver", "_ver", "-ver"]
                    .iter()
                    .any(|s| element.ends_with(s)))
    })
}

/// `version` (or `versions`, `release`) among the last few words: `CMake versions less than
/// 2.8.10.1`, `requires version >= 1.2.3.4`.
fn version_word_nearby(prefix: &str) -> bool {
    words_back(prefix).take(VERSION_WORD_REACH).any(|word| {
        let word = word.to_ascii_lowercase();
        word.starts_with("version") || word == "release" || word == "releases"
    })
}

/// A product or library name in mixed case right before the number (`cuSOLVER 12.2.0.1`,
/// `CMake 3.1.0.2`, `Python3 3.8.1.2`): host names and key words are not written that way.
/// A capital only at the start (`Server 1.2.3.4`) counts only with a digit in the name.
fn product_name_before(prefix: &str) -> bool {
    let Some(before) = prefix.strip_suffix([' ', '\t']) else {
        return false;
    };
    let word = before
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("");
    let upper = word.chars().any(|c| c.is_ascii_uppercase());
    let inner_upper = word.chars().skip(1).any(|c| c.is_ascii_uppercase());
    let digit = word.chars().any(|c| c.is_ascii_digit());
    let lower = word.chars().any(|c| c.is_ascii_lowercase());
    let first_letter = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    first_letter && lower && (inner_upper || (upper && digit))
}

/// `~= 1.2.3.4`, `>= "1.2.3.4"`: an ordering specifier with blanks or a quote between (`==`
/// is left out: `ip == "1.2.3.4"` compares addresses).
fn spaced_range_specifier(prefix: &str) -> bool {
    let trimmed = prefix.trim_end_matches([' ', '\t', '"', '\'']);
    ["~=", ">=", "<="].iter().any(|op| trimmed.ends_with(op))
}

/// `==1.2.3.4`, `>=`, `<=`, `~=`, `!=`, `^`, `~`, `@1.2.3.4`, `name-1.2.3.4`, `+1.2.3.4`.
fn specifier_before(prefix: &str) -> bool {
    let mut rev = prefix.bytes().rev();
    match rev.next() {
        Some(b'=') => matches!(rev.next(), Some(b'=' | b'>' | b'<' | b'~' | b'!')),
        // `<server>1.2.3.4`: the end of an XML start tag, not a comparison.
        Some(b'>') => !ends_with_start_tag(prefix),
        Some(b'<' | b'^' | b'~' | b'@' | b'+') => true,
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
    let singular = word.strip_suffix('s').unwrap_or(&word);
    if word == "v" || names_version(&word) || NUMBERING_WORDS.contains(&singular) {
        return true;
    }
    // `RFC 5445 3.8.2.4`: a section of a numbered document.
    let mut words = words_back(trimmed);
    let number = words
        .next()
        .is_some_and(|w| w.bytes().all(|c| c.is_ascii_digit()));
    number && words.next().is_some_and(|w| w.eq_ignore_ascii_case("rfc"))
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
            "isn't supported for CMake versions less than 1.2.3.4",
            "# cuSOLVER 1.2.3.4's Xpolar",
            "find_package(Python3 1.2.3.4 REQUIRED)",
            "  <version>1.2.3.4</version>",
            "(~= 1.2.3.4)",
            "the HTML5 specs sections \"1.2.3.4 Bogus",
            "# RFC 5445 1.2.3.4: The VALUE parameter",
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
            "Server 1.2.3.4",
            "NTP_SERVER 1.2.3.4",
            "<server>1.2.3.4</server>",
            "route add 1.2.3.4 via the old gateway",
            "assert sock.ip == \"1.2.3.4\"",
        ] {
            assert!(!check(line, "1.2.3.4"), "{line}");
        }
    }
}
