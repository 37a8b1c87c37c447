//! The connected clients by fd, and the effects of commands carried out on
//! them (Redis's `server.clients` and the client flags the commands set).

use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::conn::Input;
use crate::engine::reply::{Reply, ReplyBuf};
use crate::engine::{ClientRef, ConnInfo, Effect, Engine, Peer, Peers, Session};
use crate::log;
use ae::{Poller, TimerAction, TimerId};

use super::{Loop, Server};

/// A connected client (Redis's `client`).
pub struct Client {
    /// The connection, non-blocking.
    pub stream: TcpStream,
    /// What has been received and not yet run.
    pub input: Input,
    /// Replies not yet written.
    pub reply: ReplyBuf,
    /// What the commands keep for it (id, name, RESP version, transaction,
    /// MONITOR, CLIENT REPLY).
    pub session: Session,
    /// Last time the client sent something (for `--timeout`).
    pub last_interaction: Instant,
    /// Close once the replies are written (QUIT, protocol errors).
    pub close_after_reply: bool,
    /// A WRITABLE handler is installed: the socket would block.
    pub write_handler: bool,
    /// In the pending-writes list.
    pub pending_write: bool,
    /// The timer of a blocking command's timeout, while it waits.
    pub block_timer: Option<TimerId>,
}

impl Client {
    /// A client on `stream` with the id `id`.
    pub fn new(stream: TcpStream, id: u64) -> Self {
        Client {
            stream,
            input: Input::default(),
            reply: ReplyBuf::default(),
            session: Session::new(id),
            last_interaction: Instant::now(),
            close_after_reply: false,
            write_handler: false,
            pending_write: false,
            block_timer: None,
        }
    }

    /// The fd of its socket.
    pub fn fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }

    /// What the engine may see of the connection.
    pub fn conn_info(&self) -> ConnInfo<'_> {
        ConnInfo {
            fd: self.fd(),
            stream: Some(&self.stream),
            query_len: self.input.query_len(),
            query_capacity: self.input.query_capacity(),
            write_handler: self.write_handler,
            close_after_reply: self.close_after_reply,
            last_interaction: self.last_interaction,
        }
    }

    /// True when replies wait to be written.
    pub fn has_pending_replies(&self) -> bool {
        self.reply.pending() > 0
    }
}

type Slot = Option<Box<Client>>;

/// The clients by fd, and those with replies to write before the loop
/// sleeps.
pub struct Clients {
    slots: Vec<Slot>,
    count: usize,
    /// fds of the clients with replies queued in this iteration.
    pub pending_writes: Vec<RawFd>,
    /// fds of the clients served after waiting in a blocking command,
    /// whose further requests run before the loop sleeps.
    pub unblocked: Vec<RawFd>,
}

/// A client taken apart from the others, so a command can run on it while
/// the others are read (CLIENT LIST) and, after it, changed (CLIENT KILL,
/// MONITOR).
pub struct Split<'a> {
    /// The client.
    pub me: &'a mut Client,
    /// Every other client.
    pub others: Others<'a>,
    /// The pending-writes list.
    pub pending_writes: &'a mut Vec<RawFd>,
    /// The unblocked list.
    pub unblocked: &'a mut Vec<RawFd>,
}

/// The clients other than one.
pub struct Others<'a> {
    before: &'a mut [Slot],
    after: &'a mut [Slot],
}

impl Others<'_> {
    /// The client on `fd` if it is client `id`.
    fn get_mut(&mut self, (fd, id): (RawFd, u64)) -> Option<&mut Client> {
        let i = usize::try_from(fd).ok()?;
        // The client apart from these sits between the two halves.
        let slot = match i.checked_sub(self.before.len() + 1) {
            Some(j) => self.after.get_mut(j)?,
            None => self.before.get_mut(i)?,
        };
        slot.as_deref_mut().filter(|c| c.session.id == id)
    }
}

