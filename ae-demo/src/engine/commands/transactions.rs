//! Transactions (Redis's `multi.c`): MULTI, EXEC, DISCARD, WATCH, UNWATCH.

use super::{call, db_count, db_mut, error, fd_of, lookup};
use crate::reply::Reply;
use crate::server::{Client, Server};

pub(super) fn multi(server: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    if c.session.in_multi() {
        return error(server, c, "ERR MULTI calls can not be nested");
    }
    c.session.begin_multi();
    c.reply.status("OK");
}

/// Leaves the transaction: the queue, the flags and the watches go.
pub(super) fn discard_transaction(server: &mut Server, c: &mut Client) {
    c.session.take_multi();
    c.session.dirty_exec = false;
    c.session.dirty_cas = false;
    unwatch_all(server, c);
}

pub(super) fn discard(server: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    if !c.session.in_multi() {
        return error(server, c, "ERR DISCARD without MULTI");
    }
    discard_transaction(server, c);
    c.reply.status("OK");
}

pub(super) fn exec(server: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    let Some(queue) = c.session.take_multi() else {
        return error(server, c, "ERR EXEC without MULTI");
    };
    // A watched key that was live at WATCH and has expired since counts as
    // changed, even if nobody has deleted it yet (`isWatchedKeyExpired`).
    let now = server.shared.now_ms;
    let watched = c.session.watched().to_vec();
    if watched
        .iter()
        .any(|(db, k, expired)| !expired && db_mut(server, *db).is_expired(k, now))
    {
        c.session.dirty_cas = true;
    }
    if c.session.dirty_exec {
        discard_transaction(server, c);
        return error(
            server,
            c,
            "EXECABORT Transaction discarded because of previous errors.",
        );
    }
    if c.session.dirty_cas {
        discard_transaction(server, c);
        return c.reply.nil_array(c.session.resp3);
    }
    unwatch_all(server, c);
    c.reply.array(queue.len());
    server.shared.in_exec = true;
    for mut args in queue {
        // Checked when queued.
        if let Some(cmd) = lookup(&args) {
            call(server, c, cmd, &mut args);
        }
    }
    server.shared.in_exec = false;
    discard_transaction(server, c);
}

pub(super) fn watch(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    if c.session.in_multi() {
        return error(server, c, "ERR WATCH inside MULTI is not allowed");
    }
    // No point in watching more once a watched key changed.
    if !c.session.dirty_cas {
        let now = server.shared.now_ms;
        let me = (fd_of(c), c.id);
        let db = c.session.db;
        for key in &args[1..] {
            if c.session
                .watched()
                .iter()
                .any(|(d, k, _)| *d == db && k == key)
            {
                continue;
            }
            let expired = server.db.is_expired(key, now);
            c.session.watched_mut().push((db, key.clone(), expired));
            server
                .shared
                .watchers
                .entry((db, key.clone()))
                .or_default()
                .push(me);
            server.db.watch(key);
        }
    }
    c.reply.status("OK");
}

pub(super) fn unwatch(server: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    unwatch_all(server, c);
    c.session.dirty_cas = false;
    c.reply.status("OK");
}

/// Drops every watch of a client (`unwatchAllKeys`).
pub(super) fn unwatch_all(server: &mut Server, c: &mut Client) {
    let me = (fd_of(c), c.id);
    for (db, key, _) in c.session.take_watched() {
        let entry = (db, key);
        if let Some(list) = server.shared.watchers.get_mut(&entry) {
            list.retain(|w| *w != me);
            if list.is_empty() {
                server.shared.watchers.remove(&entry);
                db_mut(server, db).unwatch(&entry.1);
            }
        }
    }
}

/// Marks the clients watching a changed key (`touchWatchedKey`); `current`
/// is the client running a command, which is out of the client table.
pub(super) fn flag_touched(server: &mut Server, mut current: Option<&mut Client>) {
    if server.shared.watchers.is_empty() {
        return;
    }
    for db in 0..db_count(server) {
        let touched = db_mut(server, db).take_touched();
        for key in touched {
            flag_key(server, current.as_deref_mut(), db, key);
        }
    }
}

fn flag_key(server: &mut Server, mut current: Option<&mut Client>, db: usize, key: Vec<u8>) {
    let entry = (db, key);
    let Some(list) = server.shared.watchers.get(&entry).cloned() else {
        return;
    };
    let key = entry.1;
    let still_there = db_mut(server, db).contains(&key);
    {
        for (fd, id) in list {
            let target = match current.as_deref_mut() {
                Some(c) if c.id == id => Some(c),
                _ => usize::try_from(fd)
                    .ok()
                    .and_then(|slot| server.clients.get_mut(slot)?.as_deref_mut())
                    .filter(|o| o.id == id),
            };
            if let Some(t) = target {
                mark_dirty(t, db, &key, still_there);
            }
        }
    }
}

fn mark_dirty(c: &mut Client, db: usize, key: &[u8], still_there: bool) {
    if let Some(entry) = c
        .session
        .watched_mut()
        .iter_mut()
        .find(|(d, k, _)| *d == db && k == key)
    {
        if entry.2 && !still_there {
            // It had expired when watched and is now gone: no logical
            // change.
            entry.2 = false;
            return;
        }
    }
    c.session.dirty_cas = true;
}
