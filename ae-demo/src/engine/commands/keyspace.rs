//! Keyspace commands (Redis's `db.c`, `expire.c`, `object.c`).

use super::{
    cstr, db_index, error, error_parts, glob_match, integer, reply_help, NOT_INTEGER, SYNTAX,
};
use crate::engine::db::{Deadline, Value};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine};

pub(super) fn del(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let mut n = 0;
    for key in &args[1..] {
        // An expired key counts as absent.
        if e.keyspace[c.session.db].exists(key, now) && e.keyspace[c.session.db].remove(key) {
            n += 1;
        }
    }
    c.reply.int(n);
}

/// EXISTS and TOUCH: how many of the keys are live (repeats count).
fn count_live(e: &mut Engine, c: &mut Caller<'_>, keys: &[Vec<u8>]) {
    let now = e.now_ms;
    let mut n = 0;
    for k in keys {
        let live = e.keyspace[c.session.db].exists(k, now);
        e.keyspace[c.session.db].note_read(live);
        n += usize::from(live);
    }
    c.reply.int(n as i64);
}

pub(super) fn exists(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    count_live(e, c, &args[1..]);
}

pub(super) fn touch(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    count_live(e, c, &args[1..]);
}

pub(super) fn type_(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let kind = e.keyspace[c.session.db].kind(&args[1], now);
    e.keyspace[c.session.db].note_read(kind.is_some());
    c.reply.status(kind.map_or("none", |k| k.name()));
}

/// The units and base of an EXPIRE-family command.
#[derive(Clone, Copy)]
struct ExpireKind {
    name: &'static str,
    seconds: bool,
    /// Relative to now (EXPIRE, PEXPIRE) or absolute (the AT forms).
    relative: bool,
}

/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT
/// (`expireGenericCommand`).
fn expire_generic(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], kind: ExpireKind) {
    let now = e.now_ms;
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &args[3..] {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => nx = true,
            b"xx" => xx = true,
            b"gt" => gt = true,
            b"lt" => lt = true,
            _ => {
                let opt = opt.clone();
                return error_parts(e, c, &[b"ERR Unsupported option ", cstr(&opt)]);
            }
        }
    }
    if nx && (xx || gt || lt) {
        return error(
            e,
            c,
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        );
    }
    if gt && lt {
        return error(
            e,
            c,
            "ERR GT and LT options at the same time are not compatible",
        );
    }
    let Some(mut when) = integer(&args[2]) else {
        return error(e, c, NOT_INTEGER);
    };
    let invalid = format!("ERR invalid expire time in '{}' command", kind.name);
    if kind.seconds {
        when = match when.checked_mul(1000) {
            Some(ms) => ms,
            None => return error(e, c, &invalid),
        };
    }
    let base = if kind.relative { now } else { 0 };
    when = match when.checked_add(base) {
        Some(w) => w,
        None => return error(e, c, &invalid),
    };
    let key = &args[1];
    let current = match e.keyspace[c.session.db].deadline(key, now) {
        Deadline::NoKey => return c.reply.int(0),
        Deadline::Never => None,
        Deadline::At(when) => Some(when),
    };
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.map_or(true, |cur| when <= cur))
        || (lt && current.is_some_and(|cur| when >= cur));
    if refused {
        return c.reply.int(0);
    }
    if when <= now {
        // A deadline already passed deletes the key.
        e.keyspace[c.session.db].remove(key);
    } else {
        e.keyspace[c.session.db].set_expire(key, when);
    }
    c.reply.int(1);
}

pub(super) fn expire(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let kind = ExpireKind {
        name: "expire",
        seconds: true,
        relative: true,
    };
    expire_generic(e, c, args, kind);
}

pub(super) fn pexpire(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let kind = ExpireKind {
        name: "pexpire",
        seconds: false,
        relative: true,
    };
    expire_generic(e, c, args, kind);
}

