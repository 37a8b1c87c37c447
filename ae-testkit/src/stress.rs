//! The conformance cases under load: a signal storm on a blocked loop
//! (I6), and fds closed and reused by other fds' handlers across many
//! socketpairs (D6).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::pthread::{pthread_kill, pthread_self, Pthread};
use nix::sys::signal::Signal;

use super::model::Rng;
use super::{new_loop, now_flags, pair, watchdog, GUARD, R};
use ae_core::{EventLoop, Flags, Mask, Poller, TimerAction};

/// A thread sending `SIGUSR1` to one thread as fast as it can, with a
/// short pause between signals; stopped (and joined) when dropped, so it
/// never signals a thread that has ended.
struct Storm {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Storm {
    fn start(target: Pthread) -> Storm {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    pthread_kill(target, Signal::SIGUSR1).expect("pthread_kill");
                    sent.fetch_add(1, Ordering::SeqCst);
                    thread::sleep(Duration::from_micros(50));
                }
            })
        };
        Storm {
            stop,
            sent,
            thread: Some(thread),
        }
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

impl Drop for Storm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Removes the signal handler when dropped (after the storm has stopped).
struct Handler(signal_hook::SigId);

impl Drop for Handler {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.0);
    }
}

const STORM_PAIRS: usize = 8;
const STORM_BYTES: usize = 4000;
const TICK: Duration = Duration::from_millis(2);

#[derive(Default)]
struct StormState {
    /// Per pair, the bytes read, checked in order.
    received: Vec<usize>,
    ticks: u32,
    next_tick: Option<Instant>,
    early: u32,
    latest: Duration,
}

/// I6 under load: thousands of handled signals a second hit the loop's
/// thread while it blocks in poll, with data arriving on socketpairs from
/// another thread and a repeating timer. process_events never fails, every
/// byte is read once and in order, and the timer is never early.
pub(super) fn signal_storm<P: Poller>() {
    let _watchdog = watchdog("the signal storm");
    let handled = Arc::new(AtomicBool::new(false));
    let handler = signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&handled))
        .expect("install a SIGUSR1 handler");
    let _handler = Handler(handler);

    let mut el: EventLoop<P, StormState> = new_loop();
    let mut peers = Vec::new();
    for i in 0..STORM_PAIRS {
        let (end, peer) = pair();
        peers.push(peer);
        el.create_file_event(end.as_raw_fd(), R, move |_, st: &mut StormState, _, _| {
            let mut buf = [0u8; 512];
            loop {
                match (&end).read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        for &b in &buf[..n] {
                            assert_eq!(
                                usize::from(b),
                                st.received[i] % 251,
                                "pair {i}: a byte lost or repeated"
                            );
                            st.received[i] += 1;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(e) => panic!("read: {e}"),
                }
            }
        })
        .expect("register");
    }
    el.create_time_event(TICK, |_, st: &mut StormState, _| {
        let now = Instant::now();
        if let Some(due) = st.next_tick {
            if now < due {
                st.early += 1;
            }
            st.latest = st.latest.max(now - due);
        }
        st.ticks += 1;
        // The loop counts the next delay from the callback's end, later
        // than this.
        st.next_tick = Some(Instant::now() + TICK);
        TimerAction::Repeat(TICK)
    });
    let mut st = StormState {
        received: vec![0; STORM_PAIRS],
        ..StormState::default()
    };

    let storm = Storm::start(pthread_self());
    // The clients: bytes spread over the pairs, with pauses in which the
    // loop blocks.
    let writer = thread::spawn(move || {
        for n in 0..STORM_BYTES {
            let i = n % STORM_PAIRS;
            let byte = [((n / STORM_PAIRS) % 251) as u8];
            loop {
                match (&peers[i]).write(&byte) {
                    Ok(1) => break,
                    Ok(_) => unreachable!("one byte"),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::yield_now(),
                    Err(e) => panic!("write: {e}"),
                }
            }
            if n % 20 == 19 {
                thread::sleep(Duration::from_micros(200));
            }
        }
        peers
    });
    let per_pair = STORM_BYTES / STORM_PAIRS;
    let start = Instant::now();
    while st.received.iter().any(|&r| r < per_pair) || st.ticks < 50 || storm.sent() < 2000 {
        assert!(
            start.elapsed() < GUARD,
            "hang guard: the storm test did not finish"
        );
        el.process_events(Flags::ALL_EVENTS, &mut st)
            .expect("no error surfaces from an interrupted poll");
    }
    let sent = storm.sent();
    drop(storm);
    let _peers = writer.join().expect("the writer");
    assert!(handled.load(Ordering::SeqCst), "no signal was handled");
    assert_eq!(st.received, vec![per_pair; STORM_PAIRS]);
    assert_eq!(st.early, 0, "the timer fired early");
    // A hang guard, not a timing claim: the machine may be loaded.
    assert!(
        st.latest < Duration::from_secs(2),
        "a tick was {:?} late",
        st.latest
    );
    assert!(sent >= 2000, "{sent} signals");
}

