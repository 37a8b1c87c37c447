//! What only the epoll backend shows: the ADD/MOD/DEL choice (B1 of
//! `docs/semantics.md`).
#![cfg(any(target_os = "linux", target_os = "android"))]

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ae_core::{Fired, Mask, Poller};
use ae_epoll::Epoll;

fn poll_now(ep: &mut Epoll) -> Vec<Fired> {
    let mut fired = Vec::new();
    ep.poll(Some(Duration::ZERO), &mut fired).unwrap();
    fired
}

#[test]
fn b1_add_for_new_fd_mod_for_changes_del_when_empty() {
    let mut ep = Epoll::new(1024).unwrap();
    let (mut a, b) = UnixStream::pair().unwrap();
    let fd = b.as_raw_fd();
    a.write_all(b"x").unwrap();

    ep.add(fd, Mask::NONE, Mask::READABLE).unwrap();
    // A second ADD would fail with EEXIST: adding to a mask must MOD.
    ep.add(fd, Mask::READABLE, Mask::WRITABLE).unwrap();
    assert_eq!(poll_now(&mut ep), vec![Fired::new(fd, Mask::READ_WRITE)]);

    // Removing part of the mask MODs: only READABLE is left.
    ep.remove(fd, Mask::READ_WRITE, Mask::WRITABLE);
    assert_eq!(poll_now(&mut ep), vec![Fired::new(fd, Mask::READABLE)]);

    // Emptying it DELs: nothing fires, and a fresh ADD succeeds again.
    ep.remove(fd, Mask::READABLE, Mask::READABLE);
    assert_eq!(poll_now(&mut ep), vec![]);
    ep.add(fd, Mask::NONE, Mask::WRITABLE).unwrap();
    assert_eq!(poll_now(&mut ep), vec![Fired::new(fd, Mask::WRITABLE)]);
}

#[test]
fn b1_kernel_errors_are_returned() {
    let mut ep = Epoll::new(1024).unwrap();
    // A regular file cannot be polled: epoll_ctl says EPERM.
    let file = std::fs::File::open("/proc/self/status").unwrap();
    let err = ep
        .add(file.as_raw_fd(), Mask::NONE, Mask::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    let err = ep.add(-1, Mask::NONE, Mask::READABLE).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(9)); // EBADF
}

#[test]
fn b1_hangup_fires_readable_and_writable() {
    let mut ep = Epoll::new(1024).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    ep.add(b.as_raw_fd(), Mask::NONE, Mask::READABLE).unwrap();
    drop(a);
    let fired = poll_now(&mut ep);
    assert_eq!(fired, vec![Fired::new(b.as_raw_fd(), Mask::READ_WRITE)]);
}
