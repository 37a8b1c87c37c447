//! Signal events, by the self-pipe design: a process-wide, async-signal-safe
//! handler (signal-hook's) sets the signal's flag of every loop that
//! registered it and writes a byte to that loop's socket, which the loop
//! polls as an ordinary READABLE file event. So signals work on every
//! backend, from any thread or process, and wake a loop blocked in its poll;
//! the handler then runs in the loop's thread.
//!
//! # Dispositions
//!
//! signal-hook installs its handler on the first registration and never
//! removes it; while it is installed, a previous *function* handler keeps
//! being called (chained) and a previous `SIG_DFL` or `SIG_IGN` is not acted
//! on. Deleting the last registration of a signal in the process restores
//! the previous behaviour as follows:
//! - previous handler a function (or signal-hook's, from other code): it is
//!   still chained, so it is what runs;
//! - previous `SIG_IGN`: nothing runs, the signal is ignored;
//! - previous `SIG_DFL` (told apart from `SIG_IGN` by `/proc/self/status`, so
//!   on Linux only): the default action is emulated (signal-hook's
//!   `emulate_default_handler`: terminate, stop or ignore, as the signal's
//!   default is). Elsewhere it cannot be told apart without unsafe code, and
//!   the signal is then ignored after the delete.

use std::collections::hash_map::Entry as Slot;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use signal_hook::SigId;

use crate::waker::renumber;
use crate::{invalid_input, not_found, Callback, EventLoop, Mask, Poller};

/// Declares the signal numbers a program names, from the platform's own
/// values, so no program writes `17` for SIGCHLD.
macro_rules! signal_numbers {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        $($(#[$doc])* pub const $name: i32 = nix::libc::$name;)*
    };
}

signal_numbers! {
    /// Hang-up: the terminal closed, or "reload" by convention.
    SIGHUP,
    /// Interrupt from the keyboard (Ctrl-C).
    SIGINT,
    /// Quit from the keyboard (Ctrl-Backslash).
    SIGQUIT,
    /// A write to a pipe or socket with no reader.
    SIGPIPE,
    /// A timer of `alarm(2)` expired.
    SIGALRM,
    /// Termination request: what `kill` sends by default.
    SIGTERM,
    /// User-defined signal 1.
    SIGUSR1,
    /// User-defined signal 2.
    SIGUSR2,
    /// A child process stopped or ended (see
    /// [`EventLoop::create_child_event`](crate::EventLoop::create_child_event)).
    SIGCHLD,
    /// Continue if stopped.
    SIGCONT,
    /// Stop typed at the terminal (Ctrl-Z).
    SIGTSTP,
    /// The terminal's window size changed.
    SIGWINCH,
}

/// A signal handler: the loop, the state and the signal number.
type SignalProc<P, S> = Box<dyn FnMut(&mut EventLoop<P, S>, &mut S, i32)>;

/// One signal's registration in signal-hook for this loop.
pub(crate) struct Action {
    signo: i32,
    /// Set by the signal handler, taken by the loop: a signal that arrives
    /// after the loop took it sets it again.
    pending: Arc<AtomicBool>,
    /// The flag action and the pipe action, in that order, so the flag is set
    /// before the loop can be woken.
    ids: [SigId; 2],
}

struct Entry<P: Poller, S> {
    action: Action,
    handler: Callback<SignalProc<P, S>>,
}

/// A loop's signal registrations and its self-pipe.
pub(crate) struct Signals<P: Poller, S> {
    entries: Vec<Entry<P, S>>,
    /// SIGCHLD for the loop's child events, apart from `entries` so that a
    /// signal event the program registers for SIGCHLD replaces neither.
    pub(crate) child: Option<Action>,
    /// The read end (registered in the loop) and the write end (cloned for
    /// each signal's pipe action, and used to wake the loop again).
    pipe: Option<(UnixStream, UnixStream)>,
}

/// What the process knows of a signal ae has registered at some point.
struct Global {
    /// Registrations in all loops.
    loops: usize,
    /// Armed when no loop has the signal and its previous disposition was
    /// the default: signal-hook then emulates the default action.
    default_when_free: Option<Arc<AtomicBool>>,
}

static GLOBAL: Mutex<Option<HashMap<i32, Global>>> = Mutex::new(None);

/// Runs `f` on the process-wide table; a panic elsewhere cannot leave it
/// inconsistent, so a poisoned lock is used as is.
fn with_global<R>(f: impl FnOnce(&mut HashMap<i32, Global>) -> R) -> R {
    let mut guard = GLOBAL.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(HashMap::new))
}

