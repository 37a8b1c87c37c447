//! select's EBADF (R6): a registered fd closed without being deleted makes
//! select fail; the backend finds the bad fd and reports it to its handler as
//! READABLE | WRITABLE instead of failing every poll (which starved timers).
//! This test has a binary of its own: it closes an fd and relies on nobody
//! reusing the number.

use std::cell::Cell;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use ae_core::{EventLoop, Flags, Mask};
use ae_select::{Select, FD_SETSIZE};

#[test]
fn r6_select_reports_a_closed_fd_to_its_handler() {
    let mut el: EventLoop<Select, Vec<Mask>> = EventLoop::new(FD_SETSIZE).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let (c, _d) = UnixStream::pair().unwrap();
    let fd = b.as_raw_fd();
    el.create_file_event(fd, Mask::READ_WRITE, |_, seen: &mut Vec<Mask>, _, mask| {
        seen.push(mask)
    })
    .unwrap();
    // A healthy fd beside it is not reported (it is neither readable nor
    // watched for writing).
    el.create_file_event(c.as_raw_fd(), Mask::READABLE, |_, _, _, _| {
        panic!("a healthy fd was reported")
    })
    .unwrap();
    let ticks = Rc::new(Cell::new(0));
    let t = ticks.clone();
    el.create_time_event(std::time::Duration::ZERO, move |_, _, _| {
        t.set(t.get() + 1);
        ae_core::TimerAction::NoMore
    });
    // Closed without being deleted: select says EBADF. (Alone in its test
    // binary, so no other thread can reuse the number meanwhile.)
    drop(b);
    let flags = Flags::ALL_EVENTS | Flags::DONT_WAIT;
    let mut seen = Vec::new();
    assert_eq!(el.process_events(flags, &mut seen).unwrap(), 2);
    assert_eq!(seen, [Mask::READ_WRITE]);
    assert_eq!(ticks.get(), 1, "the timer ran in the same iteration");
    // Deleting the stale registration ends the reports.
    el.delete_file_event(fd, Mask::READ_WRITE);
    assert_eq!(el.process_events(flags, &mut seen).unwrap(), 0);
    assert_eq!(seen, [Mask::READ_WRITE]);
    drop((a, c));
}
