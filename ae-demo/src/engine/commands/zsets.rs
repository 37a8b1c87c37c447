//! Sorted set commands (Redis's `t_zset.c`). Members are kept in Redis's
//! order, by score and then by member bytes, so ranges read as Redis reads
//! them; a sorted set that becomes empty is deleted. Scores are read as
//! Redis reads them (`strtod`) and sent as it sends them (`%.17g`, a
//! RESP3 double under HELLO 3).

use std::cell::Cell;

use super::keyspace::{parse_cursor, scan_matches, scan_options};
use super::{error, integer, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::engine::db::{Value, ZSet};
use crate::engine::reply::Reply;
use crate::engine::small::CompactBytes;
use crate::engine::{Caller, Engine};

const NOT_FLOAT: &str = "ERR value is not a valid float";
const RANGE_NOT_FLOAT: &str = "ERR min or max is not a float";
const RANGE_NOT_LEX: &str = "ERR min or max not valid string range item";

/// What a key holds, for a zset command.
type Found<'a> = super::Found<'a, ZSet>;

/// Looks `key` up; `read` counts the hit or miss (`lookupKeyRead`).
fn find<'a>(e: &'a mut Engine, db: usize, key: &[u8], read: bool) -> Found<'a> {
    super::find_as(e, db, key, read, |v| match v {
        Value::ZSet(x) => Some(x),
        _ => None,
    })
}

// ------------------------------------------------------------ numbers

/// C's `%.17g`.
pub fn fmt_g17(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{:.16e}", d);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..17).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat('0').take(int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat('0').take((-exp - 1) as usize));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    }
    out
}

/// Redis's `d2string`: an integral score as an integer, else `%.17g` (as
/// a listpack stores a score, which ZSCAN sends).
fn d2string(d: f64) -> String {
    let half = (i64::MAX / 2) as f64;
    if d.is_finite() && (-half..=half).contains(&d) && d == (d as i64) as f64 {
        return (d as i64).to_string();
    }
    fmt_g17(d)
}

/// Sends a score (`addReplyDouble`).
pub(super) fn reply_double(c: &mut Caller<'_>, d: f64) {
    double(c.reply, c.session.resp3, d);
}

/// A score: a RESP3 double, or its `%.17g` text in a bulk string.
pub(super) fn double(out: &mut impl Reply, resp3: bool, d: f64) {
    let text = fmt_g17(d);
    if resp3 {
        out.raw(format!(",{text}\r\n").as_bytes());
    } else {
        out.bulk(text.as_bytes());
    }
}

