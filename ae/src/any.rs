//! A backend chosen at run time.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use ae_core::{Fired, Mask, Poller};
use ae_epoll::Epoll;
use ae_evport::Evport;
use ae_kqueue::Kqueue;
use ae_poll::Poll;
use ae_select::Select;

use crate::Backend;

/// A [`Poller`] that dispatches to the [`Backend`] chosen when it was
/// created: `EventLoop::<AnyPoller, S>::new(n)` takes the one `AE_BACKEND`
/// names ([`Backend::from_env`]), [`Backend::event_loop`] a given one.
///
/// One `match` per backend call, next to a syscall: one compiled program
/// serves every backend (the README gives the measured cost).
///
/// ```
/// use ae::{AnyPoller, Backend, EventLoop};
///
/// let el: EventLoop<AnyPoller> = Backend::best().event_loop(1024)?;
/// assert_eq!(el.name(), Backend::best().name());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct AnyPoller(Inner);

// One per loop: the size of select's fd_sets costs nothing, a box would
// cost an indirection per call.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Evport(Evport),
    Epoll(Epoll),
    Kqueue(Kqueue),
    Select(Select),
    Poll(Poll),
}

/// Calls `$call` on whichever backend `$self` holds.
macro_rules! dispatch {
    ($self:expr, $p:ident => $call:expr) => {
        match $self {
            Inner::Evport($p) => $call,
            Inner::Epoll($p) => $call,
            Inner::Kqueue($p) => $call,
            Inner::Select($p) => $call,
            Inner::Poll($p) => $call,
        }
    };
}

impl AnyPoller {
    /// Creates `backend` for fds in `0..set_size`; fails as that backend's
    /// own `new` does (with [`io::ErrorKind::Unsupported`] where this build
    /// lacks it).
    pub fn with_backend(backend: Backend, set_size: usize) -> io::Result<AnyPoller> {
        Ok(AnyPoller(match backend {
            Backend::Evport => Inner::Evport(Evport::new(set_size)?),
            Backend::Epoll => Inner::Epoll(Epoll::new(set_size)?),
            Backend::Kqueue => Inner::Kqueue(Kqueue::new(set_size)?),
            Backend::Select => Inner::Select(Select::new(set_size)?),
            Backend::Poll => Inner::Poll(Poll::new(set_size)?),
        }))
    }

    /// The backend this poller runs on.
    pub fn backend(&self) -> Backend {
        match self.0 {
            Inner::Evport(_) => Backend::Evport,
            Inner::Epoll(_) => Backend::Epoll,
            Inner::Kqueue(_) => Backend::Kqueue,
            Inner::Select(_) => Backend::Select,
            Inner::Poll(_) => Backend::Poll,
        }
    }
}

impl Poller for AnyPoller {
    /// Creates the backend `AE_BACKEND` names, the best when it is unset
    /// ([`Backend::from_env`]).
    fn new(set_size: usize) -> io::Result<Self> {
        AnyPoller::with_backend(Backend::from_env()?, set_size)
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        dispatch!(&mut self.0, p => p.resize(set_size))
    }

    #[inline]
    fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()> {
        dispatch!(&mut self.0, p => p.add(fd, old, added))
    }

    #[inline]
    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
        dispatch!(&mut self.0, p => p.remove(fd, old, removed))
    }

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        dispatch!(&mut self.0, p => p.poll(timeout, fired))
    }

    fn name(&self) -> &'static str {
        dispatch!(&self.0, p => p.name())
    }

    fn forget(&mut self, fd: RawFd) -> bool {
        dispatch!(&mut self.0, p => p.forget(fd))
    }

    #[inline]
    fn must_rebuild(&mut self) -> bool {
        dispatch!(&mut self.0, p => p.must_rebuild())
    }

    fn rebuild(&mut self, registered: &mut dyn Iterator<Item = (RawFd, Mask)>) -> io::Result<()> {
        dispatch!(&mut self.0, p => p.rebuild(registered))
    }

    fn after_fork(
        &mut self,
        registered: &mut dyn Iterator<Item = (RawFd, Mask)>,
    ) -> io::Result<()> {
        dispatch!(&mut self.0, p => p.after_fork(registered))
    }

    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        dispatch!(&self.0, p => p.poll_fd())
    }
}
