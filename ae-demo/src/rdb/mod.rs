//! Redis's RDB snapshot format (version 10, as Redis 7.0 writes it) for the
//! types the demo has: written by SAVE, BGSAVE's child and shutdown, read
//! at start-up. `redis-server` loads what this writes, and this loads what
//! `redis-server` writes (tests/rdb.rs checks both with a real one).

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use crate::engine::Keyspace;

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

/// Writes every database of `keyspace` as one RDB file to `out`: header,
/// aux fields, each non-empty database, EOF and checksum. Keys whose
/// deadline is before `now_ms` are left out.
pub fn save(keyspace: &Keyspace, now_ms: i64, out: &mut dyn Write) -> io::Result<()> {
    let _ = (keyspace, now_ms, out);
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "RDB writing is not built yet",
    ))
}

/// Reads an RDB file's bytes into `keyspace` (which the caller gives
/// empty). Keys whose deadline is before `now_ms` are counted, not stored.
pub fn load(bytes: &[u8], keyspace: &mut Keyspace, now_ms: i64) -> Result<Loaded, RdbError> {
    let _ = (bytes, keyspace, now_ms);
    Err(RdbError {
        offset: 0,
        what: "RDB loading is not built yet".into(),
    })
}

/// Saves to `path` as Redis's `rdbSave` does: into `temp-<pid>.rdb` in
/// the same directory, flushed and fsynced, then renamed over `path`, so a
/// crash at any point leaves the previous file whole.
pub fn save_file(keyspace: &Keyspace, now_ms: i64, path: &Path) -> io::Result<()> {
    let _ = (keyspace, now_ms, path);
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "RDB writing is not built yet",
    ))
}
