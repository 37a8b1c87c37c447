//! Signal events (S1-S7).
//!
//! The cases share the process's signal dispositions, so they hold one lock
//! while they run. They send only signals a loop of the case has registered
//! (SIGUSR2, whose default would end the test process, and SIGTERM in a
//! child process), with `raise` or `pthread_kill`, which deliver before they
//! return, and never to the whole process: a process-directed signal may
//! interrupt another case's poll, which that case does not expect.

use std::io;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::pthread::{pthread_kill, pthread_self};
use nix::sys::signal::{raise, Signal};

use super::processes::Fork;
use super::{after, err_kind, guard, new_loop, poll_block, poll_now, GUARD};
use ae_core::{EventLoop, Poller};

const USR2: i32 = Signal::SIGUSR2 as i32;
const TERM: i32 = Signal::SIGTERM as i32;

static SIGNALS: Mutex<()> = Mutex::new(());

/// Serialises the signal cases.
pub(super) fn exclusive() -> MutexGuard<'static, ()> {
    SIGNALS.lock().unwrap_or_else(PoisonError::into_inner)
}

type Runs = Vec<(i32, thread::ThreadId)>;

/// Registers a handler for `signo` that logs the signal and its thread.
fn log_signal<P: Poller>(el: &mut EventLoop<P, Runs>, signo: i32) {
    el.create_signal_event(signo, |_, runs: &mut Runs, signo| {
        runs.push((signo, thread::current().id()))
    })
    .expect("create_signal_event");
}

/// S1: a signal sent from another thread wakes a loop blocked with nothing
/// else to wait for (no timer), and its handler runs in the loop's thread
/// with the loop, the state and the signal number; also when the signal is
/// delivered to another thread of the process.
pub(crate) fn s1_signal_wakes_blocked_loop_and_runs_in_its_thread<P: Poller>() {
    let _lock = exclusive();
    let mut el: EventLoop<P, Runs> = new_loop();
    log_signal(&mut el, USR2);
    let me = thread::current().id();
    let mut runs = Runs::new();
    // From another thread to the loop's thread.
    let target = pthread_self();
    let _send = after(Duration::from_millis(50), move || {
        pthread_kill(target, Signal::SIGUSR2).expect("pthread_kill")
    });
    let start = Instant::now();
    assert_eq!(poll_block(&mut el, &mut runs), 1);
    assert!(start.elapsed() < GUARD, "woken by the signal");
    assert_eq!(runs, [(USR2, me)]);
    // Directed at, and delivered to, another thread.
    let _send = after(Duration::from_millis(20), || {
        raise(Signal::SIGUSR2).expect("raise")
    });
    assert_eq!(poll_block(&mut el, &mut runs), 1);
    assert_eq!(runs, [(USR2, me), (USR2, me)]);
}

/// S2: signals that arrive before the handler runs may coalesce, but one
/// arriving after the handler's last run started always causes one more run.
pub(crate) fn s2_burst_may_coalesce_but_a_later_signal_runs_again<P: Poller>() {
    let _lock = exclusive();
    let mut el: EventLoop<P, u32> = new_loop();
    let _guard = guard(&mut el);
    el.create_signal_event(USR2, |_, n: &mut u32, _| {
        *n += 1;
        if *n == 2 {
            // Arrives while the handler runs: must run it once more.
            raise(Signal::SIGUSR2).expect("raise");
        }
    })
    .expect("create_signal_event");
    for _ in 0..5 {
        raise(Signal::SIGUSR2).expect("raise");
    }
    let mut n = 0;
    assert_eq!(
        poll_now(&mut el, &mut n),
        1,
        "a burst runs the handler once"
    );
    assert_eq!(n, 1);
    assert_eq!(poll_now(&mut el, &mut n), 0, "nothing left");
    raise(Signal::SIGUSR2).expect("raise");
    assert_eq!(poll_block(&mut el, &mut n), 1);
    assert_eq!(n, 2);
    assert_eq!(
        poll_block(&mut el, &mut n),
        1,
        "the signal sent during the run"
    );
    assert_eq!(n, 3);
    assert_eq!(poll_now(&mut el, &mut n), 0);
}

