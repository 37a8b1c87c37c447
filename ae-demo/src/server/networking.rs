//! Connections: accepting, reading requests, writing replies, freeing
//! (Redis's `networking.c`).

use std::io::{self, Write};
use std::mem;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use ae::{Mask, Poller, TimerId};

use super::clients::{apply_effects, over_output_limit, Client, Me, Others, Split};
use super::persistence::LoopChildren;
use super::{Loop, Server};
use crate::bulk_pool::BulkPool;
use crate::conn::Requests;
use crate::engine::reply::{Reply, ReplyBuf};
use crate::engine::{process_command, Caller, ConnInfo, Engine, Session};
use crate::log;

/// Connections accepted per readable event on the listener
/// (`MAX_ACCEPTS_PER_CALL`).
const MAX_ACCEPTS_PER_CALL: usize = 1000;
/// Bytes written to one client per event, so one client cannot starve the
/// others (`NET_MAX_WRITES_PER_EVENT`).
const MAX_WRITE_PER_EVENT: usize = 64 * 1024;
/// Unsent bytes the kernel holds for a client at most (Linux's
/// `TCP_NOTSENT_LOWAT`; WRITABLE fires below half of it). Without it, a
/// write hands the kernel as much as the send buffer's autotuning allows
/// (megabytes), far more than the peer's window lets it send; the rest is
/// then sent from the peer's context as its reads open the window, and a
/// local client pays for the server's sends (pipelined big GETs measured
/// in docs/benchmarks.md). Replies wait in the client's list instead, where a big value
/// is shared rather than copied per socket, and the output limit counts
/// them. A send queue needs to cover the bandwidth-delay product, which
/// unacknowledged bytes do, not the time until the next write (the
/// option's rationale in Linux 3.12).
#[cfg(any(target_os = "linux", target_os = "android"))]
const NOTSENT_LOWAT: u32 = MAX_WRITE_PER_EVENT as u32;
/// Accepts non-blocking, close-on-exec, in one syscall where there is one.
fn accept(listener: &TcpListener) -> io::Result<TcpStream> {
    cfg_if::cfg_if! {
        if #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd", target_os = "netbsd", target_os = "openbsd", target_os = "dragonfly"))] {
            use nix::sys::socket::{accept4, SockFlag};
            let fd = accept4(listener, SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC)?;
            Ok(TcpStream::from(fd))
        } else {
            let (stream, _) = listener.accept()?;
            stream.set_nonblocking(true)?;
            Ok(stream)
        }
    }
}

/// READABLE on the listener (`acceptTcpHandler`): accepts a bounded batch.
pub fn accept_handler<P: Poller>(el: &mut Loop<P>, server: &mut Server, _fd: RawFd, _mask: Mask) {
    for _ in 0..MAX_ACCEPTS_PER_CALL {
        let Some(listener) = &server.listener else {
            return;
        };
        match accept(listener) {
            Ok(stream) => accept_common(el, server, stream),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                log!(Warning, "Accepting client connection: {e}");
                return;
            }
        }
    }
}

fn accept_common<P: Poller>(el: &mut Loop<P>, server: &mut Server, stream: TcpStream) {
    if server.clients.len() >= server.engine.config.maxclients {
        // Best effort: the socket is new, so the short error fits.
        let _ = (&stream).write(b"-ERR max number of clients reached\r\n");
        server.engine.stats.rejected_connections += 1;
        return;
    }
    server.engine.stats.total_connections += 1;
    if let Err(e) = create_client(el, server, stream) {
        log!(
            Warning,
            "Error registering fd event for the new client: {e}"
        );
    }
}

