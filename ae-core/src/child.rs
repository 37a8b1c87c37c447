//! Child events: a handler run with the exit status of one child process,
//! reaped by pid on SIGCHLD (libev's `ev_child`, libuv's process handles);
//! and forking a process whose child keeps a working loop.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::panic::{self, AssertUnwindSafe};
use std::process::{Child, Command, ExitStatus};

use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::{invalid_input, not_found, remove_where, EventLoop, Poller};

/// A child handler: the loop, the state, the pid and how the child ended
/// (an error when it was reaped elsewhere: see
/// [`EventLoop::create_child_event`]).
type ChildProc<P, S> = Box<dyn FnOnce(&mut EventLoop<P, S>, &mut S, u32, io::Result<ExitStatus>)>;

/// Which side of [`EventLoop::fork`] a process is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fork {
    /// The process that called `fork`; the child has this pid.
    Parent(u32),
    /// The new process, its loop already given its own kernel state.
    Child,
}

pub(crate) struct ChildEvent<P: Poller, S> {
    pid: u32,
    proc: ChildProc<P, S>,
}

/// Whether `pid` has ended: `None` while it runs, otherwise its status
/// (reaping it) or why there is none.
fn reap(pid: u32) -> Option<io::Result<ExitStatus>> {
    let target = Pid::from_raw(pid as i32);
    loop {
        return match waitpid(target, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(_, code)) => Some(Ok(ExitStatus::from_raw(code << 8))),
            Ok(WaitStatus::Signaled(_, sig, core)) => {
                let core = if core { 0x80 } else { 0 };
                Some(Ok(ExitStatus::from_raw(sig as i32 | core)))
            }
            // Still running; stops are not reported without WUNTRACED.
            Ok(_) => None,
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => Some(Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "process {pid} is not a child of this process any more: reaped elsewhere \
                     (a wait on it or on any child, or SIGCHLD ignored)"
                ),
            ))),
            Err(e) => Some(Err(e.into())),
        };
    }
}

impl<P: Poller, S> EventLoop<P, S> {
    /// Runs `handler` once, in the loop's thread, when the child process
    /// `pid` ends, with its [`ExitStatus`] (libev's `ev_child`). The loop
    /// reaps that pid only (`waitpid(pid, WNOHANG)` on each SIGCHLD), so
    /// other children of the program, and other loops' children, are left
    /// to their owners. It works on every backend, through the loop's
    /// signal events ([`SIGCHLD`](crate::signal::SIGCHLD) with `SA_RESTART`:
    /// see [`create_signal_event`](Self::create_signal_event) for which
    /// blocking calls of other threads may still see `EINTR`), and also for a
    /// child that ended before this call.
    ///
    /// The status is an error of kind [`io::ErrorKind::NotFound`] when the
    /// child was reaped elsewhere first: by a wait on it
    /// ([`Child::wait`] included) or on any child (`waitpid(-1)`), or because
    /// SIGCHLD is ignored, which makes the system reap every child at once.
    /// A pid of 0 or one past `i32::MAX` is [`io::ErrorKind::InvalidInput`];
    /// registering a pid again replaces its handler.
    ///
    /// ```
    /// # use ae_core::{EventLoop, Poller};
    /// # fn f<P: Poller>(el: &mut EventLoop<P, Vec<i32>>) -> std::io::Result<()> {
    /// let child = std::process::Command::new("true").spawn()?;
    /// el.create_child_event(child.id(), |_, codes: &mut Vec<i32>, _pid, status| {
    ///     codes.push(status.expect("reaped here").code().unwrap_or(-1));
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn create_child_event<F>(&mut self, pid: u32, handler: F) -> io::Result<()>
    where
        F: FnOnce(&mut EventLoop<P, S>, &mut S, u32, io::Result<ExitStatus>) + 'static,
    {
        if pid == 0 || i32::try_from(pid).is_err() {
            return Err(invalid_input(format!("{pid} is not a child's pid")));
        }
        // Registered first, so no SIGCHLD after it goes unseen; one before
        // it is made up for by a reap in the next iteration.
        self.child_signal()?.set();
        self.signals.rewake();
        let proc: ChildProc<P, S> = Box::new(handler);
        match self.children.iter_mut().find(|c| c.pid == pid) {
            Some(c) => c.proc = proc,
            None => self.children.push(ChildEvent { pid, proc }),
        }
        Ok(())
    }

