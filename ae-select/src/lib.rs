//! The portable select(2) backend for [`ae_core`] (Redis's `ae_select.c`).
//!
//! To start: `ae-select = { package = "ae-loop-select", path = "../ae/ae-select" }` (from a
//! checkout at `../ae`), then `EventLoop::<Select, S>::new(setsize)`, the
//! [`ae_core::EventLoop`] on this backend; a server usually depends on `ae`
//! (package `ae-loop`) instead, which chooses the backend.
//!
//! select can only watch fds below `FD_SETSIZE`: this backend refuses larger
//! set sizes and fds with an error instead of writing past the `fd_set`, and
//! reports only the fds that select marked ready. When select fails with
//! EBADF (a watched fd closed or never opened), the bad fds are reported as
//! READABLE and WRITABLE instead of failing every poll.
#![warn(missing_docs)]

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use ae_core::{Fired, Mask, Poller};

/// The largest set size select can hold: fds `0..FD_SETSIZE`.
// The cast is needed where libc declares it as another integer type.
#[allow(clippy::unnecessary_cast)]
pub const FD_SETSIZE: usize = libc::FD_SETSIZE as usize;

/// The longest single wait; the loop simply polls again after it.
const MAX_WAIT_SECS: u64 = 100_000_000;

/// An `fd_set` whose every access is range-checked first.
#[derive(Clone, Copy)]
struct FdSet(libc::fd_set);

impl FdSet {
    fn new() -> FdSet {
        // SAFETY: fd_set is a plain bit array; all zeroes is the empty set
        // (what FD_ZERO writes).
        FdSet(unsafe { std::mem::zeroed() })
    }

    fn in_range(fd: RawFd) -> bool {
        usize::try_from(fd).is_ok_and(|i| i < FD_SETSIZE)
    }

    fn insert(&mut self, fd: RawFd) {
        if Self::in_range(fd) {
            // SAFETY: 0 <= fd < FD_SETSIZE, so the bit lies inside the set.
            unsafe { libc::FD_SET(fd, &mut self.0) }
        }
    }

    fn remove(&mut self, fd: RawFd) {
        if Self::in_range(fd) {
            // SAFETY: 0 <= fd < FD_SETSIZE, so the bit lies inside the set.
            unsafe { libc::FD_CLR(fd, &mut self.0) }
        }
    }

    fn contains(&self, fd: RawFd) -> bool {
        // SAFETY: 0 <= fd < FD_SETSIZE, so the bit lies inside the set.
        Self::in_range(fd) && unsafe { libc::FD_ISSET(fd, &self.0) }
    }
}

/// A [`Poller`] on select(2), for fds below [`FD_SETSIZE`].
///
/// ```
/// use ae_core::EventLoop;
/// use ae_select::{Select, FD_SETSIZE};
///
/// let mut el: EventLoop<Select> = EventLoop::new(FD_SETSIZE)?;
/// assert_eq!(el.name(), "select");
/// assert!(el.resize(FD_SETSIZE + 1).is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Select {
    read: FdSet,
    write: FdSet,
    /// Highest fd in either set, -1 for none: select's `nfds` is this + 1.
    max_fd: RawFd,
}

fn check_set_size(set_size: usize) -> io::Result<()> {
    if set_size > FD_SETSIZE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("select holds at most FD_SETSIZE = {FD_SETSIZE} fds; set size {set_size} is too large"),
        ));
    }
    Ok(())
}

/// Whether `fd` is an open file descriptor.
fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD takes no argument and only reads the descriptor
    // table; a closed fd is reported as EBADF.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

impl Select {
    /// select failed with EBADF: an fd in the sets was closed without its
    /// events being deleted, or never was open. Every call would fail until
    /// it is deleted, starving the timers, so report each such fd as
    /// READABLE and WRITABLE (as libev does): its handlers meet the error on
    /// their next read or write and can delete it, and the loop goes on.
    fn report_bad_fds(&self, fired: &mut Vec<Fired>) {
        for fd in 0..=self.max_fd {
            let watched = self.read.contains(fd) || self.write.contains(fd);
            if watched && !is_open(fd) {
                fired.push(Fired::new(fd, Mask::READ_WRITE));
            }
        }
    }
}

impl Poller for Select {
    fn new(set_size: usize) -> io::Result<Self> {
        check_set_size(set_size)?;
        Ok(Select {
            read: FdSet::new(),
            write: FdSet::new(),
            max_fd: -1,
        })
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        check_set_size(set_size)
    }

    fn add(&mut self, fd: RawFd, _old: Mask, added: Mask) -> io::Result<()> {
        if !FdSet::in_range(fd) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fd {fd} is outside select's range 0..{FD_SETSIZE}"),
            ));
        }
        if added.contains(Mask::READABLE) {
            self.read.insert(fd);
        }
        if added.contains(Mask::WRITABLE) {
            self.write.insert(fd);
        }
        self.max_fd = self.max_fd.max(fd);
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
        if removed.contains(Mask::READABLE) {
            self.read.remove(fd);
        }
        if removed.contains(Mask::WRITABLE) {
            self.write.remove(fd);
        }
        if fd == self.max_fd && (old - removed).is_empty() {
            self.max_fd = (0..fd)
                .rev()
                .find(|&j| self.read.contains(j) || self.write.contains(j))
                .unwrap_or(-1);
        }
    }

    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        // select overwrites its sets with the result: hand it copies.
        let (mut read, mut write) = (self.read, self.write);
        let mut tv = timeout.map(|t| {
            // Round up to select's microseconds: never wake before a timer.
            let micros = t.as_nanos().div_ceil(1000);
            let secs = (micros / 1_000_000).min(u128::from(MAX_WAIT_SECS));
            libc::timeval {
                tv_sec: secs as libc::time_t,
                tv_usec: (micros % 1_000_000) as libc::suseconds_t,
            }
        });
        let tvp = tv
            .as_mut()
            .map_or(std::ptr::null_mut(), |tv| tv as *mut libc::timeval);
        // SAFETY: both sets are valid fd_sets owned by this frame, nfds does
        // not exceed FD_SETSIZE (every fd was range-checked when added), and
        // `tvp` is null or points to `tv`, which outlives the call.
        let n = unsafe {
            libc::select(
                self.max_fd + 1,
                &mut read.0,
                &mut write.0,
                std::ptr::null_mut(),
                tvp,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EBADF) {
                self.report_bad_fds(fired);
                return Ok(());
            }
            return Err(e);
        }
        if n > 0 {
            for fd in 0..=self.max_fd {
                let mut mask = Mask::NONE;
                if read.contains(fd) {
                    mask |= Mask::READABLE;
                }
                if write.contains(fd) {
                    mask |= Mask::WRITABLE;
                }
                if !mask.is_empty() {
                    fired.push(Fired::new(fd, mask));
                }
            }
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "select"
    }
}