const PAIRS: usize = 150;
const ROUNDS: usize = 40;

/// The D6 load test's state: pair `i`'s loop end is `ends[i]`, whose fd
/// number stays `fds[i]` through every replacement.
struct Reuse {
    /// `None` only while a handler swaps the socket under the number.
    ends: Vec<Option<UnixStream>>,
    peers: Vec<UnixStream>,
    index: HashMap<RawFd, usize>,
    handled: Vec<bool>,
    replaced_before_run: Vec<bool>,
    stale: Vec<RawFd>,
    replacements: usize,
    rng: Rng,
}

impl Reuse {
    fn end(&self, i: usize) -> &UnixStream {
        self.ends[i].as_ref().expect("socket")
    }
}

/// Every pair's handler: reads its byte, and now and then replaces another
/// pair: deletes its event, closes it, puts a fresh socket under the same
/// fd number (dup2) and registers it again, all within the iteration.
fn reuse_handler<P: Poller>(el: &mut EventLoop<P, Reuse>, st: &mut Reuse, fd: RawFd, _: Mask) {
    let i = st.index[&fd];
    let mut byte = [0u8; 1];
    match st.end(i).read(&mut byte) {
        Ok(1) => {}
        // Nothing to read: readiness polled for the closed predecessor.
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            st.stale.push(fd);
            return;
        }
        other => panic!("read fd {fd}: {other:?}"),
    }
    st.handled[i] = true;
    if st.rng.below(3) != 0 {
        return;
    }
    let j = st.rng.below(PAIRS);
    if j == i {
        return;
    }
    let fd_j = st.end(j).as_raw_fd();
    el.delete_file_event(fd_j, R);
    let (fresh, fresh_peer) = pair();
    let mut owned = OwnedFd::from(st.ends[j].take().expect("socket"));
    // Closes the old socket and reuses its number for the fresh one.
    nix::unistd::dup2(fresh.as_fd(), &mut owned).expect("dup2");
    assert_eq!(owned.as_raw_fd(), fd_j);
    st.ends[j] = Some(UnixStream::from(owned));
    st.peers[j] = fresh_peer;
    el.create_file_event(fd_j, R, reuse_handler::<P>)
        .expect("register the reused fd");
    if !st.handled[j] {
        st.replaced_before_run[j] = true;
    }
    st.replacements += 1;
}

/// D6 under load: in each round every one of 150 pairs is readable, and
/// handlers close and reuse other pairs' fd numbers mid-iteration. A
/// reused fd never receives its predecessor's readiness, and every pair
/// not replaced before its turn is handled exactly once.
pub(super) fn fd_reuse_under_load<P: Poller>() {
    let _watchdog = watchdog("the fd reuse load test");
    let mut el: EventLoop<P, Reuse> = new_loop();
    let (mut ends, mut peers) = (Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        let (end, peer) = pair();
        ends.push(end);
        peers.push(peer);
    }
    let index = ends
        .iter()
        .enumerate()
        .map(|(i, e)| (e.as_raw_fd(), i))
        .collect();
    for end in &ends {
        el.create_file_event(end.as_raw_fd(), R, reuse_handler::<P>)
            .expect("register");
    }
    let mut st = Reuse {
        ends: ends.into_iter().map(Some).collect(),
        peers,
        index,
        handled: vec![false; PAIRS],
        replaced_before_run: vec![false; PAIRS],
        stale: Vec::new(),
        replacements: 0,
        rng: Rng::new(6),
    };
    let mut handled_total = 0;
    for round in 0..ROUNDS {
        st.handled.fill(false);
        st.replaced_before_run.fill(false);
        for peer in &st.peers {
            (&*peer).write_all(b"x").expect("write");
        }
        el.process_events(now_flags(), &mut st)
            .expect("process_events");
        assert_eq!(
            st.stale,
            Vec::<RawFd>::new(),
            "round {round}: stale readiness"
        );
        for i in 0..PAIRS {
            assert_eq!(
                st.handled[i], !st.replaced_before_run[i],
                "round {round}, pair {i}: handled {} replaced before its turn {}",
                st.handled[i], st.replaced_before_run[i]
            );
        }
        handled_total += st.handled.iter().filter(|&&h| h).count();
        // What a replaced pair was sent went with its old socket; the
        // others read theirs. Nothing is left for the next round.
        for i in 0..PAIRS {
            assert_eq!(super::drain(st.end(i)), 0);
        }
    }
    // The test did what it says: many handled, many reused.
    assert!(
        st.replacements > ROUNDS * 10,
        "{} replacements",
        st.replacements
    );
    assert!(
        handled_total > ROUNDS * PAIRS / 2,
        "{handled_total} handled"
    );
}
