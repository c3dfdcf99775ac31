//! Slurm's hostlist syntax (`node[01-03,07],gpu5`, `rack[1-2]-n[1-2]`), expanded the way
//! `scontrol show hostnames` does: comma-separated names at the top level; each `[...]` holds
//! numbers and ranges, whose width is that of the range's start (`01-03` gives `01 02 03`);
//! several bracket groups in one name give every combination, left to right. Bounded: at most
//! [`MAX_INPUT`] bytes in and [`MAX_HOSTS`] names out, so a hostile value cannot exhaust memory.

/// Longest hostlist accepted, in bytes.
pub const MAX_INPUT: usize = 64 * 1024;
/// Most names one hostlist may expand to (Slurm's own largest clusters are smaller).
pub const MAX_HOSTS: usize = 65_536;
/// Longest host name (DNS limit).
const MAX_NAME: usize = 253;

/// The hostlist could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostlistError {
    /// Longer than [`MAX_INPUT`].
    #[error("hostlist is {len} bytes, more than the {MAX_INPUT} accepted")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// Expands to more than [`MAX_HOSTS`] names.
    #[error("hostlist `{list}` expands to more than {MAX_HOSTS} names")]
    TooMany {
        /// The hostlist (shortened).
        list: String,
    },
    /// Not hostlist syntax.
    #[error("`{item}` is not a Slurm hostlist entry: {reason}")]
    Syntax {
        /// The offending entry.
        item: String,
        /// What is wrong.
        reason: &'static str,
    },
}

fn syntax(item: &str, reason: &'static str) -> HostlistError {
    HostlistError::Syntax {
        item: item.to_owned(),
        reason,
    }
}

fn shortened(text: &str) -> String {
    text.chars().take(80).collect()
}

/// Splits at commas outside brackets.
fn top_level_items(text: &str) -> Result<Vec<&str>, HostlistError> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0u8, 0usize);
    for (index, byte) in text.bytes().enumerate() {
        match byte {
            b'[' if depth == 0 => depth = 1,
            b'[' => return Err(syntax(text, "nested `[`")),
            b']' if depth == 1 => depth = 0,
            b']' => return Err(syntax(text, "`]` without `[`")),
            b',' if depth == 0 => {
                items.push(text.get(start..index).unwrap_or_default());
                start = index + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(syntax(text, "`[` without `]`"));
    }
    items.push(text.get(start..).unwrap_or_default());
    Ok(items)
}

/// The numbers of one bracket group (`01-03,07`), as strings with the range's width.
fn group(item: &str, body: &str, budget: usize) -> Result<Vec<String>, HostlistError> {
    let mut out = Vec::new();
    for part in body.split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 18 && s.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return Err(syntax(
                item,
                "a bracket holds numbers and ranges like 01-03,07",
            ));
        }
        let (start, end) = match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(start), Ok(end)) if start <= end => (start, end),
            _ => return Err(syntax(item, "a range must not run backwards")),
        };
        let room = u64::try_from(budget.saturating_sub(out.len())).unwrap_or(u64::MAX);
        if end - start >= room {
            return Err(HostlistError::TooMany {
                list: shortened(item),
            });
        }
        let width = a.len();
        out.extend((start..=end).map(|n| format!("{n:0width$}")));
    }
    Ok(out)
}

/// Expands one top-level entry (`rack[1-2]-n[01-02]`) into names.
fn expand_item(item: &str, budget: usize) -> Result<Vec<String>, HostlistError> {
    let mut names = vec![String::new()];
    let mut rest = item;
    while !rest.is_empty() {
        let (literal, tail) = rest.split_once('[').unwrap_or((rest, ""));
        for name in &mut names {
            name.push_str(literal);
        }
        if tail.is_empty() && !rest.contains('[') {
            break;
        }
        let (body, after) = tail
            .split_once(']')
            .ok_or_else(|| syntax(item, "`[` without `]`"))?;
        let numbers = group(item, body, budget)?;
        if names.len().saturating_mul(numbers.len()) > budget {
            return Err(HostlistError::TooMany {
                list: shortened(item),
            });
        }
        names = names
            .iter()
            .flat_map(|prefix| numbers.iter().map(move |n| format!("{prefix}{n}")))
            .collect();
        rest = after;
    }
    for name in &names {
        let valid = !name.is_empty()
            && name.len() <= MAX_NAME
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !valid {
            return Err(syntax(
                item,
                "a host name holds letters, digits, `-`, `.` and `_` (at most 253)",
            ));
        }
    }
    Ok(names)
}

/// Expands a hostlist into host names, in order, without duplicates.
pub fn expand(text: &str) -> Result<Vec<String>, HostlistError> {
    if text.len() > MAX_INPUT {
        return Err(HostlistError::TooLong { len: text.len() });
    }
    let text = text.trim();
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in top_level_items(text)? {
        let item = item.trim();
        if item.is_empty() {
            return Err(syntax(text, "an empty entry"));
        }
        for name in expand_item(item, MAX_HOSTS.saturating_sub(out.len()))? {
            if seen.insert(name.clone()) {
                out.push(name);
            }
        }
        if out.len() > MAX_HOSTS {
            return Err(HostlistError::TooMany {
                list: shortened(text),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        expand(text).unwrap()
    }

    #[test]
    fn ranges_keep_their_width_and_lists_combine() {
        assert_eq!(
            names("node[01-03,07],gpu5"),
            ["node01", "node02", "node03", "node07", "gpu5"]
        );
        assert_eq!(names("n[8-11]"), ["n8", "n9", "n10", "n11"]);
        assert_eq!(names("n[098-101]"), ["n098", "n099", "n100", "n101"]);
        assert_eq!(names("solo"), ["solo"]);
        assert_eq!(names(" a.example.org , b "), ["a.example.org", "b"]);
    }

    #[test]
    fn several_groups_give_every_combination() {
        assert_eq!(
            names("rack[1-2]-n[01-02]"),
            ["rack1-n01", "rack1-n02", "rack2-n01", "rack2-n02"]
        );
        assert_eq!(names("a[1],a1,b[2-2]x"), ["a1", "b2x"]);
    }

    #[test]
    fn malformed_lists_are_errors_naming_the_entry() {
        for bad in [
            "", "n[1-", "n]1[", "n[[1]]", "n[a-b]", "n[3-1]", "n[1-2,]", "a,,b", "n[]", "bad name",
            "n[1;2]", "x'y",
        ] {
            let err = expand(bad).unwrap_err();
            assert!(
                matches!(err, HostlistError::Syntax { .. }),
                "{bad:?}: {err}"
            );
        }
        let err = expand("n[1-3]x[").unwrap_err().to_string();
        assert!(err.contains("n[1-3]x["), "{err}");
    }

    #[test]
    fn expansion_is_bounded() {
        assert!(matches!(
            expand("n[0-999999999999]"),
            Err(HostlistError::TooMany { .. })
        ));
        assert!(matches!(
            expand("a[0-999]b[0-999]"),
            Err(HostlistError::TooMany { .. })
        ));
        let long = "n,".repeat(MAX_INPUT);
        assert!(matches!(expand(&long), Err(HostlistError::TooLong { .. })));
        assert_eq!(names("n[0-65534]").len(), 65_535);
    }
}
