//! Transactions (Redis's `multi.c`): MULTI, EXEC, DISCARD, WATCH, UNWATCH.

use super::{call, error, lookup};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine};

pub(super) fn multi(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    if c.session.in_multi() {
        return error(e, c, "ERR MULTI calls can not be nested");
    }
    c.session.begin_multi();
    c.reply.status("OK");
}

/// Leaves the transaction: the queue, the flags and the watches go.
pub(super) fn discard_transaction(e: &mut Engine, c: &mut Caller<'_>) {
    c.session.take_multi();
    c.session.dirty_exec = false;
    e.keyspace.unwatch_all(c.session.id);
}

pub(super) fn discard(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    if !c.session.in_multi() {
        return error(e, c, "ERR DISCARD without MULTI");
    }
    discard_transaction(e, c);
    c.reply.status("OK");
}

pub(super) fn exec(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    let Some(queue) = c.session.take_multi() else {
        return error(e, c, "ERR EXEC without MULTI");
    };
    // A watched key that was live at WATCH and has expired since counts as
    // changed, even if nobody has deleted it yet (`isWatchedKeyExpired`).
    let now = e.now_ms;
    let id = c.session.id;
    let ks = &mut e.keyspace;
    if ks
        .watched(id)
        .iter()
        .any(|(db, k, expired)| !expired && ks[*db].is_expired(k, now))
    {
        ks.set_dirty(id);
    }
    if c.session.dirty_exec {
        discard_transaction(e, c);
        return error(
            e,
            c,
            "EXECABORT Transaction discarded because of previous errors.",
        );
    }
    if e.keyspace.is_dirty(id) {
        discard_transaction(e, c);
        return c.reply.nil_array(c.session.resp3);
    }
    e.keyspace.unwatch_all(id);
    c.reply.array(queue.len());
    e.in_exec = true;
    for mut args in queue {
        // Checked when queued.
        if let Some(cmd) = lookup(&args) {
            call(e, c, cmd, &mut args);
        }
    }
    e.in_exec = false;
    discard_transaction(e, c);
}

pub(super) fn watch(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if c.session.in_multi() {
        return error(e, c, "ERR WATCH inside MULTI is not allowed");
    }
    let id = c.session.id;
    // No point in watching more once a watched key changed.
    if !e.keyspace.is_dirty(id) {
        let now = e.now_ms;
        let db = c.session.db;
        for key in &args[1..] {
            let expired = e.keyspace[db].is_expired(key, now);
            e.keyspace.watch(id, db, key, expired);
        }
    }
    c.reply.status("OK");
}

pub(super) fn unwatch(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    e.keyspace.unwatch_all(c.session.id);
    c.reply.status("OK");
}
