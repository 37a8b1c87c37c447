//! Ping-pong over socketpairs, the classic libevent/libev benchmark
//! (`DESIGN.md`): `n` pairs, a persistent READABLE handler on the first end
//! of each; the handler of pair `i` reads one byte and, while the write
//! budget lasts, writes one byte to the second end of pair `(i + 1) % n`.
//! One iteration: *setup* re-registers every handler (delete, then create)
//! and runs one non-blocking pass; *run* writes to `a` evenly spaced pairs
//! and runs non-blocking passes until every byte written has been read.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ae::{EventLoop, Flags, Mask, Poller};

use crate::Backend;

/// The pairs and the counters every implementation shares.
pub struct Pairs {
    readers: Vec<UnixStream>,
    /// Pair index by reader fd: one handler serves every pair, as a server
    /// registers one function for all its clients.
    by_fd: Vec<usize>,
    writers: Vec<UnixStream>,
    reads: usize,
    writes: usize,
    budget: usize,
}

impl Pairs {
    /// `n` non-blocking socketpairs.
    pub fn new(n: usize) -> io::Result<Pairs> {
        let (mut readers, mut writers) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let (r, w) = UnixStream::pair()?;
            r.set_nonblocking(true)?;
            w.set_nonblocking(true)?;
            readers.push(r);
            writers.push(w);
        }
        let max = readers.iter().map(|r| r.as_raw_fd() as usize).max();
        let mut by_fd = vec![usize::MAX; max.map_or(0, |m| m + 1)];
        for (i, r) in readers.iter().enumerate() {
            by_fd[r.as_raw_fd() as usize] = i;
        }
        Ok(Pairs {
            readers,
            by_fd,
            writers,
            reads: 0,
            writes: 0,
            budget: 0,
        })
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.readers.len()
    }

    /// True with no pairs.
    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }

    /// The highest fd of all pairs.
    pub fn max_fd(&self) -> usize {
        self.readers
            .iter()
            .chain(&self.writers)
            .map(|s| s.as_raw_fd() as usize)
            .max()
            .unwrap_or(0)
    }

    /// Pair `i` is readable: take one byte and pass one on while the budget
    /// lasts. False when there was nothing to read.
    pub fn on_readable(&mut self, i: usize) -> bool {
        let mut byte = [0u8; 1];
        match (&self.readers[i]).read(&mut byte) {
            Ok(1) => {
                self.reads += 1;
                if self.budget > 0 {
                    self.budget -= 1;
                    self.writes += 1;
                    let next = (i + 1) % self.readers.len();
                    let _ = (&self.writers[next]).write(&byte);
                }
                true
            }
            _ => false,
        }
    }

    fn kick(&mut self, active: usize, writes: usize) -> io::Result<()> {
        let n = self.readers.len();
        if active == 0 || active > n {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("active pairs must be in 1..={n}"),
            ));
        }
        self.reads = 0;
        self.writes = 0;
        self.budget = writes;
        let space = n / active;
        for k in 0..active {
            (&self.writers[k * space]).write_all(b"e")?;
        }
        Ok(())
    }

    /// Every byte written (the `active` first ones and the passed-on ones)
    /// has been read.
    fn done(&self, active: usize) -> bool {
        self.reads == active + self.writes
    }
}

/// One implementation of the workload: how it re-registers and polls; the
/// workload itself is the same for all.
pub trait PingPong {
    /// The pairs and counters.
    fn pairs(&mut self) -> &mut Pairs;
    /// Deletes and creates again the read interest of every pair.
    fn reregister(&mut self) -> io::Result<()>;
    /// One non-blocking poll, handling what fired.
    fn pass(&mut self) -> io::Result<()>;

    /// Re-registers every pair's read handler and runs one non-blocking pass.
    fn setup(&mut self) -> io::Result<()> {
        self.reregister()?;
        self.pass()
    }

    /// Writes to `active` pairs with a budget of `writes` and runs
    /// non-blocking passes until every byte has been read.
    fn run(&mut self, active: usize, writes: usize) -> io::Result<()> {
        self.pairs().kick(active, writes)?;
        while !self.pairs().done(active) {
            self.pass()?;
        }
        Ok(())
    }
}

/// The workload on an ae loop.
pub struct Ae<P: Poller> {
    el: EventLoop<P, Pairs>,
    pairs: Pairs,
}

impl<P: Poller> Ae<P> {
    fn new(pairs: Pairs) -> io::Result<Self> {
        let el = EventLoop::new(pairs.max_fd() + 64)?;
        Ok(Ae { el, pairs })
    }
}

const NOW: Flags = Flags::ALL_EVENTS.union(Flags::DONT_WAIT);

