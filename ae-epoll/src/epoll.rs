//! The translation to epoll(7), built on Linux and Android.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use ae_core::{timeout_millis, Fired, Mask, Poller};

/// The most events taken from the kernel in one poll. Readiness is
/// level-triggered, so what does not fit is reported by the next poll; the
/// cap keeps a loop sized for a million fds from holding a 12 MB buffer.
const MAX_EVENTS: usize = 4096;

/// A [`Poller`] on epoll(7).
///
/// ```
/// use ae_core::{EventLoop, Flags};
/// use ae_epoll::Epoll;
///
/// let mut el: EventLoop<Epoll> = EventLoop::new(1024)?;
/// assert_eq!(el.name(), "epoll");
/// assert_eq!(el.process_events(Flags::ALL_EVENTS | Flags::DONT_WAIT, &mut ())?, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Epoll {
    epfd: OwnedFd,
    events: Vec<libc::epoll_event>,
    /// Per fd, a count of its ADDs, sent along in the upper half of the
    /// event data (as libev does): an event with an older count comes from
    /// interest that outlived its registration (the fd was closed while a
    /// duplicate kept the file open, and its number then reused), which no
    /// `epoll_ctl` can reach any more.
    gens: Vec<u32>,
    /// A poll met such an event: the set must be rebuilt.
    stale: bool,
}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn event_buffer(set_size: usize) -> Vec<libc::epoll_event> {
    vec![libc::epoll_event { events: 0, u64: 0 }; set_size.clamp(1, MAX_EVENTS)]
}

impl Epoll {
    fn ctl(&self, op: libc::c_int, fd: RawFd, mask: Mask) -> io::Result<()> {
        let mut events = 0;
        if mask.contains(Mask::READABLE) {
            events |= libc::EPOLLIN as u32;
        }
        if mask.contains(Mask::WRITABLE) {
            events |= libc::EPOLLOUT as u32;
        }
        let generation = self.gens.get(fd as usize).copied().unwrap_or(0);
        let mut ev = libc::epoll_event {
            events,
            u64: u64::from(generation) << 32 | u64::from(fd as u32),
        };
        // SAFETY: `ev` is a valid epoll_event that outlives the call; the
        // kernel only reads it. A bad fd is reported as an error.
        cvt(unsafe { libc::epoll_ctl(self.epfd.as_raw_fd(), op, fd, &mut ev) }).map(drop)
    }
}

/// The epoll set, readable while it has events to report: a loop on epoll
/// can be nested in another.
impl AsFd for Epoll {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.epfd.as_fd()
    }
}

impl Poller for Epoll {
    fn new(set_size: usize) -> io::Result<Self> {
        // SAFETY: epoll_create1 takes no pointers; the result is checked.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` is a new epoll descriptor that nothing else owns.
        let epfd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Epoll {
            epfd,
            events: event_buffer(set_size),
            gens: vec![0; set_size],
            stale: false,
        })
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        self.events = event_buffer(set_size);
        self.gens.resize(set_size, 0);
        Ok(())
    }

    fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()> {
        let op = if old.is_empty() {
            if let Some(g) = self.gens.get_mut(fd as usize) {
                *g = g.wrapping_add(1);
            }
            libc::EPOLL_CTL_ADD
        } else {
            libc::EPOLL_CTL_MOD
        };
        self.ctl(op, fd, old | added)
    }

    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
        let left = old - removed;
        let op = if left.is_empty() {
            libc::EPOLL_CTL_DEL
        } else {
            libc::EPOLL_CTL_MOD
        };
        let _ = self.ctl(op, fd, left);
    }

    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        // SAFETY: the buffer holds `events.len()` initialised epoll_events,
        // which bounds what the kernel writes; it is ours for the call.
        let n = cvt(unsafe {
            libc::epoll_wait(
                self.epfd.as_raw_fd(),
                self.events.as_mut_ptr(),
                self.events.len() as libc::c_int,
                timeout_millis(timeout),
            )
        })?;
        for ev in &self.events[..n as usize] {
            let (events, data) = (ev.events, ev.u64);
            let fd = data as u32 as RawFd;
            if self.gens.get(fd as usize) != Some(&((data >> 32) as u32)) {
                self.stale = true;
                continue;
            }
            let mut mask = Mask::NONE;
            if events & libc::EPOLLIN as u32 != 0 {
                mask |= Mask::READABLE;
            }
            if events & libc::EPOLLOUT as u32 != 0 {
                mask |= Mask::WRITABLE;
            }
            if events & (libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0 {
                mask |= Mask::READ_WRITE;
            }
            fired.push(Fired::new(fd, mask));
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "epoll"
    }

    fn forget(&mut self, fd: RawFd) -> bool {
        // Fails when the fd is closed (EBADF) or now names another file
        // (ENOENT): the stale entry is keyed by the old file and only a new
        // epoll set is rid of it.
        self.ctl(libc::EPOLL_CTL_DEL, fd, Mask::NONE).is_err()
    }

    fn must_rebuild(&mut self) -> bool {
        std::mem::take(&mut self.stale)
    }

    fn rebuild(&mut self, registered: &mut dyn Iterator<Item = (RawFd, Mask)>) -> io::Result<()> {
        self.epfd = Epoll::new(0)?.epfd;
        for (fd, mask) in registered {
            // An fd closed without its events deleted cannot come back; its
            // registration stays in the loop, harmless, until deleted.
            let _ = self.add(fd, Mask::NONE, mask);
        }
        Ok(())
    }

    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.epfd.as_fd())
    }
}
