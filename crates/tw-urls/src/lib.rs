//! Finds the public network addresses (URLs, IP addresses, domain names, e-mail addresses) in
//! a source tree's configuration files and scripts, and keeps them declared as the security
//! statement's section 9 requires. Scanning never executes or imports anything it reads; the
//! only file it writes is the declaration, atomically.
//!
//! ```
//! use tw_urls::{scan_text, Kind, Syntax};
//! let found = scan_text("index-url = https://pypi.org/simple\nhost = 10.0.0.1\n", Syntax::Config);
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].address.kind, Kind::Url);
//! assert_eq!(found[0].address.text, "https://pypi.org/simple");
//! ```
#![forbid(unsafe_code)]

mod address;
mod check;
pub mod declaration;
mod error;
mod extract;
mod filetype;
mod host;
pub mod reach;
pub mod rules;
mod scan;
pub mod table;

pub use address::{Address, Kind};
pub use check::{findings, CheckOptions};
pub use declaration::{Declaration, Entry, TO_FILL};
pub use error::Error;
pub use filetype::{any_file, config_or_script, Syntax};
pub use host::{domain_reach, host_reach};
pub use rules::RULES;
pub use scan::{scan_paths, scan_text, FileAddresses, FileError, Found, ScanOptions, TreeScan};

/// The version of the embedded Public Suffix List: the `psl` crate release it comes from.
pub const PSL_SOURCE: &str = "psl 2.1.247 (Public Suffix List as generated into that release)";
