//! The Linux epoll backend for [`ae_core`] (Redis's `ae_epoll.c`).
//!
//! To start: `ae-epoll = { package = "ae-loop-epoll", path = "../ae/ae-epoll" }` (from a
//! checkout at `../ae`), then `EventLoop::<Epoll, S>::new(setsize)`, the
//! [`ae_core::EventLoop`] on this backend; a server usually depends on `ae`
//! (package `ae-loop`) instead, which chooses the backend.
//!
//! One translation, nothing else: READABLE/WRITABLE become `EPOLLIN`/
//! `EPOLLOUT`; a new fd is `EPOLL_CTL_ADD`ed, a changed one `MOD`ed, an
//! emptied one `DEL`eted; `EPOLLERR`/`EPOLLHUP` come back as READABLE and
//! WRITABLE so the handler sees the failure on its next read or write.
//! Level-triggered, as ae is.
//!
//! Off Linux and Android, [`Epoll`] still exists, so callers need no cfg of
//! their own, and creating one fails with
//! [`std::io::ErrorKind::Unsupported`].
#![warn(missing_docs)]

cfg_if::cfg_if! {
    if #[cfg(any(target_os = "linux", target_os = "android"))] {
        mod epoll;
        pub use epoll::Epoll;
        /// True where [`Epoll`] works in this build: Linux and Android.
        pub const AVAILABLE: bool = true;
    } else {
        ae_core::unavailable_poller!(
            /// epoll is Linux's: here [`ae_core::Poller::new`] fails with
            /// [`std::io::ErrorKind::Unsupported`]. No value of this type
            /// can exist.
            Epoll,
            "the epoll backend exists on Linux and Android only"
        );
        /// True where [`Epoll`] works in this build: Linux and Android.
        pub const AVAILABLE: bool = false;
    }
}
