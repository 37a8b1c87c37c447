//! The contract between the loop and a backend (ae.c's `aeApi*` functions).

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use crate::Mask;

/// One ready fd reported by [`Poller::poll`] (ae.h's `aeFiredEvent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fired {
    /// The ready file descriptor.
    pub fd: RawFd,
    /// What it is ready for: READABLE and/or WRITABLE.
    pub mask: Mask,
    /// The fd's registration generation when the poll returned; set by the
    /// loop, so readiness of a closed-and-reused fd is recognised as stale.
    pub(crate) generation: u64,
}

impl Fired {
    /// A fired entry, as a backend reports it.
    pub fn new(fd: RawFd, mask: Mask) -> Self {
        Fired {
            fd,
            mask,
            generation: 0,
        }
    }
}

/// A readiness backend: the kernel interface the loop multiplexes on.
///
/// A backend is a thin translation from masks to kernel interest and from
/// kernel results to [`Fired`] entries. The loop guarantees:
/// - every fd passed in is in `0..set_size`;
/// - masks contain only [`Mask::READABLE`] and [`Mask::WRITABLE`]
///   ([`Mask::BARRIER`] is the loop's business and never reaches a backend);
/// - `add` is called only with bits not already in `old`, `remove` only with
///   bits that are in `old`; `old` is the fd's current kernel interest, so a
///   backend needs no table of its own to pick ADD/MOD/DEL or filters.
pub trait Poller: Sized + 'static {
    /// Creates the backend for fds in `0..set_size` (`aeApiCreate`).
    fn new(set_size: usize) -> io::Result<Self>;

    /// Makes room for fds in `0..set_size` (`aeApiResize`). On error nothing
    /// changes.
    fn resize(&mut self, set_size: usize) -> io::Result<()>;

    /// Adds interest in `added` for `fd`, which already has `old`
    /// (`aeApiAddEvent`). On error the kernel interest stays `old`.
    fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()>;

    /// Removes interest in `removed` from `fd`, which has `old`
    /// (`aeApiDelEvent`). Errors are ignored on purpose, as in ae.c: closing
    /// an fd already removed it from the kernel's interest list.
    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask);

    /// Waits up to `timeout` (`None`: forever) and appends what fired to
    /// `fired` (`aeApiPoll`). The timeout must be rounded *up* to the
    /// backend's resolution, or a timer due in 0.5 ms busy-loops. An
    /// interrupted wait returns an error of kind
    /// [`io::ErrorKind::Interrupted`], which the loop counts as zero events.
    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()>;

    /// The backend's name, e.g. `"epoll"` (`aeApiName`).
    fn name(&self) -> &'static str;

    /// A poll reported `fd`, which the loop has no registration for: its
    /// kernel interest outlived the registration, because the fd was closed
    /// before its events were deleted while a duplicate keeps the file open
    /// (the delete then cannot reach the kernel). Left alone, level-triggered
    /// polling reports it forever and the loop spins. Remove the interest;
    /// return `true` when that is impossible, and the loop then calls
    /// [`rebuild`](Self::rebuild). The default, for a backend whose interest
    /// goes with the fd (select), does nothing.
    fn forget(&mut self, fd: RawFd) -> bool {
        let _ = fd;
        false
    }

    /// True, once, after a poll met interest that the backend itself can
    /// tell outlived its registration (epoll: an event of an earlier
    /// registration of a reused fd number); the loop then calls
    /// [`rebuild`](Self::rebuild). The default: never.
    fn must_rebuild(&mut self) -> bool {
        false
    }

    /// Recreates the kernel state from scratch with the loop's registrations
    /// (libev recreates its epoll set in the same case). On error the
    /// backend must still be usable.
    fn rebuild(&mut self, registered: &mut dyn Iterator<Item = (RawFd, Mask)>) -> io::Result<()> {
        let _ = registered;
        Ok(())
    }

    /// The process forked and this is the child
    /// ([`EventLoop::after_fork`](crate::EventLoop::after_fork)): give it
    /// kernel state of its own, holding `registered`, so that nothing it
    /// changes reaches the parent's (an epoll set is shared across `fork`;
    /// a kqueue is not inherited at all). The parent's kernel object must
    /// be left as it is. The default rebuilds, which is right for a backend
    /// whose `rebuild` creates a new kernel object, and for one whose
    /// interest lives in user space (select, poll).
    fn after_fork(
        &mut self,
        registered: &mut dyn Iterator<Item = (RawFd, Mask)>,
    ) -> io::Result<()> {
        self.rebuild(registered)
    }

    /// The fd of the kernel object the backend waits on, readable while it
    /// has events to report, so that the loop can be nested in another
    /// ([`EventLoop::poll_fd`](crate::EventLoop::poll_fd)); `None` for a
    /// backend with none (select, poll). It changes when the backend
    /// rebuilds (R5) and after a fork.
    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
}

/// A poll timeout in whole milliseconds for `epoll_wait`/`poll`: `-1` for
/// none, otherwise rounded up (so the loop never wakes before a timer is due)
/// and capped at `i32::MAX`.
///
/// ```
/// use std::time::Duration;
/// use ae_core::timeout_millis;
/// assert_eq!(timeout_millis(None), -1);
/// assert_eq!(timeout_millis(Some(Duration::ZERO)), 0);
/// assert_eq!(timeout_millis(Some(Duration::from_micros(1500))), 2);
/// assert_eq!(timeout_millis(Some(Duration::from_secs(u64::MAX))), i32::MAX);
/// ```
pub fn timeout_millis(timeout: Option<Duration>) -> i32 {
    match timeout {
        None => -1,
        Some(t) => {
            let ms = t.as_nanos().div_ceil(1_000_000);
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    }
}

/// Declares a backend type for builds where its kernel interface is missing,
/// so code that names it compiles on every platform and learns at run time
/// why it cannot have it: [`Poller::new`] fails with
/// [`io::ErrorKind::Unsupported`] and `$why`, and no value of the type can
/// exist.
///
/// ```
/// ae_core::unavailable_poller!(
///     /// A backend this platform lacks.
///     Port,
///     "event ports exist on illumos only"
/// );
/// use ae_core::{EventLoop, Poller};
/// let err = EventLoop::<Port>::new(64).err().unwrap();
/// assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
/// assert_eq!(err.to_string(), "event ports exist on illumos only");
/// ```
#[macro_export]
macro_rules! unavailable_poller {
    ($(#[$meta:meta])* $name:ident, $why:expr $(,)?) => {
        $(#[$meta])*
        pub struct $name(::core::convert::Infallible);

        impl $crate::Poller for $name {
            fn new(_set_size: usize) -> ::std::io::Result<Self> {
                Err(::std::io::Error::new(::std::io::ErrorKind::Unsupported, $why))
            }

            fn resize(&mut self, _set_size: usize) -> ::std::io::Result<()> {
                match self.0 {}
            }

            fn add(
                &mut self,
                _fd: ::std::os::fd::RawFd,
                _old: $crate::Mask,
                _added: $crate::Mask,
            ) -> ::std::io::Result<()> {
                match self.0 {}
            }

            fn remove(&mut self, _fd: ::std::os::fd::RawFd, _old: $crate::Mask, _removed: $crate::Mask) {
                match self.0 {}
            }

            fn poll(
                &mut self,
                _timeout: ::core::option::Option<::std::time::Duration>,
                _fired: &mut ::std::vec::Vec<$crate::Fired>,
            ) -> ::std::io::Result<()> {
                match self.0 {}
            }

            fn name(&self) -> &'static str {
                match self.0 {}
            }
        }
    };
}
