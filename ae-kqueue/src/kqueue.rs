// The kevent flag constants are u16 on most systems and u32 on NetBSD: the
// casts to u16 are needed there.
#![allow(clippy::unnecessary_cast)]

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::ptr;
use std::time::{Duration, Instant};

use ae_core::{Fired, Mask, Poller};

use crate::sys;

/// The most events taken from the kernel in one poll; the rest stay ready
/// (level-triggered) for the next.
const MAX_EVENTS: usize = 4096;

/// True where kqueue is libkqueue, a user-space kqueue over epoll (Linux).
/// Its knotes hold epoll registrations, which belong to the open file, not
/// to the fd: see [`Kqueue::stale`].
const LIBKQUEUE: bool = cfg!(ae_kqueue = "libkqueue");

/// The longest single wait; the loop simply polls again after it.
/// libkqueue turns a whole-millisecond timeout into an `int` of
/// milliseconds, which more than 2^31 ms would overflow.
const MAX_WAIT_SECS: u64 = if LIBKQUEUE { 2_000_000 } else { 100_000_000 };

/// A [`Poller`] on kqueue(2).
pub struct Kqueue {
    kq: OwnedFd,
    events: Vec<sys::kevent>,
    /// Scratch, indexed by fd: the merged mask of one poll's results (D8).
    merged: Vec<Mask>,
    /// Indexed by fd: the filters this kqueue holds, so that it can rebuild
    /// itself before a wait (libkqueue, R5).
    interest: Vec<Mask>,
    /// libkqueue only: its epoll set may hold interest that no kevent can
    /// reach any more, so the next poll rebuilds the kqueue before waiting.
    /// An `EV_DELETE` of a closed fd (or of a number closed and reused)
    /// succeeds and frees the knote, but when a duplicate keeps the file
    /// open its epoll registration stays: epoll then ends every wait at
    /// once, libkqueue drops the event as stale, `kevent` returns no result
    /// long before its timeout, and the loop spins with nothing to forget.
    /// (libkqueue reads the freed data that registration points to on each
    /// such wake, so the rebuild comes before the wait where it can.) Native
    /// kqueue removes an fd's knotes when the fd is closed, so it never
    /// sets this.
    stale: bool,
    /// libkqueue only: the last poll returned early with nothing and made
    /// the kqueue rebuild; another early return before a normal one is not
    /// stale interest (libkqueue drops the first report of a regular file
    /// at its end), so it does not rebuild again.
    rebuilt_for_early_return: bool,
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

fn new_kqueue() -> io::Result<OwnedFd> {
    // SAFETY: kqueue() takes no arguments; the result is checked.
    let fd = unsafe { sys::kqueue() };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a new kqueue descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn change(kq: BorrowedFd<'_>, fd: RawFd, read: bool, flags: u16) -> io::Result<()> {
    let ev = kevent(fd, read, flags);
    // SAFETY: one valid change, no event list and no timeout: the kernel
    // only reads `ev`, which outlives the call.
    let ret = unsafe { sys::kevent(kq.as_raw_fd(), &ev, 1, ptr::null_mut(), 0, ptr::null()) };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Adds the filters of `added`, all or nothing.
fn add_filters(kq: BorrowedFd<'_>, fd: RawFd, added: Mask) -> io::Result<()> {
    if added.contains(Mask::READABLE) {
        change(kq, fd, true, sys::EV_ADD as u16)?;
    }
    if added.contains(Mask::WRITABLE) {
        if let Err(e) = change(kq, fd, false, sys::EV_ADD as u16) {
            // All or nothing: undo the read filter added just now.
            if added.contains(Mask::READABLE) {
                let _ = change(kq, fd, true, sys::EV_DELETE as u16);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// True when `fd` names no open file.
fn is_closed(fd: RawFd) -> bool {
    // SAFETY: F_GETFD reads the fd's flags and nothing else; any fd number
    // is a valid argument (a closed one fails with EBADF).
    let ret = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    ret < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
}

impl Kqueue {
    fn change(&self, fd: RawFd, read: bool, flags: u16) -> io::Result<()> {
        change(self.kq.as_fd(), fd, read, flags)
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

    fn interest_mut(&mut self, fd: RawFd) -> Option<&mut Mask> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.interest.get_mut(i))
    }

    /// A new kqueue holding `registered`, and what of it the kqueue holds.
    fn fresh(
        set_size: usize,
        registered: &mut dyn Iterator<Item = (RawFd, Mask)>,
    ) -> io::Result<(OwnedFd, Vec<Mask>)> {
        let kq = new_kqueue()?;
        let mut interest = vec![Mask::NONE; set_size];
        for (fd, mask) in registered {
            // An fd closed without its events deleted cannot come back; its
            // registration stays in the loop, harmless, until deleted.
            if add_filters(kq.as_fd(), fd, mask).is_ok() {
                if let Some(m) = usize::try_from(fd).ok().and_then(|i| interest.get_mut(i)) {
                    *m = mask;
                }
            }
        }
        Ok((kq, interest))
    }

    /// Replaces the kqueue with a new one holding what it held (libkqueue,
    /// R5). On error the old one stays, still marked stale, and the next
    /// poll tries again.
    fn rebuild_in_place(&mut self) {
        let held = std::mem::take(&mut self.interest);
        let mut registered = held
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.is_empty())
            .map(|(fd, &m)| (fd as RawFd, m));
        let fresh = Self::fresh(held.len(), &mut registered);
        match fresh {
            Ok((kq, interest)) => {
                self.kq = kq;
                self.interest = interest;
                self.stale = false;
            }
            Err(_) => self.interest = held,
        }
    }
}

impl Poller for Kqueue {
    fn new(set_size: usize) -> io::Result<Self> {
        let kq = new_kqueue()?;
        let (events, merged) = Self::buffers(set_size);
        Ok(Kqueue {
            kq,
            events,
            merged,
            interest: vec![Mask::NONE; set_size],
            stale: false,
            rebuilt_for_early_return: false,
        })
    }

    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        (self.events, self.merged) = Self::buffers(set_size);
        self.interest.resize(set_size, Mask::NONE);
        Ok(())
    }

    fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()> {
        add_filters(self.kq.as_fd(), fd, added)?;
        if let Some(m) = self.interest_mut(fd) {
            *m = old | added;
        }
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
        let _ = self.delete_filters(fd, old, removed);
        let Some(m) = self.interest_mut(fd) else {
            return;
        };
        let held = *m & removed;
        *m = old - removed;
        // libkqueue reports success for the delete of a closed fd: whether
        // a duplicate keeps the file in its epoll set is unknown, so rebuild
        // (see `stale`).
        if LIBKQUEUE && !held.is_empty() && is_closed(fd) {
            self.stale = true;
        }
    }

    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        if LIBKQUEUE && self.stale {
            self.rebuild_in_place();
        }
        let timeout = timeout.map(|t| t.min(Duration::from_secs(MAX_WAIT_SECS)));
        let ts = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs() as _,
            tv_nsec: t.subsec_nanos() as _,
        });
        let tsp = ts
            .as_ref()
            .map_or(ptr::null(), |t| t as *const libc::timespec);
        let start = LIBKQUEUE.then(Instant::now);
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
        if let Some(start) = start {
            // kevent returns nothing only when its time is up; sooner, libkqueue
            // was woken by interest it could not report (see `stale`).
            let early = n == 0 && timeout.map_or(true, |t| start.elapsed() < t);
            if !early {
                self.rebuilt_for_early_return = false;
            } else if !self.rebuilt_for_early_return {
                self.rebuilt_for_early_return = true;
                self.stale = true;
            }
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
        if let Some(m) = self.interest_mut(fd) {
            *m = Mask::NONE;
        }
        // On libkqueue the delete may leave the file in its epoll set (see
        // `stale`): only a new kqueue is sure to be rid of it.
        if LIBKQUEUE {
            return true;
        }
        // Which filters are left is unknown: delete both, and rebuild only
        // when neither delete reached a filter.
        let read = self.change(fd, true, sys::EV_DELETE as u16);
        let write = self.change(fd, false, sys::EV_DELETE as u16);
        read.is_err() && write.is_err()
    }

    fn rebuild(&mut self, registered: &mut dyn Iterator<Item = (RawFd, Mask)>) -> io::Result<()> {
        (self.kq, self.interest) = Self::fresh(self.interest.len(), registered)?;
        self.stale = false;
        Ok(())
    }

    fn after_fork(
        &mut self,
        registered: &mut dyn Iterator<Item = (RawFd, Mask)>,
    ) -> io::Result<()> {
        let (kq, interest) = Self::fresh(self.interest.len(), registered)?;
        // The child's number of the parent's kqueue is not a kqueue: the
        // BSDs and macOS do not copy a kqueue into a fork child, and
        // libkqueue's fork handler closes the child's copy. The number may
        // name another file by now (a new waker's, say), so it is released,
        // not closed.
        let _ = std::mem::replace(&mut self.kq, kq).into_raw_fd();
        self.interest = interest;
        self.stale = false;
        self.rebuilt_for_early_return = false;
        Ok(())
    }

    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        // libkqueue's kqueue fd is the write end of a pipe, which it watches
        // to learn that the kqueue was closed: it never becomes readable.
        if LIBKQUEUE {
            None
        } else {
            Some(self.kq.as_fd())
        }
    }
}

#[cfg(all(test, ae_kqueue_runnable))]
mod tests {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    use super::*;

