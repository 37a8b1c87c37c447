//! The conformance suite every backend of [`ae_core`] runs: one function per
//! behaviour of the repository's `docs/semantics.md`, named after its case
//! id, generic over the [`Poller`].
//!
//! To start: `ae-testkit = { package = "ae-loop-testkit", path = "../ae/ae-testkit" }`
//! (from a checkout at `../ae`) among a backend's `[dev-dependencies]`, and
//! the two lines below in its `tests/`.
//!
//! A backend crate runs the whole suite with two lines in `tests/` (and
//! `ae-testkit` among its `[dev-dependencies]`):
//!
//! ```ignore
//! // tests/conformance.rs
//! ae_testkit::conformance_suite!(ae_epoll::Epoll, "epoll");
//! // tests/own_process.rs: the cases that start processes, alone
//! ae_testkit::own_process_cases!(ae_epoll::Epoll);
//! ```
//!
//! It is a crate of its own, apart from `ae-core`, so that what a server
//! depends on carries no test machinery: this crate links
//! `allocation-counter`, whose global allocator counts every allocation of
//! the process that links it.
//!
//! Every blocking `process_events` call here is bounded by a timer, a ready
//! fd or a waker that another thread wakes; timing is asserted only as lower
//! bounds or as generous hang guards. Should the library hang anyway, a
//! watchdog aborts the test process after a minute instead of stalling it.
//!
//! The case lists of [`conformance_suite!`] and [`own_process_cases!`] are the
//! only way in: the case functions are private to this crate and reachable
//! only through the wrappers those lists generate here, so a listed name that
//! is no function fails to compile, and a case function missing from the lists
//! is dead code, which this crate denies.
#![forbid(unsafe_code)]
#![deny(dead_code)]
#![warn(missing_docs)]

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ae_core::{EventLoop, Flags, Mask, Poller, TimerAction, TimerId, Waker};

mod interest;
mod iteration;
mod model;
mod processes;
mod robustness;
mod signals;
mod stress;
mod timers;

pub(crate) use interest::*;
pub(crate) use iteration::*;
pub use processes::Fork;
pub(crate) use processes::*;
pub(crate) use robustness::*;
pub(crate) use signals::*;
pub(crate) use timers::*;

/// For `own_process_cases!`, which forks in the test crate.
#[doc(hidden)]
pub use nix as __nix;

/// The single list of the suite's cases. [`conformance_suite!`] makes one
/// test of each in the test crate; here it makes the [`__case`] wrappers,
/// the only public way to a case function.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($($args:tt)*) => {
        $crate::__conformance_expand! {
            ($($args)*)
            f1_fd_at_or_above_set_size_fails,
            f1_negative_fd_fails,
            f1_failed_registration_changes_nothing,
            f1_kernel_refusal_changes_nothing,
            f2_readable_then_writable_keeps_both,
            f3_deleting_writable_clears_barrier,
            f3_deleting_unregistered_or_out_of_range_is_noop,
            f4_deleting_highest_fd_scans_down,
            f5_get_file_events_reports_current_mask,
            f6_resize_to_same_size_succeeds,
            f6_resize_at_or_below_highest_fd_fails_and_changes_nothing,
            f6_resize_beyond_limits_changes_nothing,
            f6_new_slots_start_empty_and_admit_fds,
            f7_unread_data_fires_again,
            f8_peer_close_is_readable_and_reads_zero,
            f8_full_send_buffer_fires_writable_only_after_peer_closes,
            f8_hangup_alone_fires_readable,
            f8_error_alone_fires_writable,
            d1_read_handler_runs_before_write_handler,
            d2_barrier_runs_write_handler_first,
            d3_handler_for_both_runs_once_with_both_bits,
            d4_event_deleted_on_same_fd_does_not_fire,
            d4_event_deleted_on_other_fd_does_not_fire,
            d5_handler_mutates_loop_without_breaking_dispatch,
            d5_handler_replaces_its_own_registration,
            d6_reused_fd_gets_no_stale_readiness,
            d7_return_counts_handlers_and_timers,
            t1_ids_are_never_reused,
            t2_timer_never_fires_early,
            t3_repeat_then_nomore,
            t3_repeat_delay_counts_from_end_of_callback,
            t4_long_delays_neither_fire_nor_busy_loop,
            t5_delete_once_then_not_found,
            t5_timer_deletes_itself,
            t5_timer_deletes_other_timer,
            t6_finalizer_runs_once_per_removal,
            t7_timer_created_in_callback_waits_for_next_pass,
            t7_zero_repeat_runs_once_per_pass,
            t8_zero_delay_timer_from_file_handler_runs_same_call,
            t9_deleted_timers_leave_wait_for_file_events,
            t10_timeout_rounds_up_so_timer_fires_in_first_poll,
            t10_overdue_timer_makes_poll_return_at_once,
            t11_million_timers,
            i1_no_event_flags_returns_zero_at_once,
            i2_dont_wait_flag_does_not_block,
            i2_set_dont_wait_makes_every_poll_non_blocking,
            i3_before_sleep_hook_can_make_that_poll_non_blocking,
            i4_after_sleep_hook_runs_after_timed_out_poll,
            i4_hooks_run_around_poll_before_handlers,
            i5_stop_from_file_handler_ends_run_after_iteration,
            i5_stop_from_timer_ends_run,
            i7_waker_wakes_blocked_poll_from_other_thread,
            i7_wake_before_blocking_is_not_lost,
            b2_fires_only_ready_fds,
            steady_state_iterations_do_not_allocate,
            a2_registration_of_a_capture_free_handler_does_not_allocate,
            model_random_operations_match_the_model,
            i6_signal_storm_loses_no_event_and_no_timer,
            d6_fd_reuse_under_load_gets_no_stale_readiness,
            t12_reschedule_moves_the_deadline_and_unknown_is_not_found,
            t12_reschedule_in_own_callback_replaces_the_repeat_delay,
            t12_reschedule_does_not_allocate,
            t13_ties_fire_in_creation_order,
            s1_signal_wakes_blocked_loop_and_runs_in_its_thread,
            s2_burst_may_coalesce_but_a_later_signal_runs_again,
            s3_uncatchable_and_invalid_signals_are_invalid_input,
            s4_registering_twice_replaces_the_handler,
            s5_s6_every_loop_with_the_signal_runs_its_handler_until_deleted,
            r1_reentrant_call_from_a_timer_sees_every_due_timer,
            r2_panicking_timer_leaves_the_loop_consistent,
            r3_panicking_handler_and_hook_leave_the_loop_consistent,
            r4_panicking_finalizer_on_drop_runs_every_other_finalizer,
            r5_interest_outliving_its_registration_does_not_spin,
            r6_bad_registered_fd_does_not_stop_the_loop,
            f9_borrowed_fds_are_accepted_as_raw_ones,
            f10_set_file_events_pauses_and_resumes_without_the_handler,
            i8_several_hooks_run_in_order_and_are_deleted_by_id,
            i9_process_events_timeout_bounds_the_sleep,
            i10_poll_fd_is_readable_while_events_are_pending,
            i11_async_events_run_in_the_loop_thread_and_coalesce,
        }
    };
}

/// Expands the case list for [`conformance_suite!`](crate::conformance_suite).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_expand {
    ((@tests $poller:ty, $name:expr, $run:expr) $($case:ident,)*) => {
        $(
            #[test]
            fn $case() {
                if $crate::__runs($name, $run) {
                    $crate::__case::$case::<$poller>()
                }
            }
        )*

        #[test]
        fn b5_name() {
            if $crate::__runs($name, $run) {
                $crate::b5_name::<$poller>($name)
            }
        }
    };
    ((@wrappers) $($case:ident,)*) => {
        $(
            #[doc(hidden)]
            pub fn $case<P: $crate::__Poller>() {
                $crate::$case::<P>()
            }
        )*
    };
    ((@names) $($case:ident,)*) => {
        [$(stringify!($case)),*]
    };
}

