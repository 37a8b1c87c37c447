//! Reading an RDB file: Redis's `rdbLoadRio` and `rdbLoadObject` for the
//! types the demo has, in every encoding Redis 7.0 writes them (and the
//! ziplist ones of older files).
//!
//! Every read is bounds-checked and every length is checked against the
//! bytes left before anything is allocated for it, so a truncated or
//! corrupt file is an [`RdbError`] naming the byte and the problem.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::crc64::crc64;
use super::packed::{self, Elem};
use super::*;
use crate::engine::db::{Hash, List, Set, Value, ZSet};
use crate::engine::Keyspace;

type R<T> = Result<T, RdbError>;

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

/// What a value decoded to: a string goes in through `Db::set` (which
/// picks its encoding), an aggregate through `Db::add`.
enum Loadable {
    Str(Vec<u8>),
    Val(Value),
}

/// The most elements worth reserving room for: `n` claimed, each taking
/// at least `min_each` of the `left` bytes.
fn cap(n: u64, left: usize, min_each: usize) -> usize {
    n.min((left / min_each.max(1)) as u64) as usize
}

impl<'a> Reader<'a> {
    fn err<T>(&self, at: usize, what: impl Into<String>) -> R<T> {
        Err(RdbError {
            offset: at,
            what: what.into(),
        })
    }

    fn left(&self) -> usize {
        self.b.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> R<&'a [u8]> {
        if n > self.left() {
            return self.err(
                self.pos,
                format!(
                    "truncated: {what} needs {n} bytes, {} are left",
                    self.left()
                ),
            );
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self, what: &str) -> R<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn fixed<const N: usize>(&mut self, what: &str) -> R<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    /// `rdbLoadLenByRef`: a length, or (true, n) for the special string
    /// encoding `n`.
    fn len_or_enc(&mut self, what: &str) -> R<(u64, bool)> {
        let b0 = self.u8(what)?;
        Ok(match b0 >> 6 {
            0 => (u64::from(b0 & 0x3F), false),
            1 => {
                let b1 = self.u8(what)?;
                ((u64::from(b0 & 0x3F) << 8) | u64::from(b1), false)
            }
            3 => (u64::from(b0 & 0x3F), true),
            _ => match b0 {
                RDB_32BITLEN => (u64::from(u32::from_be_bytes(self.fixed(what)?)), false),
                RDB_64BITLEN => (u64::from_be_bytes(self.fixed(what)?), false),
                _ => return self.err(self.pos - 1, format!("{what}: bad length byte {b0:#04x}")),
            },
        })
    }

    /// A length (not a string encoding).
    fn length(&mut self, what: &str) -> R<u64> {
        let at = self.pos;
        match self.len_or_enc(what)? {
            (n, false) => Ok(n),
            (n, true) => self.err(
                at,
                format!("{what}: a string encoding ({n}) where a length goes"),
            ),
        }
    }

    /// A length that must fit in the bytes left, as a byte count.
    fn byte_len(&mut self, what: &str) -> R<usize> {
        let at = self.pos;
        let n = self.length(what)?;
        if n > self.left() as u64 {
            return self.err(
                at,
                format!(
                    "{what}: length {n} is longer than the {} bytes left",
                    self.left()
                ),
            );
        }
        Ok(n as usize)
    }

    /// `rdbGenericLoadStringObject`: raw, integer-encoded or LZF.
    fn string(&mut self, what: &str) -> R<Cow<'a, [u8]>> {
        let at = self.pos;
        let (n, encoded) = self.len_or_enc(what)?;
        if !encoded {
            if n > self.left() as u64 {
                return self.err(
                    at,
                    format!(
                        "{what}: length {n} is longer than the {} bytes left",
                        self.left()
                    ),
                );
            }
            return Ok(Cow::Borrowed(self.take(n as usize, what)?));
        }
        let v: i64 = match n as u8 {
            RDB_ENC_INT8 => i64::from(i8::from_le_bytes(self.fixed(what)?)),
            RDB_ENC_INT16 => i64::from(i16::from_le_bytes(self.fixed(what)?)),
            RDB_ENC_INT32 => i64::from(i32::from_le_bytes(self.fixed(what)?)),
            RDB_ENC_LZF => {
                let clen = self.byte_len(what)?;
                let ulen = self.length(what)?;
                let data = self.take(clen, what)?;
                let ulen = usize::try_from(ulen).unwrap_or(usize::MAX);
                return match lzf::decompress(data, ulen) {
                    Ok(v) => Ok(Cow::Owned(v)),
                    Err(e) => self.err(at, format!("{what}: {e}")),
                };
            }
            _ => return self.err(at, format!("{what}: unknown string encoding {n}")),
        };
        Ok(Cow::Owned(v.to_string().into_bytes()))
    }

