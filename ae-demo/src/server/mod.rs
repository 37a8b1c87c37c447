//! The server's state and its start-up (Redis's `initServer`, `main`).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ae::{signal, AnyPoller, Backend, EventLoop, Mask, Poller};
use nix::fcntl::{fcntl, FcntlArg, FdFlag};
use nix::sys::socket::{
    self, sockopt, AddressFamily, Backlog, SockFlag, SockType, SockaddrStorage,
};

use crate::config::Config;
use crate::db::Db;
use crate::networking::{accept_handler, handle_clients_with_pending_writes};
use crate::reply::ReplyBuf;
use crate::resp::Parser;
use crate::{cron, log};

/// Version reported in the log and INFO.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Redis version whose behaviour the commands reproduce (INFO
/// `redis_version`, HELLO): the string, keyspace, connection and
/// transaction commands answer as Redis 7.0.15 does, which the
/// differential test checks.
pub const REDIS_VERSION: &str = "7.0.15";
/// fds kept beyond max clients for the listener, the waker, logs and the
/// like (Redis's `CONFIG_FDSET_INCR`, 32 + 96).
pub const FDSET_RESERVE: usize = 128;
/// Size of the read buffer shared by all clients: the most read from a
/// client per readable event, outside a big argument.
pub const IOBUF_LEN: usize = 64 * 1024;

/// The loop this server runs on, over backend `P`.
pub type Loop<P> = EventLoop<P, Server>;

/// A connected client (Redis's `client`).
pub struct Client {
    /// Unique id, never reused (CLIENT ID).
    pub id: u64,
    /// The connection, non-blocking.
    pub stream: TcpStream,
    /// Bytes received that do not yet form a whole request. Empty while the
    /// client is idle, so an idle client holds no buffer.
    pub query: Vec<u8>,
    /// Where the client is inside a request.
    pub parser: Parser,
    /// Replies not yet written.
    pub reply: ReplyBuf,
    /// Last time the client sent something (for `--timeout`).
    pub last_interaction: Instant,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// Close once the replies are written (QUIT, protocol errors).
    pub close_after_reply: bool,
    /// A WRITABLE handler is installed: the socket would block.
    pub write_handler: bool,
    /// In `Server::pending_writes`.
    pub pending_write: bool,
    /// The last read filled its buffer outside a big argument: more is
    /// likely waiting, so the next read may be larger.
    pub pipelining: bool,
    /// What the commands keep per client (RESP version, transaction,
    /// watches, MONITOR, CLIENT REPLY).
    pub session: crate::commands::Session,
}

impl Client {
    /// Bytes of replies not yet written.
    pub fn pending_bytes(&self) -> usize {
        self.reply.pending()
    }