/// Runs the whole conformance suite on a backend:
/// `ae_testkit::conformance_suite!(ae_epoll::Epoll, "epoll");` makes one
/// `#[test]` per case, plus `b5_name` checking the backend's name.
///
/// With a third argument, a `bool` evaluated in each test, the tests run
/// only where it is true and otherwise say on stderr that they are skipped
/// (`ae`'s tests pass `Backend::Epoll.is_available()`, so one test file
/// serves every platform without a list of its own).
#[macro_export]
macro_rules! conformance_suite {
    ($poller:ty, $name:expr $(,)?) => {
        $crate::__conformance_cases!(@tests $poller, $name, true);
    };
    ($poller:ty, $name:expr, $run:expr $(,)?) => {
        $crate::__conformance_cases!(@tests $poller, $name, $run);
    };
}

/// Whether a suite's test runs. Where it does not, the first of its tests
/// says so in one line that reaches the terminal (straight to stderr: the
/// harness would swallow `eprintln!`), so a suite that passes without
/// running is seen as not run; Rust 1.80 cannot mark a test ignored at run
/// time.
#[doc(hidden)]
pub fn __runs(name: &'static str, run: bool) -> bool {
    static SAID: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    if !run {
        let mut said = SAID
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !said.contains(&name) {
            said.push(name);
            let line = format!(
                "conformance suite on {name} not run: the backend cannot run in this build here\n"
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        }
    }
    run
}

#[doc(hidden)]
pub use ae_core::Poller as __Poller;

/// The wrappers the case lists make: the one public path to each case
/// function, for the macros' tests in the backend crates.
#[doc(hidden)]
pub mod __case {
    crate::__conformance_cases!(@wrappers);
    crate::__own_process_cases!(@wrappers);
}

/// The names of all cases of [`conformance_suite!`], in suite order.
pub const CASES: &[&str] = &crate::__conformance_cases!(@names);

/// The single list of the cases that start a child process, which holds a
/// copy of every fd of the test process between its fork and its exec, and
/// so would disturb the other cases' readiness (a closed peer not yet seen
/// as closed). They run in a test binary of their own:
/// `ae_testkit::own_process_cases!(P);` alone in a test file.
#[doc(hidden)]
#[macro_export]
macro_rules! __own_process_cases {
    ($($args:tt)*) => {
        $crate::__own_process_expand! {
            ($($args)*)
            s1_signal_sent_by_another_process_runs_the_handler,
            s7_delete_and_drop_restore_the_default_disposition,
            k1_a_child_deleting_an_event_leaves_the_parents_handler,
            k2_a_child_adding_writable_does_not_make_the_parent_spin,
            k3_wakes_and_async_sends_in_a_child_reach_only_the_child,
            k4_signals_in_a_child_reach_only_the_child,
            k5_fork_gives_the_child_a_loop_of_its_own,
            c1_a_child_event_gets_its_pids_exit_status_only,
            c2_a_child_that_ended_before_its_event_is_reported,
            c3_a_child_reaped_elsewhere_is_reported_as_not_found,
            c4_sigchld_does_not_interrupt_other_threads_reads,
        }
    };
}

/// Expands the own-process case list.
#[doc(hidden)]
#[macro_export]
macro_rules! __own_process_expand {
    ((@tests $poller:ty) $($case:ident,)*) => {
        /// fork(2) and _exit(2) for the cases, here because ae-testkit
        /// forbids unsafe code.
        const FORK: $crate::Fork = {
            fn fork() -> ::std::io::Result<::std::option::Option<i32>> {
                use $crate::__nix::unistd::{fork, ForkResult};
                // SAFETY: the child runs only its case's code, which uses
                // the loop and plain syscalls, writes to fd 2 directly
                // rather than through a lock another thread may have held
                // at the fork, and leaves through `exit` below, never
                // returning into the test harness.
                match unsafe { fork() }? {
                    ForkResult::Child => Ok(None),
                    ForkResult::Parent { child } => Ok(Some(child.as_raw())),
                }
            }
            fn exit(code: i32) -> ! {
                // SAFETY: _exit ends the process at once; it takes no
                // pointers and runs no handler that could take a lock.
                unsafe { $crate::__nix::libc::_exit(code) }
            }
            $crate::Fork { fork, exit }
        };

        $(
            #[test]
            fn $case() {
                $crate::__case::$case::<$poller>(FORK)
            }
        )*
    };
    ((@wrappers) $($case:ident,)*) => {
        $(
            #[doc(hidden)]
            pub fn $case<P: $crate::__Poller>(fork: $crate::Fork) {
                $crate::$case::<P>(fork)
            }
        )*
    };
    ((@names) $($case:ident,)*) => {
        [$(stringify!($case)),*]
    };
}

/// Runs the [`OWN_PROCESS_CASES`] on a backend, one `#[test]` each; put it
/// alone in a test file (a test binary of its own).
#[macro_export]
macro_rules! own_process_cases {
    ($poller:ty $(,)?) => {
        $crate::__own_process_cases!(@tests $poller);
    };
}

/// The names of the cases that run in a test binary of their own.
pub const OWN_PROCESS_CASES: &[&str] = &crate::__own_process_cases!(@names);

/// B6 for one backend crate: `P` is created, named `name`, exactly when the
/// crate says it is `available`; otherwise creating it, or a loop on it,
/// fails with [`io::ErrorKind::Unsupported`] and a message that contains
/// `says` (what to do about it).
pub fn created_or_unsupported<P: Poller>(name: &str, available: bool, says: &str) {
    let created = P::new(64);
    assert_eq!(created.is_ok(), available, "{name}");
    match created {
        Ok(p) => assert_eq!(p.name(), name),
        Err(e) => {
            assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");
            assert!(e.to_string().contains(says), "{e}");
            let err = EventLoop::<P>::new(64)
                .err()
                .expect("no loop without the backend");
            assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        }
    }
}

type Log = Vec<&'static str>;

/// Fits every fd of the tests; also select's `FD_SETSIZE`.
const SIZE: usize = 1024;
/// Hang guard: a bounded wait that reaches this has failed.
const GUARD: Duration = Duration::from_secs(10);
const HOUR: Duration = Duration::from_secs(3600);
const ZERO: Duration = Duration::ZERO;
const R: Mask = Mask::READABLE;
const W: Mask = Mask::WRITABLE;

fn now_flags() -> Flags {
    Flags::ALL_EVENTS | Flags::DONT_WAIT
}

fn new_loop<P: Poller, S>() -> EventLoop<P, S> {
    EventLoop::new(SIZE).expect("create the loop")
}

/// One iteration with `flags`, under a [`watchdog`].
fn process<P: Poller, S>(el: &mut EventLoop<P, S>, flags: Flags, s: &mut S) -> usize {
    let _watchdog = watchdog("process_events");
    el.process_events(flags, s).expect("process_events")
}

/// One non-blocking iteration.
fn poll_now<P: Poller, S>(el: &mut EventLoop<P, S>, s: &mut S) -> usize {
    process(el, now_flags(), s)
}

/// One blocking iteration; callers make sure something ends it.
fn poll_block<P: Poller, S>(el: &mut EventLoop<P, S>, s: &mut S) -> usize {
    process(el, Flags::ALL_EVENTS, s)
}

/// Blocking iterations until `done`; a pending timer must bound each one.
fn run_until<P: Poller, S>(el: &mut EventLoop<P, S>, s: &mut S, done: impl Fn(&S) -> bool) {
    let start = Instant::now();
    while !done(s) {
        assert!(start.elapsed() < GUARD, "hang guard: condition never met");
        poll_block(el, s);
    }
}

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().expect("socketpair");
    a.set_nonblocking(true).expect("nonblocking");
    b.set_nonblocking(true).expect("nonblocking");
    (a, b)
}

/// A pair whose first end is readable (one byte waits in it).
fn readable_pair() -> (UnixStream, UnixStream) {
    let (a, mut b) = pair();
    b.write_all(b"x").expect("write");
    (a, b)
}

fn fd(s: &impl AsRawFd) -> RawFd {
    s.as_raw_fd()
}

/// Reads until the socket would block; returns the bytes read (0 at EOF).
fn drain(mut s: &UnixStream) -> usize {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        match s.read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Writes until the send buffer is full.
fn fill(mut s: &UnixStream) {
    let buf = [0u8; 4096];
    loop {
        match s.write(&buf) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => panic!("write: {e}"),
        }
    }
}

fn err_kind<T: std::fmt::Debug>(r: io::Result<T>) -> io::ErrorKind {
    r.expect_err("expected an error").kind()
}

