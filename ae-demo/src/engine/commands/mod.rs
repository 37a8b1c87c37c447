//! The command table and the dispatcher (Redis's `commands.def`,
//! `processCommand` and `call`), with the commands by family in the
//! submodules: strings (`t_string.c`), keyspace (`db.c`, `expire.c`),
//! connection (`networking.c`), server (`server.c`, `config.c`, `debug.c`)
//! and transactions (`multi.c`).

mod connection;
mod keyspace;
mod server;
mod strings;
mod transactions;

use std::collections::{BTreeMap, HashMap};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Instant;

use crate::db::{unix_ms, Db};
use crate::reply::Reply;
use crate::resp::string2ll;
use crate::server::{Client, Server};

pub use connection::client_closed;

type Proc = fn(&mut Server, &mut Client, &mut [Vec<u8>]);

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
    full: &'static str,
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
fn container_proc(server: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    error(server, c, "ERR missing subcommand");
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
const CONN: u32 = FAST | NO_KEYS;

static CLIENT_SUBS: &[Command] = &[
    sub("client|id", 2, connection::client_id, CONN),
    sub("client|getname", 2, connection::client_getname, CONN),
    sub("client|setname", 3, connection::client_setname, CONN),
    sub("client|info", 2, connection::client_info, NO_KEYS),
    sub("client|list", -2, connection::client_list, ADMIN | NO_KEYS),
    sub("client|kill", -3, connection::client_kill, ADMIN | NO_KEYS),
    sub("client|reply", 3, connection::client_reply, CONN),
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
    sub("object|help", 2, keyspace::object_help, NO_KEYS),
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
type NameHasher = foldhash::fast::RandomState;

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

/// Per-client state the commands keep (Redis's client flags, `mstate`,
/// `watched_keys`, `resp`). Small, as every connection has one: what only
/// some clients use (a transaction, watches, CLIENT SETINFO) is boxed
/// apart and dropped when empty.
pub struct Session {
    /// RESP3 chosen by HELLO 3.
    pub resp3: bool,
    /// A command failed to queue: EXEC answers EXECABORT.
    pub dirty_exec: bool,
    /// A watched key changed: EXEC answers a null array.
    pub dirty_cas: bool,
    /// MONITOR was called.
    pub monitor: bool,
    /// CLIENT REPLY.
    pub reply_mode: ReplyMode,
    /// The database SELECT chose.
    pub db: usize,
    /// When the connection was made, in seconds since the Unix epoch
    /// (`age` in CLIENT LIST).
    created: u32,
    /// The last command run (`cmd` in CLIENT LIST).
    last: Option<&'static Command>,
    /// The rarely used part.
    cold: Option<Box<Cold>>,
}

/// The part of a [`Session`] few clients use.
#[derive(Default)]
struct Cold {
    /// Commands queued since MULTI; `None` outside a transaction.
    multi: Option<Vec<Vec<Vec<u8>>>>,
    /// Keys WATCHed (database, key), each with whether it had already
    /// expired then.
    watched: Vec<(usize, Vec<u8>, bool)>,
    /// CLIENT SETINFO lib-name and lib-ver.
    lib: [Vec<u8>; 2],
}

impl Default for Session {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Session {
            resp3: false,
            dirty_exec: false,
            dirty_cas: false,
            monitor: false,
            reply_mode: ReplyMode::On,
            db: 0,
            created: now as u32,
            last: None,
            cold: None,
        }
    }
}

impl Session {
    fn cold(&mut self) -> &mut Cold {
        self.cold.get_or_insert_with(Box::default)
    }

    /// Frees the cold part once nothing is left in it.
    fn trim(&mut self) {
        let empty = self.cold.as_ref().is_some_and(|c| {
            c.multi.is_none() && c.watched.is_empty() && c.lib.iter().all(Vec::is_empty)
        });
        if empty {
            self.cold = None;
        }
    }

    /// Inside MULTI.
    pub fn in_multi(&self) -> bool {
        self.cold.as_ref().is_some_and(|c| c.multi.is_some())
    }

    /// The commands queued since MULTI.
    pub fn queue(&mut self) -> Option<&mut Vec<Vec<Vec<u8>>>> {
        self.cold.as_mut()?.multi.as_mut()
    }

    /// How many commands are queued (`multi` in CLIENT LIST: -1 outside).
    pub fn queued(&self) -> i64 {
        self.cold
            .as_ref()
            .and_then(|c| c.multi.as_ref())
            .map_or(-1, |q| q.len() as i64)
    }

    /// Enters MULTI.
    pub fn begin_multi(&mut self) {
        self.cold().multi = Some(Vec::new());
    }

    /// Leaves MULTI, with what was queued.
    pub fn take_multi(&mut self) -> Option<Vec<Vec<Vec<u8>>>> {
        let queue = self.cold.as_mut()?.multi.take();
        self.trim();
        queue
    }

    /// The watched keys.
    pub fn watched(&self) -> &[(usize, Vec<u8>, bool)] {
        self.cold.as_ref().map_or(&[], |c| &c.watched)
    }

    /// The watched keys, to add to or mark.
    pub fn watched_mut(&mut self) -> &mut Vec<(usize, Vec<u8>, bool)> {
        &mut self.cold().watched
    }

    /// Forgets the watched keys, returning them.
    pub fn take_watched(&mut self) -> Vec<(usize, Vec<u8>, bool)> {
        let Some(cold) = self.cold.as_mut() else {
            return Vec::new();
        };
        let watched = std::mem::take(&mut cold.watched);
        self.trim();
        watched
    }

    /// CLIENT SETINFO's lib-name and lib-ver, if set.
    pub fn lib(&self) -> Option<&[Vec<u8>; 2]> {
        self.cold
            .as_ref()
            .map(|c| &c.lib)
            .filter(|l| l.iter().any(|v| !v.is_empty()))
    }

    /// Sets lib-name (0) or lib-ver (1).
    pub fn set_lib(&mut self, which: usize, value: Vec<u8>) {
        self.cold().lib[which] = value;
        self.trim();
    }

    /// The last command's full name.
    pub fn last_command(&self) -> &'static str {
        self.last.map_or("NULL", |c| c.full)
    }

    /// Seconds since the connection was made.
    pub fn age(&self) -> u64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        now.saturating_sub(u64::from(self.created))
    }
}

