//! The blocking list and sorted set commands (Redis's `blocked.c` with the
//! B* commands of `t_list.c` and `t_zset.c`): BLPOP, BRPOP, BLMOVE,
//! BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, and LMPOP beside them.
//!
//! A command that finds data answers at once, as its non-blocking form
//! does. One that finds none registers its client here, in the order
//! clients came, for each key; a key created later as a list or sorted set
//! is flagged ready by its database, and after each command the ready keys
//! serve their waiters first come, first served (`handleClientsBlockedOnKeys`).
//! A served client's reply goes to the server as [`Effect::Unblocked`]; its
//! timeout is the server's timer, set from [`Effect::Block`].

use std::collections::{HashMap, VecDeque};
use std::os::fd::RawFd;
use std::time::Duration;

use super::{count_error, error, integer, touch_or_delete, SYNTAX, WRONGTYPE};
use crate::engine::db::{Kind, List, Value};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Effect, Engine, ReplyMode};
use crate::ldouble::LongDouble;

/// What a blocked client will do with the first key that gets data.
#[derive(Debug, Clone)]
pub(super) enum Op {
    /// BLPOP (head) / BRPOP: `[key, value]`.
    Pop { head: bool },
    /// BLMPOP: `[key, [value ...]]`.
    MPop { head: bool, count: usize },
    /// BLMOVE / BRPOPLPUSH: the value moved onto `dst`.
    Move { dst: Vec<u8>, from: bool, to: bool },
    /// BZPOPMIN / BZPOPMAX (max): `[key, member, score]`.
    ZPop { max: bool },
    /// BZMPOP: `[key, [[member, score] ...]]`.
    ZMPop { max: bool, count: usize },
}

impl Op {
    /// The type of value it pops from.
    fn kind(&self) -> Kind {
        match self {
            Op::Pop { .. } | Op::MPop { .. } | Op::Move { .. } => Kind::List,
            Op::ZPop { .. } | Op::ZMPop { .. } => Kind::ZSet,
        }
    }
}

/// A client waiting for data.
#[derive(Debug)]
struct Waiter {
    fd: RawFd,
    db: usize,
    keys: Vec<Vec<u8>>,
    op: Op,
    resp3: bool,
    /// CLIENT REPLY OFF: it is served, and told nothing.
    silent: bool,
}

/// Who waits for which key (`db->blocking_keys` and the clients' `bpop`).
#[derive(Debug, Default)]
pub struct Blocking {
    waiters: HashMap<u64, Waiter>,
    by_key: HashMap<(usize, Vec<u8>), VecDeque<u64>>,
}

impl Blocking {
    /// How many clients wait (INFO `blocked_clients`).
    pub fn len(&self) -> usize {
        self.waiters.len()
    }

    /// No client waits.
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }
}

impl Engine {
    /// Client `id` waits no more (served, timed out, gone): forgets it and
    /// its keys. Returns whether it waited, and its RESP version.
    fn forget_waiter(&mut self, id: u64) -> Option<Waiter> {
        let w = self.blocking.waiters.remove(&id)?;
        for key in &w.keys {
            let entry = (w.db, key.clone());
            if let Some(queue) = self.blocking.by_key.get_mut(&entry) {
                queue.retain(|&other| other != id);
                if queue.is_empty() {
                    self.blocking.by_key.remove(&entry);
                    self.keyspace[w.db].unblock(key);
                }
            }
        }
        Some(w)
    }

    /// The timeout of client `id` passed: its reply, if it still waited
    /// (`replyToBlockedClientTimedOut`: a null array for every command).
    pub fn blocked_timed_out(&mut self, id: u64) -> Option<Vec<u8>> {
        let w = self.forget_waiter(id)?;
        let mut out = Vec::new();
        if !w.silent {
            out.nil_array(w.resp3);
        }
        Some(out)
    }

    /// CLIENT UNBLOCK: client `id`, if it waits, is answered as if its
    /// timeout passed or, `as_error`, with an UNBLOCKED error.
    pub(super) fn unblock_client(&mut self, id: u64, as_error: bool) -> bool {
        let Some(w) = self.forget_waiter(id) else {
            return false;
        };
        let mut out = Vec::new();
        if w.silent {
            // Told nothing, as any reply with replies off.
        } else if as_error {
            let msg = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
            out.error(msg);
            count_error(self, msg.as_bytes());
        } else {
            out.nil_array(w.resp3);
        }
        self.effects.push(Effect::Unblocked {
            who: (w.fd, id),
            reply: out,
        });
        true
    }

