//! Connection commands (Redis's `networking.c`): PING, ECHO, SELECT,
//! QUIT, HELLO, RESET, CLIENT, and the MONITOR feed.

use std::fmt::Write as _;
use std::os::fd::RawFd;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{cstr, db_index, error, error_parts, integer, reply_help, NOT_INTEGER, SYNTAX};
use crate::engine::reply::Reply;
use crate::engine::{Caller, ConnInfo, Effect, Engine, ReplyMode, Session, REDIS_VERSION};

pub(super) fn ping(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match args {
        [_] => c.reply.status("PONG"),
        [_, msg] => c.reply.bulk(msg),
        _ => error(e, c, "ERR wrong number of arguments for 'ping' command"),
    }
}

pub(super) fn echo(_: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    c.reply.bulk(&args[1]);
}

pub(super) fn select(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match db_index(&args[1]) {
        Err(msg) => error(e, c, msg),
        Ok(n) if n >= 0 && (n as usize) < e.keyspace.len() => {
            c.session.db = n as usize;
            c.reply.status("OK");
        }
        Ok(_) => error(e, c, "ERR DB index is out of range"),
    }
}

pub(super) fn quit(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.status("OK");
    e.effects.push(Effect::CloseAfterReply);
}

/// AUTH: no passwords here, as a fresh Redis (the default user has
/// none): the one-argument form is refused with Redis's explanation, and
/// only the user `default` exists.
pub(super) fn auth(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if args.len() > 3 {
        return error(e, c, SYNTAX);
    }
    e.redacted.push(1);
    if args.len() == 2 {
        return error(
            e,
            c,
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
    }
    e.redacted.push(2);
    if args[1].as_slice() == b"default" {
        c.reply.status("OK");
    } else {
        error(
            e,
            c,
            "WRONGPASS invalid username-password pair or user is disabled.",
        );
    }
}

/// CLIENT SETNAME's check (`clientSetNameOrReply`); true when set.
fn set_name(e: &mut Engine, c: &mut Caller<'_>, name: &[u8]) -> bool {
    // As Redis: printable ASCII without spaces; empty clears it.
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        error(
            e,
            c,
            "ERR Client names cannot contain spaces, newlines or special characters.",
        );
        return false;
    }
    c.session.name = if name.is_empty() {
        None
    } else {
        Some(name.to_vec())
    };
    true
}

pub(super) fn hello(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let mut version = None;
    if args.len() >= 2 {
        match integer(&args[1]) {
            None => {
                return error(
                    e,
                    c,
                    "ERR Protocol version is not an integer or out of range",
                )
            }
            Some(v @ 2..=3) => version = Some(v),
            Some(_) => return error(e, c, "NOPROTO unsupported protocol version"),
        }
    }
    let mut j = 2;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = args[j].to_ascii_lowercase();
        if opt == b"auth" && more >= 2 {
            e.redacted.extend([j + 1, j + 2]);
            // No ACLs: the default user has no password, as a fresh Redis.
            if args[j + 1].as_slice() != b"default" {
                return error(
                    e,
                    c,
                    "WRONGPASS invalid username-password pair or user is disabled.",
                );
            }
            j += 2;
        } else if opt == b"setname" && more >= 1 {
            let name = args[j + 1].clone();
            if !set_name(e, c, &name) {
                return;
            }
            j += 1;
        } else {
            let opt = args[j].clone();
            return error_parts(
                e,
                c,
                &[b"ERR Syntax error in HELLO option '", cstr(&opt), b"'"],
            );
        }
        j += 1;
    }
    if let Some(v) = version {
        c.session.resp3 = v == 3;
    }
    let resp3 = c.session.resp3;
    c.reply.map(7, resp3);
    c.reply.bulk(b"server");
    c.reply.bulk(b"redis");
    c.reply.bulk(b"version");
    c.reply.bulk(REDIS_VERSION.as_bytes());
    c.reply.bulk(b"proto");
    c.reply.int(if resp3 { 3 } else { 2 });
    c.reply.bulk(b"id");
    c.reply.int(c.session.id as i64);
    c.reply.bulk(b"mode");
    c.reply.bulk(b"standalone");
    c.reply.bulk(b"role");
    c.reply.bulk(b"master");
    c.reply.bulk(b"modules");
    c.reply.array(0);
}

