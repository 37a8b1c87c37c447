//! The server's state and its start-up (Redis's `initServer`, `main`).

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ae::{signal, AnyPoller, Backend, EventLoop, Mask, Poller};
use nix::fcntl::{fcntl, FcntlArg, FdFlag};
use nix::sys::socket::{
    self, sockopt, AddressFamily, Backlog, SockFlag, SockType, SockaddrStorage,
};

use crate::config::Config;
use crate::engine::Engine;
use crate::log;
use clients::Clients;
use networking::{accept_handler, handle_clients_with_pending_writes};

pub mod child_info;
pub mod clients;
pub mod cron;
pub mod networking;
pub mod persistence;

pub use crate::config::FDSET_RESERVE;
pub use crate::conn::IOBUF_LEN;
pub use crate::engine::{REDIS_VERSION, VERSION};

/// The loop this server runs on, over backend `P`.
pub type Loop<P> = EventLoop<P, Server>;

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
    /// What the commands share: settings, keyspace, statistics.
    pub engine: Engine,
    /// The connected clients.
    pub clients: Clients,
    /// The listening socket; `None` once shut down.
    pub listener: Option<TcpListener>,
    /// Set by SIGINT/SIGTERM or SHUTDOWN; serverCron acts on it.
    pub shutdown_asap: Arc<AtomicBool>,
    /// Set by SIGHUP; serverCron logs and clears it.
    pub hangup: Arc<AtomicBool>,
    /// Next CLIENT ID.
    pub next_client_id: u64,
    /// One read buffer for all clients: reads land here and only the tail
    /// of an incomplete request is copied to the client.
    pub read_buf: Box<[u8]>,
    /// The report pipe of the BGSAVE child, while one runs.
    pub child_info: Option<child_info::Receiver>,
}

impl Server {
    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.engine.config.port
    }
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
    let backend = el.name();
    let mut engine = Engine::new(config);
    engine.stats.startup_memory = crate::heap::used();
    persistence::load_data_from_disk(&mut engine)?;
    // CONFIG GET port shows the port bound, as chosen when 0 was asked.
    engine.config.port = port;
    engine.backend = backend;
    engine.set_size = set_size;
    let server = Server {
        engine,
        clients: Clients::new(set_size),
        listener: Some(listener),
        shutdown_asap: signals.shutdown,
        hangup: signals.hangup,
        next_client_id: 1,
        read_buf: vec![0u8; IOBUF_LEN].into_boxed_slice(),
        child_info: None,
    };
    log!(
        Notice,
        "ae-demo {VERSION} started: pid={}, port={}, bind={}, backend={}, maxclients={}, hz={}",
        std::process::id(),
        server.engine.config.port,
        server.engine.config.bind,
        server.engine.backend,
        server.engine.config.maxclients,
        server.engine.config.hz
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