    /// `rdbLoadDoubleValue`: a score as text, or 253/254/255 for NaN,
    /// +inf, -inf.
    fn text_double(&mut self, what: &str) -> R<f64> {
        let at = self.pos;
        Ok(match self.u8(what)? {
            255 => f64::NEG_INFINITY,
            254 => f64::INFINITY,
            253 => f64::NAN,
            n => {
                let s = self.take(usize::from(n), what)?;
                match packed::parse_score(s) {
                    Ok(v) => v,
                    Err(e) => return self.err(at, format!("{what}: {e}")),
                }
            }
        })
    }
}

/// The body of [`super::load`].
pub(super) fn load(bytes: &[u8], keyspace: &mut Keyspace, now_ms: i64) -> R<Loaded> {
    let mut r = Reader { b: bytes, pos: 0 };
    let header = r.take(9, "the header (REDIS and a 4-digit version)")?;
    if &header[..5] != b"REDIS" {
        return r.err(0, "not an RDB file: it does not start with REDIS");
    }
    let version = std::str::from_utf8(&header[5..])
        .ok()
        .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u32>().ok());
    let version = match version {
        Some(v) if (1..=RDB_VERSION).contains(&v) => v,
        Some(v) => {
            return r.err(
                5,
                format!("RDB version {v} is not supported: this reads versions 1 to {RDB_VERSION} (Redis 7.0)"),
            )
        }
        None => return r.err(5, "not an RDB file: no 4-digit version after REDIS"),
    };
    let mut loaded = Loaded::default();
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    loop {
        let at = r.pos;
        let kind = r.u8("an opcode or value type")?;
        match kind {
            RDB_OPCODE_EXPIRETIME_MS => {
                expire = Some(i64::from_le_bytes(r.fixed("an expire time")?));
            }
            RDB_OPCODE_EXPIRETIME => {
                let secs = i32::from_le_bytes(r.fixed("an expire time")?);
                expire = Some(i64::from(secs) * 1000);
            }
            RDB_OPCODE_FREQ => {
                r.u8("an LFU frequency")?;
            }
            RDB_OPCODE_IDLE => {
                r.length("an LRU idle time")?;
            }
            RDB_OPCODE_AUX => {
                r.string("an aux field's name")?;
                r.string("an aux field's value")?;
            }
            RDB_OPCODE_RESIZEDB => {
                r.length("RESIZEDB's key count")?;
                r.length("RESIZEDB's expire count")?;
            }
            RDB_OPCODE_SELECTDB => {
                let n = r.length("SELECTDB's index")?;
                if n >= keyspace.len() as u64 {
                    return r.err(
                        at,
                        format!(
                            "SELECTDB {n}: the file has a database {n} but the server has {} (databases)",
                            keyspace.len()
                        ),
                    );
                }
                db = n as usize;
            }
            RDB_OPCODE_MODULE_AUX => {
                return r.err(
                    at,
                    "unsupported: module aux data (opcode 247): the demo has no modules",
                )
            }
            RDB_OPCODE_FUNCTION | RDB_OPCODE_FUNCTION2 => {
                return r.err(
                    at,
                    format!(
                    "unsupported: a function library (opcode {kind}): the demo has no functions"
                ),
                )
            }
            RDB_OPCODE_EOF => break,
            _ => {
                let key = r.string("a key")?;
                let value = value(&mut r, kind, at)?;
                let when = expire.take();
                let Some(value) = value else {
                    // Redis skips an empty aggregate (RDB_LOAD_ERR_EMPTY_KEY).
                    continue;
                };
                if matches!(when, Some(w) if w < now_ms) {
                    loaded.keys_expired += 1;
                    continue;
                }
                let d = &mut keyspace[db];
                if d.contains(&key) {
                    return r.err(
                        at,
                        format!(
                            "duplicate key {:?} in database {db}",
                            String::from_utf8_lossy(&key)
                        ),
                    );
                }
                match value {
                    Loadable::Str(s) => d.set(&key, s, None),
                    Loadable::Val(v) => d.add(&key, v),
                }
                if let Some(w) = when {
                    d.set_expire(&key, w);
                }
                loaded.keys_loaded += 1;
            }
        }
    }
    if version >= 5 {
        let end = r.pos;
        let stored = u64::from_le_bytes(r.fixed("the checksum")?);
        // Zero: saved with rdbchecksum no, nothing to check.
        if stored != 0 {
            let computed = crc64(0, &bytes[..end]);
            if computed != stored {
                return r.err(
                    end,
                    format!("checksum mismatch: the file says {stored:016x}, its bytes give {computed:016x}"),
                );
            }
        }
    }
    Ok(loaded)
}

