//! Buffers of big values the server let go of, kept for the next big bulk
//! argument.
//!
//! A big argument is read straight into its own buffer, which becomes the
//! stored value (Redis's `PROTO_MBULK_BIG_ARG`). Safe Rust reads only into
//! initialized memory, so a fresh buffer is zeroed before the read, and the
//! allocator returns and re-takes the heap around each freed value (the
//! cost is in docs/benchmarks.md). The buffer of a
//! value that a SET replaced is already initialized and already the right
//! size (every client storing values of one kind sends one size): reading
//! the next argument into it costs neither the zeroing nor an allocation.
//!
//! The pool is small and short-lived, so it is never memory a client can
//! make the server keep: at most [`BulkPool::MAX_BUFS`] buffers and
//! [`BulkPool::MAX_BYTES`] bytes, all freed by the cron once a tick passes
//! without use.

/// A bulk argument this long (its CRLF included) or longer is read straight
/// into its own buffer once this much of it is still to come; smaller ones
/// come through the shared read buffer (Redis's `PROTO_MBULK_BIG_ARG` is
/// 32 KiB; reading the last 16 KiB directly saves a copy at no cost).
pub const BIG_ARG: usize = 16 * 1024;

/// True when a buffer of `capacity` bytes holding `len` is worth trimming
/// before it is stored: the slack passes a quarter of the value (and a
/// page). The pool hands out only buffers that would not be trimmed, so
/// a stored value still costs about its size.
pub fn oversized(capacity: usize, len: usize) -> bool {
    capacity - len > (len / 4).max(4096)
}

/// The spare buffers (see the module documentation).
#[derive(Debug, Default)]
pub struct BulkPool {
    bufs: Vec<Vec<u8>>,
    bytes: usize,
    used: bool,
}

impl BulkPool {
    /// Buffers kept at most.
    pub const MAX_BUFS: usize = 8;
    /// Bytes kept at most.
    pub const MAX_BYTES: usize = 8 << 20;

    /// Keeps `buf` for a later big argument if it is big enough to be one
    /// and the pool has room; else frees it.
    pub fn give(&mut self, buf: Vec<u8>) {
        let cap = buf.capacity();
        if cap >= BIG_ARG && self.bufs.len() < Self::MAX_BUFS && self.bytes + cap <= Self::MAX_BYTES
        {
            self.bytes += cap;
            self.used = true;
            self.bufs.push(buf);
        }
    }

    /// A buffer that holds `need` bytes, is at most `max` long and would
    /// not be trimmed holding `need - 2` (an argument without its CRLF).
    /// Its contents are stale: initialized, and to be overwritten.
    pub fn take(&mut self, need: usize, max: usize) -> Option<Vec<u8>> {
        let i = self.bufs.iter().position(|b| {
            let cap = b.capacity();
            (need..=max).contains(&cap) && !oversized(cap, need.saturating_sub(2))
        })?;
        let buf = self.bufs.swap_remove(i);
        self.bytes -= buf.capacity();
        self.used = true;
        Some(buf)
    }

    /// The cron's call: frees every buffer if none was given or taken since
    /// the previous call.
    pub fn trim(&mut self) {
        if !std::mem::take(&mut self.used) {
            *self = BulkPool::default();
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_buffers_that_fit_without_waste() {
        let mut pool = BulkPool::default();
        pool.give(vec![7; 100]);
        assert_eq!(pool.bytes(), 0, "too small to be a big argument");
        pool.give(Vec::with_capacity(100_002));
        pool.give(Vec::with_capacity(1_000_002));
        assert_eq!(pool.bytes(), 1_100_004);
        assert!(pool.take(2_000_000, usize::MAX).is_none(), "none holds it");
        assert!(
            pool.take(20_000, usize::MAX).is_none(),
            "both would waste too much"
        );
        assert!(pool
            .take(900_000, 1 << 20)
            .is_some_and(|b| b.capacity() == 1_000_002));
        assert!(pool.take(100_002, 100_001).is_none(), "longer than allowed");
        let b = pool.take(100_002, 1 << 20).expect("the exact fit");
        assert_eq!(b.capacity(), 100_002);
        assert_eq!(pool.bytes(), 0);
    }

    #[test]
    fn holds_a_bounded_amount() {
        let mut pool = BulkPool::default();
        for _ in 0..2 * BulkPool::MAX_BUFS {
            pool.give(Vec::with_capacity(BIG_ARG));
        }
        assert_eq!(pool.bytes(), BulkPool::MAX_BUFS * BIG_ARG);
        let mut pool = BulkPool::default();
        for _ in 0..4 {
            pool.give(Vec::with_capacity(3 << 20));
        }
        assert!(pool.bytes() <= BulkPool::MAX_BYTES);
        assert_eq!(pool.bytes(), 6 << 20);
    }

    #[test]
    fn the_cron_frees_what_a_tick_did_not_use() {
        let mut pool = BulkPool::default();
        pool.give(Vec::with_capacity(BIG_ARG));
        pool.trim();
        assert_eq!(pool.bytes(), BIG_ARG, "used in this tick: kept");
        pool.trim();
        assert_eq!(pool.bytes(), 0, "unused for a tick: freed");
    }
}
