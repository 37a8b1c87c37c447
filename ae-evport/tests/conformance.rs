//! The ae-core conformance suite on the event-port backend.

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
ae_testkit::conformance_suite!(ae_evport::Evport, "evport");

/// One visible line where event ports cannot run, instead of a suite that
/// passes without running.
#[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
#[test]
#[ignore = "event ports exist on illumos and Solaris only"]
fn evport_conformance_suite_not_run() {}
