//! A TCP proxy on ae: every client is relayed, both ways, to one upstream
//! address.
//!
//! What makes it a proxy one can leave running:
//! - the connect to the upstream is non-blocking (`ae::net`), so a slow or
//!   dead upstream stalls only its own client, never the loop;
//! - back-pressure: each direction holds at most [`BUF_SIZE`] bytes. When
//!   the sink does not take them, reading from the source is paused with
//!   `set_file_events` (the handlers stay registered), so the source's own
//!   writes block in turn and memory stays bounded however fast one side
//!   talks and however slowly the other listens;
//! - half-close: an EOF from one side becomes, once its bytes are written, a
//!   `shutdown(Write)` of the other, so request-then-EOF protocols work; the
//!   pair is closed when both directions are done, or on any error;
//! - an idle timeout per pair: one timer, pushed back on traffic with
//!   `reschedule_time_event`;
//! - SIGINT or SIGTERM stop it cleanly, with exit status 0.
//!
//! ```sh
//! cargo run -p ae-loop --example proxy -- --listen 127.0.0.1:7002 --upstream 127.0.0.1:7000
//! AE_BACKEND=select cargo run -p ae-loop --example proxy -- --listen 127.0.0.1:0 \
//!     --upstream 127.0.0.1:7000 --idle-timeout-ms 5000
//! ```

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::time::Duration;

use ae::{net, signal, AnyPoller, Backend, EventLoop, Mask, TimerAction, TimerId};

/// The most bytes a direction holds before reading from its source pauses.
pub const BUF_SIZE: usize = 64 * 1024;

/// Two fds per pair, plus the listener and the loop's own; select's
/// `FD_SETSIZE` is 1024.
const SET_SIZE: usize = 1024;

type Loop = EventLoop<AnyPoller, Proxy>;

/// The proxy's state, handed to every handler.
pub struct Proxy {
    listener: TcpListener,
    upstream: SocketAddr,
    idle: Duration,
    /// Pairs by their client's fd. Handlers and the idle timer capture that
    /// fd; all of them are deleted when the pair closes, so none can reach
    /// a later pair that reuses the number.
    pairs: Vec<Option<Pair>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Upstream,
}

struct Pair {
    peer: SocketAddr,
    client: TcpStream,
    upstream: TcpStream,
    /// The upstream connect has completed; until then its WRITABLE event
    /// means "the connect has a result".
    connected: bool,
    /// Client to upstream.
    up: Flow,
    /// Upstream to client.
    down: Flow,
    idle_timer: TimerId,
}

/// One direction: what was read from the source and the sink has not taken.
struct Flow {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// The source sent EOF.
    eof: bool,
    /// The sink was shut down for writing, after the last byte.
    shut: bool,
}

impl Flow {
    fn new() -> Flow {
        Flow {
            buf: vec![0; BUF_SIZE].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            shut: false,
        }
    }

    fn pending(&self) -> bool {
        self.start < self.end
    }

    /// Room left: a partly written buffer is not compacted, so reading
    /// resumes once the sink has taken everything (no memmove, and no
    /// flapping of the interest at the edge).
    fn wants_read(&self) -> bool {
        !self.eof && self.end < self.buf.len()
    }

