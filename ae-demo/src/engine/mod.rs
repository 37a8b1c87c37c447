//! The engine: what a command sees and changes (the command table, the
//! keyspace, the sessions' state, statistics). It knows nothing of sockets
//! or of the event loop: a command changes its caller's [`Session`],
//! appends to its caller's [`ReplyBuf`], may read the other connections
//! through [`Peers`], and asks the server for anything beyond that with an
//! [`Effect`]. It imports neither `conn` nor `server`.

pub mod commands;
pub mod db;
mod keyspace;
pub mod ranked;
pub mod reply;
mod session;
pub mod small;

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::io;
use std::net::TcpStream;
use std::os::fd::RawFd;
use std::path::Path;
use std::time::Instant;

pub use commands::blocking::Blocking;
pub use commands::persistence::{write_snapshot, ChildInfo, ChildInfoKind, Persistence, SaveChild};
pub use commands::{active_expire_cycle, glob_match, new_run_id, process_command};
pub use keyspace::Keyspace;
pub use session::{ReplyMode, Session};

use crate::bulk_pool::BulkPool;
use crate::config::Config;
use crate::rdb::SaveOptions;
use commands::{CommandStats, NameHasher};
use reply::ReplyBuf;

/// Version reported in the log and INFO.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Redis version whose behaviour the commands reproduce (INFO
/// `redis_version`, HELLO): the string, list, hash, set, sorted set, keyspace,
/// connection and transaction commands answer as Redis 7.0.15 does, which
/// the differential test checks.
pub const REDIS_VERSION: &str = "7.0.15";

/// A client named by fd and id (the id tells a reused fd apart).
pub type ClientRef = (RawFd, u64);

/// What a command asks of the server, which owns the connections: the
/// engine never touches a socket or a client other than its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Close the caller once its replies are written (QUIT, SHUTDOWN,
    /// CLIENT KILL that matches the caller).
    CloseAfterReply,
    /// Close another client at once, dropping what it has not been sent
    /// (CLIENT KILL).
    Kill(ClientRef),
    /// Send this status line to every MONITOR client but the caller
    /// (the caller, if it monitors, has it in its reply already).
    Monitor(String),
    /// Shut the server down (SHUTDOWN).
    Shutdown,
    /// The caller waits in a blocking command: for ever, or until the
    /// timeout, when [`Engine::blocked_timed_out`] gives its reply.
    Block {
        /// How long at most.
        timeout: Option<std::time::Duration>,
    },
    /// A waiting client was served: this is its reply, and it runs its
    /// further requests again.
    Unblocked {
        /// The client.
        who: ClientRef,
        /// Its reply.
        reply: Vec<u8>,
    },
}

/// One instantaneous rate (Redis's `inst_metric`): a per-second rate
/// sampled each cron run from a counter, averaged over the last 16
/// samples.
#[derive(Default)]
pub struct Metric {
    /// The recent per-second samples.
    samples: [u64; 16],
    /// Next sample slot.
    index: usize,
    /// When and at which count the last sample was taken.
    last: Option<(Instant, u64)>,
}

impl Metric {
    /// The mean of the recent samples, per second.
    pub fn per_sec(&self) -> f64 {
        self.samples.iter().sum::<u64>() as f64 / self.samples.len() as f64
    }

    /// One sample of `count` (`trackInstantaneousMetric`).
    pub fn track(&mut self, now: Instant, count: u64) {
        if let Some((when, last)) = self.last {
            let ms = now.duration_since(when).as_millis().max(1) as u64;
            self.samples[self.index] = count.saturating_sub(last) * 1000 / ms;
            self.index = (self.index + 1) % self.samples.len();
        }
        self.last = Some((now, count));
    }

    /// Starts over (CONFIG RESETSTAT: the counter went back to 0).
    pub fn reset(&mut self) {
        *self = Metric::default();
    }
}