/// Runs an action on another thread after a delay, unless dropped first.
struct Alarm {
    cancel: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Alarm {
    fn drop(&mut self) {
        drop(self.cancel.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn after(delay: Duration, action: impl FnOnce() + Send + 'static) -> Alarm {
    let (tx, rx) = mpsc::channel::<()>();
    let thread = thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(delay) {
            action();
        }
    });
    Alarm {
        cancel: Some(tx),
        thread: Some(thread),
    }
}

/// Wakes `waker` from another thread after `delay`, unless dropped first.
fn alarm(waker: Waker, delay: Duration) -> Alarm {
    after(delay, move || waker.wake().expect("wake"))
}

/// A call the suite expects to return and that still blocks after this is a
/// library bug that would hang the suite: the process aborts instead.
const ABORT_AFTER: Duration = Duration::from_secs(60);

/// Aborts the process if `what` has not returned after [`ABORT_AFTER`].
fn watchdog(what: &'static str) -> Alarm {
    let test = thread::current().name().unwrap_or("?").to_owned();
    after(ABORT_AFTER, move || {
        // Straight to stderr: the test harness would swallow `eprintln!`.
        let msg = format!("{test}: {what} still blocked after {ABORT_AFTER:?}; aborting\n");
        let _ = io::stderr().write_all(msg.as_bytes());
        std::process::abort();
    })
}

/// A hang guard: wakes the loop after [`GUARD`].
fn guard<P: Poller, S>(el: &mut EventLoop<P, S>) -> Alarm {
    alarm(el.waker().expect("waker"), GUARD)
}

/// Registers a READABLE handler on `s` that counts its runs in the state
/// and drains `s`.
fn count_reads<P: Poller>(el: &mut EventLoop<P, u32>, s: &UnixStream) {
    let reader = s.try_clone().expect("dup");
    el.create_file_event(s, R, move |_, n: &mut u32, _, _| {
        *n += 1;
        drain(&reader);
    })
    .expect("register");
}

/// Registers a handler for `mask` on `fd` that only logs `name`.
fn log_on<P: Poller>(el: &mut EventLoop<P, Log>, fd: RawFd, mask: Mask, name: &'static str) {
    el.create_file_event(fd, mask, move |_, log: &mut Log, _, _| log.push(name))
        .expect("create_file_event");
}

/// F1: fds at or above the set size are refused with InvalidInput.
pub(crate) fn f1_fd_at_or_above_set_size_fails<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let size = el.set_size() as RawFd;
    for bad in [size, size + 1, RawFd::MAX] {
        let r = el.create_file_event(bad, R | W, |_, _, _, _| {});
        assert_eq!(err_kind(r), io::ErrorKind::InvalidInput, "fd {bad}");
        assert_eq!(el.get_file_events(bad), Mask::NONE);
    }
    // Nothing was registered: any smaller size fits.
    el.resize(1).expect("no fd is registered");
}

/// F1 (fix): negative fds are refused with InvalidInput.
pub(crate) fn f1_negative_fd_fails<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    for bad in [-1, -2, RawFd::MIN] {
        let r = el.create_file_event(bad, R, |_, _, _, _| {});
        assert_eq!(err_kind(r), io::ErrorKind::InvalidInput, "fd {bad}");
        assert_eq!(el.get_file_events(bad), Mask::NONE);
    }
    el.resize(1).expect("no fd is registered");
}

/// F1: a failed registration leaves the old mask, handler and highest fd.
pub(crate) fn f1_failed_registration_changes_nothing<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), R, "old");
    let size = el.set_size() as RawFd;
    for bad in [-1, size, RawFd::MAX] {
        let r = el.create_file_event(bad, R | W, |_, log: &mut Log, _, _| log.push("bad"));
        assert_eq!(err_kind(r), io::ErrorKind::InvalidInput);
    }
    // A mask without READABLE or WRITABLE is refused too.
    for bad in [Mask::NONE, Mask::BARRIER] {
        let r = el.create_file_event(fd(&a), bad, |_, log: &mut Log, _, _| log.push("bad"));
        assert_eq!(err_kind(r), io::ErrorKind::InvalidInput);
    }
    assert_eq!(el.get_file_events(fd(&a)), R);
    // The highest fd is still `a`.
    assert!(el.resize(fd(&a) as usize).is_err());
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["old"]);
}

/// F1: when the backend refuses a registration, nothing changes.
pub(crate) fn f1_kernel_refusal_changes_nothing<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    // A regular file: epoll refuses it (EPERM), select accepts it.
    let file = std::fs::File::open(std::env::current_exe().expect("exe")).expect("open");
    match el.create_file_event(fd(&file), R, |_, _, _, _| {}) {
        Err(_) => {
            assert_eq!(el.get_file_events(fd(&file)), Mask::NONE);
            el.resize(1).expect("nothing is registered");
            el.resize(SIZE).expect("resize back");
        }
        Ok(()) => {
            assert_eq!(el.get_file_events(fd(&file)), R);
            el.delete_file_event(fd(&file), R);
        }
    }
    // Adding to a registered fd that was closed: epoll's MOD fails.
    let (a, _wa) = pair();
    let a_fd = fd(&a);
    log_on(&mut el, a_fd, R, "old");
    drop(a);
    match el.create_file_event(a_fd, W, |_, _, _, _| {}) {
        Err(_) => assert_eq!(el.get_file_events(a_fd), R),
        Ok(()) => assert_eq!(el.get_file_events(a_fd), R | W),
    }
    assert!(
        el.resize(a_fd as usize).is_err(),
        "the fd is still registered"
    );
}

/// F2: READABLE then WRITABLE on one fd keeps both, each with its handler.
pub(crate) fn f2_readable_then_writable_keeps_both<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), R, "read");
    log_on(&mut el, fd(&a), W, "write");
    assert_eq!(el.get_file_events(fd(&a)), R | W);
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 2);
    assert_eq!(log, ["read", "write"]);
}

/// F3: deleting WRITABLE also clears BARRIER.
pub(crate) fn f3_deleting_writable_clears_barrier<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), W | Mask::BARRIER, "write");
    log_on(&mut el, fd(&a), R, "read");
    assert_eq!(el.get_file_events(fd(&a)), R | W | Mask::BARRIER);
    el.delete_file_event(fd(&a), W);
    assert_eq!(el.get_file_events(fd(&a)), R);
    // Writable again, without the barrier: read runs first.
    log_on(&mut el, fd(&a), W, "write");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 2);
    assert_eq!(log, ["read", "write"]);
}

/// F3: deleting what is not registered, or out of range, is a no-op.
pub(crate) fn f3_deleting_unregistered_or_out_of_range_is_noop<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    let (b, _wb) = readable_pair();
    log_on(&mut el, fd(&a), R, "a");
    el.delete_file_event(fd(&a), W);
    el.delete_file_event(fd(&a), Mask::BARRIER);
    el.delete_file_event(fd(&b), R | W);
    let size = el.set_size() as RawFd;
    for bad in [-1, RawFd::MIN, size, RawFd::MAX] {
        el.delete_file_event(bad, R | W | Mask::BARRIER);
    }
    assert_eq!(el.get_file_events(fd(&a)), R);
    assert_eq!(el.get_file_events(fd(&b)), Mask::NONE);
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["a"]);
    // Deleting twice is harmless as well.
    el.delete_file_event(fd(&a), R);
    el.delete_file_event(fd(&a), R);
    assert_eq!(el.get_file_events(fd(&a)), Mask::NONE);
    assert_eq!(poll_now(&mut el, &mut log), 0);
}

/// F4: deleting the highest fd makes the next one the highest (seen by resize).
pub(crate) fn f4_deleting_highest_fd_scans_down<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (x, _wx) = pair();
    let (y, _wy) = pair();
    let (lo, hi) = (fd(&x).min(fd(&y)), fd(&x).max(fd(&y)));
    log_on(&mut el, lo, R, "lo");
    log_on(&mut el, hi, R | W, "hi");
    assert!(el.resize(hi as usize).is_err());
    // Deleting part of the highest fd's mask keeps it the highest.
    el.delete_file_event(hi, W);
    assert!(el.resize(hi as usize).is_err());
    el.delete_file_event(hi, R);
    el.resize(hi as usize).expect("hi is no longer registered");
    assert!(el.resize(lo as usize).is_err(), "lo is now the highest");
    el.resize(lo as usize + 1).expect("lo fits");
    el.delete_file_event(lo, R);
    el.resize(1).expect("nothing is registered");
}

