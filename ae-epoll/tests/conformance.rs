//! The ae-core conformance suite on the epoll backend.

#[cfg(any(target_os = "linux", target_os = "android"))]
ae_testkit::conformance_suite!(ae_epoll::Epoll, "epoll");

/// One visible line where epoll cannot run, instead of a suite that passes
/// without running.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[test]
#[ignore = "epoll exists on Linux and Android only"]
fn epoll_conformance_suite_not_run() {}