/// Refuses signals that cannot be caught (SIGKILL, SIGSTOP), those
/// signal-hook refuses to handle (SIGILL, SIGFPE, SIGSEGV: a handler that
/// returns from them is undefined behaviour) and numbers that are no
/// signal.
fn check(signo: i32) -> io::Result<()> {
    if nix::sys::signal::Signal::try_from(signo).is_err() {
        return Err(invalid_input(format!(
            "{signo} is not a signal number this platform names (realtime signals are not supported)"
        )));
    }
    if signal_hook::consts::FORBIDDEN.contains(&signo) {
        return Err(invalid_input(format!(
            "signal {signo} cannot be handled (SIGKILL, SIGSTOP, SIGILL, SIGFPE and SIGSEGV cannot)"
        )));
    }
    Ok(())
}

/// Whether `signo`'s disposition is `SIG_DFL`, read from `/proc/self/status`
/// (`SigIgn` and `SigCgt` list the ignored and caught signals); `false`
/// where that cannot be read.
fn is_default(signo: i32) -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    let set = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .map(|mask| mask & (1u64 << (signo - 1)) != 0)
    };
    matches!((set("SigIgn:"), set("SigCgt:")), (Some(false), Some(false)))
}

/// Counts a new registration of `signo` in the process. The first one ever
/// arms the emulation of the default action for when none is left.
fn acquire(signo: i32) -> io::Result<()> {
    with_global(|table| {
        let g = match table.entry(signo) {
            Slot::Occupied(o) => o.into_mut(),
            Slot::Vacant(v) => {
                let default_when_free = if is_default(signo) {
                    let flag = Arc::new(AtomicBool::new(false));
                    signal_hook::flag::register_conditional_default(signo, flag.clone())?;
                    Some(flag)
                } else {
                    None
                };
                v.insert(Global {
                    loops: 0,
                    default_when_free,
                })
            }
        };
        g.loops += 1;
        if let Some(flag) = &g.default_when_free {
            flag.store(false, Ordering::SeqCst);
        }
        Ok(())
    })
}

/// Counts a registration of `signo` gone; the last one restores the
/// previous disposition.
fn release(signo: i32) {
    with_global(|table| {
        if let Some(g) = table.get_mut(&signo) {
            g.loops -= 1;
            if g.loops == 0 {
                if let Some(flag) = &g.default_when_free {
                    flag.store(true, Ordering::SeqCst);
                }
            }
        }
    })
}

impl Action {
    /// Registers `signo` for this loop: its flag, then its byte in `write`.
    fn register(signo: i32, write: &UnixStream) -> io::Result<Action> {
        let pending = Arc::new(AtomicBool::new(false));
        acquire(signo)?;
        let registered = (|| {
            let flag = signal_hook::flag::register(signo, pending.clone())?;
            match signal_hook::low_level::pipe::register(signo, write.try_clone()?) {
                Ok(pipe) => Ok([flag, pipe]),
                Err(e) => {
                    signal_hook::low_level::unregister(flag);
                    Err(e)
                }
            }
        })();
        match registered {
            Ok(ids) => Ok(Action {
                signo,
                pending,
                ids,
            }),
            Err(e) => {
                release(signo);
                Err(e)
            }
        }
    }

    fn unregister(&self) {
        for id in self.ids {
            signal_hook::low_level::unregister(id);
        }
        release(self.signo);
    }

    /// Takes the pending mark.
    pub(crate) fn take(&self) -> bool {
        self.pending.swap(false, Ordering::SeqCst)
    }