/// F5: get_file_events returns the current mask, NONE when out of range.
pub(crate) fn f5_get_file_events_reports_current_mask<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = pair();
    let a = fd(&a);
    assert_eq!(el.get_file_events(a), Mask::NONE);
    log_on(&mut el, a, R, "r");
    assert_eq!(el.get_file_events(a), R);
    log_on(&mut el, a, W | Mask::BARRIER, "w");
    assert_eq!(el.get_file_events(a), R | W | Mask::BARRIER);
    el.delete_file_event(a, R);
    assert_eq!(el.get_file_events(a), W | Mask::BARRIER);
    el.delete_file_event(a, W);
    assert_eq!(el.get_file_events(a), Mask::NONE);
    let size = el.set_size() as RawFd;
    for bad in [-1, RawFd::MIN, size, RawFd::MAX] {
        assert_eq!(el.get_file_events(bad), Mask::NONE);
    }
}

/// F6: resizing to the current size succeeds, even below nothing.
pub(crate) fn f6_resize_to_same_size_succeeds<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), R, "a");
    el.resize(SIZE).expect("same size");
    assert_eq!(el.set_size(), SIZE);
    assert_eq!(el.get_file_events(fd(&a)), R);
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
}

/// F6: resize to at or below the highest registered fd fails, changing nothing.
pub(crate) fn f6_resize_at_or_below_highest_fd_fails_and_changes_nothing<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    let a = fd(&a);
    log_on(&mut el, a, R, "a");
    for bad in [a as usize, a as usize / 2, 1, 0] {
        assert_eq!(err_kind(el.resize(bad)), io::ErrorKind::InvalidInput);
        assert_eq!(el.set_size(), SIZE);
        assert_eq!(el.get_file_events(a), R);
    }
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["a"]);
    el.resize(a as usize + 1).expect("a fits");
    assert_eq!(el.set_size(), a as usize + 1);
}

/// F6: a size past the fd range, or one the backend refuses, changes nothing.
pub(crate) fn f6_resize_beyond_limits_changes_nothing<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), R, "a");
    let r = el.resize(RawFd::MAX as usize + 2);
    assert_eq!(err_kind(r), io::ErrorKind::InvalidInput);
    assert_eq!(el.set_size(), SIZE);
    // select refuses sizes above FD_SETSIZE; epoll accepts them.
    match el.resize(4 * SIZE) {
        Ok(()) => assert_eq!(el.set_size(), 4 * SIZE),
        Err(_) => assert_eq!(el.set_size(), SIZE),
    }
    assert_eq!(el.get_file_events(fd(&a)), R);
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
}

/// F6: slots added by a resize start empty and take new fds.
pub(crate) fn f6_new_slots_start_empty_and_admit_fds<P: Poller>() {
    let (a, _wa) = readable_pair();
    let a = fd(&a);
    let mut el: EventLoop<P, Log> = EventLoop::new(a as usize).expect("create");
    let r = el.create_file_event(a, R, |_, _, _, _| {});
    assert_eq!(err_kind(r), io::ErrorKind::InvalidInput);
    el.resize(SIZE).expect("grow");
    for fd in a..SIZE as RawFd {
        assert_eq!(el.get_file_events(fd), Mask::NONE);
    }
    log_on(&mut el, a, R, "a");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["a"]);
    // Shrink and grow again: the dropped slots come back empty.
    el.delete_file_event(a, R);
    el.resize(a as usize).expect("shrink");
    el.resize(SIZE).expect("grow");
    assert_eq!(el.get_file_events(a), Mask::NONE);
    assert_eq!(poll_now(&mut el, &mut log), 0);
}

/// F7: level-triggered: unread data fires again on the next iteration.
pub(crate) fn f7_unread_data_fires_again<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    let a = Rc::new(a);
    let consume = Rc::new(Cell::new(false));
    let (sock, c) = (a.clone(), consume.clone());
    el.create_file_event(fd(&*a), R, move |_, log: &mut Log, _, _| {
        log.push("read");
        if c.get() {
            drain(&sock);
        }
    })
    .expect("register");
    let mut log = Log::new();
    for i in 1..=3 {
        assert_eq!(poll_now(&mut el, &mut log), 1, "iteration {i}");
    }
    consume.set(true);
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(poll_now(&mut el, &mut log), 0, "drained: not readable");
    assert_eq!(log.len(), 4);
}

/// F8: a closed peer makes the fd READABLE, and read returns 0.
pub(crate) fn f8_peer_close_is_readable_and_reads_zero<P: Poller>() {
    let mut el: EventLoop<P, Vec<(Mask, usize)>> = new_loop();
    let (a, b) = pair();
    let a = Rc::new(a);
    let sock = a.clone();
    el.create_file_event(
        fd(&*a),
        R,
        move |_, seen: &mut Vec<(Mask, usize)>, _, mask| {
            seen.push((mask, drain(&sock)));
        },
    )
    .expect("register");
    let mut seen = Vec::new();
    assert_eq!(poll_now(&mut el, &mut seen), 0);
    drop(b);
    assert_eq!(poll_now(&mut el, &mut seen), 1);
    assert_eq!(seen, [(R, 0)]);
}

/// F8: WRITABLE on a full send buffer does not fire until the peer closes.
pub(crate) fn f8_full_send_buffer_fires_writable_only_after_peer_closes<P: Poller>() {
    let mut el: EventLoop<P, Vec<(Mask, bool)>> = new_loop();
    let (a, b) = pair();
    fill(&a);
    let a = Rc::new(a);
    let sock = a.clone();
    el.create_file_event(
        fd(&*a),
        W,
        move |_, seen: &mut Vec<(Mask, bool)>, _, mask| {
            // The failure shows on the next write.
            seen.push((mask, (&*sock).write(b"x").is_err()));
        },
    )
    .expect("register");
    let mut seen = Vec::new();
    assert_eq!(poll_now(&mut el, &mut seen), 0, "full buffer: not writable");
    assert_eq!(poll_now(&mut el, &mut seen), 0);
    drop(b);
    assert_eq!(poll_now(&mut el, &mut seen), 1);
    assert_eq!(seen, [(W, true)]);
}

/// F8: a hang-up alone (pipe writer closed, nothing to read) fires READABLE.
pub(crate) fn f8_hangup_alone_fires_readable<P: Poller>() {
    let mut el: EventLoop<P, Vec<(Mask, usize)>> = new_loop();
    let (r, w) = nix::unistd::pipe().expect("pipe");
    let r = Rc::new(r);
    let pipe = r.clone();
    el.create_file_event(
        fd(&*r),
        R,
        move |_, seen: &mut Vec<(Mask, usize)>, _, mask| {
            let mut buf = [0u8; 16];
            seen.push((mask, nix::unistd::read(&*pipe, &mut buf).expect("read")));
        },
    )
    .expect("register");
    let mut seen = Vec::new();
    assert_eq!(poll_now(&mut el, &mut seen), 0);
    drop(w);
    assert_eq!(poll_now(&mut el, &mut seen), 1);
    assert_eq!(seen, [(R, 0)]);
}

/// F8: an error alone (full pipe, reader closed) fires WRITABLE.
pub(crate) fn f8_error_alone_fires_writable<P: Poller>() {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let mut el: EventLoop<P, Vec<(Mask, bool)>> = new_loop();
    let (r, w) = nix::unistd::pipe().expect("pipe");
    fcntl(&w, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).expect("nonblocking");
    let buf = [0u8; 4096];
    while nix::unistd::write(&w, &buf).is_ok() {}
    let w = Rc::new(w);
    let pipe = w.clone();
    el.create_file_event(
        fd(&*w),
        W,
        move |_, seen: &mut Vec<(Mask, bool)>, _, mask| {
            // EPIPE (SIGPIPE is ignored in Rust programs).
            seen.push((mask, nix::unistd::write(&*pipe, b"x").is_err()));
        },
    )
    .expect("register");
    let mut seen = Vec::new();
    assert_eq!(poll_now(&mut el, &mut seen), 0, "full pipe: not writable");
    drop(r);
    assert_eq!(poll_now(&mut el, &mut seen), 1);
    assert_eq!(seen, [(W, true)]);
}