    /// Client `id` closed: it waits no more.
    pub fn blocked_client_closed(&mut self, id: u64) {
        self.forget_waiter(id);
    }
}

/// Serves the clients waiting on the keys that got data since the last
/// call, each key's waiters in the order they came, until no key is ready
/// (a BLMOVE's push may make its destination ready).
pub(super) fn serve_ready(e: &mut Engine) {
    loop {
        let mut any = false;
        for db in 0..e.keyspace.len() {
            for key in e.keyspace[db].take_ready() {
                any = true;
                serve_key(e, db, &key);
            }
        }
        if !any {
            return;
        }
    }
}

fn serve_key(e: &mut Engine, db: usize, key: &[u8]) {
    let Some(queue) = e.blocking.by_key.get(&(db, key.to_vec())) else {
        return;
    };
    let ids: Vec<u64> = queue.iter().copied().collect();
    for id in ids {
        let now = e.now_ms;
        // Emptied and deleted by the last one served: the rest wait on.
        let Some(kind) = e.keyspace[db].kind(key, now) else {
            return;
        };
        if e.blocking.waiters.get(&id).map(|w| w.op.kind()) != Some(kind) {
            continue;
        }
        let Some(w) = e.forget_waiter(id) else {
            continue;
        };
        let mut out = Vec::new();
        run_op(e, db, key, &w.op, w.resp3, &mut out);
        if w.silent {
            out.clear();
        }
        e.effects.push(Effect::Unblocked {
            who: (w.fd, id),
            reply: out,
        });
    }
}

/// What popping found, before any reply was written.
enum Popped {
    /// The reply is written.
    Done,
    /// BLMOVE's destination holds another type: WRONGTYPE, nothing moved.
    WrongDestination,
}

/// Pops as `op` says from `key` (a non-empty list or sorted set, as the
/// caller checked) in database `db` and writes the reply to `out`.
pub(super) fn run_op(
    e: &mut Engine,
    db: usize,
    key: &[u8],
    op: &Op,
    resp3: bool,
    out: &mut impl Reply,
) {
    if let Popped::WrongDestination = pop(e, db, key, op, resp3, out) {
        out.error(WRONGTYPE);
        count_error(e, WRONGTYPE.as_bytes());
    }
}

fn pop(
    e: &mut Engine,
    db: usize,
    key: &[u8],
    op: &Op,
    resp3: bool,
    out: &mut impl Reply,
) -> Popped {
    let now = e.now_ms;
    if let Op::Move { dst, .. } = op {
        if e.keyspace[db]
            .kind(dst, now)
            .is_some_and(|k| k != Kind::List)
        {
            return Popped::WrongDestination;
        }
    }
    let Some(entry) = e.keyspace[db].get_mut_quiet(key, now) else {
        return Popped::Done;
    };
    let empty = match (&mut entry.value, op) {
        (Value::List(l), Op::Pop { head }) => {
            let v = take(l, *head);
            out.array(2);
            out.bulk(key);
            out.bulk(&v.unwrap_or_default());
            l.is_empty()
        }
        (Value::List(l), Op::MPop { head, count }) => {
            let n = (*count).min(l.len());
            out.array(2);
            out.bulk(key);
            out.array(n);
            for _ in 0..n {
                out.bulk(&take(l, *head).unwrap_or_default());
            }
            l.is_empty()
        }
        (Value::List(l), Op::Move { dst, from, to }) => {
            let v = take(l, *from).unwrap_or_default();
            let empty = l.is_empty();
            out.bulk(&v);
            // The source is settled first: it may be the destination too.
            touch_or_delete(e, db, key, empty);
            let d = &mut e.keyspace[db];
            match d.get_mut_quiet(dst, now).map(|en| &mut en.value) {
                Some(Value::List(l)) => {
                    if *to {
                        l.push_front(v);
                    } else {
                        l.push_back(v);
                    }
                    d.touch(dst);
                }
                _ => d.add(dst, Value::List(Box::new(List::from([v])))),
            }
            return Popped::Done;
        }
        (Value::ZSet(z), Op::ZPop { max } | Op::ZMPop { max, .. }) => {
            let n = match op {
                Op::ZMPop { count, .. } => (*count).min(z.len()),
                _ => 1,
            };
            let popped = super::zsets::pop_members(z, n, *max);
            if let Op::ZPop { .. } = op {
                out.array(3);
                out.bulk(key);
                for (s, m) in &popped {
                    out.bulk(m);
                    super::zsets::double(out, resp3, *s);
                }
            } else {
                out.array(2);
                out.bulk(key);
                out.array(popped.len());
                for (s, m) in &popped {
                    out.array(2);
                    out.bulk(m);
                    super::zsets::double(out, resp3, *s);
                }
            }
            z.is_empty()
        }
        _ => return Popped::Done,
    };
    touch_or_delete(e, db, key, empty);
    Popped::Done
}

