//! The command table and the commands (Redis's `commands.def` and `t_*.c`).

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::log;
use crate::reply::Reply;
use crate::resp::string2ll;
use crate::server::{Client, Server, VERSION};

type Proc = fn(&mut Server, &mut Client, &mut [Vec<u8>]);

/// One command: name, arity (exact if positive, at least -arity if
/// negative, counting the name), implementation, and what COMMAND reports.
struct Command {
    name: &'static str,
    arity: i32,
    proc: Proc,
    flags: &'static [&'static str],
    /// First key, last key (-1: the last argument), step.
    keys: (i64, i64, i64),
}

const fn cmd(
    name: &'static str,
    arity: i32,
    proc: Proc,
    flags: &'static [&'static str],
    keys: (i64, i64, i64),
) -> Command {
    Command {
        name,
        arity,
        proc,
        flags,
        keys,
    }
}

const W: &[&str] = &["write"];
const R: &[&str] = &["readonly", "fast"];
const F: &[&str] = &["fast"];
const A: &[&str] = &["admin"];
const NOKEY: (i64, i64, i64) = (0, 0, 0);
const KEY: (i64, i64, i64) = (1, 1, 1);
const KEYS: (i64, i64, i64) = (1, -1, 1);

static COMMANDS: &[Command] = &[
    cmd("get", 2, get, R, KEY),
    cmd("set", -3, set, W, KEY),
    cmd("ping", -1, ping, F, NOKEY),
    cmd("echo", 2, echo, F, NOKEY),
    cmd("del", -2, del, W, KEYS),
    cmd("exists", -2, exists, R, KEYS),
    cmd("incr", 2, incr, W, KEY),
    cmd("decr", 2, decr, W, KEY),
    cmd("incrby", 3, incrby, W, KEY),
    cmd("decrby", 3, decrby, W, KEY),
    cmd("expire", 3, expire, W, KEY),
    cmd("pexpire", 3, pexpire, W, KEY),
    cmd("ttl", 2, ttl, R, KEY),
    cmd("pttl", 2, pttl, R, KEY),
    cmd("persist", 2, persist, W, KEY),
    cmd("dbsize", 1, dbsize, R, NOKEY),
    cmd("flushall", -1, flush, W, NOKEY),
    cmd("flushdb", -1, flush, W, NOKEY),
    cmd("select", 2, select, F, NOKEY),
    cmd("info", -1, info, F, NOKEY),
    cmd("config", -2, config, A, NOKEY),
    cmd("command", -1, command, F, NOKEY),
    cmd("client", -2, client, F, NOKEY),
    cmd("quit", -1, quit, F, NOKEY),
    cmd("shutdown", -1, shutdown, A, NOKEY),
];

fn lookup(name: &[u8]) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Runs one request (`processCommand` then `call`).
pub fn process_command(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let Some(cmd) = lookup(&args[0]) else {
        // Redis quotes up to 128 bytes of the name and of the arguments.
        let mut quoted = String::new();
        for arg in &args[1..] {
            if quoted.len() >= 128 {
                break;
            }
            let room = 128 - quoted.len();
            let _ = write!(
                quoted,
                "'{}' ",
                String::from_utf8_lossy(&arg[..arg.len().min(room)])
            );
        }
        let name = String::from_utf8_lossy(&args[0][..args[0].len().min(128)]);
        c.reply.error(&format!(
            "ERR unknown command '{name}', with args beginning with: {quoted}"
        ));
        return;
    };
    let argc = args.len() as i32;
    if (cmd.arity > 0 && argc != cmd.arity) || argc < -cmd.arity {
        c.reply.error(&format!(
            "ERR wrong number of arguments for '{}' command",
            cmd.name
        ));
        return;
    }
    server.stats.total_commands += 1;
    (cmd.proc)(server, c, args);
}

const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

fn integer(arg: &[u8]) -> Option<i64> {
    string2ll(arg)
}

fn ping(_: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match args {
        [_] => c.reply.status("PONG"),
        [_, msg] => c.reply.bulk(msg),
        _ => c
            .reply
            .error("ERR wrong number of arguments for 'ping' command"),
    }
}

