//! Registrations a program need not mirror (F9-F10): fds passed as borrows,
//! and interest paused and resumed without passing the handler again.

use std::os::fd::AsFd;

use super::{err_kind, fd, new_loop, pair, poll_now, readable_pair, Log, R, SIZE, W};
use ae_core::{EventLoop, Mask, Poller};

/// F9: a borrowed fd (`&UnixStream`, `BorrowedFd`) is accepted wherever a
/// raw one is, and names the same registration.
pub(crate) fn f9_borrowed_fds_are_accepted_as_raw_ones<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    el.create_file_event(&a, R, |_, log: &mut Log, _, _| log.push("read"))
        .expect("register a borrow");
    assert_eq!(el.get_file_events(a.as_fd()), R);
    assert_eq!(el.get_file_events(fd(&a)), R);
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["read"]);
    el.delete_file_event(a.as_fd(), R);
    assert_eq!(el.get_file_events(&a), Mask::NONE);
    assert_eq!(poll_now(&mut el, &mut log), 0);
}

/// F10: `set_file_events` pauses a bit (it stops firing, the kernel stops
/// watching it, the handler stays) and resumes it; a bit with no handler is
/// refused and nothing changes; deleting drops paused handlers too; a
/// paused fd still holds its slot against `resize`.
pub(crate) fn f10_set_file_events_pauses_and_resumes_without_the_handler<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    el.create_file_event(&a, R, |_, log: &mut Log, _, m| {
        log.push(if m == R { "read" } else { "read+write" })
    })
    .expect("register");
    let mut log = Log::new();
    el.set_file_events(&a, Mask::NONE).expect("pause");
    assert_eq!(el.get_file_events(&a), Mask::NONE);
    assert_eq!(poll_now(&mut el, &mut log), 0, "paused: the data waits");
    el.set_file_events(&a, R).expect("resume");
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["read"]);

    // WRITABLE has no handler: refused, and READABLE is unchanged.
    let e = el.set_file_events(&a, R | W).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("no WRITABLE handler"), "{e}");
    assert_eq!(el.get_file_events(&a), R);
    assert_eq!(
        err_kind(el.set_file_events(-1, R)),
        std::io::ErrorKind::InvalidInput
    );

    // One handler for both (D3): pausing WRITABLE leaves it reading only.
    let (b, _wb) = readable_pair();
    el.create_file_event(&b, R | W, |_, log: &mut Log, _, m| {
        log.push(if m == R { "b read" } else { "b both" })
    })
    .expect("register both");
    el.delete_file_event(&a, R);
    log.clear();
    poll_now(&mut el, &mut log);
    assert_eq!(log, ["b both"]);
    el.set_file_events(&b, R).expect("pause WRITABLE");
    log.clear();
    poll_now(&mut el, &mut log);
    assert_eq!(log, ["b read"]);
    el.set_file_events(&b, R | W | Mask::BARRIER)
        .expect("resume WRITABLE, with BARRIER");
    assert_eq!(el.get_file_events(&b), R | W | Mask::BARRIER);

    // Paused, the fd keeps its slot: resize cannot drop its handler.
    el.set_file_events(&b, Mask::NONE).expect("pause both");
    let e = el.resize(fd(&b) as usize).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    // Deleting drops the paused handler: nothing is left to resume.
    el.delete_file_event(&b, R | W);
    assert_eq!(
        err_kind(el.set_file_events(&b, R)),
        std::io::ErrorKind::InvalidInput
    );
    el.resize(fd(&b) as usize + 1)
        .expect("the slot is free now");
    el.resize(SIZE).expect("grow back");

    // A fresh pair fires at once after a resume: the kernel watches it again.
    let (c, mut wc) = pair();
    el.create_file_event(&c, R, |_, log: &mut Log, _, _| log.push("c"))
        .expect("register c");
    el.set_file_events(&c, Mask::NONE).expect("pause c");
    std::io::Write::write_all(&mut wc, b"x").expect("write");
    log.clear();
    assert_eq!(poll_now(&mut el, &mut log), 0);
    el.set_file_events(&c, R).expect("resume c");
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["c"]);
}
