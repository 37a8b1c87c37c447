//! Writing an RDB file: Redis's `rdbSaveRio` for the demo's types.
//!
//! Aggregates are written in Redis's plain encodings (`LIST`, `SET`,
//! `HASH`, `ZSET_2`): Redis 7.0 loads each into the encoding it would have
//! chosen itself (listpack, intset, hashtable, skiplist by the same size
//! limits the engine models), so no listpack or intset is built here.

use std::io::{self, Write};
use std::time::Duration;

use super::crc64::crc64;
use super::lzf::Compressor;
use super::*;
use crate::engine::db::Value;
use crate::engine::Keyspace;

/// Bytes gathered before they go to the writer (and through the CRC):
/// one `write_all` per chunk instead of several per key.
const CHUNK: usize = 64 * 1024;

/// The output with its running checksum.
struct Out<'a> {
    buf: Vec<u8>,
    crc: u64,
    out: &'a mut dyn Write,
    /// Strings are LZF-compressed where that pays (`rdbcompression`).
    compression: bool,
    /// The LZF compressor and its output, reused for every string.
    lzf: Compressor,
    packed: Vec<u8>,
}

impl Out<'_> {
    fn flush_buf(&mut self) -> io::Result<()> {
        self.crc = crc64(self.crc, &self.buf);
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Sends the buffer on once it is a chunk long.
    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// `rdbSaveLen`.
    fn len(&mut self, len: u64) {
        if len < 1 << 6 {
            self.buf.push(len as u8);
        } else if len < 1 << 14 {
            self.buf
                .extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
        } else if len <= u64::from(u32::MAX) {
            self.buf.push(RDB_32BITLEN);
            self.buf.extend_from_slice(&(len as u32).to_be_bytes());
        } else {
            self.buf.push(RDB_64BITLEN);
            self.buf.extend_from_slice(&len.to_be_bytes());
        }
    }

    /// `rdbSaveRawString`: a decimal integer that fits 32 bits and reads
    /// back as itself in its integer encoding; else, over 20 bytes and
    /// with `rdbcompression yes`, LZF if that saves at least 4 bytes; else
    /// length and bytes. Long strings skip the buffer.
    fn string(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() <= 11 {
            if let Some(enc) = int_encoding(s) {
                self.buf.extend_from_slice(&enc.0[..enc.1]);
                return Ok(());
            }
        }
        if self.compression && s.len() > 20 {
            let mut packed = std::mem::take(&mut self.packed);
            let fits = self.lzf.compress(s, s.len() - 4, &mut packed);
            if fits {
                self.byte(0xC0 | RDB_ENC_LZF);
                self.len(packed.len() as u64);
                self.len(s.len() as u64);
                self.raw(&packed)?;
            }
            self.packed = packed;
            if fits {
                return Ok(());
            }
        }
        self.len(s.len() as u64);
        self.raw(s)
    }

    /// Bytes as they are.
    fn raw(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() >= CHUNK {
            self.flush_buf()?;
            self.crc = crc64(self.crc, s);
            self.out.write_all(s)
        } else {
            self.buf.extend_from_slice(s);
            Ok(())
        }
    }

    /// An aux field: `rdbSaveAuxField` (an integer value goes through the
    /// string's integer encoding, as `rdbSaveAuxFieldStrInt` does).
    fn aux(&mut self, key: &str, value: &[u8]) -> io::Result<()> {
        self.byte(RDB_OPCODE_AUX);
        self.string(key.as_bytes())?;
        self.string(value)
    }
}

/// `rdbTryIntegerEncoding`: the bytes of `s` as `RDB_ENC_INT8/16/32`, if
/// it is a decimal integer written as Redis would write it back (no
/// leading zeros, no "-0", no sign "+") within 32 bits.
pub(super) fn int_encoding(s: &[u8]) -> Option<([u8; 5], usize)> {
    // string2ll refuses leading zeros, "-0" and "+": exactly the strings
    // whose ll2string differs from them.
    let v = crate::resp::string2ll(s)?;
    let mut out = [0u8; 5];
    if let Ok(v) = i8::try_from(v) {
        out[0] = 0xC0 | RDB_ENC_INT8;
        out[1] = v as u8;
        Some((out, 2))
    } else if let Ok(v) = i16::try_from(v) {
        out[0] = 0xC0 | RDB_ENC_INT16;
        out[1..3].copy_from_slice(&v.to_le_bytes());
        Some((out, 3))
    } else if let Ok(v) = i32::try_from(v) {
        out[0] = 0xC0 | RDB_ENC_INT32;
        out[1..5].copy_from_slice(&v.to_le_bytes());
        Some((out, 5))
    } else {
        None
    }
}

