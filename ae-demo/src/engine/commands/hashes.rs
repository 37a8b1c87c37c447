//! Hash commands (Redis's `t_hash.c`). A hash keeps its fields in
//! insertion order, the order of Redis's listpack, so a small hash replies
//! in the order Redis does; a hash that becomes empty is deleted.

use std::cell::Cell;

use super::keyspace::{parse_cursor, scan_matches, scan_options};
use super::{error, integer, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::engine::db::{Hash, Value};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine};
use crate::ldouble::LongDouble;

/// What a key holds, for a hashe command.
type Found<'a> = super::Found<'a, Hash>;

/// Looks `key` up; `read` counts the hit or miss (`lookupKeyRead`).
fn find<'a>(e: &'a mut Engine, db: usize, key: &[u8], read: bool) -> Found<'a> {
    super::find_as(e, db, key, read, |v| match v {
        Value::Hash(x) => Some(x),
        _ => None,
    })
}

/// The hash at `key`, created empty if there is none
/// (`hashTypeLookupWriteOrCreate`); `None` after WRONGTYPE was sent. The
/// key counts as changed.
fn find_or_create<'a>(e: &'a mut Engine, c: &mut Caller<'_>, key: &[u8]) -> Option<&'a mut Hash> {
    let db = c.session.db;
    let now = e.now_ms;
    match e.keyspace[db].kind(key, now) {
        None => e.keyspace[db].add(key, Value::Hash(Box::default())),
        Some(crate::engine::db::Kind::Hash) => e.keyspace[db].touch(key),
        Some(_) => {
            error(e, c, WRONGTYPE);
            return None;
        }
    }
    match find(e, db, key, false) {
        Found::Is(h) => Some(h),
        _ => None,
    }
}

/// HSET and HMSET.
pub(super) fn hset(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let is_hset = args[0]
        .get(1)
        .is_some_and(|b| b.eq_ignore_ascii_case(&b's'));
    if args.len() % 2 == 1 {
        let name = if is_hset { "hset" } else { "hmset" };
        let msg = format!("ERR wrong number of arguments for '{name}' command");
        return error(e, c, &msg);
    }
    let (front, pairs) = args.split_at_mut(2);
    let db = c.session.db;
    let before = e.keyspace[db].changes();
    let Some(h) = find_or_create(e, c, &front[1]) else {
        return;
    };
    let longest = pairs.iter().map(Vec::len).max().unwrap_or(0);
    h.grew(longest);
    let mut created = 0;
    for pair in pairs.chunks_mut(2) {
        let field = std::mem::take(&mut pair[0]);
        let value = std::mem::take(&mut pair[1]);
        if h.map.insert(field.into(), value.into()).is_none() {
            created += 1;
        }
    }
    h.grew(0);
    // Redis counts every field set, new or not.
    e.keyspace[db].count_as(before, (pairs.len() / 2) as u64);
    if is_hset {
        c.reply.int(created);
    } else {
        c.reply.status("OK");
    }
}

pub(super) fn hsetnx(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(h) = find_or_create(e, c, &args[1]) else {
        return;
    };
    if h.map.contains_key(&args[2][..]) {
        return c.reply.int(0);
    }
    h.grew(args[2].len().max(args[3].len()));
    let field = std::mem::take(&mut args[2]);
    let value = std::mem::take(&mut args[3]);
    h.map.insert(field.into(), value.into());
    h.grew(0);
    c.reply.int(1);
}

pub(super) fn hget(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resp3 = c.session.resp3;
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.nil(resp3),
        Found::Is(h) => match h.map.get(&args[2][..]) {
            Some(v) => c.reply.bulk(v),
            None => c.reply.nil(resp3),
        },
    }
}

pub(super) fn hmget(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resp3 = c.session.resp3;
    let h = match find(e, c.session.db, &args[1], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => None,
        Found::Is(h) => Some(h),
    };
    c.reply.array(args.len() - 2);
    for field in &args[2..] {
        match h.as_ref().and_then(|h| h.map.get(&field[..])) {
            Some(v) => c.reply.bulk(v),
            None => c.reply.nil(resp3),
        }
    }
}

pub(super) fn hdel(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let db = c.session.db;
    let (deleted, empty) = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.int(0),
        Found::Is(h) => {
            let mut deleted = 0;
            for field in &args[2..] {
                if h.remove(field) {
                    deleted += 1;
                    if h.map.is_empty() {
                        break;
                    }
                }
            }
            (deleted, h.map.is_empty())
        }
    };
    if deleted > 0 {
        super::touch_or_delete(e, db, &args[1], empty);
    }
    c.reply.int(deleted);
}

pub(super) fn hlen(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(h) => c.reply.int(h.map.len() as i64),
    }
}

pub(super) fn hstrlen(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(h) => c
            .reply
            .int(h.map.get(&args[2][..]).map_or(0, |v| v.len()) as i64),
    }
}

pub(super) fn hexists(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(h) => c.reply.int(i64::from(h.map.contains_key(&args[2][..]))),
    }
}

/// HGETALL, HKEYS, HVALS (`genericHgetallCommand`).
fn getall(e: &mut Engine, c: &mut Caller<'_>, key: &[u8], keys: bool, values: bool) {
    let resp3 = c.session.resp3;
    let both = keys && values;
    let h = match find(e, c.session.db, key, true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => None,
        Found::Is(h) => Some(h),
    };
    let n = h.as_ref().map_or(0, |h| h.map.len());
    if both {
        c.reply.map(n, resp3);
    } else {
        c.reply.array(n);
    }
    for (f, v) in h.iter().flat_map(|h| h.map.iter()) {
        if keys {
            c.reply.bulk(f);
        }
        if values {
            c.reply.bulk(v);
        }
    }
}

