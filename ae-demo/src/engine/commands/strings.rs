//! String commands (Redis's `t_string.c`).

use super::{error, integer, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::engine::db::{Encoding, Value};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine};
use crate::ldouble::LongDouble;
use crate::resp::MAX_BULK_LEN;

/// SET/GETEX options (`OBJ_*` in `parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
struct Options {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    /// The expiry option and its argument's index.
    expire: Option<(Expiry, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expiry {
    Ex,
    Px,
    ExAt,
    PxAt,
}

/// Parses SET's options (`for_set`) or GETEX's, in any order, as Redis:
/// each refuses the ones it conflicts with.
fn parse_options(args: &[Vec<u8>], for_set: bool) -> Option<Options> {
    let mut o = Options::default();
    let mut j = if for_set { 3 } else { 2 };
    while j < args.len() {
        let opt = args[j].to_ascii_lowercase();
        let has_next = j + 1 < args.len();
        let no_expiry = o.expire.is_none();
        match opt.as_slice() {
            b"nx" if for_set && !o.xx => o.nx = true,
            b"xx" if for_set && !o.nx => o.xx = true,
            b"get" if for_set => o.get = true,
            b"keepttl" if for_set && !o.persist && no_expiry => o.keep_ttl = true,
            b"persist" if !for_set && no_expiry && !o.keep_ttl => o.persist = true,
            b"ex" | b"px" | b"exat" | b"pxat" if has_next && !o.keep_ttl && !o.persist => {
                let kind = match opt.as_slice() {
                    b"ex" => Expiry::Ex,
                    b"px" => Expiry::Px,
                    b"exat" => Expiry::ExAt,
                    _ => Expiry::PxAt,
                };
                // Repeating the same option is allowed (the last wins).
                if o.expire.is_some_and(|(k, _)| k != kind) {
                    return None;
                }
                o.expire = Some((kind, j + 1));
                j += 1;
            }
            _ => return None,
        }
        j += 1;
    }
    Some(o)
}

/// The deadline in Unix ms an expiry option asks for
/// (`getExpireMillisecondsOrReply`), or the error to send.
fn deadline(now: i64, kind: Expiry, arg: &[u8], command: &str) -> Result<i64, String> {
    let n = integer(arg).ok_or_else(|| NOT_INTEGER.to_string())?;
    let invalid = || format!("ERR invalid expire time in '{command}' command");
    let seconds = matches!(kind, Expiry::Ex | Expiry::ExAt);
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid());
    }
    let mut ms = if seconds { n * 1000 } else { n };
    if matches!(kind, Expiry::Ex | Expiry::Px) {
        // Redis adds without a check and tests the sign: an overflow wraps
        // negative.
        ms = ms.wrapping_add(now);
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}

/// Replies with `key`'s value, or nil, and counts the hit or miss: GET and
/// each key of MGET. A key of another type is WRONGTYPE for GET
/// (`strict`), nil for MGET.
fn reply_value(e: &mut Engine, c: &mut Caller<'_>, key: &[u8], strict: bool) {
    let now = e.now_ms;
    let (found, wrong) = match e.keyspace[c.session.db].get(key, now) {
        Some(entry) if entry.value.is_string() => {
            c.reply.bulk_value(&entry.value);
            (true, false)
        }
        Some(_) if strict => (true, true),
        found => {
            c.reply.nil(c.session.resp3);
            (found.is_some(), false)
        }
    };
    e.keyspace[c.session.db].note_read(found);
    if wrong {
        error(e, c, WRONGTYPE);
    }
}

/// True (and WRONGTYPE sent) when `key` holds a list or hash.
fn wrong_type(e: &mut Engine, c: &mut Caller<'_>, key: &[u8]) -> bool {
    let now = e.now_ms;
    let wrong = e.keyspace[c.session.db]
        .get(key, now)
        .is_some_and(|entry| !entry.value.is_string());
    if wrong {
        error(e, c, WRONGTYPE);
    }
    wrong
}

pub(super) fn get(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    reply_value(e, c, &args[1], true);
}

/// SET and its variants (`setGenericCommand`).
fn set_generic(
    e: &mut Engine,
    c: &mut Caller<'_>,
    args: &mut [Vec<u8>],
    o: &Options,
    value_at: usize,
    command: &str,
) {
    let now = e.now_ms;
    let mut expire = None;
    if let Some((kind, at)) = o.expire {
        match deadline(now, kind, &args[at], command) {
            Ok(ms) => expire = Some(ms),
            Err(msg) => return error(e, c, &msg),
        }
    }
    let key = &args[1];
    // The old value only for GET (a big one is shared, not copied);
    // otherwise only whether it exists, which also expires it lazily as
    // Redis's lookupKeyWrite does (KEEPTTL must not keep a passed
    // deadline, and the expiry counts).
    let found = if o.get {
        if wrong_type(e, c, key) {
            e.keyspace[c.session.db].note_read(true);
            return;
        }
        let old = e.keyspace[c.session.db]
            .get(key, now)
            .map(|entry| entry.value.clone());
        e.keyspace[c.session.db].note_read(old.is_some());
        match &old {
            Some(v) => c.reply.bulk_value(v),
            None => c.reply.nil(c.session.resp3),
        }
        old.is_some()
    } else {
        e.keyspace[c.session.db].exists(key, now)
    };
    if (o.nx && found) || (o.xx && !found) {
        if !o.get {
            c.reply.nil(c.session.resp3);
        }
        return;
    }
    let value = std::mem::take(&mut args[value_at]);
    let enc = Encoding::of(&value);
    let before = e.keyspace[c.session.db].changes();
    let replaced = e.keyspace[c.session.db].set_with(&args[1], value, enc, o.keep_ttl);
    if let Some(spare) = replaced.and_then(Value::into_spare) {
        e.bulk_pool.give(spare);
    }
    if let Some(ms) = expire {
        e.keyspace[c.session.db].set_expire(&args[1], ms);
    }
    // Value, old TTL and new TTL: one change, as Redis counts it.
    e.keyspace[c.session.db].count_as(before, 1);
    if !o.get {
        c.reply.status("OK");
    }
}

pub(super) fn set(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match parse_options(args, true) {
        Some(o) => set_generic(e, c, args, &o, 2, "set"),
        None => error(e, c, SYNTAX),
    }
}

pub(super) fn setnx(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    if e.keyspace[c.session.db].exists(&args[1], now) {
        return c.reply.int(0);
    }
    let value = std::mem::take(&mut args[2]);
    e.keyspace[c.session.db].set(&args[1], value, None);
    c.reply.int(1);
}

fn setex_generic(
    e: &mut Engine,
    c: &mut Caller<'_>,
    args: &mut [Vec<u8>],
    kind: Expiry,
    name: &str,
) {
    let o = Options {
        expire: Some((kind, 2)),
        ..Options::default()
    };
    set_generic(e, c, args, &o, 3, name);
}

pub(super) fn setex(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    setex_generic(e, c, args, Expiry::Ex, "setex");
}

pub(super) fn psetex(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    setex_generic(e, c, args, Expiry::Px, "psetex");
}

pub(super) fn getset(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let o = Options {
        get: true,
        ..Options::default()
    };
    set_generic(e, c, args, &o, 2, "getset");
}

pub(super) fn getdel(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    if wrong_type(e, c, &args[1]) {
        return e.keyspace[c.session.db].note_read(true);
    }
    match e.keyspace[c.session.db].get(&args[1], now) {
        Some(entry) => {
            c.reply.bulk_value(&entry.value);
            e.keyspace[c.session.db].remove(&args[1]);
            e.keyspace[c.session.db].note_read(true);
        }
        None => {
            c.reply.nil(c.session.resp3);
            e.keyspace[c.session.db].note_read(false);
        }
    }
}

pub(super) fn getex(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let Some(o) = parse_options(args, false) else {
        return error(e, c, SYNTAX);
    };
    if wrong_type(e, c, &args[1]) {
        return e.keyspace[c.session.db].note_read(true);
    }
    let value = e.keyspace[c.session.db]
        .get(&args[1], now)
        .map(|entry| entry.value.clone());
    e.keyspace[c.session.db].note_read(value.is_some());
    let Some(value) = value else {
        return c.reply.nil(c.session.resp3);
    };
    let mut expire = None;
    if let Some((kind, at)) = o.expire {
        match deadline(now, kind, &args[at], "getex") {
            Ok(ms) => expire = Some((kind, ms)),
            Err(msg) => return error(e, c, &msg),
        }
    }
    c.reply.bulk_value(&value);
    match expire {
        Some((Expiry::ExAt | Expiry::PxAt, ms)) if ms <= now => {
            e.keyspace[c.session.db].remove(&args[1]);
        }
        Some((_, ms)) => {
            e.keyspace[c.session.db].set_expire(&args[1], ms);
        }
        None if o.persist => {
            e.keyspace[c.session.db].persist(&args[1]);
        }
        None => {}
    }
}

pub(super) fn mget(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    c.reply.array(args.len() - 1);
    for key in &args[1..] {
        reply_value(e, c, key, false);
    }
}

fn mset_generic(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>], nx: bool) {
    if args.len() % 2 == 0 {
        let name = if nx { "msetnx" } else { "mset" };
        return error(
            e,
            c,
            &format!("ERR wrong number of arguments for '{name}' command"),
        );
    }
    let now = e.now_ms;
    if nx
        && args[1..]
            .iter()
            .step_by(2)
            .any(|k| e.keyspace[c.session.db].exists(k, now))
    {
        return c.reply.int(0);
    }
    for pair in args[1..].chunks_mut(2) {
        // The lookup expires a passed key first (counted), as Redis's
        // setKey does.
        e.keyspace[c.session.db].exists(&pair[0], now);
        let value = std::mem::take(&mut pair[1]);
        e.keyspace[c.session.db].set(&pair[0], value, None);
    }
    if nx {
        c.reply.int(1);
    } else {
        c.reply.status("OK");
    }
}