/// D1: for one fd the read handler runs before the write handler.
pub(crate) fn d1_read_handler_runs_before_write_handler<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    // Registered write first: the order is the loop's, not registration's.
    log_on(&mut el, fd(&a), W, "write");
    log_on(&mut el, fd(&a), R, "read");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 2);
    assert_eq!(log, ["read", "write"]);
}

/// D2: with BARRIER the write handler runs before the read handler.
pub(crate) fn d2_barrier_runs_write_handler_first<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), R, "read");
    log_on(&mut el, fd(&a), W | Mask::BARRIER, "write");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 2);
    assert_eq!(log, ["write", "read"]);
}

/// D3: one handler for READABLE|WRITABLE runs once, seeing both bits.
pub(crate) fn d3_handler_for_both_runs_once_with_both_bits<P: Poller>() {
    for extra in [Mask::NONE, Mask::BARRIER] {
        let mut el: EventLoop<P, Vec<Mask>> = new_loop();
        let (a, _wa) = readable_pair();
        el.create_file_event(fd(&a), R | W | extra, |_, seen: &mut Vec<Mask>, _, mask| {
            seen.push(mask)
        })
        .expect("register");
        let mut seen = Vec::new();
        assert_eq!(poll_now(&mut el, &mut seen), 1, "{extra:?}");
        assert_eq!(seen, [R | W]);
        assert_eq!(poll_now(&mut el, &mut seen), 1, "{extra:?}");
        assert_eq!(seen, [R | W, R | W]);
    }
}

/// D4: an event deleted by an earlier handler on the same fd does not fire.
pub(crate) fn d4_event_deleted_on_same_fd_does_not_fire<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    el.create_file_event(fd(&a), R, |el, log: &mut Log, fd, _| {
        log.push("read");
        el.delete_file_event(fd, W);
    })
    .expect("register");
    log_on(&mut el, fd(&a), W, "write");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["read"]);
}

/// D4: an event deleted by an earlier handler on another fd does not fire.
pub(crate) fn d4_event_deleted_on_other_fd_does_not_fire<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    let (b, _wb) = readable_pair();
    for (me, other) in [(fd(&a), fd(&b)), (fd(&b), fd(&a))] {
        el.create_file_event(me, R, move |el, log: &mut Log, _, _| {
            log.push("ran");
            el.delete_file_event(other, R);
        })
        .expect("register");
    }
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["ran"]);
}

/// D5: a handler registers, deletes, creates timers, resizes and stops safely.
pub(crate) fn d5_handler_mutates_loop_without_breaking_dispatch<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    let (b, _wb) = readable_pair();
    let (c, _wc) = readable_pair();
    let doomed = el.create_time_event(ZERO, |_, log: &mut Log, _| {
        log.push("doomed timer");
        TimerAction::NoMore
    });
    let c_fd = fd(&c);
    el.create_file_event(fd(&a), R, move |el, log: &mut Log, me, _| {
        log.push("a");
        log_on(el, c_fd, R, "c");
        el.delete_time_event(doomed).expect("delete a live timer");
        el.create_time_event(ZERO, |_, log: &mut Log, _| {
            log.push("new timer");
            TimerAction::NoMore
        });
        el.resize(SIZE - 1).expect("shrink above every fd");
        el.stop();
        el.delete_file_event(me, R);
    })
    .expect("register");
    log_on(&mut el, fd(&b), R, "b");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 3);
    log.sort_unstable();
    assert_eq!(log, ["a", "b", "new timer"]);
    assert_eq!(el.set_size(), SIZE - 1);
    assert_eq!(el.get_file_events(fd(&a)), Mask::NONE);
    log.clear();
    assert_eq!(poll_now(&mut el, &mut log), 2);
    log.sort_unstable();
    assert_eq!(log, ["b", "c"]);
}

/// D5: a handler that replaces its own registration keeps dispatch sound.
pub(crate) fn d5_handler_replaces_its_own_registration<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    el.create_file_event(fd(&a), R, |el, log: &mut Log, me, _| {
        log.push("old");
        el.delete_file_event(me, R);
        log_on(el, me, R, "new");
    })
    .expect("register");
    let mut log = Log::new();
    poll_now(&mut el, &mut log);
    assert_eq!(log.first(), Some(&"old"));
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log.iter().filter(|&&s| s == "old").count(), 1);
    assert_eq!(log.last(), Some(&"new"));
}

/// State of the D6 test: the two readable ends and what must stay open.
struct D6 {
    socks: [Option<UnixStream>; 2],
    keep: Vec<UnixStream>,
    log: Log,
}

/// D6 (fix): an fd closed and reused in one iteration gets no stale readiness.
pub(crate) fn d6_reused_fd_gets_no_stale_readiness<P: Poller>() {
    let mut el: EventLoop<P, D6> = new_loop();
    let (a, wa) = readable_pair();
    let (b, wb) = readable_pair();
    let fds = [fd(&a), fd(&b)];
    let mut st = D6 {
        socks: [Some(a), Some(b)],
        keep: vec![wa, wb],
        log: Log::new(),
    };
    for me in 0..2 {
        el.create_file_event(fds[me], R, move |el, st: &mut D6, _, _| {
            if !st.log.is_empty() {
                st.log.push("second");
                return;
            }
            st.log.push("first");
            drain(st.socks[me].as_ref().expect("socket"));
            // Replace the other fd: delete, close, reuse the number.
            let other = 1 - me;
            el.delete_file_event(fds[other], R);
            let (fresh, fresh_peer) = pair();
            let mut owned = OwnedFd::from(st.socks[other].take().expect("socket"));
            nix::unistd::dup2(fresh.as_fd(), &mut owned).expect("dup2");
            assert_eq!(owned.as_raw_fd(), fds[other]);
            st.socks[other] = Some(UnixStream::from(owned));
            st.keep.extend([fresh, fresh_peer]);
            el.create_file_event(fds[other], R, |_, st: &mut D6, _, _| {
                st.log.push("stale fire")
            })
            .expect("register the new fd");
        })
        .expect("register");
    }
    assert_eq!(poll_now(&mut el, &mut st), 1);
    assert_eq!(st.log, ["first"]);
    // The new socket has no data: still nothing.
    assert_eq!(poll_now(&mut el, &mut st), 0);
    assert_eq!(st.log, ["first"]);
    // Data on the new socket does fire the new registration.
    (&st.keep[3]).write_all(b"y").expect("write");
    assert_eq!(poll_now(&mut el, &mut st), 1);
    assert_eq!(st.log, ["first", "stale fire"]);
}

/// D7: process_events returns the number of handlers and timers that ran.
pub(crate) fn d7_return_counts_handlers_and_timers<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 0, "empty loop");
    let (a, _wa) = readable_pair();
    let (b, _wb) = readable_pair();
    log_on(&mut el, fd(&a), R, "a");
    log_on(&mut el, fd(&b), R | W, "b");
    for name in ["t1", "t2"] {
        el.create_time_event(ZERO, move |_, log: &mut Log, _| {
            log.push(name);
            TimerAction::NoMore
        });
    }
    el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore);
    assert_eq!(poll_now(&mut el, &mut log), 4);
    assert_eq!(log.len(), 4);
    let files = Flags::FILE_EVENTS | Flags::DONT_WAIT;
    assert_eq!(process(&mut el, files, &mut log), 2);
    for _ in 0..3 {
        el.create_time_event(ZERO, |_, _, _| TimerAction::NoMore);
    }
    let timers = Flags::TIME_EVENTS | Flags::DONT_WAIT;
    assert_eq!(process(&mut el, timers, &mut log), 3);
    assert_eq!(process(&mut el, timers, &mut log), 0);
    assert_eq!(poll_now(&mut el, &mut log), 2);
}

/// T1: timer ids are distinct and never reused, also after deletion.
pub(crate) fn t1_ids_are_never_reused<P: Poller>() {
    let mut el: EventLoop<P, ()> = new_loop();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore));
    }
    el.delete_time_event(ids[4]).expect("delete");
    el.delete_time_event(ids[2]).expect("delete");
    ids.push(el.create_time_event(ZERO, |_, _, _| TimerAction::NoMore));
    assert_eq!(poll_now(&mut el, &mut ()), 1);
    for _ in 0..5 {
        ids.push(el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore));
    }
    let distinct: HashSet<u64> = ids.iter().map(|id| id.get()).collect();
    assert_eq!(distinct.len(), ids.len(), "ids repeat: {ids:?}");
    // The old ids still name nothing.
    for old in [ids[4], ids[2], ids[5]] {
        assert_eq!(err_kind(el.delete_time_event(old)), io::ErrorKind::NotFound);
    }
}

