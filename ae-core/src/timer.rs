//! Time events: ids that never repeat, and libev's timer store: a 4-ary heap
//! with each deadline inline and each timer knowing its heap position, so
//! the earliest deadline is at the root and deleting or rescheduling a timer
//! is O(log n) with no stale entry left behind (ae.c scans a list, which made
//! every iteration O(n) in the number of timers).
//!
//! Deadlines count from the loop's *next* reading of its clock, not from a
//! clock reading per timer: a new or rescheduled timer waits in a pending
//! list, and each reading of the clock anchors the pending timers at that
//! instant. A reading of the clock costs as much as the rest of a create and
//! delete together, and anchoring later than the call can only make a timer
//! late, never early (T2). libev anchors at its *previous* reading instead,
//! which can fire early.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Identifies a time event. Its number comes from a 64-bit counter and is
/// never reused, so a stale id can only ever name nothing; it also carries
/// the timer's slot in the table, so lookups need no hashing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId {
    seq: u64,
    slot: u32,
}

impl TimerId {
    /// The id as a number, as ae.c's `long long id`: unique for the loop's
    /// lifetime, increasing in creation order.
    pub fn get(self) -> u64 {
        self.seq
    }
}

/// What a timer callback wants next (ae.c's return value of `aeTimeProc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerAction {
    /// Run again after this delay, counted from the end of the callback.
    Repeat(Duration),
    /// Remove the timer (`AE_NOMORE`); its finalizer runs.
    NoMore,
}

/// A timer's finalizer.
pub(crate) type Finalizer = Box<dyn FnOnce(TimerId)>;

/// Where a live timer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// In the heap at index `pos`.
    Heap,
    /// In the pending list at index `pos`, waiting for the clock.
    Pending,
    /// Its callback is running: the loop holds the callback.
    Running,
}

/// One slot of the timer table; `seq` names its current occupant.
struct Slot<T> {
    seq: u64,
    place: Place,
    /// Deleted while its callback runs; removed when the callback returns.
    deleted: bool,
    /// Pending: the delay in nanoseconds. Running: a delay set by
    /// `reschedule` from inside the callback, `u64::MAX` for none.
    delay: u64,
    /// `None` while the callback runs, and for a free slot.
    proc: Option<T>,
    finalizer: Option<Finalizer>,
    live: bool,
}

/// A heap entry: the deadline inline, so sifting reads no slot. `seq` breaks
/// ties in creation order.
#[derive(Clone, Copy)]
struct Entry {
    when: u64,
    seq: u64,
    slot: u32,
}

impl Entry {
    /// One 128-bit comparison: no branch on the tie, which mispredicts in
    /// a heap of timers that share a deadline.
    fn key(&self) -> u128 {
        (u128::from(self.when) << 64) | u128::from(self.seq)
    }

    fn before(&self, other: &Entry) -> bool {
        self.key() < other.key()
    }
}

/// Heap arity: four children per node, as libev, for shallower trees and
/// siblings on neighbouring cache lines.
const D: usize = 4;

/// Nanoseconds of `delay`, saturating at `u64::MAX` (584 years): such a
/// deadline never comes (ae.c's millisecond arithmetic overflowed past ~35
/// minutes, Redis #12474).
fn nanos(delay: Duration) -> u64 {
    u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX)
}

/// The timer table: `T` is the callback type, kept generic so this file knows
/// nothing of the loop. Timers live in a slab of slots reused through a free
/// list, so creating and deleting touch memory in order and hash nothing.
pub(crate) struct Timers<T> {
    /// Deadlines are nanoseconds since this instant.
    epoch: Instant,
    next_seq: u64,
    slots: Vec<Slot<T>>,
    /// Per slot, the timer's index in the heap or the pending list: apart
    /// from the slots, so sifting through a large heap touches 4 bytes per
    /// moved timer, not a whole slot.
    positions: Vec<u32>,
    free: Vec<u32>,
    heap: Vec<Entry>,
    /// Slots of timers not yet anchored to the clock.
    pending: Vec<u32>,
    live: usize,
    /// The `now` of the timer pass that is running, if one is: timers
    /// anchored or repeated during a pass are due strictly after it, so they
    /// wait for the next pass (T7).
    pass_now: Option<u64>,
}

/// The result of running a timer's callback, for [`Timers::finish`].
pub(crate) enum Outcome {
    /// Returned this action.
    Returned(TimerAction),
    /// Panicked; the panic is resumed after the timer is put back.
    Panicked,
}

