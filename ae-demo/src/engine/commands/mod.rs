//! The command table and the dispatcher (Redis's `commands.def`,
//! `processCommand` and `call`), with the commands by family in the
//! submodules: strings (`t_string.c`), lists (`t_list.c`), hashes
//! (`t_hash.c`), sets (`t_set.c`), keyspace (`db.c`, `expire.c`),
//! connection (`networking.c`), e (`e.c`, `config.c`, `debug.c`)
//! and transactions (`multi.c`).

pub(in crate::engine) mod blocking;
mod connection;
mod hashes;
mod keyspace;
mod lists;
mod monitoring;
pub(in crate::engine) mod persistence;
mod server;
mod sets;
mod strings;
mod transactions;
mod zsets;

pub(crate) use zsets::string2d;

use std::collections::HashMap;
use std::time::Instant;

use crate::engine::db::{unix_ms, Value};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine, ReplyMode};
use crate::resp::string2ll;

pub(in crate::engine) use connection::client_closed;

type Proc = fn(&mut Engine, &mut Caller<'_>, &mut [Vec<u8>]);

/// Command flags (a subset of Redis's `CMD_*`).
mod flag {
    pub const WRITE: u32 = 1;
    pub const READONLY: u32 = 1 << 1;
    pub const FAST: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    /// Refused inside MULTI (`CMD_NO_MULTI`).
    pub const NO_MULTI: u32 = 1 << 4;
    /// Runs at once inside MULTI instead of being queued.
    pub const TX_CONTROL: u32 = 1 << 5;
    /// Not shown to MONITOR (`CMD_SKIP_MONITOR`).
    pub const SKIP_MONITOR: u32 = 1 << 6;
    /// Behind `--enable-debug-command` (`CMD_PROTECTED`).
    pub const PROTECTED: u32 = 1 << 7;
    /// Allowed to a MONITOR client (which Redis treats as a replica).
    pub const NO_KEYS: u32 = 1 << 8;
}

/// One command: name, arity (exact if positive, at least -arity if
/// negative, counting the name), implementation, flags, key positions, and
/// subcommands for container commands (CLIENT, CONFIG, OBJECT...).
pub struct Command {
    name: &'static str,
    /// The name in errors and INFO commandstats (`client|list`).
    pub(crate) full: &'static str,
    arity: i32,
    proc: Proc,
    flags: u32,
    /// First key, last key (-1: the last argument), step.
    keys: (i64, i64, i64),
    subs: &'static [Command],
}

const fn cmd(
    name: &'static str,
    arity: i32,
    proc: Proc,
    flags: u32,
    keys: (i64, i64, i64),
) -> Command {
    Command {
        name,
        full: name,
        arity,
        proc,
        flags,
        keys,
        subs: &[],
    }
}

const fn sub(full: &'static str, arity: i32, proc: Proc, flags: u32) -> Command {
    Command {
        name: full,
        full,
        arity,
        proc,
        flags,
        keys: NOKEY,
        subs: &[],
    }
}

const fn container(name: &'static str, subs: &'static [Command]) -> Command {
    Command {
        name,
        full: name,
        arity: -2,
        proc: container_proc,
        flags: 0,
        keys: NOKEY,
        subs,
    }
}

/// Never runs: a container without a subcommand fails the arity check.
fn container_proc(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    error(e, c, "ERR missing subcommand");
}

use flag::*;
const W: u32 = WRITE;
const R: u32 = READONLY;
const RF: u32 = READONLY | FAST;
const WF: u32 = WRITE | FAST;
const NOKEY: (i64, i64, i64) = (0, 0, 0);
const KEY: (i64, i64, i64) = (1, 1, 1);
const KEYS: (i64, i64, i64) = (1, -1, 1);
const TWO: (i64, i64, i64) = (1, 2, 1);
const PAIRS: (i64, i64, i64) = (1, -1, 2);
/// Every argument but the last (a blocking command's timeout).
const BEFORE_TIMEOUT: (i64, i64, i64) = (1, -2, 1);
const CONN: u32 = FAST | NO_KEYS;

static CLIENT_SUBS: &[Command] = &[
    sub("client|id", 2, connection::client_id, CONN),
    sub("client|getname", 2, connection::client_getname, CONN),
    sub("client|setname", 3, connection::client_setname, CONN),
    sub("client|info", 2, connection::client_info, NO_KEYS),
    sub("client|list", -2, connection::client_list, ADMIN | NO_KEYS),
    sub("client|kill", -3, connection::client_kill, ADMIN | NO_KEYS),
    sub("client|reply", 3, connection::client_reply, CONN),
    sub(
        "client|unblock",
        -3,
        connection::client_unblock,
        ADMIN | NO_KEYS,
    ),
    sub("client|setinfo", 4, connection::client_setinfo, CONN),
    sub("client|help", 2, connection::client_help, NO_KEYS),
];

static CONFIG_SUBS: &[Command] = &[
    sub("config|get", -3, server::config_get, ADMIN | NO_KEYS),
    sub("config|set", -4, server::config_set, ADMIN | NO_KEYS),
    sub(
        "config|resetstat",
        2,
        server::config_resetstat,
        ADMIN | NO_KEYS,
    ),
    sub("config|help", 2, server::config_help, NO_KEYS),
];

static OBJECT_SUBS: &[Command] = &[
    Command {
        keys: (2, 2, 1),
        ..sub("object|encoding", 3, keyspace::object_encoding, READONLY)
    },
    Command {
        keys: (2, 2, 1),
        ..sub("object|freq", 3, keyspace::object_freq, READONLY)
    },
    Command {
        keys: (2, 2, 1),
        ..sub("object|idletime", 3, keyspace::object_idletime, READONLY)
    },
    sub("object|help", 2, keyspace::object_help, NO_KEYS),
];

static SLOWLOG_SUBS: &[Command] = &[
    sub("slowlog|get", -2, server::slowlog_get, ADMIN | NO_KEYS),
    sub("slowlog|len", 2, server::slowlog_len, ADMIN | NO_KEYS),
    sub("slowlog|reset", 2, server::slowlog_reset, ADMIN | NO_KEYS),
    sub("slowlog|help", 2, server::slowlog_help, NO_KEYS),
];

static LATENCY_SUBS: &[Command] = &[
    sub("latency|latest", 2, server::latency_latest, ADMIN | NO_KEYS),
    sub(
        "latency|history",
        3,
        server::latency_history,
        ADMIN | NO_KEYS,
    ),
    sub("latency|reset", -2, server::latency_reset, ADMIN | NO_KEYS),
    sub(
        "latency|doctor",
        2,
        monitoring::latency_doctor,
        ADMIN | NO_KEYS,
    ),
    sub(
        "latency|graph",
        3,
        monitoring::latency_graph,
        ADMIN | NO_KEYS,
    ),
    sub(
        "latency|histogram",
        -2,
        monitoring::latency_histogram,
        ADMIN | NO_KEYS,
    ),
    sub("latency|help", 2, server::latency_help, NO_KEYS),
];

static MEMORY_SUBS: &[Command] = &[
    Command {
        keys: (2, 2, 1),
        ..sub("memory|usage", -3, server::memory_usage, READONLY)
    },
    sub("memory|stats", 2, monitoring::memory_stats, NO_KEYS),
    sub("memory|doctor", 2, monitoring::memory_doctor, NO_KEYS),
    sub(
        "memory|malloc-stats",
        2,
        monitoring::memory_malloc_stats,
        NO_KEYS,
    ),
    sub("memory|purge", 2, monitoring::memory_purge, NO_KEYS),
    sub("memory|help", 2, server::memory_help, NO_KEYS),
];

static COMMAND_SUBS: &[Command] = &[
    sub("command|count", 2, server::command_count, NO_KEYS),
    sub("command|info", -2, server::command_info, NO_KEYS),
    sub("command|docs", -2, server::command_docs, NO_KEYS),
    sub("command|list", -2, server::command_list, NO_KEYS),
];

static COMMANDS: &[Command] = &[
    // strings
    cmd("get", 2, strings::get, RF, KEY),
    cmd("set", -3, strings::set, W, KEY),
    cmd("setnx", 3, strings::setnx, WF, KEY),
    cmd("setex", 4, strings::setex, W, KEY),
    cmd("psetex", 4, strings::psetex, W, KEY),
    cmd("getset", 3, strings::getset, WF, KEY),
    cmd("getdel", 2, strings::getdel, WF, KEY),
    cmd("getex", -2, strings::getex, WF, KEY),
    cmd("mget", -2, strings::mget, RF, KEYS),
    cmd("mset", -3, strings::mset, W, PAIRS),
    cmd("msetnx", -3, strings::msetnx, W, PAIRS),
    cmd("append", 3, strings::append, W, KEY),
    cmd("strlen", 2, strings::strlen, RF, KEY),
    cmd("getrange", 4, strings::getrange, R, KEY),
    cmd("substr", 4, strings::getrange, R, KEY),
    cmd("setrange", 4, strings::setrange, W, KEY),
    cmd("incr", 2, strings::incr, WF, KEY),
    cmd("decr", 2, strings::decr, WF, KEY),
    cmd("incrby", 3, strings::incrby, WF, KEY),
    cmd("decrby", 3, strings::decrby, WF, KEY),
    cmd("incrbyfloat", 3, strings::incrbyfloat, WF, KEY),
    cmd("lcs", -3, strings::lcs, R, TWO),
    // keyspace
    cmd("del", -2, keyspace::del, W, KEYS),
    cmd("unlink", -2, keyspace::del, WF, KEYS),
    cmd("exists", -2, keyspace::exists, RF, KEYS),
    cmd("touch", -2, keyspace::touch, RF, KEYS),
    cmd("type", 2, keyspace::type_, RF, KEY),
    cmd("expire", -3, keyspace::expire, WF, KEY),
    cmd("pexpire", -3, keyspace::pexpire, WF, KEY),
    cmd("expireat", -3, keyspace::expireat, WF, KEY),
    cmd("pexpireat", -3, keyspace::pexpireat, WF, KEY),
    cmd("expiretime", 2, keyspace::expiretime, RF, KEY),
    cmd("pexpiretime", 2, keyspace::pexpiretime, RF, KEY),
    cmd("ttl", 2, keyspace::ttl, RF, KEY),
    cmd("pttl", 2, keyspace::pttl, RF, KEY),
    cmd("persist", 2, keyspace::persist, WF, KEY),
    cmd("keys", 2, keyspace::keys, R, NOKEY),
    cmd("scan", -2, keyspace::scan, R, NOKEY),
    cmd("randomkey", 1, keyspace::randomkey, R, NOKEY),
    cmd("rename", 3, keyspace::rename, W, TWO),
    cmd("renamenx", 3, keyspace::renamenx, WF, TWO),
    cmd("copy", -3, keyspace::copy, W, TWO),
    cmd("dbsize", 1, keyspace::dbsize, RF, NOKEY),
    cmd("flushall", -1, keyspace::flush, W, NOKEY),
    cmd("flushdb", -1, keyspace::flush, W, NOKEY),
    cmd("move", 3, keyspace::move_, WF, KEY),
    cmd("swapdb", 3, keyspace::swapdb, WF, NOKEY),
    container("object", OBJECT_SUBS),
    // lists
    cmd("lpush", -3, lists::lpush, WF, KEY),
    cmd("rpush", -3, lists::rpush, WF, KEY),
    cmd("lpushx", -3, lists::lpushx, WF, KEY),
    cmd("rpushx", -3, lists::rpushx, WF, KEY),
    cmd("lpop", -2, lists::lpop, WF, KEY),
    cmd("rpop", -2, lists::rpop, WF, KEY),
    cmd("llen", 2, lists::llen, RF, KEY),
    cmd("lrange", 4, lists::lrange, R, KEY),
    cmd("lindex", 3, lists::lindex, R, KEY),
    cmd("lset", 4, lists::lset, W, KEY),
    cmd("lrem", 4, lists::lrem, W, KEY),
    cmd("ltrim", 4, lists::ltrim, W, KEY),
    cmd("linsert", 5, lists::linsert, W, KEY),
    cmd("lpos", -3, lists::lpos, R, KEY),
    cmd("lmove", 5, lists::lmove, W, TWO),
    cmd("lmpop", -4, blocking::lmpop, W, NOKEY),
    cmd("blpop", -3, blocking::blpop, W, BEFORE_TIMEOUT),
    cmd("brpop", -3, blocking::brpop, W, BEFORE_TIMEOUT),
    cmd("blmove", 6, blocking::blmove, W, TWO),
    cmd("brpoplpush", 4, blocking::brpoplpush, W, TWO),
    cmd("blmpop", -5, blocking::blmpop, W, NOKEY),
    cmd("rpoplpush", 3, lists::rpoplpush, W, TWO),
    // hashes
    cmd("hset", -4, hashes::hset, WF, KEY),
    cmd("hmset", -4, hashes::hset, WF, KEY),
    cmd("hsetnx", 4, hashes::hsetnx, WF, KEY),
    cmd("hget", 3, hashes::hget, RF, KEY),
    cmd("hmget", -3, hashes::hmget, RF, KEY),
    cmd("hdel", -3, hashes::hdel, WF, KEY),
    cmd("hlen", 2, hashes::hlen, RF, KEY),
    cmd("hstrlen", 3, hashes::hstrlen, RF, KEY),
    cmd("hexists", 3, hashes::hexists, RF, KEY),
    cmd("hgetall", 2, hashes::hgetall, R, KEY),
    cmd("hkeys", 2, hashes::hkeys, R, KEY),
    cmd("hvals", 2, hashes::hvals, R, KEY),
    cmd("hincrby", 4, hashes::hincrby, WF, KEY),
    cmd("hincrbyfloat", 4, hashes::hincrbyfloat, WF, KEY),
    cmd("hrandfield", -2, hashes::hrandfield, R, KEY),
    cmd("hscan", -3, hashes::hscan, R, KEY),
    // sets
    cmd("sadd", -3, sets::sadd, WF, KEY),
    cmd("srem", -3, sets::srem, WF, KEY),
    cmd("smove", 4, sets::smove, WF, TWO),
    cmd("sismember", 3, sets::sismember, RF, KEY),
    cmd("smismember", -3, sets::smismember, RF, KEY),
    cmd("scard", 2, sets::scard, RF, KEY),
    cmd("spop", -2, sets::spop, WF, KEY),
    cmd("srandmember", -2, sets::srandmember, R, KEY),
    cmd("smembers", 2, sets::smembers, R, KEY),
    cmd("sinter", -2, sets::sinter, R, KEYS),
    cmd("sintercard", -3, sets::sintercard, R, NOKEY),
    cmd("sinterstore", -3, sets::sinterstore, W, KEYS),
    cmd("sunion", -2, sets::sunion, R, KEYS),
    cmd("sunionstore", -3, sets::sunionstore, W, KEYS),
    cmd("sdiff", -2, sets::sdiff, R, KEYS),
    cmd("sdiffstore", -3, sets::sdiffstore, W, KEYS),
    cmd("sscan", -3, sets::sscan, R, KEY),
    // sorted sets
    cmd("zadd", -4, zsets::zadd, WF, KEY),
    cmd("zincrby", 4, zsets::zincrby, WF, KEY),
    cmd("zrem", -3, zsets::zrem, WF, KEY),
    cmd("zcard", 2, zsets::zcard, RF, KEY),
    cmd("zscore", 3, zsets::zscore, RF, KEY),
    cmd("zmscore", -3, zsets::zmscore, RF, KEY),
    cmd("zrank", 3, zsets::zrank, RF, KEY),
    cmd("zrevrank", 3, zsets::zrevrank, RF, KEY),
    cmd("zcount", 4, zsets::zcount, RF, KEY),
    cmd("zlexcount", 4, zsets::zlexcount, RF, KEY),
    cmd("zrange", -4, zsets::zrange, R, KEY),
    cmd("zrangestore", -5, zsets::zrangestore, W, TWO),
    cmd("zrevrange", -4, zsets::zrevrange, R, KEY),
    cmd("zrangebyscore", -4, zsets::zrangebyscore, R, KEY),
    cmd("zrevrangebyscore", -4, zsets::zrevrangebyscore, R, KEY),
    cmd("zrangebylex", -4, zsets::zrangebylex, R, KEY),
    cmd("zrevrangebylex", -4, zsets::zrevrangebylex, R, KEY),
    cmd("zremrangebyrank", 4, zsets::zremrangebyrank, W, KEY),
    cmd("zremrangebyscore", 4, zsets::zremrangebyscore, W, KEY),
    cmd("zremrangebylex", 4, zsets::zremrangebylex, W, KEY),
    cmd("zpopmin", -2, zsets::zpopmin, WF, KEY),
    cmd("zpopmax", -2, zsets::zpopmax, WF, KEY),
    cmd("zmpop", -4, blocking::zmpop, W, NOKEY),
    cmd("bzpopmin", -3, blocking::bzpopmin, W, BEFORE_TIMEOUT),
    cmd("bzpopmax", -3, blocking::bzpopmax, W, BEFORE_TIMEOUT),
    cmd("bzmpop", -5, blocking::bzmpop, W, NOKEY),
    cmd("zrandmember", -2, zsets::zrandmember, R, KEY),
    cmd("zscan", -3, zsets::zscan, R, KEY),
    cmd("zunion", -3, zsets::zunion, R, NOKEY),
    cmd("zinter", -3, zsets::zinter, R, NOKEY),
    cmd("zdiff", -3, zsets::zdiff, R, NOKEY),
    cmd("zintercard", -3, zsets::zintercard, R, NOKEY),
    cmd("zunionstore", -4, zsets::zunionstore, W, KEY),
    cmd("zinterstore", -4, zsets::zinterstore, W, KEY),
    cmd("zdiffstore", -4, zsets::zdiffstore, W, KEY),
    // connection
    cmd("ping", -1, connection::ping, CONN, NOKEY),
    cmd("echo", 2, connection::echo, CONN, NOKEY),
    cmd("select", 2, connection::select, CONN, NOKEY),
    cmd("quit", -1, connection::quit, CONN | TX_CONTROL, NOKEY),
    cmd("auth", -2, connection::auth, CONN, NOKEY),
    cmd("hello", -1, connection::hello, CONN, NOKEY),
    cmd("reset", 1, connection::reset, CONN | TX_CONTROL, NOKEY),
    container("client", CLIENT_SUBS),
    // server
    cmd("info", -1, server::info, NO_KEYS, NOKEY),
    cmd("time", 1, server::time, CONN, NOKEY),
    cmd("monitor", 1, server::monitor, ADMIN | NO_KEYS, NOKEY),
    cmd(
        "debug",
        -2,
        server::debug,
        ADMIN | PROTECTED | NO_KEYS,
        NOKEY,
    ),
    cmd(
        "shutdown",
        -1,
        server::shutdown,
        ADMIN | NO_MULTI | NO_KEYS,
        NOKEY,
    ),
    container("config", CONFIG_SUBS),
    cmd(
        "save",
        1,
        persistence::save,
        ADMIN | NO_MULTI | NO_KEYS,
        NOKEY,
    ),
    cmd("bgsave", -1, persistence::bgsave, ADMIN | NO_KEYS, NOKEY),
    cmd("lastsave", 1, persistence::lastsave, CONN, NOKEY),
    container("slowlog", SLOWLOG_SUBS),
    container("latency", LATENCY_SUBS),
    container("memory", MEMORY_SUBS),
    cmd("role", 1, server::role, CONN, NOKEY),
    Command {
        arity: -1,
        proc: server::command_all,
        ..container("command", COMMAND_SUBS)
    },
    // transactions
    cmd("multi", 1, transactions::multi, CONN | TX_CONTROL, NOKEY),
    cmd("exec", 1, transactions::exec, NO_KEYS | TX_CONTROL, NOKEY),
    cmd(
        "discard",
        1,
        transactions::discard,
        CONN | TX_CONTROL,
        NOKEY,
    ),
    cmd("watch", -2, transactions::watch, CONN | TX_CONTROL, KEYS),
    cmd("unwatch", 1, transactions::unwatch, CONN, NOKEY),
];

/// The command `args` names, or a subcommand of it (`lookupCommand`).
fn lookup(args: &[Vec<u8>]) -> Option<&'static Command> {
    let base = find(COMMANDS, &args[0])?;
    if base.subs.is_empty() || args.len() < 2 {
        return Some(base);
    }
    let sub = args[1].as_slice();
    base.subs.iter().find(|c| {
        let name = c.name.split('|').nth(1).unwrap_or("");
        name.as_bytes().eq_ignore_ascii_case(sub)
    })
}

