//! The conformance cases that start child processes, on poll, in a test
//! binary of their own (see `ae_core::testkit::OWN_PROCESS_CASES`).
ae_core::own_process_cases!(ae_poll::Poll);
