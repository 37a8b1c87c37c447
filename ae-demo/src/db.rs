//! The keyspace: binary-safe string keys and values, with optional TTLs on
//! the monotonic clock, expired lazily on access and actively by sampling
//! (Redis's `activeExpireCycle`).

use std::collections::HashMap;
use std::ops::Deref;
use std::rc::Rc;

/// foldhash: several times faster than std's SipHash on short keys and
/// still seeded per process, so clients cannot aim for collisions.
type KeyHasher = foldhash::fast::RandomState;
use std::time::{Duration, Instant};

/// Keys sampled per round of active expiry (`ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_LOOP: usize = 20;

/// Values this long or longer are stored behind a reference count, so a
/// reply sends them from where they are stored instead of copying them: a
/// GET of a 1 MB value would copy 1 MB per request, and pipelined GETs of
/// 10 KB values filled reply buffers that the allocator then returned to
/// the kernel and faulted back in (a third of the server's CPU in the
/// profile). Shorter ones are copied into the reply, which costs less than
/// the extra write part and the count.
pub const SHARE_MIN: usize = 4 * 1024;

/// A stored string value. It costs its own bytes: the buffer it arrived in
/// becomes the value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A value shorter than [`SHARE_MIN`].
    Inline(Vec<u8>),
    /// A longer one, shared with the replies that are sending it.
    Shared(Rc<Vec<u8>>),
}

impl Value {
    /// Takes ownership of `bytes` (no copy).
    pub fn new(bytes: Vec<u8>) -> Self {
        if bytes.len() >= SHARE_MIN {
            Value::Shared(Rc::new(bytes))
        } else {
            Value::Inline(bytes)
        }
    }

    /// The shared buffer of a big value.
    pub fn shared(&self) -> Option<&Rc<Vec<u8>>> {
        match self {
            Value::Inline(_) => None,
            Value::Shared(rc) => Some(rc),
        }
    }

    /// The bytes, to change in place; a value that a pending reply is
    /// still sending is copied first, so the reply sends what was read.
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        match self {
            Value::Inline(v) => v,
            Value::Shared(rc) => Rc::make_mut(rc),
        }
    }
}

impl Deref for Value {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Value::Inline(v) => v,
            Value::Shared(rc) => rc,
        }
    }
}

struct Entry {
    value: Value,
    /// Deadline and position in `Db::volatile`.
    expire: Option<(Instant, usize)>,
}

/// One database (Redis's db 0).
#[derive(Default)]
pub struct Db {
    map: HashMap<Vec<u8>, Entry, KeyHasher>,
    /// The keys with a TTL, so expiry can sample them at random in O(1).
    volatile: Vec<Vec<u8>>,
    rng: u64,
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

    /// Removes every key.
    pub fn clear(&mut self) {
        self.map.clear();
        self.volatile.clear();
    }

    fn unlink_volatile(&mut self, idx: usize) {
        self.volatile.swap_remove(idx);
        if let Some(moved) = self.volatile.get(idx) {
            if let Some(Entry {
                expire: Some((_, i)),
                ..
            }) = self.map.get_mut(moved)
            {
                *i = idx;
            }
        }
    }