/// Hash of names: foldhash, fast on short keys.
pub(crate) type NameHasher = foldhash::fast::RandomState;

fn find(table: &'static [Command], name: &[u8]) -> Option<&'static Command> {
    if !std::ptr::eq(table, COMMANDS) {
        return table
            .iter()
            .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name));
    }
    // The top-level table is searched on every request: a hash lookup of
    // the lower-cased name instead of a scan of ~70 names.
    static INDEX: std::sync::OnceLock<HashMap<&'static [u8], &'static Command, NameHasher>> =
        std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| COMMANDS.iter().map(|c| (c.name.as_bytes(), c)).collect());
    let mut lower = [0u8; 24];
    let lower = lower.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    index.get(&*lower).copied()
}

/// INFO commandstats for one command.
#[derive(Clone, Default)]
pub struct CommandStats {
    /// Times run.
    pub calls: u64,
    /// Microseconds spent in it.
    pub usec: u64,
    /// Refused before running (arity, not allowed).
    pub rejected: u64,
    /// Ran and answered an error.
    pub failed: u64,
    /// Calls by duration, for LATENCY HISTOGRAM and INFO latencystats.
    pub latencies: monitoring::Latencies,
}

/// The commands with stats, by name (INFO commandstats and latencystats,
/// LATENCY HISTOGRAM: Redis lists them in its command table's hash order).
pub(super) fn stats_by_name(e: &Engine) -> Vec<(&'static str, &CommandStats)> {
    let mut all: Vec<_> = e.command_stats.iter().map(|(n, s)| (*n, s)).collect();
    all.sort_by_key(|(n, _)| *n);
    all
}

