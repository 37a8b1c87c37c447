//! Timer workloads, each at N live timers (ae.c keeps timers in a list, so
//! its costs grow with N; ae uses a binary heap):
//! - `idle`: one non-blocking iteration (with one idle fd, so it polls) while
//!   N timers due in an hour are live;
//! - `churn`: create N timers due in an hour, then delete them in creation
//!   order; cost per timer (`anchored`: with an iteration in between, so
//!   the timers go through the heap; `spread`: the same with deadlines 1 µs
//!   apart, no ties);
//! - `reschedule`: N live timers each moved to a new deadline, then an
//!   iteration; cost per timer;
//! - `fire`: N timers with deadlines spread over 200 ms, all fired; CPU
//!   time per timer.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ae::{EventLoop, Flags, Mask, Poller, TimerAction, TimerId};

const HOUR: Duration = Duration::from_secs(3600);
/// Deadlines of `fire` are spread over this.
pub const FIRE_SPREAD: Duration = Duration::from_millis(200);

/// A loop with one registered, never ready fd, so each iteration polls.
fn idle_loop<P: Poller, S>() -> io::Result<(EventLoop<P, S>, UnixStream, UnixStream)> {
    let mut el = EventLoop::new(1024)?;
    let (a, b) = UnixStream::pair()?;
    el.create_file_event(a.as_raw_fd(), Mask::READABLE, |_, _, _, _| {})?;
    Ok((el, a, b))
}

/// Mean time of one non-blocking iteration with `n` live timers.
pub fn idle<P: Poller>(n: usize, iterations: u32) -> io::Result<Duration> {
    let (mut el, _a, _b) = idle_loop::<P, ()>()?;
    for _ in 0..n {
        el.create_time_event(HOUR, |_, _, _| TimerAction::NoMore);
    }
    let flags = Flags::ALL_EVENTS | Flags::DONT_WAIT;
    el.process_events(flags, &mut ())?;
    let start = Instant::now();
    for _ in 0..iterations {
        el.process_events(flags, &mut ())?;
    }
    Ok(start.elapsed() / iterations)
}

/// A loop for repeated churn rounds: as libev's bench keeps its timer
/// array, rounds after the first reuse the memory the first one grew.
pub struct Churn<P: Poller> {
    el: EventLoop<P, ()>,
    ids: Vec<TimerId>,
    _pair: (UnixStream, UnixStream),
}

impl<P: Poller> Churn<P> {
    /// A loop with one idle fd and no timer.
    pub fn new() -> io::Result<Self> {
        let (el, a, b) = idle_loop::<P, ()>()?;
        Ok(Churn {
            el,
            ids: Vec::new(),
            _pair: (a, b),
        })
    }

    /// Time per timer to create `n` timers due in an hour and delete them in
    /// creation order. With `anchored`, one non-blocking iteration between
    /// the two (in the time) puts the timers in the heap: without it they
    /// are deleted before the loop reads its clock, so never reach the heap.
    /// With `spread`, the deadlines are 1 µs apart (no ties), and the
    /// iteration happens as with `anchored`.
    pub fn round(&mut self, n: usize, anchored: bool, spread: bool) -> io::Result<Duration> {
        self.ids.clear();
        let start = Instant::now();
        for i in 0..n {
            let delay = if spread {
                HOUR + Duration::from_micros(i as u64)
            } else {
                HOUR
            };
            let id = self
                .el
                .create_time_event(delay, |_, _, _| TimerAction::NoMore);
            self.ids.push(id);
        }
        let anchored = anchored || spread;
        if anchored {
            self.el
                .process_events(Flags::ALL_EVENTS | Flags::DONT_WAIT, &mut ())?;
        }
        for &id in &self.ids {
            self.el.delete_time_event(id)?;
        }
        Ok(start.elapsed() / n.max(1) as u32)
    }

    /// Time per reschedule of `n` live timers (each moved to another hour
    /// from now), with an iteration after every `n` so each reschedule
    /// takes its timer out of the heap and the iteration puts it back: the
    /// pattern of an idle timeout pushed back on every read.
    pub fn reschedule(&mut self, n: usize, rounds: u32) -> io::Result<Duration> {
        while self.ids.len() < n {
            let id = self
                .el
                .create_time_event(HOUR, |_, _, _| TimerAction::NoMore);
            self.ids.push(id);
        }
        let flags = Flags::ALL_EVENTS | Flags::DONT_WAIT;
        self.el.process_events(flags, &mut ())?;
        let start = Instant::now();
        for _ in 0..rounds {
            for &id in &self.ids[..n] {
                self.el.reschedule_time_event(id, HOUR)?;
            }
            self.el.process_events(flags, &mut ())?;
        }
        Ok(start.elapsed() / (n.max(1) as u32 * rounds.max(1)))
    }
}

/// Time per reschedule of `n` live timers (see [`Churn::reschedule`]), on a
/// fresh loop.
pub fn reschedule<P: Poller>(n: usize) -> io::Result<Duration> {
    Churn::<P>::new()?.reschedule(n, 3)
}

/// Time per timer to create `n` timers and delete them in creation order,
/// on a fresh loop.
pub fn churn<P: Poller>(n: usize) -> io::Result<Duration> {
    Churn::<P>::new()?.round(n, false, false)
}

/// This process's CPU time so far (user + system).
pub fn cpu_time() -> io::Result<Duration> {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    Ok(tv(usage.user_time()) + tv(usage.system_time()))
}

/// CPU time per timer to create `n` timers spread over 200 ms and fire them
/// all (the loop sleeps between deadlines; sleeping costs no CPU).
pub fn fire<P: Poller>(n: usize) -> io::Result<Duration> {
    let (mut el, _a, _b) = idle_loop::<P, usize>()?;
    let cpu = cpu_time()?;
    let step = FIRE_SPREAD / n.max(1) as u32;
    for i in 0..n {
        el.create_time_event(step * i as u32, |_, fired: &mut usize, _| {
            *fired += 1;
            TimerAction::NoMore
        });
    }
    let mut fired = 0;
    while fired < n {
        el.process_events(Flags::ALL_EVENTS, &mut fired)?;
    }
    Ok((cpu_time()? - cpu) / n.max(1) as u32)
}
