//! The loop against a scripted backend: what it asks of a `Poller` (the
//! masks and timeouts it passes) and how it treats poll failures, which no
//! real kernel produces on demand. Each test is named after its case of
//! `docs/semantics.md`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use ae_core::{EventLoop, Fired, Flags, Mask, Poller, TimerAction};

#[derive(Debug, Clone, PartialEq)]
enum Call {
    Add(RawFd, Mask, Mask),
    Remove(RawFd, Mask, Mask),
    Poll(Option<Duration>),
    Resize(usize),
}

thread_local! {
    static CALLS: RefCell<Vec<Call>> = const { RefCell::new(Vec::new()) };
    /// What the next polls return; an empty script means "nothing ready".
    static SCRIPT: RefCell<VecDeque<io::Result<Vec<Fired>>>> = const { RefCell::new(VecDeque::new()) };
}

fn calls() -> Vec<Call> {
    CALLS.with(|c| c.borrow_mut().drain(..).collect())
}

fn script(result: io::Result<Vec<Fired>>) {
    SCRIPT.with(|s| s.borrow_mut().push_back(result));
}

fn log(call: Call) {
    CALLS.with(|c| c.borrow_mut().push(call));
}

struct Scripted {
    max_size: usize,
}

impl Poller for Scripted {
    fn new(set_size: usize) -> io::Result<Self> {
        CALLS.with(|c| c.borrow_mut().clear());
        Ok(Scripted {
            max_size: set_size.max(64),
        })
    }
    fn resize(&mut self, set_size: usize) -> io::Result<()> {
        log(Call::Resize(set_size));
        if set_size > self.max_size {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "too big"));
        }
        Ok(())
    }
    fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()> {
        log(Call::Add(fd, old, added));
        if fd == 13 {
            return Err(io::Error::from_raw_os_error(libc_eperm()));
        }
        Ok(())
    }
    fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
        log(Call::Remove(fd, old, removed));
    }
    fn poll(&mut self, timeout: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
        log(Call::Poll(timeout));
        match SCRIPT.with(|s| s.borrow_mut().pop_front()) {
            Some(Ok(f)) => {
                fired.extend(f);
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => Ok(()),
        }
    }
    fn name(&self) -> &'static str {
        "scripted"
    }
}

/// EPERM, as epoll_ctl returns for a regular file.
fn libc_eperm() -> i32 {
    1
}

type Log = Vec<String>;

fn logger(name: &'static str) -> impl FnMut(&mut EventLoop<Scripted, Log>, &mut Log, RawFd, Mask) {
    move |_, log, fd, mask| log.push(format!("{name} {fd} {mask:?}"))
}

const NOW: Flags = Flags::ALL_EVENTS.union(Flags::DONT_WAIT);

#[test]
fn b1_barrier_never_reaches_the_backend_and_masks_are_incremental() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    calls();
    el.create_file_event(5, Mask::READABLE, logger("r"))
        .unwrap();
    el.create_file_event(5, Mask::WRITABLE | Mask::BARRIER, logger("w"))
        .unwrap();
    // Re-registering what is there already asks nothing of the kernel.
    el.create_file_event(5, Mask::READABLE, logger("r2"))
        .unwrap();
    el.delete_file_event(5, Mask::WRITABLE);
    el.delete_file_event(5, Mask::WRITABLE);
    el.delete_file_event(5, Mask::READABLE);
    assert_eq!(
        calls(),
        vec![
            Call::Add(5, Mask::NONE, Mask::READABLE),
            Call::Add(5, Mask::READABLE, Mask::WRITABLE),
            Call::Remove(5, Mask::READ_WRITE, Mask::WRITABLE),
            Call::Remove(5, Mask::READABLE, Mask::READABLE),
        ]
    );
    assert_eq!(el.get_file_events(5), Mask::NONE);
}

#[test]
fn f1_kernel_refusal_changes_nothing() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    let err = el
        .create_file_event(13, Mask::READABLE, logger("r"))
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(1));
    assert_eq!(el.get_file_events(13), Mask::NONE);
    // Nothing registered, so a resize to 1 is allowed: fd 13 did not count.
    el.resize(1).unwrap();
}