/// What a key holds, for a command of one type `T` (a list, a hash...).
pub(super) enum Found<'a, T> {
    Missing,
    Is(&'a mut T),
    Wrong,
}

/// Looks `key` up for a command of the type `pick` takes out of a value;
/// `read` counts the hit or miss (Redis's `lookupKeyRead`). Nothing is
/// noted as changed.
pub(super) fn find_as<'a, T>(
    e: &'a mut Engine,
    db: usize,
    key: &[u8],
    read: bool,
    pick: fn(&mut Value) -> Option<&mut T>,
) -> Found<'a, T> {
    let now = e.now_ms;
    let d = &mut e.keyspace[db];
    if read {
        let live = d.exists(key, now);
        d.note_read(live);
    }
    match d.get_mut_quiet(key, now) {
        None => Found::Missing,
        Some(entry) => pick(&mut entry.value).map_or(Found::Wrong, Found::Is),
    }
}

/// After a change to the aggregate at `key`: deletes it if it is empty, as
/// Redis deletes an emptied list, hash, set or sorted set, else notes it as
/// changed.
pub(super) fn touch_or_delete(e: &mut Engine, db: usize, key: &[u8], empty: bool) {
    if empty {
        e.keyspace[db].remove(key);
    } else {
        e.keyspace[db].touch(key);
    }
}