/// T2: a timer never fires before its delay.
pub(crate) fn t2_timer_never_fires_early<P: Poller>() {
    let mut el: EventLoop<P, Option<Instant>> = new_loop();
    let delay = Duration::from_millis(30);
    let start = Instant::now();
    el.create_time_event(delay, |_, fired: &mut Option<Instant>, _| {
        *fired = Some(Instant::now());
        TimerAction::NoMore
    });
    let mut fired = None;
    poll_now(&mut el, &mut fired);
    run_until(&mut el, &mut fired, |f| f.is_some());
    let at = fired.expect("fired") - start;
    assert!(at >= delay, "fired after {at:?}, delay {delay:?}");
}

/// T3: Repeat runs the timer again; NoMore removes it.
pub(crate) fn t3_repeat_then_nomore<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let id = el.create_time_event(Duration::from_millis(5), |_, n: &mut u32, _| {
        *n += 1;
        if *n < 3 {
            TimerAction::Repeat(Duration::from_millis(5))
        } else {
            TimerAction::NoMore
        }
    });
    let mut n = 0;
    run_until(&mut el, &mut n, |n| *n == 3);
    assert_eq!(err_kind(el.delete_time_event(id)), io::ErrorKind::NotFound);
    // Removed: nothing left to run.
    assert_eq!(poll_now(&mut el, &mut n), 0);
    assert_eq!(n, 3);
}

/// T3: the repeat delay is counted from the end of the callback.
pub(crate) fn t3_repeat_delay_counts_from_end_of_callback<P: Poller>() {
    let delay = Duration::from_millis(20);
    let mut el: EventLoop<P, Vec<(Instant, Instant)>> = new_loop();
    el.create_time_event(ZERO, move |_, runs: &mut Vec<(Instant, Instant)>, _| {
        let start = Instant::now();
        thread::sleep(delay);
        runs.push((start, Instant::now()));
        TimerAction::Repeat(delay)
    });
    let mut runs = Vec::new();
    run_until(&mut el, &mut runs, |r| r.len() >= 3);
    for w in runs.windows(2) {
        let gap = w[1].0 - w[0].1;
        assert!(gap >= delay, "ran again {gap:?} after the callback ended");
    }
}

/// T4: timers of 40 minutes, 3 days and more neither fire nor busy-loop.
pub(crate) fn t4_long_delays_neither_fire_nor_busy_loop<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    for (delay, name) in [
        (Duration::from_secs(40 * 60), "40 minutes"),
        (Duration::from_secs(3 * 24 * 3600), "3 days"),
        (Duration::MAX, "forever"),
    ] {
        el.create_time_event(delay, move |_, log: &mut Log, _| {
            log.push(name);
            TimerAction::NoMore
        });
    }
    let waker = el.waker().expect("waker");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 0);
    let start = Instant::now();
    let _wake = alarm(waker, Duration::from_millis(50));
    // Only the waker's own handler runs.
    assert_eq!(poll_block(&mut el, &mut log), 1);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(40),
        "returned after {waited:?}"
    );
    assert!(log.is_empty(), "{log:?} fired");
}

/// T5: a timer deletes once; an unknown or deleted id is NotFound.
pub(crate) fn t5_delete_once_then_not_found<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let mut other: EventLoop<P, ()> = new_loop();
    let mut foreign = None;
    for _ in 0..10 {
        foreign = Some(other.create_time_event(HOUR, |_, _, _| TimerAction::NoMore));
    }
    let id = el.create_time_event(ZERO, |_, log: &mut Log, _| {
        log.push("deleted timer ran");
        TimerAction::NoMore
    });
    el.delete_time_event(id).expect("first delete");
    assert_eq!(err_kind(el.delete_time_event(id)), io::ErrorKind::NotFound);
    let unknown = foreign.expect("an id");
    assert_eq!(
        err_kind(el.delete_time_event(unknown)),
        io::ErrorKind::NotFound
    );
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 0);
    assert!(log.is_empty());
}

/// T5: a timer may delete itself; it never fires again.
pub(crate) fn t5_timer_deletes_itself<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let id = el.create_time_event(ZERO, |el, n: &mut u32, me| {
        *n += 1;
        el.delete_time_event(me).expect("delete itself");
        assert_eq!(err_kind(el.delete_time_event(me)), io::ErrorKind::NotFound);
        TimerAction::Repeat(ZERO)
    });
    let mut n = 0;
    assert_eq!(poll_now(&mut el, &mut n), 1);
    assert_eq!(poll_now(&mut el, &mut n), 0);
    assert_eq!(n, 1);
    assert_eq!(err_kind(el.delete_time_event(id)), io::ErrorKind::NotFound);
}

/// T5: a timer may delete another due timer, which then never fires.
pub(crate) fn t5_timer_deletes_other_timer<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let victim = Rc::new(Cell::new(None::<TimerId>));
    let v = victim.clone();
    el.create_time_event(ZERO, move |el, log: &mut Log, _| {
        log.push("killer");
        el.delete_time_event(v.get().expect("victim"))
            .expect("delete the other timer");
        TimerAction::NoMore
    });
    victim.set(Some(el.create_time_event(ZERO, |_, log: &mut Log, _| {
        log.push("victim");
        TimerAction::Repeat(ZERO)
    })));
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(poll_now(&mut el, &mut log), 0);
    assert_eq!(log, ["killer"]);
}

/// T6: a finalizer runs exactly once: on NoMore, delete, self-delete or drop.
pub(crate) fn t6_finalizer_runs_once_per_removal<P: Poller>() {
    let done: Rc<RefCell<Log>> = Rc::default();
    let mut el: EventLoop<P, ()> = new_loop();
    let fin = |name: &'static str| {
        let done = done.clone();
        move |_: TimerId| done.borrow_mut().push(name)
    };
    el.create_time_event_with_finalizer(ZERO, |_, _, _| TimerAction::NoMore, fin("nomore"));
    let deleted =
        el.create_time_event_with_finalizer(HOUR, |_, _, _| TimerAction::NoMore, fin("delete"));
    el.create_time_event_with_finalizer(
        ZERO,
        |el, _, me| {
            el.delete_time_event(me).expect("delete itself");
            TimerAction::Repeat(ZERO)
        },
        fin("self"),
    );
    el.create_time_event_with_finalizer(HOUR, |_, _, _| TimerAction::NoMore, fin("drop"));
    assert!(done.borrow().is_empty());
    assert_eq!(poll_now(&mut el, &mut ()), 2);
    assert_eq!(poll_now(&mut el, &mut ()), 0);
    el.delete_time_event(deleted).expect("delete");
    assert!(el.delete_time_event(deleted).is_err());
    let mut before_drop = done.borrow().clone();
    before_drop.sort_unstable();
    assert_eq!(before_drop, ["delete", "nomore", "self"]);
    drop(el);
    let mut all = done.borrow().clone();
    all.sort_unstable();
    assert_eq!(all, ["delete", "drop", "nomore", "self"]);
}

/// T7: a timer created in a timer callback waits for the next pass.
pub(crate) fn t7_timer_created_in_callback_waits_for_next_pass<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    el.create_time_event(ZERO, |el, log: &mut Log, _| {
        log.push("outer");
        el.create_time_event(ZERO, |_, log: &mut Log, _| {
            log.push("inner");
            TimerAction::NoMore
        });
        TimerAction::NoMore
    });
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["outer"]);
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["outer", "inner"]);
}

/// T7: a timer repeating with zero delay runs once per pass.
pub(crate) fn t7_zero_repeat_runs_once_per_pass<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    el.create_time_event(ZERO, |_, n: &mut u32, _| {
        *n += 1;
        TimerAction::Repeat(ZERO)
    });
    let mut n = 0;
    for pass in 1..=3 {
        assert_eq!(poll_now(&mut el, &mut n), 1);
        assert_eq!(n, pass);
    }
}