    /// The tests close fds and count on their numbers staying free (or
    /// taken by the test itself) until the next poll: one at a time, so
    /// another test's new fd cannot take a number meanwhile.
    fn serial() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn poll_now(kq: &mut Kqueue) -> Vec<Fired> {
        let mut fired = Vec::new();
        kq.poll(Some(Duration::ZERO), &mut fired).unwrap();
        fired
    }

    /// Polls with a 30 ms timeout: what fired, and whether the wait lasted
    /// its whole timeout (the kernel never ends it sooner with nothing).
    fn poll_30ms(kq: &mut Kqueue) -> (Vec<Fired>, bool) {
        let timeout = Duration::from_millis(30);
        let mut fired = Vec::new();
        let start = Instant::now();
        kq.poll(Some(timeout), &mut fired).unwrap();
        (fired, start.elapsed() >= timeout)
    }

    fn dup2(from: BorrowedFd<'_>, to: RawFd) {
        // SAFETY: dup2 takes two fd numbers and touches no memory; `to` is
        // an fd the test owns, so no one else's file is closed.
        assert!(unsafe { libc::dup2(from.as_raw_fd(), to) } == to);
    }

    #[test]
    fn r5_a_closed_fd_whose_file_lives_on_does_not_end_waits() {
        let _serial = serial();
        let mut kq = Kqueue::new(1024).unwrap();
        let (a, mut peer) = UnixStream::pair().unwrap();
        let (other, mut other_peer) = UnixStream::pair().unwrap();
        let fd = a.as_raw_fd();
        let dup = a.try_clone().unwrap();
        kq.add(fd, Mask::NONE, Mask::READABLE).unwrap();
        kq.add(other.as_raw_fd(), Mask::NONE, Mask::READABLE)
            .unwrap();
        drop(a);
        kq.remove(fd, Mask::READABLE, Mask::READABLE);
        peer.write_all(b"x").unwrap();
        assert_eq!(poll_30ms(&mut kq), (vec![], true));
        other_peer.write_all(b"y").unwrap();
        let fired = vec![Fired::new(other.as_raw_fd(), Mask::READABLE)];
        assert_eq!(poll_now(&mut kq), fired, "the other fd still fires");
        drop(dup);
    }