impl Peers for Others<'_> {
    fn for_each(&self, f: &mut dyn FnMut(&Peer<'_>)) {
        for c in self.before.iter().chain(self.after.iter()).flatten() {
            f(&Peer {
                conn: c.conn_info(),
                session: &c.session,
                pending: c.reply.pending(),
            });
        }
    }
}

impl Clients {
    /// Room for fds below `set_size`.
    pub fn new(set_size: usize) -> Self {
        let mut slots = Vec::new();
        slots.resize_with(set_size, || None);
        Clients {
            slots,
            count: 0,
            pending_writes: Vec::new(),
            unblocked: Vec::new(),
        }
    }

    /// How many are connected.
    pub fn len(&self) -> usize {
        self.count
    }

    /// None connected.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The fds the table can hold: `0..capacity()`.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The client on `fd`.
    pub fn get(&self, fd: RawFd) -> Option<&Client> {
        self.slots.get(usize::try_from(fd).ok()?)?.as_deref()
    }

    /// The client on `fd`, to change.
    pub fn get_mut(&mut self, fd: RawFd) -> Option<&mut Client> {
        self.slots
            .get_mut(usize::try_from(fd).ok()?)?
            .as_deref_mut()
    }

    /// Adds a client in its fd's slot, which the caller checked is free
    /// and within [`Clients::capacity`].
    pub fn insert(&mut self, c: Client) {
        let fd = c.fd() as usize;
        debug_assert!(self.slots[fd].is_none());
        self.slots[fd] = Some(Box::new(c));
        self.count += 1;
    }

    /// Removes the client on `fd`.
    pub fn remove(&mut self, fd: RawFd) -> Option<Box<Client>> {
        let c = self.slots.get_mut(usize::try_from(fd).ok()?)?.take()?;
        self.count -= 1;
        Some(c)
    }

    /// The client on `fd` apart from the others.
    pub fn split(&mut self, fd: RawFd) -> Option<Split<'_>> {
        let i = usize::try_from(fd).ok().filter(|&i| i < self.slots.len())?;
        let (before, rest) = self.slots.split_at_mut(i);
        let (me, after) = rest.split_first_mut()?;
        Some(Split {
            me: me.as_deref_mut()?,
            others: Others { before, after },
            pending_writes: &mut self.pending_writes,
            unblocked: &mut self.unblocked,
        })
    }

    /// Gives the waiting client on `fd` its reply (see `unblock`).
    pub fn unblock<P: Poller>(&mut self, el: &mut Loop<P>, fd: RawFd, reply: &[u8]) {
        let slot = usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i));
        if let Some(c) = slot.and_then(|s| s.as_deref_mut()) {
            unblock(el, c, reply, &mut self.pending_writes, &mut self.unblocked);
        }
    }

    /// Puts a client with replies on the list written before the loop
    /// sleeps.
    pub fn queue_reply(&mut self, fd: RawFd) {
        let slot = usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i));
        if let Some(c) = slot.and_then(|s| s.as_deref_mut()) {
            queue_reply(c, &mut self.pending_writes);
        }
    }
}

/// Puts `c` on `pending` if it has replies and is on neither that list nor
/// a WRITABLE handler.
pub fn queue_reply(c: &mut Client, pending: &mut Vec<RawFd>) {
    if c.has_pending_replies() && !c.pending_write && !c.write_handler {
        c.pending_write = true;
        pending.push(c.fd());
    }
}

/// Closes a client other than the one running a command (CLIENT KILL):
/// queued for the write pass, which frees it.
fn close_asap(c: &mut Client, pending: &mut Vec<RawFd>) {
    c.close_after_reply = true;
    // What it has not been sent is dropped, as Redis frees a killed client
    // at once: a client that does not read is closed all the same.
    c.reply = ReplyBuf::default();
    if !c.pending_write {
        c.pending_write = true;
        pending.push(c.fd());
    }
}