    /// True when replies wait to be written.
    pub fn has_pending_replies(&self) -> bool {
        self.pending_bytes() > 0
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
    /// Recent ops/sec samples, one per cron run.
    pub ops_samples: [u64; 16],
    /// Next sample slot.
    pub ops_index: usize,
    /// When and at which command count the last sample was taken.
    pub last_sample: Option<(Instant, u64)>,
}

impl Stats {
    /// The instantaneous ops/sec: the mean of the recent samples.
    pub fn instantaneous_ops(&self) -> u64 {
        self.ops_samples.iter().sum::<u64>() / self.ops_samples.len() as u64
    }
}

/// Flags `server_cron` acts on: SHUTDOWN sets `shutdown`, the SIGHUP
/// signal event sets `hangup` (SIGINT and SIGTERM shut down from their
/// signal events directly).
#[derive(Clone, Default)]
pub struct Signals {
    /// SIGINT, SIGTERM (and SHUTDOWN): shut down cleanly.
    pub shutdown: Arc<AtomicBool>,
    /// SIGHUP: ignored, as Redis ignores it, but handled (not `SIG_IGN`)
    /// so the cron can log it; it interrupts the poll, which must lose
    /// nothing.
    pub hangup: Arc<AtomicBool>,
}

/// The whole server state, handed to every handler as `&mut`.
pub struct Server {
    /// Settings from the command line.
    pub config: Config,
    /// The listening socket; `None` once shut down.
    pub listener: Option<TcpListener>,
    /// The port actually bound.
    pub port: u16,
    /// Clients by fd.
    pub clients: Vec<Option<Box<Client>>>,
    /// How many clients are connected.
    pub num_clients: usize,
    /// Clients with replies to write before the loop sleeps.
    pub pending_writes: Vec<RawFd>,
    /// The keyspace.
    pub db: Db,
    /// INFO stats.
    pub stats: Stats,
    /// Set by SIGINT/SIGTERM or SHUTDOWN; serverCron acts on it.
    pub shutdown_asap: Arc<AtomicBool>,
    /// Set by SIGHUP; serverCron logs and clears it.
    pub hangup: Arc<AtomicBool>,
    /// Next CLIENT ID.
    pub next_client_id: u64,
    /// One read buffer for all clients: reads land here and only the tail
    /// of an incomplete request is copied to the client.
    pub read_buf: Box<[u8]>,
    /// Buffers of replaced big values, lent to the next big arguments.
    pub bulk_pool: crate::bulk_pool::BulkPool,
    /// The event-loop backend's name.
    pub backend: &'static str,
    /// Start time, for uptime.
    pub start: Instant,
    /// The time of the current read, so commands need no clock reads.
    pub now: Instant,
    /// What the commands keep server-wide (MONITOR clients, watched keys,
    /// command and error statistics, the other databases).
    pub shared: crate::commands::Shared,
    /// A random id for this run (INFO `run_id`): 40 hex digits.
    pub run_id: String,
}

/// Opens the listening socket (`anetTcpServer`): SO_REUSEADDR, the given
/// backlog, non-blocking.
pub fn tcp_server(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let family = if addr.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    // SOCK_CLOEXEC and SOCK_NONBLOCK are not flags of socket(2) on macOS:
    // set both afterwards, once, everywhere (no child runs in between).
    let fd = socket::socket(family, SockType::Stream, SockFlag::empty(), None)?;
    fcntl(&fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    socket::setsockopt(&fd, sockopt::ReuseAddr, &true)?;
    socket::bind(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    socket::listen(&fd, Backlog::new(backlog)?)?;
    let listener = TcpListener::from(fd);
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Raises the open-files limit to what max clients need, lowering max
/// clients when the hard limit does not allow it (as Redis's
/// `adjustOpenFilesLimit`).
fn adjust_open_files_limit(config: &mut Config) {
    use nix::sys::resource::{getrlimit, rlim_t, setrlimit, Resource};
    // rlim_t is u64 on Linux and macOS, i64 on FreeBSD.
    fn to_u64(n: impl TryInto<u64>) -> u64 {
        n.try_into().unwrap_or(u64::MAX)
    }
    let want = (config.maxclients + FDSET_RESERVE) as u64;
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    let (soft, hard) = (to_u64(soft), to_u64(hard));
    if soft >= want {
        return;
    }
    let target = want.min(hard);
    let raised = rlim_t::try_from(target).is_ok_and(|t| {
        setrlimit(
            Resource::RLIMIT_NOFILE,
            t,
            rlim_t::try_from(hard).unwrap_or(t),
        )
        .is_ok()
    });
    if !raised || target < want {
        let reachable = if raised { target } else { soft };
        let maxclients = (reachable as usize).saturating_sub(FDSET_RESERVE).max(1);
        log!(
            Warning,
            "You requested maxclients of {} requiring at least {} max file descriptors, but the open files limit allows {}: maxclients has been reduced to {} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
            config.maxclients,
            want,
            reachable,
            maxclients
        );
        config.maxclients = maxclients;
    }
}

/// Lowers max clients to what the backend can watch, as Redis lowers it to
/// what the open-files limit allows: select holds fds below `FD_SETSIZE`
/// only, and the server needs [`FDSET_RESERVE`] of them for itself.
fn fit_backend(config: &mut Config) {
    let Some(max) = config.backend.max_set_size() else {
        return;
    };
    let fits = max.saturating_sub(FDSET_RESERVE).max(1);
    if config.maxclients > fits {
        log!(
            Warning,
            "You requested maxclients of {} but the {} backend watches at most {} fds, {} of them kept for the server itself: maxclients has been reduced to {} (by {}). For more clients use --backend {}.",
            config.maxclients,
            config.backend,
            max,
            FDSET_RESERVE,
            fits,
            config.maxclients - fits,
            Backend::best()
        );
        config.maxclients = fits;
    }
}

/// Creates the loop and the server (`initServer`): the loop sized for max
/// clients plus a reserve, on the backend `create` builds for that size, the
/// listening socket, `server_cron` first after 1 ms then every 1000/hz ms,
/// `accept_handler` on the listener, and the before-sleep hook that writes
/// replies.
pub fn init_server<P, F>(
    mut config: Config,
    signals: Signals,
    create: F,
) -> io::Result<(Loop<P>, Server)>
where
    P: Poller,
    F: FnOnce(usize) -> io::Result<P>,
{
    log::set_level(config.loglevel);
    fit_backend(&mut config);
    adjust_open_files_limit(&mut config);
    let set_size = config.maxclients + FDSET_RESERVE;
    let mut el: Loop<P> = EventLoop::with_poller(set_size, create).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot create the {} event loop for --maxclients {} (set size {set_size}): {e}. Lower --maxclients or choose another --backend.",
                config.backend, config.maxclients
            ),
        )
    })?;
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = tcp_server(addr, config.tcp_backlog).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("Could not create server TCP listening socket {addr}: {e}. Choose another --port (0 picks a free one) or --bind address."),
        )
    })?;
    let port = listener.local_addr()?.port();
    if !config.bind.is_loopback() {
        log!(
            Warning,
            "WARNING: listening on {} which is not a loopback address: this server has no authentication, anyone who can reach it can read and write every key.",
            config.bind
        );
    }
    el.create_time_event(Duration::from_millis(1), cron::server_cron::<P>);
    // Signal events: shutdown starts in the iteration the signal arrives in,
    // not at the next cron.
    for signo in [signal::SIGINT, signal::SIGTERM] {
        el.create_signal_event(signo, |el, server: &mut Server, _| {
            cron::prepare_for_shutdown(el, server)
        })?;
    }
    el.create_signal_event(signal::SIGHUP, |_, server: &mut Server, _| {
        server.hangup.store(true, Ordering::SeqCst)
    })?;
    el.create_file_event(listener.as_raw_fd(), Mask::READABLE, accept_handler::<P>)?;
    el.set_before_sleep(|el, server: &mut Server| handle_clients_with_pending_writes(el, server));
    let mut clients = Vec::new();
    clients.resize_with(set_size, || None);
    let server = Server {
        backend: el.name(),
        config,
        listener: Some(listener),
        port,
        clients,
        num_clients: 0,
        pending_writes: Vec::new(),
        db: Db::default(),
        stats: Stats::default(),
        shutdown_asap: signals.shutdown,
        hangup: signals.hangup,
        next_client_id: 1,
        read_buf: vec![0u8; IOBUF_LEN].into_boxed_slice(),
        bulk_pool: Default::default(),
        start: Instant::now(),
        now: Instant::now(),
        shared: crate::commands::Shared::default(),
        run_id: crate::commands::new_run_id(),
    };
    log!(
        Notice,
        "ae-demo {VERSION} started: pid={}, port={}, bind={}, backend={}, maxclients={}, hz={}",
        std::process::id(),
        server.port,
        server.config.bind,
        server.backend,
        server.config.maxclients,
        server.config.hz
    );
    log!(Notice, "Ready to accept connections tcp");
    Ok((el, server))
}

/// Runs the server until shutdown (`aeMain` in Redis's `main`), on the
/// backend the configuration names, through [`AnyPoller`]: one compiled
/// server for every backend (the README gives the measured cost).
pub fn run(config: Config, signals: Signals) -> io::Result<()> {
    let backend = config.backend;
    let (mut el, mut server) =
        init_server(config, signals, |n| AnyPoller::with_backend(backend, n))?;
    el.run(&mut server)
}
