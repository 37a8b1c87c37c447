//! The conformance cases that start child processes, on epoll, in a test
//! binary of their own (see `ae_testkit::OWN_PROCESS_CASES`).

#[cfg(any(target_os = "linux", target_os = "android"))]
ae_testkit::own_process_cases!(ae_epoll::Epoll);
