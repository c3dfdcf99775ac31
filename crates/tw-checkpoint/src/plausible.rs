//! Whether bytes that frame (or start) like a pickle are one: text often does, since most
//! printable characters are opcodes and `.` is STOP. A file is taken for a pickle when it opens
//! with a PROTO header naming protocol 2 to 5, when the inert machine runs it to STOP (or to the
//! probe's opcode budget) without breaking the stack discipline, or when it imports a dotted
//! Python name before it breaks (a payload first, damage after, as in the nullifAI attack).
//! Release notes, licences, `RECORD` files and columns of numbers fail all three tests.

use tw_pickle::{GlobalTarget, LimitKind, ParseOptions, Parsed, PickleError, Profile};

use crate::pickle_frame;

/// Opcodes the probe runs: enough to tell text from a pickle (text breaks within a few opcodes),
/// bounded so that sniffing a large protocol 0/1 pickle costs little.
const PROBE_OPCODES: u64 = 1 << 16;

/// Runs the machine over at most [`PROBE_OPCODES`] opcodes of `data`.
fn probe(data: &[u8]) -> Parsed<'_> {
    let mut options = ParseOptions::new(Profile::Scan);
    options.limits.max_opcodes = PROBE_OPCODES;
    tw_pickle::parse(data, &options)
}

/// Whether `s` is a dotted Python identifier path (`os.path`, `builtins`).
fn identifier_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// Whether the parse imported a Python name (module and name both identifier paths).
fn imports_a_name(parsed: &Parsed<'_>) -> bool {
    parsed.graph.globals().iter().any(|g| match &g.target {
        GlobalTarget::Named { module, name } => identifier_path(module) && identifier_path(name),
        _ => false,
    })
}

/// Most pickles followed back to back when deciding whether a data pickle is one.
const MAX_RUN: usize = 16;

/// Whether a pickle that frames to STOP (see `pickle_frame::starts_with_pickle`) is one. Without
/// a PROTO header the machine decides: a run that breaks the stack discipline is text, unless
/// it imported a name first; a run that completes is a pickle when it imports a name, or when
/// it (with the pickles that strictly follow it) ends exactly at the end of the file. Text
/// reaches STOP easily (`GIT v1.5.2.1`: BINFLOAT, DUP, STOP) but then goes on as text; a data
/// pickle followed by text is not dangerous to leave out.
pub(crate) fn is_plausible_pickle(data: &[u8]) -> bool {
    let mut rest = data;
    for _ in 0..MAX_RUN {
        if matches!(rest, [0x80, 2..=5, ..]) {
            return true;
        }
        let parsed = probe(rest);
        let end = match &parsed.error {
            None => parsed.end,
            Some(PickleError::LimitExceeded {
                what: LimitKind::Opcodes,
                ..
            }) => return true,
            Some(_) => return imports_a_name(&parsed),
        };
        if imports_a_name(&parsed) {
            return true;
        }
        let Some(end) = end.filter(|_| parsed.root.is_some()) else {
            return false;
        };
        rest = rest.get(end..).unwrap_or_default();
        if rest.is_empty() {
            return true;
        }
        if pickle_frame::starts_with_pickle(rest).is_none() {
            return false;
        }
    }
    false
}

/// Whether bytes that do not frame as a pickle still start as one that imports and calls a
/// Python name before it breaks: `pickle.load` runs that call before it reports the damage.
pub(crate) fn is_damaged_pickle(data: &[u8]) -> bool {
    if !data.first().is_some_and(|&b| pickle_frame::is_opcode(b)) {
        return false;
    }
    let parsed = probe(data);
    parsed.error.is_some() && imports_a_name(&parsed) && !parsed.graph.objects().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_not_a_pickle() {
        for text in [
            &b"Git v1.5.0.1 Release Notes\n==========================\n\nFixes since v1.5.0.\n"[..],
            b"GIT v1.5.2.1 Release Notes\n==========================\n",
            b"torch/__init__.py,sha256=abc,1234\ntorch/x.py,,\n",
            b"packaging==21.3\nsix==1.16.0\n",
            b"1 2 3\n4 5 6\n0.5\n",
            b"import _virtualenv\n",
            b"(c) 2020 The Authors. All rights reserved.\n",
        ] {
            let framed = pickle_frame::starts_with_pickle(text).is_some();
            assert!(!(framed && is_plausible_pickle(text)), "{text:?}");
            assert!(!is_damaged_pickle(text), "{text:?}");
        }
    }

    #[test]
    fn pickles_and_damaged_payloads_are() {
        // Protocol 0 `os.system('echo')`, whole and cut after REDUCE.
        let whole = b"cos\nsystem\n(S'echo'\ntR.";
        assert!(is_plausible_pickle(whole));
        let cut = b"cos\nsystem\n(S'echo'\ntR0000";
        assert!(pickle_frame::starts_with_pickle(cut).is_none());
        assert!(is_damaged_pickle(cut));
        // A protocol 0 data pickle.
        assert!(is_plausible_pickle(b"(dp0\nS'a'\np1\nI1\ns."));
        assert!(is_plausible_pickle(b"\x80\x02N."));
    }
}