/// C's `strtod`: the value and the bytes it read (0: no number), and
/// whether it was out of range (`ERANGE`).
pub(super) fn strtod(s: &[u8]) -> (f64, usize, bool) {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let start = i;
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let sign = if neg { -1.0 } else { 1.0 };
    let rest = &s[i..];
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    if starts(b"infinity") {
        return (sign * f64::INFINITY, i + 8, false);
    }
    if starts(b"inf") {
        return (sign * f64::INFINITY, i + 3, false);
    }
    if starts(b"nan") {
        let mut j = i + 3;
        if s.get(j) == Some(&b'(') {
            let mut k = j + 1;
            while k < s.len() && (s[k].is_ascii_alphanumeric() || s[k] == b'_') {
                k += 1;
            }
            if s.get(k) == Some(&b')') {
                j = k + 1;
            }
        }
        return (f64::NAN, j, false);
    }
    if (starts(b"0x")) && rest.len() > 2 {
        if let Some(r) = hex_float(&s[i + 2..]) {
            let (v, used) = r;
            let v = sign * v;
            return (v, i + 2 + used, v.is_infinite());
        }
    }
    // Decimal: digits [. digits] [e [sign] digits].
    let mut j = i;
    let mut nonzero = false;
    let mut any = false;
    while j < s.len() && s[j].is_ascii_digit() {
        nonzero |= s[j] != b'0';
        any = true;
        j += 1;
    }
    if j < s.len() && s[j] == b'.' {
        j += 1;
        while j < s.len() && s[j].is_ascii_digit() {
            nonzero |= s[j] != b'0';
            any = true;
            j += 1;
        }
    }
    if !any {
        return (0.0, 0, false);
    }
    if j < s.len() && (s[j] == b'e' || s[j] == b'E') {
        let mut k = j + 1;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            k += 1;
        }
        if k < s.len() && s[k].is_ascii_digit() {
            while k < s.len() && s[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    let text = std::str::from_utf8(&s[start..j]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let erange = v.is_infinite() || (v == 0.0 && nonzero);
    (v, j, erange)
}

/// The part of a hex float after `0x`: its value and the bytes read.
fn hex_float(s: &[u8]) -> Option<(f64, usize)> {
    let mut j = 0;
    let mut v = 0f64;
    let mut any = false;
    let mut scale = 0i32;
    while j < s.len() && s[j].is_ascii_hexdigit() {
        v = v * 16.0 + f64::from((s[j] as char).to_digit(16)?);
        any = true;
        j += 1;
    }
    if j < s.len() && s[j] == b'.' {
        let mut k = j + 1;
        let mut frac_any = false;
        while k < s.len() && s[k].is_ascii_hexdigit() {
            v = v * 16.0 + f64::from((s[k] as char).to_digit(16)?);
            scale -= 4;
            frac_any = true;
            k += 1;
        }
        if any || frac_any {
            j = k;
            any = true;
        }
    }
    if !any {
        return None;
    }
    if j < s.len() && (s[j] == b'p' || s[j] == b'P') {
        let mut k = j + 1;
        let neg = match s.get(k) {
            Some(b'-') => {
                k += 1;
                true
            }
            Some(b'+') => {
                k += 1;
                false
            }
            _ => false,
        };
        let from = k;
        let mut e = 0i32;
        while k < s.len() && s[k].is_ascii_digit() {
            e = e.saturating_mul(10).saturating_add(i32::from(s[k] - b'0'));
            k += 1;
        }
        if k > from {
            scale = scale.saturating_add(if neg { -e } else { e });
            j = k;
        }
    }
    Some((v * 2f64.powi(scale), j))
}

/// A double argument, as `string2d` reads one (a score, a config's
/// percentile): all of it a number, not NaN, not past a double's range.
pub(crate) fn string2d(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || arg[0].is_ascii_whitespace() || arg[0] == 0x0b {
        return None;
    }
    let (v, used, erange) = strtod(arg);
    if used != arg.len() || v.is_nan() || (erange && (v.is_infinite() || v == 0.0)) {
        return None;
    }
    Some(v)
}

/// One end of a score range (`zslParseRange`): the value and whether it
/// is exclusive.
fn parse_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let (text, ex) = match arg.first() {
        Some(b'(') => (&arg[1..], true),
        _ => (arg, false),
    };
    let (v, used, _) = strtod(text);
    // strtod stops at a NUL as at the end of the string.
    if (used != text.len() && text[used] != 0) || v.is_nan() {
        return None;
    }
    Some((v, ex))
}

/// A score range.
#[derive(Clone, Copy)]
struct ScoreRange {
    min: f64,
    minex: bool,
    max: f64,
    maxex: bool,
}

impl ScoreRange {
    fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let (min, minex) = parse_bound(min)?;
        let (max, maxex) = parse_bound(max)?;
        Some(ScoreRange {
            min,
            minex,
            max,
            maxex,
        })
    }
    fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }
    fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }
}

/// One end of a lex range.
#[derive(Clone, PartialEq, Eq)]
enum Lex {
    Min,
    Max,
    Str(Vec<u8>),
}

/// `sdscmplex`.
fn lex_cmp(a: &[u8], b: &Lex) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match b {
        Lex::Min => Greater,
        Lex::Max => Less,
        Lex::Str(s) => a.cmp(s.as_slice()),
    }
}

/// A lex range (`zslParseLexRange`).
struct LexRange {
    min: Lex,
    minex: bool,
    max: Lex,
    maxex: bool,
}

fn parse_lex_item(arg: &[u8]) -> Option<(Lex, bool)> {
    let single = arg.len() == 1 || arg.get(1) == Some(&0);
    match arg.first() {
        Some(b'+') if single => Some((Lex::Max, true)),
        Some(b'-') if single => Some((Lex::Min, true)),
        Some(b'(') => Some((Lex::Str(arg[1..].to_vec()), true)),
        Some(b'[') => Some((Lex::Str(arg[1..].to_vec()), false)),
        _ => None,
    }
}

impl LexRange {
    fn parse(min: &[u8], max: &[u8]) -> Option<LexRange> {
        let (min, minex) = parse_lex_item(min)?;
        let (max, maxex) = parse_lex_item(max)?;
        Some(LexRange {
            min,
            minex,
            max,
            maxex,
        })
    }
    fn gte_min(&self, v: &[u8]) -> bool {
        let o = lex_cmp(v, &self.min);
        if self.minex {
            o.is_gt()
        } else {
            o.is_ge()
        }
    }
    fn lte_max(&self, v: &[u8]) -> bool {
        let o = lex_cmp(v, &self.max);
        if self.maxex {
            o.is_lt()
        } else {
            o.is_le()
        }
    }
}

/// The positions of a range's members in reply order: `from..to`
/// ascending, or from `to - 1` down to `from` when `reverse`. Every range
/// of a sorted set is contiguous, so LIMIT and the reply need no list of
/// positions (a `ZRANGEBYSCORE .. LIMIT 0 10` of a million members looks
/// at ten).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    from: usize,
    to: usize,
    reverse: bool,
}

