//! `torchward __supervise` (hidden): the process `torchward run` places between itself and
//! the training command, so no process of the job outlives the firewall rules; the logic and
//! its reasons live in `tw_launch::supervisor`. Users never call it.
use crate::exit::ExitStatus;
use std::ffi::OsString;

/// Arguments of `__supervise`: the request `tw_launch::supervisor::Request::to_args` wrote.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `--parent PID --report-fd FD [--user UID:GID] -- CMD...`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub request: Vec<OsString>,
}

/// Supervises the command; the exit status is the command's code (128 + N for signal N).
pub fn run(args: &Args) -> ExitStatus {
    match tw_launch::supervisor::Request::from_args(&args.request) {
        Ok(request) => {
            let code = tw_launch::supervisor::supervise(&request);
            ExitStatus::External(u8::try_from(code).unwrap_or(u8::MAX))
        }
        Err(err) => {
            crate::output::error(&anyhow::Error::new(err));
            ExitStatus::Error
        }
    }
}