    /// Marks the signal pending, as if it had arrived.
    pub(crate) fn set(&self) {
        self.pending.store(true, Ordering::SeqCst)
    }
}

impl<P: Poller, S> Signals<P, S> {
    pub(crate) fn new() -> Self {
        Signals {
            entries: Vec::new(),
            child: None,
            pipe: None,
        }
    }

    /// True when the loop handles no signal.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.child.is_none()
    }

    fn find(&self, signo: i32) -> Option<usize> {
        self.entries.iter().position(|e| e.action.signo == signo)
    }

    /// Wakes the loop again: a signal is pending that this pass left.
    pub(crate) fn rewake(&self) {
        if let Some((_, w)) = &self.pipe {
            // Full means a wake is already pending.
            let _ = (&*w).write(b"s");
        }
    }

    /// Stops the loop's SIGCHLD action.
    pub(crate) fn drop_child(&mut self) {
        if let Some(action) = self.child.take() {
            action.unregister();
        }
    }

    fn actions(&self) -> impl Iterator<Item = &Action> {
        self.entries.iter().map(|e| &e.action).chain(&self.child)
    }
}

impl<P: Poller, S> Drop for Signals<P, S> {
    /// Dropping the loop deletes its signal events.
    fn drop(&mut self) {
        for a in self.actions() {
            a.unregister();
        }
    }
}

impl<P: Poller, S> EventLoop<P, S> {
    /// Runs `handler` in the loop's thread when signal `signo` arrives,
    /// within one iteration of its arrival, whichever thread or process sent
    /// it. It wakes a loop blocked in its poll, on every backend: the signal
    /// only writes to a socket of the loop (a self-pipe: a socketpair whose
    /// read end is a file event, so it must fit the set size, and whose write
    /// end is duplicated for each signal), which the loop then reads.
    /// Name signals with this module's constants ([`SIGTERM`] and so on).
    ///
    /// Signals that arrive before the handler runs may coalesce into one run,
    /// but a signal that arrives after the handler's last run always causes
    /// one more run.
    ///
    /// Registering a signal this loop already has replaces its handler. Each
    /// loop that registers a signal gets it: one signal runs the handler of
    /// every such loop. SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV, realtime
    /// signals and numbers that are no signal are refused with
    /// [`io::ErrorKind::InvalidInput`]. The handler is installed with
    /// `SA_RESTART`, so the signal does not fail other threads' blocking
    /// calls that the system restarts (reads, writes, `waitpid`); those it
    /// never restarts (`poll`, `epoll_wait`, `select`, `nanosleep`, see
    /// signal(7)) still return `EINTR`.
    /// Deleting the signal, or dropping the loop, restores the previous
    /// disposition as the module documentation of `signal.rs` says: exactly
    /// for a previous handler function and for `SIG_IGN`, and for `SIG_DFL`
    /// on Linux; elsewhere a previous `SIG_DFL` becomes "ignored".
    pub fn create_signal_event<F>(&mut self, signo: i32, handler: F) -> io::Result<()>
    where
        F: FnMut(&mut EventLoop<P, S>, &mut S, i32) + 'static,
    {
        check(signo)?;
        if let Some(i) = self.signals.find(signo) {
            self.signals.entries[i].handler = Callback::Ready(Box::new(handler));
            return Ok(());
        }
        let write = self.signal_pipe()?;
        let action = Action::register(signo, &write)?;
        self.signals.entries.push(Entry {
            action,
            handler: Callback::Ready(Box::new(handler)),
        });
        Ok(())
    }

    /// Stops handling `signo` in this loop and, when no loop is left
    /// handling it, restores its previous disposition (see
    /// [`create_signal_event`](Self::create_signal_event)). A signal this
    /// loop has no event for is an error of kind [`io::ErrorKind::NotFound`].
    pub fn delete_signal_event(&mut self, signo: i32) -> io::Result<()> {
        let Some(i) = self.signals.find(signo) else {
            return Err(not_found(format!("no signal event for signal {signo}")));
        };
        self.signals.entries.remove(i).action.unregister();
        Ok(())
    }

