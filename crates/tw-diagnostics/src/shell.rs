//! Quoting of words for a POSIX shell, for the commands torchward prints for a user to paste
//! (`chmod 0640 '/srv/x'`). A name comes from the tree being audited, so it may hold quotes,
//! `$`, newlines or bytes that are not UTF-8: quoting must make the shell read back exactly
//! those bytes as one word, and the printed line must hold no control character that could
//! forge another line.
//!
//! - Printable UTF-8: single quotes, each `'` written as `'\''` (POSIX.1-2017 XCU 2.2.3: nothing
//!   is special inside single quotes except the closing quote). Every POSIX `sh` reads it.
//! - Anything with a control character or bytes that are not UTF-8: ANSI-C quoting `$'...'`
//!   (bash, ksh, zsh; POSIX.1-2024 XCU 2.2.4 `dollar-single-quotes`), with `\\`, `\'` and
//!   three-digit octal escapes `\NNN` for control characters and non-UTF-8 bytes, so the
//!   printed text is plain ASCII-safe and the shell turns it back into the original bytes.
//!   Shells older than POSIX.1-2024 without `$'...'` (dash before 0.5.13) cannot read these
//!   names; there is no portable single-quoted form that holds a newline invisibly.
use std::fmt::Write;

/// `word` (raw bytes, as a file name is on Unix) quoted so a POSIX shell reads it back as one
/// word with exactly these bytes.
pub fn shell_quote(word: &[u8]) -> String {
    match std::str::from_utf8(word) {
        Ok(text) if !text.chars().any(char::is_control) => {
            format!("'{}'", text.replace('\'', r"'\''"))
        }
        _ => dollar_quote(word),
    }
}

/// `path` quoted for a POSIX shell (see [`shell_quote`]).
#[cfg(unix)]
pub fn shell_quote_path(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    shell_quote(path.as_os_str().as_bytes())
}

/// ANSI-C quoting: valid UTF-8 kept (but control characters escaped), everything else octal.
fn dollar_quote(word: &[u8]) -> String {
    let mut out = String::with_capacity(word.len() + 3);
    out.push_str("$'");
    for chunk in word.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str(r"\\"),
                '\'' => out.push_str(r"\'"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for byte in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\{byte:03o}");
                    }
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\{byte:03o}");
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn plain_names_are_single_quoted() {
        assert_eq!(shell_quote(b"/srv/model.pt"), "'/srv/model.pt'");
        assert_eq!(shell_quote("/srv/é $x".as_bytes()), "'/srv/é $x'");
    }

    #[test]
    fn single_quotes_are_closed_escaped_and_reopened() {
        assert_eq!(
            shell_quote(b"x'; touch $HOME.PWNED; echo '.py"),
            r"'x'\''; touch $HOME.PWNED; echo '\''.py'"
        );
    }

    #[test]
    fn control_characters_and_bad_utf8_use_ansi_c_quotes() {
        assert_eq!(shell_quote(b"a\nb"), r"$'a\012b'");
        assert_eq!(shell_quote(b"a\xffb'\\"), r"$'a\377b\'\\'");
        assert_eq!(shell_quote(b"\x1b[2J1"), r"$'\033[2J1'");
        // C1 controls are encoded as their UTF-8 bytes.
        assert_eq!(shell_quote("\u{9b}".as_bytes()), r"$'\302\233'");
    }
}