/// Pops one element from the head or the tail.
pub(super) fn take(l: &mut List, head: bool) -> Option<crate::engine::small::CompactBytes> {
    if head {
        l.pop_front()
    } else {
        l.pop_back()
    }
}

/// The timeout argument in seconds (`getTimeoutFromObjectOrReply`): `None`
/// blocks for ever (0), else how long; the error Redis 7.0 replies
/// otherwise (it has no "out of range" yet).
fn parse_timeout(arg: &[u8]) -> Result<Option<Duration>, &'static str> {
    let not_float = "ERR timeout is not a float or out of range";
    LongDouble::parse(arg).ok_or(not_float)?;
    let (secs, _, _) = super::zsets::strtod(arg);
    let ms = (secs * 1000.0).ceil();
    // Redis 7.0 casts to a long long: what does not fit (the infinities
    // among them) becomes LLONG_MIN on the machines it runs on, which is
    // "negative".
    // 2^63 as a double, exactly.
    let limit = (1u64 << 63) as f64;
    let fits = (-limit..limit).contains(&ms);
    if !fits || ms < 0.0 {
        return Err("ERR timeout is negative");
    }
    Ok((ms > 0.0).then(|| Duration::from_millis(ms as u64)))
}

/// The first of `keys` with data for `op`, or the WRONGTYPE of a key of
/// another type found before one (the order Redis looks them up in).
fn first_ready(
    e: &mut Engine,
    db: usize,
    keys: &[Vec<u8>],
    kind: Kind,
) -> Result<Option<usize>, ()> {
    let now = e.now_ms;
    for (i, key) in keys.iter().enumerate() {
        match e.keyspace[db].kind(key, now) {
            None => continue,
            Some(k) if k == kind => return Ok(Some(i)),
            Some(_) => return Err(()),
        }
    }
    Ok(None)
}

/// The blocking commands' common part (`blockingPopGenericCommand`,
/// `blockForKeys`): serve at once from the first key with data, or, inside
/// EXEC (which never blocks), answer as a timeout, or wait.
fn block_or_serve(e: &mut Engine, c: &mut Caller<'_>, keys: &[Vec<u8>], timeout: &[u8], op: Op) {
    let timeout = match parse_timeout(timeout) {
        Ok(t) => t,
        Err(msg) => return error(e, c, msg),
    };
    let db = c.session.db;
    let resp3 = c.session.resp3;
    let keys: &[Vec<u8>] = match op {
        // BLMOVE looks at its source only.
        Op::Move { .. } => &keys[..1],
        _ => keys,
    };
    match first_ready(e, db, keys, op.kind()) {
        Err(()) => return error(e, c, WRONGTYPE),
        Ok(Some(i)) => return run_op(e, db, &keys[i].clone(), &op, resp3, c.reply),
        Ok(None) => {}
    }
    if e.in_exec {
        return match op {
            Op::Move { .. } => c.reply.nil(resp3),
            _ => c.reply.nil_array(resp3),
        };
    }
    let id = c.session.id;
    for key in keys {
        let queue = e.blocking.by_key.entry((db, key.clone())).or_default();
        if !queue.contains(&id) {
            queue.push_back(id);
        }
        e.keyspace[db].block(key);
    }
    e.blocking.waiters.insert(
        id,
        Waiter {
            fd: c.conn.fd,
            db,
            keys: keys.to_vec(),
            op,
            resp3,
            silent: c.session.reply_mode == ReplyMode::Off,
        },
    );
    c.session.blocked = true;
    e.effects.push(Effect::Block { timeout });
}

/// `key ... timeout`: BLPOP, BRPOP, BZPOPMIN and BZPOPMAX.
fn keys_then_timeout(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], op: Op) {
    let (keys, timeout) = args[1..].split_at(args.len() - 2);
    block_or_serve(e, c, keys, &timeout[0], op);
}

pub(super) fn blpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    keys_then_timeout(e, c, args, Op::Pop { head: true });
}

