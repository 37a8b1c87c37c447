//! What only the select backend shows: the `FD_SETSIZE` bound and failures
//! that select itself reports (B2, I6 of `docs/semantics.md`).

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ae_core::{EventLoop, Fired, Mask, Poller};
use ae_select::{Select, FD_SETSIZE};

#[test]
fn b2_set_sizes_past_fd_setsize_are_refused() {
    assert!(EventLoop::<Select>::new(FD_SETSIZE).is_ok());
    let err = EventLoop::<Select>::new(FD_SETSIZE + 1).err().unwrap();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("FD_SETSIZE"), "{err}");

    let mut el: EventLoop<Select> = EventLoop::new(64).unwrap();
    assert_eq!(
        el.resize(FD_SETSIZE + 1).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(el.set_size(), 64);
    el.resize(FD_SETSIZE).unwrap();
}

#[test]
fn b2_fds_at_or_past_fd_setsize_are_refused_without_touching_the_set() {
    let mut sel = Select::new(FD_SETSIZE).unwrap();
    for fd in [FD_SETSIZE as i32, FD_SETSIZE as i32 + 4000, i32::MAX, -1] {
        let err = sel.add(fd, Mask::NONE, Mask::READ_WRITE).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // Removing one is a harmless no-op.
        sel.remove(fd, Mask::READ_WRITE, Mask::READ_WRITE);
    }
    // The sets are still empty and usable.
    let mut fired = Vec::new();
    sel.poll(Some(Duration::ZERO), &mut fired).unwrap();
    assert_eq!(fired, vec![]);
}

#[test]
fn b2_timeout_rounds_up_to_microseconds_and_reports_nothing_on_timeout() {
    let mut sel = Select::new(64).unwrap();
    let (_a, b) = UnixStream::pair().unwrap();
    sel.add(b.as_raw_fd(), Mask::NONE, Mask::READABLE).unwrap();
    let mut fired = Vec::new();
    let start = std::time::Instant::now();
    sel.poll(Some(Duration::from_nanos(1500)), &mut fired)
        .unwrap();
    assert!(start.elapsed() >= Duration::from_nanos(1500));
    assert_eq!(fired, vec![]);
    sel.add(b.as_raw_fd(), Mask::READABLE, Mask::WRITABLE)
        .unwrap();
    sel.poll(Some(Duration::ZERO), &mut fired).unwrap();
    assert_eq!(fired, vec![Fired::new(b.as_raw_fd(), Mask::WRITABLE)]);
}
