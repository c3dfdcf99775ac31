//! PEP 440 versions as installers write them (`2.5.1`, `2.6.0rc1`, `2.8.0+cpu`, `1!2.0.post1`,
//! `2.10.0a0`), parsed into a validated [`Version`] and ordered by the PEP: epoch, release
//! (trailing zeros ignored), then dev-only < pre-releases < final < post-releases, dev releases
//! before what they lead to. The local label (`+cpu`) is kept for display but never compared:
//! advisories are about public versions, and PEP 440 ignores local labels when matching a
//! specifier without one, so `2.8.0+cpu` is exactly as affected as `2.8.0`.
use std::cmp::Ordering;
use std::fmt;

/// Longest version text accepted (real versions are under 40 characters).
pub const MAX_VERSION_LEN: usize = 128;

/// Why a version text is not a PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a PEP 440 version: {reason}")]
pub struct VersionError {
    /// The text as given (cut to [`MAX_VERSION_LEN`] characters).
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The pre-release phase, in PEP 440 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// `a`, `alpha`.
    Alpha,
    /// `b`, `beta`.
    Beta,
    /// `rc`, `c`, `pre`, `preview`.
    Candidate,
}

/// A parsed PEP 440 version.
#[derive(Debug, Clone)]
pub struct Version {
    epoch: u64,
    release: Vec<u64>,
    pre: Option<(Phase, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Option<String>,
    text: String,
}

/// Spellings of each optional segment, longest first so `alpha` wins over `a`.
const PRE_WORDS: &[(&str, Phase)] = &[
    ("preview", Phase::Candidate),
    ("alpha", Phase::Alpha),
    ("beta", Phase::Beta),
    ("pre", Phase::Candidate),
    ("rc", Phase::Candidate),
    ("a", Phase::Alpha),
    ("b", Phase::Beta),
    ("c", Phase::Candidate),
];
const POST_WORDS: &[&str] = &["post", "rev", "r"];

/// A cursor over the lowercased version text.
struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn number(&mut self) -> Option<Result<u64, &'static str>> {
        let end = self
            .rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (digits, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(digits.parse().map_err(|_| "a number is too large"))
    }

    fn separator(&mut self) -> bool {
        match self.rest.chars().next() {
            Some('.' | '-' | '_') => {
                self.rest = self.rest.get(1..).unwrap_or_default();
                true
            }
            _ => false,
        }
    }

    fn word<'w>(&mut self, words: &[&'w str]) -> Option<&'w str> {
        let word = words.iter().find(|w| self.rest.starts_with(**w))?;
        self.rest = self.rest.get(word.len()..).unwrap_or_default();
        Some(word)
    }

    /// An optional separator, one of `words`, then an optional separator and number
    /// (implicitly 0). Restores the cursor when no word follows.
    fn segment(&mut self, words: &[&str]) -> Option<(usize, Result<u64, &'static str>)> {
        let start = self.rest;
        self.separator();
        let Some(word) = self.word(words) else {
            self.rest = start;
            return None;
        };
        let index = words.iter().position(|w| *w == word).unwrap_or(0);
        let before_number = self.rest;
        self.separator();
        let number = self.number().unwrap_or_else(|| {
            self.rest = before_number;
            Ok(0)
        });
        Some((index, number))
    }
}

