//! List commands (Redis's `t_list.c`; the blocking ones and LMPOP are in
//! `blocking.rs`). A list
//! is a `VecDeque` of its elements; a list that becomes empty is deleted,
//! as Redis deletes it.

use super::blocking::{run_op, take, Op};
use super::{error, integer, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::engine::db::{Kind, List, Value};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine};

/// What a key holds, for a list command.
type Found<'a> = super::Found<'a, List>;

/// Looks `key` up in the caller's database; `read` counts the hit or
/// miss (Redis's `lookupKeyRead`). Nothing is noted as changed.
fn find<'a>(e: &'a mut Engine, db: usize, key: &[u8], read: bool) -> Found<'a> {
    super::find_as(e, db, key, read, |v| match v {
        Value::List(x) => Some(x),
        _ => None,
    })
}

/// LPUSH, RPUSH and their X forms (`pushGenericCommand`).
fn push(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>], head: bool, xx: bool) {
    let db = c.session.db;
    let (front, values) = args.split_at_mut(2);
    let key = &front[1];
    let add = |l: &mut List, values: &mut [Vec<u8>]| {
        for v in values {
            let v = std::mem::take(v).into();
            if head {
                l.push_front(v);
            } else {
                l.push_back(v);
            }
        }
    };
    let before = e.keyspace[db].changes();
    let pushed = values.len() as u64;
    let len = match find(e, db, key, false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Is(l) => {
            add(l, values);
            let n = l.len();
            e.keyspace[db].touch(key);
            n
        }
        Found::Missing => {
            if xx {
                return c.reply.int(0);
            }
            let mut l = List::with_capacity(values.len());
            add(&mut l, values);
            let n = l.len();
            e.keyspace[db].add(key, Value::List(Box::new(l)));
            n
        }
    };
    // One change per element pushed, as Redis counts them.
    e.keyspace[db].count_as(before, pushed);
    c.reply.int(len as i64);
}

pub(super) fn lpush(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    push(e, c, args, true, false);
}

pub(super) fn rpush(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    push(e, c, args, false, false);
}

pub(super) fn lpushx(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    push(e, c, args, true, true);
}

pub(super) fn rpushx(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    push(e, c, args, false, true);
}

/// LPOP and RPOP, with or without a count (`popGenericCommand`).
fn pop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>], head: bool) {
    let name = if head { "lpop" } else { "rpop" };
    if args.len() > 3 {
        let msg = format!("ERR wrong number of arguments for '{name}' command");
        return error(e, c, &msg);
    }
    let count = match args.get(2) {
        None => None,
        Some(arg) => match integer(arg) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return error(e, c, "ERR value is out of range, must be positive"),
        },
    };
    let db = c.session.db;
    let resp3 = c.session.resp3;
    let before = e.keyspace[db].changes();
    let mut popped = 1;
    let empty = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing if count.is_some() => return c.reply.nil_array(resp3),
        Found::Missing => return c.reply.nil(resp3),
        Found::Is(_) if count == Some(0) => return c.reply.array(0),
        Found::Is(l) => {
            match count {
                None => {
                    if let Some(v) = take(l, head) {
                        c.reply.bulk(&v);
                    }
                }
                Some(n) => {
                    let n = n.min(l.len());
                    popped = n as u64;
                    c.reply.array(n);
                    for _ in 0..n {
                        if let Some(v) = take(l, head) {
                            c.reply.bulk(&v);
                        }
                    }
                }
            }
            l.is_empty()
        }
    };
    super::touch_or_delete(e, db, &args[1], empty);
    e.keyspace[db].count_as(before, popped);
}

pub(super) fn lpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    pop(e, c, args, true);
}

pub(super) fn rpop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    pop(e, c, args, false);
}

pub(super) fn llen(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(l) => c.reply.int(l.len() as i64),
    }
}

/// The inclusive range `start..=end` (negative from the end) of a list of
/// `len` as Redis clamps it, or `None` when it is empty.
fn range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    start = start.max(0);
    if start > end || start >= len {
        return None;
    }
    end = end.min(len - 1);
    Some((start as usize, end as usize))
}

pub(super) fn lrange(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (Some(start), Some(end)) = (integer(&args[2]), integer(&args[3])) else {
        return error(e, c, NOT_INTEGER);
    };
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.array(0),
        Found::Is(l) => match range(start, end, l.len()) {
            None => c.reply.array(0),
            Some((from, to)) => {
                c.reply.array(to - from + 1);
                for v in l.range(from..=to) {
                    c.reply.bulk(v);
                }
            }
        },
    }
}

/// A list index (negative from the end) as a position, if it is inside.
fn position(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 {
        index.checked_add(len as i64)?
    } else {
        index
    };
    (0..len as i64).contains(&i).then_some(i as usize)
}

pub(super) fn lindex(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resp3 = c.session.resp3;
    let index = integer(&args[2]);
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.nil(resp3),
        Found::Is(l) => match index {
            None => error(e, c, NOT_INTEGER),
            Some(i) => match position(i, l.len()) {
                Some(i) => c.reply.bulk(&l[i]),
                None => c.reply.nil(resp3),
            },
        },
    }
}

pub(super) fn lset(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let db = c.session.db;
    let index = integer(&args[2]);
    let value = std::mem::take(&mut args[3]);
    match find(e, db, &args[1], false) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => error(e, c, "ERR no such key"),
        Found::Is(l) => match index {
            None => error(e, c, NOT_INTEGER),
            Some(i) => match position(i, l.len()) {
                Some(i) => {
                    l[i] = value.into();
                    e.keyspace[db].touch(&args[1]);
                    c.reply.status("OK");
                }
                None => error(e, c, "ERR index out of range"),
            },
        },
    }
}

