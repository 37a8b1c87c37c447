//! The event loop of Redis (`ae.c`) in Rust, generic over a [`Poller`].
//!
//! To start: a server depends on `ae` (package `ae-loop`), which re-exports
//! this crate and chooses the backend; for this crate alone,
//! `ae-core = { package = "ae-loop-core", path = "../ae/ae-core" }` (from a
//! checkout at `../ae`) and a [`Poller`] from a backend crate or your own.
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

mod callback;
mod child;
mod mask;
pub mod net;
mod poller;
pub mod signal;
mod timer;
mod waker;

use std::any::Any;
use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use child::Fork;
pub use mask::{Flags, Mask};
pub use poller::{timeout_millis, Fired, Poller};
pub use timer::{TimerAction, TimerId};
pub use waker::{wait, AsyncHandle, Waker};

use callback::Callback;
use timer::{Outcome, Timers};

/// A file handler is boxed: a closure that captures nothing (a function
/// registered for many fds, as the demo does for its clients) is then
/// stored without allocating.
type FileProc<P, S> = Box<dyn FnMut(&mut EventLoop<P, S>, &mut S, RawFd, Mask)>;
type TimeProc<P, S> = Box<dyn FnMut(&mut EventLoop<P, S>, &mut S, TimerId) -> TimerAction>;
/// Hooks and async handlers are boxed too: a capture-free one is stored
/// without allocating.
type Hook<P, S> = Box<dyn FnMut(&mut EventLoop<P, S>, &mut S)>;
type AsyncProc<P, S> = Hook<P, S>;
/// A caught panic, resumed once the loop is consistent again.
type Panic = Box<dyn Any + Send>;

/// An fd argument: a [`RawFd`], or anything that borrows an fd
/// ([`BorrowedFd`], `&T` where `T: AsFd`, such as `&TcpStream`), so a
/// program that keeps I/O safety passes its sockets as they are. The loop
/// keeps only the number: the program still owns the fd, and deletes its
/// events before closing it.
pub trait Descriptor {
    /// The fd number.
    fn raw_fd(&self) -> RawFd;
}

impl Descriptor for RawFd {
    fn raw_fd(&self) -> RawFd {
        *self
    }
}

impl Descriptor for BorrowedFd<'_> {
    fn raw_fd(&self) -> RawFd {
        self.as_raw_fd()
    }
}

impl<T: AsFd + ?Sized> Descriptor for &T {
    fn raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

/// Identifies a hook added with [`EventLoop::add_before_sleep`] or
/// [`EventLoop::add_after_sleep`], to delete it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HookId(u64);

/// Identifies an async event, to delete it
/// ([`EventLoop::create_async`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AsyncId(u64);

struct AsyncEvent<P: Poller, S> {
    id: AsyncId,
    pending: Arc<AtomicBool>,
    handler: Callback<AsyncProc<P, S>>,
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
    read: Callback<FileProc<P, S>>,
    write: Callback<FileProc<P, S>>,
    /// The read handler, registered for READABLE | WRITABLE in one call,
    /// serves the write side too (`write` is then empty) and runs once per
    /// iteration (D3).
    write_is_read: bool,
    /// A stamp taken when the fd goes from no events to some, so readiness
    /// polled for an earlier registration of the same fd number is
    /// recognised as stale (D6).
    generation: u64,
}

impl<P: Poller, S> FileEvent<P, S> {
    const EMPTY: Self = FileEvent {
        mask: Mask::NONE,
        read: Callback::Empty,
        write: Callback::Empty,
        write_is_read: false,
        generation: 0,
    };

    /// Where the handler for `bit` is.
    fn place(&self, bit: Mask) -> Place {
        if bit == Mask::READABLE || self.write_is_read {
            Place::Read
        } else {
            Place::Write
        }
    }

    fn at(&mut self, place: Place) -> &mut Callback<FileProc<P, S>> {
        match place {
            Place::Read => &mut self.read,
            Place::Write => &mut self.write,
        }
    }