    #[test]
    fn r5_a_reused_number_whose_old_file_lives_on_ends_one_wait_at_most() {
        let _serial = serial();
        let mut kq = Kqueue::new(1024).unwrap();
        let (a, mut peer) = UnixStream::pair().unwrap();
        let (b, _b_peer) = UnixStream::pair().unwrap();
        let fd = a.as_raw_fd();
        let dup = a.try_clone().unwrap();
        kq.add(fd, Mask::NONE, Mask::READABLE).unwrap();
        // The number now names b's file, so the delete cannot tell that a's
        // file, still open through `dup`, is left in libkqueue's epoll set.
        dup2(b.as_fd(), fd);
        kq.remove(fd, Mask::READABLE, Mask::READABLE);
        peer.write_all(b"x").unwrap();
        let (fired, _) = poll_30ms(&mut kq);
        assert_eq!(fired, vec![]);
        assert_eq!(poll_30ms(&mut kq), (vec![], true), "rebuilt");
        drop((a, dup));
    }

    #[test]
    fn r5_an_early_return_right_after_a_rebuild_does_not_rebuild_again() {
        let _serial = serial();
        // libkqueue drops the first report of a regular file at its end,
        // again after each rebuild re-adds it: not stale interest.
        let path = std::env::temp_dir().join(format!("ae-kqueue-eof-{}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut kq = Kqueue::new(1024).unwrap();
        kq.add(file.as_raw_fd(), Mask::NONE, Mask::READABLE)
            .unwrap();
        poll_30ms(&mut kq);
        poll_30ms(&mut kq);
        assert_eq!(poll_30ms(&mut kq), (vec![], true));
    }

    #[test]
    fn b3_eof_and_error_results_are_readable_and_writable() {
        let _serial = serial();
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
        let _serial = serial();
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
        let _serial = serial();
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
        let _serial = serial();
        let mut kq = Kqueue::new(1024).unwrap();
        let err = kq.add(-1, Mask::NONE, Mask::READ_WRITE).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
        assert_eq!(poll_now(&mut kq), vec![]);
    }
}