/// The body of [`super::save`].
pub(super) fn save(
    keyspace: &Keyspace,
    now_ms: i64,
    options: SaveOptions,
    out: &mut dyn Write,
    progress: Progress<'_>,
) -> io::Result<()> {
    let mut o = Out {
        buf: Vec::with_capacity(CHUNK + 1024),
        crc: 0,
        out,
        compression: options.compression,
        lzf: Compressor::default(),
        packed: Vec::new(),
    };
    o.buf.extend_from_slice(MAGIC);
    // rdbSaveInfoAuxFields, standalone (no replication info): the values
    // are strings, integers in the integer encoding.
    o.aux("redis-ver", crate::engine::REDIS_VERSION.as_bytes())?;
    o.aux("redis-bits", b"64")?;
    o.aux("ctime", (now_ms / 1000).to_string().as_bytes())?;
    o.aux("used-mem", options.used_mem.to_string().as_bytes())?;
    o.aux("aof-base", b"0")?;
    let live = |when: Option<i64>| !matches!(when, Some(w) if w < now_ms);
    // Keys written so far, over all databases.
    let mut written = 0u64;
    for (index, db) in keyspace.iter().enumerate() {
        // Counted first: RESIZEDB gives the sizes, and a database whose
        // keys have all expired is left out as an empty one is.
        let (mut keys, mut expires) = (0u64, 0u64);
        for (_, entry) in db.iter() {
            let when = entry.deadline();
            if live(when) {
                keys += 1;
                expires += u64::from(when.is_some());
            }
        }
        if keys == 0 {
            continue;
        }
        o.byte(RDB_OPCODE_SELECTDB);
        o.len(index as u64);
        o.byte(RDB_OPCODE_RESIZEDB);
        o.len(keys);
        o.len(expires);
        for (key, entry) in db.iter() {
            let when = entry.deadline();
            if !live(when) {
                continue;
            }
            if let Some(when) = when {
                o.byte(RDB_OPCODE_EXPIRETIME_MS);
                o.buf.extend_from_slice(&when.to_le_bytes());
            }
            value(&mut o, key, &entry.value)?;
            written += 1;
            key_save_delay(options.key_save_delay, written);
            if (written - 1) % PROGRESS_EVERY == 0 {
                progress(written)?;
            }
            o.maybe_flush()?;
        }
    }
    o.byte(RDB_OPCODE_EOF);
    o.flush_buf()?;
    let crc = o.crc;
    o.out.write_all(&crc.to_le_bytes())?;
    o.out.flush()
}

/// The wait after the `written`-th key (`rdb-key-save-delay`, Redis's
/// `debugDelay`): `delay` µs; for a negative -N, 1 µs after one key in N
/// (Redis draws each key's chance at random; every N-th key gives the
/// same average without a random source).
fn key_save_delay(delay: i64, written: u64) {
    let micros = match delay {
        0 => return,
        d if d > 0 => d.unsigned_abs(),
        d if written % d.unsigned_abs() == 0 => 1,
        _ => return,
    };
    std::thread::sleep(Duration::from_micros(micros));
}

/// Type, key and value (`rdbSaveKeyValuePair` after the expiry).
fn value(o: &mut Out<'_>, key: &[u8], value: &Value) -> io::Result<()> {
    match value {
        Value::Small(_) | Value::Inline(_) | Value::Shared(_) => {
            o.byte(RDB_TYPE_STRING);
            o.string(key)?;
            o.string(value)
        }
        Value::List(list) => {
            o.byte(RDB_TYPE_LIST);
            o.string(key)?;
            o.len(list.len() as u64);
            for item in list.iter() {
                o.string(item)?;
                o.maybe_flush()?;
            }
            Ok(())
        }
        Value::Set(set) => {
            o.byte(RDB_TYPE_SET);
            o.string(key)?;
            o.len(set.members.len() as u64);
            for member in set.members.iter() {
                o.string(member)?;
                o.maybe_flush()?;
            }
            Ok(())
        }
        Value::Hash(hash) => {
            // Field order is insertion order: a listpack loads them so.
            o.byte(RDB_TYPE_HASH);
            o.string(key)?;
            o.len(hash.map.len() as u64);
            for (field, v) in hash.map.iter() {
                o.string(field)?;
                o.string(v)?;
                o.maybe_flush()?;
            }
            Ok(())
        }
        Value::ZSet(zset) => {
            o.byte(RDB_TYPE_ZSET_2);
            o.string(key)?;
            o.len(zset.sorted.len() as u64);
            for (score, member) in zset.sorted.iter() {
                o.string(member)?;
                o.buf.extend_from_slice(&score.to_le_bytes());
                o.maybe_flush()?;
            }
            Ok(())
        }
    }
}