#[test]
fn f1_mask_without_readable_or_writable_is_refused() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    for mask in [Mask::NONE, Mask::BARRIER] {
        let err = el.create_file_event(3, mask, logger("r")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
    assert_eq!(el.get_file_events(3), Mask::NONE);
}

#[test]
fn f6_backend_refusing_a_resize_changes_nothing() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    assert!(el.resize(1 << 20).is_err());
    assert_eq!(el.set_size(), 16);
    el.create_file_event(15, Mask::READABLE, logger("r"))
        .unwrap();
    assert!(el.resize(1 << 31).is_err());
    assert_eq!(el.set_size(), 16);
}

#[test]
fn t10_timeout_is_time_to_earliest_timer_zero_when_overdue_none_without() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_file_event(3, Mask::READABLE, logger("r"))
        .unwrap();
    calls();
    // No timers: wait for file events only.
    el.process_events(Flags::ALL_EVENTS, &mut Log::new())
        .unwrap();
    assert_eq!(calls(), vec![Call::Poll(None)]);
    // Only file events asked for: timers do not bound the wait.
    let hour = Duration::from_secs(3600);
    let id = el.create_time_event(hour, |_, _, _| TimerAction::NoMore);
    el.process_events(Flags::FILE_EVENTS, &mut Log::new())
        .unwrap();
    assert_eq!(calls(), vec![Call::Poll(None)]);
    el.process_events(Flags::ALL_EVENTS, &mut Log::new())
        .unwrap();
    match calls().as_slice() {
        [Call::Poll(Some(t))] => {
            assert!(*t <= hour && *t > hour - Duration::from_secs(60), "{t:?}")
        }
        other => panic!("{other:?}"),
    }
    el.delete_time_event(id).unwrap();
    el.create_time_event(Duration::ZERO, |_, _, _| TimerAction::NoMore);
    std::thread::sleep(Duration::from_millis(2));
    assert_eq!(
        el.process_events(Flags::ALL_EVENTS, &mut Log::new())
            .unwrap(),
        1
    );
    assert_eq!(calls(), vec![Call::Poll(Some(Duration::ZERO))]);
}

#[test]
fn i2_dont_wait_flag_and_loop_setting_poll_with_zero_timeout() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_file_event(3, Mask::READABLE, logger("r"))
        .unwrap();
    calls();
    el.process_events(NOW, &mut Log::new()).unwrap();
    el.set_dont_wait(true);
    el.process_events(Flags::ALL_EVENTS, &mut Log::new())
        .unwrap();
    el.set_dont_wait(false);
    el.process_events(Flags::ALL_EVENTS, &mut Log::new())
        .unwrap();
    assert_eq!(
        calls(),
        vec![
            Call::Poll(Some(Duration::ZERO)),
            Call::Poll(Some(Duration::ZERO)),
            Call::Poll(None)
        ]
    );
}

#[test]
fn i1_nothing_to_wait_for_never_blocks() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    calls();
    assert_eq!(
        el.process_events(Flags::DONT_WAIT, &mut Log::new())
            .unwrap(),
        0
    );
    // No fd and no timer: ae.c would sleep forever; this loop does not poll.
    assert_eq!(
        el.process_events(Flags::ALL_EVENTS, &mut Log::new())
            .unwrap(),
        0
    );
    el.run(&mut Log::new()).unwrap();
    assert_eq!(calls(), vec![]);
}

#[test]
fn i6_interrupted_poll_is_zero_events_and_other_failures_are_returned() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_file_event(3, Mask::READABLE, logger("r"))
        .unwrap();
    let mut log = Log::new();
    script(Err(io::Error::from(io::ErrorKind::Interrupted)));
    assert_eq!(el.process_events(Flags::ALL_EVENTS, &mut log).unwrap(), 0);
    script(Err(io::Error::from_raw_os_error(9)));
    let err = el.process_events(Flags::ALL_EVENTS, &mut log).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(9));
    // The loop is unchanged and keeps working.
    assert_eq!(el.get_file_events(3), Mask::READABLE);
    script(Ok(vec![Fired::new(3, Mask::READABLE)]));
    assert_eq!(el.process_events(Flags::ALL_EVENTS, &mut log).unwrap(), 1);
    assert_eq!(log, vec!["r 3 READABLE"]);
    // run() returns the failure instead of aborting.
    script(Err(io::Error::from_raw_os_error(22)));
    assert_eq!(el.run(&mut log).unwrap_err().raw_os_error(), Some(22));
}

