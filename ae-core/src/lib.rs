//! The event loop of Redis (`ae.c`) in Rust, generic over a [`Poller`].
//!
//! A loop multiplexes *file events* (an fd becomes readable or writable) and
//! *time events* (a deadline passes) onto handlers, one thread, no locks. As
//! in ae.c, file events live in a table indexed by fd, so lookups are O(1),
//! and a backend ([`Poller`]) hides the kernel interface: `ae-epoll`,
//! `ae-select` and `ae-kqueue` are the crates that provide one.
//!
//! Handlers receive the loop and the caller's state as `&mut`, from the
//! [`EventLoop::process_events`] or [`EventLoop::run`] call that dispatches
//! them, so a server keeps its state in a plain struct:
//!
//! ```ignore
//! // With a backend crate: `use ae_epoll::Epoll;`
//! struct Server { ticks: u32 }
//! let mut el: EventLoop<Epoll, Server> = EventLoop::new(1024)?;
//! el.create_time_event(Duration::from_millis(100), |el, server, _id| {
//!     server.ticks += 1;
//!     if server.ticks == 3 { el.stop(); }
//!     TimerAction::Repeat(Duration::from_millis(100))
//! });
//! el.run(&mut Server { ticks: 0 })?;
//! ```
//! (The README and each backend crate carry this example as a compiled test.)
//!
//! What differs from ae.c, on purpose: negative fds are refused, poll
//! failures are returned rather than aborting, an fd closed and reused within
//! one iteration never sees its predecessor's readiness, timers live in
//! libev's 4-ary heap (the earliest in O(1), delete and
//! [`reschedule`](EventLoop::reschedule_time_event) in O(log n)), delays are
//! [`Duration`]s on the monotonic clock without overflow, a [`Waker`] wakes
//! the loop from any thread, signals are events
//! ([`create_signal_event`](EventLoop::create_signal_event)), and a panic in
//! user code leaves the loop consistent. The
//! repository's `docs/semantics.md` specifies the behaviour case by case,
//! with the ae.c difference and the tests of each case.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod mask;
mod poller;
mod signal;
#[cfg(feature = "testkit")]
pub mod testkit;
mod timer;
mod waker;

use std::any::Any;
use std::cell::RefCell;
use std::io;
use std::mem;
use std::os::fd::RawFd;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

pub use mask::{Flags, Mask};
pub use poller::{timeout_millis, Fired, Poller};
pub use timer::{TimerAction, TimerId};
pub use waker::{wait, Waker};

use timer::{Outcome, Timers};

/// A file handler is boxed: a closure that captures nothing (a function
/// registered for many fds, as the demo does for its clients) is then
/// stored without allocating.
type FileProc<P, S> = Box<dyn FnMut(&mut EventLoop<P, S>, &mut S, RawFd, Mask)>;
type TimeProc<P, S> = Box<dyn FnMut(&mut EventLoop<P, S>, &mut S, TimerId) -> TimerAction>;
type Hook<P, S> = Rc<RefCell<dyn FnMut(&mut EventLoop<P, S>, &mut S)>>;
/// A caught panic, resumed once the loop is consistent again.
type Panic = Box<dyn Any + Send>;

/// One handler place of a [`FileEvent`].
enum Handler<P: Poller, S> {
    None,
    Ready(FileProc<P, S>),
    /// Dispatch holds the handler while it runs: a handler may delete or
    /// replace itself, and a re-entrant `process_events` skips it.
    Running,
    /// Write only: the read handler, registered for READABLE | WRITABLE in
    /// one call, serves both and runs once per iteration (D3).
    SameAsRead,
}

/// Which place of a [`FileEvent`] a handler is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Read,
    Write,
}

/// One slot of the fd-indexed table (ae.h's `aeFileEvent`).
struct FileEvent<P: Poller, S> {
    mask: Mask,
    read: Handler<P, S>,
    write: Handler<P, S>,
    /// A stamp taken when the fd goes from no events to some, so readiness
    /// polled for an earlier registration of the same fd number is
    /// recognised as stale (D6).
    generation: u64,
}

impl<P: Poller, S> FileEvent<P, S> {
    const EMPTY: Self = FileEvent {
        mask: Mask::NONE,
        read: Handler::None,
        write: Handler::None,
        generation: 0,
    };

