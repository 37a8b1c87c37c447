//! Robustness (R1-R6): re-entrant calls, panics in user code, and misuse
//! that must not make the loop spin or starve its timers.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use super::{
    fd, guard, new_loop, now_flags, pair, poll_block, poll_now, readable_pair, Log, GUARD, HOUR, R,
    W, ZERO,
};
use ae_core::{EventLoop, Flags, Mask, Poller, TimerAction};

/// Runs `f`, which must panic, without the default hook printing it.
fn must_panic<R>(f: impl FnOnce() -> R) {
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(r.is_err(), "expected a panic");
}

/// R1 (T10 re-entrant): a blocking process_events called from a timer
/// callback runs the other timers that are due, overdue ones included, and
/// does not block.
pub(crate) fn r1_reentrant_call_from_a_timer_sees_every_due_timer<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let _guard = guard(&mut el);
    for name in ["outer", "a", "b"] {
        el.create_time_event(Duration::from_millis(1), move |el, log: &mut Log, _| {
            log.push(name);
            if name == "outer" {
                let start = Instant::now();
                let n = el.process_events(Flags::ALL_EVENTS, log).expect("nested");
                assert_eq!(n, 2, "the nested call ran both other timers");
                assert!(start.elapsed() < GUARD / 2, "it did not block");
                log.push("nested returned");
            }
            TimerAction::NoMore
        });
    }
    thread::sleep(Duration::from_millis(20));
    let mut log = Log::new();
    assert_eq!(poll_block(&mut el, &mut log), 1);
    assert_eq!(log, ["outer", "a", "b", "nested returned"]);
}

/// R2: a timer callback that panics: the panic propagates out of
/// process_events; the other due timers run on the next call; the panicking
/// timer stays live (due again, after them), deleting it runs its finalizer
/// at once, and every other finalizer runs exactly once on drop.
pub(crate) fn r2_panicking_timer_leaves_the_loop_consistent<P: Poller>() {
    let finals = Rc::new(RefCell::new(Log::new()));
    let mut el: EventLoop<P, Log> = new_loop();
    let finalizer = |name: &'static str| {
        let finals = finals.clone();
        move |_| finals.borrow_mut().push(name)
    };
    let bad = el.create_time_event_with_finalizer(
        ZERO,
        |_, log: &mut Log, _| {
            log.push("bad");
            panic!("a timer panics");
        },
        finalizer("bad"),
    );
    for name in ["x", "y"] {
        el.create_time_event_with_finalizer(
            ZERO,
            move |_, log: &mut Log, _| {
                log.push(name);
                TimerAction::Repeat(HOUR)
            },
            finalizer(name),
        );
    }
    let mut log = Log::new();
    must_panic(|| el.process_events(now_flags(), &mut log));
    assert_eq!(log, ["bad"]);
    must_panic(|| el.process_events(now_flags(), &mut log));
    assert_eq!(log, ["bad", "x", "y", "bad"], "the others, then it again");
    el.delete_time_event(bad)
        .expect("the panicking timer is live");
    assert_eq!(*finals.borrow(), ["bad"], "deleting it finalized it");
    drop(el);
    assert_eq!(*finals.borrow(), ["bad", "x", "y"]);
}

/// R3: a panicking file handler or hook propagates out of process_events;
/// the handler stays registered and runs again, the loop works on.
pub(crate) fn r3_panicking_handler_and_hook_leave_the_loop_consistent<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let (a, _wa) = readable_pair();
    el.create_file_event(fd(&a), R | W, |_, n: &mut u32, _, _| {
        *n += 1;
        if *n == 1 {
            panic!("a handler panics");
        }
    })
    .expect("register");
    let mut n = 0;
    must_panic(|| el.process_events(now_flags(), &mut n));
    assert_eq!(el.get_file_events(fd(&a)), R | W);
    assert_eq!(poll_now(&mut el, &mut n), 1, "runs again, once (D3)");
    assert_eq!(n, 2);
    el.set_before_sleep(|_, n: &mut u32| {
        *n += 100;
        if *n < 200 {
            panic!("a hook panics");
        }
    });
    let flags = now_flags() | Flags::CALL_BEFORE_SLEEP;
    must_panic(|| el.process_events(flags, &mut n));
    assert_eq!(el.process_events(flags, &mut n).expect("process"), 1);
    assert_eq!(n, 203);
}

