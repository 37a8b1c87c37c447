//! Where this build has no kqueue: a [`ae_core::Poller`] that cannot be
//! created, so code naming `ae_kqueue::Kqueue` compiles everywhere and learns
//! at run time, from a clear error, that it needs another backend.

ae_core::unavailable_poller!(
    /// kqueue is not built in here: [`ae_core::Poller::new`] fails with
    /// [`std::io::ErrorKind::Unsupported`]. No value of this type can exist.
    Kqueue,
    "the kqueue backend is not built in: on Linux build with --features libkqueue and LIBKQUEUE_DIR set"
);
