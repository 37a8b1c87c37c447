//! Wake-up latency: another thread wakes a loop blocked in its poll; the
//! time from just before the wake call to the poll returning.

use std::io;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ae::{EventLoop, Flags};

use crate::Backend;

/// How long the waking thread waits after the loop said it is about to
/// block, so the loop is really asleep when woken.
const SETTLE: Duration = Duration::from_micros(500);

/// A thread that, each time it is told, waits [`SETTLE`], notes the time
/// and calls `wake`; it reports the noted times back.
struct Waker {
    go: mpsc::Sender<()>,
    woke_at: mpsc::Receiver<Instant>,
}

impl Waker {
    fn spawn(wake: impl Fn() -> io::Result<()> + Send + 'static) -> Waker {
        let (go, go_rx) = mpsc::channel::<()>();
        let (at_tx, woke_at) = mpsc::channel();
        thread::spawn(move || {
            while go_rx.recv().is_ok() {
                thread::sleep(SETTLE);
                let at = Instant::now();
                if wake().is_err() || at_tx.send(at).is_err() {
                    return;
                }
            }
        });
        Waker { go, woke_at }
    }

    /// Runs `block` (which must return once woken) after asking for a wake;
    /// returns the latency.
    fn measure(&self, block: impl FnOnce() -> io::Result<()>) -> io::Result<Duration> {
        self.go.send(()).map_err(io::Error::other)?;
        block()?;
        let returned = Instant::now();
        let at = self.woke_at.recv().map_err(io::Error::other)?;
        Ok(returned.saturating_duration_since(at))
    }
}

/// Total latency of `iters` wake-ups of a blocked loop on `backend`.
pub fn latency(backend: Backend, iters: u64) -> io::Result<Duration> {
    let mut total = Duration::ZERO;
    match backend {
        Backend::Mio => {
            let mut poll = mio::Poll::new()?;
            let mut events = mio::Events::with_capacity(16);
            let waker = std::sync::Arc::new(mio::Waker::new(poll.registry(), mio::Token(0))?);
            let w = waker.clone();
            let thread = Waker::spawn(move || w.wake());
            for _ in 0..iters {
                total += thread.measure(|| poll.poll(&mut events, None))?;
            }
        }
        #[cfg(target_os = "linux")]
        Backend::RawEpoll => {
            use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
            use nix::sys::eventfd::{EfdFlags, EventFd};
            let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
            let efd = std::sync::Arc::new(EventFd::from_value_and_flags(
                0,
                EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_CLOEXEC,
            )?);
            epoll.add(&*efd, EpollEvent::new(EpollFlags::EPOLLIN, 0))?;
            let e = efd.clone();
            let thread = Waker::spawn(move || e.write(1).map(drop).map_err(io::Error::from));
            let mut events = [EpollEvent::empty(); 16];
            for _ in 0..iters {
                total += thread.measure(|| {
                    epoll.wait(&mut events, nix::sys::epoll::EpollTimeout::NONE)?;
                    efd.read()?;
                    Ok(())
                })?;
            }
        }
        other => {
            total = crate::with_ae_poller!(other, P => {
                let mut el: EventLoop<P> = EventLoop::new(64)?;
                let waker = el.waker()?;
                let thread = Waker::spawn(move || waker.wake());
                let mut sum = Duration::ZERO;
                for _ in 0..iters {
                    sum += thread.measure(|| el.process_events(Flags::ALL_EVENTS, &mut ()).map(drop))?;
                }
                sum
            })?;
        }
    }
    Ok(total)
}

/// Total latency of `iters` signals to a loop blocked in its poll on
/// `backend`: from just before another thread sends SIGUSR2 to the process
/// (as another process would) to the loop's signal handler running.
pub fn signal_latency(backend: Backend, iters: u64) -> io::Result<Duration> {
    use nix::sys::signal::{kill, Signal};
    crate::with_ae_poller!(backend, P => {
        let mut el: EventLoop<P, Option<Instant>> = EventLoop::new(64)?;
        el.create_signal_event(Signal::SIGUSR2 as i32, |_, ran: &mut Option<Instant>, _| {
            *ran = Some(Instant::now())
        })?;
        let pid = nix::unistd::getpid();
        let thread = Waker::spawn(move || kill(pid, Signal::SIGUSR2).map_err(io::Error::from));
        let mut sum = Duration::ZERO;
        let mut ran = None;
        for _ in 0..iters {
            thread.go.send(()).map_err(io::Error::other)?;
            ran = None;
            while ran.is_none() {
                el.process_events(Flags::ALL_EVENTS, &mut ran)?;
            }
            let at = thread.woke_at.recv().map_err(io::Error::other)?;
            sum += ran.map_or(Duration::ZERO, |r| r.saturating_duration_since(at));
        }
        let _ = ran;
        el.delete_signal_event(Signal::SIGUSR2 as i32)?;
        sum
    })
}
