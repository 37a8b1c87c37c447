//! Redis's RDB snapshot format (version 10, as Redis 7.0 writes it) for the
//! types the demo has: written by SAVE, BGSAVE's child and shutdown, read
//! at start-up. `redis-server` loads what this writes, and this loads what
//! `redis-server` writes (tests/rdb_format.rs checks both with a real one).
//!
//! The parts: [`crc64`](crc64::crc64) and LZF (`lzf.rs`) as Redis has them,
//! the packed encodings (`packed.rs`), the writer (`write.rs`) and the
//! reader (`read.rs`).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::Keyspace;

pub mod crc64;
mod lzf;
mod packed;
mod read;
#[doc(hidden)]
pub mod sample;
mod write;

#[cfg(test)]
mod tests;

/// The format version written (`RDB_VERSION`, Redis 7.0), and the newest
/// read.
pub const RDB_VERSION: u32 = 10;
/// What a version-10 file starts with.
const MAGIC: &[u8; 9] = b"REDIS0010";

// Length encodings (`rdb.h`): the top two bits of the first byte.
const RDB_32BITLEN: u8 = 0x80;
const RDB_64BITLEN: u8 = 0x81;
// Special string encodings (first byte 11xxxxxx).
const RDB_ENC_INT8: u8 = 0;
const RDB_ENC_INT16: u8 = 1;
const RDB_ENC_INT32: u8 = 2;
const RDB_ENC_LZF: u8 = 3;

// Value types.
const RDB_TYPE_STRING: u8 = 0;
const RDB_TYPE_LIST: u8 = 1;
const RDB_TYPE_SET: u8 = 2;
const RDB_TYPE_ZSET: u8 = 3;
const RDB_TYPE_HASH: u8 = 4;
const RDB_TYPE_ZSET_2: u8 = 5;
const RDB_TYPE_MODULE_PRE_GA: u8 = 6;
const RDB_TYPE_MODULE_2: u8 = 7;
const RDB_TYPE_HASH_ZIPMAP: u8 = 9;
const RDB_TYPE_LIST_ZIPLIST: u8 = 10;
const RDB_TYPE_SET_INTSET: u8 = 11;
const RDB_TYPE_ZSET_ZIPLIST: u8 = 12;
const RDB_TYPE_HASH_ZIPLIST: u8 = 13;
const RDB_TYPE_LIST_QUICKLIST: u8 = 14;
const RDB_TYPE_STREAM_LISTPACKS: u8 = 15;
const RDB_TYPE_HASH_LISTPACK: u8 = 16;
const RDB_TYPE_ZSET_LISTPACK: u8 = 17;
const RDB_TYPE_LIST_QUICKLIST_2: u8 = 18;
const RDB_TYPE_STREAM_LISTPACKS_2: u8 = 19;

// Opcodes.
const RDB_OPCODE_FUNCTION2: u8 = 245;
const RDB_OPCODE_FUNCTION: u8 = 246;
const RDB_OPCODE_MODULE_AUX: u8 = 247;
const RDB_OPCODE_IDLE: u8 = 248;
const RDB_OPCODE_FREQ: u8 = 249;
const RDB_OPCODE_AUX: u8 = 250;
const RDB_OPCODE_RESIZEDB: u8 = 251;
const RDB_OPCODE_EXPIRETIME_MS: u8 = 252;
const RDB_OPCODE_EXPIRETIME: u8 = 253;
const RDB_OPCODE_SELECTDB: u8 = 254;
const RDB_OPCODE_EOF: u8 = 255;

// Quicklist node containers in RDB_TYPE_LIST_QUICKLIST_2.
const QUICKLIST_NODE_PLAIN: u64 = 1;
const QUICKLIST_NODE_PACKED: u64 = 2;

/// What loading found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    /// Keys stored.
    pub keys_loaded: u64,
    /// Keys skipped because their deadline had passed.
    pub keys_expired: u64,
}