    /// Whether a handler waits in `bit`'s place, registered or paused.
    fn has_handler(&self, bit: Mask) -> bool {
        if bit == Mask::READABLE {
            !self.read.is_empty()
        } else {
            self.write_is_read || !self.write.is_empty()
        }
    }

    /// Puts back a handler taken from `place` (`shared`: serving both bits)
    /// if its registration still holds; returns where it went.
    fn restore(&mut self, place: Place, shared: bool, proc: FileProc<P, S>) -> Option<Place> {
        let proc = match self.at(place).put_back(proc) {
            Ok(()) => return Some(place),
            Err(proc) => proc,
        };
        // Deleting READABLE from a shared handler moved it to the write place.
        if shared && self.write.put_back(proc).is_ok() {
            return Some(Place::Write);
        }
        None
    }
}

/// The loop's pollable fd where its backend has one that is always there
/// (epoll, kqueue): see [`EventLoop::poll_fd`].
impl<P: Poller + AsFd, S> AsFd for EventLoop<P, S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.poller.as_fd()
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
    /// In the order they were added (ids increase).
    before_sleep: Vec<(HookId, Callback<Hook<P, S>>)>,
    after_sleep: Vec<(HookId, Callback<Hook<P, S>>)>,
    next_id: u64,
    waker: Option<Waker>,
    asyncs: Vec<AsyncEvent<P, S>>,
    children: Vec<child::ChildEvent<P, S>>,
    poller: P,
}

fn no_timer(id: TimerId) -> io::Error {
    not_found(format!("no timer with id {}", id.get()))
}

fn not_found(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, msg)
}