impl Version {
    /// Parses `text` (surrounding whitespace, a leading `v` and any case are accepted, as PEP
    /// 440's normalisation allows).
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let fail = |reason: &'static str| VersionError {
            text: text.chars().take(MAX_VERSION_LEN).collect(),
            reason,
        };
        let trimmed = text.trim();
        if trimmed.len() > MAX_VERSION_LEN {
            return Err(fail("longer than 128 characters"));
        }
        let lower = trimmed.to_ascii_lowercase();
        let body = lower.strip_prefix('v').unwrap_or(&lower);
        let (public, local) = match body.split_once('+') {
            Some((public, local)) => {
                let valid = !local.is_empty()
                    && local.split(['.', '-', '_']).all(|part| {
                        !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric())
                    });
                if !valid {
                    return Err(fail("the local label after `+` is not alphanumeric parts"));
                }
                (public, Some(local.replace(['-', '_'], ".")))
            }
            None => (body, None),
        };
        let mut cursor = Cursor { rest: public };
        let mut epoch = 0;
        if let Some((digits, rest)) = public.split_once('!') {
            epoch = digits
                .parse()
                .map_err(|_| fail("the epoch before `!` is not a number"))?;
            cursor.rest = rest;
        }
        let mut release = Vec::new();
        loop {
            match cursor.number() {
                Some(number) => release.push(number.map_err(fail)?),
                None => return Err(fail("the release must be numbers separated by dots")),
            }
            if release.len() > 32 {
                return Err(fail("more than 32 release numbers"));
            }
            if cursor.rest.starts_with('.')
                && cursor
                    .rest
                    .get(1..2)
                    .is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit()))
            {
                cursor.rest = cursor.rest.get(1..).unwrap_or_default();
                continue;
            }
            break;
        }
        let pre_words: Vec<&str> = PRE_WORDS.iter().map(|(word, _)| *word).collect();
        let mut pre = None;
        if let Some((index, number)) = cursor.segment(&pre_words) {
            let phase = PRE_WORDS
                .get(index)
                .map_or(Phase::Alpha, |(_, phase)| *phase);
            pre = Some((phase, number.map_err(fail)?));
        }
        let mut post = None;
        if let Some((_, number)) = cursor.segment(POST_WORDS) {
            post = Some(number.map_err(fail)?);
        } else if cursor.rest.starts_with('-') {
            // The implicit post-release `1.0-1`.
            let start = cursor.rest;
            cursor.rest = cursor.rest.get(1..).unwrap_or_default();
            match cursor.number() {
                Some(number) => post = Some(number.map_err(fail)?),
                None => cursor.rest = start,
            }
        }
        let mut dev = None;
        if let Some((_, number)) = cursor.segment(&["dev"]) {
            dev = Some(number.map_err(fail)?);
        }
        if !cursor.rest.is_empty() {
            return Err(fail("unexpected text after the version"));
        }
        Ok(Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
            text: trimmed.to_owned(),
        })
    }

    /// The release numbers (`[2, 5, 1]`).
    pub fn release(&self) -> &[u64] {
        &self.release
    }

    /// The local label (`cpu` of `2.8.0+cpu`), if any.
    pub fn local(&self) -> Option<&str> {
        self.local.as_deref()
    }

    /// Whether this is a pre-release or a development release.
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The first two release numbers (`(2, 5)` of `2.5.1`), the series torch and `torch_npu`
    /// pair on.
    pub fn series(&self) -> (u64, u64) {
        (
            self.release.first().copied().unwrap_or(0),
            self.release.get(1).copied().unwrap_or(0),
        )
    }

    /// The release numbers with trailing zeros dropped (`2.6.0` and `2.6` are equal).
    fn trimmed_release(&self) -> &[u64] {
        let end = self
            .release
            .iter()
            .rposition(|n| *n != 0)
            .map_or(0, |index| index + 1);
        self.release.get(..end).unwrap_or(&[])
    }

    /// The sort key of the pre/post/dev part (PEP 440 "Summary of permitted suffixes").
    fn suffix_key(&self) -> (i8, u64, i8, u64, i8, u64) {
        // A dev release of a final version (`2.10.0.dev1`) sorts before its pre-releases.
        let (pre_rank, phase, pre_number) = match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (-1, 0, 0),
            (Some((phase, number)), _, _) => (0, phase as i8, number),
            (None, _, _) => (1, 0, 0),
        };
        let (post_rank, post_number) = match self.post {
            Some(number) => (1, number),
            None => (0, 0),
        };
        let (dev_rank, dev_number) = match self.dev {
            Some(number) => (0, number),
            None => (1, 0),
        };
        (
            pre_rank * 8 + phase,
            pre_number,
            post_rank,
            post_number,
            dev_rank,
            dev_number,
        )
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    /// PEP 440 order of the public version; the local label is ignored (see the module doc).
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.trimmed_release().cmp(other.trimmed_release()))
            .then_with(|| self.suffix_key().cmp(&other.suffix_key()))
    }
}

impl fmt::Display for Version {
    /// The version as it was written (trimmed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Version {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Version::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn orders_the_pep_440_examples() {
        // PEP 440 "Summary of permitted suffixes and relative ordering", plus epochs.
        let ordered = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for pair in ordered.windows(2) {
            let (a, b) = (v(pair[0]), v(pair[1]));
            if pair[1] == "1.0+abc.5" {
                assert_eq!(a, b, "local labels are not compared");
            } else {
                assert!(a < b, "{a} < {b}");
            }
        }
    }

    #[test]
    fn torch_edge_cases() {
        assert!(v("2.6.0rc1") < v("2.6.0"));
        assert!(v("2.10.0a0") < v("2.10.0"));
        assert!(v("2.10.0a0") > v("2.9.1"));
        assert!(v("2.10.0.dev20250101") < v("2.10.0a0"));
        assert_eq!(v("2.5.1+cpu"), v("2.5.1"));
        assert!(v("2.5.1+cpu") < v("2.6.0"));
        assert_eq!(v("2.8.0+cpu").local(), Some("cpu"));
        assert_eq!(v("2.6"), v("2.6.0"));
        assert!(v("2.1.0.post8") > v("2.1.0"));
        assert!(v("2.1.0.post8") < v("2.1.1"));
        assert_eq!(v("2.1.0.post8").series(), (2, 1));
        assert!(v("2.6.0rc1").is_prerelease() && !v("2.6.0").is_prerelease());
    }

    #[test]
    fn normalises_spellings() {
        assert_eq!(v("V1.0-ALPHA.1"), v("1.0a1"));
        assert_eq!(v("1.0c1"), v("1.0rc1"));
        assert_eq!(v("1.0-preview2"), v("1.0rc2"));
        assert_eq!(v("1.0-1"), v("1.0.post1"));
        assert_eq!(v("1.0.rev"), v("1.0.post0"));
        assert_eq!(v("1.0-dev"), v("1.0.dev0"));
        assert_eq!(v(" 2.5.1\n").to_string(), "2.5.1");
        assert_eq!(v("1.0+Ubuntu-1").local(), Some("ubuntu.1"));
    }

    #[test]
    fn refuses_what_is_not_a_version() {
        for bad in [
            "",
            "abc",
            "1..2",
            "1.0+",
            "1.0+a..b",
            "1.0 beta",
            "2.5.1-cuda",
            "x!1",
            "1.0foo",
            "99999999999999999999999",
            "1.0.post1.post2",
            ".1",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} parsed");
        }
        let long = "1.".repeat(100);
        assert!(Version::parse(&long).is_err());
    }
}