pub(super) fn expireat(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let kind = ExpireKind {
        name: "expireat",
        seconds: true,
        relative: false,
    };
    expire_generic(e, c, args, kind);
}

pub(super) fn pexpireat(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let kind = ExpireKind {
        name: "pexpireat",
        seconds: false,
        relative: false,
    };
    expire_generic(e, c, args, kind);
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME (`ttlGenericCommand`): -2 for no
/// key, -1 for no deadline, seconds rounded to the nearest.
fn ttl_generic(e: &mut Engine, c: &mut Caller<'_>, key: &[u8], millis: bool, absolute: bool) {
    let now = e.now_ms;
    let deadline = e.keyspace[c.session.db].deadline(key, now);
    e.keyspace[c.session.db].note_read(deadline != Deadline::NoKey);
    match deadline {
        Deadline::NoKey => c.reply.int(-2),
        Deadline::Never => c.reply.int(-1),
        Deadline::At(when) => {
            let left = if absolute { when } else { when - now }.max(0);
            c.reply.int(if millis { left } else { (left + 500) / 1000 });
        }
    }
}

pub(super) fn ttl(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    ttl_generic(e, c, &args[1], false, false);
}

pub(super) fn pttl(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    ttl_generic(e, c, &args[1], true, false);
}

pub(super) fn expiretime(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    ttl_generic(e, c, &args[1], false, true);
}

pub(super) fn pexpiretime(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    ttl_generic(e, c, &args[1], true, true);
}

pub(super) fn persist(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let live = e.keyspace[c.session.db].exists(&args[1], e.now_ms);
    c.reply.int(i64::from(
        live && e.keyspace[c.session.db].persist(&args[1]),
    ));
}

pub(super) fn keys(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let pattern = &args[1];
    let all = pattern.as_slice() == b"*";
    let matched: Vec<Vec<u8>> = e.keyspace[c.session.db]
        .keys()
        .filter(|k| {
            (all || glob_match(pattern, k, false)) && !e.keyspace[c.session.db].is_expired(k, now)
        })
        .map(<[u8]>::to_vec)
        .collect();
    c.reply.array(matched.len());
    for k in &matched {
        c.reply.bulk(k);
    }
}

/// A SCAN cursor as `strtoul` reads it: an optional sign, digits (none
/// reads as 0 only when the string is empty), no overflow; a minus wraps.
/// The options of HSCAN, SSCAN and ZSCAN after the cursor: `COUNT n`
/// (10 by default, at least 1) and `MATCH pattern`, each a pair; `Err` is
/// the error to answer.
pub(super) fn scan_options(opts: &[Vec<u8>]) -> Result<(i64, Option<&[u8]>), &'static str> {
    let (mut count, mut pattern) = (10i64, None);
    for pair in opts.chunks(2) {
        match (pair[0].to_ascii_lowercase().as_slice(), pair.get(1)) {
            (b"count", Some(n)) => {
                count = integer(n).ok_or(NOT_INTEGER)?;
                if count < 1 {
                    return Err(SYNTAX);
                }
            }
            (b"match", Some(p)) => pattern = Some(p.as_slice()),
            _ => return Err(SYNTAX),
        }
    }
    Ok((count, pattern))
}

/// Whether `member` passes a SCAN-family `MATCH` (none, or `*`, passes all).
pub(super) fn scan_matches(pattern: Option<&[u8]>, member: &[u8]) -> bool {
    pattern.map_or(true, |p| p == b"*" || super::glob_match(p, member, false))
}

