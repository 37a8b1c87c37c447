//! The ae-core conformance suite on the epoll backend.
ae_core::conformance_suite!(ae_epoll::Epoll, "epoll");