pub(super) fn mset(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    mset_generic(e, c, args, false);
}

pub(super) fn msetnx(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    mset_generic(e, c, args, true);
}

/// `checkStringLength`: the result may not pass proto-max-bulk-len.
fn too_long(e: &mut Engine, c: &mut Caller<'_>, total: i64) -> bool {
    if total > MAX_BULK_LEN {
        error(
            e,
            c,
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        );
        return true;
    }
    false
}

pub(super) fn append(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    if wrong_type(e, c, &args[1]) {
        return;
    }
    let len = e.keyspace[c.session.db]
        .get(&args[1], now)
        .map(|entry| entry.value.len());
    let total = match len {
        None => {
            let value = std::mem::take(&mut args[2]);
            let n = value.len();
            e.keyspace[c.session.db].set(&args[1], value, None);
            n
        }
        Some(len) => {
            if too_long(e, c, (len + args[2].len()) as i64) {
                return;
            }
            let entry = e.keyspace[c.session.db]
                .get_mut(&args[1], now)
                .expect("checked above");
            entry.value.make_mut().extend_from_slice(&args[2]);
            entry.enc = Encoding::Raw;
            entry.value.len()
        }
    };
    c.reply.int(total as i64);
}

pub(super) fn strlen(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    if wrong_type(e, c, &args[1]) {
        return e.keyspace[c.session.db].note_read(true);
    }
    let len = e.keyspace[c.session.db]
        .get(&args[1], now)
        .map(|entry| entry.value.len());
    e.keyspace[c.session.db].note_read(len.is_some());
    let n = len.unwrap_or(0);
    c.reply.int(n as i64);
}

