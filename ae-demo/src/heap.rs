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
    // A realloc counts its growth in bytes_allocated (a shrink in
    // bytes_deallocated) and again in bytes_reallocated: the first two
    // alone are the balance.
    let s = GLOBAL.stats();
    s.bytes_allocated.saturating_sub(s.bytes_deallocated) as u64
}
