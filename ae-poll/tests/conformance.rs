//! The ae-core conformance suite on the poll backend.
ae_testkit::conformance_suite!(ae_poll::Poll, "poll");
