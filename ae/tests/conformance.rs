//! The ae-core conformance suite through [`ae::AnyPoller`], once for every
//! backend this build on this platform can run.
//!
//! The suite names its backend as a type; each type here is an `AnyPoller`
//! created on one fixed backend, delegating every call to it unchanged.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
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
            fn after_fork(
                &mut self,
                registered: &mut dyn Iterator<Item = (RawFd, Mask)>,
            ) -> io::Result<()> {
                self.0.after_fork(registered)
            }
            fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
                self.0.poll_fd()
            }
        }
    };
}

// One suite per backend on every platform: where a backend cannot run in
// this build (`Backend::is_available`, which its own crate decides), its
// tests say on stderr that they are skipped.
any_poller_on!(AnyOnSelect, Backend::Select);
mod select {
    ae_testkit::conformance_suite!(
        super::AnyOnSelect,
        "select",
        ae::Backend::Select.is_available()
    );
}

any_poller_on!(AnyOnPoll, Backend::Poll);
mod poll {
    ae_testkit::conformance_suite!(super::AnyOnPoll, "poll", ae::Backend::Poll.is_available());
}

any_poller_on!(AnyOnEvport, Backend::Evport);
mod evport {
    ae_testkit::conformance_suite!(
        super::AnyOnEvport,
        "evport",
        ae::Backend::Evport.is_available()
    );
}

any_poller_on!(AnyOnEpoll, Backend::Epoll);
mod epoll {
    ae_testkit::conformance_suite!(
        super::AnyOnEpoll,
        "epoll",
        ae::Backend::Epoll.is_available()
    );
}

any_poller_on!(AnyOnKqueue, Backend::Kqueue);
mod kqueue {
    ae_testkit::conformance_suite!(
        super::AnyOnKqueue,
        "kqueue",
        ae::Backend::Kqueue.is_available()
    );
}

/// Every backend has a suite above, so whatever this build can run is
/// tested: the list of suites is `Backend::ALL`.
#[test]
fn every_backend_has_a_suite() {
    let suites = [
        Backend::Select,
        Backend::Poll,
        Backend::Evport,
        Backend::Epoll,
        Backend::Kqueue,
    ];
    for b in Backend::ALL {
        assert!(suites.contains(&b), "{b} has no suite");
    }
}
