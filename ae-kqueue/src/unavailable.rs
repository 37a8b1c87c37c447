//! Where this build has no kqueue: a [`Poller`] that cannot be created, so
//! code naming `ae_kqueue::Kqueue` compiles everywhere and learns at run time,
//! from a clear error, that it needs another backend.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use ae_core::{Fired, Mask, Poller};

/// kqueue is not built in here: [`Poller::new`] fails with
/// [`io::ErrorKind::Unsupported`]. No value of this type can exist.
pub struct Kqueue(Never);

enum Never {}

impl Poller for Kqueue {
    fn new(_set_size: usize) -> io::Result<Self> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "the kqueue backend is not built in: on Linux build with --features libkqueue and LIBKQUEUE_DIR set",
        ))
    }

    fn resize(&mut self, _set_size: usize) -> io::Result<()> {
        match self.0 {}
    }

    fn add(&mut self, _fd: RawFd, _old: Mask, _added: Mask) -> io::Result<()> {
        match self.0 {}
    }

    fn remove(&mut self, _fd: RawFd, _old: Mask, _removed: Mask) {
        match self.0 {}
    }

    fn poll(&mut self, _timeout: Option<Duration>, _fired: &mut Vec<Fired>) -> io::Result<()> {
        match self.0 {}
    }

    fn name(&self) -> &'static str {
        match self.0 {}
    }
}