pub(super) fn lrem(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(count) = integer(&args[2]) else {
        return error(e, c, NOT_INTEGER);
    };
    let db = c.session.db;
    let (removed, empty) = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.int(0),
        Found::Is(l) => {
            let target = &args[3];
            let limit = if count == 0 {
                usize::MAX
            } else {
                count.unsigned_abs().min(usize::MAX as u64) as usize
            };
            // One pass whichever the direction: from the tail, the first
            // match to keep is the one past the `limit` last matches.
            let mut skip = 0;
            if count < 0 {
                let total = l.iter().filter(|v| *v == target).count();
                skip = total.saturating_sub(limit);
            }
            let mut removed = 0;
            l.retain(|v| {
                if v != target || removed >= limit {
                    return true;
                }
                if skip > 0 {
                    skip -= 1;
                    return true;
                }
                removed += 1;
                false
            });
            (removed, l.is_empty())
        }
    };
    if removed > 0 {
        super::touch_or_delete(e, db, &args[1], empty);
    }
    c.reply.int(removed as i64);
}

pub(super) fn ltrim(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (Some(start), Some(end)) = (integer(&args[2]), integer(&args[3])) else {
        return error(e, c, NOT_INTEGER);
    };
    let db = c.session.db;
    let empty = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.status("OK"),
        Found::Is(l) => {
            match range(start, end, l.len()) {
                None => l.clear(),
                Some((from, to)) => {
                    l.truncate(to + 1);
                    l.drain(..from);
                }
            }
            l.is_empty()
        }
    };
    super::touch_or_delete(e, db, &args[1], empty);
    c.reply.status("OK");
}

pub(super) fn linsert(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let after = if args[2].eq_ignore_ascii_case(b"after") {
        true
    } else if args[2].eq_ignore_ascii_case(b"before") {
        false
    } else {
        return error(e, c, SYNTAX);
    };
    let db = c.session.db;
    let value = std::mem::take(&mut args[4]);
    let len = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.int(0),
        Found::Is(l) => match l.iter().position(|v| *v == args[3]) {
            None => return c.reply.int(-1),
            Some(i) => {
                l.insert(i + usize::from(after), value.into());
                l.len()
            }
        },
    };
    e.keyspace[db].touch(&args[1]);
    c.reply.int(len as i64);
}

pub(super) fn lpos(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (mut rank, mut count, mut maxlen) = (1i64, None, 0i64);
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        let opt = args[j].to_ascii_lowercase();
        match opt.as_slice() {
            b"rank" if more => {
                j += 1;
                rank = match integer(&args[j]) {
                    None => return error(e, c, NOT_INTEGER),
                    Some(0) => return error(
                        e,
                        c,
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                    ),
                    Some(n) => n,
                };
            }
            b"count" if more => {
                j += 1;
                match integer(&args[j]) {
                    Some(n) if n >= 0 => count = Some(n),
                    _ => return error(e, c, "ERR COUNT can't be negative"),
                }
            }
            b"maxlen" if more => {
                j += 1;
                match integer(&args[j]) {
                    Some(n) if n >= 0 => maxlen = n,
                    _ => return error(e, c, "ERR MAXLEN can't be negative"),
                }
            }
            _ => return error(e, c, SYNTAX),
        }
        j += 1;
    }
    let backwards = rank < 0;
    // As in C, negating the smallest rank leaves it negative, which every
    // match passes.
    if backwards {
        rank = rank.wrapping_neg();
    }
    let resp3 = c.session.resp3;
    let l = match find(e, c.session.db, &args[1], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing if count.is_some() => return c.reply.array(0),
        Found::Missing => return c.reply.nil(resp3),
        Found::Is(l) => l,
    };
    let len = l.len();
    let limit = if maxlen == 0 {
        len
    } else {
        len.min(maxlen as usize)
    };
    let mut matches = 0i64;
    let mut found = Vec::new();
    for step in 0..limit {
        let i = if backwards { len - 1 - step } else { step };
        if l[i] != args[2] {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(i as i64);
            match count {
                None => break,
                Some(n) if n > 0 && matches - rank + 1 >= n => break,
                Some(_) => {}
            }
        }
    }
    match count {
        Some(_) => {
            c.reply.array(found.len());
            for i in found {
                c.reply.int(i);
            }
        }
        None => match found.first() {
            Some(&i) => c.reply.int(i),
            None => c.reply.nil(resp3),
        },
    }
}

/// LEFT or RIGHT: true for LEFT (the head).
pub(super) fn side(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"left") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Some(false)
    } else {
        None
    }
}

/// LMOVE and RPOPLPUSH (`lmoveGenericCommand`): pops from one end of the
/// source and pushes onto one end of the destination, which may be the
/// same list; the move itself is BLMOVE's when it is served.
fn lmove_generic(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], from: bool, to: bool) {
    let db = c.session.db;
    match e.keyspace[db].kind(&args[1], e.now_ms) {
        None => c.reply.nil(c.session.resp3),
        Some(Kind::List) => {
            let op = Op::Move {
                dst: args[2].clone(),
                from,
                to,
            };
            run_op(e, db, &args[1], &op, c.session.resp3, c.reply);
        }
        Some(_) => error(e, c, WRONGTYPE),
    }
}

pub(super) fn lmove(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(from) = side(&args[3]) else {
        return error(e, c, SYNTAX);
    };
    let Some(to) = side(&args[4]) else {
        return error(e, c, SYNTAX);
    };
    lmove_generic(e, c, args, from, to);
}

pub(super) fn rpoplpush(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    lmove_generic(e, c, args, false, true);
}
