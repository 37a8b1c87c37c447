//! The model-based test: random sequences of operations on the loop, each
//! checked against a plain model of what must happen.
//!
//! The operations are the loop's own (register, delete, resize, create and
//! delete timers, process events with every flag combination) and the
//! outside world's (data arriving, being read, a send buffer filling and
//! draining, a peer closing, an fd closed and its number reused). The model
//! knows each socket's readiness from those operations, and each fd's mask
//! and handlers from the loop operations, so it predicts, per
//! `process_events`, which handlers run on each fd and in which order, with
//! which fired mask, which timers run, what the call returns, and which
//! calls fail. Across fds the order is the backend's, so it is compared
//! per fd.
//!
//! A seeded generator drives it: a failure names its seed and step, and
//! `AE_MODEL_SEED=<seed>` replays just that seed.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use super::{after, drain, fill, pair, Alarm, GUARD, HOUR, R, SIZE, W, ZERO};
use ae_core::{EventLoop, Flags, Mask, Poller, TimerAction, TimerId};

/// Seeds run by default; `AE_MODEL_SEEDS` runs more (long runs).
const SEEDS: u64 = 100;
/// Operations per seed.
const STEPS: usize = 300;
/// Socketpairs in play.
const SLOTS: usize = 6;
const B: Mask = Mask::BARRIER;

/// splitmix64: small, seedable, good enough to pick operations.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The seeds to run: `AE_MODEL_SEED` alone, else `AE_MODEL_SEEDS` (or
/// [`SEEDS`]) seeds from 1.
fn seeds() -> Vec<u64> {
    let var = |name: &str| {
        std::env::var(name).ok().map(|v| {
            v.parse::<u64>()
                .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        })
    };
    match var("AE_MODEL_SEED") {
        Some(seed) => vec![seed],
        None => (1..=var("AE_MODEL_SEEDS").unwrap_or(SEEDS)).collect(),
    }
}

/// What a file handler does after logging its call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Log,
    /// Deletes the mask it was registered with.
    DeleteSelf,
    /// Creates a timer with zero delay (it runs in the same call, T8).
    SpawnTimer,
}

/// One registration, as the model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Handler {
    token: u32,
    mask: Mask,
    behaviour: Behaviour,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimerKind {
    /// Zero delay, then `NoMore`.
    Once,
    /// Zero delay, repeating with zero delay: once per pass.
    Repeat,
    /// An hour: never due in a test.
    Far,
}

impl TimerKind {
    fn due(self) -> bool {
        self != TimerKind::Far
    }
}

/// A socketpair: `end` is in the loop, `peer` plays the remote side.
struct Slot {
    end: UnixStream,
    peer: Option<UnixStream>,
    /// Bytes waiting in `end`.
    pending: usize,
    /// `end`'s send buffer was filled (and the peer has not read it).
    full: bool,
    mask: Mask,
    read: Option<Handler>,
    write: Option<Handler>,
}

impl Slot {
    fn open() -> Slot {
        let (end, peer) = pair();
        Slot {
            end,
            peer: Some(peer),
            pending: 0,
            full: false,
            mask: Mask::NONE,
            read: None,
            write: None,
        }
    }

    fn fd(&self) -> RawFd {
        self.end.as_raw_fd()
    }

    /// What the kernel reports for `end`: readable with data or EOF,
    /// writable with room or once the peer is gone (F8).
    fn ready(&self) -> Mask {
        let gone = self.peer.is_none();
        let mut m = Mask::NONE;
        if self.pending > 0 || gone {
            m |= R;
        }
        if !self.full || gone {
            m |= W;
        }
        m
    }

    /// `delete_file_event` on the model (F3).
    fn delete(&mut self, mut mask: Mask) {
        if mask.contains(W) {
            mask |= B;
        }
        self.mask = self.mask - mask;
        if mask.contains(R) {
            self.read = None;
        }
        if mask.contains(W) {
            self.write = None;
        }
        if !self.mask.intersects(Mask::READ_WRITE) {
            self.mask = Mask::NONE;
        }
    }
}

/// The loop's state: what handlers and timers did.
#[derive(Default)]
struct Seen {
    calls: Vec<(RawFd, u32, Mask)>,
    timers: Vec<TimerId>,
    spawned: Vec<TimerId>,
}

/// Timers whose finalizer ran, shared with the finalizers.
type Finalized = Rc<RefCell<Vec<TimerId>>>;

struct Model<P: Poller> {
    el: EventLoop<P, Seen>,
    slots: Vec<Slot>,
    timers: BTreeMap<TimerId, TimerKind>,
    created: Vec<TimerId>,
    finalized: Finalized,
    expect_finalized: BTreeSet<TimerId>,
    next_token: u32,
    rng: Rng,
    /// The operations so far, for the failure message.
    trace: Vec<String>,
}

