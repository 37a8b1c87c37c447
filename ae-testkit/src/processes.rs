//! Processes (K1-K5, C1-C4): a loop in a forked child, and child events.
//! Every case here forks or spawns, so they run in the test binary of
//! their own (`own_process_cases!`), one at a time under the signal cases'
//! lock: a fork while another thread registers a signal would leave
//! signal-hook's lock held in the child.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, raise, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::signals::exclusive;
use super::{count_reads, guard, new_loop, pair, poll_block, poll_now, GUARD, R, W};
use ae_core::{signal, EventLoop, Flags, Poller, TimerAction};

/// fork(2) and _exit(2), which the test crate provides
/// (`own_process_cases!` writes them): ae-core forbids unsafe code.
#[derive(Clone, Copy)]
pub struct Fork {
    /// `Ok(None)` in the child, `Ok(Some(pid))` in the parent.
    pub fork: fn() -> io::Result<Option<i32>>,
    /// Ends the process at once: no exit handlers, no stdio flush, which
    /// would take locks a thread left behind by the fork may hold.
    pub exit: fn(i32) -> !,
}

/// Runs `child` in a forked child process, which then exits (0 when it
/// returned `Ok`; its message goes to stderr), and waits for it.
fn in_child(fork: Fork, child: impl FnOnce() -> Result<(), String>) {
    match (fork.fork)().expect("fork") {
        None => {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child));
            let code = match outcome {
                Ok(Ok(())) => 0,
                Ok(Err(msg)) => {
                    // Straight to fd 2: stderr's lock may be held by a
                    // thread that the fork left behind.
                    let _ = nix::unistd::write(io::stderr(), format!("child: {msg}\n").as_bytes());
                    1
                }
                Err(_) => 2,
            };
            (fork.exit)(code)
        }
        Some(pid) => {
            let pid = Pid::from_raw(pid);
            let start = Instant::now();
            loop {
                match waitpid(pid, Some(WaitPidFlag::WNOHANG)).expect("waitpid") {
                    WaitStatus::StillAlive if start.elapsed() < GUARD => {
                        thread::sleep(Duration::from_millis(2))
                    }
                    WaitStatus::StillAlive => {
                        let _ = kill(pid, Signal::SIGKILL);
                        let _ = waitpid(pid, None);
                        panic!("the forked child did not end");
                    }
                    WaitStatus::Exited(_, 0) => return,
                    other => panic!("the forked child failed: {other:?}"),
                }
            }
        }
    }
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    ok.then_some(()).ok_or_else(|| what.to_owned())
}

/// Blocking iterations for `span`, bounded by a timer at its end: how many
/// there were. An idle loop makes one or two; a spinning one thousands.
fn iterations_in<P: Poller, S>(el: &mut EventLoop<P, S>, s: &mut S, span: Duration) -> u32 {
    let id = el.create_time_event(span, |_, _, _| TimerAction::NoMore);
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < span {
        el.process_events(Flags::ALL_EVENTS, s).expect("process");
        n += 1;
    }
    let _ = el.delete_time_event(id);
    n
}

/// K1: a child that deletes, after `after_fork`, an event the parent
/// watches leaves the parent's handler running.
pub(crate) fn k1_a_child_deleting_an_event_leaves_the_parents_handler<P: Poller>(fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, u32> = new_loop();
    let (a, mut wa) = pair();
    count_reads(&mut el, &a);
    in_child(fork, || {
        el.after_fork().map_err(|e| e.to_string())?;
        el.delete_file_event(&a, R);
        check(poll_now(&mut el, &mut 0) == 0, "the child polled an event")
    });
    let _guard = guard(&mut el);
    wa.write_all(b"x").expect("write");
    let mut n = 0;
    poll_block(&mut el, &mut n);
    assert_eq!(n, 1, "the parent's handler ran");
}