/// RESET: back to a fresh connection's state (`clearClientConnectionState`).
pub(super) fn reset(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    leave_monitor(e, c.conn.fd, c.session);
    super::transactions::discard_transaction(e, c);
    c.session.reset();
    c.reply.status("RESET");
}

fn leave_monitor(e: &mut Engine, fd: RawFd, session: &mut Session) {
    if session.monitor {
        let me = (fd, session.id);
        e.monitors.retain(|m| *m != me);
        session.monitor = false;
    }
}

/// Forgets a client that is going away: its MONITOR and WATCH entries.
pub(in crate::engine) fn client_closed(e: &mut Engine, fd: RawFd, session: &mut Session) {
    leave_monitor(e, fd, session);
    e.keyspace.unwatch_all(session.id);
    e.blocked_client_closed(session.id);
}

pub(super) fn client_id(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.int(c.session.id as i64);
}

pub(super) fn client_getname(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    match c.session.name.clone() {
        Some(name) => c.reply.bulk(&name),
        None => c.reply.nil(c.session.resp3),
    }
}

pub(super) fn client_setname(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if set_name(e, c, &args[2].clone()) {
        c.reply.status("OK");
    }
}

pub(super) fn client_setinfo(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let is_name = match args[2].to_ascii_lowercase().as_slice() {
        b"lib-name" => true,
        b"lib-ver" => false,
        _ => {
            let attr = args[2].clone();
            return error_parts(e, c, &[b"ERR Unrecognized option '", cstr(&attr), b"'"]);
        }
    };
    let value = &args[3];
    if value.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        let attr = args[2].to_ascii_lowercase();
        return error_parts(
            e,
            c,
            &[
                b"ERR ",
                &attr,
                b" cannot contain spaces, newlines or special characters.",
            ],
        );
    }
    let value = value.clone();
    c.session.set_lib(|lib| {
        if is_name {
            lib.name = value;
        } else {
            lib.version = value;
        }
    });
    c.reply.status("OK");
}

