//! The conformance cases that start child processes, on epoll, in a test
//! binary of their own (see `ae_core::testkit::OWN_PROCESS_CASES`).

#[cfg(any(target_os = "linux", target_os = "android"))]
ae_core::own_process_cases!(ae_epoll::Epoll);