fn timer_proc<P: Poller>(
    kind: TimerKind,
) -> impl FnMut(&mut EventLoop<P, Seen>, &mut Seen, TimerId) -> TimerAction {
    move |_, seen: &mut Seen, id| {
        seen.timers.push(id);
        match kind {
            TimerKind::Once => TimerAction::NoMore,
            TimerKind::Repeat => TimerAction::Repeat(ZERO),
            TimerKind::Far => TimerAction::Repeat(HOUR),
        }
    }
}

fn finalizer(finalized: &Finalized) -> impl FnOnce(TimerId) {
    let finalized = Rc::clone(finalized);
    move |id| finalized.borrow_mut().push(id)
}

impl<P: Poller> Model<P> {
    fn new(seed: u64) -> Self {
        Model {
            el: EventLoop::new(SIZE).expect("create the loop"),
            slots: (0..SLOTS).map(|_| Slot::open()).collect(),
            timers: BTreeMap::new(),
            created: Vec::new(),
            finalized: Rc::default(),
            expect_finalized: BTreeSet::new(),
            next_token: 0,
            rng: Rng::new(seed),
            trace: Vec::new(),
        }
    }

    fn highest_registered(&self) -> Option<usize> {
        self.slots
            .iter()
            .filter(|s| !s.mask.is_empty())
            .map(|s| s.fd() as usize)
            .max()
    }

    fn step(&mut self) {
        let i = self.rng.below(SLOTS);
        match self.rng.below(100) {
            0..=19 => self.register(i),
            20..=29 => self.delete(i),
            30..=39 => self.write(i),
            40..=45 => self.read(i),
            46..=49 => self.fill(i),
            50..=54 => self.drain_peer(i),
            55..=56 => self.close_peer(i),
            57..=60 => self.reopen(i),
            61..=63 => self.resize(),
            64..=70 => self.create_timer(),
            71..=74 => self.delete_timer(),
            _ => self.process(),
        }
        // After every operation the masks are the model's (F5).
        for s in &self.slots {
            assert_eq!(
                self.el.get_file_events(s.fd()),
                s.mask,
                "mask of fd {}",
                s.fd()
            );
        }
    }

    fn register(&mut self, i: usize) {
        let mask = self.rng.pick(&[R, W, R | W, R, W | B, R | W | B, B]);
        let behaviour = self.rng.pick(&[
            Behaviour::Log,
            Behaviour::Log,
            Behaviour::DeleteSelf,
            Behaviour::SpawnTimer,
        ]);
        let token = self.next_token;
        self.next_token += 1;
        let h = Handler {
            token,
            mask,
            behaviour,
        };
        let fd = self.slots[i].fd();
        self.trace.push(format!(
            "register fd {fd} {mask:?} {behaviour:?} token {token}"
        ));
        let finalized = Rc::clone(&self.finalized);
        let handler = move |el: &mut EventLoop<P, Seen>, seen: &mut Seen, fd, fired| {
            seen.calls.push((fd, token, fired));
            match behaviour {
                Behaviour::Log => {}
                Behaviour::DeleteSelf => el.delete_file_event(fd, mask),
                Behaviour::SpawnTimer => {
                    let id = el.create_time_event_with_finalizer(
                        ZERO,
                        timer_proc(TimerKind::Once),
                        finalizer(&finalized),
                    );
                    seen.spawned.push(id);
                }
            }
        };
        let result = self.el.create_file_event(fd, mask, handler);
        // F1: out of range, or neither READABLE nor WRITABLE, fails and
        // changes nothing.
        let fits = (fd as usize) < self.el.set_size();
        if !fits || !mask.intersects(Mask::READ_WRITE) {
            let e = result.expect_err("registration must fail");
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            return;
        }
        result.expect("registration");
        let s = &mut self.slots[i];
        s.mask |= mask;
        if mask.contains(R) {
            s.read = Some(h);
        }
        if mask.contains(W) {
            s.write = Some(h);
        }
    }

    fn delete(&mut self, i: usize) {
        let mask = self.rng.pick(&[R, W, R | W, B, R | W | B]);
        let fd = self.slots[i].fd();
        self.trace.push(format!("delete fd {fd} {mask:?}"));
        self.el.delete_file_event(fd, mask);
        self.slots[i].delete(mask);
    }

    fn write(&mut self, i: usize) {
        let n = 1 + self.rng.below(3);
        let s = &mut self.slots[i];
        if let Some(peer) = &s.peer {
            (&*peer).write_all(&b"xyz"[..n]).expect("write");
            s.pending += n;
            self.trace.push(format!("write {n} to fd {}", s.fd()));
        }
    }

