//! The conformance cases that start child processes, on event ports, in a
//! test binary of their own (see `ae_testkit::OWN_PROCESS_CASES`).

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
ae_testkit::own_process_cases!(ae_evport::Evport);