pub(super) fn brpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    keys_then_timeout(e, c, args, Op::Pop { head: false });
}

pub(super) fn bzpopmin(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    keys_then_timeout(e, c, args, Op::ZPop { max: false });
}

pub(super) fn bzpopmax(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    keys_then_timeout(e, c, args, Op::ZPop { max: true });
}

pub(super) fn blmove(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(from) = super::lists::side(&args[3]) else {
        return error(e, c, SYNTAX);
    };
    let Some(to) = super::lists::side(&args[4]) else {
        return error(e, c, SYNTAX);
    };
    let op = Op::Move {
        dst: args[2].clone(),
        from,
        to,
    };
    block_or_serve(e, c, &args[1..2], &args[5], op);
}

pub(super) fn brpoplpush(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let op = Op::Move {
        dst: args[2].clone(),
        from: false,
        to: true,
    };
    block_or_serve(e, c, &args[1..2], &args[3], op);
}

/// `numkeys key ... LEFT|RIGHT|MIN|MAX [COUNT n]` from `args[at]` on
/// (`lmpopGenericCommand`'s parse): the keys, the end (true: LEFT or MAX)
/// and the count (1 by default).
fn parse_mpop<'a>(
    args: &'a [Vec<u8>],
    at: usize,
    ends: [&[u8]; 2],
) -> Result<(&'a [Vec<u8>], bool, usize), &'static str> {
    let numkeys = match integer(&args[at]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err("ERR numkeys should be greater than 0"),
    };
    let where_idx = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .filter(|&i| i < args.len())
        .ok_or(SYNTAX)?;
    let end = if args[where_idx].eq_ignore_ascii_case(ends[0]) {
        true
    } else if args[where_idx].eq_ignore_ascii_case(ends[1]) {
        false
    } else {
        return Err(SYNTAX);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count.is_none() && more > 0 && args[j].eq_ignore_ascii_case(b"count") {
            j += 1;
            count = match integer(&args[j]) {
                Some(n) if n >= 1 => Some(n as usize),
                _ => return Err("ERR count should be greater than 0"),
            };
        } else {
            return Err(SYNTAX);
        }
        j += 1;
    }
    Ok((&args[at + 1..where_idx], end, count.unwrap_or(1)))
}

/// What an MPOP pops from: the words naming its two ends, and the pop
/// from the end the first word names (`true`) or the other.
struct Family {
    ends: [&'static [u8]; 2],
    op: fn(bool, usize) -> Op,
}

const LISTS: Family = Family {
    ends: [b"left", b"right"],
    op: |head, count| Op::MPop { head, count },
};

const ZSETS: Family = Family {
    ends: [b"max", b"min"],
    op: |max, count| Op::ZMPop { max, count },
};

/// LMPOP and ZMPOP (`mpopGenericCommand`, `genericZpopCommand`): pops
/// from the first of the keys with data, or answers a null array.
fn mpop(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], family: Family) {
    let (keys, end, count) = match parse_mpop(args, 1, family.ends) {
        Ok(p) => p,
        Err(msg) => return error(e, c, msg),
    };
    let op = (family.op)(end, count);
    let db = c.session.db;
    match first_ready(e, db, keys, op.kind()) {
        Err(()) => error(e, c, WRONGTYPE),
        Ok(Some(i)) => run_op(e, db, &keys[i].clone(), &op, c.session.resp3, c.reply),
        Ok(None) => c.reply.nil_array(c.session.resp3),
    }
}

/// The blocking forms, BLMPOP and BZMPOP: `timeout` first.
fn bmpop(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], family: Family) {
    let (keys, end, count) = match parse_mpop(args, 2, family.ends) {
        Ok(p) => p,
        Err(msg) => return error(e, c, msg),
    };
    let keys = keys.to_vec();
    block_or_serve(e, c, &keys, &args[1], (family.op)(end, count));
}

/// LMPOP numkeys key ... LEFT|RIGHT [COUNT n].
pub(super) fn lmpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    mpop(e, c, args, LISTS);
}

/// ZMPOP numkeys key ... MIN|MAX [COUNT n].
pub(super) fn zmpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    mpop(e, c, args, ZSETS);
}

/// BLMPOP timeout numkeys key ... LEFT|RIGHT [COUNT n].
pub(super) fn blmpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    bmpop(e, c, args, LISTS);
}

/// BZMPOP timeout numkeys key ... MIN|MAX [COUNT n].
pub(super) fn bzmpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    bmpop(e, c, args, ZSETS);
}