fn echo(_: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    c.reply.bulk(&args[1]);
}

fn get(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match server.db.get_value(&args[1], server.now) {
        Some(v) => c.reply.bulk_value(v),
        None => c.reply.null(),
    }
}

/// `now + amount units`, or `None` on overflow or a non-positive amount.
fn deadline(now: Instant, amount: i64, unit_ms: i64) -> Option<Instant> {
    if amount <= 0 {
        return None;
    }
    let ms = amount.checked_mul(unit_ms)?;
    now.checked_add(Duration::from_millis(ms as u64))
}

fn set(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let now = server.now;
    let (mut nx, mut xx, mut expire) = (false, false, None);
    let mut i = 3;
    while i < args.len() {
        let opt = args[i].to_ascii_lowercase();
        match opt.as_slice() {
            b"nx" if !xx => nx = true,
            b"xx" if !nx => xx = true,
            b"ex" | b"px" if expire.is_none() && i + 1 < args.len() => {
                let Some(n) = integer(&args[i + 1]) else {
                    return c.reply.error(NOT_INTEGER);
                };
                let unit = if opt == b"ex" { 1000 } else { 1 };
                match deadline(now, n, unit) {
                    Some(when) => expire = Some(when),
                    None => return c.reply.error("ERR invalid expire time in 'set' command"),
                }
                i += 1;
            }
            _ => return c.reply.error(SYNTAX),
        }
        i += 1;
    }
    if nx || xx {
        let exists = server.db.exists(&args[1], now);
        if (nx && exists) || (xx && !exists) {
            return c.reply.null();
        }
    }
    let value = std::mem::take(&mut args[2]);
    server.db.set(&args[1], value, expire);
    c.reply.status("OK");
}

fn del(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let now = server.now;
    let mut n = 0;
    for key in &args[1..] {
        // An expired key counts as absent.
        if server.db.exists(key, now) && server.db.remove(key) {
            n += 1;
        }
    }
    c.reply.int(n);
}

fn exists(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let now = server.now;
    let n = args[1..]
        .iter()
        .filter(|k| server.db.exists(k, now))
        .count();
    c.reply.int(n as i64);
}

fn incr_by(server: &mut Server, c: &mut Client, key: &[u8], by: i64) {
    let now = server.now;
    let current = match server.db.get(key, now) {
        None => 0,
        Some(v) => match integer(v) {
            Some(n) => n,
            None => return c.reply.error(NOT_INTEGER),
        },
    };
    let Some(next) = current.checked_add(by) else {
        return c.reply.error("ERR increment or decrement would overflow");
    };
    let digits = next.to_string().into_bytes();
    match server.db.get(key, now) {
        // In place, keeping the TTL, as Redis does.
        Some(v) => *v = digits,
        None => server.db.set(key, digits, None),
    }
    c.reply.int(next);
}

fn incr(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    incr_by(server, c, &args[1], 1);
}

fn decr(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    incr_by(server, c, &args[1], -1);
}

fn incrby(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match integer(&args[2]) {
        Some(by) => incr_by(server, c, &args[1], by),
        None => c.reply.error(NOT_INTEGER),
    }
}

fn decrby(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match integer(&args[2]).and_then(i64::checked_neg) {
        Some(by) => incr_by(server, c, &args[1], by),
        None => c.reply.error(NOT_INTEGER),
    }
}

fn expire_generic(server: &mut Server, c: &mut Client, args: &[Vec<u8>], unit_ms: i64, name: &str) {
    let now = server.now;
    let Some(n) = integer(&args[2]) else {
        return c.reply.error(NOT_INTEGER);
    };
    if n.checked_mul(unit_ms).is_none() {
        return c
            .reply
            .error(&format!("ERR invalid expire time in '{name}' command"));
    }
    if !server.db.exists(&args[1], now) {
        return c.reply.int(0);
    }
    match deadline(now, n, unit_ms) {
        Some(when) => {
            server.db.set_expire(&args[1], when);
        }
        // A deadline in the past deletes the key.
        None => {
            server.db.remove(&args[1]);
        }
    }
    c.reply.int(1);
}

