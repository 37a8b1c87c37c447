//! Rescheduling timers (T12) and the order of timers due together (T13).

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{err_kind, guard, new_loop, now_flags, poll_now, run_until, Log, HOUR, ZERO};
use ae_core::{EventLoop, Poller, TimerAction};

/// T12: reschedule moves a live timer's deadline to now + delay, earlier or
/// later, never firing early; a fired, deleted or unknown id is NotFound.
pub(crate) fn t12_reschedule_moves_the_deadline_and_unknown_is_not_found<P: Poller>() {
    let mut el: EventLoop<P, Log> = new_loop();
    let _guard = guard(&mut el);
    let soon = el.create_time_event(Duration::from_millis(5), |_, log: &mut Log, _| {
        log.push("soon");
        TimerAction::NoMore
    });
    let late = el.create_time_event(HOUR, |_, log: &mut Log, _| {
        log.push("late");
        TimerAction::NoMore
    });
    let mut log = Log::new();
    poll_now(&mut el, &mut log);
    // Later, then earlier: `soon` waits an hour, `late` comes in 30 ms.
    el.reschedule_time_event(soon, HOUR)
        .expect("reschedule a live timer");
    let delay = Duration::from_millis(30);
    let start = Instant::now();
    el.reschedule_time_event(late, delay)
        .expect("reschedule a live timer");
    run_until(&mut el, &mut log, |log| !log.is_empty());
    assert!(start.elapsed() >= delay, "never early");
    assert_eq!(log, ["late"]);
    assert_eq!(
        err_kind(el.reschedule_time_event(late, ZERO)),
        io::ErrorKind::NotFound,
        "fired with NoMore"
    );
    el.delete_time_event(soon).expect("delete");
    assert_eq!(
        err_kind(el.reschedule_time_event(soon, ZERO)),
        io::ErrorKind::NotFound,
        "deleted"
    );
}

/// T12: inside its own callback, reschedule sets the delay the timer
/// repeats with, in place of Repeat's; NoMore still removes it (its
/// finalizer runs). A timer deleted in its callback cannot be rescheduled.
pub(crate) fn t12_reschedule_in_own_callback_replaces_the_repeat_delay<P: Poller>() {
    let mut el: EventLoop<P, u32> = new_loop();
    let _guard = guard(&mut el);
    let id = el.create_time_event(ZERO, |el, n: &mut u32, id| {
        *n += 1;
        el.reschedule_time_event(id, HOUR)
            .expect("reschedule itself");
        TimerAction::Repeat(ZERO)
    });
    let mut n = 0;
    for _ in 0..3 {
        poll_now(&mut el, &mut n);
    }
    assert_eq!(n, 1, "repeats after an hour, not at once");
    el.delete_time_event(id).expect("still live");

    let finalized = Rc::new(Cell::new(0));
    let f = finalized.clone();
    el.create_time_event_with_finalizer(
        ZERO,
        |el, n: &mut u32, id| {
            *n += 1;
            el.reschedule_time_event(id, ZERO)
                .expect("reschedule itself");
            TimerAction::NoMore
        },
        move |_| f.set(f.get() + 1),
    );
    el.create_time_event(ZERO, |el, n: &mut u32, id| {
        *n += 1;
        el.delete_time_event(id).expect("delete itself");
        assert_eq!(
            err_kind(el.reschedule_time_event(id, ZERO)),
            io::ErrorKind::NotFound
        );
        TimerAction::Repeat(ZERO)
    });
    let mut n = 0;
    for _ in 0..3 {
        poll_now(&mut el, &mut n);
    }
    assert_eq!(n, 2, "each ran once");
    assert_eq!(finalized.get(), 1);
}

/// T12: rescheduling live timers allocates nothing (the pending list and
/// the heap keep their room).
pub(crate) fn t12_reschedule_does_not_allocate<P: Poller>() {
    let mut el: EventLoop<P, ()> = new_loop();
    let ids: Vec<_> = (0..1000)
        .map(|_| el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore))
        .collect();
    let round = |el: &mut EventLoop<P, ()>| {
        for &id in &ids {
            el.reschedule_time_event(id, HOUR).expect("reschedule");
        }
        el.process_events(now_flags(), &mut ())
            .expect("process_events");
    };
    round(&mut el);
    let info = allocation_counter::measure(|| {
        for _ in 0..10 {
            round(&mut el);
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
}

/// T13: timers due at the same instant run in creation order, also when
/// created latest-deadline-first around them and when one was rescheduled.
pub(crate) fn t13_ties_fire_in_creation_order<P: Poller>() {
    let mut el: EventLoop<P, Vec<usize>> = new_loop();
    let _guard = guard(&mut el);
    let delay = Duration::from_millis(10);
    // Created in one go, so anchored at one reading of the clock: one
    // deadline for all.
    let ids: Vec<_> = (0..8)
        .map(|i| {
            el.create_time_event(delay, move |_, log: &mut Vec<usize>, _| {
                log.push(i);
                TimerAction::NoMore
            })
        })
        .collect();
    el.reschedule_time_event(ids[0], delay).expect("reschedule");
    let mut log = Vec::new();
    run_until(&mut el, &mut log, |log| log.len() == 8);
    assert_eq!(log, (0..8).collect::<Vec<_>>());
}
