//! A stored closure that dispatch may have taken out to run: the one type
//! behind file handlers, signal and async handlers and hooks.

use std::mem;

/// A closure the loop stores, or the mark that dispatch took it out to run
/// it. While it runs, the closure may delete or replace itself (then its
/// place no longer says `Running`, and [`put_back`](Self::put_back) drops
/// it), and a re-entrant `process_events` meets `Running` and skips it.
pub(crate) enum Callback<F> {
    /// Nothing stored: a file event's place with no handler.
    Empty,
    Ready(F),
    Running,
}

impl<F> Callback<F> {
    /// Takes the closure out to run it, leaving `Running`; `None` if there
    /// is none or it is running already (a re-entrant call).
    pub(crate) fn take(&mut self) -> Option<F> {
        match mem::replace(self, Callback::Running) {
            Callback::Ready(f) => Some(f),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Puts back a closure [`take`](Self::take)n from here, unless it was
    /// replaced or deleted while it ran: then it is handed back, to drop.
    pub(crate) fn put_back(&mut self, f: F) -> Result<(), F> {
        if matches!(self, Callback::Running) {
            *self = Callback::Ready(f);
            Ok(())
        } else {
            Err(f)
        }
    }

    /// Whether no closure is stored (none ready, none running).
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Callback::Empty)
    }
}