#[test]
fn f8_fired_mask_is_limited_to_what_the_fd_asked_for() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_file_event(4, Mask::READABLE, logger("r"))
        .unwrap();
    let mut log = Log::new();
    // A hang-up comes back as both; the fd asked for READABLE only.
    script(Ok(vec![Fired::new(4, Mask::READ_WRITE)]));
    assert_eq!(el.process_events(Flags::ALL_EVENTS, &mut log).unwrap(), 1);
    assert_eq!(log, vec!["r 4 READABLE"]);
}

#[test]
fn d4_fired_entries_for_unknown_or_out_of_range_fds_are_ignored() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_file_event(4, Mask::READABLE, logger("r"))
        .unwrap();
    let mut log = Log::new();
    script(Ok(vec![
        Fired::new(-1, Mask::READABLE),
        Fired::new(99, Mask::READABLE),
        Fired::new(5, Mask::READABLE),
    ]));
    assert_eq!(el.process_events(Flags::ALL_EVENTS, &mut log).unwrap(), 0);
    assert!(log.is_empty());
}

#[test]
fn d5_handler_shrinking_the_loop_mid_iteration_is_safe() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_file_event(2, Mask::READABLE, |el, log: &mut Log, _, _| {
        el.delete_file_event(12, Mask::READABLE);
        el.resize(4).unwrap();
        log.push("shrunk".into());
    })
    .unwrap();
    el.create_file_event(12, Mask::READABLE, logger("r"))
        .unwrap();
    let mut log = Log::new();
    script(Ok(vec![
        Fired::new(2, Mask::READABLE),
        Fired::new(12, Mask::READABLE),
    ]));
    assert_eq!(el.process_events(Flags::ALL_EVENTS, &mut log).unwrap(), 1);
    assert_eq!(log, vec!["shrunk"]);
    assert_eq!(el.set_size(), 4);
}

#[test]
fn d5_reentrant_process_events_does_not_rerun_the_running_handler() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_file_event(2, Mask::READABLE, |el, log: &mut Log, _, _| {
        log.push("outer".into());
        script(Ok(vec![
            Fired::new(2, Mask::READABLE),
            Fired::new(3, Mask::READABLE),
        ]));
        let n = el.process_events(Flags::ALL_EVENTS, log).unwrap();
        log.push(format!("inner ran {n}"));
    })
    .unwrap();
    el.create_file_event(3, Mask::READABLE, logger("r"))
        .unwrap();
    let mut log = Log::new();
    script(Ok(vec![Fired::new(2, Mask::READABLE)]));
    assert_eq!(el.process_events(Flags::ALL_EVENTS, &mut log).unwrap(), 1);
    assert_eq!(log, vec!["outer", "r 3 READABLE", "inner ran 1"]);
}

#[test]
fn t7_reentrant_process_events_does_not_rerun_the_running_timer() {
    let mut el: EventLoop<Scripted, Log> = EventLoop::new(16).unwrap();
    el.create_time_event(Duration::ZERO, |el, log: &mut Log, _| {
        log.push("timer".into());
        let n = el.process_events(NOW, log).unwrap();
        log.push(format!("inner ran {n}"));
        TimerAction::Repeat(Duration::ZERO)
    });
    let mut log = Log::new();
    assert_eq!(el.process_events(NOW, &mut log).unwrap(), 1);
    assert_eq!(log, vec!["timer", "inner ran 0"]);
    // Still scheduled after the re-entrant pass.
    assert_eq!(el.process_events(NOW, &mut log).unwrap(), 1);
}