impl Span {
    fn new(from: usize, to: usize, reverse: bool) -> Span {
        Span {
            from: from.min(to),
            to,
            reverse,
        }
    }

    fn len(self) -> usize {
        self.to - self.from
    }

    /// The positions, in reply order.
    fn positions(self) -> impl ExactSizeIterator<Item = usize> {
        (0..self.len()).map(move |j| {
            if self.reverse {
                self.to - 1 - j
            } else {
                self.from + j
            }
        })
    }

    /// LIMIT offset count: a negative offset selects nothing, a negative
    /// count everything after the offset.
    fn limit(self, offset: i64, count: i64) -> Span {
        if offset < 0 {
            return Span::new(self.from, self.from, self.reverse);
        }
        let skip = (offset as usize).min(self.len());
        let take = match usize::try_from(count) {
            Ok(n) => n.min(self.len() - skip),
            Err(_) => self.len() - skip,
        };
        if self.reverse {
            Span::new(self.to - skip - take, self.to - skip, true)
        } else {
            Span::new(self.from + skip, self.from + skip + take, false)
        }
    }
}

/// A sorted set's member with its score, as its order holds them.
type Member = (f64, CompactBytes);

/// The members in range, found as Redis finds them: in a listpack by
/// walking from the first member past the minimum while under the maximum
/// (reverse: from the last under the maximum down while past the minimum);
/// in a skiplist by descending it, which for a range whose members are in
/// order (a score range; a lex range of equal scores, the only kind Redis
/// defines) finds the same bounds a binary search does.
fn walk(
    z: &ZSet,
    reverse: bool,
    gte: impl Fn(&Member) -> bool,
    lte: impl Fn(&Member) -> bool,
    search: bool,
) -> Span {
    let s = &z.sorted;
    let n = s.len();
    if search {
        // Both hold on a prefix: where each stops is the range's bound.
        let from = s.partition_point(|m| !gte(m));
        return Span::new(from, s.partition_point(&lte), reverse);
    }
    if reverse {
        // The last position under the maximum, then down past the minimum.
        let top = n - s.iter().rev().position(&lte).unwrap_or(n);
        let below = s.iter().rev().skip(n - top).position(|m| !gte(m));
        Span::new(below.map_or(0, |k| top - k), top, true)
    } else {
        let from = s.iter().position(&gte).unwrap_or(n);
        let len = s.iter().skip(from).position(|m| !lte(m));
        Span::new(from, len.map_or(n, |k| from + k), false)
    }
}

fn score_walk(z: &ZSet, r: &ScoreRange, reverse: bool) -> Span {
    walk(z, reverse, |m| r.gte_min(m.0), |m| r.lte_max(m.0), true)
}

fn lex_walk(z: &ZSet, r: &LexRange, reverse: bool) -> Span {
    walk(
        z,
        reverse,
        |m| r.gte_min(&m.1),
        |m| r.lte_max(&m.1),
        z.skiplist,
    )
}

// ------------------------------------------------------------ ZADD

pub(super) fn zadd(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zadd_generic(e, c, args, false);
}

pub(super) fn zincrby(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zadd_generic(e, c, args, true);
}

