//! Progress for long multi-file commands: an indicatif bar on stderr, shown only when stderr
//! is a terminal and the report format is for people, so pipes, CI logs and JSON consumers
//! never see it. Cheap to clone and safe to share across rayon workers.
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::borrow::Cow;
use std::time::Duration;

/// A progress bar (or a spinner when the total is unknown) that may be hidden.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

// Until the multi-file commands plug in, only tests call some of these methods.
#[allow(dead_code)]
impl Progress {
    /// A bar counting up to `total` items (a spinner for `None`); hidden unless `visible`.
    pub fn new(total: Option<u64>, message: impl Into<Cow<'static, str>>, visible: bool) -> Self {
        if !visible {
            return Progress {
                bar: ProgressBar::hidden(),
            };
        }
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg} {pos} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar }
    }

    /// A bar that never draws (for tests and quiet callers).
    pub fn hidden() -> Self {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// Counts `n` more items done.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Adds `n` to the total (for walks that discover work as they go).
    pub fn inc_length(&self, n: u64) {
        self.bar.inc_length(n);
    }

    /// Replaces the message (for example the file being read).
    pub fn set_message(&self, message: impl Into<Cow<'static, str>>) {
        self.bar.set_message(message);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_bars_count_without_drawing() {
        let progress = Progress::new(Some(3), "scanning", false);
        progress.inc(2);
        assert!(progress.bar.is_hidden());
        assert_eq!(progress.bar.position(), 2);
        progress.finish();
        assert!(Progress::hidden().bar.is_hidden());
    }
}