    fn read(&mut self, i: usize) {
        let s = &mut self.slots[i];
        let mut buf = [0u8; 4096];
        let mut total = 0;
        loop {
            match (&s.end).read(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // A peer closed with our bytes unread resets the
                // connection: one error, then what is left and the end.
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset && s.peer.is_none() => {}
                Err(e) => panic!("read fd {}: {e}", s.fd()),
            }
        }
        assert_eq!(total, s.pending, "bytes waiting in fd {}", s.fd());
        s.pending = 0;
        self.trace.push(format!("read fd {}", s.fd()));
    }

    fn fill(&mut self, i: usize) {
        let s = &mut self.slots[i];
        if s.peer.is_some() {
            fill(&s.end);
            s.full = true;
            self.trace.push(format!("fill fd {}", s.fd()));
        }
    }

    fn drain_peer(&mut self, i: usize) {
        let s = &mut self.slots[i];
        if let Some(peer) = &s.peer {
            drain(peer);
            s.full = false;
            self.trace.push(format!("drain the peer of fd {}", s.fd()));
        }
    }

    fn close_peer(&mut self, i: usize) {
        let s = &mut self.slots[i];
        if s.peer.take().is_some() {
            self.trace.push(format!("close the peer of fd {}", s.fd()));
        }
    }

    /// Deletes the fd's events, closes both ends, and opens a new pair,
    /// which usually gets the same fd numbers back.
    fn reopen(&mut self, i: usize) {
        let fd = self.slots[i].fd();
        self.el.delete_file_event(fd, Mask::READ_WRITE | B);
        // Closed before the new pair opens, so its numbers are free.
        drop(self.slots.remove(i));
        self.slots.insert(i, Slot::open());
        self.trace
            .push(format!("reopen fd {fd} as fd {}", self.slots[i].fd()));
    }

    fn resize(&mut self) {
        let current = self.el.set_size();
        let highest = self.highest_registered();
        let mut choices = vec![
            current,
            SIZE,
            1 + self.rng.below(SIZE),
            1 + self.rng.below(64),
        ];
        if let Some(h) = highest {
            choices.extend([h, h + 1]);
        }
        let size = self.rng.pick(&choices);
        self.trace.push(format!("resize {current} -> {size}"));
        let result = self.el.resize(size);
        // F6: refused at or below the highest registered fd, changing
        // nothing.
        if size != current && highest.is_some_and(|h| size <= h) {
            let e = result.expect_err("resize must fail");
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert_eq!(self.el.set_size(), current);
        } else {
            result.expect("resize");
            assert_eq!(self.el.set_size(), size);
        }
    }

    fn create_timer(&mut self) {
        let kind = self
            .rng
            .pick(&[TimerKind::Once, TimerKind::Repeat, TimerKind::Far]);
        let delay = if kind == TimerKind::Far { HOUR } else { ZERO };
        let id = self.el.create_time_event_with_finalizer(
            delay,
            timer_proc(kind),
            finalizer(&self.finalized),
        );
        self.trace.push(format!("timer {id:?} {kind:?}"));
        // T1: never an id seen before.
        assert!(!self.created.contains(&id), "timer id {id:?} reused");
        self.created.push(id);
        self.timers.insert(id, kind);
    }

    fn delete_timer(&mut self) {
        if self.created.is_empty() {
            return;
        }
        let id = self.rng.pick(&self.created);
        self.trace.push(format!("delete timer {id:?}"));
        let result = self.el.delete_time_event(id);
        // T5: once; then NotFound. T6: the finalizer runs.
        if self.timers.remove(&id).is_some() {
            result.expect("delete a live timer");
            self.expect_finalized.insert(id);
        } else {
            assert_eq!(
                result.expect_err("deleted twice").kind(),
                io::ErrorKind::NotFound
            );
        }
    }

