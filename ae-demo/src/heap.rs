//! The heap the server holds, counted by the allocator itself: INFO's
//! `used_memory` is what was allocated and not yet freed, as Redis's
//! `zmalloc_used_memory`, not the resident size the kernel reports.

use std::alloc::System;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

// Every binary linking this crate (the server, its tests and benches)
// counts: the library is the demo's, never another program's dependency.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed.
pub fn used() -> u64 {
    let s = GLOBAL.stats();
    let held =
        s.bytes_allocated as i128 - s.bytes_deallocated as i128 + s.bytes_reallocated as i128;
    held.max(0) as u64
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_what_is_held() {
        let before = super::used();
        let block = vec![1u8; 1 << 20];
        let during = super::used();
        drop(block);
        let after = super::used();
        // Other test threads allocate too: only a megabyte is sure to show.
        assert!(
            during >= before + (1 << 20) - (64 << 10),
            "{before} {during}"
        );
        assert!(after + (1 << 20) - (64 << 10) <= during, "{during} {after}");
    }
}