pub(super) fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    if arg.is_empty() {
        return Some(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

pub(super) fn scan(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(cursor) = parse_cursor(&args[1]) else {
        return error(e, c, "ERR invalid cursor");
    };
    let (mut count, mut pattern, mut type_name) = (10i64, None, None);
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i >= 2;
        match args[i].to_ascii_lowercase().as_slice() {
            b"count" if more => {
                let Some(n) = integer(&args[i + 1]) else {
                    return error(e, c, NOT_INTEGER);
                };
                if n < 1 {
                    return error(e, c, SYNTAX);
                }
                count = n;
            }
            b"match" if more => pattern = Some(args[i + 1].clone()),
            b"type" if more => type_name = Some(args[i + 1].to_ascii_lowercase()),
            _ => return error(e, c, SYNTAX),
        }
        i += 2;
    }
    let now = e.now_ms;
    let (next, visited) = e.keyspace[c.session.db].scan(cursor, count.min(1 << 20) as usize);
    let keys: Vec<Vec<u8>> = visited
        .into_iter()
        .filter(|k| {
            pattern
                .as_ref()
                .map_or(true, |p| p.as_slice() == b"*" || glob_match(p, k, false))
        })
        .filter(|k| {
            type_name.as_deref().map_or(true, |t| {
                e.keyspace[c.session.db]
                    .kind_of_stored(k)
                    .is_some_and(|kind| kind.name().as_bytes() == t)
            })
        })
        .map(<[u8]>::to_vec)
        .collect();
    // Expired keys met are deleted and left out, as Redis does.
    let keys: Vec<Vec<u8>> = keys
        .into_iter()
        .filter(|k| e.keyspace[c.session.db].exists(k, now))
        .collect();
    c.reply.array(2);
    c.reply.bulk(next.to_string().as_bytes());
    c.reply.array(keys.len());
    for k in &keys {
        c.reply.bulk(k);
    }
}

pub(super) fn randomkey(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    let now = e.now_ms;
    match e.keyspace[c.session.db].random_key(now) {
        Some(k) => c.reply.bulk(&k),
        None => c.reply.nil(c.session.resp3),
    }
}

fn rename_generic(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], nx: bool) {
    let now = e.now_ms;
    let (from, to) = (&args[1], &args[2]);
    let Some(entry) = e.keyspace[c.session.db].entry(from, now) else {
        return error(e, c, "ERR no such key");
    };
    if from == to {
        return if nx {
            c.reply.int(0)
        } else {
            c.reply.status("OK")
        };
    }
    let before = e.keyspace[c.session.db].changes();
    if e.keyspace[c.session.db].exists(to, now) {
        if nx {
            return c.reply.int(0);
        }
        e.keyspace[c.session.db].remove(to);
    }
    e.keyspace[c.session.db].put_entry(to, &entry);
    e.keyspace[c.session.db].remove(from);
    e.keyspace[c.session.db].count_as(before, 1);
    if nx {
        c.reply.int(1);
    } else {
        c.reply.status("OK");
    }
}

pub(super) fn rename(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    rename_generic(e, c, args, false);
}

pub(super) fn renamenx(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    rename_generic(e, c, args, true);
}

/// A database index argument that must name one of the databases.
fn target_db(e: &Engine, arg: &[u8]) -> Result<usize, &'static str> {
    let n = db_index(arg)?;
    if n < 0 || n as usize >= e.keyspace.len() {
        return Err("ERR DB index is out of range");
    }
    Ok(n as usize)
}

pub(super) fn copy(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let mut replace = false;
    let src = c.session.db;
    let mut dst = src;
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        match args[j].to_ascii_lowercase().as_slice() {
            b"replace" => replace = true,
            b"db" if more => {
                dst = match target_db(e, &args[j + 1]) {
                    Ok(n) => n,
                    Err(msg) => return error(e, c, msg),
                };
                j += 1;
            }
            _ => return error(e, c, SYNTAX),
        }
        j += 1;
    }
    if src == dst && args[1] == args[2] {
        return error(e, c, "ERR source and destination objects are the same");
    }
    let now = e.now_ms;
    let entry = e.keyspace[c.session.db].entry(&args[1], now);
    e.keyspace[c.session.db].note_read(entry.is_some());
    let Some(entry) = entry else {
        return c.reply.int(0);
    };
    let target = &mut e.keyspace[dst];
    if target.exists(&args[2], now) {
        if !replace {
            return c.reply.int(0);
        }
        target.remove(&args[2]);
    }
    target.put_entry(&args[2], &entry);
    c.reply.int(1);
}

