//! The ae-core conformance suite on the select backend.
ae_core::conformance_suite!(ae_select::Select, "select");