/// ZADD and ZINCRBY (`zaddGenericCommand`).
fn zadd_generic(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>], mut incr: bool) {
    let (mut nx, mut xx, mut gt, mut lt, mut ch) = (false, false, false, false, false);
    let mut idx = 2;
    while idx < args.len() {
        match args[idx].to_ascii_lowercase().as_slice() {
            b"nx" => nx = true,
            b"xx" => xx = true,
            b"ch" => ch = true,
            b"incr" => incr = true,
            b"gt" => gt = true,
            b"lt" => lt = true,
            _ => break,
        }
        idx += 1;
    }
    let elements = args.len() - idx;
    if elements % 2 == 1 || elements == 0 {
        return error(e, c, SYNTAX);
    }
    let elements = elements / 2;
    if nx && xx {
        return error(
            e,
            c,
            "ERR XX and NX options at the same time are not compatible",
        );
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return error(
            e,
            c,
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        );
    }
    if incr && elements > 1 {
        return error(
            e,
            c,
            "ERR INCR option supports a single increment-element pair",
        );
    }
    let mut scores = Vec::with_capacity(elements);
    for j in 0..elements {
        match string2d(&args[idx + j * 2]) {
            Some(s) => scores.push(s),
            None => return error(e, c, NOT_FLOAT),
        }
    }
    let db = c.session.db;
    let resp3 = c.session.resp3;
    let key = args[1].clone();
    let before = e.keyspace[db].changes();
    let created = match find(e, db, &key, false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing if xx => {
            return if incr {
                c.reply.nil(resp3)
            } else {
                c.reply.int(0)
            };
        }
        Found::Missing => {
            let mut z = ZSet::default();
            if args[idx + 1].len() > crate::engine::db::ZSET_LISTPACK_VALUE {
                z.skiplist = true;
            }
            e.keyspace[db].add(&key, Value::ZSet(Box::new(z)));
            true
        }
        Found::Is(_) => false,
    };
    let Found::Is(z) = find(e, db, &key, false) else {
        return;
    };
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = 0.0;
    let mut nan = false;
    for (j, &score) in scores.iter().enumerate() {
        let member = std::mem::take(&mut args[idx + 1 + j * 2]);
        match z.score(&member) {
            Some(cur) => {
                if nx {
                    continue;
                }
                let mut score = score;
                if incr {
                    score += cur;
                    if score.is_nan() {
                        nan = true;
                        break;
                    }
                }
                if (lt && score >= cur) || (gt && score <= cur) {
                    continue;
                }
                last = score;
                processed += 1;
                if score != cur {
                    z.insert(member, score);
                    updated += 1;
                }
            }
            None if !xx => {
                z.insert(member, score);
                added += 1;
                processed += 1;
                last = score;
            }
            None => {}
        }
    }
    if created || added > 0 || updated > 0 {
        e.keyspace[db].touch(&key);
    }
    // One change per member added or updated, as Redis counts them.
    e.keyspace[db].count_as(before, (added + updated) as u64);
    if nan {
        return error(e, c, "ERR resulting score is not a number (NaN)");
    }
    if incr {
        if processed > 0 {
            reply_double(c, last);
        } else {
            c.reply.nil(resp3);
        }
    } else {
        c.reply.int(if ch { added + updated } else { added });
    }
}

pub(super) fn zrem(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let db = c.session.db;
    let (removed, empty) = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.int(0),
        Found::Is(z) => {
            let mut removed = 0;
            for m in &args[2..] {
                if z.remove(m) {
                    removed += 1;
                }
                if z.is_empty() {
                    break;
                }
            }
            (removed, z.is_empty())
        }
    };
    if removed > 0 {
        let before = e.keyspace[db].changes();
        super::touch_or_delete(e, db, &args[1], empty);
        e.keyspace[db].count_as(before, removed as u64);
    }
    c.reply.int(removed);
}

pub(super) fn zcard(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(z) => c.reply.int(z.len() as i64),
    }
}

pub(super) fn zscore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resp3 = c.session.resp3;
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.nil(resp3),
        Found::Is(z) => match z.score(&args[2]) {
            Some(s) => reply_double(c, s),
            None => c.reply.nil(resp3),
        },
    }
}

pub(super) fn zmscore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resp3 = c.session.resp3;
    let scores: Vec<Option<f64>> = match find(e, c.session.db, &args[1], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => vec![None; args.len() - 2],
        Found::Is(z) => args[2..].iter().map(|m| z.score(m)).collect(),
    };
    c.reply.array(scores.len());
    for s in scores {
        match s {
            Some(s) => reply_double(c, s),
            None => c.reply.nil(resp3),
        }
    }
}

fn zrank_generic(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], reverse: bool) {
    let resp3 = c.session.resp3;
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.nil(resp3),
        Found::Is(z) => match z.rank(&args[2]) {
            Some(r) if reverse => c.reply.int((z.len() - 1 - r) as i64),
            Some(r) => c.reply.int(r as i64),
            None => c.reply.nil(resp3),
        },
    }
}

pub(super) fn zrank(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrank_generic(e, c, args, false);
}

pub(super) fn zrevrank(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrank_generic(e, c, args, true);
}

pub(super) fn zcount(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(r) = ScoreRange::parse(&args[2], &args[3]) else {
        return error(e, c, RANGE_NOT_FLOAT);
    };
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(z) => c.reply.int(score_walk(z, &r, false).len() as i64),
    }
}

pub(super) fn zlexcount(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(r) = LexRange::parse(&args[2], &args[3]) else {
        return error(e, c, RANGE_NOT_LEX);
    };
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.int(0),
        Found::Is(z) => c.reply.int(lex_walk(z, &r, false).len() as i64),
    }
}

// ------------------------------------------------------------ ranges

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

/// The positions of a rank range (`genericZrangebyrankCommand`).
fn rank_positions(len: usize, mut start: i64, mut end: i64, reverse: bool) -> Span {
    let llen = len as i64;
    if start < 0 {
        start += llen;
    }
    if end < 0 {
        end += llen;
    }
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return Span::new(0, 0, reverse);
    }
    if end >= llen {
        end = llen - 1;
    }
    let (start, end) = (start as usize, end as usize);
    if reverse {
        Span::new(len - 1 - end, len - start, true)
    } else {
        Span::new(start, end + 1, false)
    }
}

