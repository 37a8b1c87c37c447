//! Connections: accepting, reading requests, writing replies, freeing
//! (Redis's `networking.c`).

use std::io::{self, IoSliceMut, Read, Write};
use std::mem;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Instant;

use ae::{Mask, Poller};

use crate::bulk_pool::BIG_ARG;
use crate::commands::process_command;
use crate::log;
use crate::reply::{Reply, ReplyBuf};
use crate::resp::{Parsed, Parser};
use crate::server::{Client, Loop, Server, IOBUF_LEN};

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
/// local client pays for the server's sends: pipelined 100 KB GETs ran at
/// 0.80-0.86x redis-server with the client saturated, and at 0.98-1.0x
/// with this. Replies wait in the client's list instead, where a big value
/// is shared rather than copied per socket, and the output limit counts
/// them. A send queue needs to cover the bandwidth-delay product, which
/// unacknowledged bytes do, not the time until the next write (the
/// option's rationale in Linux 3.12).
#[cfg(any(target_os = "linux", target_os = "android"))]
const NOTSENT_LOWAT: u32 = MAX_WRITE_PER_EVENT as u32;
/// Bytes read into the shared buffer per event (`PROTO_IOBUF_LEN`); a
/// client whose last read filled them is pipelining and reads up to
/// [`IOBUF_LEN`] (so pipelined 10 KB SETs take
/// a read per six requests, not per one and a half, as Redis's greedy
/// query buffer does). The rest of a big argument is read directly, with
/// only this much after it, so little of a 100 KB value is copied.
const READ_LEN: usize = 16 * 1024;

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
    if server.num_clients >= server.config.maxclients {
        // Best effort: the socket is new, so the short error fits.
        let _ = (&stream).write(b"-ERR max number of clients reached\r\n");
        server.stats.rejected_connections += 1;
        return;
    }
    server.stats.total_connections += 1;
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
    let slot = usize::try_from(fd)
        .ok()
        .filter(|&i| i < server.clients.len())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fd {fd} is beyond the loop's set size"),
            )
        })?;
    el.create_file_event(fd, Mask::READABLE, read_query_from_client::<P>)?;
    let id = server.next_client_id;
    server.next_client_id += 1;
    log!(Verbose, "Accepted client id={id} fd={fd}");
    server.clients[slot] = Some(Box::new(Client {
        id,
        stream,
        query: Vec::new(),
        parser: Parser::default(),
        reply: ReplyBuf::default(),
        last_interaction: Instant::now(),
        name: None,
        close_after_reply: false,
        write_handler: false,
        pending_write: false,
        pipelining: false,
        session: crate::commands::Session::default(),
    }));
    server.num_clients += 1;
    Ok(())
}

/// Takes a client out of its slot, so it can be used beside `&mut Server`.
fn take_client(server: &mut Server, fd: RawFd) -> Option<Box<Client>> {
    server.clients.get_mut(usize::try_from(fd).ok()?)?.take()
}

fn put_client(server: &mut Server, c: Box<Client>) {
    let fd = c.stream.as_raw_fd() as usize;
    server.clients[fd] = Some(c);
}

/// Closes a client (`freeClient`): its events go, the fd closes, its
/// buffers are dropped. The client must already be out of its slot.
pub fn free_client<P: Poller>(el: &mut Loop<P>, server: &mut Server, mut c: Box<Client>) {
    crate::commands::client_closed(server, &mut c);
    el.delete_file_event(c.stream.as_raw_fd(), Mask::READ_WRITE);
    server.num_clients -= 1;
    log!(Verbose, "Client closed id={}", c.id);
    drop(c);
}

/// Frees the client on `fd`, if there is one.
pub fn free_client_by_fd<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd) {
    if let Some(c) = take_client(server, fd) {
        free_client(el, server, c);
    }
}

/// How a read from a client ended.
enum ReadOutcome {
    /// `n` bytes arrived.
    Data(usize),
    /// Nothing to read now.
    Again,
    /// The client closed the connection or the read failed: free it.
    Closed,
}

