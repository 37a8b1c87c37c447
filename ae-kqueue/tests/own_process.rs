//! The conformance cases that start child processes, on kqueue, in a test
//! binary of their own (see `ae_testkit::OWN_PROCESS_CASES`).

#[cfg(ae_kqueue_runnable)]
ae_testkit::own_process_cases!(ae_kqueue::Kqueue);