/// Sends members (with their scores) at `pos`.
fn reply_members(
    c: &mut Caller<'_>,
    z: &ZSet,
    pos: impl ExactSizeIterator<Item = usize>,
    withscores: bool,
) {
    let resp3 = c.session.resp3;
    c.reply.array(if withscores && !resp3 {
        pos.len() * 2
    } else {
        pos.len()
    });
    for i in pos {
        let (score, m) = &z.sorted[i];
        if withscores && resp3 {
            c.reply.array(2);
        }
        c.reply.bulk(m);
        if withscores {
            reply_double(c, *score);
        }
    }
}

/// Every ZRANGE form (`zrangeGenericCommand`); `dst` for ZRANGESTORE.
fn zrange_generic(
    e: &mut Engine,
    c: &mut Caller<'_>,
    args: &[Vec<u8>],
    first: usize,
    dst: Option<&[u8]>,
    mut rangetype: RangeType,
    mut reverse: Option<bool>,
) {
    let store = dst.is_some();
    let (mut withscores, mut offset, mut count) = (false, 0i64, -1i64);
    let mut j = first + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = args[j].to_ascii_lowercase();
        if !store && a == b"withscores" {
            withscores = true;
        } else if a == b"limit" && left >= 2 {
            match (integer(&args[j + 1]), integer(&args[j + 2])) {
                (Some(o), Some(n)) => {
                    offset = o;
                    count = n;
                }
                _ => return error(e, c, NOT_INTEGER),
            }
            j += 2;
        } else if reverse.is_none() && a == b"rev" {
            reverse = Some(true);
        } else if rangetype == RangeType::Auto && a == b"bylex" {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && a == b"byscore" {
            rangetype = RangeType::Score;
        } else {
            return error(e, c, SYNTAX);
        }
        j += 1;
    }
    let reverse = reverse.unwrap_or(false);
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if count != -1 && rangetype == RangeType::Rank {
        return error(
            e,
            c,
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && rangetype == RangeType::Lex {
        return error(
            e,
            c,
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        );
    }
    let (mut minidx, mut maxidx) = (first + 1, first + 2);
    if reverse && rangetype != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    enum Spec {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let spec = match rangetype {
        RangeType::Score => match ScoreRange::parse(&args[minidx], &args[maxidx]) {
            Some(r) => Spec::Score(r),
            None => return error(e, c, RANGE_NOT_FLOAT),
        },
        RangeType::Lex => match LexRange::parse(&args[minidx], &args[maxidx]) {
            Some(r) => Spec::Lex(r),
            None => return error(e, c, RANGE_NOT_LEX),
        },
        _ => match (integer(&args[minidx]), integer(&args[maxidx])) {
            (Some(a), Some(b)) => Spec::Rank(a, b),
            _ => return error(e, c, NOT_INTEGER),
        },
    };
    let db = c.session.db;
    let z = match find(e, db, &args[first], true) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => {
            return match dst {
                None => c.reply.array(0),
                Some(dst) => store_result(e, c, dst, ZSet::default()),
            };
        }
        Found::Is(z) => z,
    };
    let pos = match &spec {
        Spec::Rank(a, b) => rank_positions(z.len(), *a, *b, reverse),
        Spec::Score(r) => score_walk(z, r, reverse).limit(offset, count),
        Spec::Lex(r) => lex_walk(z, r, reverse).limit(offset, count),
    };
    match dst {
        None => reply_members(c, z, pos.positions(), withscores),
        Some(dst) => {
            let mut out = ZSet::default();
            for i in pos.positions() {
                let (s, m) = &z.sorted[i];
                out.insert(m.clone(), *s);
            }
            // Sized for the result, as `zrangeResultBeginStore` does.
            out.skiplist = pos.len() > crate::engine::db::ZSET_LISTPACK_ENTRIES
                || out
                    .sorted
                    .iter()
                    .any(|(_, m)| m.len() > crate::engine::db::ZSET_LISTPACK_VALUE);
            store_result(e, c, dst, out)
        }
    }
}

/// Stores a computed sorted set under `dst` (deleting `dst` when it is
/// empty) and replies with its size.
fn store_result(e: &mut Engine, c: &mut Caller<'_>, dst: &[u8], z: ZSet) {
    let db = c.session.db;
    let n = z.len();
    if n > 0 {
        e.keyspace[db].add(dst, Value::ZSet(Box::new(z)));
    } else {
        let now = e.now_ms;
        if e.keyspace[db].exists(dst, now) {
            e.keyspace[db].remove(dst);
        }
    }
    c.reply.int(n as i64);
}

pub(super) fn zrange(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrange_generic(e, c, args, 1, None, RangeType::Auto, None);
}

pub(super) fn zrangestore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let dst = args[1].clone();
    zrange_generic(e, c, args, 2, Some(&dst), RangeType::Auto, None);
}

pub(super) fn zrevrange(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrange_generic(e, c, args, 1, None, RangeType::Rank, Some(true));
}

pub(super) fn zrangebyscore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrange_generic(e, c, args, 1, None, RangeType::Score, Some(false));
}

