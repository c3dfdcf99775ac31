//! The byte prefilter: a file whose bytes contain none of the names any rule needs cannot
//! produce a finding, because every rule needs its module's name spelled in the file (an
//! import or the literal environment variable name). Invariant: the needles cover every
//! module root a rule matches, so skipping never hides a finding the resolver could make.
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

/// The needles, case-sensitive: `pickle` also covers `_pickle`, `cloudpickle`, `jsonpickle`,
/// `pickle5`, `read_pickle` and `allow_pickle`; `Pickle` covers `cPickle`; `yaml` covers ruamel.
const PYTHON_NEEDLES: &[&str] = &[
    "torch",
    "pickle",
    "Pickle",
    "dill",
    "joblib",
    "yaml",
    "marshal",
    "shelve",
    "numpy",
    "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD",
];

fn python_automaton() -> Option<&'static AhoCorasick> {
    static AUTOMATON: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AUTOMATON
        .get_or_init(|| AhoCorasick::new(PYTHON_NEEDLES).ok())
        .as_ref()
}

/// Whether a Python file may hold a finding (`true` when the automaton could not be built,
/// so a build failure never skips files).
pub(crate) fn python_may_match(bytes: &[u8]) -> bool {
    python_automaton().is_none_or(|automaton| automaton.is_match(bytes))
}

/// Whether a shell/Dockerfile/`.env`/YAML file may set the override variable.
pub(crate) fn text_may_match(bytes: &[u8]) -> bool {
    memchr_find(bytes, b"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles() {
        assert!(python_may_match(b"import cPickle"));
        assert!(python_may_match(b"from pandas import read_pickle"));
        assert!(python_may_match(b"import torch.distributed as dist"));
        assert!(!python_may_match(b"import json\njson.loads(x)\n"));
        assert!(text_may_match(b"ENV TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1"));
        assert!(!text_may_match(b"ENV TORCH_FORCE_WEIGHTS_ONLY_LOAD=1"));
    }
}