pub(super) fn getrange(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (Some(mut start), Some(mut end)) = (integer(&args[2]), integer(&args[3])) else {
        return error(e, c, NOT_INTEGER);
    };
    if wrong_type(e, c, &args[1]) {
        return e.keyspace[c.session.db].note_read(true);
    }
    let now = e.now_ms;
    let Some(entry) = e.keyspace[c.session.db].get(&args[1], now) else {
        e.keyspace[c.session.db].note_read(false);
        return c.reply.bulk(b"");
    };
    let s = &entry.value;
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        c.reply.bulk(b"");
        return e.keyspace[c.session.db].note_read(true);
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        c.reply.bulk(b"");
    } else {
        c.reply.bulk(&s[start as usize..=end as usize]);
    }
    e.keyspace[c.session.db].note_read(true);
}

pub(super) fn setrange(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(offset) = integer(&args[2]) else {
        return error(e, c, NOT_INTEGER);
    };
    if offset < 0 {
        return error(e, c, "ERR offset is out of range");
    }
    if wrong_type(e, c, &args[1]) {
        return;
    }
    let now = e.now_ms;
    let value = &args[3];
    let len = e.keyspace[c.session.db]
        .get(&args[1], now)
        .map(|entry| entry.value.len());
    if value.is_empty() {
        return c.reply.int(len.unwrap_or(0) as i64);
    }
    if too_long(e, c, offset.saturating_add(value.len() as i64)) {
        return;
    }
    let offset = offset as usize;
    if len.is_none() {
        e.keyspace[c.session.db].set_with(&args[1], Vec::new(), Encoding::Raw, false);
    }
    let entry = e.keyspace[c.session.db]
        .get_mut(&args[1], now)
        .expect("just set");
    entry.enc = Encoding::Raw;
    let bytes = entry.value.make_mut();
    if bytes.len() < offset + value.len() {
        bytes.resize(offset + value.len(), 0);
    }
    bytes[offset..offset + value.len()].copy_from_slice(value);
    let n = bytes.len();
    c.reply.int(n as i64);
}