/// Sets up a connection as a client (`createClient`): TCP_NODELAY,
/// TCP_NOTSENT_LOWAT where there is one, and `read_query_from_client` on
/// READABLE.
fn create_client<P: Poller>(
    el: &mut Loop<P>,
    server: &mut Server,
    stream: TcpStream,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    // A kernel older than 3.12 lacks the option: it then works as before.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket2::SockRef::from(&stream).set_tcp_notsent_lowat(NOTSENT_LOWAT);
    let fd = stream.as_raw_fd();
    if usize::try_from(fd).map_or(true, |i| i >= server.clients.capacity()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("fd {fd} is beyond the loop's set size"),
        ));
    }
    el.create_file_event(fd, Mask::READABLE, read_query_from_client::<P>)?;
    let id = server.next_client_id;
    server.next_client_id += 1;
    log!(Verbose, "Accepted client id={id} fd={fd}");
    server.clients.insert(Client::new(stream, id));
    Ok(())
}

/// Closes the client on `fd`, if there is one (`freeClient`): its events
/// go, the engine forgets it, the fd closes, its buffers are dropped.
pub fn free_client<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd) {
    let Some(mut c) = server.clients.remove(fd) else {
        return;
    };
    server.engine.client_closed(fd, &mut c.session);
    if let Some(timer) = c.block_timer.take() {
        let _ = el.delete_time_event(timer);
    }
    el.delete_file_event(fd, Mask::READ_WRITE);
    log!(Verbose, "Client closed id={}", c.session.id);
    drop(c);
}

/// How a read from a client ended.
enum ReadOutcome {
    /// Bytes arrived.
    Data,
    /// Nothing to read now.
    Again,
    /// The client closed the connection, the read failed, or it passed
    /// the query-buffer limit: free it.
    Closed,
}

fn read_outcome(id: u64, r: io::Result<usize>) -> ReadOutcome {
    match r {
        Ok(0) => {
            log!(Verbose, "Client closed connection id={id}");
            ReadOutcome::Closed
        }
        Ok(_) => ReadOutcome::Data,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            ReadOutcome::Again
        }
        Err(e) => {
            log!(Verbose, "Reading from client: {e}");
            ReadOutcome::Closed
        }
    }
}

/// Runs the requests of one client as [`crate::conn::Input::feed`] finds
/// them, and carries out their effects: the parts of the client the
/// commands use, borrowed apart from its input, which is feeding them.
struct Run<'a, 'b, P: Poller> {
    engine: &'a mut Engine,
    /// Where BGSAVE forks.
    children: LoopChildren<'a, P>,
    session: &'a mut Session,
    reply: &'a mut ReplyBuf,
    /// The connection as the commands see it; its `close_after_reply` is
    /// the client's, written back after the feed.
    conn: ConnInfo<'a>,
    others: &'a mut Others<'b>,
    pending_writes: &'a mut Vec<RawFd>,
    unblocked: &'a mut Vec<RawFd>,
    block_timer: &'a mut Option<TimerId>,
    shutdown: &'a AtomicBool,
}

impl<P: Poller> Requests for Run<'_, '_, P> {
    fn pool(&mut self) -> &mut BulkPool {
        &mut self.engine.bulk_pool
    }

    /// Stops once the client's replies pass the output limit: the caller
    /// then closes it, and running more of its requests would only grow
    /// the buffer (one read of `GET big` requests could otherwise queue
    /// gigabytes; Redis likewise stops at `CLIENT_CLOSE_ASAP`).
    fn more(&self) -> bool {
        // A client waiting in a blocking command runs nothing more until
        // it is served (its requests stay in its query buffer).
        !self.conn.close_after_reply
            && !self.session.blocked
            && self.reply.pending() <= self.engine.config.client_output_buffer_limit
    }

    fn run(&mut self, args: &mut [Vec<u8>]) {
        let mut caller = Caller {
            session: self.session,
            reply: self.reply,
            conn: self.conn,
            peers: &*self.others,
            children: &mut self.children,
        };
        process_command(self.engine, &mut caller, args);
        if !self.engine.effects.is_empty() {
            let me = Me {
                who: (self.conn.fd, self.session.id),
                close_after_reply: &mut self.conn.close_after_reply,
                block_timer: self.block_timer,
            };
            apply_effects(
                self.children.el,
                self.engine,
                me,
                self.others,
                self.pending_writes,
                self.unblocked,
                self.shutdown,
            );
        }
    }
}

