//! The ae-core conformance suite on the poll backend.
ae_core::conformance_suite!(ae_poll::Poll, "poll");