    /// Forks the process (`fork(2)`) and, in the child, calls
    /// [`after_fork`](Self::after_fork) before returning, so neither side
    /// can touch a loop that still shares the other's kernel state: Redis's
    /// BGSAVE, where the child writes a snapshot of the parent's memory and
    /// exits. The parent usually registers a
    /// [`create_child_event`](Self::create_child_event) for the pid it gets.
    ///
    /// The child should end with [`std::process::exit`] when done, not by
    /// returning into the parent's code paths. If the child's loop cannot be
    /// renewed (no fd left for its new kernel set), the child exits at once
    /// with status 127, which the parent's child event then reports: it never
    /// runs with a loop that would steal the parent's events.
    ///
    /// Only the calling thread exists in the child: fork from the loop's
    /// thread while no other thread holds a lock the child needs (the
    /// allocator's included), as Redis does. An error is `fork(2)`'s, in the
    /// parent (`EAGAIN`, `ENOMEM`); no child exists then.
    ///
    /// ```no_run
    /// # use ae_core::{EventLoop, Fork, Poller};
    /// # fn f<P: Poller>(el: &mut EventLoop<P, ()>) -> std::io::Result<()> {
    /// match el.fork()? {
    ///     Fork::Child => {
    ///         // ... write the snapshot ...
    ///         std::process::exit(0);
    ///     }
    ///     Fork::Parent(pid) => el.create_child_event(pid, |_, _, _, status| {
    ///         println!("snapshot child ended: {status:?}");
    ///     })?,
    /// }
    /// # Ok(()) }
    /// ```
    pub fn fork(&mut self) -> io::Result<Fork> {
        match fork::fork() {
            Ok(fork::Fork::Parent(pid)) => Ok(Fork::Parent(pid as u32)),
            Ok(fork::Fork::Child) => {
                if self.after_fork().is_err() {
                    std::process::exit(127);
                }
                Ok(Fork::Child)
            }
            // The wrapper returns -1 and leaves the cause in errno.
            Err(_) => Err(io::Error::last_os_error()),
        }
    }

    /// Spawns `command` and registers `handler` for its end, as
    /// [`create_child_event`](Self::create_child_event) does. The returned
    /// [`Child`] gives its pid and the pipes asked for; do not wait on it,
    /// the loop reaps it.
    pub fn spawn<F>(&mut self, command: &mut Command, handler: F) -> io::Result<Child>
    where
        F: FnOnce(&mut EventLoop<P, S>, &mut S, u32, io::Result<ExitStatus>) + 'static,
    {
        self.child_signal()?;
        let child = command.spawn()?;
        self.create_child_event(child.id(), handler)?;
        Ok(child)
    }

    /// Forgets the child event of `pid` without running it; the child is
    /// then not reaped by the loop. A pid with no child event is an error of
    /// kind [`io::ErrorKind::NotFound`].
    pub fn delete_child_event(&mut self, pid: u32) -> io::Result<()> {
        remove_where(&mut self.children, |c| c.pid == pid)
            .ok_or_else(|| not_found(format!("no child event for process {pid}")))
    }

    /// Sends signal `signo` to the child `pid` while the loop has an event
    /// for it: until the loop reaps it, the pid cannot have been reused by
    /// another process, which a kill through [`Child::kill`] or by pid after
    /// the loop reaped it could reach. A pid with no child event is an error
    /// of kind [`io::ErrorKind::NotFound`], a number that is no signal
    /// [`io::ErrorKind::InvalidInput`].
    pub fn kill_child(&self, pid: u32, signo: i32) -> io::Result<()> {
        if !self.children.iter().any(|c| c.pid == pid) {
            return Err(not_found(format!("no child event for process {pid}")));
        }
        let signal = nix::sys::signal::Signal::try_from(signo)
            .map_err(|_| invalid_input(format!("{signo} is not a signal number")))?;
        nix::sys::signal::kill(Pid::from_raw(pid as i32), signal)?;
        Ok(())
    }

    /// SIGCHLD came: run the handler of every registered child that ended.
    /// The scan starts over after each handler, which may have registered
    /// or deleted child events.
    pub(crate) fn reap_children(&mut self, state: &mut S) {
        'scan: loop {
            for i in 0..self.children.len() {
                if let Some(status) = reap(self.children[i].pid) {
                    let c = self.children.remove(i);
                    let result = panic::catch_unwind(AssertUnwindSafe(|| {
                        (c.proc)(self, state, c.pid, status)
                    }));
                    if let Err(p) = result {
                        // The rest are scanned in the next iteration.
                        if let Some(a) = &self.signals.child {
                            a.set();
                        }
                        self.rewake_if_pending();
                        panic::resume_unwind(p);
                    }
                    continue 'scan;
                }
            }
            return;
        }
    }

    /// In a forked child: the parent's children are not this process's.
    pub(crate) fn forget_children(&mut self) {
        self.children.clear();
        self.signals.drop_child();
    }
}