/// Runs one request (`processCommand`): the checks that can refuse it,
/// then queueing inside MULTI or running it.
pub fn process_command(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if e.now_at != Some(e.now) {
        e.now_at = Some(e.now);
        e.now_ms = unix_ms();
        let clock = (e.now_ms / 1000) as u32;
        // Once a second at most, however many databases and reads there are.
        if e.keyspace.iter().next().is_some_and(|db| db.clock != clock) {
            for db in e.keyspace.iter_mut() {
                db.clock = clock;
            }
        }
    }
    if c.session.reply_mode == ReplyMode::SkipNext {
        c.session.reply_mode = ReplyMode::Skip;
    }
    // With replies off (or this one skipped) the command writes into a
    // scratch buffer that is then dropped.
    let suppressed = matches!(c.session.reply_mode, ReplyMode::Off | ReplyMode::Skip);
    let kept = suppressed.then(|| std::mem::take(c.reply));
    dispatch(e, c, args);
    if !e.blocking.is_empty() {
        blocking::serve_ready(e);
    }
    if let Some(kept) = kept {
        *c.reply = kept;
        match c.session.reply_mode {
            // CLIENT REPLY ON answers even when replies were off.
            ReplyMode::On => c.reply.status("OK"),
            ReplyMode::Skip => c.session.reply_mode = ReplyMode::On,
            _ => {}
        }
    }
    // Lazy expiry happens in the command's database; the cron collects
    // what other databases counted (COPY and MOVE look into one).
    let selected = e.keyspace.selected;
    e.stats.expired_keys += e.keyspace[selected].take_expired();
    e.keyspace.flag_touched();
}

