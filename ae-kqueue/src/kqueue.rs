use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
use std::time::Duration;

use ae_core::{Fired, Mask, Poller};

use crate::sys;

/// The most events taken from the kernel in one poll; the rest stay ready
/// (level-triggered) for the next.
const MAX_EVENTS: usize = 4096;

/// The longest single wait; the loop simply polls again after it.
const MAX_WAIT_SECS: u64 = 100_000_000;

/// A [`Poller`] on kqueue(2).
pub struct Kqueue {
    kq: OwnedFd,
    events: Vec<sys::kevent>,
    /// Scratch, indexed by fd: the merged mask of one poll's results (D8).
    merged: Vec<Mask>,
}

fn kevent(fd: RawFd, read: bool, flags: u16) -> sys::kevent {
    // SAFETY: kevent is plain old data and all zeroes is a valid value of it
    // (null `udata`, no filter flags).
    let mut ev: sys::kevent = unsafe { std::mem::zeroed() };
    ev.ident = fd as _;
    ev.filter = if read {
        sys::EVFILT_READ
    } else {
        sys::EVFILT_WRITE
    };
    ev.flags = flags as _;
    ev
}

/// What one result means for the loop: its filter, or READABLE and WRITABLE
/// on end-of-file or error, so the handler meets the condition.
fn mask_of(ev: &sys::kevent) -> Mask {
    if ev.flags as u32 & (sys::EV_EOF | sys::EV_ERROR) as u32 != 0 {
        Mask::READ_WRITE
    } else if ev.filter == sys::EVFILT_READ {
        Mask::READABLE
    } else if ev.filter == sys::EVFILT_WRITE {
        Mask::WRITABLE
    } else {
        Mask::NONE
    }
}

impl Kqueue {
    fn change(&self, fd: RawFd, read: bool, flags: u16) -> io::Result<()> {
        let ev = kevent(fd, read, flags);
        // SAFETY: one valid change, no event list and no timeout: the kernel
        // only reads `ev`, which outlives the call.
        let ret =
            unsafe { sys::kevent(self.kq.as_raw_fd(), &ev, 1, ptr::null_mut(), 0, ptr::null()) };
        if ret < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Deletes the filters of `removed` that are registered (in `old`) and
    /// only those: deleting an absent filter is an error (Valkey #715).
    fn delete_filters(&self, fd: RawFd, old: Mask, removed: Mask) -> io::Result<()> {
        let gone = old & removed;
        let mut result = Ok(());
        for (bit, read) in [(Mask::READABLE, true), (Mask::WRITABLE, false)] {
            if gone.contains(bit) {
                if let Err(e) = self.change(fd, read, sys::EV_DELETE as u16) {
                    result = Err(e);
                }
            }
        }
        result
    }

    fn buffers(set_size: usize) -> (Vec<sys::kevent>, Vec<Mask>) {
        let events = vec![kevent(0, true, 0); set_size.clamp(1, MAX_EVENTS)];
        (events, vec![Mask::NONE; set_size])
    }
}

impl Poller for Kqueue {
    fn new(set_size: usize) -> io::Result<Self> {
        // SAFETY: kqueue() takes no arguments; the result is checked.
        let fd = unsafe { sys::kqueue() };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new kqueue descriptor that nothing else owns.
        let kq = unsafe { OwnedFd::from_raw_fd(fd) };
        let (events, merged) = Self::buffers(set_size);
        Ok(Kqueue { kq, events, merged })
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        (self.events, self.merged) = Self::buffers(set_size);
        Ok(())
    }

