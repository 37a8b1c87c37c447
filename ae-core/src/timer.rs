//! Time events: ids that never repeat, deadlines on the monotonic clock, and
//! a binary heap so the earliest deadline is found in O(log n) (ae.c scans a
//! list, which made every iteration O(n) in the number of timers).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
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

/// One slot of the timer table; `seq` names its current occupant.
struct Slot<T> {
    seq: u64,
    timer: Option<Timer<T>>,
}

/// The timer table: `T` is the callback type, kept generic so this file knows
/// nothing of the loop. Timers live in a slab of slots reused through a free
/// list, so creating and deleting touch memory in order and hash nothing.
pub(crate) struct Timers<T> {
    next_seq: u64,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    live: usize,
    /// Deadlines, earliest on top, ties in creation order. Deleting only
    /// empties the slot; a heap entry whose timer is gone or has another
    /// deadline is stale and skipped, and the heap is compacted when stale
    /// entries outnumber live ones, so deletes stay O(1) amortised.
    heap: BinaryHeap<Reverse<(Instant, TimerId)>>,
    /// The timers due in the current pass, kept to reuse its allocation.
    pub(crate) due: Vec<TimerId>,
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
            next_seq: 0,
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            heap: BinaryHeap::new(),
            due: Vec::new(),
        }
    }

    /// The sequence number the next timer will get: timers with a lower one
    /// existed before.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn insert(
        &mut self,
        when: Instant,
        proc: T,
        finalizer: Option<Box<dyn FnOnce(TimerId)>>,
    ) -> TimerId {
        let seq = self.next_seq;
        self.next_seq += 1;
        let timer = Some(Timer {
            when,
            proc: Some(proc),
            finalizer,
            deleted: false,
        });
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Slot { seq, timer };
                slot
            }
            None => {
                // More than 2^32 live timers would need more memory than
                // exists; the cast cannot truncate in practice.
                self.slots.push(Slot { seq, timer });
                (self.slots.len() - 1) as u32
            }
        };
        self.live += 1;
        let id = TimerId { seq, slot };
        self.heap.push(Reverse((when, id)));
        id
    }

    /// True when no deadline is pending (not even a stale one).
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The live timer named by `id`.
    pub(crate) fn get_mut(&mut self, id: TimerId) -> Option<&mut Timer<T>> {
        let slot = self.slots.get_mut(id.slot as usize)?;
        if slot.seq != id.seq {
            return None;
        }
        slot.timer.as_mut()
    }

    /// Takes the timer out of its slot, which becomes free.
    pub(crate) fn remove(&mut self, id: TimerId) -> Option<Timer<T>> {
        let slot = self.slots.get_mut(id.slot as usize)?;
        if slot.seq != id.seq {
            return None;
        }
        let timer = slot.timer.take()?;
        self.free.push(id.slot);
        self.live -= 1;
        if self.heap.len() > 64 + 2 * self.live {
            let slots = &self.slots;
            self.heap.retain(|&Reverse((when, id))| {
                let s = &slots[id.slot as usize];
                s.seq == id.seq && s.timer.as_ref().is_some_and(|t| t.when == when)
            });
        }
        Some(timer)
    }

    /// Schedules a timer whose callback just returned `Repeat`.
    pub(crate) fn reschedule(&mut self, id: TimerId, when: Instant, proc: T) {
        if let Some(t) = self.get_mut(id) {
            t.when = when;
            t.proc = Some(proc);
            self.heap.push(Reverse((when, id)));
        }
    }

    fn is_live(&self, when: Instant, id: TimerId) -> bool {
        let slot = &self.slots[id.slot as usize];
        slot.seq == id.seq
            && slot
                .timer
                .as_ref()
                .is_some_and(|t| t.when == when && t.proc.is_some() && !t.deleted)
    }

    /// Removes the timer and returns it for finalizing, or marks it deleted
    /// when its callback is running. `None`: no such timer.
    pub(crate) fn delete(&mut self, id: TimerId) -> Option<Option<Timer<T>>> {
        let t = self.get_mut(id)?;
        if t.deleted {
            return None;
        }
        if t.proc.is_none() {
            t.deleted = true;
            return Some(None);
        }
        Some(self.remove(id))
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

    /// Moves the ids of live timers due at `now` and created before
    /// `max_seq` into `due`, in deadline then creation order.
    pub(crate) fn collect_due(&mut self, now: Instant, max_seq: u64, due: &mut Vec<TimerId>) {
        while let Some(&Reverse((when, id))) = self.heap.peek() {
            if when > now {
                break;
            }
            self.heap.pop();
            if id.seq < max_seq && self.is_live(when, id) {
                due.push(id);
            }
        }
    }
}

impl<T> Drop for Timers<T> {
    /// Every finalizer runs exactly once, also for timers still live when the
    /// loop goes away; in creation order, so the order is predictable.
    fn drop(&mut self) {
        let mut left: Vec<(TimerId, Timer<T>)> = self
            .slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| {
                let id = TimerId {
                    seq: s.seq,
                    slot: i as u32,
                };
                s.timer.take().map(|t| (id, t))
            })
            .collect();
        left.sort_unstable_by_key(|(id, _)| *id);
        for (id, t) in left {
            t.finalize(id);
        }
    }
}
