//! `wait`: one-shot readiness of a single fd (B4 of `docs/semantics.md`).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ae_core::{wait, Mask};

const SHORT: Option<Duration> = Some(Duration::from_millis(20));

#[test]
fn b4_timeout_gives_empty_mask_after_the_timeout() {
    let (_a, b) = UnixStream::pair().unwrap();
    let start = Instant::now();
    assert_eq!(wait(&b, Mask::READABLE, SHORT).unwrap(), Mask::NONE);
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(
        wait(&b, Mask::READABLE, Some(Duration::ZERO)).unwrap(),
        Mask::NONE
    );
}

#[test]
fn b4_reports_what_is_ready_of_what_was_asked() {
    let (mut a, mut b) = UnixStream::pair().unwrap();
    assert_eq!(wait(&b, Mask::WRITABLE, SHORT).unwrap(), Mask::WRITABLE);
    assert_eq!(wait(&b, Mask::READ_WRITE, SHORT).unwrap(), Mask::WRITABLE);
    a.write_all(b"x").unwrap();
    assert_eq!(wait(&b, Mask::READABLE, SHORT).unwrap(), Mask::READABLE);
    assert_eq!(wait(&b, Mask::READ_WRITE, SHORT).unwrap(), Mask::READ_WRITE);
    let mut buf = [0u8; 1];
    b.read_exact(&mut buf).unwrap();
    assert_eq!(
        wait(&b, Mask::READABLE, Some(Duration::ZERO)).unwrap(),
        Mask::NONE
    );
}

#[test]
fn b4_ready_while_waiting_returns_early() {
    let (mut a, b) = UnixStream::pair().unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        a.write_all(b"x").unwrap();
        a
    });
    let got = wait(&b, Mask::READABLE, Some(Duration::from_secs(10))).unwrap();
    assert_eq!(got, Mask::READABLE);
    writer.join().unwrap();
}

#[test]
fn b4_hangup_counts_as_writable() {
    let (a, b) = UnixStream::pair().unwrap();
    b.set_nonblocking(true).unwrap();
    // Fill b's send buffer so only a hang-up can make it "writable".
    let mut w = &b;
    while w.write(&[0u8; 4096]).is_ok() {}
    assert_eq!(
        wait(&b, Mask::WRITABLE, Some(Duration::ZERO)).unwrap(),
        Mask::NONE
    );
    drop(a);
    assert!(wait(&b, Mask::WRITABLE, SHORT)
        .unwrap()
        .contains(Mask::WRITABLE));
}
