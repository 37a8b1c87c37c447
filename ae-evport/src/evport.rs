//! The translation to event ports (port_create(3C)), built on illumos and
//! Solaris.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use ae_core::{Fired, Mask, Poller};

/// The most events taken from the port in one poll (Redis takes 512). What
/// does not fit stays queued for the next poll.
const MAX_EVENTS: usize = 4096;

/// The longest single wait; the loop simply polls again after it.
const MAX_WAIT_SECS: u64 = 100_000_000;

/// In [`Evport::pending`]: the fd was reported by the last poll, so the
/// port dissociated it, and the next poll associates it again with the mask
/// in the low bits.
const PENDING: u8 = 0x80;

/// A [`Poller`] on an illumos/Solaris event port.
///
/// ```
/// use ae_core::{EventLoop, Flags};
/// use ae_evport::Evport;
///
/// let mut el: EventLoop<Evport> = EventLoop::new(1024)?;
/// assert_eq!(el.name(), "evport");
/// assert_eq!(el.process_events(Flags::ALL_EVENTS | Flags::DONT_WAIT, &mut ())?, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// Nesting through [`Poller::poll_fd`]: the port fd turns readable for the
/// fds that are associated; those the last poll reported are associated
/// again only when this loop polls next, so an outer loop must poll this one
/// again after its handlers ran even when the port fd is not readable.
pub struct Evport {
    port: OwnedFd,
    events: Vec<libc::port_event>,
    /// Per fd: `PENDING` and the mask to associate at the next poll, for an
    /// fd the last poll reported; 0 when the port holds the fd's
    /// association (or it has none). Handlers between two polls change the
    /// mask here instead of the port.
    pending: Vec<u8>,
    /// The fds the last poll reported (and those whose association failed
    /// with EBADF); an entry whose `pending` was cleared since is skipped.
    pending_fds: Vec<RawFd>,
}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn event_buffer(set_size: usize) -> Vec<libc::port_event> {
    let empty = libc::port_event {
        portev_events: 0,
        portev_source: 0,
        portev_pad: 0,
        portev_object: 0,
        portev_user: std::ptr::null_mut(),
    };
    vec![empty; set_size.clamp(1, MAX_EVENTS)]
}