fn incr_by(e: &mut Engine, c: &mut Caller<'_>, key: &[u8], by: i64) {
    let now = e.now_ms;
    if wrong_type(e, c, key) {
        return;
    }
    let current = match e.keyspace[c.session.db].get(key, now) {
        None => 0,
        Some(entry) => match integer(&entry.value) {
            Some(n) if entry.value.len() <= 20 => n,
            _ => return error(e, c, NOT_INTEGER),
        },
    };
    let Some(next) = current.checked_add(by) else {
        return error(e, c, "ERR increment or decrement would overflow");
    };
    let digits = next.to_string().into_bytes();
    // In place, keeping the TTL, as Redis does.
    e.keyspace[c.session.db].set_with(key, digits, Encoding::Int, true);
    c.reply.int(next);
}

pub(super) fn incr(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    incr_by(e, c, &args[1], 1);
}

pub(super) fn decr(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    incr_by(e, c, &args[1], -1);
}

pub(super) fn incrby(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match integer(&args[2]) {
        Some(by) => incr_by(e, c, &args[1], by),
        None => error(e, c, NOT_INTEGER),
    }
}

pub(super) fn decrby(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match integer(&args[2]) {
        // Redis refuses to negate i64::MIN with its own message.
        Some(i64::MIN) => error(e, c, "ERR decrement would overflow"),
        Some(by) => incr_by(e, c, &args[1], -by),
        None => error(e, c, NOT_INTEGER),
    }
}

pub(super) fn incrbyfloat(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    const NOT_FLOAT: &str = "ERR value is not a valid float";
    let now = e.now_ms;
    if wrong_type(e, c, &args[1]) {
        return;
    }
    let current = match e.keyspace[c.session.db].get(&args[1], now) {
        None => LongDouble::ZERO,
        Some(entry) => match LongDouble::parse(&entry.value) {
            Some(v) => v,
            None => return error(e, c, NOT_FLOAT),
        },
    };
    let Some(incr) = LongDouble::parse(&args[2]) else {
        return error(e, c, NOT_FLOAT);
    };
    let value = current + incr;
    if !value.is_finite() {
        return error(e, c, "ERR increment would produce NaN or Infinity");
    }
    let text = value.to_human_string().into_bytes();
    c.reply.bulk(&text);
    let enc = Encoding::by_length(&text);
    e.keyspace[c.session.db].set_with(&args[1], text, enc, true);
}