fn dispatch(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(cmd) = lookup(args) else {
        // Refused: a transaction in progress is flagged to abort.
        if c.session.in_multi() {
            c.session.dirty_exec = true;
        }
        let err = unknown_command_error(args);
        return error_parts(e, c, &[&err]);
    };
    c.session.last = Some(cmd);
    let argc = args.len() as i32;
    if (cmd.arity > 0 && argc != cmd.arity) || argc < -cmd.arity {
        let err = format!("ERR wrong number of arguments for '{}' command", cmd.full);
        return reject(e, c, Some(cmd), &err);
    }
    if cmd.flags & PROTECTED != 0 && !debug_allowed(e, c) {
        let err = format!(
            "ERR {} command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
            cmd.name.to_ascii_uppercase()
        );
        return reject(e, c, Some(cmd), &err);
    }
    if c.session.in_multi() && cmd.flags & NO_MULTI != 0 {
        return reject(
            e,
            c,
            Some(cmd),
            "ERR Command not allowed inside a transaction",
        );
    }
    if c.session.monitor && cmd.flags & NO_KEYS == 0 {
        return reject(
            e,
            c,
            Some(cmd),
            "ERR Replica can't interact with the keyspace",
        );
    }
    if let Some(queue) = c.session.queue() {
        if cmd.flags & TX_CONTROL == 0 {
            queue.push(args.to_vec());
            c.reply.status("QUEUED");
            return;
        }
    }
    call(e, c, cmd, args);
}

