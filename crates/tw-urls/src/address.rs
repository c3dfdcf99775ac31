//! One public address found in a file: its kind, the exact text as written (with a literal
//! password replaced, so a report never repeats a secret), and where it is. Only public
//! addresses become `Address`es; the extractors drop the rest.
use serde::{Deserialize, Serialize};
use std::fmt;

/// What sort of address it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A URL of a scheme that reaches a host (`https://`, `git+ssh://`, `s3://`), or the
    /// scp-like `git@host:path` form.
    Url,
    /// A bare IPv4 or IPv6 address (optionally with a CIDR prefix length).
    Ip,
    /// A bare domain name in a configuration value.
    Domain,
    /// An e-mail address.
    Email,
}

impl Kind {
    /// The lowercase name used in tables, JSON evidence and baselines.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Url => "url",
            Kind::Ip => "ip",
            Kind::Domain => "domain",
            Kind::Email => "email",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A public address at one place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// What sort of address.
    pub kind: Kind,
    /// The text exactly as written, except that a literal password in a URL is shown as
    /// `****` (the user name stays).
    pub text: String,
    /// Byte offset of the first byte in the file.
    pub offset: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// 1-based column just past the end, in characters (same line: addresses never span
    /// lines).
    pub end_column: u32,
    /// The URL scheme, lower case (`https`), for URLs; `git` for the scp-like form.
    pub scheme: Option<String>,
    /// The host the address names (URLs, e-mails), as written.
    pub host: Option<String>,
    /// The user name when the URL embeds a literal password (`user:pass@`).
    pub credentials_user: Option<String>,
}
