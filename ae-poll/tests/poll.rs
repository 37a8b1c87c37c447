//! What only the poll backend shows (B8 of `docs/semantics.md`): fds past
//! select's `FD_SETSIZE`, the dense array's swap-remove, `POLLNVAL`, the
//! millisecond timeout, rebuild and forget.

use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ae_core::{EventLoop, Fired, Flags, Mask, Poller};
use ae_poll::Poll;

const R: Mask = Mask::READABLE;
const W: Mask = Mask::WRITABLE;

/// A duplicate of a socket at the lowest free fd at or above a number,
/// closed on drop.
struct HighFd(RawFd);

impl HighFd {
    fn dup_at_or_above(fd: impl AsFd, at_least: RawFd) -> HighFd {
        raise_open_files_limit(at_least as u64 + 64);
        let arg = nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(at_least);
        HighFd(nix::fcntl::fcntl(fd, arg).expect("dup to a high fd"))
    }

    /// Closes it now, leaving the number to report POLLNVAL.
    fn close(self) -> RawFd {
        let fd = self.0;
        std::mem::forget(self);
        nix::unistd::close(fd).expect("close");
        fd
    }
}

impl Drop for HighFd {
    fn drop(&mut self) {
        let _ = nix::unistd::close(self.0);
    }
}

fn raise_open_files_limit(need: u64) {
    use nix::sys::resource::{getrlimit, rlim_t, setrlimit, Resource};
    // rlim_t is u64 on Linux and macOS, i64 on FreeBSD.
    let need = rlim_t::try_from(need).unwrap_or(rlim_t::MAX);
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    if soft < need {
        assert!(
            hard >= need,
            "the hard open-files limit {hard} is below the {need} fds this test needs"
        );
        setrlimit(Resource::RLIMIT_NOFILE, need, hard).expect("setrlimit");
    }
}

fn poll_now(p: &mut Poll) -> Vec<Fired> {
    let mut fired = Vec::new();
    p.poll(Some(Duration::ZERO), &mut fired).expect("poll");
    fired.sort_by_key(|f| f.fd);
    fired
}

fn fired(mut expected: Vec<(RawFd, Mask)>) -> Vec<Fired> {
    expected.sort_by_key(|e| e.0);
    expected
        .into_iter()
        .map(|(fd, mask)| Fired::new(fd, mask))
        .collect()
}

#[test]
fn b8_fds_past_fd_setsize_fire() {
    let (mut peer, s) = UnixStream::pair().unwrap();
    let high = HighFd::dup_at_or_above(&s, 1500);
    assert!(high.0 >= 1500);
    let mut el: EventLoop<Poll, Vec<(RawFd, Mask)>> = EventLoop::new(4096).unwrap();
    el.create_file_event(high.0, R, |_, seen: &mut Vec<_>, fd, mask| {
        seen.push((fd, mask))
    })
    .unwrap();
    let flags = Flags::ALL_EVENTS | Flags::DONT_WAIT;
    let mut seen = Vec::new();
    assert_eq!(el.process_events(flags, &mut seen).unwrap(), 0);
    peer.write_all(b"x").unwrap();
    assert_eq!(el.process_events(flags, &mut seen).unwrap(), 1);
    assert_eq!(seen, [(high.0, R)]);
}

#[test]
fn b8_swap_remove_keeps_the_other_fds_interest() {
    let pairs: Vec<(UnixStream, UnixStream)> =
        (0..4).map(|_| UnixStream::pair().unwrap()).collect();
    let fd = |i: usize| pairs[i].1.as_raw_fd();
    for (peer, _) in &pairs {
        (&*peer).write_all(b"x").unwrap();
    }
    let mut p = Poll::new(1024).unwrap();
    // Entries in order a, b, c, d.
    p.add(fd(0), Mask::NONE, R).unwrap();
    p.add(fd(1), Mask::NONE, W).unwrap();
    p.add(fd(2), Mask::NONE, R).unwrap();
    p.add(fd(2), R, W).unwrap();
    p.add(fd(3), Mask::NONE, R).unwrap();
    let all = vec![(fd(0), R), (fd(1), W), (fd(2), R | W), (fd(3), R)];
    assert_eq!(poll_now(&mut p), fired(all));

    // Removing the first entry moves the last (d) into its place.
    p.remove(fd(0), R, R);
    assert_eq!(
        poll_now(&mut p),
        fired(vec![(fd(1), W), (fd(2), R | W), (fd(3), R)])
    );
    // d's interest is still d's: changing it changes only d.
    p.add(fd(3), R, W).unwrap();
    p.remove(fd(2), R | W, W);
    assert_eq!(
        poll_now(&mut p),
        fired(vec![(fd(1), W), (fd(2), R), (fd(3), R | W)])
    );
    // Removing the last entry moves nothing; a's entry comes back at the end.
    p.remove(fd(3), R | W, R | W);
    p.add(fd(0), Mask::NONE, W).unwrap();
    assert_eq!(
        poll_now(&mut p),
        fired(vec![(fd(0), W), (fd(1), W), (fd(2), R)])
    );
    for (i, mask) in [(1, W), (2, R), (0, W)] {
        p.remove(fd(i), mask, mask);
    }
    assert_eq!(poll_now(&mut p), vec![]);
}