/// READABLE on a client (`readQueryFromClient`): one read
/// ([`crate::conn::Input::read`]), then every complete request runs.
pub fn read_query_from_client<P: Poller>(
    el: &mut Loop<P>,
    server: &mut Server,
    fd: RawFd,
    _mask: Mask,
) {
    match read_and_run(el, server, fd) {
        ReadOutcome::Again => {}
        ReadOutcome::Closed => free_client(el, server, fd),
        ReadOutcome::Data => settle_replies(el, server, fd),
    }
}

/// After a client's requests ran: closed if its replies passed the output
/// limit, else queued to be written before the loop sleeps.
fn settle_replies<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd) {
    let Some(c) = server.clients.get(fd) else {
        return;
    };
    if over_output_limit(server.engine.config.client_output_buffer_limit, c) {
        return free_client(el, server, fd);
    }
    server.clients.queue_reply(fd);
}

fn read_and_run<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd) -> ReadOutcome {
    let Server {
        engine,
        clients,
        read_buf,
        ..
    } = server;
    let Some(me) = clients.get_mut(fd) else {
        return ReadOutcome::Again;
    };
    let direct = !me.close_after_reply && !me.session.blocked;
    let r = me
        .input
        .read(&mut &me.stream, read_buf, &mut engine.bulk_pool, direct);
    let got = match r {
        Ok(got) => match read_outcome(me.session.id, Ok(got.total)) {
            ReadOutcome::Data => got,
            other => return other,
        },
        Err(e) => return read_outcome(me.session.id, Err(e)),
    };
    engine.stats.net_input_bytes += got.total as u64;
    // Checked before parsing, as Redis does, so a request that arrives
    // whole in one read is held to the limit too.
    let held = me.input.held_with(got.buffered);
    if held > engine.config.client_query_buffer_limit {
        log!(
            Warning,
            "Closing client that reached max query buffer length: id={} qbuf={held}",
            me.session.id
        );
        return ReadOutcome::Closed;
    }
    // One clock read per read: the commands below use it too.
    engine.now = Instant::now();
    me.last_interaction = engine.now;
    if me.close_after_reply {
        return ReadOutcome::Data;
    }
    run_requests(el, server, fd, got.buffered);
    ReadOutcome::Data
}

/// Runs the client's complete requests: those held in its query buffer,
/// then the first `fresh` bytes of the read buffer (0: only the held ones,
/// for a client a blocking command no longer holds).
fn run_requests<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd, fresh: usize) {
    let Server {
        engine,
        clients,
        read_buf,
        shutdown_asap,
        listener,
        child_info,
        ..
    } = server;
    let children = LoopChildren::new(el, listener, child_info);
    let Some(Split {
        me,
        mut others,
        pending_writes,
        unblocked,
    }) = clients.split(fd)
    else {
        return;
    };
    let Client {
        stream,
        input,
        reply,
        session,
        last_interaction,
        close_after_reply,
        write_handler,
        block_timer,
        ..
    } = me;
    let conn = ConnInfo {
        fd: stream.as_raw_fd(),
        stream: Some(stream),
        // Mid-read the query buffer is the parser's input: it shows
        // empty, as the bytes being run are not held apart.
        query_len: 0,
        query_capacity: 0,
        write_handler: *write_handler,
        close_after_reply: *close_after_reply,
        last_interaction: *last_interaction,
    };
    let mut run = Run {
        engine,
        children,
        session,
        reply,
        conn,
        others: &mut others,
        pending_writes,
        unblocked,
        block_timer,
        shutdown: shutdown_asap,
    };
    let result = input.feed(&read_buf[..fresh], &mut run);
    *close_after_reply = run.conn.close_after_reply;
    if let Err(e) = result {
        log!(
            Verbose,
            "Protocol error ({}) from client id={}",
            e.0,
            session.id
        );
        reply.error(&format!("ERR Protocol error: {}", e.0));
        *close_after_reply = true;
    }
}