impl<P: Poller> PingPong for Ae<P> {
    fn pairs(&mut self) -> &mut Pairs {
        &mut self.pairs
    }

    fn reregister(&mut self) -> io::Result<()> {
        for i in 0..self.pairs.len() {
            let fd = self.pairs.readers[i].as_raw_fd();
            self.el.delete_file_event(fd, Mask::READABLE);
            self.el
                .create_file_event(fd, Mask::READABLE, |_, pairs: &mut Pairs, fd, _| {
                    pairs.on_readable(pairs.by_fd[fd as usize]);
                })?;
        }
        Ok(())
    }

    fn pass(&mut self) -> io::Result<()> {
        self.el.process_events(NOW, &mut self.pairs).map(drop)
    }
}

/// The most events taken per poll by mio and raw epoll, as ae-epoll does.
const MAX_EVENTS: usize = 4096;

/// The workload on mio (edge-triggered: each event drains its socket).
pub struct Mio {
    poll: mio::Poll,
    events: mio::Events,
    pairs: Pairs,
    registered: bool,
}

impl PingPong for Mio {
    fn pairs(&mut self) -> &mut Pairs {
        &mut self.pairs
    }

    fn pass(&mut self) -> io::Result<()> {
        self.poll.poll(&mut self.events, Some(Duration::ZERO))?;
        for ev in self.events.iter() {
            // Edge-triggered: drain the socket.
            while self.pairs.on_readable(ev.token().0) {}
        }
        Ok(())
    }

    fn reregister(&mut self) -> io::Result<()> {
        use mio::unix::SourceFd;
        for i in 0..self.pairs.len() {
            let fd = self.pairs.readers[i].as_raw_fd();
            let mut source = SourceFd(&fd);
            if self.registered {
                self.poll.registry().deregister(&mut source)?;
            }
            self.poll
                .registry()
                .register(&mut source, mio::Token(i), mio::Interest::READABLE)?;
        }
        self.registered = true;
        Ok(())
    }
}

/// The workload on epoll with nothing in between: the floor.
#[cfg(target_os = "linux")]
pub struct RawEpoll {
    epoll: nix::sys::epoll::Epoll,
    events: Vec<nix::sys::epoll::EpollEvent>,
    pairs: Pairs,
    registered: bool,
}

#[cfg(target_os = "linux")]
impl PingPong for RawEpoll {
    fn pairs(&mut self) -> &mut Pairs {
        &mut self.pairs
    }

    fn pass(&mut self) -> io::Result<()> {
        let n = self.epoll.wait(&mut self.events, 0u16)?;
        for ev in &self.events[..n] {
            self.pairs.on_readable(ev.data() as usize);
        }
        Ok(())
    }

    fn reregister(&mut self) -> io::Result<()> {
        use nix::sys::epoll::{EpollEvent, EpollFlags};
        for (i, reader) in self.pairs.readers.iter().enumerate() {
            if self.registered {
                self.epoll.delete(reader)?;
            }
            self.epoll
                .add(reader, EpollEvent::new(EpollFlags::EPOLLIN, i as u64))?;
        }
        self.registered = true;
        Ok(())
    }
}

/// The workload with `n` pairs on `backend`. Select refuses fds past
/// `FD_SETSIZE` with an error that says so; poll, its portable peer, holds
/// any number.
pub fn new(backend: Backend, n: usize) -> io::Result<Box<dyn PingPong>> {
    crate::raise_fd_limit(2 * n as u64 + 64)?;
    let pairs = Pairs::new(n)?;
    if let Some(why) = backend.refuses(pairs.max_fd() + 64) {
        return Err(io::Error::new(io::ErrorKind::Unsupported, why));
    }
    match backend {
        Backend::Mio => Ok(Box::new(Mio {
            poll: mio::Poll::new()?,
            events: mio::Events::with_capacity(MAX_EVENTS),
            pairs,
            registered: false,
        })),
        #[cfg(target_os = "linux")]
        Backend::RawEpoll => {
            use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent};
            Ok(Box::new(RawEpoll {
                epoll: Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?,
                events: vec![EpollEvent::empty(); n.clamp(1, MAX_EVENTS)],
                pairs,
                registered: false,
            }))
        }
        other => {
            crate::with_ae_poller!(other, P => Box::new(Ae::<P>::new(pairs)?) as Box<dyn PingPong>)
        }
    }
}

/// One iteration: (setup, run) wall times.
pub fn iteration(
    pp: &mut dyn PingPong,
    active: usize,
    writes: usize,
) -> io::Result<(Duration, Duration)> {
    let start = Instant::now();
    pp.setup()?;
    let setup = start.elapsed();
    let start = Instant::now();
    pp.run(active, writes)?;
    Ok((setup, start.elapsed()))
}
