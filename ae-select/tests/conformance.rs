//! The ae-core conformance suite on the select backend.
ae_testkit::conformance_suite!(ae_select::Select, "select");