/// CLIENT REPLY modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// No replies until CLIENT REPLY ON.
    Off,
    /// The command after CLIENT REPLY SKIP gets no reply.
    SkipNext,
    /// This command's reply is dropped.
    Skip,
}

/// INFO commandstats for one command.
#[derive(Clone, Copy, Default)]
pub struct CommandStats {
    /// Times run.
    pub calls: u64,
    /// Microseconds spent in it.
    pub usec: u64,
    /// Refused before running (arity, not allowed).
    pub rejected: u64,
    /// Ran and answered an error.
    pub failed: u64,
}

/// A client named by fd and id (the id tells a reused fd apart).
pub type ClientRef = (RawFd, u64);

/// Server-wide state the commands keep.
#[derive(Default)]
pub struct Shared {
    /// The time of the current command in Unix ms (Redis's cached
    /// `mstime`): read once per read from the client (`Server::now`
    /// changes then), so a pipeline of commands costs one clock read.
    pub now_ms: i64,
    /// The `Server::now` that `now_ms` was read at.
    now_at: Option<Instant>,
    /// Clients in MONITOR mode, by fd and id.
    pub monitors: Vec<ClientRef>,
    /// Who watches each key (database, key), by fd and id.
    pub watchers: HashMap<(usize, Vec<u8>), Vec<ClientRef>>,
    /// The databases other than the one in `Server::db`, which is
    /// database `current`: a command finds its client's database in
    /// `Server::db` (see `select_db`). Slot `current` holds an empty
    /// stand-in.
    pub dbs: Vec<Db>,
    /// Which database `Server::db` is.
    pub current: usize,
    /// INFO commandstats by full name.
    pub command_stats: HashMap<&'static str, CommandStats, NameHasher>,
    /// INFO errorstats by error code.
    pub error_stats: BTreeMap<String, u64>,
    /// Every error reply sent.
    pub total_error_replies: u64,
    /// Error replies of the command running (INFO commandstats
    /// `failed_calls`).
    pub errors_in_call: u64,
    /// DEBUG SET-ACTIVE-EXPIRE 0 turns active expiry off.
    pub active_expire_off: bool,
    /// EXEC is running queued commands.
    pub in_exec: bool,
    /// Arguments of the running command MONITOR shows as `(redacted)`
    /// (passwords of AUTH and HELLO).
    pub redacted: Vec<usize>,
}

