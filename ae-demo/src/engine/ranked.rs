//! A sequence kept in order by its owner, read and changed by position:
//! what a sorted set needs from Redis's skiplist (insert and delete in
//! O(log n), a member's rank, the members from a rank on). One `Vec` made
//! inserting into a big sorted set O(n): ZADD of random members into a set
//! growing to 400 000 ran at 13 000 a second against Redis's 186 000. Here
//! the elements are held in chunks of at most `2 * LOAD` (the layout of
//! Python's `sortedcontainers`), so an insert moves at most one chunk's
//! elements and the start positions of the chunks after it.

use std::cmp::Ordering;
use std::ops::{Index, Range};

/// Chunks are split past twice this many elements, and merged with a
/// neighbour under a quarter of it.
const LOAD: usize = 512;

/// Elements by position, in chunks.
#[derive(Clone, Debug)]
pub struct Ranked<T> {
    /// The elements, each chunk non-empty.
    chunks: Vec<Vec<T>>,
    /// The position of each chunk's first element.
    starts: Vec<usize>,
    len: usize,
}

impl<T> Default for Ranked<T> {
    fn default() -> Self {
        Ranked {
            chunks: Vec::new(),
            starts: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Ranked<T> {
    /// Elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// None held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The elements in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }

    /// The chunk holding position `i` (< len) and the offset in it.
    fn locate(&self, i: usize) -> (usize, usize) {
        let k = self.starts.partition_point(|&s| s <= i) - 1;
        (k, i - self.starts[k])
    }

    /// The number of leading elements for which `pred` holds, as
    /// `slice::partition_point` (the elements are partitioned by it).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let k = self
            .chunks
            .partition_point(|c| c.last().is_some_and(&mut pred));
        match self.chunks.get(k) {
            None => self.len,
            Some(chunk) => self.starts[k] + chunk.partition_point(pred),
        }
    }

    /// Where an element comparing as `f` says is, or would go, as
    /// `slice::binary_search_by`.
    pub fn binary_search_by(&self, mut f: impl FnMut(&T) -> Ordering) -> Result<usize, usize> {
        let k = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|x| f(x) == Ordering::Less));
        match self.chunks.get(k) {
            None => Err(self.len),
            Some(chunk) => match chunk.binary_search_by(f) {
                Ok(j) => Ok(self.starts[k] + j),
                Err(j) => Err(self.starts[k] + j),
            },
        }
    }

    /// Puts `x` at position `i` (at most len), the later ones moving up.
    pub fn insert(&mut self, i: usize, x: T) {
        assert!(i <= self.len, "insert at {i} past {}", self.len);
        if self.chunks.is_empty() {
            self.chunks.push(vec![x]);
            self.starts.push(0);
            self.len = 1;
            return;
        }
        let (k, off) = if i == self.len {
            let k = self.chunks.len() - 1;
            (k, self.chunks[k].len())
        } else {
            self.locate(i)
        };
        self.chunks[k].insert(off, x);
        self.len += 1;
        for s in &mut self.starts[k + 1..] {
            *s += 1;
        }
        if self.chunks[k].len() > 2 * LOAD {
            let tail = self.chunks[k].split_off(LOAD);
            self.chunks.insert(k + 1, tail);
            self.starts.insert(k + 1, self.starts[k] + LOAD);
        }
    }

    /// Takes the element at position `i` (< len) out.
    pub fn remove(&mut self, i: usize) -> T {
        let (k, off) = self.locate(i);
        let x = self.chunks[k].remove(off);
        self.len -= 1;
        for s in &mut self.starts[k + 1..] {
            *s -= 1;
        }
        self.rebalance(k);
        x
    }

    /// Takes the elements at `range` out, in order.
    pub fn drain(&mut self, range: Range<usize>) -> Vec<T> {
        let Range { start, end } = range;
        assert!(
            start <= end && end <= self.len,
            "drain {start}..{end} of {}",
            self.len
        );
        let mut out = Vec::with_capacity(end - start);
        for (chunk, &at) in self.chunks.iter_mut().zip(&self.starts) {
            let (from, to) = (start.max(at), end.min(at + chunk.len()));
            if from < to {
                out.extend(chunk.drain(from - at..to - at));
            }
        }
        self.chunks.retain(|c| !c.is_empty());
        self.len -= out.len();
        self.restart(0);
        out
    }