/// The name of a type this cannot load, for the error.
fn unsupported(kind: u8) -> Option<&'static str> {
    Some(match kind {
        RDB_TYPE_MODULE_PRE_GA | RDB_TYPE_MODULE_2 => "module",
        RDB_TYPE_HASH_ZIPMAP => "hash zipmap, Redis 2.4 and older",
        RDB_TYPE_STREAM_LISTPACKS | RDB_TYPE_STREAM_LISTPACKS_2 => "stream",
        _ => return None,
    })
}

/// Redis's order of sorted-set members: score, then member bytes.
fn zorder(a: &(f64, Vec<u8>), b: &(f64, Vec<u8>)) -> Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.1.cmp(&b.1))
}

/// A sorted set from its pairs, in any order. Sorted first so that each
/// insert appends: Redis writes a skiplist from the highest score down,
/// and inserting those at the front one by one is quadratic.
fn zset_of(mut pairs: Vec<(f64, Vec<u8>)>, r: &Reader<'_>, at: usize) -> R<Option<Loadable>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    if pairs.iter().any(|(s, _)| s.is_nan()) {
        return r.err(at, "a sorted set with a NaN score");
    }
    pairs.sort_by(zorder);
    let mut z = ZSet::default();
    z.scores.reserve(pairs.len());
    for (score, member) in pairs {
        if !z.insert(member, score) {
            return r.err(at, "duplicate sorted set members");
        }
    }
    Ok(Some(Loadable::Val(Value::ZSet(Box::new(z)))))
}

/// The elements of a listpack (or else a ziplist) two by two.
fn pairs<'b>(
    blob: &'b [u8],
    is_listpack: bool,
    mut f: impl FnMut(Elem<'b>, Elem<'b>) -> Result<(), String>,
) -> Result<(), String> {
    let mut first: Option<Elem<'b>> = None;
    let mut each = |e: Elem<'b>| match first.take() {
        None => {
            first = Some(e);
            Ok(())
        }
        Some(a) => f(a, e),
    };
    if is_listpack {
        packed::listpack(blob, &mut each)?;
    } else {
        packed::ziplist(blob, &mut each)?;
    }
    if first.is_some() {
        return Err("an odd number of entries where pairs go".into());
    }
    Ok(())
}

