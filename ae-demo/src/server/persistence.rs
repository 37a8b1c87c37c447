//! The server's side of snapshots: the fork a BGSAVE runs in, the child
//! event that reports its end, and loading the file at start-up.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::time::Instant;

use ae::{Fork, Poller};

use super::{Loop, Server};
use crate::engine::{write_snapshot, Children, Engine, Keyspace};
use crate::log;
use crate::rdb::{self, SaveOptions};

/// The loop, lent to the engine for the child processes it starts.
pub struct LoopChildren<'a, P: Poller> {
    /// The loop the child event goes on.
    pub el: &'a mut Loop<P>,
    /// The listening socket, which the child closes: a restarted server
    /// must be able to bind the port while the child still writes.
    pub listener: Option<RawFd>,
}

impl<'a, P: Poller> LoopChildren<'a, P> {
    /// The children of `server`'s loop.
    pub fn new(el: &'a mut Loop<P>, server: &Server) -> Self {
        LoopChildren {
            el,
            listener: server.listener.as_ref().map(|l| l.as_raw_fd()),
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
        // The child reports what copy-on-write cost it through this pipe
        // (Redis's child info pipe), read once it has exited.
        let (report, reporter) = nix::unistd::pipe()?;
        match self.el.fork()? {
            Fork::Child => {
                log::set_child();
                drop(report);
                if let Some(fd) = self.listener {
                    let _ = nix::unistd::close(fd);
                }
                // The child never returns to the loop: it writes and exits
                // (`exitFromChild`).
                let code = if write_snapshot(keyspace, now_ms, options, path) {
                    let cow = private_dirty_bytes();
                    log!(
                        Notice,
                        "RDB: {} MB of memory used by copy-on-write",
                        cow / (1024 * 1024)
                    );
                    let _ = std::fs::File::from(reporter).write_all(&cow.to_le_bytes());
                    0
                } else {
                    1
                };
                std::process::exit(code)
            }
            Fork::Parent(pid) => {
                drop(reporter);
                let watched =
                    self.el
                        .create_child_event(pid, move |_, server: &mut Server, _, status| {
                            let mut cow = [0u8; 8];
                            let mut report = std::fs::File::from(report);
                            let reported = report.read_exact(&mut cow).is_ok();
                            let cow = reported.then(|| u64::from_le_bytes(cow));
                            server.engine.background_save_done(status, cow)
                        });
                if let Err(err) = watched {
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

/// The memory this process wrote to since it was forked, which the kernel
/// copied for it (`zmalloc_get_private_dirty`): Private_Dirty of its
/// mappings; 0 where /proc does not tell.
fn private_dirty_bytes() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/smaps_rollup") else {
        return 0;
    };
    text.lines()
        .filter_map(|l| l.strip_prefix("Private_Dirty:"))
        .filter_map(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}
