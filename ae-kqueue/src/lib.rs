//! The kqueue backend for [`ae_core`] (Redis's `ae_kqueue.c`): macOS,
//! FreeBSD, OpenBSD, NetBSD and DragonFly, and Linux through libkqueue.
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
//!     cargo test -p ae-kqueue --features libkqueue
//! ```
//! Without `LIBKQUEUE_DIR` the crate type-checks but does not link. Where
//! kqueue is not built in (Linux without the feature, other systems),
//! [`Kqueue`] still exists so callers need no cfg of their own, and creating
//! one fails with [`std::io::ErrorKind::Unsupported`] saying why.
#![warn(missing_docs)]

cfg_if::cfg_if! {
    if #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly",
    ))] {
        use libc as sys;
        mod kqueue;
        pub use kqueue::Kqueue;
        /// True where the kernel itself has kqueue (macOS and the BSDs), so
        /// it is the platform's best backend.
        pub const NATIVE: bool = true;
        /// True where [`Kqueue`] works in this build.
        pub const AVAILABLE: bool = true;
    } else if #[cfg(all(target_os = "linux", feature = "libkqueue"))] {
        mod sys;
        mod kqueue;
        pub use kqueue::Kqueue;
        /// True where the kernel itself has kqueue (macOS and the BSDs), so
        /// it is the platform's best backend.
        pub const NATIVE: bool = false;
        /// True where [`Kqueue`] works in this build.
        pub const AVAILABLE: bool = true;
    } else {
        mod unavailable;
        pub use unavailable::Kqueue;
        /// True where the kernel itself has kqueue (macOS and the BSDs), so
        /// it is the platform's best backend.
        pub const NATIVE: bool = false;
        /// True where [`Kqueue`] works in this build.
        pub const AVAILABLE: bool = false;
    }
}