/// Removes the first element that `is` picks; `None` when none does.
fn remove_where<T>(v: &mut Vec<T>, is: impl Fn(&T) -> bool) -> Option<()> {
    let i = v.iter().position(is)?;
    v.remove(i);
    Some(())
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
            before_sleep: Vec::new(),
            after_sleep: Vec::new(),
            next_id: 1,
            waker: None,
            asyncs: Vec::new(),
            children: Vec::new(),
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
    /// `fd` is a [`RawFd`] or a borrowed fd ([`Descriptor`]).
    pub fn create_file_event<F>(
        &mut self,
        fd: impl Descriptor,
        mask: Mask,
        proc: F,
    ) -> io::Result<()>
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S, RawFd, Mask) + 'static,
    {
        let fd = fd.raw_fd();
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
                fe.read = Callback::Ready(proc);
                fe.write = Callback::Empty;
                fe.write_is_read = true;
            }
            (true, false) => {
                // The write side keeps the handler it shared with the read side.
                if mem::take(&mut fe.write_is_read) {
                    fe.write = mem::replace(&mut fe.read, Callback::Empty);
                }
                fe.read = Callback::Ready(proc);
            }
            _ => {
                fe.write = Callback::Ready(proc);
                fe.write_is_read = false;
            }
        }
        fe.mask |= mask;
        Ok(())
    }

    /// Removes `mask` from `fd`'s events (`aeDeleteFileEvent`). Removing
    /// WRITABLE also removes BARRIER. Removing what is not registered, or an
    /// fd out of range, does nothing. A paused bit's handler
    /// ([`set_file_events`](Self::set_file_events)) is dropped too.
    pub fn delete_file_event(&mut self, fd: impl Descriptor, mut mask: Mask) {
        let fd = fd.raw_fd();
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
            let read = mem::replace(&mut fe.read, Callback::Empty);
            if mem::take(&mut fe.write_is_read) {
                fe.write = read;
            }
        }
        if mask.contains(Mask::WRITABLE) {
            fe.write = Callback::Empty;
            fe.write_is_read = false;
        }
        if !old.is_empty() && !fe.mask.intersects(Mask::READ_WRITE) {
            fe.mask = Mask::NONE;
            self.registered -= 1;
        }
    }

    /// Pauses and resumes `fd`'s events without passing their handlers
    /// again: afterwards the fd waits for exactly the READABLE and WRITABLE
    /// bits of `mask` (and has BARRIER as `mask` has it). A bit left out
    /// keeps its handler, paused: the kernel no longer watches it, it does
    /// not fire, and a later call with the bit resumes it. A bit with no
    /// handler is refused with [`io::ErrorKind::InvalidInput`], as is an fd
    /// out of range; on any error (the kernel refusing too) nothing changes.
    /// [`get_file_events`](Self::get_file_events) reports what is resumed;
    /// [`delete_file_event`](Self::delete_file_event) drops paused handlers
    /// too. An fd whose every bit is paused counts as having no events (I1):
    /// it does not keep [`run`](Self::run) going.
    ///
    /// The back-pressure of a proxy: stop reading from a peer while the
    /// other side's send buffer is full, and read again once it drains.
    ///
    /// ```
    /// # use std::os::unix::net::UnixStream;
    /// # use ae_core::{EventLoop, Mask, Poller};
    /// # fn f<P: Poller>(el: &mut EventLoop<P>, sock: &UnixStream) -> std::io::Result<()> {
    /// el.create_file_event(sock, Mask::READABLE, |_, _, _, _| { /* read */ })?;
    /// el.set_file_events(sock, Mask::NONE)?; // paused: the handler is kept
    /// assert_eq!(el.get_file_events(sock), Mask::NONE);
    /// el.set_file_events(sock, Mask::READABLE)?; // reading again
    /// # Ok(()) }
    /// ```
    pub fn set_file_events(&mut self, fd: impl Descriptor, mask: Mask) -> io::Result<()> {
        let fd = fd.raw_fd();
        let i = self.index(fd)?;
        let fe = &self.events[i];
        let want = mask & Mask::READ_WRITE;
        for bit in [Mask::READABLE, Mask::WRITABLE] {
            if want.contains(bit) && !fe.has_handler(bit) {
                return Err(invalid_input(format!(
                    "fd {fd} has no {bit:?} handler to resume"
                )));
            }
        }
        let old = fe.mask & Mask::READ_WRITE;
        let (added, removed) = (want - old, old - want);
        if !added.is_empty() {
            self.poller.add(fd, old, added)?;
        }
        if !removed.is_empty() {
            self.poller.remove(fd, old | added, removed);
        }
        let fe = &mut self.events[i];
        if old.is_empty() && !want.is_empty() {
            fe.generation = self.next_generation;
            self.next_generation += 1;
            self.registered += 1;
        } else if !old.is_empty() && want.is_empty() {
            self.registered -= 1;
        }
        fe.mask = if want.contains(Mask::WRITABLE) {
            mask & (Mask::READ_WRITE | Mask::BARRIER)
        } else {
            want
        };
        Ok(())
    }

    /// The highest fd with events or paused handlers (ae.c's `maxfd`), found
    /// by scanning down.
    fn highest_fd(&self) -> Option<usize> {
        self.events.iter().rposition(|fe| {
            !fe.mask.is_empty() || fe.has_handler(Mask::READABLE) || fe.has_handler(Mask::WRITABLE)
        })
    }

    /// The events registered on `fd`, paused ones left out; [`Mask::NONE`]
    /// when out of range (`aeGetFileEvents`).
    pub fn get_file_events(&self, fd: impl Descriptor) -> Mask {
        self.index(fd.raw_fd())
            .map_or(Mask::NONE, |i| self.events[i].mask)
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
    /// [`Flags::CALL_BEFORE_SLEEP`] is given (`aeSetBeforeSleepProc`), in
    /// place of every before-sleep hook; [`add_before_sleep`](Self::add_before_sleep)
    /// adds one beside the others. It runs before the poll timeout is
    /// computed, so it may set [`set_dont_wait`](Self::set_dont_wait) for
    /// that very poll.
    pub fn set_before_sleep<F>(&mut self, hook: F)
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S) + 'static,
    {
        self.before_sleep.clear();
        self.add_before_sleep(hook);
    }

    /// Adds a before-sleep hook beside those already set, so a library and
    /// the program using it can each have one. Hooks run in the order they
    /// were added. Delete it with [`delete_hook`](Self::delete_hook).
    pub fn add_before_sleep<F>(&mut self, hook: F) -> HookId
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S) + 'static,
    {
        let id = self.hook_id();
        self.before_sleep
            .push((id, Callback::Ready(Box::new(hook))));
        id
    }

    /// Removes every before-sleep hook.
    pub fn clear_before_sleep(&mut self) {
        self.before_sleep.clear();
    }

    /// Sets the hook run after every poll, also one that timed out, when
    /// [`Flags::CALL_AFTER_SLEEP`] is given (`aeSetAfterSleepProc`), in
    /// place of every after-sleep hook.
    pub fn set_after_sleep<F>(&mut self, hook: F)
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S) + 'static,
    {
        self.after_sleep.clear();
        self.add_after_sleep(hook);
    }

    /// Adds an after-sleep hook beside those already set; they run in the
    /// order they were added.
    pub fn add_after_sleep<F>(&mut self, hook: F) -> HookId
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S) + 'static,
    {
        let id = self.hook_id();
        self.after_sleep.push((id, Callback::Ready(Box::new(hook))));
        id
    }

    /// Removes every after-sleep hook.
    pub fn clear_after_sleep(&mut self) {
        self.after_sleep.clear();
    }

    /// Deletes a hook added with [`add_before_sleep`](Self::add_before_sleep)
    /// or [`add_after_sleep`](Self::add_after_sleep); a hook may delete
    /// itself. An unknown or deleted id is an error of kind
    /// [`io::ErrorKind::NotFound`].
    pub fn delete_hook(&mut self, id: HookId) -> io::Result<()> {
        remove_where(&mut self.before_sleep, |(h, _)| *h == id)
            .or_else(|| remove_where(&mut self.after_sleep, |(h, _)| *h == id))
            .ok_or_else(|| not_found(format!("no hook with id {}", id.0)))
    }

    fn hook_id(&mut self) -> HookId {
        self.next_id += 1;
        HookId(self.next_id)
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
        self.create_file_event(waker.read_fd(), Mask::READABLE, |el, state, _, _| {
            el.run_asyncs(state)
        })?;
        self.waker = Some(waker.clone());
        Ok(waker)
    }

    /// Creates an async event (libev's `ev_async`, a calloop channel's
    /// wake-up): `handler` runs in the loop's thread, within one iteration,
    /// after [`AsyncHandle::send`] from any thread. Sends before it runs
    /// coalesce into one run; a send after it started runs it again. Carry
    /// the data in a channel or a lock the handler reads: the event only
    /// says "look". It uses the loop's [`waker`](Self::waker), created on
    /// first use, so it works on every backend.
    ///
    /// ```
    /// # use ae_core::{EventLoop, Flags, Poller};
    /// # fn f<P: Poller>(el: &mut EventLoop<P, Vec<u32>>) -> std::io::Result<()> {
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let (_id, handle) = el.create_async(move |_, got: &mut Vec<u32>| got.extend(rx.try_iter()))?;
    /// std::thread::spawn(move || {
    ///     tx.send(7).unwrap();
    ///     handle.send().unwrap();
    /// });
    /// let mut got = Vec::new();
    /// while got.is_empty() {
    ///     el.process_events(Flags::ALL_EVENTS, &mut got)?;
    /// }
    /// assert_eq!(got, [7]);
    /// # Ok(()) }
    /// ```
    pub fn create_async<F>(&mut self, handler: F) -> io::Result<(AsyncId, AsyncHandle)>
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S) + 'static,
    {
        let handle = AsyncHandle::new(self.waker()?);
        self.next_id += 1;
        let id = AsyncId(self.next_id);
        self.asyncs.push(AsyncEvent {
            id,
            pending: handle.pending.clone(),
            handler: Callback::Ready(Box::new(handler)),
        });
        Ok((id, handle))
    }

    /// Deletes an async event: its handles' sends do nothing from then on.
    /// An unknown or deleted id is an error of kind
    /// [`io::ErrorKind::NotFound`].
    pub fn delete_async(&mut self, id: AsyncId) -> io::Result<()> {
        remove_where(&mut self.asyncs, |a| a.id == id)
            .ok_or_else(|| not_found(format!("no async event with id {}", id.0)))
    }

    /// The waker is readable: empty it, then run each async event that was
    /// sent. Emptying first means a send meanwhile leaves both its mark and
    /// a wake, so it is not lost.
    fn run_asyncs(&mut self, state: &mut S) {
        if let Some(w) = &self.waker {
            w.drain();
        }
        let mut i = 0;
        while i < self.asyncs.len() {
            let a = &mut self.asyncs[i];
            i += 1;
            if !a.pending.swap(false, Ordering::SeqCst) {
                continue;
            }
            let id = a.id;
            let ran = self.run_callback(
                |el| {
                    el.asyncs
                        .iter_mut()
                        .find(|a| a.id == id)
                        .map(|a| &mut a.handler)
                },
                |proc, el| proc(el, state),
            );
            match ran {
                Some(Ok(())) => {}
                // Running: re-entered from its own handler; keep it pending.
                None => self.asyncs[i - 1].pending.store(true, Ordering::SeqCst),
                Some(Err(p)) => {
                    self.rewake_asyncs();
                    panic::resume_unwind(p);
                }
            }
        }
        self.rewake_asyncs();
    }

    /// Runs a stored closure the way every handler of the loop is run: takes
    /// it from the place `slot` finds, runs it under `catch_unwind`, then
    /// puts it back in the place `slot` finds afterwards (the closure may
    /// have changed the loop's tables), unless it was replaced or deleted
    /// meanwhile. `None`: it was running already (a re-entrant call), or
    /// there is none; `Some(Err(_))`: it panicked, for the caller to resume
    /// once the loop is consistent.
    fn run_callback<F, R>(
        &mut self,
        slot: impl Fn(&mut Self) -> Option<&mut Callback<F>>,
        run: impl FnOnce(&mut F, &mut Self) -> R,
    ) -> Option<Result<R, Panic>> {
        let mut f = slot(self)?.take()?;
        let result = panic::catch_unwind(AssertUnwindSafe(|| run(&mut f, self)));
        if let Some(place) = slot(self) {
            // Err: replaced or deleted while it ran; it is dropped here.
            let _ = place.put_back(f);
        }
        Some(result)
    }

    /// What a pass left pending (a handler that deleted events shifted the
    /// list, or one re-entered the loop) runs in the next iteration.
    fn rewake_asyncs(&self) {
        if self.asyncs.iter().any(|a| a.pending.load(Ordering::SeqCst)) {
            if let Some(w) = &self.waker {
                let _ = w.wake();
            }
        }
    }

    /// Call in the child after `fork()`, before it uses the loop in any way
    /// (libev's `ev_loop_fork`, libuv's `uv_loop_fork`). Until then the
    /// child shares the parent's kernel event set (epoll), waker and signal
    /// self-pipe, so a change the child makes reaches the parent: a delete
    /// silences the parent's handler, an added WRITABLE makes the parent
    /// spin, a wake or a signal wakes the wrong process. This gives the
    /// child its own of each, holding what the loop has registered (the
    /// fd numbers stay, so every [`Waker`] and [`AsyncHandle`] the child
    /// holds now wakes the child's loop), and forgets the parent's child
    /// events, whose processes are not the child's children. Timers,
    /// hooks, signal events and handlers are kept.
    ///
    /// On error (no fd left for the new kernel set, say) the loop must not
    /// be used in the child; the parent is never affected. Only the
    /// thread that forked exists in the child: a fork while another thread
    /// was inside [`Waker::wake`] or registering a signal leaves that lock
    /// held in the child, so fork from the loop's thread while the others
    /// are quiet, as Redis does for BGSAVE.
    pub fn after_fork(&mut self) -> io::Result<()> {
        // Fds first: the new kernel set must watch the child's files.
        if let Some(w) = &self.waker {
            w.renew()?;
        }
        self.renew_signal_pipe()?;
        self.forget_children();
        let mut registered = self.events.iter().enumerate().filter_map(|(fd, fe)| {
            let mask = fe.mask & Mask::READ_WRITE;
            (!mask.is_empty()).then_some((fd as RawFd, mask))
        });
        self.poller.after_fork(&mut registered)
    }

    /// The fd of the backend's kernel object, readable while the loop has
    /// file events to report, so the loop can be nested in another: watch
    /// it for READABLE there, with a timeout of at most
    /// [`next_timer_in`](Self::next_timer_in), and call
    /// [`process_events_timeout`](Self::process_events_timeout) with
    /// `Some(Duration::ZERO)` when either comes. `None` for a backend with
    /// no such fd (select, poll). The fd changes after
    /// [`after_fork`](Self::after_fork), and when the backend rebuilds its
    /// kernel state (R5 of the semantics).
    pub fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        self.poller.poll_fd()
    }

    /// How long until the earliest timer is due (zero when one is overdue),
    /// `None` with no timer: the timeout for a loop that nests this one.
    pub fn next_timer_in(&mut self) -> Option<Duration> {
        if self.timers.is_empty() {
            return None;
        }
        // Reading the clock first anchors timers created since the last one.
        let now = self.timers.now();
        let earliest = self.timers.earliest()?;
        Some(Timers::<TimeProc<P, S>>::until(now, earliest))
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
        self.process(flags, None, state)
    }

    /// Runs one iteration of everything, as [`run`](Self::run) does (all
    /// events, both hooks), sleeping in the poll at most `timeout` (`None`:
    /// until an event or the earliest timer, as `process_events` does):
    /// for a program that has its own deadlines, or nests this loop in
    /// another ([`poll_fd`](Self::poll_fd)). Unlike `process_events` it
    /// sleeps the given time even with no fd and no timer. Returns what
    /// [`process_events`](Self::process_events) returns.
    pub fn process_events_timeout(
        &mut self,
        timeout: Option<Duration>,
        state: &mut S,
    ) -> io::Result<usize> {
        let flags = Flags::ALL_EVENTS | Flags::CALL_BEFORE_SLEEP | Flags::CALL_AFTER_SLEEP;
        self.process(flags, timeout, state)
    }

    /// One iteration, its poll bounded by `cap` as well.
    fn process(&mut self, flags: Flags, cap: Option<Duration>, state: &mut S) -> io::Result<usize> {
        if !flags.intersects(Flags::ALL_EVENTS) {
            return Ok(0);
        }
        let mut processed = 0;
        let dont_wait = self.dont_wait || flags.contains(Flags::DONT_WAIT);
        let sleeps = cap.is_some() && !dont_wait;
        if self.registered > 0 || (flags.contains(Flags::TIME_EVENTS) && !dont_wait) || sleeps {
            if flags.contains(Flags::CALL_BEFORE_SLEEP) {
                self.call_hooks(Place::Read, state);
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
            let timeout = match (timeout, cap) {
                (Some(t), Some(c)) => Some(t.min(c)),
                (t, c) => t.or(c),
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
                self.call_hooks(Place::Write, state);
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

    /// Runs the before-sleep hooks (`Place::Read`) or the after-sleep ones
    /// (`Place::Write`), in the order they were added. Each is found by its
    /// id after the one before it ran, which may have added or deleted
    /// hooks; so nothing is copied, and steady state allocates nothing.
    fn call_hooks(&mut self, which: Place, state: &mut S) {
        let mut last = HookId(0);
        loop {
            let hooks = match which {
                Place::Read => &self.before_sleep,
                Place::Write => &self.after_sleep,
            };
            let Some((id, _)) = hooks.iter().find(|(id, _)| id.0 > last.0) else {
                return;
            };
            let id = *id;
            last = id;
            // None: a hook that re-entered process_events is not run again
            // inside it.
            let ran = self.run_callback(
                |el| {
                    let hooks = match which {
                        Place::Read => &mut el.before_sleep,
                        Place::Write => &mut el.after_sleep,
                    };
                    hooks.iter_mut().find(|(h, _)| *h == id).map(|(_, c)| c)
                },
                |hook, el| hook(el, state),
            );
            if let Some(Err(p)) = ran {
                panic::resume_unwind(p);
            }
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
            let shared = fe.write_is_read;
            // None: a handler re-entered process_events. Its put-back is
            // `restore`, not `run_callback`'s: a shared handler may have
            // moved to the write place meanwhile.
            let Some(mut proc) = fe.at(place).take() else {
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
