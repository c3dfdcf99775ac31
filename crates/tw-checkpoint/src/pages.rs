//! Giving back the pages of a memory-mapped input while it is walked.
//!
//! A read fault on a file mapping maps the whole page-cache folio it hits, and with large
//! folios (Linux 6.x, files read with big readahead) that is up to 2 MiB per fault. A walk
//! that reads one small header per record (zip local headers, legacy storage counts, npz
//! member headers) would therefore keep about `records x 2 MiB` of the input resident, which
//! for a checkpoint of a few hundred big tensors is hundreds of MiB of resident set for a few
//! KiB of headers. The caller that mapped the file installs a release action for the current
//! thread ([`with_release`]); the walkers call [`touched`] once per record, and every
//! [`RELEASE_EVERY`] records the action runs (it drops the mapped pages; they fault back in
//! from the page cache when read again). Without an installed action [`touched`] costs a
//! thread-local read.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Records walked between two releases: bounds the input's resident pages to about this many
/// folios (plus the pickles being read), while keeping releases rare on files of many tiny
/// records.
pub const RELEASE_EVERY: u32 = 8;

/// A release action of the current thread.
type Action = Rc<dyn Fn()>;

thread_local! {
    static ACTION: RefCell<Option<Action>> = const { RefCell::new(None) };
    static COUNT: Cell<u32> = const { Cell::new(0) };
}

/// Runs `work` with `release` installed as this thread's release action, then restores the
/// previous one (also when `work` panics).
pub fn with_release<R>(release: impl Fn() + 'static, work: impl FnOnce() -> R) -> R {
    /// Puts the previous action back on drop.
    struct Restore(Option<Action>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ACTION.with(|a| *a.borrow_mut() = previous);
        }
    }
    let previous = ACTION.with(|a| a.borrow_mut().replace(Rc::new(release)));
    COUNT.with(|c| c.set(0));
    let _restore = Restore(previous);
    work()
}

/// Tells the installed release action (if any) that one more record was read; it runs every
/// [`RELEASE_EVERY`] calls.
pub fn touched() {
    let due = COUNT.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n % RELEASE_EVERY);
        n % RELEASE_EVERY == 0
    });
    if due {
        // Cloned out first, so an action that walks again (and calls `touched`) cannot find
        // the cell borrowed.
        let action = ACTION.with(|a| a.borrow().clone());
        if let Some(action) = action {
            action();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_every_few_records_only_while_installed() {
        let runs = Rc::new(Cell::new(0u32));
        let seen = Rc::clone(&runs);
        with_release(
            move || seen.set(seen.get() + 1),
            || {
                for _ in 0..RELEASE_EVERY * 3 {
                    touched();
                }
            },
        );
        assert_eq!(runs.get(), 3);
        for _ in 0..RELEASE_EVERY * 2 {
            touched();
        }
        assert_eq!(runs.get(), 3, "no action after the scope");
    }

    #[test]
    fn restores_the_outer_action() {
        let outer = Rc::new(Cell::new(0u32));
        let seen = Rc::clone(&outer);
        with_release(
            move || seen.set(seen.get() + 1),
            || {
                with_release(|| {}, || {});
                for _ in 0..RELEASE_EVERY {
                    touched();
                }
            },
        );
        assert_eq!(outer.get(), 1);
    }
}