#[test]
fn b8_r6_a_closed_fd_is_reported_readable_and_writable() {
    let (_peer, s) = UnixStream::pair().unwrap();
    // Far above what the other tests open, so nothing reuses the number.
    let bad = HighFd::dup_at_or_above(&s, 1800).close();
    let (_peer2, healthy) = UnixStream::pair().unwrap();
    let mut p = Poll::new(4096).unwrap();
    p.add(bad, Mask::NONE, R).unwrap();
    p.add(healthy.as_raw_fd(), Mask::NONE, R).unwrap();
    // POLLNVAL: reported as both, however little the fd asked for.
    assert_eq!(poll_now(&mut p), vec![Fired::new(bad, Mask::READ_WRITE)]);
    // Until its interest is removed.
    p.remove(bad, R, R);
    assert_eq!(poll_now(&mut p), vec![]);
}

#[test]
fn b8_timeout_rounds_up_to_milliseconds_and_reports_nothing_on_timeout() {
    let (_peer, s) = UnixStream::pair().unwrap();
    let mut p = Poll::new(64).unwrap();
    p.add(s.as_raw_fd(), Mask::NONE, R).unwrap();
    let mut fired = Vec::new();
    let start = Instant::now();
    p.poll(Some(Duration::from_micros(100)), &mut fired)
        .unwrap();
    // 100 µs is a whole millisecond to poll(2), never zero.
    assert!(start.elapsed() >= Duration::from_micros(100));
    assert_eq!(fired, vec![]);
}

#[test]
fn b8_fds_outside_the_set_are_refused_without_touching_it() {
    let mut p = Poll::new(64).unwrap();
    for fd in [64, 65, i32::MAX, -1] {
        let err = p.add(fd, Mask::NONE, R | W).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains(&fd.to_string()), "{err}");
        p.remove(fd, R | W, R | W);
        assert!(!p.forget(fd));
    }
    assert_eq!(poll_now(&mut p), vec![]);
    // Growing admits the fd; shrinking below it again drops it.
    let (peer, s) = UnixStream::pair().unwrap();
    (&peer).write_all(b"x").unwrap();
    let fd = s.as_raw_fd();
    p.resize(fd as usize + 1).unwrap();
    p.add(fd, Mask::NONE, R).unwrap();
    assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
    p.resize(fd as usize).unwrap();
    assert_eq!(poll_now(&mut p), vec![]);
}

#[test]
fn b8_r5_forget_drops_the_fd_and_rebuild_holds_exactly_the_registrations() {
    let pairs: Vec<(UnixStream, UnixStream)> =
        (0..3).map(|_| UnixStream::pair().unwrap()).collect();
    let fd = |i: usize| pairs[i].1.as_raw_fd();
    for (peer, _) in &pairs {
        (&*peer).write_all(b"x").unwrap();
    }
    let mut p = Poll::new(1024).unwrap();
    p.add(fd(0), Mask::NONE, R).unwrap();
    p.add(fd(1), Mask::NONE, R | W).unwrap();
    // Interest is in user space: forgetting always succeeds.
    assert!(!p.forget(fd(0)));
    assert!(!p.must_rebuild());
    assert_eq!(poll_now(&mut p), vec![Fired::new(fd(1), R | W)]);

    p.rebuild(&mut [(fd(2), W), (fd(0), R)].into_iter())
        .unwrap();
    assert_eq!(poll_now(&mut p), fired(vec![(fd(0), R), (fd(2), W)]));
    // after_fork is a rebuild: the same holds in a child.
    p.after_fork(&mut [(fd(1), R)].into_iter()).unwrap();
    assert_eq!(poll_now(&mut p), vec![Fired::new(fd(1), R)]);
    assert!(p.poll_fd().is_none());
}