pub(super) fn zrevrangebyscore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrange_generic(e, c, args, 1, None, RangeType::Score, Some(true));
}

pub(super) fn zrangebylex(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrange_generic(e, c, args, 1, None, RangeType::Lex, Some(false));
}

pub(super) fn zrevrangebylex(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zrange_generic(e, c, args, 1, None, RangeType::Lex, Some(true));
}

/// ZREMRANGEBYRANK/BYSCORE/BYLEX (`zremrangeGenericCommand`).
fn zremrange(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], kind: RangeType) {
    enum Spec {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let spec = match kind {
        RangeType::Score => match ScoreRange::parse(&args[2], &args[3]) {
            Some(r) => Spec::Score(r),
            None => return error(e, c, RANGE_NOT_FLOAT),
        },
        RangeType::Lex => match LexRange::parse(&args[2], &args[3]) {
            Some(r) => Spec::Lex(r),
            None => return error(e, c, RANGE_NOT_LEX),
        },
        _ => match (integer(&args[2]), integer(&args[3])) {
            (Some(a), Some(b)) => Spec::Rank(a, b),
            _ => return error(e, c, NOT_INTEGER),
        },
    };
    let db = c.session.db;
    let (removed, empty) = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.int(0),
        Found::Is(z) => {
            let pos = match &spec {
                Spec::Rank(a, b) => rank_positions(z.len(), *a, *b, false),
                Spec::Score(r) => score_walk(z, r, false),
                Spec::Lex(r) => lex_walk(z, r, false),
            };
            z.remove_range(pos.from, pos.to);
            (pos.len(), z.is_empty())
        }
    };
    if removed > 0 {
        super::touch_or_delete(e, db, &args[1], empty);
    }
    c.reply.int(removed as i64);
}

pub(super) fn zremrangebyrank(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zremrange(e, c, args, RangeType::Rank);
}

pub(super) fn zremrangebyscore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zremrange(e, c, args, RangeType::Score);
}

pub(super) fn zremrangebylex(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zremrange(e, c, args, RangeType::Lex);
}

// ------------------------------------------------------------ pops

fn zpop(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], max: bool) {
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
    let z = match find(e, db, &args[1], false) {
        Found::Wrong => return error(e, c, WRONGTYPE),
        Found::Missing => return c.reply.array(0),
        Found::Is(z) => z,
    };
    let nested = resp3 && count.is_some();
    let n = count.unwrap_or(1).min(z.len());
    if n == 0 {
        return c.reply.array(0);
    }
    let popped = pop_members(z, n, max);
    let empty = z.is_empty();
    c.reply.array(if nested { n } else { n * 2 });
    for (s, m) in &popped {
        if nested {
            c.reply.array(2);
        }
        c.reply.bulk(m);
        reply_double(c, *s);
    }
    super::touch_or_delete(e, db, &args[1], empty);
}

/// Takes the `n` lowest members out (`max`: the highest, highest first),
/// as (score, member).
pub(super) fn pop_members(z: &mut ZSet, n: usize, max: bool) -> Vec<(f64, CompactBytes)> {
    let popped: Vec<(f64, CompactBytes)> = if max {
        let at = z.len() - n;
        z.sorted.drain(at..z.len()).into_iter().rev().collect()
    } else {
        z.sorted.drain(0..n)
    };
    for (_, m) in &popped {
        z.scores.remove(m);
    }
    popped
}

pub(super) fn zpopmin(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zpop(e, c, args, false);
}