/// Runs one request (`processCommand`): the checks that can refuse it,
/// then queueing inside MULTI or running it.
pub fn process_command(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    if server.shared.now_at != Some(server.now) {
        server.shared.now_at = Some(server.now);
        server.shared.now_ms = unix_ms();
    }
    if c.session.reply_mode == ReplyMode::SkipNext {
        c.session.reply_mode = ReplyMode::Skip;
    }
    // With replies off (or this one skipped) the command writes into a
    // scratch buffer that is then dropped.
    let suppressed = matches!(c.session.reply_mode, ReplyMode::Off | ReplyMode::Skip);
    let kept = suppressed.then(|| std::mem::take(&mut c.reply));
    dispatch(server, c, args);
    if let Some(kept) = kept {
        c.reply = kept;
        match c.session.reply_mode {
            // CLIENT REPLY ON answers even when replies were off.
            ReplyMode::On => c.reply.status("OK"),
            ReplyMode::Skip => c.session.reply_mode = ReplyMode::On,
            _ => {}
        }
    }
    // Lazy expiry happens in the command's database; the cron collects
    // what other databases counted (COPY and MOVE look into one).
    server.stats.expired_keys += server.db.take_expired();
    transactions::flag_touched(server, Some(c));
}

/// How many databases there are (`--databases`).
pub(crate) fn db_count(server: &Server) -> usize {
    server.config.databases.max(1)
}

/// Makes database `i` the one in `Server::db`, where the commands use it
/// (Redis's `selectDb`): two swaps, and none when it already is.
pub(crate) fn select_db(server: &mut Server, i: usize) {
    let n = db_count(server);
    let sh = &mut server.shared;
    if sh.dbs.len() < n {
        sh.dbs.resize_with(n, Db::default);
    }
    if i == sh.current || i >= n {
        return;
    }
    std::mem::swap(&mut server.db, &mut sh.dbs[sh.current]);
    std::mem::swap(&mut server.db, &mut sh.dbs[i]);
    sh.current = i;
}

/// Database `i`, wherever it is, to read.
pub(crate) fn db_ref(server: &Server, i: usize) -> &Db {
    if i == server.shared.current {
        &server.db
    } else {
        server.shared.dbs.get(i).unwrap_or(&server.db)
    }
}

/// Database `i`, wherever it is.
pub(crate) fn db_mut(server: &mut Server, i: usize) -> &mut Db {
    select_db(server, server.shared.current);
    if i == server.shared.current {
        &mut server.db
    } else {
        &mut server.shared.dbs[i]
    }
}