/// K2: a child that adds WRITABLE on an fd the parent watches for
/// READABLE does not make the parent spin, and the parent never sees it.
pub(crate) fn k2_a_child_adding_writable_does_not_make_the_parent_spin<P: Poller>(fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, u32> = new_loop();
    let (a, _wa) = pair();
    el.create_file_event(&a, R, |_, n: &mut u32, _, _| *n += 100)
        .expect("register");
    in_child(fork, || {
        el.after_fork().map_err(|e| e.to_string())?;
        el.create_file_event(&a, W, |_, n: &mut u32, _, _| *n += 1)
            .map_err(|e| e.to_string())?;
        let mut n = 0;
        poll_now(&mut el, &mut n);
        check(n == 1, "the child's WRITABLE handler did not run")
    });
    let mut n = 0;
    let iterations = iterations_in(&mut el, &mut n, Duration::from_millis(100));
    assert_eq!(n, 0, "no handler ran in the parent");
    assert!(
        iterations < 50,
        "the parent spun: {iterations} iterations in 100 ms"
    );
}

/// K3: a waker and an async event used in the child after `after_fork`
/// wake the child only; the parent's still wake the parent. (The first
/// child leaves its wake unread: shared, the parent would see it.)
pub(crate) fn k3_wakes_and_async_sends_in_a_child_reach_only_the_child<P: Poller>(fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, u32> = new_loop();
    let (_id, handle) = el
        .create_async(|_, n: &mut u32| *n += 1)
        .expect("create_async");
    let waker = el.waker().expect("waker");
    in_child(fork, || {
        el.after_fork().map_err(|e| e.to_string())?;
        handle.send().map_err(|e| e.to_string())?;
        waker.wake().map_err(|e| e.to_string())
    });
    assert_only_the_timer_runs(&mut el);
    in_child(fork, || {
        el.after_fork().map_err(|e| e.to_string())?;
        handle.send().map_err(|e| e.to_string())?;
        let guard = super::alarm(waker.clone(), GUARD);
        let start = Instant::now();
        let mut n = 0;
        el.process_events(Flags::ALL_EVENTS, &mut n)
            .map_err(|e| e.to_string())?;
        drop(guard);
        check(
            n == 1 && start.elapsed() < GUARD,
            "the child's send did not run",
        )
    });
    handle.send().expect("send");
    let _guard = guard(&mut el);
    let mut n = 0;
    poll_block(&mut el, &mut n);
    assert_eq!(n, 1, "the parent's own send runs the parent's handler");
}

/// Nothing but a timer of its own wakes the parent: no handler runs first.
fn assert_only_the_timer_runs<P: Poller>(el: &mut EventLoop<P, u32>) {
    let mut n = 0;
    el.create_time_event(Duration::from_millis(50), |_, n: &mut u32, _| {
        *n += 1000;
        TimerAction::NoMore
    });
    let ran = poll_block(el, &mut n);
    assert_eq!((ran, n), (1, 1000), "only the timer ran in the parent");
}

/// K4: a signal in the child after `after_fork` runs the child's handler
/// and wakes no loop of the parent; the parent's signals still reach it.
pub(crate) fn k4_signals_in_a_child_reach_only_the_child<P: Poller>(fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, u32> = new_loop();
    el.create_signal_event(signal::SIGUSR2, |_, n: &mut u32, _| *n += 1)
        .expect("create_signal_event");
    in_child(fork, || {
        el.after_fork().map_err(|e| e.to_string())?;
        raise(Signal::SIGUSR2).map_err(|e| e.to_string())
    });
    assert_only_the_timer_runs(&mut el);
    in_child(fork, || {
        el.after_fork().map_err(|e| e.to_string())?;
        raise(Signal::SIGUSR2).map_err(|e| e.to_string())?;
        let mut n = 0;
        poll_now(&mut el, &mut n);
        check(n == 1, "the child's handler did not run")
    });
    raise(Signal::SIGUSR2).expect("raise");
    let _guard = guard(&mut el);
    let mut n = 0;
    poll_block(&mut el, &mut n);
    assert_eq!(n, 1, "the parent's signal ran the parent's handler");
}

