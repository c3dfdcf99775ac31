//! Running the firewall tools behind a small trait, so that every plan, apply, verify and
//! rollback sequence can be unit-tested with a scripted fake and only the namespace tests
//! need root. Commands are argument vectors (never a shell line); their display form is
//! shell-quoted so it can be printed as a manual recovery command.
use std::io::Write;
use std::process::{Command, Stdio};

/// One command to run: program, arguments and optional standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    /// Program name (looked up in `PATH`).
    pub program: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Text written to standard input (`nft -f -`, `iptables-restore`).
    pub stdin: Option<String>,
}

impl Cmd {
    /// `program args...` without input.
    pub fn new(program: &str, args: &[&str]) -> Cmd {
        Cmd {
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            stdin: None,
        }
    }

    /// The same command reading `input` on standard input.
    #[must_use]
    pub fn with_stdin(mut self, input: String) -> Cmd {
        self.stdin = Some(input);
        self
    }

    /// Shell-quoted command line (for messages and recovery instructions).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .map(quote)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,".contains(&b))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// A command could not be started at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// The program is not installed.
    #[error("`{program}` is not installed (not found in PATH)")]
    NotFound {
        /// Program name.
        program: String,
    },
    /// Any other start or I/O failure.
    #[error("could not run `{command}`: {reason}")]
    Io {
        /// The command line.
        command: String,
        /// The OS error.
        reason: String,
    },
}

/// Runs commands. The real implementation is [`SystemExec`]; tests script their own.
pub trait Exec {
    /// Runs `cmd` to completion and returns its output.
    fn run(&self, cmd: &Cmd) -> Result<Output, ExecError>;
}

/// Runs commands on this host with `std::process`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemExec;

impl Exec for SystemExec {
    fn run(&self, cmd: &Cmd) -> Result<Output, ExecError> {
        let io_err = |err: std::io::Error| {
            if err.kind() == std::io::ErrorKind::NotFound {
                ExecError::NotFound {
                    program: cmd.program.clone(),
                }
            } else {
                ExecError::Io {
                    command: cmd.display(),
                    reason: err.to_string(),
                }
            }
        };
        let mut child = Command::new(&cmd.program)
            .args(&cmd.args)
            .stdin(if cmd.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // The tools print messages we parse; keep them in English.
            .env("LC_ALL", "C")
            .spawn()
            .map_err(io_err)?;
        if let (Some(input), Some(mut pipe)) = (&cmd.stdin, child.stdin.take()) {
            // A tool that exits early closes the pipe; its exit code tells what happened.
            let _ = pipe.write_all(input.as_bytes());
        }
        let out = child.wait_with_output().map_err(io_err)?;
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_only_what_needs_it() {
        let cmd = Cmd::new("iptables", &["-D", "INPUT", "-j", "TORCHWARD-IN"]);
        assert_eq!(cmd.display(), "iptables -D INPUT -j TORCHWARD-IN");
        assert_eq!(Cmd::new("nft", &["it's"]).display(), "nft 'it'\\''s'");
    }

    #[test]
    fn system_exec_reports_missing_programs_and_exit_codes() {
        let missing = SystemExec.run(&Cmd::new("torchward-no-such-tool", &[]));
        assert!(matches!(missing, Err(ExecError::NotFound { .. })));
        let out = SystemExec.run(&Cmd::new("sh", &["-c", "cat; exit 3"]).with_stdin("hi".into()));
        assert_eq!(
            out.map(|o| (o.code, o.stdout)),
            Ok((Some(3), "hi".to_owned()))
        );
    }
}
