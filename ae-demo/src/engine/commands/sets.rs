//! Set commands (Redis's `t_set.c`). A set of few integers is read in
//! numeric order, as Redis reads an intset; a bigger or mixed one in the
//! order it is stored (Redis's hash table order is its own). A set that
//! becomes empty is deleted.

use std::cell::Cell;

use super::keyspace::{parse_cursor, scan_matches, scan_options};
use super::{error, integer, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::engine::db::{Kind, Set, Value};
use crate::engine::reply::Reply;
use crate::engine::small::CompactBytes;
use crate::engine::{Caller, Engine};

/// What a key holds, for a set command.
type Found<'a> = super::Found<'a, Set>;

/// Looks `key` up; `read` counts the hit or miss (`lookupKeyRead`).
fn find<'a>(e: &'a mut Engine, db: usize, key: &[u8], read: bool) -> Found<'a> {
    super::find_as(e, db, key, read, |v| match v {
        Value::Set(x) => Some(x),
        _ => None,
    })
}

/// The header of a set reply: `~n` in RESP3, `*n` in RESP2.
fn set_len(c: &mut Caller<'_>, n: usize) {
    c.reply.set(n, c.session.resp3);
}

/// An empty set reply (`shared.emptyset`).
fn empty_set(c: &mut Caller<'_>) {
    set_len(c, 0);
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0x2545_F491_4F6C_DD1D) };
}

/// A random index below `n` (xorshift64*).
fn random_below(n: usize) -> usize {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1) as u64) as usize
    })
}

/// `wanted` distinct random positions below `size` (`wanted < size`).
fn distinct(wanted: usize, size: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..size).collect();
    for i in 0..wanted {
        let j = i + random_below(size - i);
        all.swap(i, j);
    }
    all.truncate(wanted);
    all
}

pub(super) fn sadd(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let db = c.session.db;
    let (front, members) = args.split_at_mut(2);
    let key = &front[1];
    let before = e.keyspace[db].changes();
    let added = match find(e, db, key, false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Is(s) => {
            let mut added = 0;
            for m in members {
                added += i64::from(s.add(std::mem::take(m)));
            }
            if added > 0 {
                e.keyspace[db].touch(key);
            }
            added
        }
        Found::Missing => {
            let mut s = Set::default();
            let mut added = 0;
            for m in members {
                added += i64::from(s.add(std::mem::take(m)));
            }
            e.keyspace[db].add(key, Value::Set(Box::new(s)));
            added
        }
    };
    // One change per member added, as Redis counts them.
    e.keyspace[db].count_as(before, added as u64);
    c.reply.int(added);
}

pub(super) fn srem(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let db = c.session.db;
    let (removed, empty) = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.int(0),
        Found::Is(s) => {
            let mut removed = 0;
            for m in &args[2..] {
                if s.remove(m) {
                    removed += 1;
                    if s.members.is_empty() {
                        break;
                    }
                }
            }
            (removed, s.members.is_empty())
        }
    };
    if removed > 0 {
        let before = e.keyspace[db].changes();
        super::touch_or_delete(e, db, &args[1], empty);
        e.keyspace[db].count_as(before, removed as u64);
    }
    c.reply.int(removed);
}

pub(super) fn smove(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let db = c.session.db;
    let now = e.now_ms;
    let (src, dst) = (&args[1], &args[2]);
    let src_kind = e.keyspace[db].kind(src, now);
    let dst_kind = e.keyspace[db].kind(dst, now);
    match src_kind {
        None => return c.reply.int(0),
        Some(Kind::Set) => {}
        Some(_) => return error(e, c, WRONGTYPE),
    }
    if dst_kind.is_some_and(|k| k != Kind::Set) {
        return error(e, c, WRONGTYPE);
    }
    let member = &args[3][..];
    let Found::Is(s) = find(e, db, src, false) else {
        return;
    };
    if src == dst {
        return c.reply.int(i64::from(s.members.contains(member)));
    }
    if !s.remove(member) {
        return c.reply.int(0);
    }
    let empty = s.members.is_empty();
    super::touch_or_delete(e, db, src, empty);
    match find(e, db, dst, false) {
        Found::Is(s) => {
            if s.add(member) {
                e.keyspace[db].touch(dst);
            }
        }
        _ => {
            let mut s = Set::default();
            s.add(member);
            e.keyspace[db].add(dst, Value::Set(Box::new(s)));
        }
    }
    c.reply.int(1);
}

pub(super) fn sismember(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(s) => c.reply.int(i64::from(s.members.contains(&args[2][..]))),
    }
}

pub(super) fn smismember(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let s = match find(e, c.session.db, &args[1], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => None,
        Found::Is(s) => Some(s),
    };
    c.reply.array(args.len() - 2);
    for m in &args[2..] {
        c.reply.int(i64::from(
            s.as_ref().is_some_and(|s| s.members.contains(&m[..])),
        ));
    }
}

pub(super) fn scard(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(s) => c.reply.int(s.members.len() as i64),
    }
}

