//! The heap count behind INFO used_memory (`ae_demo::heap`), in a test
//! binary of its own: it is one counter for the whole process, so no other
//! test may allocate beside it.

/// Allowance for what the test harness itself allocates meanwhile.
const SLACK: u64 = 64 << 10;

#[test]
fn the_heap_count_follows_allocations_reallocations_and_frees() {
    let before = ae_demo::heap::used();
    let block = vec![1u8; 1 << 20];
    let during = ae_demo::heap::used();
    assert!(during + SLACK >= before + (1 << 20), "{before} -> {during}");
    drop(block);
    let after = ae_demo::heap::used();
    assert!(after + (1 << 20) <= during + SLACK, "{during} -> {after}");

    // Grown by realloc: counted once (stats_alloc reports the growth in
    // two counters).
    let before = ae_demo::heap::used();
    let mut grown: Vec<u64> = Vec::new();
    for i in 0..(1u64 << 17) {
        grown.push(i);
    }
    let held = ae_demo::heap::used() - before;
    let capacity = (grown.capacity() * 8) as u64;
    assert!(
        held + SLACK >= capacity && held <= capacity + SLACK,
        "{held} held for a capacity of {capacity}"
    );
    drop(grown);
}