/// The clients served since the last call run the requests they sent
/// while they waited (Redis's `processUnblockedClients`), which may serve
/// others in turn.
fn run_unblocked<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    loop {
        let fds = mem::take(&mut server.clients.unblocked);
        if fds.is_empty() {
            return;
        }
        for fd in fds {
            run_unblocked_one(el, server, fd);
        }
    }
}

fn run_unblocked_one<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd) {
    let waiting = server
        .clients
        .get(fd)
        .is_some_and(|c| !c.session.blocked && !c.close_after_reply && c.input.query_len() > 0);
    if waiting {
        server.engine.now = Instant::now();
        run_requests(el, server, fd, 0);
        settle_replies(el, server, fd);
    }
}

/// What became of a client after a write.
enum Written {
    /// Everything written.
    Drained,
    /// The socket would block with replies left.
    Partial,
    /// The connection failed.
    Failed,
}

/// Writes a client's replies (`writeToClient`), each write sending
/// several parts at once (`writev`), until the socket would block or more
/// than 64 KiB went out in this event.
fn write_to_client(output_bytes: &mut u64, c: &mut Client) -> Written {
    let mut total = 0;
    while c.has_pending_replies() && total < MAX_WRITE_PER_EVENT {
        match c.reply.write_to(&c.stream) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                log!(Verbose, "Error writing to client id={}: {e}", c.session.id);
                return Written::Failed;
            }
        }
    }
    *output_bytes += total as u64;
    if c.has_pending_replies() {
        Written::Partial
    } else {
        Written::Drained
    }
}

/// Writes and then settles a client: installs the WRITABLE handler while
/// replies remain, removes it once drained, closes when asked to.
fn flush_client<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd) {
    let Some(c) = server.clients.get_mut(fd) else {
        return;
    };
    match write_to_client(&mut server.engine.stats.net_output_bytes, c) {
        Written::Failed => free_client(el, server, fd),
        Written::Drained if c.close_after_reply => free_client(el, server, fd),
        Written::Drained => {
            if c.write_handler {
                el.delete_file_event(fd, Mask::WRITABLE);
                c.write_handler = false;
            }
        }
        Written::Partial => {
            if over_output_limit(server.engine.config.client_output_buffer_limit, c) {
                return free_client(el, server, fd);
            }
            if !c.write_handler {
                if let Err(e) = el.create_file_event(fd, Mask::WRITABLE, send_reply_to_client::<P>)
                {
                    log!(
                        Warning,
                        "Error installing the write handler of client id={}: {e}",
                        c.session.id
                    );
                    return free_client(el, server, fd);
                }
                c.write_handler = true;
            }
        }
    }
}

/// WRITABLE on a client whose socket had blocked (`sendReplyToClient`).
pub fn send_reply_to_client<P: Poller>(
    el: &mut Loop<P>,
    server: &mut Server,
    fd: RawFd,
    _mask: Mask,
) {
    flush_client(el, server, fd);
}

/// The before-sleep hook (`handleClientsWithPendingWrites`): writes the
/// replies queued in this iteration directly, so most replies cost one
/// write and no epoll_ctl.
pub fn handle_clients_with_pending_writes<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    if !server.clients.unblocked.is_empty() {
        run_unblocked(el, server);
    }
    let mut pending = mem::take(&mut server.clients.pending_writes);
    for &fd in &pending {
        let Some(c) = server.clients.get_mut(fd) else {
            continue;
        };
        c.pending_write = false;
        flush_client(el, server, fd);
    }
    pending.clear();
    server.clients.pending_writes = pending;
}
