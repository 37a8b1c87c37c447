//! `Poller::after_fork` on kqueue, in a test binary of its own: the child
//! holds a copy of every fd of the process until it exits.
#![cfg(ae_kqueue_runnable)]

use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ae_core::{Fired, Mask, Poller};
use ae_kqueue::Kqueue;

/// The fds the child fills, below which every free number is taken.
const FILLED: RawFd = 256;

fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD reads the fd's flags and nothing else.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// The child's half: exits 0 when after_fork gave it a kqueue of its own
/// holding `fd`, and closed none of its files.
fn child(mut kq: Kqueue, fd: RawFd) -> i32 {
    // The parent's kqueue number is free in the child (not copied, or
    // closed by libkqueue): fill it, and every other free one, with a
    // file of the child's, which after_fork must leave open.
    let devnull = std::fs::File::open("/dev/null").unwrap();
    let mut filled = Vec::new();
    for n in 0..FILLED {
        // SAFETY: dup2 onto a number that names no file closes nothing.
        if !is_open(n) && unsafe { libc::dup2(devnull.as_raw_fd(), n) } == n {
            filled.push(n);
        }
    }
    if kq
        .after_fork(&mut [(fd, Mask::READABLE)].into_iter())
        .is_err()
    {
        return 2;
    }
    if !filled.iter().all(|&n| is_open(n)) {
        return 3;
    }
    let mut fired = Vec::new();
    if kq.poll(Some(Duration::from_secs(5)), &mut fired).is_err() {
        return 4;
    }
    if fired != [Fired::new(fd, Mask::READABLE)] {
        return 5;
    }
    0
}

#[test]
fn after_fork_gives_the_child_its_own_kqueue_and_closes_none_of_its_files() {
    let mut kq = Kqueue::new(1024).unwrap();
    let (a, mut peer) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    kq.add(fd, Mask::NONE, Mask::READABLE).unwrap();
    peer.write_all(b"x").unwrap();
    // SAFETY: the child runs only this test's code, then _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = std::panic::catch_unwind(move || child(kq, fd)).unwrap_or(1);
        // SAFETY: _exit ends the child without running the parent's
        // destructors or the test harness.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child; `status` outlives the call.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child failed: status {status:#x} (exit 2: after_fork failed, 3: it closed a \
         file of the child's, 4: poll failed, 5: the registration was not there)"
    );
    // The parent's kqueue is untouched.
    let mut fired = Vec::new();
    kq.poll(Some(Duration::ZERO), &mut fired).unwrap();
    assert_eq!(fired, [Fired::new(fd, Mask::READABLE)]);
}
