//! The server's side of snapshots: the fork a BGSAVE runs in, the child
//! event that reports its end, and loading the file at start-up.

use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::time::Instant;

use ae::{Fork, Poller};

use super::child_info::{self, Receiver};
use super::{Loop, Server};
use crate::engine::{write_snapshot, ChildInfoKind, Children, Engine, Keyspace};
use crate::log;
use crate::rdb::{self, SaveOptions};

/// The loop, lent to the engine for the child processes it starts.
pub struct LoopChildren<'a, P: Poller> {
    /// The loop the child event goes on.
    pub el: &'a mut Loop<P>,
    /// The listening socket, which the child closes: a restarted server
    /// must be able to bind the port while the child still writes.
    pub listener: Option<RawFd>,
    /// Where the server keeps its end of the child's report pipe
    /// ([`Server::child_info`]).
    pub child_info: &'a mut Option<Receiver>,
}

impl<'a, P: Poller> LoopChildren<'a, P> {
    /// The children of a server's loop: its listener and where it keeps
    /// the report pipe, borrowed apart from its engine.
    pub fn new(
        el: &'a mut Loop<P>,
        listener: &Option<TcpListener>,
        child_info: &'a mut Option<Receiver>,
    ) -> Self {
        LoopChildren {
            el,
            listener: listener.as_ref().map(|l| l.as_raw_fd()),
            child_info,
        }
    }
}

impl<P: Poller> Children for LoopChildren<'_, P> {
    fn fork_save(
        &mut self,
        keyspace: &Keyspace,
        now_ms: i64,
        options: SaveOptions,
        path: &Path,
    ) -> io::Result<u32> {
        // The child reports its progress and what copy-on-write cost it
        // through this pipe (Redis's child info pipe).
        let (receiver, mut sender) = child_info::open(Instant::now())?;
        match self.el.fork()? {
            Fork::Child => {
                log::set_child();
                drop(receiver);
                if let Some(fd) = self.listener {
                    let _ = nix::unistd::close(fd);
                }
                // The child never returns to the loop: it writes and exits
                // (`exitFromChild`), 1 also when it saved but could not
                // report it, as Redis's child does.
                let saved = write_snapshot(keyspace, now_ms, options, path, &mut |keys| {
                    sender.progress(keys)
                });
                let reported = saved && sender.send(ChildInfoKind::RdbCowSize, 0).is_ok();
                std::process::exit(if reported { 0 } else { 1 })
            }
            Fork::Parent(pid) => {
                drop(sender);
                *self.child_info = Some(receiver);
                let watched =
                    self.el
                        .create_child_event(pid, |_, server: &mut Server, _, status| {
                            // What it wrote last (its final report) is
                            // read only from a child that succeeded, as
                            // Redis's checkChildrenDone does.
                            let receiver = server.child_info.take();
                            if let (Some(mut receiver), Ok(s)) = (receiver, &status) {
                                if s.success() {
                                    receiver.receive(|info| server.engine.child_info(info));
                                }
                            }
                            server.engine.background_save_done(status)
                        });
                if let Err(err) = watched {
                    *self.child_info = None;
                    // Unwatched, it could be neither reported nor reaped.
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid as i32),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                    let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid as i32), None);
                    return Err(err);
                }
                Ok(pid)
            }
        }
    }

    fn kill(&mut self, pid: u32) {
        let _ = self.el.kill_child(pid, nix::libc::SIGUSR1);
    }
}

/// Loads the snapshot at start-up (`loadDataFromDisk`): none is an empty
/// keyspace; one that cannot be read or parsed stops the start, so a
/// damaged file is never taken for an empty database (nor overwritten by
/// the next save).
pub fn load_data_from_disk(engine: &mut Engine) -> io::Result<()> {
    let path = engine.config.rdb_path();
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!(
                    "Fatal error loading the DB {}: {e}. Exiting.",
                    path.display()
                ),
            ))
        }
    };
    let start = Instant::now();
    match rdb::load(&bytes, &mut engine.keyspace, crate::engine::db::unix_ms()) {
        Ok(loaded) => {
            log!(
                Notice,
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                loaded.keys_loaded,
                loaded.keys_expired
            );
            log!(
                Notice,
                "DB loaded from disk: {:.3} seconds",
                start.elapsed().as_secs_f64()
            );
            engine.loaded(loaded);
            Ok(())
        }
        Err(e) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "Cannot load the RDB file {}: {e}. Fix or move it away to start: ae-demo does not start empty over a damaged file.",
                path.display()
            ),
        )),
    }
}