/// Redis's error for a name that is no command (`commandCheckExistence`):
/// for a container, its unknown subcommand; else the name and up to 128
/// bytes of the arguments, quoted (each cut at a NUL, as `%.*s` cuts).
fn unknown_command_error(args: &[Vec<u8>]) -> Vec<u8> {
    let head = |b: &[u8]| cstr(&b[..b.len().min(128)]).to_vec();
    if args.len() >= 2 {
        if let Some(base) = find(COMMANDS, &args[0]) {
            if !base.subs.is_empty() {
                return [
                    &b"ERR unknown subcommand '"[..],
                    &head(&args[1]),
                    b"'. Try ",
                    &args[0].to_ascii_uppercase(),
                    b" HELP.",
                ]
                .concat();
            }
        }
    }
    let mut quoted = Vec::new();
    for arg in &args[1..] {
        if quoted.len() >= 128 {
            break;
        }
        let room = 128 - quoted.len();
        quoted.push(b'\'');
        quoted.extend_from_slice(cstr(&arg[..arg.len().min(room)]));
        quoted.extend_from_slice(b"' ");
    }
    [
        &b"ERR unknown command '"[..],
        &head(&args[0]),
        b"', with args beginning with: ",
        &quoted,
    ]
    .concat()
}

/// 40 random hex digits identifying this run (Redis's `run_id`), from
/// std's per-process random hash keys.
pub fn new_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut id = String::new();
    for i in 0..3u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u32(std::process::id());
        id.push_str(&format!("{:016x}", h.finish()));
    }
    id.truncate(40);
    id
}