    /// Where the handler for `bit` is.
    fn place(&self, bit: Mask) -> Place {
        if bit == Mask::READABLE || matches!(self.write, Handler::SameAsRead) {
            Place::Read
        } else {
            Place::Write
        }
    }

    fn at(&mut self, place: Place) -> &mut Handler<P, S> {
        match place {
            Place::Read => &mut self.read,
            Place::Write => &mut self.write,
        }
    }

    /// Puts back a handler taken from `place` (`shared`: serving both bits)
    /// if its registration still holds; returns where it went.
    fn restore(&mut self, place: Place, shared: bool, proc: FileProc<P, S>) -> Option<Place> {
        // Deleting READABLE from a shared handler moves it to the write place.
        let to = if matches!(self.at(place), Handler::Running) {
            place
        } else if shared && matches!(self.write, Handler::Running) {
            Place::Write
        } else {
            return None;
        };
        *self.at(to) = Handler::Ready(proc);
        Some(to)
    }
}

/// The event loop (ae.h's `aeEventLoop`), over backend `P`, dispatching
/// handlers with the caller's state `S`.
pub struct EventLoop<P: Poller, S = ()> {
    events: Vec<FileEvent<P, S>>,
    /// How many fds have events. ae.c tracks the highest fd instead and
    /// rescans down from it when that one is deleted, which costs O(fds) per
    /// delete when one high fd comes and goes; the highest is only needed by
    /// `resize`, which finds it then.
    registered: usize,
    next_generation: u64,
    /// Reused every iteration: steady state allocates nothing.
    fired: Vec<Fired>,
    timers: Timers<TimeProc<P, S>>,
    signals: signal::Signals<P, S>,
    stop: bool,
    dont_wait: bool,
    before_sleep: Option<Hook<P, S>>,
    after_sleep: Option<Hook<P, S>>,
    waker: Option<Waker>,
    poller: P,
}

fn no_timer(id: TimerId) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no timer with id {}", id.get()),
    )
}