/// `rdbLoadObject` for value type `kind`; `None` for an empty aggregate.
fn value(r: &mut Reader<'_>, kind: u8, at: usize) -> R<Option<Loadable>> {
    let val = |v: Value| Ok(Some(Loadable::Val(v)));
    // An empty list is skipped, as Redis skips empty keys.
    let list_value = |l: List| {
        if l.is_empty() {
            Ok(None)
        } else {
            val(Value::List(Box::new(l)))
        }
    };
    match kind {
        RDB_TYPE_STRING => Ok(Some(Loadable::Str(
            r.string("a string value")?.into_owned(),
        ))),
        RDB_TYPE_LIST => {
            let n = r.length("a list's length")?;
            if n == 0 {
                return Ok(None);
            }
            let mut list = List::with_capacity(cap(n, r.left(), 1));
            for _ in 0..n {
                list.push_back(r.string("a list element")?.into_owned().into());
            }
            val(Value::List(Box::new(list)))
        }
        RDB_TYPE_SET => {
            let n = r.length("a set's length")?;
            if n == 0 {
                return Ok(None);
            }
            let mut set = Set::default();
            set.members.reserve(cap(n, r.left(), 1));
            for _ in 0..n {
                let m_at = r.pos;
                let m = r.string("a set member")?.into_owned();
                if !set.add(m) {
                    return r.err(m_at, "duplicate set members");
                }
            }
            val(Value::Set(Box::new(set)))
        }
        RDB_TYPE_ZSET | RDB_TYPE_ZSET_2 => {
            let n = r.length("a sorted set's length")?;
            let each = if kind == RDB_TYPE_ZSET_2 { 9 } else { 2 };
            let mut all = Vec::with_capacity(cap(n, r.left(), each));
            for _ in 0..n {
                let m = r.string("a sorted set member")?.into_owned();
                let score = if kind == RDB_TYPE_ZSET_2 {
                    f64::from_le_bytes(r.fixed("a score")?)
                } else {
                    r.text_double("a score")?
                };
                all.push((score, m));
            }
            zset_of(all, r, at)
        }
        RDB_TYPE_HASH => {
            let n = r.length("a hash's length")?;
            if n == 0 {
                return Ok(None);
            }
            let mut h = Hash::default();
            h.map.reserve(cap(n, r.left(), 2));
            for _ in 0..n {
                let f_at = r.pos;
                let f = r.string("a hash field")?.into_owned();
                let v = r.string("a hash value")?.into_owned();
                let longest = f.len().max(v.len());
                if h.map.insert(f.into(), v.into()).is_some() {
                    return r.err(f_at, "duplicate hash fields");
                }
                h.grew(longest);
            }
            val(Value::Hash(Box::new(h)))
        }
        RDB_TYPE_LIST_QUICKLIST | RDB_TYPE_LIST_QUICKLIST_2 => {
            let nodes = r.length("a quicklist's node count")?;
            let mut list = List::new();
            for _ in 0..nodes {
                let container = if kind == RDB_TYPE_LIST_QUICKLIST_2 {
                    r.length("a quicklist node's container")?
                } else {
                    QUICKLIST_NODE_PACKED
                };
                let node_at = r.pos;
                let blob = r.string("a quicklist node")?;
                let res = match (kind, container) {
                    (_, QUICKLIST_NODE_PLAIN) => {
                        list.push_back(blob.into_owned().into());
                        Ok(())
                    }
                    (RDB_TYPE_LIST_QUICKLIST_2, QUICKLIST_NODE_PACKED) => {
                        packed::listpack(&blob, |e| {
                            list.push_back(e.to_vec().into());
                            Ok(())
                        })
                    }
                    (_, QUICKLIST_NODE_PACKED) => packed::ziplist(&blob, |e| {
                        list.push_back(e.to_vec().into());
                        Ok(())
                    }),
                    (_, c) => Err(format!("unknown quicklist container {c}")),
                };
                if let Err(e) = res {
                    return r.err(node_at, format!("a quicklist node: {e}"));
                }
            }
            list_value(list)
        }
        RDB_TYPE_LIST_ZIPLIST => {
            let blob_at = r.pos;
            let blob = r.string("a list ziplist")?;
            let mut list = List::new();
            if let Err(e) = packed::ziplist(&blob, |e| {
                list.push_back(e.to_vec().into());
                Ok(())
            }) {
                return r.err(blob_at, format!("a list ziplist: {e}"));
            }
            list_value(list)
        }
        RDB_TYPE_SET_INTSET => {
            let blob_at = r.pos;
            let blob = r.string("an intset")?;
            let mut set = Set::default();
            let res = packed::intset(&blob, |v| {
                if set.add(v.to_string().into_bytes()) {
                    Ok(())
                } else {
                    Err("duplicate set members".into())
                }
            });
            if let Err(e) = res {
                return r.err(blob_at, format!("an intset: {e}"));
            }
            if set.members.is_empty() {
                return Ok(None);
            }
            val(Value::Set(Box::new(set)))
        }
        RDB_TYPE_HASH_ZIPLIST | RDB_TYPE_HASH_LISTPACK => {
            let blob_at = r.pos;
            let blob = r.string("a hash listpack")?;
            let mut h = Hash::default();
            let res = pairs(&blob, kind == RDB_TYPE_HASH_LISTPACK, |f, v| {
                if h.map.insert(f.to_vec().into(), v.to_vec().into()).is_some() {
                    return Err("duplicate hash fields".into());
                }
                Ok(())
            });
            if let Err(e) = res {
                return r.err(blob_at, format!("a hash listpack: {e}"));
            }
            if h.map.is_empty() {
                return Ok(None);
            }
            // As Redis: a packed hash is converted by its size only (it
            // does not scan for long values on load).
            h.grew(0);
            val(Value::Hash(Box::new(h)))
        }
        RDB_TYPE_ZSET_ZIPLIST | RDB_TYPE_ZSET_LISTPACK => {
            let blob_at = r.pos;
            let blob = r.string("a sorted set listpack")?;
            let mut all = Vec::new();
            let res = pairs(&blob, kind == RDB_TYPE_ZSET_LISTPACK, |m, s| {
                all.push((s.score()?, m.to_vec()));
                Ok(())
            });
            if let Err(e) = res {
                return r.err(blob_at, format!("a sorted set listpack: {e}"));
            }
            zset_of(all, r, blob_at)
        }
        _ => match unsupported(kind) {
            Some(name) => r.err(
                at,
                format!("unsupported value type {kind} ({name}): the demo has no such type"),
            ),
            None => r.err(at, format!("unknown value type {kind}")),
        },
    }
}