pub(super) fn spop(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if args.len() > 3 {
        return error(e, c, SYNTAX);
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
    let s = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing if count.is_some() => return empty_set(c),
        Found::Missing => return c.reply.nil(resp3),
        Found::Is(s) => s,
    };
    let popped: Vec<CompactBytes> = match count {
        Some(0) => return empty_set(c),
        None => {
            let i = random_below(s.members.len());
            let m = s.members.swap_remove_index(i).unwrap_or_default();
            c.reply.bulk(&m);
            Vec::new()
        }
        Some(n) if n >= s.members.len() => {
            let all = s.ordered().into_iter().cloned().collect();
            s.members.clear();
            all
        }
        Some(n) => {
            let mut picks = distinct(n, s.members.len());
            // Remove from the highest position down, so the others stay.
            picks.sort_unstable_by(|a, b| b.cmp(a));
            picks
                .into_iter()
                .filter_map(|i| s.members.swap_remove_index(i))
                .collect()
        }
    };
    if count.is_some() {
        set_len(c, popped.len());
        for m in &popped {
            c.reply.bulk(m);
        }
    }
    let empty = s.members.is_empty();
    super::touch_or_delete(e, db, &args[1], empty);
}

pub(super) fn srandmember(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if args.len() > 3 {
        return error(e, c, SYNTAX);
    }
    let resp3 = c.session.resp3;
    let count = match args.get(2) {
        None => None,
        Some(arg) => match integer(arg) {
            None => return error(e, c, NOT_INTEGER),
            Some(i64::MIN) => {
                return error(
                    e,
                    c,
                    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                )
            }
            Some(n) => Some(n),
        },
    };
    let s = match find(e, c.session.db, &args[1], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing if count.is_some() => return c.reply.array(0),
        Found::Missing => return c.reply.nil(resp3),
        Found::Is(s) => s,
    };
    let size = s.members.len();
    let Some(count) = count else {
        if let Some(m) = s.members.get_index(random_below(size)) {
            c.reply.bulk(m);
        }
        return;
    };
    if count == 0 {
        return c.reply.array(0);
    }
    let wanted = count.unsigned_abs().min(usize::MAX as u64) as usize;
    if count > 0 && wanted >= size {
        let all = s.ordered();
        c.reply.array(all.len());
        for m in all {
            c.reply.bulk(m);
        }
        return;
    }
    let picks: Vec<usize> = if count < 0 || wanted == 1 {
        (0..wanted).map(|_| random_below(size)).collect()
    } else {
        distinct(wanted, size)
    };
    c.reply.array(picks.len());
    for i in picks {
        if let Some(m) = s.members.get_index(i) {
            c.reply.bulk(m);
        }
    }
}

/// Looks up every key of a multi-key command, counting hits and misses:
/// `None` after WRONGTYPE was sent; else, per key, whether it exists.
fn lookup_all(e: &mut Engine, c: &mut Caller<'_>, keys: &[Vec<u8>]) -> Option<Vec<bool>> {
    let db = c.session.db;
    let now = e.now_ms;
    let mut present = Vec::with_capacity(keys.len());
    for k in keys {
        let kind = e.keyspace[db].kind(k, now);
        e.keyspace[db].note_read(kind.is_some());
        match kind {
            None => present.push(false),
            Some(Kind::Set) => present.push(true),
            Some(_) => {
                error(e, c, WRONGTYPE);
                return None;
            }
        }
    }
    Some(present)
}

/// The sets under `keys` that exist (checked by [`lookup_all`]).
fn sets<'a>(e: &'a Engine, db: usize, keys: &[Vec<u8>]) -> Vec<Option<&'a Set>> {
    keys.iter()
        .map(|k| match e.keyspace[db].peek(k).map(|entry| &entry.value) {
            Some(Value::Set(s)) => Some(&**s),
            _ => None,
        })
        .collect()
}

/// Replies with the members of a computed set, or stores it under `dst`
/// (deleting `dst` when it is empty) and replies with its size.
fn reply_or_store(e: &mut Engine, c: &mut Caller<'_>, result: Set, dst: Option<&[u8]>) {
    let db = c.session.db;
    match dst {
        None => {
            let all = result.ordered();
            set_len(c, all.len());
            for m in all {
                c.reply.bulk(m);
            }
        }
        Some(dst) => {
            let n = result.members.len();
            if n > 0 {
                e.keyspace[db].add(dst, Value::Set(Box::new(result)));
            } else {
                let now = e.now_ms;
                if e.keyspace[db].exists(dst, now) {
                    e.keyspace[db].remove(dst);
                }
            }
            c.reply.int(n as i64);
        }
    }
}

