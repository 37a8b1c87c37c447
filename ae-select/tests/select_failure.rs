//! A poll failure other than EINTR reaches the caller (I6). This test has a
//! binary of its own: it closes an fd and relies on nobody reusing the number.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

use ae_core::{EventLoop, Flags, Mask};
use ae_select::{Select, FD_SETSIZE};

#[test]
fn i6_select_failure_is_returned_not_fatal() {
    let mut el: EventLoop<Select> = EventLoop::new(FD_SETSIZE).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let fd = b.as_raw_fd();
    el.create_file_event(fd, Mask::READABLE, |_, _, _, _| {})
        .unwrap();
    // Closed without being deleted: select says EBADF. (Alone in its test
    // binary, so no other thread can reuse the number meanwhile.)
    drop(b);
    let err = el
        .process_events(Flags::ALL_EVENTS | Flags::DONT_WAIT, &mut ())
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(9));
    // Deleting the stale registration makes the loop usable again.
    el.delete_file_event(fd, Mask::READABLE);
    assert_eq!(
        el.process_events(Flags::ALL_EVENTS | Flags::DONT_WAIT, &mut ())
            .unwrap(),
        0
    );
    drop(a);
}