fn read_outcome(c: &Client, r: io::Result<usize>) -> ReadOutcome {
    match r {
        Ok(0) => {
            log!(Verbose, "Client closed connection id={}", c.id);
            ReadOutcome::Closed
        }
        Ok(n) => ReadOutcome::Data(n),
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

/// READABLE on a client (`readQueryFromClient`): one read, then every
/// complete request runs. The read goes into the shared buffer (16 KiB, or
/// up to 64 KiB for a pipelining client), or, when at least 16 KiB of a
/// bulk argument are still to come, straight into the argument's own
/// buffer for all of the rest (Redis's `PROTO_MBULK_BIG_ARG`), that buffer
/// then being the stored value; the same `readv` takes up to 16 KiB more
/// into the shared buffer, so a stream of big values takes a read each
/// (Redis's greedy query buffer reads a value's worth and then copies it).
pub fn read_query_from_client<P: Poller>(
    el: &mut Loop<P>,
    server: &mut Server,
    fd: RawFd,
    _mask: Mask,
) {
    let Some(mut c) = take_client(server, fd) else {
        return;
    };
    let mut buf = mem::take(&mut server.read_buf);
    let room = if c.query.is_empty() && !c.close_after_reply {
        c.parser.bulk_room(BIG_ARG, &mut server.bulk_pool)
    } else {
        None
    };
    let (r, direct_room) = match room {
        Some(room) => {
            let len = room.len();
            let mut iov = [IoSliceMut::new(room), IoSliceMut::new(&mut buf[..READ_LEN])];
            ((&c.stream).read_vectored(&mut iov), len)
        }
        None => {
            let len = if c.pipelining { IOBUF_LEN } else { READ_LEN };
            ((&c.stream).read(&mut buf[..len]), 0)
        }
    };
    let n = match read_outcome(&c, r) {
        ReadOutcome::Data(n) => n,
        ReadOutcome::Again => {
            server.read_buf = buf;
            return put_client(server, c);
        }
        ReadOutcome::Closed => {
            server.read_buf = buf;
            return free_client(el, server, c);
        }
    };
    server.stats.net_input_bytes += n as u64;
    let direct = n.min(direct_room);
    if direct > 0 {
        c.parser.bulk_filled(direct);
    }
    // What came after the argument's room, in the shared buffer.
    let n = n - direct;
    // Checked before parsing, as Redis does, so a request that arrives
    // whole in one read is held to the limit too. What the client holds:
    // the unparsed bytes and the arguments of its request in progress
    // (Redis counts the query buffer and the argv parsed so far).
    let held = c.parser.held_bytes() + c.query.len() + n;
    if held > server.config.client_query_buffer_limit {
        log!(
            Warning,
            "Closing client that reached max query buffer length: id={} qbuf={held}",
            c.id
        );
        server.read_buf = buf;
        return free_client(el, server, c);
    }
    // One clock read per read: the commands below use it too.
    server.now = Instant::now();
    c.last_interaction = server.now;
    if !c.close_after_reply {
        c.pipelining = n >= READ_LEN;
        if c.query.is_empty() {
            // The common case: parse straight from the shared buffer and
            // keep only an incomplete tail.
            let used = process_input_buffer(server, &mut c, &buf[..n]);
            c.query.extend_from_slice(&buf[used..n]);
        } else {
            let mut query = mem::take(&mut c.query);
            query.extend_from_slice(&buf[..n]);
            let used = process_input_buffer(server, &mut c, &query);
            query.drain(..used);
            c.query = query;
        }
    }
    server.read_buf = buf;
    if c.query.is_empty() && c.query.capacity() > 0 {
        c.query = Vec::new();
    }
    if over_output_limit(server, &c) {
        return free_client(el, server, c);
    }
    queue_reply(server, &mut c);
    put_client(server, c);
}

/// A client that requests faster than it reads its replies is closed once
/// they pass the output limit (Redis's `client-output-buffer-limit`, which
/// is off by default for normal clients; here a hard limit).
pub fn over_output_limit(server: &Server, c: &Client) -> bool {
    let pending = c.pending_bytes();
    if pending <= server.config.client_output_buffer_limit {
        return false;
    }
    log!(
        Warning,
        "Client id={} closed for overcoming of output buffer limits ({pending} bytes pending).",
        c.id
    );
    true
}

/// Runs every complete request in `data`; returns the bytes consumed.
/// Stops once the client's replies pass the output limit: the caller then
/// closes it, and running more of its requests would only grow the buffer
/// (one read of `GET big` requests could otherwise queue gigabytes; Redis
/// likewise stops at `CLIENT_CLOSE_ASAP`).
fn process_input_buffer(server: &mut Server, c: &mut Client, data: &[u8]) -> usize {
    let mut pos = 0;
    // Parsing runs also on no new bytes: a bulk argument read straight
    // into its buffer may have completed a request.
    while !c.close_after_reply && c.pending_bytes() <= server.config.client_output_buffer_limit {
        match c.parser.parse(data, &mut pos, &mut server.bulk_pool) {
            Ok(Parsed::Request) => {
                let (mut args, argc) = c.parser.take_args();
                if argc > 0 {
                    process_command(server, c, &mut args[..argc]);
                }
                c.parser.restore(args, &mut server.bulk_pool);
            }
            Ok(Parsed::Incomplete) => break,
            Err(e) => {
                log!(Verbose, "Protocol error ({}) from client id={}", e.0, c.id);
                c.reply.error(&format!("ERR Protocol error: {}", e.0));
                c.close_after_reply = true;
                return data.len();
            }
        }
    }
    pos
}

/// Closes a client other than the one running a command (CLIENT KILL):
/// queued for the write pass, which frees it.
pub fn close_asap(server: &mut Server, c: &mut Client) {
    c.close_after_reply = true;
    // What it has not been sent is dropped, as Redis frees a killed client
    // at once: a client that does not read is closed all the same.
    c.reply = crate::reply::ReplyBuf::default();
    if !c.pending_write {
        c.pending_write = true;
        server.pending_writes.push(c.stream.as_raw_fd());
    }
}

/// Puts a client with replies on the list written before the loop sleeps.
pub fn queue_reply(server: &mut Server, c: &mut Client) {
    if c.has_pending_replies() && !c.pending_write && !c.write_handler {
        c.pending_write = true;
        server.pending_writes.push(c.stream.as_raw_fd());
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
fn write_to_client(server: &mut Server, c: &mut Client) -> Written {
    let mut total = 0;
    while c.has_pending_replies() && total < MAX_WRITE_PER_EVENT {
        match c.reply.write_to(&c.stream) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                log!(Verbose, "Error writing to client id={}: {e}", c.id);
                return Written::Failed;
            }
        }
    }
    server.stats.net_output_bytes += total as u64;
    if c.has_pending_replies() {
        Written::Partial
    } else {
        Written::Drained
    }
}

/// Writes and then settles a client: installs the WRITABLE handler while
/// replies remain, removes it once drained, closes when asked to.
fn flush_client<P: Poller>(el: &mut Loop<P>, server: &mut Server, mut c: Box<Client>) {
    let fd = c.stream.as_raw_fd();
    match write_to_client(server, &mut c) {
        Written::Failed => free_client(el, server, c),
        Written::Drained if c.close_after_reply => free_client(el, server, c),
        Written::Drained => {
            if c.write_handler {
                el.delete_file_event(fd, Mask::WRITABLE);
                c.write_handler = false;
            }
            put_client(server, c);
        }
        Written::Partial => {
            if over_output_limit(server, &c) {
                return free_client(el, server, c);
            }
            if !c.write_handler {
                if let Err(e) = el.create_file_event(fd, Mask::WRITABLE, send_reply_to_client::<P>)
                {
                    log!(
                        Warning,
                        "Error installing the write handler of client id={}: {e}",
                        c.id
                    );
                    return free_client(el, server, c);
                }
                c.write_handler = true;
            }
            put_client(server, c);
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
    if let Some(c) = take_client(server, fd) {
        flush_client(el, server, c);
    }
}

/// The before-sleep hook (`handleClientsWithPendingWrites`): writes the
/// replies queued in this iteration directly, so most replies cost one
/// write and no epoll_ctl.
pub fn handle_clients_with_pending_writes<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    let mut pending = mem::take(&mut server.pending_writes);
    for &fd in &pending {
        let Some(mut c) = take_client(server, fd) else {
            continue;
        };
        c.pending_write = false;
        flush_client(el, server, c);
    }
    pending.clear();
    server.pending_writes = pending;
}