/// R4: a finalizer that panics while the loop is dropped does not stop the
/// others: each runs exactly once, then the panic propagates.
pub(crate) fn r4_panicking_finalizer_on_drop_runs_every_other_finalizer<P: Poller>() {
    let ran = Rc::new(Cell::new(0u32));
    let mut el: EventLoop<P, ()> = new_loop();
    for i in 0..5 {
        let ran = ran.clone();
        el.create_time_event_with_finalizer(
            HOUR,
            |_, _, _| TimerAction::NoMore,
            move |_| {
                ran.set(ran.get() + 1);
                if i % 2 == 0 {
                    panic!("finalizer {i} panics");
                }
            },
        );
    }
    must_panic(move || drop(el));
    assert_eq!(ran.get(), 5);
}

/// R5: an fd closed before its events were deleted while a duplicate keeps
/// the file open (so the delete cannot reach the kernel) does not make the
/// loop spin: over 100 ms with a ready peer, a handful of iterations.
pub(crate) fn r5_interest_outliving_its_registration_does_not_spin<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let (a, mut peer) = pair();
    let dup = a.try_clone().expect("dup");
    let a_fd = a.as_raw_fd();
    el.create_file_event(a_fd, R, |_, _, _, _| panic!("stale handler ran"))
        .expect("register");
    drop(a);
    el.delete_file_event(a_fd, R);
    peer.write_all(b"x").expect("write");
    let (other, wo) = pair();
    el.create_file_event(fd(&other), R, |_, _, _, _| {})
        .expect("register");
    el.set_before_sleep(|_, n: &mut u32| *n += 1);
    el.create_time_event(Duration::from_millis(100), |el, _, _| {
        el.stop();
        TimerAction::NoMore
    });
    let mut iterations = 0;
    el.run(&mut iterations).expect("run");
    assert!(
        iterations < 50,
        "{iterations} iterations in 100 ms: spinning"
    );
    // A repair keeps the other registration working.
    let mut wo = wo;
    wo.write_all(b"y").expect("write");
    assert_eq!(poll_now(&mut el, &mut iterations), 1, "the other fd fires");
    drop((dup, other));
}

/// R6: an fd that is registered but closed does not stop the loop: timers run, no error; a backend that meets it (select's
/// EBADF) reports it to its handler as READABLE | WRITABLE; one that cannot
/// register it (epoll, kqueue) refuses it.
pub(crate) fn r6_bad_registered_fd_does_not_stop_the_loop<P: Poller>() {
    let mut el: EventLoop<P, Vec<Mask>> = new_loop();
    let _guard = guard(&mut el);
    // A closed fd far above what the other cases open at once, which grows
    // the fd table past it: select ignores fds beyond the table.
    let (s, _t) = pair();
    let bad = nix::fcntl::fcntl(&s, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(1000))
        .expect("dup to a high fd");
    nix::unistd::close(bad).expect("close it");
    let registered = el
        .create_file_event(bad, R | W, |el, seen: &mut Vec<Mask>, fd, mask| {
            seen.push(mask);
            el.delete_file_event(fd, R | W);
        })
        .is_ok();
    let done = Rc::new(Cell::new(false));
    let d = done.clone();
    el.create_time_event(Duration::from_millis(20), move |_, _, _| {
        d.set(true);
        TimerAction::NoMore
    });
    let mut seen = Vec::new();
    let start = Instant::now();
    while !done.get() {
        assert!(start.elapsed() < GUARD, "the timer never ran");
        poll_block(&mut el, &mut seen);
    }
    if registered {
        assert!(
            seen.iter().all(|&m| m == R | W),
            "reported as an error: {seen:?}"
        );
        if el.name() == "select" {
            assert_eq!(seen, [R | W], "select reports the bad fd once");
        }
    }
}
