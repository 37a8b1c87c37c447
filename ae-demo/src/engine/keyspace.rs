//! The databases and the one registry of who WATCHes which key (Redis's
//! `server.db` array and its `watched_keys` dicts). Watchers are named by
//! client id, and whether a watcher's transaction must fail is kept here
//! too: a change marks the watchers without reaching into their sessions.

use std::collections::HashMap;
use std::ops::{Index, IndexMut};

use super::db::Db;

/// A key as WATCH names it: database index and key.
type WatchedKey = (usize, Vec<u8>);

/// One client's watches.
#[derive(Default)]
struct Watching {
    /// The keys, each with whether it had already expired at WATCH.
    keys: Vec<(usize, Vec<u8>, bool)>,
    /// A watched key changed: EXEC answers a null array (`CLIENT_DIRTY_CAS`).
    dirty: bool,
}

/// Every database, by index.
pub struct Keyspace {
    dbs: Vec<Db>,
    /// The database the last command ran in: its lazily expired keys are
    /// counted right after the command, the others' by the cron.
    pub selected: usize,
    /// Who watches each key, by client id.
    watchers: HashMap<WatchedKey, Vec<u64>>,
    /// What each watching client watches.
    watching: HashMap<u64, Watching>,
}

impl Index<usize> for Keyspace {
    type Output = Db;
    fn index(&self, i: usize) -> &Db {
        &self.dbs[i]
    }
}

impl IndexMut<usize> for Keyspace {
    fn index_mut(&mut self, i: usize) -> &mut Db {
        &mut self.dbs[i]
    }
}

impl Keyspace {
    /// `n` empty databases (at least one).
    pub fn new(n: usize) -> Self {
        let mut dbs = Vec::new();
        dbs.resize_with(n.max(1), Db::default);
        Keyspace {
            dbs,
            selected: 0,
            watchers: HashMap::new(),
            watching: HashMap::new(),
        }
    }

    /// How many databases there are (`--databases`).
    pub fn len(&self) -> usize {
        self.dbs.len()
    }

    /// Never: there is always database 0.
    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    /// Every database, in index order.
    pub fn iter(&self) -> impl Iterator<Item = &Db> {
        self.dbs.iter()
    }

    /// Every database, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Db> {
        self.dbs.iter_mut()
    }

    /// SWAPDB: the two databases trade contents; watched keys that exist
    /// in either count as changed, and each database keeps its watch list
    /// (as Redis keeps `watched_keys` with the db): only the data moves.
    pub fn swap(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let (left, right) = self.dbs.split_at_mut(hi);
        let (x, y) = (&mut left[lo], &mut right[0]);
        x.touch_watched_in_either(y);
        y.touch_watched_in_either(x);
        std::mem::swap(x, y);
        x.swap_watch_lists(y);
        x.swap_blocked(y);
    }

    /// Client `id` watches `key` of database `db` (no-op when it already
    /// does); `expired`: the key had already expired.
    pub fn watch(&mut self, id: u64, db: usize, key: &[u8], expired: bool) {
        let mine = self.watching.entry(id).or_default();
        if mine.keys.iter().any(|(d, k, _)| *d == db && k == key) {
            return;
        }
        mine.keys.push((db, key.to_vec(), expired));
        self.watchers
            .entry((db, key.to_vec()))
            .or_default()
            .push(id);
        self.dbs[db].watch(key);
    }

    /// The keys client `id` watches: database, key, expired at WATCH.
    pub fn watched(&self, id: u64) -> &[(usize, Vec<u8>, bool)] {
        self.watching.get(&id).map_or(&[], |w| &w.keys)
    }

    /// A key client `id` watches has changed.
    pub fn is_dirty(&self, id: u64) -> bool {
        self.watching.get(&id).is_some_and(|w| w.dirty)
    }

    /// Marks client `id`'s watches as broken.
    pub fn set_dirty(&mut self, id: u64) {
        if let Some(w) = self.watching.get_mut(&id) {
            w.dirty = true;
        }
    }

    /// Drops every watch of client `id` (`unwatchAllKeys`), and with them
    /// its dirty mark.
    pub fn unwatch_all(&mut self, id: u64) {
        let Some(mine) = self.watching.remove(&id) else {
            return;
        };
        for (db, key, _) in mine.keys {
            let entry = (db, key);
            if let Some(list) = self.watchers.get_mut(&entry) {
                list.retain(|w| *w != id);
                if list.is_empty() {
                    self.watchers.remove(&entry);
                    self.dbs[db].unwatch(&entry.1);
                }
            }
        }
    }

    /// Marks the watchers of every watched key changed since the last call
    /// (`touchWatchedKey`).
    pub fn flag_touched(&mut self) {
        if self.watchers.is_empty() {
            return;
        }
        for (i, db) in self.dbs.iter_mut().enumerate() {
            for key in db.take_touched() {
                let still_there = db.contains(&key);
                let entry = (i, key);
                let Some(ids) = self.watchers.get(&entry) else {
                    continue;
                };
                for id in ids {
                    let Some(w) = self.watching.get_mut(id) else {
                        continue;
                    };
                    let seen = w.keys.iter_mut().find(|(d, k, _)| *d == i && *k == entry.1);
                    if let Some(seen) = seen {
                        if seen.2 && !still_there {
                            // It had expired when watched and is now gone:
                            // no logical change.
                            seen.2 = false;
                            continue;
                        }
                    }
                    w.dirty = true;
                }
            }
        }
    }
}