/// Counters behind INFO stats.
#[derive(Default)]
pub struct Stats {
    /// Connections accepted.
    pub total_connections: u64,
    /// Connections refused (max clients).
    pub rejected_connections: u64,
    /// Commands run.
    pub total_commands: u64,
    /// Keys removed by expiry.
    pub expired_keys: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Commands per second.
    pub ops: Metric,
    /// Bytes read per second.
    pub input: Metric,
    /// Bytes written per second.
    pub output: Metric,
    /// The most heap the server has held (`stat_peak_memory`).
    pub peak_memory: u64,
    /// The heap held once the server was set up, before any data
    /// (`used_memory_startup`).
    pub startup_memory: u64,
}

impl Stats {
    /// The instantaneous ops/sec.
    pub fn instantaneous_ops(&self) -> u64 {
        self.ops.per_sec() as u64
    }

    /// The cron's samples of the rates, and of the heap's peak.
    pub fn track(&mut self, now: Instant, heap: u64) {
        self.ops.track(now, self.total_commands);
        self.input.track(now, self.net_input_bytes);
        self.output.track(now, self.net_output_bytes);
        self.peak_memory = self.peak_memory.max(heap);
    }
}

/// What the engine may know of a connection: CLIENT LIST and INFO show
/// it, CLIENT KILL matches on it, DEBUG checks where it comes from.
#[derive(Clone, Copy)]
pub struct ConnInfo<'a> {
    /// The socket's fd (CLIENT LIST `fd`, and half of a [`ClientRef`]).
    pub fd: RawFd,
    /// The socket, for its addresses; `None` for a caller without one
    /// (the engine's unit tests).
    pub stream: Option<&'a TcpStream>,
    /// Bytes received not yet parsed (`qbuf`).
    pub query_len: usize,
    /// What the query buffer holds allocated.
    pub query_capacity: usize,
    /// A WRITABLE handler is installed (`events=rw`).
    pub write_handler: bool,
    /// The connection closes once its replies are written (flag `c`).
    pub close_after_reply: bool,
    /// Last time the client sent something (`idle`).
    pub last_interaction: Instant,
}

impl ConnInfo<'_> {
    /// A connection without a socket, as the engine's tests use.
    pub fn detached() -> Self {
        ConnInfo {
            fd: -1,
            stream: None,
            query_len: 0,
            query_capacity: 0,
            write_handler: false,
            close_after_reply: false,
            last_interaction: Instant::now(),
        }
    }

    /// The client's own address (`local`: the server side's), `ip:port`.
    pub fn addr(&self, local: bool) -> String {
        let addr = self
            .stream
            .map(|s| if local { s.local_addr() } else { s.peer_addr() });
        match addr {
            Some(Ok(a)) => a.to_string(),
            _ => "?:0".to_string(),
        }
    }

    /// Connected over loopback (`enable-debug-command local`).
    pub fn is_local(&self) -> bool {
        self.stream
            .is_some_and(|s| s.peer_addr().is_ok_and(|a| a.ip().is_loopback()))
    }
}

/// A connection other than the caller, as [`Peers`] shows it.
pub struct Peer<'a> {
    /// Its connection.
    pub conn: ConnInfo<'a>,
    /// Its session.
    pub session: &'a Session,
    /// Bytes of replies it has not been sent.
    pub pending: usize,
}