fn expire(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    expire_generic(server, c, args, 1000, "expire");
}

fn pexpire(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    expire_generic(server, c, args, 1, "pexpire");
}

fn ttl_generic(server: &mut Server, c: &mut Client, key: &[u8], millis: bool) {
    match server.db.ttl(key, server.now) {
        None => c.reply.int(-2),
        Some(None) => c.reply.int(-1),
        Some(Some(left)) => {
            let ms = left.as_millis() as i64;
            c.reply.int(if millis { ms } else { (ms + 500) / 1000 });
        }
    }
}

fn ttl(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    ttl_generic(server, c, &args[1], false);
}

fn pttl(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    ttl_generic(server, c, &args[1], true);
}

fn persist(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let live = server.db.exists(&args[1], server.now);
    c.reply.int(i64::from(live && server.db.persist(&args[1])));
}

fn dbsize(server: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    c.reply.int(server.db.len() as i64);
}

fn flush(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match &args[1..] {
        [] => {}
        [mode] if mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async") => {}
        _ => return c.reply.error(SYNTAX),
    }
    server.db.clear();
    c.reply.status("OK");
}

fn select(_: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match integer(&args[1]) {
        None => c.reply.error(NOT_INTEGER),
        Some(0) => c.reply.status("OK"),
        Some(_) => c.reply.error("ERR DB index is out of range"),
    }
}

fn info(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let section = args
        .get(1)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let all = matches!(
        section.as_slice(),
        b"" | b"all" | b"default" | b"everything"
    );
    let want = |name: &[u8]| all || section == name;
    let mut out = String::new();
    let s = &server.stats;
    if want(b"server") {
        let _ = write!(
            out,
            "# Server\r\nredis_version:7.0.0\r\nae_demo_version:{VERSION}\r\nredis_mode:standalone\r\nos:{}\r\nmultiplexing_api:{}\r\nprocess_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\nhz:{}\r\n\r\n",
            std::env::consts::OS,
            server.backend,
            std::process::id(),
            server.port,
            server.start.elapsed().as_secs(),
            server.config.hz
        );
    }
    if want(b"clients") {
        let _ = write!(
            out,
            "# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\n\r\n",
            server.num_clients, server.config.maxclients
        );
    }
    if want(b"stats") {
        let _ = write!(
            out,
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\n\r\n",
            s.total_connections,
            s.total_commands,
            s.instantaneous_ops(),
            s.net_input_bytes,
            s.net_output_bytes,
            s.rejected_connections,
            s.expired_keys
        );
    }
    if want(b"keyspace") {
        out.push_str("# Keyspace\r\n");
        if !server.db.is_empty() {
            let _ = write!(
                out,
                "db0:keys={},expires={},avg_ttl=0\r\n",
                server.db.len(),
                server.db.expires()
            );
        }
        out.push_str("\r\n");
    }
    // Without the last blank line, as Redis.
    let trimmed = out.strip_suffix("\r\n").unwrap_or(&out);
    c.reply.bulk(trimmed.as_bytes());
}

/// CONFIG GET patterns as Redis's `stringmatchlen`: `*`, `?` and literal
/// bytes, case-insensitive; greedy with one backtrack point, so no pattern
/// can make it exponential.
fn glob_match(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&s[si]) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    star = Some((sp, ss + 1));
                    pi = sp + 1;
                    si = ss + 1;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

fn config(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let sub = args[1].to_ascii_lowercase();
    if sub != b"get" {
        let name = String::from_utf8_lossy(&args[1]);
        return c.reply.error(&format!(
            "ERR unknown subcommand '{name}'. Try CONFIG HELP."
        ));
    }
    if args.len() < 3 {
        return c
            .reply
            .error("ERR wrong number of arguments for 'config|get' command");
    }
    let cfg = &server.config;
    let params: [(&str, String); 10] = [
        ("port", server.port.to_string()),
        ("bind", cfg.bind.to_string()),
        ("maxclients", cfg.maxclients.to_string()),
        ("timeout", cfg.timeout.to_string()),
        ("hz", cfg.hz.to_string()),
        (
            "client-query-buffer-limit",
            cfg.client_query_buffer_limit.to_string(),
        ),
        ("tcp-backlog", cfg.tcp_backlog.to_string()),
        ("databases", "1".to_string()),
        ("save", String::new()),
        ("appendonly", "no".to_string()),
    ];
    let matched: Vec<&(&str, String)> = params
        .iter()
        .filter(|(name, _)| args[2..].iter().any(|p| glob_match(p, name.as_bytes())))
        .collect();
    c.reply.array(matched.len() * 2);
    for (name, value) in matched {
        c.reply.bulk(name.as_bytes());
        c.reply.bulk(value.as_bytes());
    }
}