/// K5: `EventLoop::fork` renews the child's loop itself: a child that
/// deletes an event the parent watches, with no `after_fork` of its own,
/// leaves the parent's handler running; the parent's child event reports
/// the child's exit code.
pub(crate) fn k5_fork_gives_the_child_a_loop_of_its_own<P: Poller>(fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, u32> = new_loop();
    let (a, mut wa) = pair();
    count_reads(&mut el, &a);
    let pid = match el.fork().expect("fork") {
        ae_core::Fork::Child => {
            el.delete_file_event(&a, R);
            let idle = poll_now(&mut el, &mut 0) == 0;
            (fork.exit)(if idle { 7 } else { 1 })
        }
        ae_core::Fork::Parent(pid) => pid,
    };
    el.create_child_event(pid, |_, n: &mut u32, _, status| {
        *n += 1000 * status.expect("reaped here").code().unwrap_or(-1) as u32;
    })
    .expect("create_child_event");
    let _guard = guard(&mut el);
    let start = Instant::now();
    let mut n = 0;
    while n < 1000 {
        assert!(start.elapsed() < GUARD, "the child's end was not reported");
        poll_block(&mut el, &mut n);
    }
    assert_eq!(n, 7000, "the child exited 7: it polled nothing");
    wa.write_all(b"x").expect("write");
    poll_block(&mut el, &mut n);
    assert_eq!(n, 7001, "the parent's handler ran");
}

type Ends = Vec<(u32, io::Result<ExitStatus>)>;

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(script).stdin(Stdio::null());
    c
}

fn run_until_ended<P: Poller>(el: &mut EventLoop<P, Ends>, ends: &mut Ends, count: usize) {
    let _guard = guard(el);
    let start = Instant::now();
    while ends.len() < count {
        assert!(start.elapsed() < GUARD, "the children were not reported");
        poll_block(el, ends);
    }
}

/// C1: a child event gets its own pid's exit status, an exit code or a
/// signal, and the loop reaps only the pids it has events for; it signals
/// only those too (`kill_child`).
pub(crate) fn c1_a_child_event_gets_its_pids_exit_status_only<P: Poller>(_fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, Ends> = new_loop();
    let record =
        |_: &mut EventLoop<P, Ends>, ends: &mut Ends, pid, status| ends.push((pid, status));
    let mut unwatched = sh("exit 5").spawn().expect("spawn");
    let three = el.spawn(&mut sh("exit 3"), record).expect("spawn").id();
    let killed = el.spawn(&mut sh("kill -9 $$"), record).expect("spawn").id();
    let sleeper = el
        .spawn(&mut sh("exec sleep 30"), record)
        .expect("spawn")
        .id();
    el.kill_child(sleeper, signal::SIGTERM).expect("kill_child");
    let e = el.kill_child(unwatched.id(), signal::SIGTERM).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound, "no event, no kill");
    let mut ends = Ends::new();
    run_until_ended(&mut el, &mut ends, 3);
    ends.sort_by_key(|e| [three, killed, sleeper].iter().position(|&p| p == e.0));
    let status = |i: usize| ends[i].1.as_ref().expect("a status");
    assert_eq!((ends[0].0, status(0).code()), (three, Some(3)));
    assert_eq!((ends[1].0, status(1).signal()), (killed, Some(9)));
    assert_eq!(
        (ends[2].0, status(2).signal()),
        (sleeper, Some(signal::SIGTERM))
    );
    let status = unwatched.wait().expect("the loop left it to its owner");
    assert_eq!(status.code(), Some(5));
}

