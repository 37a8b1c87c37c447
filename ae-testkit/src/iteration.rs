//! What a library or an outer loop needs of an iteration (I8-I11): several
//! hooks, a bounded sleep, the loop's pollable fd, and async events.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use super::{
    after, count_reads, fd, guard, new_loop, pair, poll_block, poll_now, Log, GUARD, HOUR, R,
};
use ae_core::{wait, EventLoop, Flags, HookId, Mask, Poller, TimerAction};

/// I8: hooks added beside one another run in the order they were added,
/// each once per iteration; one deletes by its id (itself included);
/// `set_before_sleep` replaces them all; an unknown id is NotFound.
pub(crate) fn i8_several_hooks_run_in_order_and_are_deleted_by_id<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let flags = Flags::ALL_EVENTS | Flags::DONT_WAIT | Flags::CALL_BEFORE_SLEEP;
    let (_a, _wa) = pair(); // an fd, so the iteration polls and runs hooks
    el.create_file_event(fd(&_a), R, |_, _, _, _| {})
        .expect("register");
    let lib = el.add_before_sleep(|_, log: &mut Log| log.push("library"));
    let own = std::rc::Rc::new(std::cell::Cell::new(None::<HookId>));
    let me = own.clone();
    let once = el.add_before_sleep(move |el, log: &mut Log| {
        log.push("once");
        el.delete_hook(me.get().expect("id set"))
            .expect("deletes itself");
    });
    own.set(Some(once));
    el.add_before_sleep(|_, log: &mut Log| log.push("program"));
    el.add_after_sleep(|_, log: &mut Log| log.push("after"));
    let mut log = Log::new();
    el.process_events(flags | Flags::CALL_AFTER_SLEEP, &mut log)
        .expect("process");
    assert_eq!(log, ["library", "once", "program", "after"]);
    log.clear();
    el.process_events(flags, &mut log).expect("process");
    assert_eq!(log, ["library", "program"], "the self-deleted hook is gone");
    el.delete_hook(lib).expect("delete");
    assert_eq!(
        el.delete_hook(lib).unwrap_err().kind(),
        io::ErrorKind::NotFound
    );
    log.clear();
    el.process_events(flags, &mut log).expect("process");
    assert_eq!(log, ["program"]);
    el.set_before_sleep(|_, log: &mut Log| log.push("only"));
    log.clear();
    el.process_events(flags, &mut log).expect("process");
    assert_eq!(log, ["only"]);
}

/// I9: `process_events_timeout` sleeps at most its timeout, also with no
/// fd and no timer, and returns at once for a ready fd; `next_timer_in`
/// is the time to the earliest timer, `None` with none.
pub(crate) fn i9_process_events_timeout_bounds_the_sleep<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let mut n = 0;
    assert_eq!(el.next_timer_in(), None);
    let ms20 = Duration::from_millis(20);
    let start = Instant::now();
    assert_eq!(el.process_events_timeout(Some(ms20), &mut n).expect("p"), 0);
    let slept = start.elapsed();
    assert!(
        slept >= ms20 && slept < GUARD,
        "slept {slept:?} with nothing"
    );

    el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore);
    let due = el.next_timer_in().expect("a timer");
    assert!(due <= HOUR && due > HOUR - GUARD, "{due:?}");
    let start = Instant::now();
    assert_eq!(el.process_events_timeout(Some(ms20), &mut n).expect("p"), 0);
    let slept = start.elapsed();
    assert!(
        slept >= ms20 && slept < GUARD,
        "the hour-long timer did not hold it: {slept:?}"
    );

    let (a, mut wa) = pair();
    wa.write_all(b"x").expect("write");
    el.create_file_event(&a, R, |_, n: &mut u32, _, _| *n += 1)
        .expect("register");
    let start = Instant::now();
    assert_eq!(el.process_events_timeout(Some(HOUR), &mut n).expect("p"), 1);
    assert!(start.elapsed() < GUARD);
    assert_eq!(n, 1);
}

/// I10: the loop's pollable fd, where the backend has one, is readable
/// exactly while a registered fd is ready, so an outer loop can watch it.
pub(crate) fn i10_poll_fd_is_readable_while_events_are_pending<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let (a, mut wa) = pair();
    count_reads(&mut el, &a);
    let now = Some(Duration::ZERO);
    let Some(outer) = el.poll_fd().map(|f| f.try_clone_to_owned().expect("dup")) else {
        return; // select and poll have none
    };
    assert_eq!(wait(&outer, Mask::READABLE, now).expect("wait"), Mask::NONE);
    wa.write_all(b"x").expect("write");
    let t = Some(GUARD);
    assert_eq!(
        wait(&outer, Mask::READABLE, t).expect("wait"),
        Mask::READABLE
    );
    let mut n = 0;
    assert_eq!(
        el.process_events_timeout(Some(Duration::ZERO), &mut n)
            .expect("p"),
        1
    );
    assert_eq!(wait(&outer, Mask::READABLE, now).expect("wait"), Mask::NONE);
}

/// I11: an async event's handler runs in the loop's thread after a send
/// from another thread, which wakes a blocked loop; sends before it runs
/// coalesce into one run; a send after runs it again; other async events
/// do not run; a deleted one's sends do nothing.
pub(crate) fn i11_async_events_run_in_the_loop_thread_and_coalesce<P: Poller>() {
    type Runs = Vec<(&'static str, thread::ThreadId)>;
    let mut el: EventLoop<P, Runs> = new_loop();
    let _guard = guard(&mut el);
    let (one, h1) = el
        .create_async(|_, runs: &mut Runs| runs.push(("one", thread::current().id())))
        .expect("create");
    let (_two, _h2) = el
        .create_async(|_, runs: &mut Runs| runs.push(("two", thread::current().id())))
        .expect("create");
    let me = thread::current().id();
    let sent = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    let counter = sent.clone();
    let h = h1.clone();
    let _sender = after(Duration::from_millis(20), move || {
        for _ in 0..100 {
            h.send().expect("send");
            counter.fetch_add(1, Ordering::SeqCst);
        }
        tx.send(()).expect("done");
    });
    rx.recv_timeout(GUARD).expect("the sender finished");
    let mut runs = Runs::new();
    assert_eq!(poll_block(&mut el, &mut runs), 1, "the waker's handler");
    assert_eq!(
        runs,
        [("one", me)],
        "100 sends, one run, in the loop's thread"
    );
    assert_eq!(poll_now(&mut el, &mut runs), 0, "nothing pending");

    // A blocked loop is woken by a send.
    let h = h1.clone();
    let _wake = after(Duration::from_millis(20), move || h.send().expect("send"));
    let start = Instant::now();
    poll_block(&mut el, &mut runs);
    assert!(start.elapsed() < GUARD);
    assert_eq!(runs.len(), 2);

    el.delete_async(one).expect("delete");
    assert_eq!(
        el.delete_async(one).unwrap_err().kind(),
        io::ErrorKind::NotFound
    );
    h1.send().expect("a send to a deleted event is no error");
    poll_now(&mut el, &mut runs);
    assert_eq!(runs.len(), 2, "deleted: not run");
    assert_eq!(sent.load(Ordering::SeqCst), 100);
}