/// S3: SIGKILL, SIGSTOP, the signals no handler may return from (SIGILL,
/// SIGFPE, SIGSEGV) and numbers that are no signal are InvalidInput; nothing
/// is registered.
pub(crate) fn s3_uncatchable_and_invalid_signals_are_invalid_input<P: Poller>() {
    let mut el: EventLoop<P, ()> = new_loop();
    for signo in [
        Signal::SIGKILL as i32,
        Signal::SIGSTOP as i32,
        Signal::SIGILL as i32,
        Signal::SIGFPE as i32,
        Signal::SIGSEGV as i32,
        0,
        -1,
        65,
        1000,
    ] {
        let r = el.create_signal_event(signo, |_, _, _| {});
        assert_eq!(err_kind(r), io::ErrorKind::InvalidInput, "signal {signo}");
        assert_eq!(
            err_kind(el.delete_signal_event(signo)),
            io::ErrorKind::NotFound
        );
    }
}

/// S4: registering a signal the loop has again replaces its handler: one
/// signal runs the new handler, once.
pub(crate) fn s4_registering_twice_replaces_the_handler<P: Poller>() {
    let _lock = exclusive();
    let mut el: EventLoop<P, Vec<&'static str>> = new_loop();
    let _guard = guard(&mut el);
    el.create_signal_event(USR2, |_, log: &mut Vec<&str>, _| log.push("first"))
        .expect("create_signal_event");
    el.create_signal_event(USR2, |_, log: &mut Vec<&str>, _| log.push("second"))
        .expect("create_signal_event again");
    raise(Signal::SIGUSR2).expect("raise");
    let mut log = Vec::new();
    assert_eq!(poll_block(&mut el, &mut log), 1);
    assert_eq!(poll_now(&mut el, &mut log), 0);
    assert_eq!(log, ["second"]);
    el.delete_signal_event(USR2).expect("delete");
    assert_eq!(
        err_kind(el.delete_signal_event(USR2)),
        io::ErrorKind::NotFound
    );
}

/// S5: every loop that registers a signal gets it: one signal runs the
/// handler of a loop in another thread and of this one. S6: after one loop
/// deletes it, only the other runs.
pub(crate) fn s5_s6_every_loop_with_the_signal_runs_its_handler_until_deleted<P: Poller>() {
    let _lock = exclusive();
    let mut el: EventLoop<P, Runs> = new_loop();
    let _guard = guard(&mut el);
    log_signal(&mut el, USR2);
    let (ready_tx, ready) = mpsc::channel();
    let (go, go_rx) = mpsc::channel::<()>();
    let (done_tx, done) = mpsc::channel();
    let other = thread::spawn(move || {
        let mut el: EventLoop<P, Runs> = new_loop();
        let _guard = guard(&mut el);
        log_signal(&mut el, USR2);
        ready_tx.send(()).expect("ready");
        let mut runs = Runs::new();
        for _ in 0..2 {
            go_rx.recv().expect("go");
            poll_block(&mut el, &mut runs);
            done_tx.send(runs.len()).expect("done");
        }
    });
    ready.recv().expect("the other loop registered");
    let mut runs = Runs::new();
    go.send(()).expect("go");
    raise(Signal::SIGUSR2).expect("raise");
    assert_eq!(poll_block(&mut el, &mut runs), 1);
    assert_eq!(done.recv_timeout(GUARD), Ok(1), "the other loop ran it");
    // S6: deleted here, still handled there.
    el.delete_signal_event(USR2).expect("delete");
    go.send(()).expect("go");
    raise(Signal::SIGUSR2).expect("raise");
    assert_eq!(done.recv_timeout(GUARD), Ok(2), "the other loop ran it");
    assert_eq!(poll_now(&mut el, &mut runs), 0, "deleted here");
    assert_eq!(runs.len(), 1);
    other.join().expect("the other loop's thread");
}

