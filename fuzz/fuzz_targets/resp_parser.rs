//! The RESP request parser on any bytes, split into reads in any way: no
//! panic, no hang, memory bounded by the input, and the same requests (and
//! protocol error) as the bytes in one piece. The checks live in
//! `ae_demo::fuzzing`, shared with the corpus test `ae-demo/tests/resp_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ae_demo::fuzzing::check(data);
});
