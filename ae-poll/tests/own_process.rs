//! The conformance cases that start child processes, on poll, in a test
//! binary of their own (see `ae_testkit::OWN_PROCESS_CASES`).
ae_testkit::own_process_cases!(ae_poll::Poll);