/// The environment variable that makes a test process the child of
/// `s1_signal_sent_by_another_process_runs_the_handler`: the pid to signal.
const SENDER: &str = "AE_TESTKIT_SIGNAL_SENDER";

/// Runs this test binary again, on the current case only, with `env` set;
/// the child is killed if it has not ended after [`GUARD`].
fn run_child(env: (&str, &str)) -> std::process::ExitStatus {
    let test = thread::current().name().unwrap_or_default().to_owned();
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = Command::new(exe)
        .args([test.as_str(), "--exact", "--test-threads=1", "--nocapture"])
        .env(env.0, env.1)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the test binary");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if start.elapsed() > GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{env:?}: the child did not end");
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// S1: a signal sent by another process (to the whole process, so the
/// kernel picks the thread) runs the handler in the loop's thread. Starts a
/// child process, so it is one of the own-process cases.
pub(crate) fn s1_signal_sent_by_another_process_runs_the_handler<P: Poller>(_fork: Fork) {
    if let Ok(pid) = std::env::var(SENDER) {
        let pid = nix::unistd::Pid::from_raw(pid.parse().expect("a pid"));
        nix::sys::signal::kill(pid, Signal::SIGUSR2).expect("kill");
        std::process::exit(0);
    }
    let _lock = exclusive();
    let mut el: EventLoop<P, Runs> = new_loop();
    let _guard = guard(&mut el);
    log_signal(&mut el, USR2);
    let pid = std::process::id().to_string();
    let status = run_child((SENDER, &pid));
    assert!(status.success(), "the sender failed: {status:?}");
    let mut runs = Runs::new();
    let start = Instant::now();
    while runs.is_empty() {
        assert!(start.elapsed() < GUARD, "the signal never ran the handler");
        poll_block(&mut el, &mut runs);
    }
    assert_eq!(runs, [(USR2, thread::current().id())]);
}

/// The environment variable that makes a test process the child of S7.
const CHILD: &str = "AE_TESTKIT_SIGNAL_CHILD";

/// S7's child: handles SIGTERM, then deletes it (or drops the loop) and
/// raises it again, which must end the process as SIGTERM's default does.
fn s7_child<P: Poller>(how: &str) -> ! {
    let mut el: EventLoop<P, u32> = new_loop();
    el.create_signal_event(TERM, |_, n: &mut u32, _| *n += 1)
        .expect("create_signal_event");
    raise(Signal::SIGTERM).expect("raise");
    let mut n = 0;
    poll_now(&mut el, &mut n);
    if n != 1 {
        std::process::exit(3);
    }
    match how {
        "delete" => el.delete_signal_event(TERM).expect("delete"),
        _ => drop(el),
    }
    raise(Signal::SIGTERM).expect("raise");
    // Still alive: the default disposition was not restored.
    std::process::exit(4);
}

/// S7: deleting a signal event, and dropping the loop, restore the previous
/// disposition: here SIGTERM's default, which ends the process. Checked in a
/// child process (this test binary, running only this case). Linux only,
/// where the previous disposition can be read without unsafe code.
pub(crate) fn s7_delete_and_drop_restore_the_default_disposition<P: Poller>(_fork: Fork) {
    if let Ok(how) = std::env::var(CHILD) {
        s7_child::<P>(&how);
    }
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        eprintln!("s7: skipped: the previous disposition is known on Linux only");
        return;
    }
    use std::os::unix::process::ExitStatusExt;
    for how in ["delete", "drop"] {
        let status = run_child((CHILD, how));
        assert_eq!(status.signal(), Some(TERM), "{how}: {status:?}");
    }
}