fn command_info(c: &mut Client, cmd: &Command) {
    c.reply.array(6);
    c.reply.bulk(cmd.name.as_bytes());
    c.reply.int(i64::from(cmd.arity));
    c.reply.array(cmd.flags.len());
    for flag in cmd.flags {
        c.reply.status(flag);
    }
    c.reply.int(cmd.keys.0);
    c.reply.int(cmd.keys.1);
    c.reply.int(cmd.keys.2);
}

fn command(_: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let sub = args.get(1).map(|s| s.to_ascii_lowercase());
    match sub.as_deref() {
        None => {
            c.reply.array(COMMANDS.len());
            for cmd in COMMANDS {
                command_info(c, cmd);
            }
        }
        Some(b"count") => c.reply.int(COMMANDS.len() as i64),
        Some(b"info") => {
            c.reply.array(args.len() - 2);
            for name in &args[2..] {
                match lookup(name) {
                    Some(cmd) => command_info(c, cmd),
                    None => c.reply.extend_from_slice(b"*-1\r\n"),
                }
            }
        }
        // redis-cli asks for docs at start; it copes with none.
        Some(b"docs") => c.reply.array(0),
        Some(_) => {
            let name = String::from_utf8_lossy(&args[1]);
            c.reply.error(&format!(
                "ERR unknown subcommand '{name}'. Try COMMAND HELP."
            ));
        }
    }
}

fn client(_: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let sub = args[1].to_ascii_lowercase();
    match (sub.as_slice(), args.len()) {
        (b"id", 2) => c.reply.int(c.id as i64),
        (b"getname", 2) => match &c.name {
            Some(name) => {
                let name = name.clone();
                c.reply.bulk(&name);
            }
            None => c.reply.null(),
        },
        (b"setname", 3) => {
            let name = &args[2];
            // As Redis: printable ASCII without spaces; empty clears it.
            if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
                return c.reply.error(
                    "ERR Client names cannot contain spaces, newlines or special characters.",
                );
            }
            c.name = if name.is_empty() {
                None
            } else {
                Some(name.clone())
            };
            c.reply.status("OK");
        }
        (b"id" | b"getname" | b"setname", _) => {
            let name = String::from_utf8_lossy(&sub);
            c.reply.error(&format!(
                "ERR wrong number of arguments for 'client|{name}' command"
            ));
        }
        _ => {
            let name = String::from_utf8_lossy(&args[1]);
            c.reply.error(&format!(
                "ERR unknown subcommand '{name}'. Try CLIENT HELP."
            ));
        }
    }
}

fn quit(_: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    c.reply.status("OK");
    c.close_after_reply = true;
}

fn shutdown(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    for arg in &args[1..] {
        let a = arg.to_ascii_lowercase();
        if !matches!(a.as_slice(), b"nosave" | b"save" | b"now" | b"force") {
            return c.reply.error(SYNTAX);
        }
    }
    log!(Warning, "User requested shutdown...");
    server.shutdown_asap.store(true, Ordering::SeqCst);
    // As Redis, no reply: the connection closes when the server exits.
    c.close_after_reply = true;
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob() {
        assert!(glob_match(b"*", b"maxclients"));
        assert!(glob_match(b"max*", b"maxclients"));
        assert!(glob_match(b"MAXCLIENTS", b"maxclients"));
        assert!(glob_match(b"h?", b"hz"));
        assert!(!glob_match(b"h?", b"hzz"));
        assert!(!glob_match(b"save*x", b"save"));
    }
}
