//! The kqueue backend for [`ae_core`] (Redis's `ae_kqueue.c`): macOS,
//! FreeBSD, OpenBSD, NetBSD and DragonFly, and Linux through libkqueue.
//!
//! To start: `ae-kqueue = { package = "ae-loop-kqueue", path = "../ae/ae-kqueue" }` (from a
//! checkout at `../ae`), then `EventLoop::<Kqueue, S>::new(setsize)`, the
//! [`ae_core::EventLoop`] on this backend; a server usually depends on `ae`
//! (package `ae-loop`) instead, which chooses the backend.
//!
//! READABLE and WRITABLE are two separate filters (`EVFILT_READ`,
//! `EVFILT_WRITE`). Only registered filters are ever deleted (Valkey #715);
//! the read and write results of one fd in one poll are merged into one
//! [`ae_core::Fired`] entry, so read-before-write and BARRIER hold (Redis #9416);
//! `EV_EOF` and `EV_ERROR` results are reported as READABLE and WRITABLE, so
//! the handler meets the condition on its next read or write.
//!
//! ## On Linux
//! Enable the `libkqueue` feature and point `LIBKQUEUE_DIR` at the install
//! prefix of [libkqueue](https://github.com/mheily/libkqueue) (the folder with
//! `lib/libkqueue.so` and `include/`); run with its `lib/` on
//! `LD_LIBRARY_PATH`:
//!
//! ```sh
//! LIBKQUEUE_DIR=/opt/libkqueue LD_LIBRARY_PATH=/opt/libkqueue/lib \
//!     cargo test -p ae-loop-kqueue --features libkqueue
//! ```
//! Without `LIBKQUEUE_DIR` the crate type-checks but does not link. Where
//! kqueue is not built in (Linux without the feature, other systems),
//! [`Kqueue`] still exists so callers need no cfg of their own, and creating
//! one fails with [`std::io::ErrorKind::Unsupported`] saying why.
#![warn(missing_docs)]

// Where kqueue exists is build.rs's to say (cfg `ae_kqueue`), once for this
// crate, its tests and `ae`, which reads the constants below.
cfg_if::cfg_if! {
    if #[cfg(ae_kqueue = "native")] {
        use libc as sys;
        mod kqueue;
        pub use kqueue::Kqueue;
    } else if #[cfg(ae_kqueue = "libkqueue")] {
        mod sys;
        mod kqueue;
        pub use kqueue::Kqueue;
    } else {
        mod unavailable;
        pub use unavailable::Kqueue;
    }
}

/// True where the kernel itself has kqueue (macOS and the BSDs), rather than
/// libkqueue emulating it on Linux.
pub const NATIVE: bool = cfg!(ae_kqueue = "native");

/// True where [`Kqueue`] works in this build: natively, or on Linux with the
/// `libkqueue` feature and `LIBKQUEUE_DIR` naming the library (without it
/// the backend type-checks but cannot link).
pub const AVAILABLE: bool = cfg!(ae_kqueue_runnable);