/// T8: a zero-delay timer created by a file handler runs in the same call.
pub(crate) fn t8_zero_delay_timer_from_file_handler_runs_same_call<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    let a = Rc::new(a);
    let sock = a.clone();
    el.create_file_event(fd(&*a), R, move |el, log: &mut Log, _, _| {
        drain(&sock);
        log.push("file");
        el.create_time_event(ZERO, |_, log: &mut Log, _| {
            log.push("timer");
            TimerAction::NoMore
        });
    })
    .expect("register");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 2);
    assert_eq!(log, ["file", "timer"]);
}

/// T9: with every timer deleted the loop waits for file events.
pub(crate) fn t9_deleted_timers_leave_wait_for_file_events<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, wa) = pair();
    log_on(&mut el, fd(&a), R, "file");
    let soon = el.create_time_event(Duration::from_millis(1), |_, log: &mut Log, _| {
        log.push("deleted timer");
        TimerAction::NoMore
    });
    let later = el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore);
    el.delete_time_event(soon).expect("delete");
    el.delete_time_event(later).expect("delete");
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        (&wa).write_all(b"x").expect("write");
        wa
    });
    let mut log = Log::new();
    assert_eq!(poll_block(&mut el, &mut log), 1);
    assert_eq!(log, ["file"]);
    writer.join().expect("writer");
}

/// T10: the timeout rounds up, so a timer fires in the first blocking poll.
pub(crate) fn t10_timeout_rounds_up_so_timer_fires_in_first_poll<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let _guard = guard(&mut el);
    for micros in [1500, 500, 2500, 1001] {
        let delay = Duration::from_micros(micros);
        let start = Instant::now();
        el.create_time_event(delay, |_, n: &mut u32, _| {
            *n += 1;
            TimerAction::NoMore
        });
        let mut n = 0;
        assert_eq!(poll_block(&mut el, &mut n), 1, "delay {delay:?}");
        assert_eq!(n, 1);
        assert!(start.elapsed() >= delay);
    }
}

/// T10: an overdue timer makes the poll return at once.
pub(crate) fn t10_overdue_timer_makes_poll_return_at_once<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let _guard = guard(&mut el);
    el.create_time_event(Duration::from_millis(1), |_, n: &mut u32, _| {
        *n += 1;
        TimerAction::NoMore
    });
    el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore);
    thread::sleep(Duration::from_millis(20));
    let start = Instant::now();
    let mut n = 0;
    // The guard's waker did not run: only the timer.
    assert_eq!(poll_block(&mut el, &mut n), 1);
    assert_eq!(n, 1);
    assert!(start.elapsed() < GUARD / 2);
}

/// T11: with a million live timers the earliest fires first; all delete once.
pub(crate) fn t11_million_timers<P: Poller>() {
    const N: usize = 1_000_000;
    let mut el: EventLoop<P, Log> = new_loop();
    let start = Instant::now();
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        let delay = HOUR + Duration::from_micros(i as u64 % 1000);
        ids.push(el.create_time_event(delay, |_, log: &mut Log, _| {
            log.push("late");
            TimerAction::NoMore
        }));
    }
    let created = start.elapsed();
    // Created latest-first, so creation order cannot explain firing order.
    for (ms, name) in [(90, "90ms"), (60, "60ms"), (30, "30ms")] {
        el.create_time_event(Duration::from_millis(ms), move |_, log: &mut Log, _| {
            log.push(name);
            TimerAction::NoMore
        });
    }
    let mut log = Log::new();
    for _ in 0..100 {
        poll_now(&mut el, &mut log);
    }
    // Short waits, each ended by the next early timer.
    run_until(&mut el, &mut log, |log| log.len() >= 3);
    assert_eq!(log, ["30ms", "60ms", "90ms"]);
    let start_delete = Instant::now();
    for &id in &ids {
        el.delete_time_event(id).expect("delete a live timer");
    }
    for &id in &ids {
        assert_eq!(err_kind(el.delete_time_event(id)), io::ErrorKind::NotFound);
    }
    let deleted = start_delete.elapsed();
    assert_eq!(poll_now(&mut el, &mut log), 0);
    eprintln!("t11: created {N} timers in {created:?}, deleted them twice in {deleted:?}");
}

/// I1: without file or time events requested, process_events returns 0 at once.
pub(crate) fn i1_no_event_flags_returns_zero_at_once<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let _guard = guard(&mut el);
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), R, "file");
    el.create_time_event(ZERO, |_, log: &mut Log, _| {
        log.push("timer");
        TimerAction::NoMore
    });
    el.set_before_sleep(|_, log: &mut Log| log.push("before"));
    el.set_after_sleep(|_, log: &mut Log| log.push("after"));
    let mut log = Log::new();
    let hooks = Flags::CALL_BEFORE_SLEEP | Flags::CALL_AFTER_SLEEP;
    for flags in [Flags::default(), hooks, Flags::DONT_WAIT | hooks] {
        assert_eq!(process(&mut el, flags, &mut log), 0);
    }
    assert!(log.is_empty(), "{log:?} ran");
}

/// I2: the DONT_WAIT flag polls with a zero timeout.
pub(crate) fn i2_dont_wait_flag_does_not_block<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let _guard = guard(&mut el);
    let (a, _wa) = pair();
    log_on(&mut el, fd(&a), R, "file");
    el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore);
    let start = Instant::now();
    let mut log = Log::new();
    for _ in 0..3 {
        assert_eq!(poll_now(&mut el, &mut log), 0);
    }
    assert!(start.elapsed() < GUARD / 2);
}

/// I2: set_dont_wait(true) makes every poll non-blocking until cleared.
pub(crate) fn i2_set_dont_wait_makes_every_poll_non_blocking<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let _guard = guard(&mut el);
    el.create_time_event(HOUR, |_, n: &mut u32, _| {
        *n += 100;
        TimerAction::NoMore
    });
    let start = Instant::now();
    el.set_dont_wait(true);
    let mut n = 0;
    for _ in 0..3 {
        // 0: the guard's waker did not end the poll.
        assert_eq!(poll_block(&mut el, &mut n), 0);
    }
    assert!(start.elapsed() < GUARD / 2);
    el.set_dont_wait(false);
    let delay = Duration::from_millis(30);
    let start = Instant::now();
    el.create_time_event(delay, |_, n: &mut u32, _| {
        *n += 1;
        TimerAction::NoMore
    });
    run_until(&mut el, &mut n, |n| *n == 1);
    assert!(start.elapsed() >= delay, "the poll waited for the timer");
}

/// I3: a before-sleep hook that sets dont-wait makes that very poll non-blocking.
pub(crate) fn i3_before_sleep_hook_can_make_that_poll_non_blocking<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let _guard = guard(&mut el);
    el.create_time_event(HOUR, |_, log: &mut Log, _| {
        log.push("timer");
        TimerAction::NoMore
    });
    el.set_before_sleep(|el, log: &mut Log| {
        log.push("before");
        el.set_dont_wait(true);
    });
    let start = Instant::now();
    let mut log = Log::new();
    let flags = Flags::ALL_EVENTS | Flags::CALL_BEFORE_SLEEP;
    // 0: the guard's waker did not end the poll.
    assert_eq!(process(&mut el, flags, &mut log), 0);
    assert!(start.elapsed() < GUARD / 2);
    assert_eq!(log, ["before"]);
}

/// I4: the after-sleep hook runs also after a poll that timed out.
pub(crate) fn i4_after_sleep_hook_runs_after_timed_out_poll<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let _guard = guard(&mut el);
    el.set_after_sleep(|_, log: &mut Log| log.push("after"));
    el.create_time_event(Duration::from_millis(20), |_, log: &mut Log, _| {
        log.push("timer");
        TimerAction::NoMore
    });
    let flags = Flags::ALL_EVENTS | Flags::CALL_AFTER_SLEEP;
    let mut log = Log::new();
    // Timed out (nothing became ready): the hook ran, then the timer.
    assert_eq!(process(&mut el, flags, &mut log), 1);
    assert_eq!(log, ["after", "timer"]);
    // A zero-timeout poll with nothing ready also counts.
    assert_eq!(process(&mut el, flags | Flags::DONT_WAIT, &mut log), 0);
    assert_eq!(log, ["after", "timer", "after"]);
}

