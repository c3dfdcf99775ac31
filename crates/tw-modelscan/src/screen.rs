//! Screening: the gate `inspect` and `convert` put in front of reading a file as weights. The
//! file is analysed exactly as `torchward scan` analyses it; findings at `low` or above refuse
//! it, an analysis error makes it unreadable, and findings below `low` travel on as notes.
//! A file passes only when nothing refuses it and every part of it was analysed; it then comes
//! with the container the analysis opened, so the reader that follows does not walk it again.
use tw_checkpoint::{Container, Format};
use tw_diagnostics::{AnalysisError, Finding, Severity};

use crate::analyse::analyse_keeping_container;
use crate::ScanOptions;

/// A file that passed screening.
#[derive(Debug)]
pub struct Screened<'a> {
    /// The format detected by content ([`Format::Unknown`] when it is no format torchward
    /// knows).
    pub format: Format,
    /// Findings below `low` (for example TW114 notes): they do not refuse the file, but a
    /// reader should see them.
    pub notes: Vec<Finding>,
    /// The container opened for `format`, borrowing the screened bytes: reading it needs no
    /// second walk of the file. `None` when the content is no format torchward knows.
    pub container: Option<Container<'a>>,
}

/// Why a file did not pass screening.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScreenError {
    /// Findings at `low` or above show the file is not plain weights.
    #[error("refused: {} finding(s) at low or above", findings.len())]
    Refused {
        /// The findings at `low` or above, in the order the analysis found them (never empty).
        findings: Vec<Finding>,
        /// The first analysis error as [`ScreenError::Unreadable`] would word it, when part
        /// of the file could not be analysed as well: a caller that puts damage before
        /// findings reports this instead.
        unreadable: Option<String>,
    },
    /// Part of the file could not be analysed (and no finding refuses it).
    #[error("{message}")]
    Unreadable {
        /// The first analysis error, prefixed with its entry and offset when known.
        message: String,
    },
}

/// Screens the bytes of one file named `path` (as findings name it): analyses them with
/// `options` and splits the outcome at [`Severity::Low`].
pub fn screen<'a>(
    path: &str,
    data: &'a [u8],
    options: &ScanOptions,
) -> Result<Screened<'a>, ScreenError> {
    let (outcome, container) = analyse_keeping_container(path, data, options);
    let unreadable = outcome.errors.first().map(located_message);
    let (refusing, notes): (Vec<Finding>, Vec<Finding>) = outcome
        .findings
        .into_iter()
        .partition(|f| f.severity >= Severity::Low);
    if !refusing.is_empty() {
        return Err(ScreenError::Refused {
            findings: refusing,
            unreadable,
        });
    }
    if let Some(message) = unreadable {
        return Err(ScreenError::Unreadable { message });
    }
    Ok(Screened {
        format: outcome.format.unwrap_or(Format::Unknown),
        notes,
        container,
    })
}

/// `err`'s message after its place in the file: `entry at offset N: `, `entry: `,
/// `offset N: ` or nothing.
fn located_message(err: &AnalysisError) -> String {
    match (&err.entry, err.offset) {
        (Some(entry), Some(off)) => format!("{entry} at offset {off}: {}", err.message),
        (Some(entry), None) => format!("{entry}: {}", err.message),
        (None, Some(off)) => format!("offset {off}: {}", err.message),
        (None, None) => err.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(entry: Option<&str>, offset: Option<u64>) -> AnalysisError {
        AnalysisError {
            path: "m.pt".to_owned(),
            entry: entry.map(str::to_owned),
            offset,
            message: "bad".to_owned(),
        }
    }

    #[test]
    fn the_message_names_entry_and_offset_when_known() {
        assert_eq!(
            located_message(&error(Some("data.pkl"), Some(7))),
            "data.pkl at offset 7: bad"
        );
        assert_eq!(
            located_message(&error(Some("data.pkl"), None)),
            "data.pkl: bad"
        );
        assert_eq!(located_message(&error(None, Some(7))), "offset 7: bad");
        assert_eq!(located_message(&error(None, None)), "bad");
    }

    #[test]
    fn a_damaged_pickle_with_a_dangerous_global_is_refused_and_unreadable() {
        // PROTO 2, GLOBAL os.system, then MARK and nothing: truncated before STOP.
        let data = b"\x80\x02cos\nsystem\n(";
        match screen("evil.pkl", data, &ScanOptions::default()) {
            Err(ScreenError::Refused {
                findings,
                unreadable: Some(message),
            }) => {
                assert!(findings.iter().all(|f| f.severity >= Severity::Low));
                assert!(findings.iter().any(|f| f.message.contains("os.system")));
                assert!(message.contains("malformed pickle"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_of_no_known_format_passes_as_unknown() {
        match screen("notes.txt", b"plain text", &ScanOptions::default()) {
            Ok(screened) => {
                assert_eq!(screened.format, Format::Unknown);
                assert!(screened.notes.is_empty());
                assert!(screened.container.is_none());
            }
            Err(err) => panic!("{err:?}"),
        }
    }
}
