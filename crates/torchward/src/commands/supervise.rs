//! `torchward __supervise` (hidden): the process `torchward run` places between itself and
//! the training command, so no process of the job outlives the firewall rules; the logic and
//! its reasons live in `tw_launch::supervisor`. Only `run` starts it; started by hand with a
//! report descriptor that is not the write end of a pipe, or with a `--parent` that is not its
//! parent, it prints why and exits 2 without starting the command.
use crate::exit::ExitStatus;
use std::ffi::OsString;

/// Arguments of `__supervise`: the request `tw_launch::supervisor::Request::to_args` wrote.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `--parent PID --report-fd FD [--user UID:GID] -- CMD...`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub request: Vec<OsString>,
}

/// Supervises the command; the exit status is the command's code (128 + N for signal N), 127
/// when it could not be started (reported on the pipe), 2 when the request was refused.
pub fn run(args: &Args) -> ExitStatus {
    let refused = match tw_launch::supervisor::Request::from_args(&args.request) {
        Ok(request) => match tw_launch::supervisor::supervise(&request) {
            Ok(code) => return ExitStatus::External(u8::try_from(code).unwrap_or(u8::MAX)),
            Err(err) => anyhow::Error::new(err),
        },
        Err(err) => anyhow::Error::new(err),
    };
    crate::output::error(&refused);
    ExitStatus::Error
}