/// `now + delay`, saturating far in the future instead of overflowing.
pub(crate) fn deadline(now: Instant, delay: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    now.checked_add(delay)
        .or_else(|| now.checked_add(FAR))
        .unwrap_or(now)
}

impl<T> Timers<T> {
    pub(crate) fn new() -> Self {
        Timers {
            epoch: Instant::now(),
            next_seq: 0,
            slots: Vec::new(),
            positions: Vec::new(),
            free: Vec::new(),
            heap: Vec::new(),
            pending: Vec::new(),
            live: 0,
            pass_now: None,
        }
    }

    /// The clock, in nanoseconds since the epoch; every reading anchors the
    /// pending timers.
    pub(crate) fn now(&mut self) -> u64 {
        let now = nanos(self.epoch.elapsed());
        self.anchor(now);
        now
    }

    /// The duration from `now` to `when`.
    pub(crate) fn until(now: u64, when: u64) -> Duration {
        Duration::from_nanos(when.saturating_sub(now))
    }

    /// A deadline `delay` after `now`, and after the running pass.
    fn due_at(&self, now: u64, delay: u64) -> u64 {
        let when = now.saturating_add(delay);
        match self.pass_now {
            Some(pass) if when <= pass => pass + 1,
            _ => when,
        }
    }

    /// Puts the pending timers in the heap, in the order they came: timers
    /// with one delay then arrive in creation order, each a leaf that stays
    /// one.
    fn anchor(&mut self, now: u64) {
        if self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        for &slot in &pending {
            let s = &self.slots[slot as usize];
            let e = Entry {
                when: self.due_at(now, s.delay),
                seq: s.seq,
                slot,
            };
            self.push(e);
        }
        pending.clear();
        self.pending = pending;
    }

