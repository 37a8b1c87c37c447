//! The fuzz target's seed corpus (`tests/corpus`, which
//! `fuzz/corpus/resp_parser` links to), replayed as an
//! ordinary test with the target's own checks (`ae_demo::fuzzing`): every
//! input as the fuzzer reads it, and its payload again in reads of several
//! fixed sizes.

use std::path::Path;

use ae_demo::fuzzing::{check, check_split, decode};

#[test]
fn resp_parser_corpus_passes_the_fuzz_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    inputs.sort();
    // An emptied corpus must not pass silently.
    assert!(
        inputs.len() >= 30,
        "only {} inputs in {}",
        inputs.len(),
        dir.display()
    );
    for path in &inputs {
        let input = std::fs::read(path).expect("read corpus file");
        let name = path.file_name().unwrap().to_string_lossy();
        let (_, payload) = decode(&input);
        let result = std::panic::catch_unwind(|| {
            check(&input);
            // Tiny reads of a long line rescan it each time (quadratic, as
            // in Redis): keep them to short payloads so the test stays fast.
            if payload.len() <= 4096 {
                for size in [1, 2, 3, 7, 16] {
                    check_split(payload, &[size]);
                }
                check_split(payload, &[1, 5, 2, 300]);
            }
            for size in [1024, 16 * 1024] {
                check_split(payload, &[size]);
            }
        });
        assert!(result.is_ok(), "corpus input {name} fails the checks");
    }
}
