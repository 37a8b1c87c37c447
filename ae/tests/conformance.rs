//! The ae-core conformance suite through [`ae::AnyPoller`], once for every
//! backend this build on this platform can run.
//!
//! The suite names its backend as a type; each type here is an `AnyPoller`
//! created on one fixed backend, delegating every call to it unchanged.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use ae::{AnyPoller, Backend, Fired, Mask, Poller};

macro_rules! any_poller_on {
    ($name:ident, $backend:expr) => {
        pub struct $name(AnyPoller);

        impl Poller for $name {
            fn new(set_size: usize) -> io::Result<Self> {
                AnyPoller::with_backend($backend, set_size).map($name)
            }
            fn resize(&mut self, set_size: usize) -> io::Result<()> {
                self.0.resize(set_size)
            }
            fn add(&mut self, fd: RawFd, old: Mask, added: Mask) -> io::Result<()> {
                self.0.add(fd, old, added)
            }
            fn remove(&mut self, fd: RawFd, old: Mask, removed: Mask) {
                self.0.remove(fd, old, removed)
            }
            fn poll(&mut self, t: Option<Duration>, fired: &mut Vec<Fired>) -> io::Result<()> {
                self.0.poll(t, fired)
            }
            fn name(&self) -> &'static str {
                self.0.name()
            }
            fn forget(&mut self, fd: RawFd) -> bool {
                self.0.forget(fd)
            }
            fn must_rebuild(&mut self) -> bool {
                self.0.must_rebuild()
            }
            fn rebuild(
                &mut self,
                registered: &mut dyn Iterator<Item = (RawFd, Mask)>,
            ) -> io::Result<()> {
                self.0.rebuild(registered)
            }
        }
    };
}

// ae's build script sets `ae_evport`, `ae_epoll` and `ae_kqueue` where
// they run; select and poll run everywhere.
any_poller_on!(AnyOnSelect, Backend::Select);
mod select {
    ae_testkit::conformance_suite!(super::AnyOnSelect, "select");
}

any_poller_on!(AnyOnPoll, Backend::Poll);
mod poll {
    ae_testkit::conformance_suite!(super::AnyOnPoll, "poll");
}

#[cfg(ae_evport)]
any_poller_on!(AnyOnEvport, Backend::Evport);
#[cfg(ae_evport)]
mod evport {
    ae_testkit::conformance_suite!(super::AnyOnEvport, "evport");
}

#[cfg(ae_epoll)]
any_poller_on!(AnyOnEpoll, Backend::Epoll);
#[cfg(ae_epoll)]
mod epoll {
    ae_testkit::conformance_suite!(super::AnyOnEpoll, "epoll");
}

#[cfg(ae_kqueue)]
any_poller_on!(AnyOnKqueue, Backend::Kqueue);
#[cfg(ae_kqueue)]
mod kqueue {
    ae_testkit::conformance_suite!(super::AnyOnKqueue, "kqueue");
}

/// Every backend this build can run is in the suite above: the list of
/// suites and `Backend::available` agree.
#[test]
fn every_available_backend_runs_the_suite() {
    let suites: &[Backend] = &[
        Backend::Select,
        Backend::Poll,
        #[cfg(ae_evport)]
        Backend::Evport,
        #[cfg(ae_epoll)]
        Backend::Epoll,
        #[cfg(ae_kqueue)]
        Backend::Kqueue,
    ];
    for b in Backend::available() {
        assert!(suites.contains(&b), "{b} is available but not tested");
    }
}