    /// Removes `key`; true if it existed.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        match self.map.remove(key) {
            Some(entry) => {
                if let Some((_, idx)) = entry.expire {
                    self.unlink_volatile(idx);
                }
                true
            }
            None => false,
        }
    }

    /// Drops `key` if its TTL has passed; true when it is (still) live.
    fn check_live(&mut self, key: &[u8], now: Instant) -> bool {
        match self.map.get(key) {
            None => false,
            Some(Entry {
                expire: Some((when, _)),
                ..
            }) if *when <= now => {
                self.remove(key);
                false
            }
            Some(_) => true,
        }
    }

    /// The value of a live key, to change in place.
    pub fn get(&mut self, key: &[u8], now: Instant) -> Option<&mut Vec<u8>> {
        self.get_value(key, now).map(Value::make_mut)
    }

    /// The value of a live key, as stored (to reply with it, without a
    /// copy when it is big).
    pub fn get_value(&mut self, key: &[u8], now: Instant) -> Option<&mut Value> {
        // With no TTL anywhere nothing can have expired: one lookup.
        if !self.volatile.is_empty() && !self.check_live(key, now) {
            return None;
        }
        self.map.get_mut(key).map(|e| &mut e.value)
    }

    /// True if `key` exists and has not expired.
    pub fn exists(&mut self, key: &[u8], now: Instant) -> bool {
        self.check_live(key, now)
    }

    /// Sets `key` to `value`, with a deadline or none (the old TTL goes).
    pub fn set(&mut self, key: &[u8], value: Vec<u8>, expire: Option<Instant>) {
        let value = Value::new(value);
        if let Some(entry) = self.map.get_mut(key) {
            entry.value = value;
        } else {
            self.map.insert(
                key.to_vec(),
                Entry {
                    value,
                    expire: None,
                },
            );
        }
        match expire {
            Some(when) => {
                self.set_expire(key, when);
            }
            None => {
                self.persist(key);
            }
        }
    }

    /// Gives an existing key a deadline; false if there is no such key.
    pub fn set_expire(&mut self, key: &[u8], when: Instant) -> bool {
        let Some(entry) = self.map.get_mut(key) else {
            return false;
        };
        match &mut entry.expire {
            Some((w, _)) => *w = when,
            None => {
                entry.expire = Some((when, self.volatile.len()));
                self.volatile.push(key.to_vec());
            }
        }
        true
    }

    /// Removes a key's TTL; true if it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        match self.map.get_mut(key).and_then(|e| e.expire.take()) {
            Some((_, idx)) => {
                self.unlink_volatile(idx);
                true
            }
            None => false,
        }
    }

    /// `None`: no such key; `Some(None)`: no TTL; else the time left.
    pub fn ttl(&mut self, key: &[u8], now: Instant) -> Option<Option<Duration>> {
        if !self.check_live(key, now) {
            return None;
        }
        let entry = self.map.get(key)?;
        Some(
            entry
                .expire
                .map(|(when, _)| when.saturating_duration_since(now)),
        )
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
            let now = Instant::now();
            let mut expired = 0;
            for _ in 0..sample {
                if self.volatile.is_empty() {
                    break;
                }
                let idx = self.random(self.volatile.len());
                let key = &self.volatile[idx];
                let due = matches!(self.map.get(key), Some(Entry { expire: Some((when, _)), .. }) if *when <= now);
                if due {
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
        let now = Instant::now();
        let later = now + Duration::from_secs(100);
        for k in [b"a", b"b", b"c"] {
            db.set(k, b"v".to_vec(), Some(later));
        }
        assert_eq!(db.expires(), 3);
        assert!(db.persist(b"a"));
        assert!(!db.persist(b"a"));
        assert!(db.remove(b"b"));
        assert_eq!(db.expires(), 1);
        assert!(db.ttl(b"c", now).unwrap().is_some());
        db.set(b"c", b"w".to_vec(), None);
        assert_eq!(db.ttl(b"c", now), Some(None));
        assert_eq!(db.expires(), 0);
        assert_eq!(db.ttl(b"zz", now), None);
    }

    #[test]
    fn expired_keys_vanish_lazily_and_actively() {
        let mut db = Db::default();
        let now = Instant::now();
        for i in 0..1000u32 {
            db.set(&i.to_be_bytes(), vec![1], Some(now));
        }
        db.set(b"keep", vec![1], Some(now + Duration::from_secs(100)));
        assert!(db.get(&0u32.to_be_bytes(), now).is_none());
        assert_eq!(db.len(), 1000);
        let deleted = db.active_expire(Duration::from_secs(10));
        assert_eq!(deleted, 999);
        assert_eq!(db.len(), 1);
        assert!(db.exists(b"keep", now));
    }
}