pub(super) fn zpopmax(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zpop(e, c, args, true);
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
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

pub(super) fn zrandmember(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resp3 = c.session.resp3;
    if args.len() >= 3 {
        let l = match integer(&args[2]) {
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
        if args.len() > 4 || (args.len() == 4 && !args[3].eq_ignore_ascii_case(b"withscores")) {
            return error(e, c, SYNTAX);
        }
        let withscores = args.len() == 4;
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return error(e, c, "ERR value is out of range");
        }
        let z = match find(e, c.session.db, &args[1], true) {
            Found::Wrong => return error(e, c, WRONGTYPE),
            Found::Missing => return c.reply.array(0),
            Found::Is(z) => z,
        };
        if l == 0 {
            return c.reply.array(0);
        }
        let size = z.len();
        let count = l.unsigned_abs().min(usize::MAX as u64) as usize;
        let pos: Vec<usize> = if l < 0 || count == 1 {
            (0..count).map(|_| random_below(size)).collect()
        } else if count >= size {
            // The whole set, read from the tail as Redis does.
            (0..size).rev().collect()
        } else {
            let mut all: Vec<usize> = (0..size).collect();
            for i in 0..count {
                let j = i + random_below(size - i);
                all.swap(i, j);
            }
            all.truncate(count);
            all
        };
        return reply_members(c, z, pos.into_iter(), withscores);
    }
    match find(e, c.session.db, &args[1], true) {
        Found::Wrong => error(e, c, WRONGTYPE),
        Found::Missing => c.reply.nil(resp3),
        Found::Is(z) => {
            let i = random_below(z.len());
            c.reply.bulk(&z.sorted[i].1);
        }
    }
}

pub(super) fn zscan(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
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
    let Found::Is(z) = find(e, db, &args[1], false) else {
        return;
    };
    let matches = |m: &[u8]| scan_matches(pattern, m);
    // A listpack is sent whole in one call (cursor 0), its scores as it
    // stores them; a skiplist's hash table is walked down from the top.
    let (next, picked): (usize, Vec<(String, &CompactBytes)>) = if !z.skiplist {
        let picked = z
            .sorted
            .iter()
            .filter(|(_, m)| matches(m))
            .map(|(s, m)| (d2string(*s), m))
            .collect();
        (0, picked)
    } else {
        let len = z.len();
        let top = if cursor == 0 {
            len
        } else {
            (cursor as usize).min(len)
        };
        let bottom = top.saturating_sub(count.min(1 << 20) as usize);
        let picked = (bottom..top)
            .rev()
            .map(|i| &z.sorted[i])
            .filter(|(_, m)| matches(m))
            .map(|(s, m)| (fmt_g17(*s), m))
            .collect();
        (bottom, picked)
    };
    c.reply.array(2);
    c.reply.bulk(next.to_string().as_bytes());
    c.reply.array(picked.len() * 2);
    for (s, m) in picked {
        c.reply.bulk(m);
        c.reply.bulk(s.as_bytes());
    }
}

// ------------------------------------------------------------ algebra

/// An input of ZUNION, ZINTER, ZDIFF: a sorted set, or a set whose
/// members score 1.
#[derive(Clone, Copy)]
enum Src<'a> {
    None,
    ZSet(&'a ZSet),
    Set(&'a crate::engine::db::Set),
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::None => 0,
            Src::ZSet(z) => z.len(),
            Src::Set(s) => s.members.len(),
        }
    }
    fn find(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::None => None,
            Src::ZSet(z) => z.score(m),
            Src::Set(s) => s.members.contains(m).then_some(1.0),
        }
    }
    fn members(&self) -> Vec<(&[u8], f64)> {
        match self {
            Src::None => Vec::new(),
            Src::ZSet(z) => z.sorted.iter().map(|(s, m)| (&**m, *s)).collect(),
            Src::Set(s) => s.ordered().into_iter().map(|m| (&**m, 1.0)).collect(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// `zunionInterAggregate`.
fn aggregate(target: &mut f64, v: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += v;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *target {
                *target = v;
            }
        }
        Aggregate::Max => {
            if v > *target {
                *target = v;
            }
        }
    }
}

/// ZUNION, ZINTER, ZDIFF, ZINTERCARD and the STORE forms
/// (`zunionInterDiffGenericCommand`).
fn zsetop(
    e: &mut Engine,
    c: &mut Caller<'_>,
    args: &[Vec<u8>],
    dst: Option<&[u8]>,
    numkeys_at: usize,
    op: SetOp,
    card_only: bool,
) {
    let Some(setnum) = integer(&args[numkeys_at]) else {
        return error(e, c, NOT_INTEGER);
    };
    if setnum < 1 {
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        return error(
            e,
            c,
            &format!("ERR at least 1 input key is needed for '{name}' command"),
        );
    }
    if setnum > (args.len() - numkeys_at - 1) as i64 {
        return error(e, c, SYNTAX);
    }
    let setnum = setnum as usize;
    let keys = &args[numkeys_at + 1..numkeys_at + 1 + setnum];
    let db = c.session.db;
    let now = e.now_ms;
    for k in keys {
        let kind = e.keyspace[db].kind(k, now);
        e.keyspace[db].note_read(kind.is_some());
        if matches!(kind, Some(k) if k != crate::engine::db::Kind::ZSet && k != crate::engine::db::Kind::Set)
        {
            return error(e, c, WRONGTYPE);
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggregate::Sum;
    let (mut withscores, mut limit) = (false, 0usize);
    let mut j = numkeys_at + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = args[j].to_ascii_lowercase();
        if op != SetOp::Diff && !card_only && remaining > setnum && a == b"weights" {
            j += 1;
            for w in weights.iter_mut() {
                match string2d(&args[j]) {
                    Some(v) => *w = v,
                    None => return error(e, c, "ERR weight value is not a float"),
                }
                j += 1;
            }
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && a == b"aggregate" {
            how = match args[j + 1].to_ascii_lowercase().as_slice() {
                b"sum" => Aggregate::Sum,
                b"min" => Aggregate::Min,
                b"max" => Aggregate::Max,
                _ => return error(e, c, SYNTAX),
            };
            j += 2;
        } else if dst.is_none() && !card_only && a == b"withscores" {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && a == b"limit" {
            limit = match integer(&args[j + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return error(e, c, "ERR LIMIT can't be negative"),
            };
            j += 2;
        } else {
            return error(e, c, SYNTAX);
        }
    }
    let d = &e.keyspace[db];
    let mut srcs: Vec<(Src<'_>, f64)> = keys
        .iter()
        .zip(&weights)
        .map(|(k, &w)| {
            let src = match d.peek(k).map(|entry| &entry.value) {
                Some(Value::ZSet(z)) => Src::ZSet(z),
                Some(Value::Set(s)) => Src::Set(s),
                _ => Src::None,
            };
            (src, w)
        })
        .collect();
    if op != SetOp::Diff {
        srcs.sort_by_key(|(s, _)| s.len());
    }
    let mut out = ZSet::default();
    let mut cardinality = 0usize;
    let mut maxlen = 0;
    match op {
        SetOp::Inter => {
            let (first, w0) = srcs[0];
            for (m, s) in first.members() {
                let mut score = w0 * s;
                if score.is_nan() {
                    score = 0.0;
                }
                let mut all = true;
                for (src, w) in &srcs[1..] {
                    match src.find(m) {
                        Some(v) => aggregate(&mut score, v * w, how),
                        None => {
                            all = false;
                            break;
                        }
                    }
                }
                if !all {
                    continue;
                }
                if card_only {
                    cardinality += 1;
                    if limit > 0 && cardinality >= limit {
                        break;
                    }
                } else {
                    maxlen = maxlen.max(m.len());
                    out.skiplist = true;
                    out.insert(m.to_vec(), score);
                }
            }
        }
        SetOp::Union => {
            let mut acc: std::collections::HashMap<&[u8], f64> = Default::default();
            for (src, w) in &srcs {
                for (m, s) in src.members() {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, how),
                        None => {
                            acc.insert(m, score);
                        }
                    }
                }
            }
            out.skiplist = true;
            for (m, s) in acc {
                maxlen = maxlen.max(m.len());
                out.insert(m.to_vec(), s);
            }
        }
        SetOp::Diff => {
            let (first, _) = srcs[0];
            out.skiplist = true;
            for (m, s) in first.members() {
                if !srcs[1..].iter().any(|(src, _)| src.find(m).is_some()) {
                    maxlen = maxlen.max(m.len());
                    out.insert(m.to_vec(), s);
                }
            }
        }
    }
    if card_only {
        return c.reply.int(cardinality as i64);
    }
    match dst {
        Some(dst) => {
            // `zsetConvertToListpackIfNeeded`: a small result is a
            // listpack (-0 then reads as 0, as a listpack stores it).
            if out.len() <= crate::engine::db::ZSET_LISTPACK_ENTRIES
                && maxlen <= crate::engine::db::ZSET_LISTPACK_VALUE
            {
                let mut small = ZSet::default();
                for (s, m) in std::mem::take(&mut out.sorted) {
                    small.insert(m, s);
                }
                out = small;
            }
            store_result(e, c, dst, out)
        }
        None => reply_members(c, &out, 0..out.len(), withscores),
    }
}

pub(super) fn zunion(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zsetop(e, c, args, None, 1, SetOp::Union, false);
}

pub(super) fn zinter(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zsetop(e, c, args, None, 1, SetOp::Inter, false);
}

pub(super) fn zdiff(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zsetop(e, c, args, None, 1, SetOp::Diff, false);
}

pub(super) fn zintercard(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    zsetop(e, c, args, None, 1, SetOp::Inter, true);
}

pub(super) fn zunionstore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let dst = args[1].clone();
    zsetop(e, c, args, Some(&dst), 2, SetOp::Union, false);
}

pub(super) fn zinterstore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let dst = args[1].clone();
    zsetop(e, c, args, Some(&dst), 2, SetOp::Inter, false);
}

pub(super) fn zdiffstore(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let dst = args[1].clone();
    zsetop(e, c, args, Some(&dst), 2, SetOp::Diff, false);
}