    /// One read: level-triggered events come back if more is waiting, and
    /// one read per event keeps a fast pair from starving the others.
    fn fill(&mut self, mut src: &TcpStream) -> io::Result<usize> {
        match src.read(&mut self.buf[self.end..]) {
            Ok(0) => {
                self.eof = true;
                Ok(0)
            }
            Ok(n) => {
                self.end += n;
                Ok(n)
            }
            Err(e) if retry(&e) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Writes what the sink takes now; the EOF is passed on only after the
    /// last byte, or the peer would see a truncated stream.
    fn drain(&mut self, mut sink: &TcpStream) -> io::Result<usize> {
        let mut written = 0;
        while self.pending() {
            match sink.write(&self.buf[self.start..self.end]) {
                Ok(n) => {
                    self.start += n;
                    written += n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        if !self.pending() {
            (self.start, self.end) = (0, 0);
            if self.eof && !self.shut {
                sink.shutdown(Shutdown::Write)?;
                self.shut = true;
            }
        }
        Ok(written)
    }
}

fn retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// Sets up the proxy on `listener`, relaying to `upstream`; [`EventLoop::run`]
/// then serves until SIGINT or SIGTERM.
pub fn setup(
    listener: TcpListener,
    upstream: SocketAddr,
    idle: Duration,
    backend: Backend,
) -> io::Result<(Loop, Proxy)> {
    listener.set_nonblocking(true)?;
    let mut el: Loop = backend.event_loop(SET_SIZE)?;
    el.create_file_event(&listener, Mask::READABLE, accept)?;
    for signo in [signal::SIGINT, signal::SIGTERM] {
        el.create_signal_event(signo, |el, _, _| el.stop())?;
    }
    let mut pairs = Vec::new();
    pairs.resize_with(SET_SIZE, || None);
    let proxy = Proxy {
        listener,
        upstream,
        idle,
        pairs,
    };
    Ok((el, proxy))
}

fn accept(el: &mut Loop, proxy: &mut Proxy, _fd: i32, _mask: Mask) {
    loop {
        match proxy.listener.accept() {
            Ok((client, peer)) => {
                if let Err(e) = open_pair(el, proxy, client, peer) {
                    eprintln!("proxy: closing client {peer}: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => return eprintln!("proxy: accept: {e}"),
        }
    }
}

fn open_pair(
    el: &mut Loop,
    proxy: &mut Proxy,
    client: TcpStream,
    peer: SocketAddr,
) -> io::Result<()> {
    client.set_nonblocking(true)?;
    let to = proxy.upstream;
    // A refusal the kernel knows at once comes here; others come to the
    // WRITABLE handler.
    let upstream = net::connect_nonblocking(to)
        .map_err(|e| io::Error::new(e.kind(), format!("upstream {to}: {e}")))?;
    let key = client.as_raw_fd() as usize;
    // The client first: its registration is what checks that `key` fits.
    let registered = register(el, &client, key, Side::Client)
        .and_then(|()| register(el, &upstream, key, Side::Upstream));
    if let Err(e) = registered {
        el.delete_file_event(&client, Mask::READ_WRITE);
        el.delete_file_event(&upstream, Mask::READ_WRITE);
        return Err(e);
    }
    let idle_timer = el.create_time_event(proxy.idle, move |el, proxy, _| {
        close(el, proxy, key);
        TimerAction::NoMore
    });
    proxy.pairs[key] = Some(Pair {
        peer,
        client,
        upstream,
        connected: false,
        up: Flow::new(),
        down: Flow::new(),
        idle_timer,
    });
    relay(el, proxy, key);
    Ok(())
}

/// Both handlers of one socket, registered once for the pair's life;
/// [`relay`] only pauses and resumes them.
fn register(el: &mut Loop, sock: &TcpStream, key: usize, side: Side) -> io::Result<()> {
    el.create_file_event(sock, Mask::READABLE, move |el, p, _, _| {
        on_readable(el, p, key, side)
    })?;
    el.create_file_event(sock, Mask::WRITABLE, move |el, p, _, _| {
        on_writable(el, p, key, side)
    })
}

fn on_readable(el: &mut Loop, proxy: &mut Proxy, key: usize, side: Side) {
    let Some(pair) = proxy.pairs[key].as_mut() else {
        return;
    };
    let read = match side {
        Side::Client => pair.up.fill(&pair.client),
        Side::Upstream => pair.down.fill(&pair.upstream),
    };
    match read {
        Ok(n) => {
            if n > 0 {
                // Cannot fail: the timer lives as long as the pair.
                let _ = el.reschedule_time_event(pair.idle_timer, proxy.idle);
            }
            relay(el, proxy, key);
        }
        // A reset: nothing more can be relayed either way.
        Err(_) => close(el, proxy, key),
    }
}

fn on_writable(el: &mut Loop, proxy: &mut Proxy, key: usize, side: Side) {
    let Some(pair) = proxy.pairs[key].as_mut() else {
        return;
    };
    if side == Side::Upstream && !pair.connected {
        if let Err(e) = net::connect_result(&pair.upstream) {
            eprintln!(
                "proxy: closing client {}: upstream {}: {e}",
                pair.peer, proxy.upstream
            );
            return close(el, proxy, key);
        }
        pair.connected = true;
    }
    relay(el, proxy, key);
}

/// Writes what each direction holds, then sets both sockets' interest from
/// the flows' state. Every handler ends here, so the interest never lags
/// behind the buffers: read a source while its buffer has room, watch a
/// sink for WRITABLE only while bytes wait for it.
fn relay(el: &mut Loop, proxy: &mut Proxy, key: usize) {
    let Some(pair) = proxy.pairs[key].as_mut() else {
        return;
    };
    let mut moved = 0;
    let mut drain = || -> io::Result<()> {
        if pair.connected {
            moved += pair.up.drain(&pair.upstream)?;
        }
        moved += pair.down.drain(&pair.client)?;
        Ok(())
    };
    if drain().is_err() {
        return close(el, proxy, key);
    }
    if moved > 0 {
        let _ = el.reschedule_time_event(pair.idle_timer, proxy.idle);
    }
    if pair.up.shut && pair.down.shut {
        return close(el, proxy, key);
    }
    let interest = |read: bool, write: bool| {
        let mut mask = Mask::NONE;
        if read {
            mask |= Mask::READABLE;
        }
        if write {
            mask |= Mask::WRITABLE;
        }
        mask
    };
    // Client bytes are read ahead of the connect, up to the buffer.
    let client = interest(pair.up.wants_read(), pair.down.pending());
    let upstream = if pair.connected {
        interest(pair.down.wants_read(), pair.up.pending())
    } else {
        Mask::WRITABLE
    };
    let set = el
        .set_file_events(&pair.client, client)
        .and_then(|()| el.set_file_events(&pair.upstream, upstream));
    if set.is_err() {
        close(el, proxy, key);
    }
}

/// Forgets the pair: events and timer first, then the sockets are dropped,
/// which closes them.
fn close(el: &mut Loop, proxy: &mut Proxy, key: usize) {
    if let Some(pair) = proxy.pairs[key].take() {
        el.delete_file_event(&pair.client, Mask::READ_WRITE);
        el.delete_file_event(&pair.upstream, Mask::READ_WRITE);
        // Allowed from the timer's own callback (an idle close).
        let _ = el.delete_time_event(pair.idle_timer);
    }
}

impl Proxy {
    /// How many pairs are open.
    pub fn pairs(&self) -> usize {
        self.pairs.iter().flatten().count()
    }
}

struct Options {
    listen: String,
    upstream: String,
    idle: Duration,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    const USAGE: &str =
        "usage: proxy --listen HOST:PORT --upstream HOST:PORT [--idle-timeout-ms N]";
    let (mut listen, mut upstream, mut idle) = (None, None, Duration::from_secs(300));
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or(format!("{flag} needs a value; {USAGE}"))?;
        match flag.as_str() {
            "--listen" => listen = Some(value.clone()),
            "--upstream" => upstream = Some(value.clone()),
            "--idle-timeout-ms" => {
                let ms = value
                    .parse()
                    .map_err(|_| format!("--idle-timeout-ms: '{value}' is not a number"))?;
                idle = Duration::from_millis(ms);
            }
            _ => return Err(format!("unknown option {flag}; {USAGE}")),
        }
    }
    match (listen, upstream) {
        (Some(listen), Some(upstream)) => Ok(Options {
            listen,
            upstream,
            idle,
        }),
        _ => Err(USAGE.to_string()),
    }
}

/// The whole program but the exit status: `args` without the program name.
pub fn run(args: &[String]) -> Result<(), String> {
    let opts = parse_args(args)?;
    // Resolved once, before the loop runs: a name lookup blocks.
    let upstream = opts
        .upstream
        .to_socket_addrs()
        .map_err(|e| format!("--upstream {}: {e}", opts.upstream))?
        .next()
        .ok_or(format!("--upstream {}: no address", opts.upstream))?;
    let backend = Backend::from_env().map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(&opts.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let (mut el, mut proxy) =
        setup(listener, upstream, opts.idle, backend).map_err(|e| e.to_string())?;
    // Alone on its line: a script that asked for port 0 reads the port here.
    println!("listening on {bound}");
    eprintln!(
        "proxy: {bound} -> {upstream} ({}), idle timeout {:?}",
        el.name(),
        opts.idle
    );
    el.run(&mut proxy).map_err(|e| e.to_string())?;
    eprintln!("proxy: stopping, closing {} pair(s)", proxy.pairs());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proxy: {e}");
            ExitCode::FAILURE
        }
    }
}