    /// Registers the loop's SIGCHLD action for its child events, once.
    pub(crate) fn child_signal(&mut self) -> io::Result<&Action> {
        if self.signals.child.is_none() {
            let write = self.signal_pipe()?;
            self.signals.child = Some(Action::register(SIGCHLD, &write)?);
        }
        Ok(self.signals.child.as_ref().expect("registered"))
    }

    /// In a forked child: the self-pipe becomes the child's own, under the
    /// same fd numbers (so the loop's registration of its read end holds),
    /// and each signal's pipe action writes to it; until now both processes
    /// shared one socket, and a signal of either woke the other. The flags
    /// are the child's copies already. Only signal-hook's registry lock is
    /// taken here: a fork while another thread registers a signal would
    /// leave it held in the child, so fork apart from that.
    pub(crate) fn renew_signal_pipe(&mut self) -> io::Result<()> {
        let Some((read, write)) = self.signals.pipe.take() else {
            return Ok(());
        };
        let (mut read, mut write) = (OwnedFd::from(read), OwnedFd::from(write));
        let renewed = (|| {
            let (r, w) = UnixStream::pair()?;
            r.set_nonblocking(true)?;
            w.set_nonblocking(true)?;
            renumber(&OwnedFd::from(r), &mut read)?;
            renumber(&OwnedFd::from(w), &mut write)
        })();
        self.signals.pipe = Some((UnixStream::from(read), UnixStream::from(write)));
        renewed?;
        let write = self.signal_pipe()?;
        let signals = &mut self.signals;
        let actions = signals.entries.iter_mut().map(|e| &mut e.action);
        for a in actions.chain(signals.child.as_mut()) {
            signal_hook::low_level::unregister(a.ids[1]);
            a.ids[1] = signal_hook::low_level::pipe::register(a.signo, write.try_clone()?)?;
        }
        Ok(())
    }

    /// The write end of the loop's self-pipe, creating and registering the
    /// pipe on first use.
    fn signal_pipe(&mut self) -> io::Result<UnixStream> {
        if let Some((_, w)) = &self.signals.pipe {
            return w.try_clone();
        }
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        let fd: RawFd = read.as_raw_fd();
        self.create_file_event(fd, Mask::READABLE, |el, state, _, _| el.run_signals(state))?;
        let w = write.try_clone()?;
        self.signals.pipe = Some((read, write));
        Ok(w)
    }

    /// The self-pipe is readable: empty it, then run the handler of each
    /// signal whose flag is set, then reap the children if SIGCHLD came.
    /// Emptying first means a signal arriving meanwhile leaves both its flag
    /// and a byte, so it is not lost.
    fn run_signals(&mut self, state: &mut S) {
        if let Some((r, _)) = &self.signals.pipe {
            let mut buf = [0u8; 64];
            while matches!((&*r).read(&mut buf), Ok(n) if n > 0) {}
        }
        let mut i = 0;
        while i < self.signals.entries.len() {
            let e = &mut self.signals.entries[i];
            i += 1;
            if !e.action.take() {
                continue;
            }
            let signo = e.action.signo;
            let ran = self.run_callback(
                |el| {
                    let j = el.signals.find(signo)?;
                    Some(&mut el.signals.entries[j].handler)
                },
                |proc, el| proc(el, state, signo),
            );
            match ran {
                Some(Ok(())) => {}
                // Running: re-entered from its own handler; keep it pending.
                None => self.signals.entries[i - 1].action.set(),
                Some(Err(p)) => {
                    self.rewake_if_pending();
                    panic::resume_unwind(p);
                }
            }
        }
        if self.signals.child.as_ref().is_some_and(Action::take) {
            self.reap_children(state);
        }
        self.rewake_if_pending();
    }

    /// A handler that deleted signal events shifts the list, and one that
    /// re-entered the loop leaves its own signal pending: wake the loop
    /// again so what is left runs in the next iteration.
    pub(crate) fn rewake_if_pending(&self) {
        if self
            .signals
            .actions()
            .any(|a| a.pending.load(Ordering::SeqCst))
        {
            self.signals.rewake();
        }
    }
}