pub(super) fn move_(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let dst = match target_db(e, &args[2]) {
        Ok(n) => n,
        Err(msg) => return error(e, c, msg),
    };
    if dst == c.session.db {
        return error(e, c, "ERR source and destination objects are the same");
    }
    let now = e.now_ms;
    let Some(entry) = e.keyspace[c.session.db].entry(&args[1], now) else {
        return c.reply.int(0);
    };
    let target = &mut e.keyspace[dst];
    if target.exists(&args[1], now) {
        return c.reply.int(0);
    }
    target.put_entry(&args[1], &entry);
    e.keyspace[c.session.db].remove(&args[1]);
    c.reply.int(1);
}

/// SWAPDB: the two databases trade contents; clients keep their index
/// and so see the other data. Watched keys that exist in either count as
/// changed.
pub(super) fn swapdb(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let mut ids = [0i64; 2];
    for (i, msg) in ["ERR invalid first DB index", "ERR invalid second DB index"]
        .into_iter()
        .enumerate()
    {
        match db_index(&args[1 + i]) {
            Ok(n) => ids[i] = n,
            Err(_) => return error(e, c, msg),
        }
    }
    let n = e.keyspace.len() as i64;
    if ids.iter().any(|&i| i < 0 || i >= n) {
        return error(e, c, "ERR DB index is out of range");
    }
    let [a, b] = ids.map(|i| i as usize);
    e.keyspace.swap(a, b);
    c.reply.status("OK");
}

pub(super) fn dbsize(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.int(e.keyspace[c.session.db].len() as i64);
}

pub(super) fn flush(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match &args[1..] {
        [] => {}
        [mode] if mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async") => {}
        _ => return error(e, c, SYNTAX),
    }
    if args[0].eq_ignore_ascii_case(b"flushall") {
        for db in e.keyspace.iter_mut() {
            db.clear();
        }
        e.flushed_all(c.children);
    } else {
        e.keyspace[c.session.db].clear();
    }
    c.reply.status("OK");
}

pub(super) fn object_encoding(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let enc = e.keyspace[c.session.db]
        .get(&args[2], now)
        .map(|entry| match &entry.value {
            Value::List(_) => "quicklist",
            Value::Hash(h) if h.big => "hashtable",
            Value::Hash(_) => "listpack",
            Value::Set(s) if s.intset => "intset",
            Value::Set(_) => "hashtable",
            Value::ZSet(z) if z.skiplist => "skiplist",
            Value::ZSet(_) => "listpack",
            _ => entry.enc.name(),
        });
    e.keyspace[c.session.db].note_read(enc.is_some());
    match enc {
        Some(enc) => c.reply.bulk(enc.as_bytes()),
        None => c.reply.nil(c.session.resp3),
    }
}

pub(super) fn object_freq(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let db = &mut e.keyspace[c.session.db];
    let found = db.exists(&args[2], now);
    db.note_read(found);
    if !found {
        return c.reply.nil(c.session.resp3);
    }
    // No maxmemory policy but the default (noeviction): never LFU.
    error(e, c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
}

pub(super) fn object_idletime(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let db = &mut e.keyspace[c.session.db];
    let idle = db.idle_secs(&args[2], now);
    db.note_read(idle.is_some());
    match idle {
        Some(secs) => c.reply.int(secs),
        None => c.reply.nil(c.session.resp3),
    }
}

pub(super) fn object_help(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    reply_help(
        c,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::parse_cursor;

    #[test]
    fn cursors_as_strtoul_reads_them() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"+5"), Some(5));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b"x"), None);
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"-"), None);
    }
}
