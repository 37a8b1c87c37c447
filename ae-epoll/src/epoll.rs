//! The translation to epoll(7), built on Linux and Android.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
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
        let mut ev = libc::epoll_event {
            events,
            u64: fd as u64,
        };
        // SAFETY: `ev` is a valid epoll_event that outlives the call; the
        // kernel only reads it. A bad fd is reported as an error.
        cvt(unsafe { libc::epoll_ctl(self.epfd.as_raw_fd(), op, fd, &mut ev) }).map(drop)
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
        })
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        self.events = event_buffer(set_size);
        Ok(())
    }

    fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()> {
        let op = if old.is_empty() {
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
            let (events, fd) = (ev.events, ev.u64 as RawFd);
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
}
