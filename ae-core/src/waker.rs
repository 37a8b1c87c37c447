//! Waking a loop from another thread, and `wait` on a single fd.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};

use crate::{timeout_millis, Mask};

/// Makes a loop that is blocked in its poll return promptly, from any thread.
///
/// Get one from [`EventLoop::waker`](crate::EventLoop::waker). It is an
/// eventfd on Linux and a pipe elsewhere, registered in the loop as an
/// ordinary READABLE file event, so it works on every backend. Wakes that
/// arrive before the loop drains them coalesce into one wake-up.
#[derive(Clone, Debug)]
pub struct Waker {
    /// Behind a lock so that [`EventLoop::after_fork`](crate::EventLoop::after_fork)
    /// can give a forked child fds of its own under every handle the child
    /// holds: the parent's would wake the parent.
    fds: Arc<Mutex<WakerFds>>,
}

#[derive(Debug)]
struct WakerFds {
    read: OwnedFd,
    /// The pipe's write end; `None` for an eventfd, which is both ends.
    write: Option<OwnedFd>,
}

impl WakerFds {
    fn new() -> io::Result<WakerFds> {
        cfg_if::cfg_if! {
            if #[cfg(any(target_os = "linux", target_os = "android"))] {
                use nix::sys::eventfd::{EfdFlags, EventFd};
                let flags = EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK;
                let read = OwnedFd::from(EventFd::from_value_and_flags(0, flags)?);
                let write = None;
            } else {
                use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
                let (read, w) = nix::unistd::pipe()?;
                for fd in [&read, &w] {
                    fcntl(fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
                    fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
                }
                let write = Some(w);
            }
        }
        Ok(WakerFds { read, write })
    }
}

impl Waker {
    pub(crate) fn new() -> io::Result<Waker> {
        Ok(Waker {
            fds: Arc::new(Mutex::new(WakerFds::new()?)),
        })
    }

    fn fds(&self) -> MutexGuard<'_, WakerFds> {
        // Nothing panics while holding it: a poisoned lock is as good.
        self.fds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fd the loop polls for READABLE.
    pub(crate) fn read_fd(&self) -> RawFd {
        self.fds().read.as_raw_fd()
    }

    /// In a forked child: fresh fds under the same numbers, so every handle
    /// the child holds wakes the child's loop, and the parent's waker, which
    /// the child shared until now, is the parent's alone. The fd numbers stay
    /// (`dup2`), so the loop's registration of the read end stays valid.
    pub(crate) fn renew(&self) -> io::Result<()> {
        let fresh = WakerFds::new()?;
        let mut fds = self.fds();
        renumber(&fresh.read, &mut fds.read)?;
        if let (Some(new), Some(old)) = (&fresh.write, &mut fds.write) {
            renumber(new, old)?;
        }
        Ok(())
    }

    /// Wakes the loop. Cheap and non-blocking; a wake already pending makes
    /// this a no-op.
    pub fn wake(&self) -> io::Result<()> {
        let fds = self.fds();
        let fd = fds.write.as_ref().unwrap_or(&fds.read);
        // An eventfd takes an 8-byte counter increment; a pipe any byte.
        let one = 1u64.to_ne_bytes();
        let buf = if fds.write.is_some() {
            &one[..1]
        } else {
            &one[..]
        };
        loop {
            match nix::unistd::write(fd, buf) {
                Ok(_) | Err(Errno::EAGAIN) => return Ok(()),
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Empties the fd so level-triggered polling stops reporting it.
    pub(crate) fn drain(&self) {
        let fds = self.fds();
        let mut buf = [0u8; 64];
        loop {
            match nix::unistd::read(&fds.read, &mut buf) {
                Ok(n) if n > 0 && fds.write.is_some() => continue,
                Err(Errno::EINTR) => continue,
                _ => return,
            }
        }
    }
}

/// Makes `old`'s fd number refer to `new`'s file, close-on-exec as before
/// (`dup2` clears the flag); `new` stays open under its own number too, and
/// is closed by its owner.
pub(crate) fn renumber(new: &OwnedFd, old: &mut OwnedFd) -> io::Result<()> {
    use nix::fcntl::{fcntl, FcntlArg, FdFlag};
    nix::unistd::dup2(new, old)?;
    fcntl(&*old, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    Ok(())
}

/// A handle that runs its loop's async handler, from any thread
/// ([`EventLoop::create_async`](crate::EventLoop::create_async); libev's
/// `ev_async`): [`send`](Self::send) marks it pending and wakes the loop,
/// whose next iteration runs the handler once in the loop's thread, however
/// many sends came before it ran. A send after the handler started runs it
/// again. `Clone + Send + Sync`.
#[derive(Clone, Debug)]
pub struct AsyncHandle {
    pub(crate) pending: Arc<AtomicBool>,
    waker: Waker,
}

impl AsyncHandle {
    pub(crate) fn new(waker: Waker) -> AsyncHandle {
        AsyncHandle {
            pending: Arc::new(AtomicBool::new(false)),
            waker,
        }
    }

    /// Asks the loop to run the handler. Sends that arrive before it runs
    /// coalesce into one run; only the first of them writes to the waker.
    pub fn send(&self) -> io::Result<()> {
        if self.pending.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.waker.wake()
    }
}

/// Waits until `fd` is ready for `mask` or `timeout` passes (`aeWait`):
/// a one-shot `poll(2)` of one fd, independent of any loop.
///
/// Returns what is ready, [`Mask::NONE`] on timeout. As in ae.c, an error or
/// hang-up on the fd counts as WRITABLE, so a writer notices and fails its
/// next write. `None` waits forever. An interrupted wait resumes with the
/// time that is left.
///
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use std::time::Duration;
/// use ae_core::{wait, Mask};
///
/// let (mut a, b) = UnixStream::pair()?;
/// let t = Some(Duration::from_millis(1));
/// assert_eq!(wait(&b, Mask::READABLE, t)?, Mask::NONE);
/// a.write_all(b"x")?;
/// assert_eq!(wait(&b, Mask::READABLE, t)?, Mask::READABLE);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn wait<F: AsFd>(fd: F, mask: Mask, timeout: Option<Duration>) -> io::Result<Mask> {
    let mut events = PollFlags::empty();
    if mask.contains(Mask::READABLE) {
        events |= PollFlags::POLLIN;
    }
    if mask.contains(Mask::WRITABLE) {
        events |= PollFlags::POLLOUT;
    }
    let deadline = timeout.map(|t| crate::timer::deadline(Instant::now(), t));
    loop {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let ms = PollTimeout::try_from(timeout_millis(left)).unwrap_or(PollTimeout::MAX);
        let mut pfd = [PollFd::new(fd.as_fd(), events)];
        match nix::poll::poll(&mut pfd, ms) {
            Ok(0) => return Ok(Mask::NONE),
            Ok(_) => {
                let re = pfd[0].revents().unwrap_or(PollFlags::empty());
                if re.contains(PollFlags::POLLNVAL) {
                    return Err(Errno::EBADF.into());
                }
                let mut ready = Mask::NONE;
                if re.contains(PollFlags::POLLIN) {
                    ready |= Mask::READABLE;
                }
                if re.intersects(PollFlags::POLLOUT | PollFlags::POLLERR | PollFlags::POLLHUP) {
                    ready |= Mask::WRITABLE;
                }
                return Ok(ready);
            }
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