/// SINTER, SINTERSTORE, SINTERCARD (`sinterGenericCommand`).
fn sinter_generic(
    e: &mut Engine,
    c: &mut Caller<'_>,
    keys: &[Vec<u8>],
    dst: Option<&[u8]>,
    card: Option<usize>,
) {
    let Some(present) = lookup_all(e, c, keys) else {
        return;
    };
    let db = c.session.db;
    if present.contains(&false) {
        if card.is_some() {
            return c.reply.int(0);
        }
        return reply_or_store(e, c, Set::default(), dst);
    }
    let all: Vec<&Set> = sets(e, db, keys).into_iter().flatten().collect();
    let smallest = (0..all.len())
        .min_by_key(|&i| all[i].members.len())
        .unwrap_or(0);
    let first = all[smallest];
    let limit = card.unwrap_or(0);
    let mut result = Set::default();
    let mut cardinality = 0;
    for m in first.ordered() {
        if all
            .iter()
            .all(|s| std::ptr::eq(*s, first) || s.members.contains(m))
        {
            cardinality += 1;
            if card.is_some() {
                if limit > 0 && cardinality >= limit {
                    break;
                }
            } else {
                result.add(m.clone());
            }
        }
    }
    if card.is_some() {
        return c.reply.int(cardinality as i64);
    }
    reply_or_store(e, c, result, dst);
}

/// SUNION, SDIFF and their STORE forms (`sunionDiffGenericCommand`).
fn sunion_diff(
    e: &mut Engine,
    c: &mut Caller<'_>,
    keys: &[Vec<u8>],
    dst: Option<&[u8]>,
    diff: bool,
) {
    if lookup_all(e, c, keys).is_none() {
        return;
    }
    let db = c.session.db;
    let all = sets(e, db, keys);
    let mut result = Set::default();
    if !diff {
        for s in all.iter().flatten() {
            for m in s.ordered() {
                result.add(m.clone());
            }
        }
    } else if let Some(first) = all[0] {
        for m in first.ordered() {
            if !all[1..].iter().flatten().any(|s| s.members.contains(m)) {
                result.add(m.clone());
            }
        }
    }
    reply_or_store(e, c, result, dst);
}

pub(super) fn smembers(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    sinter_generic(e, c, &args[1..], None, None);
}

pub(super) fn sinter(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    sinter_generic(e, c, &args[1..], None, None);
}

pub(super) fn sinterstore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (dst, keys) = args[1..].split_first().expect("arity");
    sinter_generic(e, c, keys, Some(dst), None);
}

pub(super) fn sintercard(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let numkeys = match integer(&args[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return error(e, c, "ERR numkeys should be greater than 0"),
    };
    if numkeys > (args.len() - 2) as u64 {
        return error(
            e,
            c,
            "ERR Number of keys can't be greater than number of args",
        );
    }
    let numkeys = numkeys as usize;
    let mut limit = 0;
    let mut j = 2 + numkeys;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"limit") && j + 1 < args.len() {
            j += 1;
            limit = match integer(&args[j]) {
                Some(n) if n >= 0 => n as usize,
                _ => return error(e, c, "ERR LIMIT can't be negative"),
            };
        } else {
            return error(e, c, SYNTAX);
        }
        j += 1;
    }
    sinter_generic(e, c, &args[2..2 + numkeys], None, Some(limit));
}

pub(super) fn sunion(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    sunion_diff(e, c, &args[1..], None, false);
}

pub(super) fn sunionstore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (dst, keys) = args[1..].split_first().expect("arity");
    sunion_diff(e, c, keys, Some(dst), false);
}

pub(super) fn sdiff(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    sunion_diff(e, c, &args[1..], None, true);
}

pub(super) fn sdiffstore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (dst, keys) = args[1..].split_first().expect("arity");
    sunion_diff(e, c, keys, Some(dst), true);
}

pub(super) fn sscan(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(cursor) = parse_cursor(&args[2]) else {
        return error(e, c, "ERR invalid cursor");
    };
    let db = c.session.db;
    match find(e, db, &args[1], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => {
            c.reply.array(2);
            c.reply.bulk(b"0");
            return c.reply.array(0);
        }
        Found::Is(_) => {}
    }
    let (count, pattern) = match scan_options(&args[3..]) {
        Ok(options) => options,
        Err(msg) => return error(e, c, msg),
    };
    let Found::Is(s) = find(e, db, &args[1], false) else {
        return;
    };
    let matches = |m: &[u8]| scan_matches(pattern, m);
    // An intset is sent whole in one call (cursor 0); a hash table is
    // walked down from the top, as SCAN walks the keys.
    let (next, picked): (usize, Vec<&CompactBytes>) = if s.intset {
        (0, s.ordered().into_iter().filter(|m| matches(m)).collect())
    } else {
        let len = s.members.len();
        let top = if cursor == 0 {
            len
        } else {
            (cursor as usize).min(len)
        };
        let bottom = top.saturating_sub(count.min(1 << 20) as usize);
        let picked = (bottom..top)
            .rev()
            .filter_map(|i| s.members.get_index(i))
            .filter(|m| matches(m))
            .collect();
        (bottom, picked)
    };
    c.reply.array(2);
    c.reply.bulk(next.to_string().as_bytes());
    c.reply.array(picked.len());
    for m in picked {
        c.reply.bulk(m);
    }
}
