//! Declaration round trips (TOML and Markdown), updating against a scan, and parse errors.
use super::{Declaration, Entry, Format, TO_FILL};
use crate::error::Error;
use crate::filetype::Syntax;
use crate::scan::{scan_text, FileAddresses, TreeScan};
use std::path::Path;

fn entry(file: &str, address: &str, purpose: &str) -> Entry {
    Entry {
        file: file.to_owned(),
        address: address.to_owned(),
        origin: "self-developed".to_owned(),
        upstream: String::new(),
        purpose: purpose.to_owned(),
        line: None,
    }
}

fn scan_of(file: &str, text: &str) -> TreeScan {
    TreeScan {
        files: vec![FileAddresses {
            path: file.to_owned(),
            file: file.to_owned(),
            addresses: scan_text(text, Syntax::Config),
        }],
        ..TreeScan::default()
    }
}

#[test]
fn toml_round_trip() -> Result<(), Error> {
    let declaration = Declaration {
        entries: vec![entry(
            "pip.conf",
            "https://pypi.org/simple",
            "package index \"main\"",
        )],
        ..Declaration::default()
    };
    let text = declaration.render(Format::Toml);
    assert!(text.starts_with("# Public network address declaration"));
    let back = Declaration::parse(&text, Format::Toml, Path::new("d.toml"))?;
    let header_line = text.lines().position(|l| l == "[[address]]").map(|i| i + 1);
    assert_eq!(
        back.entries[0].line,
        header_line.and_then(|l| u32::try_from(l).ok())
    );
    let without_lines: Vec<Entry> = back
        .entries
        .iter()
        .map(|e| Entry {
            line: None,
            ..e.clone()
        })
        .collect();
    assert_eq!(without_lines, declaration.entries);
    Ok(())
}

#[test]
fn markdown_round_trip_keeps_surrounding_text() -> Result<(), Error> {
    let text = "# Addresses\n\nIntro.\n\n| Origin | Upstream source | File | Address | Purpose |\n|---|---|---|---|---|\n| open-source | https://github.com/a/b | `a\\|b.cfg` | `https://pypi.org/simple` | index \\| mirror |\n\nFooter.\n";
    let parsed = Declaration::parse(text, Format::Markdown, Path::new("d.md"))?;
    assert_eq!(parsed.entries.len(), 1);
    let row = &parsed.entries[0];
    assert_eq!(row.file, "a|b.cfg");
    assert_eq!(row.address, "https://pypi.org/simple");
    assert_eq!(row.purpose, "index | mirror");
    assert_eq!(row.upstream, "https://github.com/a/b");
    assert_eq!(row.line, Some(7));
    assert_eq!(parsed.render(Format::Markdown), text);
    Ok(())
}

#[test]
fn markdown_columns_found_by_keyword_in_any_order() -> Result<(), Error> {
    let text = "| Public IP/URL/domain/e-mail | File name | Origin | Purpose |\n|:--|:--|:--|:--|\n| `8.8.8.8` | `resolv.conf` | self-developed | DNS |\n";
    let parsed = Declaration::parse(text, Format::Markdown, Path::new("d.md"))?;
    assert_eq!(
        parsed.entries,
        vec![Entry {
            line: Some(3),
            purpose: "DNS".into(),
            ..entry("resolv.conf", "8.8.8.8", "")
        }]
    );
    Ok(())
}

#[test]
fn updating_keeps_human_cells_adds_new_rows_and_drops_gone_ones() {
    let old = Declaration {
        entries: vec![
            Entry {
                origin: "open-source".into(),
                upstream: "https://github.com/x/y".into(),
                ..entry("pip.conf", "https://pypi.org/simple", "main index")
            },
            entry(
                "pip.conf",
                "https://gone.example-mirror.org/simple",
                "old mirror",
            ),
        ],
        ..Declaration::default()
    };
    let scan = scan_of(
        "pip.conf",
        "index-url = https://pypi.org/simple\nextra = https://download.pytorch.org/whl/cpu\n",
    );
    let new = old.updated(&scan);
    assert_eq!(new.entries.len(), 2);
    assert_eq!(
        new.entries[0].address,
        "https://download.pytorch.org/whl/cpu"
    );
    assert_eq!(new.entries[0].purpose, TO_FILL);
    assert_eq!(new.entries[1].purpose, "main index");
    assert_eq!(new.entries[1].upstream, "https://github.com/x/y");
    // Updating again changes nothing.
    assert_eq!(new.updated(&scan), new);
}

#[test]
fn errors_name_the_file_and_position() {
    let err = Declaration::parse("[[address]]\nfile = 1\n", Format::Toml, Path::new("d.toml"));
    assert!(matches!(err, Err(Error::Toml { .. })));
    let err = Declaration::parse(
        "[[address]]\nfile='a'\naddress='b'\ncolour='red'\n",
        Format::Toml,
        Path::new("d.toml"),
    );
    assert!(err.is_err_and(|e| {
        e.to_string().contains("d.toml")
            && std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("colour"))
    }));
    let err = Declaration::parse("no table here\n", Format::Markdown, Path::new("d.md"));
    assert!(matches!(err, Err(Error::NoTable { .. })));
    let err = Declaration::parse(
        "| Origin | File | Address |\n|---|---|---|\n| a | b |\n",
        Format::Markdown,
        Path::new("d.md"),
    );
    assert!(matches!(
        err,
        Err(Error::MarkdownRow {
            line: 3,
            expected: 3,
            found: 2,
            ..
        })
    ));
}