/// Active expiry from the cron (unless DEBUG SET-ACTIVE-EXPIRE 0), with
/// the deleted keys counted and their watchers told.
pub fn active_expire_cycle(e: &mut Engine, budget: std::time::Duration) {
    let start = std::time::Instant::now();
    let active = !e.active_expire_off;
    for db in e.keyspace.iter_mut() {
        let left = budget.saturating_sub(start.elapsed());
        let mut expired = db.take_expired();
        if active && db.expires() > 0 {
            expired += db.active_expire(left) as u64;
        }
        e.stats.expired_keys += expired;
    }
    e.keyspace.flag_touched();
}

/// Refuses a command (`rejectCommand`): inside MULTI the transaction is
/// flagged to abort; a refused EXEC aborts with EXECABORT.
fn reject(e: &mut Engine, c: &mut Caller<'_>, cmd: Option<&'static Command>, err: &str) {
    if let Some(cmd) = cmd {
        e.command_stats.entry(cmd.full).or_default().rejected += 1;
    }
    if c.session.in_multi() {
        c.session.dirty_exec = true;
    }
    // A refused EXEC aborts, in a transaction or not, as Redis's
    // execCommandAbort.
    if cmd.is_some_and(|cmd| cmd.name == "exec") {
        transactions::discard_transaction(e, c);
        let err = err.strip_prefix("ERR ").unwrap_or(err);
        return error(
            e,
            c,
            &format!("EXECABORT Transaction discarded because of: {err}"),
        );
    }
    error(e, c, err);
}

/// Sends an error reply and counts it (INFO errorstats).
pub fn error(e: &mut Engine, c: &mut Caller<'_>, msg: &str) {
    c.reply.error(msg);
    count_error(e, msg.as_bytes());
}

/// An argument as C's `%s` prints it: up to its first NUL.
fn cstr(arg: &[u8]) -> &[u8] {
    arg.split(|&b| b == 0).next().unwrap_or(arg)
}

/// Sends an error made of parts, user bytes among them kept as they are
/// (not re-encoded as UTF-8), line breaks turned into spaces.
fn error_parts(e: &mut Engine, c: &mut Caller<'_>, parts: &[&[u8]]) {
    let msg: Vec<u8> = parts
        .concat()
        .into_iter()
        .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect();
    c.reply.raw(b"-");
    c.reply.raw(&msg);
    c.reply.raw(b"\r\n");
    count_error(e, &msg);
}

pub(super) fn count_error(e: &mut Engine, msg: &[u8]) {
    let code = msg.split(|&b| b == b' ').next().unwrap_or(b"ERR");
    let code = String::from_utf8_lossy(code).into_owned();
    *e.error_stats.entry(code).or_default() += 1;
    e.total_error_replies += 1;
    e.errors_in_call += 1;
}

/// Runs a command (`call`): times it, counts it, feeds MONITOR.
fn call(e: &mut Engine, c: &mut Caller<'_>, cmd: &'static Command, args: &mut [Vec<u8>]) {
    e.keyspace.selected = c.session.db;
    let start = Instant::now();
    // Errors counted from here on are this command's (a command run by
    // EXEC counts its own, not EXEC's).
    let outer_errors = std::mem::take(&mut e.errors_in_call);
    // MONITOR sees the command as sent, after it ran; administrative
    // commands are not shown.
    let monitored = cmd.flags & (SKIP_MONITOR | ADMIN) == 0 && !e.monitors.is_empty();
    // Commands may move their arguments into the keyspace: what MONITOR
    // shows is copied first when MONITOR runs, and what SLOWLOG would show
    // (at most 32 arguments of 128 bytes, into reused buffers) whenever
    // it logs.
    let slower_than = e.config.slowlog_log_slower_than;
    let original = monitored.then(|| args.to_vec());
    if slower_than >= 0 {
        e.slowlog_args.keep(args);
    }
    (cmd.proc)(e, c, args);
    let usec = start.elapsed().as_micros() as u64;
    if slower_than >= 0 && usec >= slower_than as u64 && cmd.name != "exec" {
        server::slowlog_push(e, c, usec);
    }
    if let (true, Some(mut original)) = (monitored, original) {
        for i in std::mem::take(&mut e.redacted) {
            if let Some(arg) = original.get_mut(i) {
                *arg = b"(redacted)".to_vec();
            }
        }
        connection::feed_monitors(e, c, &original);
    }
    e.redacted.clear();
    if e.config.latency_monitor_threshold > 0 {
        let ms = usec / 1000;
        if ms >= e.config.latency_monitor_threshold as u64 {
            let event = if cmd.flags & FAST != 0 {
                "fast-command"
            } else {
                "command"
            };
            server::latency_add(e, event, ms);
        }
    }
    e.stats.total_commands += 1;
    // The peak after each command, as Redis's `call` records it.
    e.stats.peak_memory = e.stats.peak_memory.max(crate::heap::used());
    let failed = e.errors_in_call > 0;
    e.errors_in_call = outer_errors;
    let stats = e.command_stats.entry(cmd.full).or_default();
    stats.calls += 1;
    stats.usec += usec;
    // A command that made its caller wait has not finished: Redis leaves
    // it out of the histogram.
    if e.config.latency_tracking && !c.session.blocked {
        stats.latencies.record(usec);
    }
    if failed {
        stats.failed += 1;
    }
}

