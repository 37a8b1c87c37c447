//! The poll(2) backend for [`ae_core`]: the portable fallback without
//! select's `FD_SETSIZE` limit (libev's `ev_poll.c` has the same design).
//!
//! To start: `ae-poll = { package = "ae-loop-poll", path = "../ae/ae-poll" }` (from a
//! checkout at `../ae`), then `EventLoop::<Poll, S>::new(setsize)`, the
//! [`ae_core::EventLoop`] on this backend; a server usually depends on `ae`
//! (package `ae-loop`) instead, which chooses the backend.
//!
//! Interest lives in user space, in a dense array of `pollfd`s handed to
//! poll(2) as it is, with each fd's position in it kept in a table indexed by
//! fd, so adding and removing interest are O(1) (a removed entry's place is
//! taken by the last one, as libev does) and a poll costs O(registered fds),
//! not O(highest fd). READABLE/WRITABLE become `POLLIN`/`POLLOUT`;
//! `POLLERR` and `POLLHUP` come back as READABLE and WRITABLE (as on epoll),
//! and so does `POLLNVAL`, a registered fd that was closed: its handler
//! meets the error on its next read or write and can delete it, as on select,
//! instead of the loop spinning on it. Level-triggered, as ae is.
//!
//! poll(2) exists on every unix, so [`AVAILABLE`] is true wherever this
//! crate builds.
#![warn(missing_docs)]

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use ae_core::{timeout_millis, Fired, Mask, Poller};

/// True where [`Poll`] works in this build: every unix.
pub const AVAILABLE: bool = true;

/// A [`Poller`] on poll(2), for fds of any number.
///
/// ```
/// use ae_core::{EventLoop, Flags};
/// use ae_poll::Poll;
///
/// // Past select's FD_SETSIZE: poll has no such limit.
/// let mut el: EventLoop<Poll> = EventLoop::new(10_000)?;
/// assert_eq!(el.name(), "poll");
/// assert_eq!(el.process_events(Flags::ALL_EVENTS | Flags::DONT_WAIT, &mut ())?, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Poll {
    /// One entry per fd with interest, densely packed: what poll(2) scans.
    fds: Vec<libc::pollfd>,
    /// Per fd, its position in `fds` plus one; 0 when it has no entry, so
    /// a new table is all zeroes.
    slots: Vec<u32>,
}

fn events_of(mask: Mask) -> libc::c_short {
    let mut events = 0;
    if mask.contains(Mask::READABLE) {
        events |= libc::POLLIN;
    }
    if mask.contains(Mask::WRITABLE) {
        events |= libc::POLLOUT;
    }
    events
}

fn mask_of(revents: libc::c_short) -> Mask {
    let mut mask = Mask::NONE;
    if revents & libc::POLLIN != 0 {
        mask |= Mask::READABLE;
    }
    if revents & libc::POLLOUT != 0 {
        mask |= Mask::WRITABLE;
    }
    // POLLNVAL: the fd was closed while registered (R6); the handler's next
    // read or write reports EBADF.
    if revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        mask |= Mask::READ_WRITE;
    }
    mask
}

/// A zeroed fd table for `set_size` fds; positions must fit in a `u32`.
fn slot_table(set_size: usize) -> io::Result<Vec<u32>> {
    if u32::try_from(set_size).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "poll holds at most {} fds; set size {set_size} is too large",
                u32::MAX
            ),
        ));
    }
    let mut slots = Vec::new();
    slots
        .try_reserve_exact(set_size)
        .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
    slots.resize(set_size, 0);
    Ok(slots)
}

fn poll_fds(fds: &mut [libc::pollfd], timeout_ms: libc::c_int) -> io::Result<usize> {
    // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()`
    // pollfds, the only memory the kernel writes (their revents).
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

impl Poll {
    fn position(&self, fd: RawFd) -> Option<usize> {
        let slot = *self.slots.get(usize::try_from(fd).ok()?)?;
        (slot != 0).then(|| slot as usize - 1)
    }

    /// Drops the entry at `pos`; the last entry takes its place.
    fn swap_remove(&mut self, pos: usize) {
        let gone = self.fds.swap_remove(pos);
        self.slots[gone.fd as usize] = 0;
        if let Some(moved) = self.fds.get(pos) {
            self.slots[moved.fd as usize] = pos as u32 + 1;
        }
    }
}

impl Poller for Poll {
    fn new(set_size: usize) -> io::Result<Self> {
        Ok(Poll {
            fds: Vec::new(),
            slots: slot_table(set_size)?,
        })
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        if set_size >= self.slots.len() {
            let mut grown = slot_table(set_size)?;
            grown[..self.slots.len()].copy_from_slice(&self.slots);
            self.slots = grown;
            return Ok(());
        }
        // The loop refuses to shrink below a registered fd; an entry past
        // the new size can only be one it no longer knows.
        self.fds.retain(|p| (p.fd as usize) < set_size);
        self.slots.truncate(set_size);
        for (pos, p) in self.fds.iter().enumerate() {
            self.slots[p.fd as usize] = pos as u32 + 1;
        }
        Ok(())
    }

    fn add(&mut self, fd: RawFd, _old: Mask, added: Mask) -> io::Result<()> {
        let Some(slot) = usize::try_from(fd).ok().filter(|&i| i < self.slots.len()) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fd {fd} is outside the poll set 0..{}", self.slots.len()),
            ));
        };
        let events = events_of(added);
        if let Some(pos) = self.position(fd) {
            self.fds[pos].events |= events;
            return Ok(());
        }
        self.fds
            .try_reserve(1)
            .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        self.fds.push(libc::pollfd {
            fd,
            events,
            revents: 0,
        });
        self.slots[slot] = self.fds.len() as u32;
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, _old: Mask, removed: Mask) {
        if let Some(pos) = self.position(fd) {
            let entry = &mut self.fds[pos];
            entry.events &= !events_of(removed);
            // An entry asking for nothing would still report POLLHUP/POLLNVAL.
            if entry.events == 0 {
                self.swap_remove(pos);
            }
        }
    }

    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        let mut ready = poll_fds(&mut self.fds, timeout_millis(timeout))?;
        for p in &self.fds {
            if ready == 0 {
                break;
            }
            if p.revents != 0 {
                ready -= 1;
                fired.push(Fired::new(p.fd, mask_of(p.revents)));
            }
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "poll"
    }

    fn forget(&mut self, fd: RawFd) -> bool {
        if let Some(pos) = self.position(fd) {
            self.swap_remove(pos);
        }
        false
    }

    fn rebuild(&mut self, registered: &mut dyn Iterator<Item = (RawFd, Mask)>) -> io::Result<()> {
        for p in self.fds.drain(..) {
            self.slots[p.fd as usize] = 0;
        }
        // Every registration that fits goes back in, whatever fails before it.
        let mut first_error = Ok(());
        for (fd, mask) in registered {
            if let Err(e) = self.add(fd, Mask::NONE, mask) {
                first_error = first_error.and(Err(e));
            }
        }
        first_error
    }
}
