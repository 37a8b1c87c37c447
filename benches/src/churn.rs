//! Registration churn: create and delete a READABLE event on each of many
//! fds, what short-lived connections cost a loop.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ae::{EventLoop, Mask};

use crate::Backend;

/// `n` sockets to register.
pub struct Sockets {
    sockets: Vec<UnixStream>,
}

impl Sockets {
    /// `n` sockets (the first ends of `n` socketpairs; the peers are kept).
    pub fn new(n: usize) -> io::Result<Sockets> {
        crate::raise_fd_limit(2 * n as u64 + 64)?;
        let mut sockets = Vec::with_capacity(2 * n);
        for _ in 0..n {
            let (a, b) = UnixStream::pair()?;
            sockets.push(a);
            sockets.push(b);
        }
        Ok(Sockets { sockets })
    }

    fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.sockets.iter().step_by(2).map(|s| s.as_raw_fd())
    }

    fn max_fd(&self) -> usize {
        self.sockets
            .iter()
            .map(|s| s.as_raw_fd() as usize)
            .max()
            .unwrap_or(0)
    }
}

/// Time per fd to register READABLE and delete it again, `rounds` times over
/// all sockets.
pub fn churn(backend: Backend, sockets: &Sockets, rounds: u32) -> io::Result<Duration> {
    if let Some(why) = backend.refuses(sockets.max_fd() + 64) {
        return Err(io::Error::new(io::ErrorKind::Unsupported, why));
    }
    let n = sockets.fds().count() as u32 * rounds;
    match backend {
        Backend::Mio => {
            use mio::unix::SourceFd;
            let poll = mio::Poll::new()?;
            let start = Instant::now();
            for _ in 0..rounds {
                for (i, fd) in sockets.fds().enumerate() {
                    let mut source = SourceFd(&fd);
                    poll.registry().register(
                        &mut source,
                        mio::Token(i),
                        mio::Interest::READABLE,
                    )?;
                    poll.registry().deregister(&mut source)?;
                }
            }
            Ok(start.elapsed() / n)
        }
        #[cfg(target_os = "linux")]
        Backend::RawEpoll => {
            use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
            let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
            let start = Instant::now();
            for _ in 0..rounds {
                for (i, s) in sockets.sockets.iter().step_by(2).enumerate() {
                    epoll.add(s, EpollEvent::new(EpollFlags::EPOLLIN, i as u64))?;
                    epoll.delete(s)?;
                }
            }
            Ok(start.elapsed() / n)
        }
        other => crate::with_ae_poller!(other, P => {
            let mut el: EventLoop<P> = EventLoop::new(sockets.max_fd() + 64)?;
            let start = Instant::now();
            for _ in 0..rounds {
                for fd in sockets.fds() {
                    el.create_file_event(fd, Mask::READABLE, |_, _, _, _| {})?;
                    el.delete_file_event(fd, Mask::READABLE);
                }
            }
            start.elapsed() / n
        }),
    }
}