fn dispatch(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let Some(cmd) = lookup(args) else {
        // Refused: a transaction in progress is flagged to abort.
        if c.session.in_multi() {
            c.session.dirty_exec = true;
        }
        let err = unknown_command_error(args);
        return error_parts(server, c, &[&err]);
    };
    c.session.last = Some(cmd);
    let argc = args.len() as i32;
    if (cmd.arity > 0 && argc != cmd.arity) || argc < -cmd.arity {
        let err = format!("ERR wrong number of arguments for '{}' command", cmd.full);
        return reject(server, c, Some(cmd), &err);
    }
    if cmd.flags & PROTECTED != 0 && !debug_allowed(server, c) {
        let err = format!(
            "ERR {} command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
            cmd.name.to_ascii_uppercase()
        );
        return reject(server, c, Some(cmd), &err);
    }
    if c.session.in_multi() && cmd.flags & NO_MULTI != 0 {
        return reject(
            server,
            c,
            Some(cmd),
            "ERR Command not allowed inside a transaction",
        );
    }
    if c.session.monitor && cmd.flags & NO_KEYS == 0 {
        return reject(
            server,
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
    call(server, c, cmd, args);
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
pub fn active_expire_cycle(server: &mut Server, budget: std::time::Duration) {
    let start = std::time::Instant::now();
    let active = !server.shared.active_expire_off;
    for i in 0..db_count(server) {
        let left = budget.saturating_sub(start.elapsed());
        let db = db_mut(server, i);
        let mut expired = db.take_expired();
        if active && db.expires() > 0 {
            expired += db.active_expire(left) as u64;
        }
        server.stats.expired_keys += expired;
    }
    transactions::flag_touched(server, None);
}

/// Refuses a command (`rejectCommand`): inside MULTI the transaction is
/// flagged to abort; a refused EXEC aborts with EXECABORT.
fn reject(server: &mut Server, c: &mut Client, cmd: Option<&'static Command>, err: &str) {
    if let Some(cmd) = cmd {
        server
            .shared
            .command_stats
            .entry(cmd.full)
            .or_default()
            .rejected += 1;
    }
    if c.session.in_multi() {
        c.session.dirty_exec = true;
    }
    // A refused EXEC aborts, in a transaction or not, as Redis's
    // execCommandAbort.
    if cmd.is_some_and(|cmd| cmd.name == "exec") {
        transactions::discard_transaction(server, c);
        let err = err.strip_prefix("ERR ").unwrap_or(err);
        return error(
            server,
            c,
            &format!("EXECABORT Transaction discarded because of: {err}"),
        );
    }
    error(server, c, err);
}

/// Sends an error reply and counts it (INFO errorstats).
pub fn error(server: &mut Server, c: &mut Client, msg: &str) {
    c.reply.error(msg);
    count_error(server, msg.as_bytes());
}

/// An argument as C's `%s` prints it: up to its first NUL.
fn cstr(arg: &[u8]) -> &[u8] {
    arg.split(|&b| b == 0).next().unwrap_or(arg)
}

/// Sends an error made of parts, user bytes among them kept as they are
/// (not re-encoded as UTF-8), line breaks turned into spaces.
fn error_parts(server: &mut Server, c: &mut Client, parts: &[&[u8]]) {
    let msg: Vec<u8> = parts
        .concat()
        .into_iter()
        .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect();
    c.reply.raw(b"-");
    c.reply.raw(&msg);
    c.reply.raw(b"\r\n");
    count_error(server, &msg);
}

fn count_error(server: &mut Server, msg: &[u8]) {
    let code = msg.split(|&b| b == b' ').next().unwrap_or(b"ERR");
    let code = String::from_utf8_lossy(code).into_owned();
    *server.shared.error_stats.entry(code).or_default() += 1;
    server.shared.total_error_replies += 1;
    server.shared.errors_in_call += 1;
}

/// Runs a command (`call`): times it, counts it, feeds MONITOR.
fn call(server: &mut Server, c: &mut Client, cmd: &'static Command, args: &mut [Vec<u8>]) {
    select_db(server, c.session.db);
    let start = Instant::now();
    // Errors counted from here on are this command's (a command run by
    // EXEC counts its own, not EXEC's).
    let outer_errors = std::mem::take(&mut server.shared.errors_in_call);
    // MONITOR sees the command as sent, after it ran; administrative
    // commands are not shown.
    let monitored = (cmd.flags & (SKIP_MONITOR | ADMIN) == 0 && !server.shared.monitors.is_empty())
        .then(|| args.to_vec());
    (cmd.proc)(server, c, args);
    if let Some(mut original) = monitored {
        for i in std::mem::take(&mut server.shared.redacted) {
            if let Some(arg) = original.get_mut(i) {
                *arg = b"(redacted)".to_vec();
            }
        }
        connection::feed_monitors(server, c, &original);
    }
    server.shared.redacted.clear();
    let usec = start.elapsed().as_micros() as u64;
    server.stats.total_commands += 1;
    let failed = server.shared.errors_in_call > 0;
    server.shared.errors_in_call = outer_errors;
    let stats = server.shared.command_stats.entry(cmd.full).or_default();
    stats.calls += 1;
    stats.usec += usec;
    if failed {
        stats.failed += 1;
    }
}

/// The client's own address or the server side's, `ip:port`.
fn addr_of(c: &Client, local: bool) -> String {
    let addr = if local {
        c.stream.local_addr()
    } else {
        c.stream.peer_addr()
    };
    addr.map_or_else(|_| "?:0".to_string(), |a| a.to_string())
}

fn debug_allowed(server: &Server, c: &Client) -> bool {
    use crate::config::Protected;
    match server.config.enable_debug_command {
        Protected::Yes => true,
        Protected::No => false,
        Protected::Local => c.stream.peer_addr().is_ok_and(|a| a.ip().is_loopback()),
    }
}

/// The fd of a client.
fn fd_of(c: &Client) -> RawFd {
    c.stream.as_raw_fd()
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
fn reply_help(c: &mut Client, name: &str, lines: &[&str]) {
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