    fn add(&mut self, fd: RawFd, _old: Mask, added: Mask) -> io::Result<()> {
        if added.contains(Mask::READABLE) {
            self.change(fd, true, sys::EV_ADD as u16)?;
        }
        if added.contains(Mask::WRITABLE) {
            if let Err(e) = self.change(fd, false, sys::EV_ADD as u16) {
                // All or nothing: undo the read filter added just now.
                if added.contains(Mask::READABLE) {
                    let _ = self.change(fd, true, sys::EV_DELETE as u16);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
        let _ = self.delete_filters(fd, old, removed);
    }

    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        let ts = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs().min(MAX_WAIT_SECS) as _,
            tv_nsec: t.subsec_nanos() as _,
        });
        let tsp = ts
            .as_ref()
            .map_or(ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: the event list holds `events.len()` initialised kevents,
        // which bounds what the kernel writes; `tsp` is null or points to
        // `ts`, which outlives the call.
        let n = unsafe {
            sys::kevent(
                self.kq.as_raw_fd(),
                ptr::null(),
                0,
                self.events.as_mut_ptr(),
                self.events.len() as libc::c_int,
                tsp,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let results = &self.events[..n as usize];
        // Merge the read and write results of each fd into one entry, in the
        // order the fds first appear.
        for ev in results {
            if let Some(m) = self.merged.get_mut(ev.ident as usize) {
                *m |= mask_of(ev);
            }
        }
        for ev in results {
            let fd = ev.ident as usize;
            if let Some(m) = self.merged.get_mut(fd) {
                if !m.is_empty() {
                    fired.push(Fired::new(fd as RawFd, *m));
                    *m = Mask::NONE;
                }
            }
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "kqueue"
    }

    fn forget(&mut self, fd: RawFd) -> bool {
        // Which filters are left is unknown: delete both, and rebuild only
        // when neither delete reached a filter.
        let read = self.change(fd, true, sys::EV_DELETE as u16);
        let write = self.change(fd, false, sys::EV_DELETE as u16);
        read.is_err() && write.is_err()
    }

    fn rebuild(&mut self, registered: &mut dyn Iterator<Item = (RawFd, Mask)>) -> io::Result<()> {
        let mut fresh = Kqueue::new(self.merged.len())?;
        for (fd, mask) in registered {
            // An fd closed without its events deleted cannot come back; its
            // registration stays in the loop, harmless, until deleted.
            let _ = fresh.add(fd, Mask::NONE, mask);
        }
        self.kq = fresh.kq;
        Ok(())
    }
}

#[cfg(all(test, ae_kqueue_runnable))]
mod tests {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    use super::*;

    fn poll_now(kq: &mut Kqueue) -> Vec<Fired> {
        let mut fired = Vec::new();
        kq.poll(Some(Duration::ZERO), &mut fired).unwrap();
        fired
    }

    #[test]
    fn b3_eof_and_error_results_are_readable_and_writable() {
        let mut ev = kevent(7, true, 0);
        assert_eq!(mask_of(&ev), Mask::READABLE);
        ev.filter = sys::EVFILT_WRITE;
        assert_eq!(mask_of(&ev), Mask::WRITABLE);
        ev.flags = sys::EV_ERROR as _;
        assert_eq!(mask_of(&ev), Mask::READ_WRITE);
        let ev = kevent(7, true, sys::EV_EOF as u16);
        assert_eq!(mask_of(&ev), Mask::READ_WRITE);
    }

    #[test]
    fn b3_only_registered_filters_are_deleted() {
        let kq = Kqueue::new(1024).unwrap();
        let (_a, b) = UnixStream::pair().unwrap();
        let fd = b.as_raw_fd();
        kq.change(fd, true, sys::EV_ADD as u16).unwrap();
        // Deleting the write filter too would fail with ENOENT.
        kq.delete_filters(fd, Mask::READABLE, Mask::READ_WRITE)
            .unwrap();
        let err = kq.change(fd, false, sys::EV_DELETE as u16).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn b3_separate_filters_and_d8_one_merged_entry_per_fd() {
        let mut kq = Kqueue::new(1024).unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        let fd = b.as_raw_fd();
        kq.add(fd, Mask::NONE, Mask::READ_WRITE).unwrap();
        assert_eq!(poll_now(&mut kq), vec![Fired::new(fd, Mask::WRITABLE)]);
        a.write_all(b"x").unwrap();
        assert_eq!(poll_now(&mut kq), vec![Fired::new(fd, Mask::READ_WRITE)]);
        kq.remove(fd, Mask::READ_WRITE, Mask::WRITABLE);
        assert_eq!(poll_now(&mut kq), vec![Fired::new(fd, Mask::READABLE)]);
    }

    #[test]
    fn b3_failed_add_changes_nothing() {
        let mut kq = Kqueue::new(1024).unwrap();
        let err = kq.add(-1, Mask::NONE, Mask::READ_WRITE).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
        assert_eq!(poll_now(&mut kq), vec![]);
    }
}