/// Why a file could not be loaded: what was wrong and where.
#[derive(Debug)]
pub struct RdbError {
    /// Byte offset in the file where the problem was found.
    pub offset: usize,
    /// What was wrong.
    pub what: String,
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.what, self.offset)
    }
}

impl std::error::Error for RdbError {}

/// How a snapshot is written: what Redis's `rdbSaveRio` reads from the
/// server's settings as it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaveOptions {
    /// Strings over 20 bytes are LZF-compressed when that saves at least 4
    /// bytes (`rdbcompression`); off, every string is written as it is.
    pub compression: bool,
    /// The heap the saving server holds, in bytes: the `used-mem` aux
    /// field (Redis's `zmalloc_used_memory()`), which a loading Redis logs.
    pub used_mem: u64,
    /// Microseconds to wait after each key written (`rdb-key-save-delay`,
    /// to make a save slow in tests); a negative -N waits 1 µs after one
    /// key in N.
    pub key_save_delay: i64,
}

impl Default for SaveOptions {
    /// Redis's defaults (`rdbcompression yes`, no delay), and no heap.
    fn default() -> Self {
        SaveOptions {
            compression: true,
            used_mem: 0,
            key_save_delay: 0,
        }
    }
}

/// A save calls its progress callback with the keys written so far after
/// the first key and after every this many more (`rdbSaveDb` looks at the
/// clock that often to decide whether to report).
pub const PROGRESS_EVERY: u64 = 1024;

/// What a save tells of its progress: the keys written so far, every
/// [`PROGRESS_EVERY`] keys; an error stops the save with that error.
pub type Progress<'a> = &'a mut dyn FnMut(u64) -> io::Result<()>;

/// Writes every database of `keyspace` as one RDB file to `out`: header,
/// aux fields, each non-empty database, EOF and checksum. Keys whose
/// deadline is before `now_ms` are left out.
pub fn save(
    keyspace: &Keyspace,
    now_ms: i64,
    options: SaveOptions,
    out: &mut dyn Write,
    progress: Progress<'_>,
) -> io::Result<()> {
    write::save(keyspace, now_ms, options, out, progress)
}

/// Reads an RDB file's bytes into `keyspace` (which the caller gives
/// empty). Keys whose deadline is before `now_ms` are counted, not stored.
/// On an error the keyspace holds what was read before it: the caller
/// discards it (Redis exits).
pub fn load(bytes: &[u8], keyspace: &mut Keyspace, now_ms: i64) -> Result<Loaded, RdbError> {
    read::load(bytes, keyspace, now_ms)
}

/// Where process `pid` writes a snapshot of `path` before renaming it
/// there: `temp-<pid>.rdb` in the same directory (what a parent removes
/// after stopping a BGSAVE child).
pub fn temp_path(path: &Path, pid: u32) -> PathBuf {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    dir.join(format!("temp-{pid}.rdb"))
}

/// Saves to `path` as Redis's `rdbSave` does: into [`temp_path`] in
/// the same directory, flushed and fsynced, then renamed over `path`, so a
/// crash at any point leaves the previous file whole; `progress` is told
/// as [`save`] tells it. The temporary file is removed when anything
/// fails.
pub fn save_file(
    keyspace: &Keyspace,
    now_ms: i64,
    options: SaveOptions,
    path: &Path,
    progress: Progress<'_>,
) -> io::Result<()> {
    // The pid of the process saving: a BGSAVE child's own, so a child and
    // a foreground SAVE never share a temporary file.
    let tmp = temp_path(path, std::process::id());
    let written = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        save(keyspace, now_ms, options, &mut out, progress)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
        return written;
    }
    // The rename itself is durable once the directory is synced (Redis
    // 7.0's fsyncFileDir); where a directory cannot be opened (not Unix)
    // there is nothing to sync.
    if let Some(Ok(d)) = tmp.parent().map(File::open) {
        d.sync_all()?;
    }
    Ok(())
}
