//! Progress for long commands (many files, or one big file): an indicatif bar on stderr, shown
//! only when stderr is a terminal and the report format is for people, so pipes, CI logs and
//! JSON consumers never see it. Cheap to clone and safe to share across rayon workers.
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::borrow::Cow;
use std::time::Duration;

/// Items done of a known total.
const ITEMS: &str = "{msg} [{bar:30}] {pos}/{len} {elapsed}";
/// Items done, total unknown.
const SPINNER: &str = "{spinner} {msg} {pos} {elapsed}";
/// Bytes done of a known total, with the rate and the time left; the bar takes what the
/// terminal width leaves, so the line never wraps.
const BYTES: &str =
    "{msg} [{wide_bar}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}";

/// A progress bar (or a spinner when the total is unknown) that may be hidden.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar counting up to `total` items (a spinner for `None`); hidden unless `visible`.
    pub fn new(total: Option<u64>, message: impl Into<Cow<'static, str>>, visible: bool) -> Self {
        let template = if total.is_some() { ITEMS } else { SPINNER };
        Self::drawn(total, template, message, visible)
    }

    /// A bar counting bytes up to `total`, shown in binary units with the rate and the time
    /// left (one big file: `convert`); hidden unless `visible`.
    pub fn bytes(total: u64, message: impl Into<Cow<'static, str>>, visible: bool) -> Self {
        Self::drawn(Some(total), BYTES, message, visible)
    }

    fn drawn(
        total: Option<u64>,
        template: &str,
        message: impl Into<Cow<'static, str>>,
        visible: bool,
    ) -> Self {
        if !visible {
            return Progress {
                bar: ProgressBar::hidden(),
            };
        }
        let fallback = || match total {
            Some(_) => ProgressStyle::default_bar(),
            None => ProgressStyle::default_spinner(),
        };
        let style = ProgressStyle::with_template(template)
            .map_or_else(|_| fallback(), |s| s.progress_chars("=> "));
        let bar =
            ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr()).with_style(style);
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar }
    }

    /// Counts `n` more items (or bytes) done.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
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
        let bytes = Progress::bytes(10 << 20, "converting", false);
        bytes.inc(1 << 20);
        assert!(bytes.bar.is_hidden());
        assert_eq!(bytes.bar.position(), 1 << 20);
    }

    #[test]
    fn templates_parse() {
        // A template indicatif rejects would silently fall back to its default style.
        for template in [ITEMS, SPINNER, BYTES] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }
}