/// A client that requests faster than it reads its replies is closed once
/// they pass the output limit (Redis's `client-output-buffer-limit`, which
/// is off by default for normal clients; here a hard limit).
pub fn over_output_limit(limit: usize, c: &Client) -> bool {
    let pending = c.reply.pending();
    if pending <= limit {
        return false;
    }
    log!(
        Warning,
        "Client id={} closed for overcoming of output buffer limits ({pending} bytes pending).",
        c.session.id
    );
    true
}

/// The caller of the command whose effects are carried out.
pub struct Me<'a> {
    /// Its fd and id.
    pub who: ClientRef,
    /// Its close-after-reply flag.
    pub close_after_reply: &'a mut bool,
    /// Its blocking command's timeout timer.
    pub block_timer: &'a mut Option<TimerId>,
}

/// Carries out what the command client `me` just ran asked for; `others`
/// are the other clients.
pub fn apply_effects<P: Poller>(
    el: &mut Loop<P>,
    engine: &mut Engine,
    me: Me<'_>,
    others: &mut Others<'_>,
    pending: &mut Vec<RawFd>,
    unblocked: &mut Vec<RawFd>,
    shutdown: &AtomicBool,
) {
    let (me_fd, me_id) = me.who;
    let limit = engine.config.client_output_buffer_limit;
    let mut effects = std::mem::take(&mut engine.effects);
    for effect in effects.drain(..) {
        match effect {
            Effect::CloseAfterReply => *me.close_after_reply = true,
            Effect::Kill(who) => {
                if let Some(c) = others.get_mut(who) {
                    close_asap(c, pending);
                }
            }
            Effect::Monitor(line) => {
                for &who in engine.monitors() {
                    if who.1 == me_id {
                        continue;
                    }
                    let Some(m) = others.get_mut(who) else {
                        continue;
                    };
                    m.reply.status(&line);
                    // A monitor that does not read would otherwise grow
                    // without bound: its socket blocked, nothing else
                    // checks.
                    if over_output_limit(limit, m) {
                        close_asap(m, pending);
                    } else {
                        queue_reply(m, pending);
                    }
                }
            }
            Effect::Shutdown => shutdown.store(true, Ordering::SeqCst),
            Effect::Block { timeout } => {
                if let Some(after) = timeout {
                    let timer = el.create_time_event(after, move |el, server: &mut Server, _| {
                        blocked_timed_out(el, server, me_fd, me_id);
                        TimerAction::NoMore
                    });
                    *me.block_timer = Some(timer);
                }
            }
            Effect::Unblocked { who, reply } => {
                if let Some(c) = others.get_mut(who) {
                    unblock(el, c, &reply, pending, unblocked);
                }
            }
        }
    }
    // Kept for the next command's effects: no allocation per command.
    engine.effects = effects;
}

/// A waiting client gets `reply` (served, or timed out): it waits no more,
/// its timer goes, and its further requests run before the loop sleeps.
fn unblock<P: Poller>(
    el: &mut Loop<P>,
    c: &mut Client,
    reply: &[u8],
    pending: &mut Vec<RawFd>,
    unblocked: &mut Vec<RawFd>,
) {
    c.session.blocked = false;
    c.reply.extend_from_slice(reply);
    if let Some(timer) = c.block_timer.take() {
        let _ = el.delete_time_event(timer);
    }
    queue_reply(c, pending);
    unblocked.push(c.fd());
}

/// A blocking command's timeout passed (`replyToBlockedClientTimedOut`).
fn blocked_timed_out<P: Poller>(el: &mut Loop<P>, server: &mut Server, fd: RawFd, id: u64) {
    let Some(c) = server.clients.get_mut(fd).filter(|c| c.session.id == id) else {
        return;
    };
    // It fired: there is nothing to delete.
    c.block_timer = None;
    if let Some(reply) = server.engine.blocked_timed_out(id) {
        server.clients.unblock(el, fd, &reply);
    }
}