/// The connections other than the caller, read-only: the server lends
/// them for the time of one command.
pub trait Peers {
    /// Calls `f` with each of them.
    fn for_each(&self, f: &mut dyn FnMut(&Peer<'_>));
}

/// No other connections (the engine's unit tests).
pub struct NoPeers;

impl Peers for NoPeers {
    fn for_each(&self, _: &mut dyn FnMut(&Peer<'_>)) {}
}

/// What the server lends a command for the processes it starts: the
/// engine forks through it, knowing nothing of the loop that watches the
/// child.
pub trait Children {
    /// Forks a child that writes `keyspace` to `path` as an RDB file, as
    /// `options` say, and exits, 0 when it saved; returns its pid. The
    /// server hands what the child reports to [`Engine::child_info`] and
    /// its end to [`Engine::background_save_done`].
    fn fork_save(
        &mut self,
        keyspace: &Keyspace,
        now_ms: i64,
        options: SaveOptions,
        path: &Path,
    ) -> io::Result<u32>;
    /// Stops child `pid` with SIGUSR1, whose end counts as no failure
    /// (Redis's `killRDBChild`).
    fn kill(&mut self, pid: u32);
}

/// No child processes (the engine's unit tests): BGSAVE fails as a fork
/// failure does.
pub struct NoChildren;

impl Children for NoChildren {
    fn fork_save(&mut self, _: &Keyspace, _: i64, _: SaveOptions, _: &Path) -> io::Result<u32> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no child processes without a server",
        ))
    }

    fn kill(&mut self, _: u32) {}
}

/// The client running a command: its session and replies, which the
/// command changes, and a read-only view of its connection and of the
/// others.
pub struct Caller<'a> {
    /// What the commands keep for it.
    pub session: &'a mut Session,
    /// Its replies not yet written.
    pub reply: &'a mut ReplyBuf,
    /// Its connection.
    pub conn: ConnInfo<'a>,
    /// Every other connection.
    pub peers: &'a dyn Peers,
    /// Where a background save forks.
    pub children: &'a mut dyn Children,
}

/// Everything the commands share: one per server.
pub struct Engine {
    /// Settings (CONFIG SET changes some).
    pub config: Config,
    /// The databases and who watches their keys.
    pub keyspace: Keyspace,
    /// INFO stats.
    pub stats: Stats,
    /// Buffers of replaced big values, lent to the next big arguments.
    pub bulk_pool: BulkPool,
    /// What the commands run asked of the server, until it carries them
    /// out (after each request).
    pub effects: Vec<Effect>,
    /// The time of the current read, so commands need no clock reads.
    pub now: Instant,
    /// The time of the current command in Unix ms (Redis's cached
    /// `mstime`): read once per read from the client (`now` changes
    /// then), so a pipeline of commands costs one clock read.
    pub now_ms: i64,
    /// The `now` that `now_ms` was read at.
    now_at: Option<Instant>,
    /// Start time, for uptime.
    pub start: Instant,
    /// A random id for this run (INFO `run_id`): 40 hex digits.
    pub run_id: String,
    /// The event-loop backend's name (INFO `multiplexing_api`).
    pub backend: &'static str,
    /// The fds the loop was sized for: CONFIG SET maxclients cannot pass
    /// them.
    pub set_size: usize,
    /// Clients in MONITOR mode, by fd and id.
    monitors: Vec<ClientRef>,
    /// INFO commandstats by full name.
    command_stats: HashMap<&'static str, CommandStats, NameHasher>,
    /// INFO errorstats by error code.
    error_stats: BTreeMap<String, u64>,
    /// Every error reply sent.
    total_error_replies: u64,
    /// Error replies of the command running (INFO commandstats
    /// `failed_calls`).
    errors_in_call: u64,
    /// DEBUG SET-ACTIVE-EXPIRE 0 turns active expiry off.
    active_expire_off: bool,
    /// EXEC is running queued commands.
    in_exec: bool,
    /// Arguments of the running command MONITOR shows as `(redacted)`
    /// (passwords of AUTH and HELLO).
    redacted: Vec<usize>,
    /// SLOWLOG entries, newest first.
    pub slowlog: std::collections::VecDeque<SlowlogEntry>,
    /// The id of the next SLOWLOG entry.
    pub slowlog_next_id: u64,
    /// What SLOWLOG may log of the running command's arguments, kept
    /// before it runs (it may move them into the keyspace).
    pub slowlog_args: SlowlogArgs,
    /// LATENCY events by name.
    pub latency: BTreeMap<&'static str, LatencySeries>,
    /// Snapshots: the last save, the child writing one, the schedules'
    /// state.
    pub persistence: Persistence,
    /// The clients waiting in blocking commands, by key.
    pub blocking: Blocking,
}

