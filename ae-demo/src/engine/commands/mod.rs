//! The dispatcher (Redis's `processCommand` and `call`) and the command
//! table's types, with the table itself in `table` (`commands.c`), what
//! it says of a command besides how to run it in `meta`, the COMMAND
//! family that reports it in `command`, and the commands by family in the
//! other submodules: strings (`t_string.c`), lists (`t_list.c`), hashes
//! (`t_hash.c`), sets (`t_set.c`), keyspace (`db.c`, `expire.c`),
//! connection (`networking.c`), server (`server.c`, `config.c`,
//! `debug.c`) and transactions (`multi.c`).

pub(in crate::engine) mod blocking;
mod command;
mod connection;
mod hashes;
mod keyspace;
mod lists;
mod meta;
mod monitoring;
pub(in crate::engine) mod persistence;
mod server;
mod sets;
mod strings;
// One builder call a line reads as a table; rustfmt's width heuristics
// would put each argument on its own line (and leave alone the arrays whose
// long strings it cannot fit).
#[rustfmt::skip]
mod table;
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
use meta::flag::*;
use meta::{Doc, GetKeys, KeySpec};
use table::COMMANDS;

type Proc = fn(&mut Engine, &mut Caller<'_>, &mut [Vec<u8>]);

/// One command: name, arity (exact if positive, at least -arity if
/// negative, counting the name), implementation, flags, and what Redis's
/// command table says of it besides (see `meta`); subcommands for
/// container commands (CLIENT, CONFIG, OBJECT...).
pub struct Command {
    /// The full name, in errors, INFO commandstats and COMMAND
    /// (`client|list` for a subcommand).
    pub(crate) full: &'static str,
    arity: i32,
    proc: Proc,
    /// [`meta::flag`] bits.
    flags: u64,
    /// [`meta::acl`] categories besides those the flags imply.
    acl: u32,
    tips: &'static [&'static str],
    keys: &'static [KeySpec],
    getkeys: Option<GetKeys>,
    doc: Doc,
    subs: &'static [Command],
}

/// Never runs: a container without a subcommand fails the arity check.
fn container_proc(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    error(e, c, "ERR missing subcommand");
}

/// The command `args` names, or a subcommand of it (`lookupCommand`).
fn lookup(args: &[Vec<u8>]) -> Option<&'static Command> {
    let base = find(COMMANDS, &args[0])?;
    if base.subs.is_empty() || args.len() < 2 {
        return Some(base);
    }
    find_sub(base, &args[1])
}

/// The subcommand of `base` called `sub`, in any case.
fn find_sub(base: &'static Command, sub: &[u8]) -> Option<&'static Command> {
    base.subs.iter().find(|c| {
        let name = c.full.split('|').nth(1).unwrap_or("");
        name.as_bytes().eq_ignore_ascii_case(sub)
    })
}

/// The command a name in an argument names (`lookupCommandBySds`, for
/// COMMAND INFO and DOCS, LATENCY HISTOGRAM): `name` or `container|sub`,
/// nothing deeper.
fn lookup_name(name: &[u8]) -> Option<&'static Command> {
    let mut parts = name.split(|&b| b == b'|');
    let base = find(COMMANDS, parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) => find_sub(base, sub),
        _ => None,
    }
}

/// Hash of names: foldhash, fast on short keys.
pub(crate) type NameHasher = foldhash::fast::RandomState;

fn find(table: &'static [Command], name: &[u8]) -> Option<&'static Command> {
    if !std::ptr::eq(table, COMMANDS) {
        return table
            .iter()
            .find(|c| c.full.as_bytes().eq_ignore_ascii_case(name));
    }
    // The top-level table is searched on every request: a hash lookup of
    // the lower-cased name instead of a scan of ~70 names.
    static INDEX: std::sync::OnceLock<HashMap<&'static [u8], &'static Command, NameHasher>> =
        std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| COMMANDS.iter().map(|c| (c.full.as_bytes(), c)).collect());
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
            cmd.full.to_ascii_uppercase()
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
    if c.session.monitor && cmd.touches_keyspace() {
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
    if cmd.is_some_and(|cmd| cmd.full == "exec") {
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
    if slower_than >= 0 && usec >= slower_than as u64 && cmd.flags & SKIP_SLOWLOG == 0 {
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