/// I4: hooks run only when flagged: before, poll, after, then handlers.
pub(crate) fn i4_hooks_run_around_poll_before_handlers<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    log_on(&mut el, fd(&a), R, "file");
    el.set_before_sleep(|_, log: &mut Log| log.push("before"));
    el.set_after_sleep(|_, log: &mut Log| log.push("after"));
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["file"], "hooks need their flags");
    log.clear();
    let flags = now_flags() | Flags::CALL_BEFORE_SLEEP | Flags::CALL_AFTER_SLEEP;
    assert_eq!(process(&mut el, flags, &mut log), 1);
    assert_eq!(log, ["before", "after", "file"]);
}

/// I5: stop() from a file handler ends run() after the current iteration.
pub(crate) fn i5_stop_from_file_handler_ends_run_after_iteration<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = readable_pair();
    let (b, _wb) = readable_pair();
    el.create_file_event(fd(&a), R, |el, log: &mut Log, _, _| {
        log.push("a");
        el.stop();
    })
    .expect("register");
    log_on(&mut el, fd(&b), R, "b");
    el.create_time_event(ZERO, |_, log: &mut Log, _| {
        log.push("timer");
        TimerAction::Repeat(ZERO)
    });
    el.create_time_event(GUARD, |_, _, _| panic!("hang guard: run() did not stop"));
    let mut log = Log::new();
    let _watchdog = watchdog("run");
    el.run(&mut log).expect("run");
    log.sort_unstable();
    assert_eq!(log, ["a", "b", "timer"]);
}

/// I5: stop() from a timer ends run().
pub(crate) fn i5_stop_from_timer_ends_run<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    el.create_time_event(Duration::from_millis(1), |el, n: &mut u32, _| {
        *n += 1;
        assert!(*n <= 3, "run() did not stop");
        if *n == 3 {
            el.stop();
        }
        TimerAction::Repeat(Duration::from_millis(1))
    });
    let mut n = 0;
    let _watchdog = watchdog("run");
    el.run(&mut n).expect("run");
    assert_eq!(n, 3);
}

/// I7: another thread's wake() makes a blocked poll return promptly.
pub(crate) fn i7_waker_wakes_blocked_poll_from_other_thread<P: Poller>() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let mut el: EventLoop<P, Log> = new_loop();
    el.create_time_event(GUARD, |_, log: &mut Log, _| {
        log.push("hang guard");
        TimerAction::NoMore
    });
    let waker = el.waker().expect("waker");
    send_sync(&waker);
    let mut log = Log::new();
    for round in 0..2 {
        let start = Instant::now();
        let _wake = alarm(waker.clone(), Duration::from_millis(50));
        assert_eq!(poll_block(&mut el, &mut log), 1, "round {round}");
        assert!(start.elapsed() >= Duration::from_millis(40));
        assert!(log.is_empty(), "{log:?}");
    }
}

/// I7: a wake() before the loop blocks is not lost; wakes coalesce.
pub(crate) fn i7_wake_before_blocking_is_not_lost<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    el.create_time_event(GUARD, |_, log: &mut Log, _| {
        log.push("hang guard");
        TimerAction::NoMore
    });
    let waker = el.waker().expect("waker");
    let same = el.waker().expect("the same waker");
    waker.wake().expect("wake");
    let mut log = Log::new();
    assert_eq!(poll_block(&mut el, &mut log), 1);
    for w in [&waker, &same, &waker] {
        w.wake().expect("wake");
    }
    assert_eq!(poll_block(&mut el, &mut log), 1, "one fd, wakes coalesce");
    assert_eq!(poll_now(&mut el, &mut log), 0, "drained");
    assert!(log.is_empty(), "{log:?}");
}

/// B2: only fds that are actually ready fire.
pub(crate) fn b2_fires_only_ready_fds<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let (a, _wa) = pair();
    let (b, mut wb) = pair();
    log_on(&mut el, fd(&a), R, "a");
    log_on(&mut el, fd(&b), R, "b");
    let mut log = Log::new();
    assert_eq!(poll_now(&mut el, &mut log), 0);
    wb.write_all(b"x").expect("write");
    assert_eq!(poll_now(&mut el, &mut log), 1);
    assert_eq!(log, ["b"]);
}

/// A1, no allocation per iteration in steady state: with a fd
/// firing, a repeating timer and both hooks, iterations allocate nothing
/// once the buffers have grown (counted on this thread).
pub(crate) fn steady_state_iterations_do_not_allocate<P: Poller>() {
    #[derive(Default)]
    struct Counts {
        reads: u32,
        ticks: u32,
        hooks: u32,
    }
    let mut el: EventLoop<P, Counts> = new_loop();
    let (a, b) = readable_pair();
    // The handler consumes its byte and sends the next one to itself.
    el.create_file_event(fd(&a), R, move |_, c: &mut Counts, _, _| {
        let mut byte = [0u8; 1];
        if (&a).read(&mut byte).is_ok() {
            c.reads += 1;
            (&b).write_all(&byte).expect("write");
        }
    })
    .expect("create_file_event");
    el.create_time_event(ZERO, |_, c: &mut Counts, _| {
        c.ticks += 1;
        TimerAction::Repeat(ZERO)
    });
    el.set_before_sleep(|_, c: &mut Counts| c.hooks += 1);
    el.set_after_sleep(|_, c: &mut Counts| c.hooks += 1);
    let flags = now_flags() | Flags::CALL_BEFORE_SLEEP | Flags::CALL_AFTER_SLEEP;
    let mut counts = Counts::default();
    let iterate = |el: &mut EventLoop<P, Counts>, c: &mut Counts, n: u32| {
        for _ in 0..n {
            el.process_events(flags, c).expect("process_events");
        }
    };
    iterate(&mut el, &mut counts, 100);
    let info = allocation_counter::measure(|| iterate(&mut el, &mut counts, 1000));
    assert_eq!(info.count_total, 0, "{info:?}");
    assert_eq!(
        (counts.reads, counts.ticks, counts.hooks),
        (1100, 1100, 2200)
    );
}

/// A2: registering a handler that captures nothing (one function serving
/// many fds, as a server's client handler) allocates nothing, nor does
/// deleting it; D3 still holds for such a handler.
pub(crate) fn a2_registration_of_a_capture_free_handler_does_not_allocate<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let pairs: Vec<_> = (0..16).map(|_| readable_pair()).collect();
    let reregister = |el: &mut EventLoop<P, u32>| {
        for (a, _) in &pairs {
            el.delete_file_event(fd(a), R | W);
            el.create_file_event(fd(a), R | W, |_, n: &mut u32, _, _| *n += 1)
                .expect("register");
        }
    };
    reregister(&mut el);
    let info = allocation_counter::measure(|| {
        for _ in 0..100 {
            reregister(&mut el);
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    let mut n = 0;
    assert_eq!(poll_now(&mut el, &mut n), 16, "one run per fd (D3)");
    assert_eq!(n, 16);
}

/// M1, model-based: random sequences of register, delete, resize, timer
/// create and delete, and process_events on socketpairs whose readiness
/// the test drives (data in and out, full send buffers, closed peers, fds
/// reused), each checked against a model of which handlers and timers must
/// run (F1-F8, D1-D7, T1-T8). A failure names its seed; `AE_MODEL_SEEDS=n`
/// runs n seeds, `AE_MODEL_SEED=s` replays one.
pub(crate) fn model_random_operations_match_the_model<P: Poller>() {
    model::run::<P>()
}

/// I6 under load: a thread sends thousands of handled signals a second to
/// the loop's thread while it blocks in poll, with data arriving and a
/// repeating timer: no error surfaces, no byte is lost or repeated, the
/// timer is never early.
pub(crate) fn i6_signal_storm_loses_no_event_and_no_timer<P: Poller>() {
    stress::signal_storm::<P>()
}

/// D6 under load: 150 readable socketpairs per iteration, whose handlers
/// close other pairs and reuse their fd numbers mid-iteration: a reused fd
/// never gets its predecessor's readiness, and no other event is lost.
pub(crate) fn d6_fd_reuse_under_load_gets_no_stale_readiness<P: Poller>() {
    stress::fd_reuse_under_load::<P>()
}

/// B5: the backend reports its name.
pub fn b5_name<P: Poller>(name: &str) {
    let el: EventLoop<P> = new_loop();
    assert_eq!(el.name(), name);
}
