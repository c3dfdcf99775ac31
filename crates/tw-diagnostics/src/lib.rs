//! The report model every torchward command shares: rules, findings, locations and the report
//! that renderers print. This crate does no I/O and knows nothing about output formats, so a
//! check can only return data and a renderer can only print it.
#![forbid(unsafe_code)]

mod finding;
mod report;
mod rule;
mod rule_list;
mod severity;
mod shell;
mod skip;

pub use finding::{Confidence, Evidence, Finding, Location, Status, Suppression};
pub use report::{AnalysisError, Report, Stats, ToolInfo, SCHEMA_VERSION};
pub use rule::{Registry, RuleDoc, RuleMeta};
pub use rule_list::{check_rule_list, RuleListError};
pub use severity::{ParseSeverityError, Severity};
pub use shell::shell_quote;
#[cfg(unix)]
pub use shell::shell_quote_path;
pub use skip::{SkipReason, SkippedInput};
