//! The keyspace: binary-safe string keys and values, with optional
//! deadlines in Unix milliseconds as Redis keeps them (so EXPIREAT and
//! EXPIRETIME mean what they say), expired lazily on access and actively by
//! sampling (Redis's `activeExpireCycle`). Every change to a key is noted
//! for WATCH.

use std::collections::VecDeque;
use std::ops::Deref;
use std::rc::Rc;

use indexmap::IndexMap;

use super::ranked::Ranked;
use super::small::{CompactBytes, InlineBytes};

/// foldhash: several times faster than std's SipHash on short keys and
/// still seeded per process, so clients cannot aim for collisions.
type KeyHasher = foldhash::fast::RandomState;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Keys sampled per round of active expiry (`ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_LOOP: usize = 20;

/// Values this long or longer are stored behind a reference count, so a
/// reply sends them from where they are stored instead of copying them: a
/// GET of a 1 MB value would copy 1 MB per request, and pipelined GETs of
/// 10 KB values filled reply buffers that the allocator then returned to
/// the kernel and faulted back in (the profile is in docs/benchmarks.md).
/// Shorter ones are copied into the reply, which costs less than
/// the extra write part and the count.
pub const SHARE_MIN: usize = 4 * 1024;

/// When a key expires (TTL's -2, -1, or a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// There is no such key (or it has expired).
    NoKey,
    /// The key has no TTL.
    Never,
    /// The key expires at this Unix time in ms.
    At(i64),
}

/// A list's elements, head first.
pub type List = VecDeque<CompactBytes>;

/// Most fields (`hash-max-listpack-entries`) and longest field or value
/// (`hash-max-listpack-value`) of a hash Redis keeps as a listpack.
/// Redis 7.0's built-in default is 512 (its sample redis.conf says 128:
/// a server started without a file, as the tests start it, has 512).
pub const HASH_LISTPACK_ENTRIES: usize = 512;
/// See [`HASH_LISTPACK_ENTRIES`].
pub const HASH_LISTPACK_VALUE: usize = 64;

/// A hash: fields in insertion order, which is the order Redis's listpack
/// keeps (and so replies in) while the hash is small.
#[derive(Debug, Clone, Default)]
pub struct Hash {
    /// Field to value.
    pub map: IndexMap<CompactBytes, CompactBytes, KeyHasher>,
    /// Redis would hold it as a hash table (`hashtable`, never converted
    /// back), not a listpack: deletions may then reorder.
    pub big: bool,
}

impl Hash {
    /// Notes that a field or value this long was stored
    /// (`hashTypeTryConversion`), and the current size.
    pub fn grew(&mut self, longest: usize) {
        if longest > HASH_LISTPACK_VALUE || self.map.len() > HASH_LISTPACK_ENTRIES {
            self.big = true;
        }
    }

    /// Removes a field; true if it was there. A listpack keeps the order
    /// of the others; a hash table need not.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        if self.big {
            self.map.swap_remove(field).is_some()
        } else {
            self.map.shift_remove(field).is_some()
        }
    }
}

/// Most members of a set of integers Redis keeps as an intset
/// (`set-max-intset-entries`).
pub const SET_INTSET_ENTRIES: usize = 512;

/// A set. Members are kept in insertion order; while Redis would hold the
/// set as an intset (integers only, few enough) it is read in numeric
/// order, as Redis reads an intset.
#[derive(Debug, Clone)]
pub struct Set {
    /// The members.
    pub members: indexmap::IndexSet<CompactBytes, KeyHasher>,
    /// Redis would hold it as an intset (never again once converted).
    pub intset: bool,
}

impl Default for Set {
    fn default() -> Self {
        Set {
            members: Default::default(),
            intset: true,
        }
    }
}

impl Set {
    /// Adds a member; true if it is new (`setTypeAdd`, with the
    /// conversion to a hash table it may cause).
    pub fn add(&mut self, member: impl Into<CompactBytes>) -> bool {
        let member = member.into();
        if self.intset && crate::resp::string2ll(&member).is_none() {
            self.intset = false;
        }
        let added = self.members.insert(member);
        if self.members.len() > SET_INTSET_ENTRIES {
            self.intset = false;
        }
        added
    }

    /// Removes a member; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.members.swap_remove(member)
    }

    /// The members in the order Redis iterates them: numeric for an
    /// intset, else as stored.
    pub fn ordered(&self) -> Vec<&CompactBytes> {
        let mut all: Vec<&CompactBytes> = self.members.iter().collect();
        if self.intset {
            all.sort_by_key(|m| crate::resp::string2ll(m).unwrap_or(0));
        }
        all
    }
}

/// Most members (`zset-max-listpack-entries`) and longest member
/// (`zset-max-listpack-value`) of a sorted set Redis keeps as a listpack.
pub const ZSET_LISTPACK_ENTRIES: usize = 128;
/// See [`ZSET_LISTPACK_ENTRIES`].
pub const ZSET_LISTPACK_VALUE: usize = 64;

/// Redis's order of sorted set members: by score, ties by member bytes.
fn zcmp(a: (f64, &[u8]), b: (f64, &[u8])) -> std::cmp::Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(std::cmp::Ordering::Equal)
        .then_with(|| a.1.cmp(b.1))
}

/// A sorted set: the members in Redis's order (score, then member bytes)
/// and each member's score. Scores are never NaN.
#[derive(Debug, Clone, Default)]
pub struct ZSet {
    /// (score, member), ascending.
    pub sorted: Ranked<(f64, CompactBytes)>,
    /// Member to score.
    pub scores: std::collections::HashMap<CompactBytes, f64, KeyHasher>,
    /// Redis would hold it as a skiplist (never converted back), not a
    /// listpack.
    pub skiplist: bool,
}

impl ZSet {
    /// Members.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// No members.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// A member's score.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Where (score, member) is or would go.
    fn position(&self, score: f64, member: &[u8]) -> Result<usize, usize> {
        self.sorted
            .binary_search_by(|(s, m)| zcmp((*s, m), (score, member)))
    }

    /// Sets a member's score; true if it is new. Converts to a skiplist
    /// as `zsetAdd` does (too many members, or a long one).
    pub fn insert(&mut self, member: impl Into<CompactBytes>, score: f64) -> bool {
        let member = member.into();
        let new = match self.scores.get(&member) {
            Some(&old) => {
                if let Ok(i) = self.position(old, &member) {
                    self.sorted.remove(i);
                }
                false
            }
            None => true,
        };
        if new && (self.len() + 1 > ZSET_LISTPACK_ENTRIES || member.len() > ZSET_LISTPACK_VALUE) {
            self.skiplist = true;
        }
        // A listpack stores an integral score as an integer: -0 reads 0.
        let score = if score == 0.0 && !self.skiplist {
            0.0
        } else {
            score
        };
        let at = self.position(score, &member).unwrap_or_else(|i| i);
        self.scores.insert(member.clone(), score);
        self.sorted.insert(at, (score, member));
        new
    }

    /// Removes a member; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.scores.remove(member) {
            Some(score) => {
                if let Ok(i) = self.position(score, member) {
                    self.sorted.remove(i);
                }
                true
            }
            None => false,
        }
    }

    /// Removes the members at positions `from..to`.
    pub fn remove_range(&mut self, from: usize, to: usize) {
        for (_, m) in self.sorted.drain(from..to) {
            self.scores.remove(&m);
        }
    }

    /// A member's position, lowest score first.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        self.position(score, member).ok()
    }
}

/// The type of a value, as TYPE names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    String,
    /// A list.
    List,
    /// A hash.
    Hash,
    /// A set.
    Set,
    /// A sorted set.
    ZSet,
}

impl Kind {
    /// TYPE's answer.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::List => "list",
            Kind::Hash => "hash",
            Kind::Set => "set",
            Kind::ZSet => "zset",
        }
    }
}

/// A stored value. A string costs its own bytes: the buffer it arrived in
/// becomes the value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A string of up to 15 bytes, in place (the enum stays 24 bytes).
    Small(InlineBytes<15>),
    /// A longer string, shorter than [`SHARE_MIN`].
    Inline(Vec<u8>),
    /// A longer one, shared with the replies that are sending it.
    Shared(Rc<Vec<u8>>),
    /// A list.
    List(Box<List>),
    /// A hash.
    Hash(Box<Hash>),
    /// A set.
    Set(Box<Set>),
    /// A sorted set.
    ZSet(Box<ZSet>),
}

impl Value {
    /// Takes ownership of `bytes` (no copy), or copies a short string
    /// into place.
    pub fn new(bytes: Vec<u8>) -> Self {
        if bytes.len() >= SHARE_MIN {
            Value::Shared(Rc::new(bytes))
        } else if let Some(small) = InlineBytes::new(&bytes) {
            Value::Small(small)
        } else {
            Value::Inline(bytes)
        }
    }

    /// The shared buffer of a big value.
    pub fn shared(&self) -> Option<&Rc<Vec<u8>>> {
        match self {
            Value::Shared(rc) => Some(rc),
            _ => None,
        }
    }

    /// Its type.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Small(_) | Value::Inline(_) | Value::Shared(_) => Kind::String,
            Value::List(_) => Kind::List,
            Value::Hash(_) => Kind::Hash,
            Value::Set(_) => Kind::Set,
            Value::ZSet(_) => Kind::ZSet,
        }
    }

    /// True for a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::Small(_) | Value::Inline(_) | Value::Shared(_))
    }

    /// The buffer of a big value that no reply is still sending, for
    /// another big value to be read into ([`crate::bulk_pool`]).
    pub fn into_spare(self) -> Option<Vec<u8>> {
        match self {
            Value::Shared(rc) => Rc::try_unwrap(rc).ok(),
            _ => None,
        }
    }

    /// The bytes, to change in place; a value that a pending reply is
    /// still sending is copied first, so the reply sends what was read.
    /// A list or hash (which callers check for first) becomes an empty
    /// string.
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        match self {
            Value::Small(small) => *self = Value::Inline(small.to_vec()),
            Value::Inline(_) | Value::Shared(_) => {}
            _ => *self = Value::Inline(Vec::new()),
        }
        match self {
            Value::Shared(rc) => Rc::make_mut(rc),
            Value::Inline(v) => v,
            Value::Small(_) | Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => {
                unreachable!("made a Vec above")
            }
        }
    }
}

impl Deref for Value {
    type Target = [u8];

    /// A string's bytes; nothing for a list or hash.
    fn deref(&self) -> &[u8] {
        match self {
            Value::Small(small) => small,
            Value::Inline(v) => v,
            Value::Shared(rc) => rc,
            Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => &[],
        }
    }
}

/// The current time in Unix milliseconds (Redis's `mstime`).
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// How a string value is stored, as OBJECT ENCODING reports it: Redis
/// keeps short integers as `int`, strings up to 44 bytes as `embstr` and
/// anything modified in place (APPEND, SETRANGE) or longer as `raw`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// A decimal integer that fits an i64, at most 20 bytes.
    Int,
    /// Up to 44 bytes, allocated with the object.
    Embstr,
    /// Anything else.
    Raw,
}

impl Encoding {
    /// The longest `embstr` (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
    pub const EMBSTR_MAX: usize = 44;

    /// What Redis's `tryObjectEncoding` makes of a value stored by SET.
    pub fn of(value: &[u8]) -> Encoding {
        if value.len() <= 20 && crate::resp::string2ll(value).is_some() {
            Encoding::Int
        } else {
            Encoding::by_length(value)
        }
    }

    /// `embstr` or `raw` by length alone (`createStringObject`).
    pub fn by_length(value: &[u8]) -> Encoding {
        if value.len() <= Self::EMBSTR_MAX {
            Encoding::Embstr
        } else {
            Encoding::Raw
        }
    }

    /// The name OBJECT ENCODING replies.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Int => "int",
            Encoding::Embstr => "embstr",
            Encoding::Raw => "raw",
        }
    }
}

/// A stored value.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The bytes.
    pub value: Value,
    /// How Redis would hold them.
    pub enc: Encoding,
    /// Deadline (Unix ms), or [`NO_TTL`]: 8 bytes where an `Option` takes
    /// 16, in every entry of the keyspace.
    expire: i64,
    /// Last access, in Unix seconds (Redis's LRU clock, coarser): OBJECT
    /// IDLETIME.
    lru: u32,
}

/// An entry's deadline when it has none. No key keeps a deadline this
/// far in the past: [`Db::set_expire`] stores one at least a millisecond
/// later, which has passed just the same.
const NO_TTL: i64 = i64::MIN;

impl Entry {
    /// The deadline in Unix ms, if the key has one.
    pub fn deadline(&self) -> Option<i64> {
        (self.expire != NO_TTL).then_some(self.expire)
    }
}

/// One database (Redis's db 0).
#[derive(Default)]
pub struct Db {
    /// Insertion-ordered, so SCAN has a stable cursor and RANDOMKEY an O(1)
    /// pick.
    map: IndexMap<CompactBytes, Entry, KeyHasher>,
    /// The keys with a TTL, so expiry can sample them at random in O(1)
    /// and a key leaves in O(1).
    volatile: indexmap::IndexSet<Vec<u8>, KeyHasher>,
    rng: u64,
    /// Keys WATCHed by at least one client: a change to one of them goes
    /// to `touched`.
    watched: std::collections::HashSet<Vec<u8>, KeyHasher>,
    /// Watched keys changed since the caller last took them.
    touched: Vec<Vec<u8>>,
    /// Keys deleted because their time had come, since last taken (INFO's
    /// `expired_keys`).
    expired: u64,
    /// Read lookups that found their key, and that did not (INFO's
    /// `keyspace_hits` and `keyspace_misses`).
    hits: u64,
    misses: u64,
    /// The current Unix second, set once per read batch: what lookups and
    /// writes stamp an entry's `lru` with (no clock read of their own).
    pub clock: u32,
    /// Keys a client waits on in a blocking command.
    blocked: std::collections::HashSet<Vec<u8>, KeyHasher>,
    /// Waited-on keys created as a list or sorted set since last taken
    /// (`signalKeyAsReady`).
    ready: Vec<Vec<u8>>,
    /// Changes made, ever (Redis's `server.dirty`, kept per database): the
    /// save schedules and INFO's `rdb_changes_since_last_save` count them.
    changes: u64,
}

impl Db {
    /// Number of keys, counting expired ones not yet removed (as DBSIZE).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of keys with a TTL.
    pub fn expires(&self) -> usize {
        self.volatile.len()
    }

    /// Notes `key` as changed for WATCH (Redis's `signalModifiedKey`).
    pub fn touch(&mut self, key: &[u8]) {
        self.changes += 1;
        if !self.watched.is_empty() && self.watched.contains(key) {
            self.touched.push(key.to_vec());
        }
    }

    /// Starts noting changes to `key` (WATCH).
    pub fn watch(&mut self, key: &[u8]) {
        self.watched.insert(key.to_vec());
    }

    /// Stops noting changes to `key` (nobody watches it any more).
    pub fn unwatch(&mut self, key: &[u8]) {
        self.watched.remove(key);
    }

    /// Counts a read lookup (Redis counts those of read commands, not the
    /// lookups that writes make).
    pub fn note_read(&mut self, found: bool) {
        if found {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
    }

    /// Read lookups that found their key and that did not, since the last
    /// reset.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }

    /// Restarts the hit and miss counts (CONFIG RESETSTAT).
    pub fn reset_hits(&mut self) {
        self.hits = 0;
        self.misses = 0;
    }

    /// Notes as changed the watched keys that exist here or in `other`
    /// (SWAPDB, Redis's `touchAllWatchedKeysInDb`).
    pub fn touch_watched_in_either(&mut self, other: &Db) {
        let hit: Vec<Vec<u8>> = self
            .watched
            .iter()
            .filter(|k| self.map.contains_key(k.as_slice()) || other.map.contains_key(k.as_slice()))
            .cloned()
            .collect();
        self.touched.extend(hit);
    }

    /// Trades the watch lists (watched and changed keys) with `other`.
    pub fn swap_watch_lists(&mut self, other: &mut Db) {
        std::mem::swap(&mut self.watched, &mut other.watched);
        std::mem::swap(&mut self.touched, &mut other.touched);
    }

    /// The watched keys changed since the last call.
    pub fn take_touched(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.touched)
    }

    /// Keys deleted by expiry since the last call.
    pub fn take_expired(&mut self) -> u64 {
        std::mem::take(&mut self.expired)
    }

    /// Removes every key; the watched ones that existed count as changed
    /// (Redis's `touchAllWatchedKeysInDb`).
    pub fn clear(&mut self) {
        if !self.watched.is_empty() {
            let existing: Vec<Vec<u8>> = self
                .watched
                .iter()
                .filter(|k| self.map.contains_key(k.as_slice()))
                .cloned()
                .collect();
            self.touched.extend(existing);
        }
        self.changes += self.map.len() as u64;
        self.map.clear();
        self.volatile.clear();
    }

    /// A client waits on `key`.
    pub fn block(&mut self, key: &[u8]) {
        if !self.blocked.contains(key) {
            self.blocked.insert(key.to_vec());
        }
    }

    /// No client waits on `key` any more.
    pub fn unblock(&mut self, key: &[u8]) {
        self.blocked.remove(key);
        self.ready.retain(|k| k != key);
    }

    /// The waited-on keys that got a list or sorted set since last taken.
    pub fn take_ready(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.ready)
    }

    /// Flags `key` ready if a client waits on it and it holds what a
    /// blocking command pops from.
    fn signal_ready(&mut self, key: &[u8]) {
        if self.blocked.is_empty() || !self.blocked.contains(key) {
            return;
        }
        let container = self
            .map
            .get(key)
            .is_some_and(|e| matches!(e.value, Value::List(_) | Value::ZSet(_)));
        if container && !self.ready.iter().any(|k| k == key) {
            self.ready.push(key.to_vec());
        }
    }

    /// SWAPDB: the waiters stay with the database index while the data
    /// moved, so each waited-on key that now holds data is ready (Redis's
    /// `scanDatabaseForReadyKeys`).
    pub fn swap_blocked(&mut self, other: &mut Db) {
        std::mem::swap(&mut self.blocked, &mut other.blocked);
        std::mem::swap(&mut self.ready, &mut other.ready);
        for db in [self, other] {
            let waited: Vec<Vec<u8>> = db.blocked.iter().cloned().collect();
            for key in waited {
                db.signal_ready(&key);
            }
        }
    }

    /// The changes made since the count was `before` count as `n`: a
    /// command that writes several keys as one change (RENAME), or one key
    /// element by element (RPUSH, SADD, HSET), as Redis's `server.dirty`
    /// counts it.
    pub fn count_as(&mut self, before: u64, n: u64) {
        self.changes = before + n;
    }

    /// Changes made since the database was created (each key written or
    /// deleted counts one).
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Removes `key` whether or not it has expired; true if it was there.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        match self.map.swap_remove(key) {
            Some(entry) => {
                if entry.expire != NO_TTL {
                    self.volatile.swap_remove(key);
                }
                self.touch(key);
                true
            }
            None => false,
        }
    }

    /// True when `key` is there but its deadline has passed (Redis's
    /// `keyIsExpired`: a key is live during its deadline's millisecond),
    /// without deleting it.
    pub fn is_expired(&self, key: &[u8], now: i64) -> bool {
        // NO_TTL is below every `now`: it must not read as passed.
        matches!(self.map.get(key), Some(e) if e.expire != NO_TTL && e.expire < now)
    }

    /// Drops `key` if its time has come; true when it is (still) live.
    fn check_live(&mut self, key: &[u8], now: i64) -> bool {
        if self.volatile.is_empty() {
            // With no TTL anywhere nothing can have expired: one lookup.
            return self.map.contains_key(key);
        }
        if self.is_expired(key, now) {
            self.remove(key);
            self.expired += 1;
            return false;
        }
        self.map.contains_key(key)
    }

    /// The value of a live key.
    pub fn get(&mut self, key: &[u8], now: i64) -> Option<&Entry> {
        if !self.volatile.is_empty() && !self.check_live(key, now) {
            return None;
        }
        let entry = self.map.get_mut(key)?;
        entry.lru = self.clock;
        Some(entry)
    }

    /// Seconds since a live key was last read or written (OBJECT
    /// IDLETIME), without counting as an access.
    pub fn idle_secs(&mut self, key: &[u8], now: i64) -> Option<i64> {
        if !self.check_live(key, now) {
            return None;
        }
        let entry = self.map.get(key)?;
        Some((self.clock as i64 - entry.lru as i64).max(0))
    }

    /// The value of a live key, to change in place (the key counts as
    /// changed for WATCH).
    pub fn get_mut(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        if !self.check_live(key, now) {
            return None;
        }
        self.touch(key);
        let entry = self.map.get_mut(key)?;
        entry.lru = self.clock;
        Some(entry)
    }

    /// The value of a live key, to change in place, not yet noted as
    /// changed: the caller calls [`Db::touch`] if it changes it.
    pub fn get_mut_quiet(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        if !self.volatile.is_empty() && !self.check_live(key, now) {
            return None;
        }
        let entry = self.map.get_mut(key)?;
        entry.lru = self.clock;
        Some(entry)
    }

    /// The type of a live key's value.
    pub fn kind(&mut self, key: &[u8], now: i64) -> Option<Kind> {
        self.get(key, now).map(|entry| entry.value.kind())
    }

    /// A stored key's entry, expired or not, without a lookup's side
    /// effects (for reading several keys at once once they were looked up).
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        self.map.get(key)
    }

    /// The type of a stored key's value, expired or not (SCAN's filter).
    pub fn kind_of_stored(&self, key: &[u8]) -> Option<Kind> {
        self.map.get(key).map(|entry| entry.value.kind())
    }

    /// Adds `value` under `key`, which must not be live (a list or hash
    /// created by its first element), with no TTL.
    pub fn add(&mut self, key: &[u8], value: Value) {
        self.touch(key);
        if self.map.contains_key(key) {
            self.remove(key);
        }
        self.map.insert(
            CompactBytes::from(key),
            Entry {
                value,
                enc: Encoding::Raw,
                expire: NO_TTL,
                lru: self.clock,
            },
        );
        self.signal_ready(key);
    }

    /// True if `key` is stored, expired or not.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.map.contains_key(key)
    }

    /// True if `key` exists and has not expired.
    pub fn exists(&mut self, key: &[u8], now: i64) -> bool {
        self.check_live(key, now)
    }

    /// Sets `key` to `value` stored as `enc`; the old TTL goes unless
    /// `keep_ttl`. Returns the value replaced, if any.
    pub fn set_with(
        &mut self,
        key: &[u8],
        value: Vec<u8>,
        enc: Encoding,
        keep_ttl: bool,
    ) -> Option<Value> {
        self.touch(key);
        let value = Value::new(value);
        if let Some(entry) = self.map.get_mut(key) {
            let old = std::mem::replace(&mut entry.value, value);
            entry.enc = enc;
            entry.lru = self.clock;
            if !keep_ttl {
                self.persist(key);
            }
            Some(old)
        } else {
            self.map.insert(
                CompactBytes::from(key),
                Entry {
                    value,
                    enc,
                    expire: NO_TTL,
                    lru: self.clock,
                },
            );
            None
        }
    }

    /// Sets `key` to `value` (encoded as SET stores it), with a deadline in
    /// Unix ms or none (the old TTL goes).
    pub fn set(&mut self, key: &[u8], value: Vec<u8>, expire: Option<i64>) {
        let before = self.changes;
        let enc = Encoding::of(&value);
        let _ = self.set_with(key, value, enc, false);
        if let Some(when) = expire {
            self.set_expire(key, when);
        }
        self.count_as(before, 1);
    }

    /// Stores a copy of `entry` (with its TTL) under `key`, replacing what
    /// is there (COPY, RENAME).
    pub fn put_entry(&mut self, key: &[u8], entry: &Entry) {
        if entry.value.is_string() {
            let _ = self.set_with(key, entry.value.to_vec(), entry.enc, false);
        } else {
            self.add(key, entry.value.clone());
        }
        if let Some(when) = entry.deadline() {
            self.set_expire(key, when);
        }
    }

    /// The entry of a live key, to copy.
    pub fn entry(&mut self, key: &[u8], now: i64) -> Option<Entry> {
        self.get(key, now).cloned()
    }

    /// Gives an existing key a deadline (Unix ms); false if there is no
    /// such key.
    pub fn set_expire(&mut self, key: &[u8], when: i64) -> bool {
        let Some(entry) = self.map.get_mut(key) else {
            return false;
        };
        if entry.expire == NO_TTL {
            self.volatile.insert(key.to_vec());
        }
        entry.expire = when.max(NO_TTL + 1);
        self.touch(key);
        true
    }

    /// Removes a key's TTL; true if it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        match self.map.get_mut(key) {
            Some(e) if e.expire != NO_TTL => {
                e.expire = NO_TTL;
                self.volatile.swap_remove(key);
                self.touch(key);
                true
            }
            _ => false,
        }
    }

    /// When `key` expires.
    pub fn deadline(&mut self, key: &[u8], now: i64) -> Deadline {
        if !self.check_live(key, now) {
            return Deadline::NoKey;
        }
        match self.map.get(key).map(Entry::deadline) {
            None => Deadline::NoKey,
            Some(None) => Deadline::Never,
            Some(Some(when)) => Deadline::At(when),
        }
    }

    /// Every key with its entry, live or not yet removed, in storage order
    /// (what a snapshot writes).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Entry)> {
        self.map.iter().map(|(k, e)| (&**k, e))
    }

    /// Every key, live or not yet removed, in storage order.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.map.keys().map(|k| &**k)
    }

    /// One step of SCAN. The cursor counts the storage positions still to
    /// visit, walking down from the top: a deletion moves only the last
    /// key, downwards, so every key present for the whole scan is returned
    /// at least once. 0 starts, and a returned 0 ends, the scan. Returns
    /// the next cursor and the keys visited (expired ones included, for the
    /// caller to filter).
    pub fn scan(&self, cursor: u64, count: usize) -> (u64, Vec<&[u8]>) {
        let len = self.map.len();
        let mut pos = if cursor == 0 {
            len
        } else {
            (cursor as usize).min(len)
        };
        let mut out = Vec::new();
        while pos > 0 && out.len() < count {
            pos -= 1;
            if let Some((k, _)) = self.map.get_index(pos) {
                out.push(&**k);
            }
        }
        (pos as u64, out)
    }

    fn random(&mut self, below: usize) -> usize {
        // xorshift64*: sampling needs speed, not quality.
        if self.rng == 0 {
            self.rng = 0x2545_F491_4F6C_DD1D;
        }
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % below as u64) as usize
    }

    /// A random live key (RANDOMKEY): expired keys met on the way are
    /// deleted, as Redis's `dbRandomKey` does.
    pub fn random_key(&mut self, now: i64) -> Option<Vec<u8>> {
        while !self.map.is_empty() {
            let idx = self.random(self.map.len());
            let key = self.map.get_index(idx)?.0.to_vec();
            if self.exists(&key, now) {
                return Some(key);
            }
        }
        None
    }

    /// Active expiry: samples keys with a TTL and deletes the expired ones,
    /// repeating while more than a quarter of a sample had expired, until
    /// `budget` is spent. Returns how many keys it deleted.
    pub fn active_expire(&mut self, budget: Duration) -> usize {
        let start = Instant::now();
        let mut deleted = 0;
        loop {
            let sample = KEYS_PER_LOOP.min(self.volatile.len());
            if sample == 0 {
                return deleted;
            }
            let now = unix_ms();
            let mut expired = 0;
            for _ in 0..sample {
                if self.volatile.is_empty() {
                    break;
                }
                let idx = self.random(self.volatile.len());
                let Some(key) = self.volatile.get_index(idx) else {
                    break;
                };
                if self.is_expired(key, now) {
                    let key = key.clone();
                    self.remove(&key);
                    expired += 1;
                }
            }
            deleted += expired;
            if expired * 4 <= sample || start.elapsed() >= budget {
                return deleted;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_bookkeeping_survives_swap_removal() {
        let mut db = Db::default();
        let now = unix_ms();
        let later = now + 100_000;
        for k in [b"a", b"b", b"c"] {
            db.set(k, b"v".to_vec(), Some(later));
        }
        assert_eq!(db.expires(), 3);
        assert!(db.persist(b"a"));
        assert!(!db.persist(b"a"));
        assert!(db.remove(b"b"));
        assert_eq!(db.expires(), 1);
        assert_eq!(db.deadline(b"c", now), Deadline::At(later));
        db.set(b"c", b"w".to_vec(), None);
        assert_eq!(db.deadline(b"c", now), Deadline::Never);
        assert_eq!(db.expires(), 0);
        assert_eq!(db.deadline(b"zz", now), Deadline::NoKey);
    }

    #[test]
    fn expired_keys_vanish_lazily_and_actively() {
        let mut db = Db::default();
        let now = unix_ms();
        for i in 0..1000u32 {
            db.set(&i.to_be_bytes(), vec![1], Some(now - 1));
        }
        db.set(b"keep", vec![1], Some(now + 100_000));
        assert!(db.get(&0u32.to_be_bytes(), now).is_none());
        assert_eq!(db.take_expired(), 1);
        assert_eq!(db.len(), 1000);
        let deleted = db.active_expire(Duration::from_secs(10));
        assert_eq!(deleted, 999);
        assert_eq!(db.len(), 1);
        assert!(db.exists(b"keep", now));
    }

    #[test]
    fn scan_returns_every_key_present_throughout_despite_deletions() {
        let mut db = Db::default();
        for i in 0..100u32 {
            db.set(format!("k{i}").as_bytes(), vec![1], None);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            let (next, keys) = db.scan(cursor, 7);
            seen.extend(keys.into_iter().map(<[u8]>::to_vec));
            // Delete keys below 20 and add new ones while scanning.
            db.remove(format!("k{step}").as_bytes());
            db.set(format!("new{step}").as_bytes(), vec![1], None);
            step += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        for i in step..100 {
            assert!(seen.contains(format!("k{i}").as_bytes()), "k{i} missed");
        }
    }

    #[test]
    fn watched_keys_are_noted_when_changed() {
        let mut db = Db::default();
        db.watch(b"w");
        db.set(b"x", vec![1], None);
        assert!(db.take_touched().is_empty());
        db.set(b"w", vec![1], None);
        db.set_expire(b"w", 5);
        assert!(db.contains(b"w"));
        assert_eq!(db.take_touched(), vec![b"w".to_vec(), b"w".to_vec()]);
        db.clear();
        assert_eq!(db.take_touched(), vec![b"w".to_vec()]);
        db.clear();
        assert!(db.take_touched().is_empty());
    }

    #[test]
    fn encodings_as_redis_reports_them() {
        assert_eq!(Encoding::of(b"12345"), Encoding::Int);
        assert_eq!(Encoding::of(b"-9223372036854775808"), Encoding::Int);
        assert_eq!(Encoding::of(b"9223372036854775808"), Encoding::Embstr);
        assert_eq!(Encoding::of(b"0123"), Encoding::Embstr);
        assert_eq!(Encoding::of(&[b'a'; 44]), Encoding::Embstr);
        assert_eq!(Encoding::of(&[b'a'; 45]), Encoding::Raw);
    }
}