pub(super) fn hgetall(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    getall(e, c, &args[1], true, true);
}

pub(super) fn hkeys(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    getall(e, c, &args[1], true, false);
}

pub(super) fn hvals(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    getall(e, c, &args[1], false, true);
}

pub(super) fn hincrby(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(by) = integer(&args[3]) else {
        return error(e, c, NOT_INTEGER);
    };
    let Some(h) = find_or_create(e, c, &args[1]) else {
        return;
    };
    let current = match h.map.get(&args[2][..]) {
        None => 0,
        Some(v) => match integer(v) {
            Some(n) => n,
            None => return error(e, c, "ERR hash value is not an integer"),
        },
    };
    let Some(next) = current.checked_add(by) else {
        return error(e, c, "ERR increment or decrement would overflow");
    };
    h.grew(args[2].len());
    let field = std::mem::take(&mut args[2]);
    h.map
        .insert(field.into(), next.to_string().into_bytes().into());
    h.grew(0);
    c.reply.int(next);
}

pub(super) fn hincrbyfloat(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    const NOT_FLOAT: &str = "ERR value is not a valid float";
    let Some(by) = LongDouble::parse(&args[3]) else {
        return error(e, c, NOT_FLOAT);
    };
    if !by.is_finite() {
        return error(e, c, "ERR value is NaN or Infinity");
    }
    let Some(h) = find_or_create(e, c, &args[1]) else {
        return;
    };
    let current = match h.map.get(&args[2][..]) {
        None => LongDouble::ZERO,
        Some(v) => match LongDouble::parse(v) {
            Some(n) => n,
            None => return error(e, c, "ERR hash value is not a float"),
        },
    };
    let next = current + by;
    if !next.is_finite() {
        return error(e, c, "ERR increment would produce NaN or Infinity");
    }
    let text = next.to_human_string().into_bytes();
    c.reply.bulk(&text);
    h.grew(args[2].len().max(text.len()));
    let field = std::mem::take(&mut args[2]);
    h.map.insert(field.into(), text.into());
    h.grew(0);
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
}

/// A random index below `n` (xorshift64*: HRANDFIELD needs no more).
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

pub(super) fn hrandfield(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resp3 = c.session.resp3;
    if args.len() < 3 {
        return match find(e, c.session.db, &args[1], true) {
            Found::Wrong => error(e, c, WRONGTYPE),
            Found::Missing => c.reply.nil(resp3),
            Found::Is(h) => {
                let i = random_below(h.map.len());
                if let Some((f, _)) = h.map.get_index(i) {
                    c.reply.bulk(f);
                }
            }
        };
    }
    let count = match integer(&args[2]) {
        None => return error(e, c, NOT_INTEGER),
        Some(i64::MIN) => {
            return error(
                e,
                c,
                "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            )
        }
        Some(n) => n,
    };
    if args.len() > 4 || (args.len() == 4 && !args[3].eq_ignore_ascii_case(b"withvalues")) {
        return error(e, c, SYNTAX);
    }
    let with_values = args.len() == 4;
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return error(e, c, "ERR value is out of range");
    }
    let h = match find(e, c.session.db, &args[1], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.array(0),
        Found::Is(h) => h,
    };
    if count == 0 {
        return c.reply.array(0);
    }
    let size = h.map.len();
    let wanted = count.unsigned_abs().min(usize::MAX as u64) as usize;
    // Which fields to send, by position: with repeats for a negative
    // count, else distinct (the whole hash, in order, when it is asked
    // for all).
    let picks: Vec<usize> = if count < 0 || wanted == 1 {
        (0..wanted).map(|_| random_below(size)).collect()
    } else if wanted >= size {
        (0..size).collect()
    } else {
        let mut all: Vec<usize> = (0..size).collect();
        for i in 0..wanted {
            let j = i + random_below(size - i);
            all.swap(i, j);
        }
        all.truncate(wanted);
        all
    };
    if with_values && !resp3 {
        c.reply.array(picks.len() * 2);
    } else {
        c.reply.array(picks.len());
    }
    for i in picks {
        let Some((f, v)) = h.map.get_index(i) else {
            continue;
        };
        if with_values && resp3 {
            c.reply.array(2);
        }
        c.reply.bulk(f);
        if with_values {
            c.reply.bulk(v);
        }
    }
}

pub(super) fn hscan(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
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
    let Found::Is(h) = find(e, db, &args[1], false) else {
        return;
    };
    // A listpack is sent whole in one call (cursor 0); a hash table is
    // walked down from the top, as SCAN walks the keys.
    let len = h.map.len();
    let (next, from, to) = if !h.big {
        (0, 0, len)
    } else {
        let top = if cursor == 0 {
            len
        } else {
            (cursor as usize).min(len)
        };
        let bottom = top.saturating_sub(count.min(1 << 20) as usize);
        (bottom, bottom, top)
    };
    let matches = |f: &[u8]| scan_matches(pattern, f);
    let mut picked: Vec<usize> = (from..to)
        .filter(|&i| h.map.get_index(i).is_some_and(|(f, _)| matches(f)))
        .collect();
    if h.big {
        picked.reverse();
    }
    c.reply.array(2);
    c.reply.bulk(next.to_string().as_bytes());
    c.reply.array(picked.len() * 2);
    for i in picked {
        if let Some((f, v)) = h.map.get_index(i) {
            c.reply.bulk(f);
            c.reply.bulk(v);
        }
    }
}