    /// True when no timer is live.
    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub(crate) fn insert(
        &mut self,
        delay: Duration,
        proc: T,
        finalizer: Option<Finalizer>,
    ) -> TimerId {
        let seq = self.next_seq;
        self.next_seq += 1;
        let pos = self.pending.len() as u32;
        let slot = Slot {
            seq,
            place: Place::Pending,
            deleted: false,
            delay: nanos(delay),
            proc: Some(proc),
            finalizer,
            live: true,
        };
        let index = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                self.positions[i as usize] = pos;
                i
            }
            None => {
                // More than 2^32 live timers would need more memory than
                // exists; the cast cannot truncate in practice.
                self.slots.push(slot);
                self.positions.push(pos);
                (self.slots.len() - 1) as u32
            }
        };
        self.pending.push(index);
        self.live += 1;
        TimerId { seq, slot: index }
    }

    /// The live slot named by `id`, also while its callback runs.
    fn slot(&self, id: TimerId) -> Option<&Slot<T>> {
        let s = self.slots.get(id.slot as usize)?;
        (s.live && s.seq == id.seq).then_some(s)
    }

    /// Takes a timer out of the heap or the pending list.
    fn unlink(&mut self, slot: u32) {
        let pos = self.positions[slot as usize] as usize;
        match self.slots[slot as usize].place {
            Place::Heap => self.remove_at(pos),
            Place::Pending => {
                self.pending.swap_remove(pos);
                if let Some(&moved) = self.pending.get(pos) {
                    self.positions[moved as usize] = pos as u32;
                }
            }
            Place::Running => {}
        }
    }

    /// Frees a slot and returns the finalizer of its timer.
    fn free_slot(&mut self, slot: u32) -> Option<Finalizer> {
        let s = &mut self.slots[slot as usize];
        s.live = false;
        s.proc = None;
        self.free.push(slot);
        self.live -= 1;
        s.finalizer.take()
    }

    /// Deletes a timer. `Err(())`: no such timer. `Ok(Some(f))`: removed,
    /// `f` is its finalizer, to run. `Ok(None)`: its callback is running, so
    /// it is only marked and goes when the callback returns.
    #[allow(clippy::result_unit_err)]
    pub(crate) fn delete(&mut self, id: TimerId) -> Result<Option<Finalizer>, ()> {
        let s = self.slot(id).ok_or(())?;
        if s.deleted {
            return Err(());
        }
        if s.place == Place::Running {
            self.slots[id.slot as usize].deleted = true;
            return Ok(None);
        }
        self.unlink(id.slot);
        Ok(self.free_slot(id.slot))
    }

    /// Moves a timer's deadline to `delay` after the next reading of the
    /// clock; inside its own callback, replaces the delay it repeats with.
    /// False: no such timer.
    pub(crate) fn reschedule(&mut self, id: TimerId, delay: Duration) -> bool {
        let Some(s) = self.slot(id) else { return false };
        if s.deleted {
            return false;
        }
        let delay = nanos(delay);
        match s.place {
            Place::Running | Place::Pending => {}
            Place::Heap => {
                self.unlink(id.slot);
                let pos = self.pending.len() as u32;
                self.pending.push(id.slot);
                self.slots[id.slot as usize].place = Place::Pending;
                self.positions[id.slot as usize] = pos;
            }
        }
        self.slots[id.slot as usize].delay = delay;
        true
    }

    /// The earliest deadline, with the pending timers anchored at `now`.
    pub(crate) fn earliest(&self) -> Option<u64> {
        debug_assert!(self.pending.is_empty());
        self.heap.first().map(|e| e.when)
    }

    /// Starts a timer pass at `now`; returns what to give [`end_pass`].
    ///
    /// [`end_pass`]: Self::end_pass
    pub(crate) fn begin_pass(&mut self, now: u64) -> Option<u64> {
        self.pass_now.replace(now)
    }

    /// Ends a pass; a nested pass gives the outer one its `now` back.
    pub(crate) fn end_pass(&mut self, saved: Option<u64>) {
        self.pass_now = saved;
    }

    /// The next timer due at `now`, taken out of the heap with its callback:
    /// earliest first, ties in creation order. Each timer runs at most once
    /// per pass, since whatever it does puts it back after `now`.
    pub(crate) fn next_due(&mut self, now: u64) -> Option<(TimerId, T)> {
        let top = *self.heap.first()?;
        if top.when > now {
            return None;
        }
        self.remove_at(0);
        let s = &mut self.slots[top.slot as usize];
        s.place = Place::Running;
        s.delay = u64::MAX;
        let proc = s.proc.take().expect("a timer in the heap has its callback");
        Some((
            TimerId {
                seq: top.seq,
                slot: top.slot,
            },
            proc,
        ))
    }

    /// Puts a timer whose callback ran back, as its outcome says: repeated
    /// (after the delay of `Repeat`, or of a `reschedule` from inside the
    /// callback), or removed, returning its finalizer to run. A callback
    /// that panicked leaves its timer live and due at once, after the other
    /// due timers, unless it deleted itself.
    pub(crate) fn finish(&mut self, id: TimerId, proc: T, outcome: Outcome) -> Option<Finalizer> {
        let s = &mut self.slots[id.slot as usize];
        debug_assert!(s.live && s.seq == id.seq && s.place == Place::Running);
        let rescheduled = s.delay;
        let delay = match outcome {
            _ if s.deleted => None,
            Outcome::Returned(TimerAction::NoMore) => None,
            Outcome::Returned(TimerAction::Repeat(_)) if rescheduled != u64::MAX => {
                Some(rescheduled)
            }
            Outcome::Returned(TimerAction::Repeat(d)) => Some(nanos(d)),
            Outcome::Panicked => Some(0),
        };
        match delay {
            None => self.free_slot(id.slot),
            Some(delay) => {
                self.slots[id.slot as usize].proc = Some(proc);
                let now = self.now();
                let e = Entry {
                    when: self.due_at(now, delay),
                    seq: id.seq,
                    slot: id.slot,
                };
                self.push(e);
                None
            }
        }
    }

    fn set(&mut self, pos: usize, e: Entry) {
        self.heap[pos] = e;
        self.positions[e.slot as usize] = pos as u32;
    }

    fn push(&mut self, e: Entry) {
        self.slots[e.slot as usize].place = Place::Heap;
        self.heap.push(e);
        self.sift_up(self.heap.len() - 1, e);
    }

    /// Removes the entry at `pos`: the last entry fills the hole and sifts.
    fn remove_at(&mut self, pos: usize) {
        let last = self.heap.pop().expect("remove_at on an empty heap");
        if pos < self.heap.len() {
            if pos > 0 && last.before(&self.heap[(pos - 1) / D]) {
                self.sift_up(pos, last);
            } else {
                self.sift_down(pos, last);
            }
        }
    }

    fn sift_up(&mut self, mut pos: usize, e: Entry) {
        while pos > 0 {
            let parent = (pos - 1) / D;
            let p = self.heap[parent];
            if !e.before(&p) {
                break;
            }
            self.set(pos, p);
            pos = parent;
        }
        self.set(pos, e);
    }

    fn sift_down(&mut self, mut pos: usize, e: Entry) {
        let len = self.heap.len();
        loop {
            let first = pos * D + 1;
            if first >= len {
                break;
            }
            let end = (first + D).min(len);
            let mut min = first;
            for c in first + 1..end {
                if self.heap[c].before(&self.heap[min]) {
                    min = c;
                }
            }
            let m = self.heap[min];
            if !m.before(&e) {
                break;
            }
            self.set(pos, m);
            pos = min;
        }
        self.set(pos, e);
    }
}

