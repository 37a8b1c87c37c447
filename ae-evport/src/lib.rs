//! The event-port backend for [`ae_core`] on illumos and Solaris (Redis's
//! `ae_evport.c`), the best backend there, as in Redis.
//!
//! To start: `ae-evport = { package = "ae-loop-evport", path = "../ae/ae-evport" }` (from a
//! checkout at `../ae`), then `EventLoop::<Evport, S>::new(setsize)`, the
//! [`ae_core::EventLoop`] on this backend; a server usually depends on `ae`
//! (package `ae-loop`) instead, which chooses the backend.
//!
//! An event port is one-shot: an fd it reports is dissociated from the
//! port. ae is level-triggered, so every fd a poll reports is associated
//! again when the next poll starts, once its handlers have run (as Redis
//! does); until then its interest is kept here, and changes made by
//! handlers in between update what will be associated. READABLE/WRITABLE
//! become `POLLIN`/`POLLOUT`; `POLLERR`, `POLLHUP` and `POLLNVAL` come back
//! as READABLE and WRITABLE, as on epoll and poll.
//!
//! Off illumos and Solaris, [`Evport`] still exists, so callers need no cfg
//! of their own, and creating one fails with
//! [`std::io::ErrorKind::Unsupported`]. Its tests run only on illumos and
//! Solaris: on other systems the crate is type-checked
//! (`cargo check --target x86_64-unknown-illumos -p ae-loop-evport --all-targets`)
//! and its conformance test is reported as ignored.
#![warn(missing_docs)]

cfg_if::cfg_if! {
    if #[cfg(any(target_os = "illumos", target_os = "solaris"))] {
        mod evport;
        pub use evport::Evport;
        /// True where [`Evport`] works in this build: illumos and Solaris.
        pub const AVAILABLE: bool = true;
    } else {
        ae_core::unavailable_poller!(
            /// Event ports are illumos's and Solaris's: here
            /// [`ae_core::Poller::new`] fails with
            /// [`std::io::ErrorKind::Unsupported`]. No value of this type
            /// can exist.
            ///
            /// ```
            /// use ae_core::EventLoop;
            /// use ae_evport::{Evport, AVAILABLE};
            ///
            /// let created = EventLoop::<Evport>::new(1024);
            /// assert_eq!(created.is_ok(), AVAILABLE);
            /// ```
            Evport,
            "the evport backend exists on illumos and Solaris only"
        );
        /// True where [`Evport`] works in this build: illumos and Solaris.
        pub const AVAILABLE: bool = false;
    }
}