/// LCS: the longest common subsequence of two strings, its length, or the
/// matching ranges (`lcsCommand`).
pub(super) fn lcs(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let now = e.now_ms;
    let db = &mut e.keyspace[c.session.db];
    let strings = |k: Option<crate::engine::db::Kind>| {
        k.map_or(true, |k| k == crate::engine::db::Kind::String)
    };
    if !strings(db.kind(&args[1], now)) || !strings(db.kind(&args[2], now)) {
        return error(e, c, "ERR The specified keys must contain string values");
    }
    let a = e.keyspace[c.session.db]
        .get(&args[1], now)
        .map(|entry| entry.value.to_vec());
    e.keyspace[c.session.db].note_read(a.is_some());
    let b = e.keyspace[c.session.db]
        .get(&args[2], now)
        .map(|entry| entry.value.to_vec());
    e.keyspace[c.session.db].note_read(b.is_some());
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    let (mut get_len, mut get_idx, mut with_len, mut min_len) = (false, false, false, 0i64);
    let mut j = 3;
    while j < args.len() {
        let opt = args[j].to_ascii_lowercase();
        let more = j + 1 < args.len();
        match opt.as_slice() {
            b"idx" => get_idx = true,
            b"len" => get_len = true,
            b"withmatchlen" => with_len = true,
            b"minmatchlen" if more => {
                let Some(n) = integer(&args[j + 1]) else {
                    return error(e, c, NOT_INTEGER);
                };
                min_len = n.max(0);
                j += 1;
            }
            _ => return error(e, c, SYNTAX),
        }
        j += 1;
    }
    if get_len && get_idx {
        return error(
            e,
            c,
            "ERR If you want both the length and indexes, please just use IDX.",
        );
    }
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if cells * 4 > MAX_BULK_LEN as u64 {
        return error(
            e,
            c,
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        );
    }
    let (alen, blen) = (a.len(), b.len());
    let w = blen + 1;
    let mut t = vec![0u32; (alen + 1) * w];
    for i in 1..=alen {
        for j in 1..=blen {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let total = t[alen * w + blen];
    if get_len && !get_idx {
        return c.reply.int(i64::from(total));
    }
    // Walk back from the end, as Redis does, collecting the string and the
    // ranges in the same order.
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut ranges: Vec<[u64; 5]> = Vec::new();
    let (mut i, mut j) = (alen, blen);
    let unset = alen;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0, 0, 0);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == unset {
                a_start = i - 1;
                a_end = i - 1;
                b_start = j - 1;
                b_end = j - 1;
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        // As in C: unsigned arithmetic, meaningful only when a range is set.
        let match_len = (a_end as u64).wrapping_sub(a_start as u64).wrapping_add(1);
        if emit {
            if min_len == 0 || match_len >= min_len as u64 {
                ranges.push([
                    a_start as u64,
                    a_end as u64,
                    b_start as u64,
                    b_end as u64,
                    match_len,
                ]);
            }
            a_start = unset;
        }
    }
    if !get_idx {
        return c.reply.bulk(&result);
    }
    let resp3 = c.session.resp3;
    c.reply.map(2, resp3);
    c.reply.bulk(b"matches");
    c.reply.array(ranges.len());
    for r in &ranges {
        c.reply.array(2 + usize::from(with_len));
        c.reply.array(2);
        c.reply.int(r[0] as i64);
        c.reply.int(r[1] as i64);
        c.reply.array(2);
        c.reply.int(r[2] as i64);
        c.reply.int(r[3] as i64);
        if with_len {
            c.reply.int(r[4] as i64);
        }
    }
    c.reply.bulk(b"len");
    c.reply.int(i64::from(total));
}