/// The most arguments a SLOWLOG entry shows (`SLOWLOG_ENTRY_MAX_ARGC`).
pub const SLOWLOG_MAX_ARGC: usize = 32;
/// The most bytes of an argument it shows (`SLOWLOG_ENTRY_MAX_STRING`).
pub const SLOWLOG_MAX_STRING: usize = 128;

/// The part of a command's arguments a SLOWLOG entry can show: the first
/// [`SLOWLOG_MAX_STRING`] bytes of each of the first [`SLOWLOG_MAX_ARGC`],
/// and their lengths. Its buffers are reused: no allocation per command
/// once warm.
#[derive(Default, Debug)]
pub struct SlowlogArgs {
    /// The kept bytes of each argument.
    pub parts: Vec<Vec<u8>>,
    /// The full length of each.
    pub lens: Vec<usize>,
    /// How many arguments the command had.
    pub argc: usize,
}

impl SlowlogArgs {
    /// Keeps what an entry for `args` would show.
    pub fn keep(&mut self, args: &[Vec<u8>]) {
        let n = args.len().min(SLOWLOG_MAX_ARGC);
        if self.parts.len() < n {
            self.parts.resize_with(n, Vec::new);
            self.lens.resize(n, 0);
        }
        for (j, arg) in args.iter().take(n).enumerate() {
            let part = &mut self.parts[j];
            part.clear();
            part.extend_from_slice(&arg[..arg.len().min(SLOWLOG_MAX_STRING)]);
            self.lens[j] = arg.len();
        }
        self.argc = args.len();
    }
}

/// One SLOWLOG entry (`slowlogEntry`).
#[derive(Clone, Debug)]
pub struct SlowlogEntry {
    /// Sequential id.
    pub id: u64,
    /// Unix seconds when logged.
    pub time: i64,
    /// Microseconds the command ran.
    pub duration: u64,
    /// The arguments, cut as Redis cuts them.
    pub argv: Vec<Vec<u8>>,
    /// The client's `ip:port`.
    pub peer: String,
    /// The client's name, or empty.
    pub name: Vec<u8>,
}

/// Samples of one LATENCY event (`latencyTimeSeries`).
#[derive(Clone, Debug)]
pub struct LatencySeries {
    /// Next slot.
    pub idx: usize,
    /// Greatest latency seen, ms.
    pub max: u64,
    /// (Unix seconds, ms); time 0 is an unused slot.
    pub samples: [(i64, u64); 160],
}

impl Default for LatencySeries {
    fn default() -> Self {
        LatencySeries {
            idx: 0,
            max: 0,
            samples: [(0, 0); 160],
        }
    }
}

impl Engine {
    /// An engine with `config`'s databases, all empty.
    pub fn new(config: Config) -> Self {
        let now = Instant::now();
        Engine {
            keyspace: Keyspace::new(config.databases.max(1)),
            set_size: config.maxclients + crate::config::FDSET_RESERVE,
            config,
            stats: Stats::default(),
            bulk_pool: BulkPool::default(),
            effects: Vec::new(),
            now,
            now_ms: 0,
            now_at: None,
            start: now,
            run_id: new_run_id(),
            backend: "none",
            monitors: Vec::new(),
            command_stats: HashMap::default(),
            error_stats: BTreeMap::new(),
            total_error_replies: 0,
            errors_in_call: 0,
            active_expire_off: false,
            in_exec: false,
            redacted: Vec::new(),
            slowlog: std::collections::VecDeque::new(),
            slowlog_next_id: 0,
            slowlog_args: SlowlogArgs::default(),
            latency: BTreeMap::new(),
            persistence: Persistence::new(db::unix_ms() / 1000),
            blocking: Blocking::default(),
        }
    }

    /// The MONITOR clients.
    pub fn monitors(&self) -> &[ClientRef] {
        &self.monitors
    }

    /// Forgets a client that is going away: its MONITOR and WATCH entries.
    pub fn client_closed(&mut self, fd: RawFd, session: &mut Session) {
        commands::client_closed(self, fd, session);
    }
}