/// C2: a child that ended before its event was created is reported in
/// the next iteration; registering twice replaces the handler; invalid
/// pids are InvalidInput and deleting an unknown one NotFound.
// The loop reaps the children: clippy cannot see it.
#[allow(clippy::zombie_processes)]
pub(crate) fn c2_a_child_that_ended_before_its_event_is_reported<P: Poller>(_fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, Ends> = new_loop();
    let child = sh("exit 7").spawn().expect("spawn");
    let pid = child.id();
    wait_for_zombie(pid);
    el.create_child_event(pid, |_, _, _, _| panic!("replaced"))
        .expect("create");
    el.create_child_event(pid, |_, ends: &mut Ends, pid, s| ends.push((pid, s)))
        .expect("replace");
    let mut ends = Ends::new();
    run_until_ended(&mut el, &mut ends, 1);
    assert_eq!(ends[0].1.as_ref().expect("status").code(), Some(7));
    for bad in [0, u32::MAX] {
        let e = el.create_child_event(bad, |_, _, _, _| {}).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad}");
    }
    let e = el.delete_child_event(pid).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
}

/// Until `pid` has ended (a zombie, not reaped): on Linux by its state in
/// /proc; elsewhere a pause long enough for `sh -c 'exit N'`.
fn wait_for_zombie(pid: u32) {
    let start = Instant::now();
    while start.elapsed() < GUARD {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) if stat.rsplit(") ").next().is_some_and(|s| s.starts_with('Z')) => return,
            Ok(_) => thread::sleep(Duration::from_millis(2)),
            Err(_) => return thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// C3: a child reaped elsewhere first is reported as NotFound, not lost;
/// a deleted child event does not run.
pub(crate) fn c3_a_child_reaped_elsewhere_is_reported_as_not_found<P: Poller>(_fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, Ends> = new_loop();
    let mut child = sh("exit 0").spawn().expect("spawn");
    el.create_child_event(child.id(), |_, ends: &mut Ends, pid, s| ends.push((pid, s)))
        .expect("create");
    child.wait().expect("reaped here first");
    let deleted = el
        .spawn(&mut sh("exit 0"), |_, _, _, _| panic!("deleted"))
        .expect("spawn");
    el.delete_child_event(deleted.id()).expect("delete");
    let mut ends = Ends::new();
    run_until_ended(&mut el, &mut ends, 1);
    let e = ends[0].1.as_ref().expect_err("no status to give");
    assert_eq!(e.kind(), io::ErrorKind::NotFound, "{e}");
    let mut deleted = deleted;
    assert!(deleted.wait().expect("left to its owner").success());
}

/// C4: SIGCHLD, installed with SA_RESTART, does not fail other threads'
/// blocking reads with EINTR while the loop reaps many children.
// The loop reaps the children: clippy cannot see it.
#[allow(clippy::zombie_processes)]
pub(crate) fn c4_sigchld_does_not_interrupt_other_threads_reads<P: Poller>(_fork: Fork) {
    let _lock = exclusive();
    let mut el: EventLoop<P, Ends> = new_loop();
    let mut writers = Vec::new();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (mut r, w) = UnixStream::pair().expect("pair");
            writers.push(w);
            thread::spawn(move || {
                let mut buf = [0u8; 1];
                r.read(&mut buf).map(|n| (n, buf[0]))
            })
        })
        .collect();
    for _ in 0..20 {
        el.spawn(&mut sh("exit 0"), |_, ends: &mut Ends, pid, s| {
            ends.push((pid, s))
        })
        .expect("spawn");
    }
    let mut ends = Ends::new();
    run_until_ended(&mut el, &mut ends, 20);
    assert!(ends.iter().all(|e| e.1.as_ref().is_ok_and(|s| s.success())));
    for mut w in writers {
        w.write_all(b"k").expect("write");
    }
    for r in readers {
        let read = r.join().expect("reader");
        assert_eq!(read.expect("a blocking read was interrupted"), (1, b'k'));
    }
}