fn new_port() -> io::Result<OwnedFd> {
    // SAFETY: port_create takes no arguments; the result is checked.
    let fd = cvt(unsafe { libc::port_create() })?;
    // SAFETY: `fd` is a new port descriptor that nothing else owns.
    let port = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: F_SETFD takes an int flag and touches no memory of ours.
    cvt(unsafe { libc::fcntl(port.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
    Ok(port)
}

fn mask_of(events: libc::c_int) -> Mask {
    let events = events as libc::c_short;
    let mut mask = Mask::NONE;
    if events & libc::POLLIN != 0 {
        mask |= Mask::READABLE;
    }
    if events & libc::POLLOUT != 0 {
        mask |= Mask::WRITABLE;
    }
    if events & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        mask |= Mask::READ_WRITE;
    }
    mask
}

impl Evport {
    /// Associates `fd` with the port for `mask`, replacing what it had. The
    /// mask rides along as the event's user data: it is what the fd must be
    /// associated with again once reported.
    fn associate(&self, fd: RawFd, mask: Mask) -> io::Result<()> {
        let mut events: libc::c_short = 0;
        if mask.contains(Mask::READABLE) {
            events |= libc::POLLIN;
        }
        if mask.contains(Mask::WRITABLE) {
            events |= libc::POLLOUT;
        }
        let user = usize::from(mask.bits()) as *mut libc::c_void;
        // SAFETY: for PORT_SOURCE_FD the object is the fd number and the user
        // value is stored, never dereferenced; a bad fd is an error.
        cvt(unsafe {
            libc::port_associate(
                self.port.as_raw_fd(),
                libc::PORT_SOURCE_FD,
                fd as libc::uintptr_t,
                libc::c_int::from(events),
                user,
            )
        })
        .map(drop)
    }

    fn dissociate(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: the object is an fd number; an fd that is not associated
        // is reported as ENOENT.
        cvt(unsafe {
            libc::port_dissociate(
                self.port.as_raw_fd(),
                libc::PORT_SOURCE_FD,
                fd as libc::uintptr_t,
            )
        })
        .map(drop)
    }

    fn pending_mask(&self, fd: RawFd) -> Option<Mask> {
        let state = *self.pending.get(usize::try_from(fd).ok()?)?;
        (state & PENDING != 0).then(|| Mask::from_bits_truncate(state & !PENDING))
    }

    fn set_pending(&mut self, fd: RawFd, mask: Option<Mask>) {
        if let Some(state) = usize::try_from(fd)
            .ok()
            .and_then(|i| self.pending.get_mut(i))
        {
            *state = mask.map_or(0, |m| PENDING | m.bits());
        }
    }

    /// Associates again what the last poll reported, with the interest its
    /// handlers left it. An fd that cannot be (EBADF: closed while
    /// registered) is reported in `fired` as READABLE | WRITABLE and stays
    /// pending, so its handler meets the error and can delete it (R6). Any
    /// other failure is returned with the fds not yet associated still
    /// pending, so none is lost.
    fn reassociate(&mut self, fired: &mut Vec<Fired>) -> io::Result<()> {
        let mut kept = 0;
        for i in 0..self.pending_fds.len() {
            let fd = self.pending_fds[i];
            let Some(mask) = self.pending_mask(fd) else {
                continue;
            };
            match self.associate(fd, mask) {
                Ok(()) => self.set_pending(fd, None),
                Err(e) if e.raw_os_error() == Some(libc::EBADF) => {
                    fired.push(Fired::new(fd, Mask::READ_WRITE));
                    self.pending_fds[kept] = fd;
                    kept += 1;
                }
                Err(e) => {
                    self.pending_fds.drain(kept..i);
                    return Err(e);
                }
            }
        }
        self.pending_fds.truncate(kept);
        Ok(())
    }
}

impl Poller for Evport {
    fn new(set_size: usize) -> io::Result<Self> {
        let events = event_buffer(set_size);
        let pending_fds = Vec::with_capacity(events.len());
        Ok(Evport {
            port: new_port()?,
            events,
            pending: vec![0; set_size],
            pending_fds,
        })
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        self.events = event_buffer(set_size);
        // An fd past a smaller size is one the loop no longer knows: its
        // entry in `pending_fds` is skipped.
        self.pending.resize(set_size, 0);
        Ok(())
    }

    fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()> {
        if self.pending_mask(fd).is_some() {
            self.set_pending(fd, Some(old | added));
            return Ok(());
        }
        // port_associate replaces the events: pass the whole mask.
        self.associate(fd, old | added)
    }

    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
        let left = old - removed;
        if self.pending_mask(fd).is_some() {
            self.set_pending(fd, (!left.is_empty()).then_some(left));
        } else if left.is_empty() {
            let _ = self.dissociate(fd);
        } else {
            let _ = self.associate(fd, left);
        }
    }

    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        let reported = fired.len();
        self.reassociate(fired)?;
        // Closed fds to report: do not block.
        let timeout = if fired.len() > reported {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        let mut ts = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs().min(MAX_WAIT_SECS) as libc::time_t,
            // Below 10^9: fits any c_long.
            tv_nsec: t.subsec_nanos() as libc::c_long,
        });
        let tsp = ts
            .as_mut()
            .map_or(std::ptr::null_mut(), |ts| ts as *mut libc::timespec);
        // Wait for at least one event. A failure that retrieved nothing
        // leaves `nget` as it is: a source of 0 marks the first slot unused.
        let mut nget: libc::c_uint = 1;
        self.events[0].portev_source = 0;
        // SAFETY: the buffer holds `events.len()` initialised port_events,
        // which bounds what the kernel writes; `nget` and `tsp` (null or
        // `ts`) outlive the call.
        let r = unsafe {
            libc::port_getn(
                self.port.as_raw_fd(),
                self.events.as_mut_ptr(),
                self.events.len() as libc::c_uint,
                &mut nget,
                tsp,
            )
        };
        let err = (r < 0).then(io::Error::last_os_error);
        // port_getn can fail with ETIME or EINTR having retrieved events,
        // which are dissociated now: they must be reported, or their fds
        // would never fire again.
        let retrieved = match err.as_ref().and_then(io::Error::raw_os_error) {
            None => nget,
            Some(libc::ETIME) | Some(libc::EINTR) => nget,
            Some(_) => 0,
        };
        let retrieved = (retrieved as usize).min(self.events.len());
        let mut got = 0;
        for i in 0..retrieved {
            let ev = &self.events[i];
            if libc::c_int::from(ev.portev_source) != libc::PORT_SOURCE_FD {
                continue;
            }
            let fd = ev.portev_object as RawFd;
            let mask = mask_of(ev.portev_events);
            let associated = Mask::from_bits_truncate(ev.portev_user as usize as u8);
            if self.pending.get(fd as usize).is_none() {
                continue;
            }
            self.set_pending(fd, Some(associated));
            self.pending_fds.push(fd);
            fired.push(Fired::new(fd, mask));
            got += 1;
        }
        match err {
            Some(e) if e.raw_os_error() == Some(libc::ETIME) => Ok(()),
            Some(_) if got > 0 => Ok(()),
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn name(&self) -> &'static str {
        "evport"
    }

    fn forget(&mut self, fd: RawFd) -> bool {
        if self.pending_mask(fd).is_some() {
            self.set_pending(fd, None);
        } else {
            let _ = self.dissociate(fd);
        }
        false
    }

    fn rebuild(&mut self, registered: &mut dyn Iterator<Item = (RawFd, Mask)>) -> io::Result<()> {
        self.port = new_port()?;
        for fd in std::mem::take(&mut self.pending_fds) {
            self.set_pending(fd, None);
        }
        self.pending_fds.reserve(self.events.len());
        for (fd, mask) in registered {
            // An fd closed without its events deleted cannot come back; its
            // registration stays in the loop, harmless, until deleted.
            let _ = self.associate(fd, mask);
        }
        Ok(())
    }

    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.port.as_fd())
    }
}