impl<T> Drop for Timers<T> {
    /// Every finalizer runs exactly once, also for timers still live when the
    /// loop goes away; in creation order, so the order is predictable. A
    /// finalizer that panics does not stop the others: the first panic is
    /// resumed once all have run.
    fn drop(&mut self) {
        let mut left: Vec<(TimerId, Finalizer)> = Vec::new();
        for (i, s) in self.slots.iter_mut().enumerate() {
            if let (true, Some(f)) = (s.live, s.finalizer.take()) {
                let id = TimerId {
                    seq: s.seq,
                    slot: i as u32,
                };
                left.push((id, f));
            }
        }
        left.sort_unstable_by_key(|(id, _)| *id);
        let mut first_panic = None;
        for (id, f) in left {
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| f(id))) {
                first_panic.get_or_insert(p);
            }
        }
        if let Some(p) = first_panic {
            panic::resume_unwind(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// A small xorshift generator: deterministic, no dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn check_invariants(t: &Timers<u32>) {
        for (i, e) in t.heap.iter().enumerate() {
            if i > 0 {
                assert!(!e.before(&t.heap[(i - 1) / D]), "heap order at {i}");
            }
            assert_eq!(t.positions[e.slot as usize] as usize, i, "position");
            assert_eq!(t.slots[e.slot as usize].place, Place::Heap);
        }
        for (i, &slot) in t.pending.iter().enumerate() {
            assert_eq!(t.positions[slot as usize] as usize, i, "pending position");
            assert_eq!(t.slots[slot as usize].place, Place::Pending);
        }
        assert_eq!(t.heap.len() + t.pending.len(), t.live);
    }

    /// Random creates, deletes, reschedules, clock readings and pops,
    /// against a model ordered by (deadline, creation): every pop is the
    /// model's earliest, ties in creation order, and the heap and the
    /// positions stay consistent.
    #[test]
    fn random_operations_match_an_ordered_model() {
        for seed in 1..=20u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut t: Timers<u32> = Timers::new();
            let mut heap: BTreeMap<(u64, u64), TimerId> = BTreeMap::new();
            let mut pending: Vec<(TimerId, u64)> = Vec::new();
            let mut live: Vec<TimerId> = Vec::new();
            let mut now = 0u64;
            for _ in 0..3000 {
                match rng.below(6) {
                    0 | 1 => {
                        let delay = rng.below(50);
                        let id = t.insert(Duration::from_nanos(delay), 0, None);
                        pending.push((id, delay));
                        live.push(id);
                    }
                    2 if !live.is_empty() => {
                        let id = live.swap_remove(rng.below(live.len() as u64) as usize);
                        assert!(t.delete(id).is_ok());
                        assert!(t.delete(id).is_err(), "deleted once");
                        heap.retain(|_, v| *v != id);
                        pending.retain(|(p, _)| *p != id);
                    }
                    3 if !live.is_empty() => {
                        let id = live[rng.below(live.len() as u64) as usize];
                        let delay = rng.below(50);
                        assert!(t.reschedule(id, Duration::from_nanos(delay)));
                        heap.retain(|_, v| *v != id);
                        pending.retain(|(p, _)| *p != id);
                        pending.push((id, delay));
                    }
                    4 => {
                        now += rng.below(20);
                        t.anchor(now);
                        for (id, delay) in pending.drain(..) {
                            heap.insert((now + delay, id.get()), id);
                        }
                    }
                    _ => {
                        let expected = heap
                            .first_key_value()
                            .filter(|((when, _), _)| *when <= now)
                            .map(|(_, id)| *id);
                        let got = t.next_due(now).map(|(id, _)| id);
                        assert_eq!(got, expected, "seed {seed}");
                        if let Some(id) = got {
                            heap.retain(|_, v| *v != id);
                            live.retain(|v| *v != id);
                            assert!(t
                                .finish(id, 0, Outcome::Returned(TimerAction::NoMore))
                                .is_none());
                            assert!(!t.reschedule(id, Duration::ZERO), "gone");
                        }
                    }
                }
                check_invariants(&t);
            }
        }
    }
}
