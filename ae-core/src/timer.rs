//! Time events: ids that never repeat, deadlines on the monotonic clock, and
//! a binary heap so the earliest deadline is found in O(log n) (ae.c scans a
//! list, which made every iteration O(n) in the number of timers).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

/// Identifies a time event. Ids come from a 64-bit counter and are never
/// reused, so a stale id can only ever name nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub(crate) u64);

impl TimerId {
    /// The id as a number, as ae.c's `long long id`.
    pub fn get(self) -> u64 {
        self.0
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

/// Timer ids are sequential: a multiplicative hash spreads them at a fraction
/// of SipHash's cost.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0 ^ u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) struct Timer<T> {
    pub(crate) when: Instant,
    /// `None` while the callback runs: the loop holds it.
    pub(crate) proc: Option<T>,
    pub(crate) finalizer: Option<Box<dyn FnOnce(TimerId)>>,
    /// Deleted while its callback was running; removed when it returns.
    pub(crate) deleted: bool,
}

impl<T> Timer<T> {
    pub(crate) fn finalize(mut self, id: TimerId) {
        if let Some(f) = self.finalizer.take() {
            f(id);
        }
    }
}

/// The timer table: `T` is the callback type, kept generic so this file knows
/// nothing of the loop.
pub(crate) struct Timers<T> {
    next_id: u64,
    pub(crate) table: HashMap<u64, Timer<T>, BuildHasherDefault<IdHasher>>,
    /// Deadlines, earliest on top, ties in id (creation) order. Deleting only
    /// removes from `table`; a heap entry whose timer is gone or has another
    /// deadline is stale and skipped, and the heap is compacted when stale
    /// entries outnumber live ones, so deletes stay O(1) amortised.
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    /// The ids due in the current pass, kept to reuse its allocation.
    pub(crate) due: Vec<u64>,
}

/// `now + delay`, saturating far in the future instead of overflowing
/// (ae.c's millisecond arithmetic overflowed past ~35 minutes, Redis #12474).
pub(crate) fn deadline(now: Instant, delay: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    now.checked_add(delay)
        .or_else(|| now.checked_add(FAR))
        .unwrap_or(now)
}

impl<T> Timers<T> {
    pub(crate) fn new() -> Self {
        Timers {
            next_id: 0,
            table: HashMap::default(),
            heap: BinaryHeap::new(),
            due: Vec::new(),
        }
    }

    /// The id the next timer will get: timers with a lower id existed before.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id
    }

    pub(crate) fn insert(
        &mut self,
        when: Instant,
        proc: T,
        finalizer: Option<Box<dyn FnOnce(TimerId)>>,
    ) -> TimerId {
        let id = self.next_id;
        self.next_id += 1;
        self.table.insert(
            id,
            Timer {
                when,
                proc: Some(proc),
                finalizer,
                deleted: false,
            },
        );
        self.heap.push(Reverse((when, id)));
        TimerId(id)
    }

    /// Schedules a timer whose callback just returned `Repeat`.
    pub(crate) fn reschedule(&mut self, id: u64, when: Instant, proc: T) {
        if let Some(t) = self.table.get_mut(&id) {
            t.when = when;
            t.proc = Some(proc);
            self.heap.push(Reverse((when, id)));
        }
    }

    fn is_live(&self, when: Instant, id: u64) -> bool {
        self.table
            .get(&id)
            .is_some_and(|t| t.when == when && t.proc.is_some() && !t.deleted)
    }

    /// Removes the timer and returns it for finalizing, or marks it deleted
    /// when its callback is running. `None`: no such timer.
    pub(crate) fn delete(&mut self, id: u64) -> Option<Option<Timer<T>>> {
        let t = self.table.get_mut(&id)?;
        if t.deleted {
            return None;
        }
        if t.proc.is_none() {
            t.deleted = true;
            return Some(None);
        }
        let t = self.table.remove(&id);
        if self.heap.len() > 64 + 2 * self.table.len() {
            let table = &self.table;
            self.heap
                .retain(|&Reverse((when, id))| table.get(&id).is_some_and(|t| t.when == when));
        }
        Some(t)
    }

    /// The earliest live deadline, dropping stale heap entries on the way.
    pub(crate) fn earliest(&mut self) -> Option<Instant> {
        while let Some(&Reverse((when, id))) = self.heap.peek() {
            if self.is_live(when, id) {
                return Some(when);
            }
            self.heap.pop();
        }
        None
    }

    /// Moves the ids of live timers due at `now` and created before `max_id`
    /// into `due`, in deadline then creation order.
    pub(crate) fn collect_due(&mut self, now: Instant, max_id: u64, due: &mut Vec<u64>) {
        while let Some(&Reverse((when, id))) = self.heap.peek() {
            if when > now {
                break;
            }
            self.heap.pop();
            if id < max_id && self.is_live(when, id) {
                due.push(id);
            }
        }
    }
}

impl<T> Drop for Timers<T> {
    /// Every finalizer runs exactly once, also for timers still live when the
    /// loop goes away; in creation order, so the order is predictable.
    fn drop(&mut self) {
        let mut left: Vec<_> = self.table.drain().collect();
        left.sort_unstable_by_key(|(id, _)| *id);
        for (id, t) in left {
            t.finalize(TimerId(id));
        }
    }
}
