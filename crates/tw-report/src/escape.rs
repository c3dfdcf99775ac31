//! Escaping of untrusted text. Messages, paths and evidence come from the files torchward
//! reads (a pickle names its own globals), so a hostile file could otherwise move the cursor,
//! retitle the terminal or forge lines. Terminal output shows control characters as visible
//! `\x..` escapes; GitHub workflow commands additionally get the runner's own escaping
//! (`toolkit/packages/core/src/command.ts`: `%`, `\r`, `\n` in data; also `:` and `,` in
//! property values).
use std::fmt::Write;

/// `text` with every control character (C0 except tab, DEL, C1) shown as `\x..` or `\u{..}`,
/// so it prints as inert text on a terminal. Newlines are escaped too; callers that want
/// line breaks split first.
pub fn for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's message (`%`, `\r`, `\n`), then any other control character.
pub(crate) fn workflow_data(text: &str) -> String {
    for_terminal(
        &text
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    )
}

/// Escapes a workflow command property value: as data, plus `:` and `,`, which delimit
/// properties.
pub(crate) fn workflow_property(text: &str) -> String {
    workflow_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(
            for_terminal("a\x1b[2Jb\tc\u{9b}d\ne"),
            "a\\x1b[2Jb\tc\\u{9b}d\\x0ae"
        );
    }

    #[test]
    fn workflow_escapes_percent_first_then_newlines_and_delimiters() {
        assert_eq!(workflow_data("100%\r\nok"), "100%25%0D%0Aok");
        assert_eq!(workflow_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(workflow_data("\x07bell"), "\\x07bell");
    }
}