fn invalid_input(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Fds are `i32`, so a set size past `i32::MAX + 1` cannot be used.
fn check_set_size(set_size: usize) -> io::Result<()> {
    if set_size > i32::MAX as usize + 1 {
        return Err(invalid_input(format!(
            "set size {set_size} exceeds the fd range"
        )));
    }
    Ok(())
}

fn fresh_table<P: Poller, S>(set_size: usize) -> io::Result<Vec<FileEvent<P, S>>> {
    let mut events = Vec::new();
    events
        .try_reserve_exact(set_size)
        .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
    events.resize_with(set_size, || FileEvent::EMPTY);
    Ok(events)
}

impl<P: Poller, S> EventLoop<P, S> {
    /// Creates a loop for fds in `0..set_size` (`aeCreateEventLoop`).
    pub fn new(set_size: usize) -> io::Result<Self> {
        Self::with_poller(set_size, P::new)
    }

    /// Creates a loop whose backend `create` builds for `set_size`, for a
    /// backend that takes more than a set size to create, such as one
    /// chosen at run time:
    ///
    /// ```ignore
    /// let el = EventLoop::<AnyPoller, ()>::with_poller(1024, |n| AnyPoller::with_backend(Backend::Select, n))?;
    /// ```
    /// (`ae::Backend::event_loop` does this.)
    pub fn with_poller<F>(set_size: usize, create: F) -> io::Result<Self>
    where
        F: FnOnce(usize) -> io::Result<P>,
    {
        check_set_size(set_size)?;
        let events = fresh_table(set_size)?;
        Ok(EventLoop {
            events,
            registered: 0,
            next_generation: 1,
            fired: Vec::new(),
            timers: Timers::new(),
            signals: signal::Signals::new(),
            stop: false,
            dont_wait: false,
            before_sleep: None,
            after_sleep: None,
            waker: None,
            poller: create(set_size)?,
        })
    }

    /// How many fds the loop can hold: fds `0..set_size()` (`aeGetSetSize`).
    pub fn set_size(&self) -> usize {
        self.events.len()
    }

    /// The backend's name, e.g. `"epoll"` (`aeGetApiName`).
    pub fn name(&self) -> &'static str {
        self.poller.name()
    }

    /// Changes the set size (`aeResizeSetSize`). Fails, changing nothing,
    /// when a registered fd would not fit or the backend cannot hold the
    /// size (select: above `FD_SETSIZE`). New slots start empty.
    pub fn resize(&mut self, set_size: usize) -> io::Result<()> {
        if set_size == self.events.len() {
            return Ok(());
        }
        if let Some(highest) = self.highest_fd() {
            if set_size <= highest {
                return Err(invalid_input(format!(
                    "cannot resize to {set_size}: fd {highest} is registered"
                )));
            }
        }
        check_set_size(set_size)?;
        if let Some(more) = set_size.checked_sub(self.events.len()) {
            self.events
                .try_reserve_exact(more)
                .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        }
        self.poller.resize(set_size)?;
        self.events.resize_with(set_size, || FileEvent::EMPTY);
        Ok(())
    }

    fn index(&self, fd: RawFd) -> io::Result<usize> {
        match usize::try_from(fd) {
            Ok(i) if i < self.events.len() => Ok(i),
            Ok(_) => Err(invalid_input(format!(
                "fd {fd} is out of range: the loop's set size is {}",
                self.events.len()
            ))),
            Err(_) => Err(invalid_input(format!("fd {fd} is negative"))),
        }
    }

    /// Registers `proc` for `mask` on `fd` (`aeCreateFileEvent`).
    ///
    /// The mask adds to what `fd` already has: READABLE then WRITABLE leaves
    /// both, each with its own handler. One call with READABLE | WRITABLE
    /// registers one handler for both, which then runs once per iteration
    /// with the fired mask. Add [`Mask::BARRIER`] to run the write handler
    /// before the read one. On error (fd out of range or negative, no
    /// READABLE/WRITABLE in `mask`, the kernel refusing) nothing changes.
    pub fn create_file_event<F>(&mut self, fd: RawFd, mask: Mask, proc: F) -> io::Result<()>
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S, RawFd, Mask) + 'static,
    {
        let i = self.index(fd)?;
        if !mask.intersects(Mask::READ_WRITE) {
            return Err(invalid_input(format!(
                "mask {mask:?} has neither READABLE nor WRITABLE"
            )));
        }
        let old = self.events[i].mask & Mask::READ_WRITE;
        let added = (mask & Mask::READ_WRITE) - old;
        if !added.is_empty() {
            self.poller.add(fd, old, added)?;
        }
        let proc: FileProc<P, S> = Box::new(proc);
        let fe = &mut self.events[i];
        if old.is_empty() {
            fe.generation = self.next_generation;
            self.next_generation += 1;
            self.registered += 1;
        }
        match (mask.contains(Mask::READABLE), mask.contains(Mask::WRITABLE)) {
            (true, true) => {
                fe.read = Handler::Ready(proc);
                fe.write = Handler::SameAsRead;
            }
            (true, false) => {
                // The write side keeps the handler it shared with the read side.
                if matches!(fe.write, Handler::SameAsRead) {
                    fe.write = mem::replace(&mut fe.read, Handler::None);
                }
                fe.read = Handler::Ready(proc);
            }
            _ => fe.write = Handler::Ready(proc),
        }
        fe.mask |= mask;
        Ok(())
    }

    /// Removes `mask` from `fd`'s events (`aeDeleteFileEvent`). Removing
    /// WRITABLE also removes BARRIER. Removing what is not registered, or an
    /// fd out of range, does nothing.
    pub fn delete_file_event(&mut self, fd: RawFd, mut mask: Mask) {
        let Ok(i) = self.index(fd) else { return };
        if mask.contains(Mask::WRITABLE) {
            mask |= Mask::BARRIER;
        }
        let old = self.events[i].mask & Mask::READ_WRITE;
        let removed = old & mask;
        if !removed.is_empty() {
            self.poller.remove(fd, old, removed);
        }
        let fe = &mut self.events[i];
        fe.mask = fe.mask - mask;
        if mask.contains(Mask::READABLE) {
            let read = mem::replace(&mut fe.read, Handler::None);
            if matches!(fe.write, Handler::SameAsRead) {
                fe.write = read;
            }
        }
        if mask.contains(Mask::WRITABLE) {
            fe.write = Handler::None;
        }
        if !old.is_empty() && !fe.mask.intersects(Mask::READ_WRITE) {
            fe.mask = Mask::NONE;
            self.registered -= 1;
        }
    }

    /// The highest fd with events (ae.c's `maxfd`), found by scanning down.
    fn highest_fd(&self) -> Option<usize> {
        self.events.iter().rposition(|fe| !fe.mask.is_empty())
    }

    /// The events registered on `fd`; [`Mask::NONE`] when out of range
    /// (`aeGetFileEvents`).
    pub fn get_file_events(&self, fd: RawFd) -> Mask {
        self.index(fd).map_or(Mask::NONE, |i| self.events[i].mask)
    }

    /// Creates a timer that runs `proc` after `delay` (`aeCreateTimeEvent`).
    ///
    /// `proc` returns [`TimerAction::Repeat`] to run again, counted from its
    /// end, or [`TimerAction::NoMore`] to be removed. Delays of any length
    /// work; ids are never reused. Timers due at the same instant run in
    /// creation order.
    ///
    /// The delay counts from the loop's next reading of its clock, not from
    /// this call: from a handler, that is later in the same iteration (the
    /// timer pass); outside the loop, the next `process_events` call. So a
    /// timer never fires early (T2), and creating one reads no clock, which
    /// would cost more than the rest of creating and deleting it.
    pub fn create_time_event<F>(&mut self, delay: Duration, proc: F) -> TimerId
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S, TimerId) -> TimerAction + 'static,
    {
        self.timers.insert(delay, Box::new(proc), None)
    }

    /// As [`create_time_event`](Self::create_time_event), and runs
    /// `finalizer` exactly once when the timer is removed: by
    /// [`TimerAction::NoMore`], by [`delete_time_event`](Self::delete_time_event)
    /// or by dropping the loop (ae.c's `finalizerProc`).
    pub fn create_time_event_with_finalizer<F, G>(
        &mut self,
        delay: Duration,
        proc: F,
        finalizer: G,
    ) -> TimerId
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S, TimerId) -> TimerAction + 'static,
        G: FnOnce(TimerId) + 'static,
    {
        self.timers
            .insert(delay, Box::new(proc), Some(Box::new(finalizer)))
    }

    /// Deletes a timer (`aeDeleteTimeEvent`); its finalizer runs. A timer may
    /// delete itself from its own callback; its finalizer then runs when the
    /// callback returns. An unknown or already deleted id is an error of kind
    /// [`io::ErrorKind::NotFound`].
    pub fn delete_time_event(&mut self, id: TimerId) -> io::Result<()> {
        match self.timers.delete(id) {
            Err(()) => Err(no_timer(id)),
            Ok(finalizer) => {
                if let Some(f) = finalizer {
                    f(id);
                }
                Ok(())
            }
        }
    }

    /// Moves a live timer's deadline to `delay` from now (counted as for
    /// [`create_time_event`](Self::create_time_event)), in O(log n) and
    /// without allocating: an idle timeout pushed back on every read costs
    /// no delete and create. An unknown or deleted id is an error of kind
    /// [`io::ErrorKind::NotFound`].
    ///
    /// Inside the timer's own callback it sets the delay the timer repeats
    /// with, counted from the end of the callback, in place of the delay of
    /// [`TimerAction::Repeat`]; [`TimerAction::NoMore`] still removes the
    /// timer.
    pub fn reschedule_time_event(&mut self, id: TimerId, delay: Duration) -> io::Result<()> {
        if self.timers.reschedule(id, delay) {
            Ok(())
        } else {
            Err(no_timer(id))
        }
    }

    /// Sets the hook run before the loop sleeps in its poll, when
    /// [`Flags::CALL_BEFORE_SLEEP`] is given (`aeSetBeforeSleepProc`). It
    /// runs before the poll timeout is computed, so it may set
    /// [`set_dont_wait`](Self::set_dont_wait) for that very poll.
    pub fn set_before_sleep<F>(&mut self, hook: F)
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S) + 'static,
    {
        self.before_sleep = Some(Rc::new(RefCell::new(hook)));
    }

    /// Removes the before-sleep hook.
    pub fn clear_before_sleep(&mut self) {
        self.before_sleep = None;
    }

    /// Sets the hook run after every poll, also one that timed out, when
    /// [`Flags::CALL_AFTER_SLEEP`] is given (`aeSetAfterSleepProc`).
    pub fn set_after_sleep<F>(&mut self, hook: F)
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S) + 'static,
    {
        self.after_sleep = Some(Rc::new(RefCell::new(hook)));
    }

    /// Removes the after-sleep hook.
    pub fn clear_after_sleep(&mut self) {
        self.after_sleep = None;
    }

    /// Makes every poll non-blocking while set, as [`Flags::DONT_WAIT`] does
    /// for one call (`aeSetDontWait`).
    pub fn set_dont_wait(&mut self, dont_wait: bool) {
        self.dont_wait = dont_wait;
    }

    /// Makes [`run`](Self::run) return after the current iteration
    /// (`aeStop`).
    pub fn stop(&mut self) {
        self.stop = true;
    }

    /// A [`Waker`] for this loop, created and registered on first use (it
    /// takes one fd, which must fit the set size). Every call returns a
    /// handle to the same waker.
    pub fn waker(&mut self) -> io::Result<Waker> {
        if let Some(w) = &self.waker {
            return Ok(w.clone());
        }
        let waker = Waker::new()?;
        let drain = waker.clone();
        self.create_file_event(waker.read_fd(), Mask::READABLE, move |_, _, _, _| {
            drain.drain()
        })?;
        self.waker = Some(waker.clone());
        Ok(waker)
    }

    /// Runs the loop until [`stop`](Self::stop) (`aeMain`): each iteration
    /// processes all events and calls both hooks. Also returns when no file
    /// or time event is left, where ae.c would sleep forever. A poll failure
    /// other than an interruption is returned.
    pub fn run(&mut self, state: &mut S) -> io::Result<()> {
        self.stop = false;
        while !self.stop {
            self.process_events(
                Flags::ALL_EVENTS | Flags::CALL_BEFORE_SLEEP | Flags::CALL_AFTER_SLEEP,
                state,
            )?;
            if self.registered == 0 && self.timers.is_empty() {
                break;
            }
        }
        Ok(())
    }

    /// Runs one iteration (`aeProcessEvents`): the before-sleep hook, a poll
    /// (with a timeout that ends when the earliest timer is due, zero with
    /// [`Flags::DONT_WAIT`]), the after-sleep hook, the fired file handlers,
    /// then the due timers, as `flags` ask. Returns how many handlers and
    /// timer callbacks ran.
    ///
    /// An interrupted poll (`EINTR`) counts as no events; any other poll
    /// failure is returned, with the loop unchanged.
    pub fn process_events(&mut self, flags: Flags, state: &mut S) -> io::Result<usize> {
        if !flags.intersects(Flags::ALL_EVENTS) {
            return Ok(0);
        }
        let mut processed = 0;
        let dont_wait = self.dont_wait || flags.contains(Flags::DONT_WAIT);
        if self.registered > 0 || (flags.contains(Flags::TIME_EVENTS) && !dont_wait) {
            if flags.contains(Flags::CALL_BEFORE_SLEEP) {
                self.call_hook(self.before_sleep.clone(), state);
            }
            // Read again: the hook may have set dont-wait for this poll.
            let timeout = if self.dont_wait || flags.contains(Flags::DONT_WAIT) {
                Some(Duration::ZERO)
            } else if flags.contains(Flags::TIME_EVENTS) && !self.timers.is_empty() {
                let now = self.timers.now();
                self.timers
                    .earliest()
                    .map(|when| Timers::<TimeProc<P, S>>::until(now, when))
            } else {
                None
            };
            let mut fired = mem::take(&mut self.fired);
            fired.clear();
            // With no fd and no timer nothing could end an unbounded wait.
            if timeout.is_some() || self.registered > 0 {
                let mut result = self.poller.poll(timeout, &mut fired);
                if matches!(&result, Err(e) if e.kind() == io::ErrorKind::Interrupted) {
                    fired.clear();
                    // The signal may be one of the loop's: its byte is in the
                    // self-pipe now, so its handler runs in this iteration.
                    result = match self.signals.is_empty() {
                        true => Ok(()),
                        false => self.poller.poll(Some(Duration::ZERO), &mut fired),
                    };
                }
                match result {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => fired.clear(),
                    Err(e) => {
                        self.fired = fired;
                        return Err(e);
                    }
                }
            }
            if !flags.contains(Flags::FILE_EVENTS) {
                fired.clear();
            }
            let mut rebuild = self.poller.must_rebuild();
            for f in &mut fired {
                let fe = usize::try_from(f.fd).ok().and_then(|i| self.events.get(i));
                let (mask, generation) = fe.map_or((Mask::NONE, 0), |fe| (fe.mask, fe.generation));
                // No handler has run since the poll, so nothing was deleted
                // meanwhile: the kernel holds interest the loop lost.
                if !mask.intersects(Mask::READ_WRITE) {
                    rebuild |= self.poller.forget(f.fd);
                }
                f.mask = f.mask & mask & Mask::READ_WRITE;
                f.generation = generation;
            }
            if rebuild {
                let mut registered = self.events.iter().enumerate().filter_map(|(fd, fe)| {
                    let mask = fe.mask & Mask::READ_WRITE;
                    (!mask.is_empty()).then_some((fd as RawFd, mask))
                });
                if let Err(e) = self.poller.rebuild(&mut registered) {
                    self.fired = fired;
                    return Err(e);
                }
            }
            if flags.contains(Flags::CALL_AFTER_SLEEP) {
                self.call_hook(self.after_sleep.clone(), state);
            }
            for &f in &fired {
                match self.dispatch(f, state) {
                    Ok(n) => processed += n,
                    Err(p) => {
                        self.fired = fired;
                        panic::resume_unwind(p);
                    }
                }
            }
            self.fired = fired;
        }
        if flags.contains(Flags::TIME_EVENTS) && !self.timers.is_empty() {
            processed += self.process_time_events(state);
        }
        Ok(processed)
    }

    fn call_hook(&mut self, hook: Option<Hook<P, S>>, state: &mut S) {
        // A hook that re-enters process_events is not run again inside it.
        if let Some(Ok(mut hook)) = hook.as_ref().map(|h| h.try_borrow_mut()) {
            hook(self, state);
        }
    }

    /// Runs the handlers of one fired fd: read then write, or write then read
    /// with BARRIER; a handler registered for both runs once. The mask and
    /// the registration are checked again before each, since a handler may
    /// delete events or the fd. A panicking handler is put back, and its
    /// panic returned for the caller to resume.
    fn dispatch(&mut self, f: Fired, state: &mut S) -> Result<usize, Panic> {
        let Ok(i) = usize::try_from(f.fd) else {
            return Ok(0);
        };
        let barrier = self.get_file_events(f.fd).contains(Mask::BARRIER);
        let order = if barrier {
            [Mask::WRITABLE, Mask::READABLE]
        } else {
            [Mask::READABLE, Mask::WRITABLE]
        };
        let mut ran_at: Option<Place> = None;
        let mut count = 0;
        for bit in order {
            if !f.mask.contains(bit) {
                continue;
            }
            let Some(fe) = self.events.get_mut(i) else {
                break;
            };
            if fe.generation != f.generation || !(fe.mask & f.mask).contains(bit) {
                continue;
            }
            let place = fe.place(bit);
            if ran_at == Some(place) {
                continue;
            }
            let shared = matches!(fe.write, Handler::SameAsRead);
            // Running: a handler re-entered process_events.
            let Handler::Ready(mut proc) = mem::replace(fe.at(place), Handler::Running) else {
                continue;
            };
            let result = panic::catch_unwind(AssertUnwindSafe(|| proc(self, state, f.fd, f.mask)));
            ran_at = self
                .events
                .get_mut(i)
                .and_then(|fe| fe.restore(place, shared, proc));
            result?;
            count += 1;
        }
        Ok(count)
    }

    /// Runs the timers due now (`processTimeEvents`), earliest first.
    /// Timers created by these callbacks wait for the next pass, and each
    /// timer runs at most once per pass, so a zero delay cannot spin. A
    /// re-entrant call from a callback runs every other due timer (T10).
    /// A panic leaves the loop consistent (see
    /// [`Timers::finish`](timer::Timers::finish)) and is then resumed.
    fn process_time_events(&mut self, state: &mut S) -> usize {
        let now = self.timers.now();
        let saved = self.timers.begin_pass(now);
        let mut count = 0;
        while let Some((id, mut proc)) = self.timers.next_due(now) {
            let result = panic::catch_unwind(AssertUnwindSafe(|| proc(self, state, id)));
            count += 1;
            let (outcome, panicked) = match result {
                Ok(action) => (Outcome::Returned(action), None),
                Err(p) => (Outcome::Panicked, Some(p)),
            };
            let finalizer = self.timers.finish(id, proc, outcome);
            let finalizer_panicked =
                finalizer.and_then(|f| panic::catch_unwind(AssertUnwindSafe(|| f(id))).err());
            if let Some(p) = panicked.or(finalizer_panicked) {
                self.timers.end_pass(saved);
                panic::resume_unwind(p);
            }
        }
        self.timers.end_pass(saved);
        count
    }
}
