//! Where bytes go: the report to stdout or an atomically written file, warnings and errors to
//! stderr, and the terminal facts (is it a TTY, may we colour) every decision about
//! presentation reads. The only module that writes to the process's standard streams.
use crate::args::{ColorChoice, ReportArgs};
use anyhow::Context as _;
use std::fmt::Display;
use std::io::{self, IsTerminal, Write};

/// Whether stderr is a terminal (progress bars and summaries show only then).
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// Whether text output should be coloured: `always`/`never` as given; `auto` colours only
/// when the report goes to stdout, stdout is a terminal, `NO_COLOR` is unset or empty
/// (<https://no-color.org>) and `TERM` is not `dumb`.
pub fn use_color(args: &ReportArgs) -> bool {
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.out.output.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// Writes the rendered report where `args` says: `--output FILE` atomically with mode 640
/// (refusing to replace an existing file unless `--force`), else stdout.
pub fn write_report(rendered: &str, args: &ReportArgs) -> anyhow::Result<()> {
    args.out.write(rendered, "writing the report")
}

/// Writes `text` to stdout and flushes. A closed pipe comes back as an error the caller can
/// recognise with [`is_broken_pipe`].
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing to stdout")
}

/// Whether `err` is (or was caused by) a closed stdout pipe (`torchward rules | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Prints `warning: ...` on stderr. Failing to write a warning is not worth failing the run.
pub fn warn(message: impl Display) {
    let _ = writeln!(io::stderr(), "warning: {}", inert(&message));
}

/// Prints `error: ...` on stderr with the whole cause chain (`a: b: c`).
pub fn error(err: &anyhow::Error) {
    let _ = writeln!(io::stderr(), "error: {}", inert(&format!("{err:#}")));
}

/// Prints a line on stderr as is (summaries, notes), control characters escaped.
pub fn note(message: impl Display) {
    let _ = writeln!(io::stderr(), "{}", inert(&message));
}

/// `message` with every control character but its line breaks shown as an escape: messages
/// carry file names and text from the files read, and an escape sequence in a name must not
/// drive the terminal. (Line breaks are the message's own; a name with a newline still breaks
/// its line here, while reports escape it fully.)
fn inert(message: &impl Display) -> String {
    message
        .to_string()
        .split('\n')
        .map(tw_report::escape_control)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn messages_keep_their_lines_and_lose_escape_sequences() {
        assert_eq!(
            inert(&"converted a\x1b]0;pwned\x07.pt\nnext line\r"),
            "converted a\\x1b]0;pwned\\x07.pt\nnext line\\x0d"
        );
    }
}