    /// Recomputes the chunk starts from chunk `k` on.
    fn restart(&mut self, k: usize) {
        self.starts.truncate(k);
        let mut at = match k {
            0 => 0,
            _ => self.starts[k - 1] + self.chunks[k - 1].len(),
        };
        for chunk in &self.chunks[k..] {
            self.starts.push(at);
            at += chunk.len();
        }
    }

    /// After chunk `k` shrank: drops it if empty, merges it into a
    /// neighbour if small (so that deletions cannot leave many tiny chunks
    /// for every insert to walk past).
    fn rebalance(&mut self, k: usize) {
        if self.chunks[k].is_empty() {
            self.chunks.remove(k);
            self.starts.remove(k);
            return;
        }
        if self.chunks[k].len() >= LOAD / 4 || self.chunks.len() == 1 {
            return;
        }
        // Into the one before it, or the first into the second.
        let into = k.saturating_sub(1);
        let moved = self.chunks.remove(into + 1);
        self.chunks[into].extend(moved);
        if self.chunks[into].len() > 2 * LOAD {
            let half = self.chunks[into].len() / 2;
            let tail = self.chunks[into].split_off(half);
            self.chunks.insert(into + 1, tail);
        }
        self.restart(into);
    }
}

impl<T> Index<usize> for Ranked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        assert!(i < self.len, "index {i} of {}", self.len);
        let (k, off) = self.locate(i);
        &self.chunks[k][off]
    }
}

impl<T> IntoIterator for Ranked<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation against a plain `Vec` doing the same, through
    /// enough elements for many chunks to split and merge.
    #[test]
    fn behaves_as_a_sorted_vec() {
        let mut r: Ranked<u32> = Ranked::default();
        let mut v: Vec<u32> = Vec::new();
        let mut x: u32 = 12345;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for step in 0..40_000 {
            let n = next();
            if step % 3 == 2 && !v.is_empty() {
                let i = n as usize % v.len();
                assert_eq!(r.remove(i), v.remove(i));
            } else {
                let key = n % 10_000;
                let at = v.partition_point(|&e| e < key);
                assert_eq!(r.partition_point(|&e| e < key), at);
                // Among equal elements either search may find any one.
                match (r.binary_search_by(|e| e.cmp(&key)), v.binary_search(&key)) {
                    (Ok(i), Ok(_)) => assert_eq!(r[i], key),
                    (found, want) => assert_eq!(found, want),
                }
                r.insert(at, key);
                v.insert(at, key);
            }
            if step % 997 == 0 {
                assert!(r.iter().eq(v.iter()));
                for i in (0..v.len()).step_by(97) {
                    assert_eq!(r[i], v[i]);
                }
            }
        }
        assert_eq!(r.len(), v.len());
        assert!(r.iter().rev().eq(v.iter().rev()));
        // Draining across chunks, from either end and the middle.
        for pick in [|_| (0, 10), |n| (n - 700, n), |_| (100, 3000), |_| (5, 5)] {
            let (from, to): (usize, usize) = pick(v.len());
            assert_eq!(r.drain(from..to), v.drain(from..to).collect::<Vec<_>>());
            assert_eq!(r.len(), v.len());
            assert!(r.iter().eq(v.iter()));
        }
        // Removing all but a few merges the chunks down.
        while v.len() > 3 {
            assert_eq!(r.remove(1), v.remove(1));
        }
        assert!(r.clone().into_iter().eq(v.clone()));
        assert!(r.chunks.len() == 1 && r.starts == [0]);
        assert_eq!(r.drain(0..3), v);
        assert!(r.is_empty() && r.chunks.is_empty());
        assert_eq!(r.partition_point(|_| true), 0);
    }
}
