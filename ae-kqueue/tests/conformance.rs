//! The conformance suite of `ae-core`, on kqueue.

#[cfg(ae_kqueue_runnable)]
ae_testkit::conformance_suite!(ae_kqueue::Kqueue, "kqueue");

/// One visible line where kqueue cannot run, instead of a suite that passes
/// without running.
#[cfg(not(ae_kqueue_runnable))]
#[test]
#[ignore = "kqueue is not available: on Linux build with --features libkqueue and LIBKQUEUE_DIR set (see ae-kqueue's docs)"]
fn kqueue_conformance_suite_not_run() {}