/// One CLIENT LIST line (`catClientInfoString`), without the newline.
fn client_info_line(
    e: &Engine,
    conn: &ConnInfo<'_>,
    s: &Session,
    pending: usize,
    now: std::time::Instant,
) -> String {
    let mut flags = String::new();
    if s.monitor {
        flags.push('O');
    }
    if s.in_multi() {
        flags.push('x');
    }
    if s.blocked {
        flags.push('b');
    }
    if e.keyspace.is_dirty(s.id) {
        flags.push('d');
    }
    if conn.close_after_reply {
        flags.push('c');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let events = if conn.write_handler { "rw" } else { "r" };
    let age = s.age();
    let idle = now
        .saturating_duration_since(conn.last_interaction)
        .as_secs();
    let multi = s.queued();
    let mut line = String::new();
    let _ = write!(
        line,
        "id={} addr={} laddr={} fd={} name={} age={age} idle={idle} flags={flags} db={} sub=0 psub=0 ssub=0 multi={multi} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs={} rbp=0 obl={pending} oll=0 omem=0 tot-mem={} events={events} cmd={} user=default redir=-1 resp={}",
        s.id,
        conn.addr(false),
        conn.addr(true),
        conn.fd,
        String::from_utf8_lossy(s.name.as_deref().unwrap_or(b"")),
        s.db,
        conn.query_len,
        pending,
        conn.query_capacity + pending,
        s.last_command(),
        if s.resp3 { 3 } else { 2 },
    );
    if let Some(lib) = s.lib() {
        let _ = write!(
            line,
            " lib-name={} lib-ver={}",
            String::from_utf8_lossy(&lib.name),
            String::from_utf8_lossy(&lib.version)
        );
    }
    line
}

/// The caller's CLIENT LIST line.
fn own_info_line(e: &Engine, c: &Caller<'_>, now: std::time::Instant) -> String {
    client_info_line(e, &c.conn, c.session, c.reply.pending(), now)
}

pub(super) fn client_info(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    let mut text = own_info_line(e, c, std::time::Instant::now());
    text.push('\n');
    c.reply.verbatim(text.as_bytes(), c.session.resp3);
}

pub(super) fn client_list(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let mut ids: Option<Vec<u64>> = None;
    if args.len() == 4 && args[2].eq_ignore_ascii_case(b"type") {
        match args[3].to_ascii_lowercase().as_slice() {
            b"normal" => {}
            b"master" | b"replica" | b"slave" | b"pubsub" => ids = Some(Vec::new()),
            _ => {
                let t = args[3].clone();
                return error_parts(e, c, &[b"ERR Unknown client type '", cstr(&t), b"'"]);
            }
        }
    } else if args.len() > 3 && args[2].eq_ignore_ascii_case(b"id") {
        let mut list = Vec::new();
        for a in &args[3..] {
            match integer(a).filter(|n| *n > 0) {
                Some(n) => list.push(n as u64),
                None => return error(e, c, "ERR Invalid client ID"),
            }
        }
        ids = Some(list);
    } else if args.len() != 2 {
        return error(e, c, SYNTAX);
    }
    let now = std::time::Instant::now();
    let mut lines: Vec<(u64, String)> = Vec::new();
    c.peers.for_each(&mut |p| {
        lines.push((
            p.session.id,
            client_info_line(e, &p.conn, p.session, p.pending, now),
        ))
    });
    lines.push((c.session.id, own_info_line(e, c, now)));
    lines.sort_by_key(|l| l.0);
    let mut text = String::new();
    for (id, line) in lines {
        if ids.as_ref().map_or(true, |ids| ids.contains(&id)) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    c.reply.verbatim(text.as_bytes(), c.session.resp3);
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: a waiting client is answered as
/// if its timeout passed, or with an UNBLOCKED error; 1 if it waited.
pub(super) fn client_unblock(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if args.len() > 4 {
        let sub = args[1].clone();
        return error_parts(
            e,
            c,
            &[
                b"ERR unknown subcommand or wrong number of arguments for '",
                cstr(&sub),
                b"'. Try CLIENT HELP.",
            ],
        );
    }
    let as_error = match args.get(3) {
        None => false,
        Some(r) if r.eq_ignore_ascii_case(b"timeout") => false,
        Some(r) if r.eq_ignore_ascii_case(b"error") => true,
        Some(_) => return error(e, c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let Some(id) = integer(&args[2]) else {
        return error(e, c, NOT_INTEGER);
    };
    let unblocked = u64::try_from(id).is_ok_and(|id| e.unblock_client(id, as_error));
    c.reply.int(i64::from(unblocked));
}

pub(super) fn client_kill(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (mut addr, mut laddr, mut id, mut skipme) = (None, None, None, true);
    let mut normal_only = None;
    let old_style = args.len() == 3;
    if old_style {
        addr = Some(args[2].clone());
        skipme = false;
    } else {
        let mut i = 2;
        while i < args.len() {
            if i + 1 >= args.len() {
                return error(e, c, SYNTAX);
            }
            let value = &args[i + 1];
            match args[i].to_ascii_lowercase().as_slice() {
                b"id" => match integer(value) {
                    Some(n) if n >= 1 => id = Some(n as u64),
                    _ => return error(e, c, "ERR client-id should be greater than 0"),
                },
                b"type" => match value.to_ascii_lowercase().as_slice() {
                    b"normal" => normal_only = Some(true),
                    b"master" | b"replica" | b"slave" | b"pubsub" => normal_only = Some(false),
                    _ => {
                        let t = value.clone();
                        return error_parts(e, c, &[b"ERR Unknown client type '", cstr(&t), b"'"]);
                    }
                },
                b"addr" => addr = Some(value.clone()),
                b"laddr" => laddr = Some(value.clone()),
                b"user" => {
                    if value.as_slice() != b"default" {
                        let u = value.clone();
                        return error_parts(e, c, &[b"ERR No such user '", cstr(&u), b"'"]);
                    }
                }
                b"skipme" => match value.to_ascii_lowercase().as_slice() {
                    b"yes" => skipme = true,
                    b"no" => skipme = false,
                    _ => return error(e, c, SYNTAX),
                },
                _ => return error(e, c, SYNTAX),
            }
            i += 2;
        }
    }
    let matches = |conn: &ConnInfo<'_>, client_id: u64| {
        addr.as_ref()
            .map_or(true, |a| a.as_slice() == conn.addr(false).as_bytes())
            && laddr
                .as_ref()
                .map_or(true, |a| a.as_slice() == conn.addr(true).as_bytes())
            && id.map_or(true, |id| client_id == id)
            && normal_only != Some(false)
    };
    let mut killed = 0;
    c.peers.for_each(&mut |p| {
        if matches(&p.conn, p.session.id) {
            e.effects.push(Effect::Kill((p.conn.fd, p.session.id)));
            killed += 1;
        }
    });
    let close_me = !skipme && matches(&c.conn, c.session.id);
    if close_me {
        killed += 1;
    }
    if old_style {
        if killed == 0 {
            return error(e, c, "ERR No such client");
        }
        c.reply.status("OK");
    } else {
        c.reply.int(killed);
    }
    if close_me {
        e.effects.push(Effect::CloseAfterReply);
    }
}

pub(super) fn client_reply(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match args[2].to_ascii_lowercase().as_slice() {
        b"on" => {
            c.session.reply_mode = ReplyMode::On;
            c.reply.status("OK");
        }
        b"off" => c.session.reply_mode = ReplyMode::Off,
        b"skip" => {
            if c.session.reply_mode != ReplyMode::Off {
                c.session.reply_mode = ReplyMode::SkipNext;
            }
        }
        _ => error(e, c, SYNTAX),
    }
}

pub(super) fn client_help(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    reply_help(
        c,
        "CLIENT",
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
        ],
    );
}

/// Redis's `sdscatrepr`: a quoted string with C escapes.
fn repr(out: &mut String, arg: &[u8]) {
    out.push('"');
    for &b in arg {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
}

/// Sends a command to every MONITOR client (`replicationFeedMonitors`):
/// `+<time> [<db> <addr>] "arg" "arg"`. The caller, if it monitors, has it
/// in its reply at once; the server sends it to the others.
pub(super) fn feed_monitors(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>]) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut line = format!(
        "{}.{:06} [{} {}] ",
        now.as_secs(),
        now.subsec_micros(),
        c.session.db,
        c.conn.addr(false)
    );
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        repr(&mut line, arg);
    }
    if e.monitors.iter().any(|&(_, id)| id == c.session.id) {
        c.reply.status(&line);
    }
    if e.monitors.iter().any(|&(_, id)| id != c.session.id) {
        e.effects.push(Effect::Monitor(line));
    }
}

/// MONITOR: this client now receives every command run.
pub(super) fn monitor(e: &mut Engine, c: &mut Caller<'_>) {
    // A transaction expects one reply per command.
    if e.in_exec {
        return error(e, c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
    }
    // Again: ignored, without a reply, as Redis.
    if c.session.monitor {
        return;
    }
    c.session.monitor = true;
    e.monitors.push((c.conn.fd, c.session.id));
    c.reply.status("OK");
}