    fn process(&mut self) {
        let flags = self.rng.pick(&[
            Flags::ALL_EVENTS | Flags::DONT_WAIT,
            Flags::ALL_EVENTS | Flags::DONT_WAIT,
            Flags::FILE_EVENTS | Flags::DONT_WAIT,
            Flags::TIME_EVENTS | Flags::DONT_WAIT,
            Flags::ALL_EVENTS,
        ]);
        // The model's run: per fd, the handlers in dispatch order.
        let mut calls: BTreeMap<RawFd, Vec<(u32, Mask)>> = BTreeMap::new();
        let mut spawned = 0;
        if flags.contains(Flags::FILE_EVENTS) {
            for s in &mut self.slots {
                let fired = s.ready() & s.mask & Mask::READ_WRITE;
                let order = if s.mask.contains(B) { [W, R] } else { [R, W] };
                let mut ran: Option<u32> = None;
                for bit in order {
                    // D4: the current mask, after earlier handlers.
                    if !fired.contains(bit) || !s.mask.contains(bit) {
                        continue;
                    }
                    let h = if bit == R { s.read } else { s.write };
                    let h = h.expect("a registered bit has a handler");
                    // D3: one handler for both bits runs once.
                    if ran == Some(h.token) {
                        continue;
                    }
                    ran = Some(h.token);
                    calls.entry(s.fd()).or_default().push((h.token, fired));
                    match h.behaviour {
                        Behaviour::Log => {}
                        Behaviour::DeleteSelf => s.delete(h.mask),
                        Behaviour::SpawnTimer => spawned += 1,
                    }
                }
            }
        }
        let due: Vec<TimerId> = if flags.contains(Flags::TIME_EVENTS) {
            self.timers
                .iter()
                .filter(|(_, kind)| kind.due())
                .map(|(&id, _)| id)
                .collect()
        } else {
            Vec::new()
        };
        let handlers: usize = calls.values().map(Vec::len).sum();
        // A blocking call returns at once only with something ready or due;
        // otherwise the test would wait an hour.
        let flags = if flags.contains(Flags::DONT_WAIT) || handlers > 0 || !due.is_empty() {
            flags
        } else {
            flags | Flags::DONT_WAIT
        };
        self.trace.push(format!("process_events {flags:?}"));

        let mut seen = Seen::default();
        let ran = self
            .el
            .process_events(flags, &mut seen)
            .expect("process_events");

        let mut actual: BTreeMap<RawFd, Vec<(u32, Mask)>> = BTreeMap::new();
        for &(fd, token, mask) in &seen.calls {
            actual.entry(fd).or_default().push((token, mask));
        }
        assert_eq!(actual, calls, "file handlers run (fd -> [(token, fired)])");
        assert_eq!(seen.spawned.len(), spawned, "timers spawned by handlers");
        // T8: spawned zero-delay timers run in the same call when timers
        // are processed; T7/T3: every due timer runs once.
        let mut want_timers: BTreeSet<TimerId> = due.iter().copied().collect();
        for &id in &seen.spawned {
            assert!(!self.created.contains(&id), "timer id {id:?} reused");
            self.created.push(id);
            self.timers.insert(id, TimerKind::Once);
            if flags.contains(Flags::TIME_EVENTS) {
                want_timers.insert(id);
            }
        }
        let got_timers: BTreeSet<TimerId> = seen.timers.iter().copied().collect();
        assert_eq!(
            seen.timers.len(),
            got_timers.len(),
            "a timer ran twice in one call"
        );
        assert_eq!(got_timers, want_timers, "timers run");
        for id in &got_timers {
            if self.timers[id] == TimerKind::Once {
                self.timers.remove(id);
                self.expect_finalized.insert(*id);
            }
        }
        // D7: the count of handlers and timers.
        assert_eq!(ran, handlers + got_timers.len(), "process_events' count");
    }

    fn check_finalizers(&self) {
        let ran = self.finalized.borrow();
        let set: BTreeSet<TimerId> = ran.iter().copied().collect();
        assert_eq!(ran.len(), set.len(), "a finalizer ran twice");
        assert_eq!(set, self.expect_finalized, "finalizers run");
    }
}

/// Runs one seed; a failure is re-raised with the seed, the step and the
/// operations that led there.
fn run_seed<P: Poller>(seed: u64) {
    let mut model = Model::<P>::new(seed);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        for _ in 0..STEPS {
            model.step();
            model.check_finalizers();
        }
        // T6: the remaining timers are finalized when the loop goes.
        let live: Vec<TimerId> = model.timers.keys().copied().collect();
        model.expect_finalized.extend(live);
        let el = std::mem::replace(&mut model.el, EventLoop::new(1).expect("loop"));
        drop(el);
        model.check_finalizers();
    }));
    if let Err(e) = result {
        let trace = &model.trace;
        let from = trace.len().saturating_sub(30);
        panic::panic_any(format!(
            "model test failed with seed {seed} (replay: AE_MODEL_SEED={seed}) at step {}: {}\nlast operations:\n  {}",
            trace.len(),
            e.downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| e.downcast_ref::<&str>().copied())
                .unwrap_or("?"),
            trace[from..].join("\n  ")
        ));
    }
}

/// The model test over [`seeds`]; a watchdog per seed aborts, naming the
/// seed, if a call the model expects to return blocks instead.
pub(super) fn run<P: Poller>() {
    for seed in seeds() {
        let _watchdog: Alarm = after(GUARD * 6, move || {
            let msg = format!(
                "model test: seed {seed} still running after a minute (replay: AE_MODEL_SEED={seed}); aborting\n"
            );
            let _ = io::stderr().write_all(msg.as_bytes());
            std::process::abort();
        });
        run_seed::<P>(seed);
    }
}