fn debug_allowed(e: &Engine, c: &Caller<'_>) -> bool {
    use crate::config::Protected;
    match e.config.enable_debug_command {
        Protected::Yes => true,
        Protected::No => false,
        Protected::Local => c.conn.is_local(),
    }
}

const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

/// A database index as Redis's `getIntFromObjectOrReply` reads it: an
/// integer, and one that fits an int.
fn db_index(arg: &[u8]) -> Result<i64, &'static str> {
    let n = integer(arg).ok_or(NOT_INTEGER)?;
    if i32::try_from(n).is_err() {
        return Err("ERR value is out of range, value must between -2147483648 and 2147483647");
    }
    Ok(n)
}
const SYNTAX: &str = "ERR syntax error";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn integer(arg: &[u8]) -> Option<i64> {
    string2ll(arg)
}

/// Redis's `stringmatchlen`: `*`, `?`, `[...]` with ranges and `^`, and
/// `\` escapes; `nocase` for CONFIG GET. Recursive on `*` as Redis is, but
/// with Redis 7's cut-off: once a `*` has failed to match the rest, no
/// later position can match it either.
pub fn glob_match(p: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip = false;
    glob(p, s, nocase, &mut skip)
}

fn glob(pat: &[u8], str_: &[u8], nocase: bool, skip_longer: &mut bool) -> bool {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Positions, so the code can step back as the C does.
    let (mut p, mut s) = (0usize, 0usize);
    while p < pat.len() && s < str_.len() {
        match pat[p] {
            b'*' => {
                while p + 1 < pat.len() && pat[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pat.len() {
                    return true;
                }
                while s < str_.len() {
                    if glob(&pat[p + 1..], &str_[s..], nocase, skip_longer) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s += 1,
            b'[' => {
                p += 1;
                let not = pat.get(p) == Some(&b'^');
                if not {
                    p += 1;
                }
                let mut matched = false;
                loop {
                    let left = pat.len() - p.min(pat.len());
                    if left >= 2 && pat[p] == b'\\' {
                        p += 1;
                        if pat[p] == str_[s] {
                            matched = true;
                        }
                    } else if left > 0 && pat[p] == b']' {
                        break;
                    } else if left == 0 {
                        p -= 1;
                        break;
                    } else if left >= 3 && pat[p + 1] == b'-' {
                        let (mut start, mut end, mut c) = (pat[p], pat[p + 2], str_[s]);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = start.to_ascii_lowercase();
                            end = end.to_ascii_lowercase();
                            c = c.to_ascii_lowercase();
                        }
                        p += 2;
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if eq(pat[p], str_[s]) {
                        matched = true;
                    }
                    p += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s += 1;
            }
            c => {
                let c = if c == b'\\' && pat.len() - p >= 2 {
                    p += 1;
                    pat[p]
                } else {
                    c
                };
                if !eq(c, str_[s]) {
                    return false;
                }
                s += 1;
            }
        }
        p += 1;
        if s == str_.len() {
            while pat.get(p) == Some(&b'*') {
                p += 1;
            }
            break;
        }
    }
    p >= pat.len() && s == str_.len()
}

/// Replies with Redis's HELP layout (`addReplyHelp`): a status line per
/// text line, headed by the command's usage line.
fn reply_help(c: &mut Caller<'_>, name: &str, lines: &[&str]) {
    c.reply.array(lines.len() + 3);
    c.reply.status(&format!(
        "{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        c.reply.status(l);
    }
    c.reply.status("HELP");
    c.reply.status("    Prints this help.");
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob() {
        let m = |p: &str, s: &str| glob_match(p.as_bytes(), s.as_bytes(), false);
        assert!(glob_match(b"MAXCLIENTS", b"maxclients", true));
        assert!(!m("MAXCLIENTS", "maxclients"));
        assert!(m("*", "maxclients"));
        assert!(m("max*", "maxclients"));
        assert!(m("h?", "hz"));
        assert!(!m("h?", "hzz"));
        assert!(!m("save*x", "save"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hbllo"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("*o*", "two"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        // Exponential patterns end fast.
        let s = "a".repeat(60);
        assert!(!m("a*a*a*a*a*a*a*a*a*a*a*a*a*b", &s));
    }
}
