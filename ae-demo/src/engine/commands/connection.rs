//! Connection commands (Redis's `networking.c`): PING, ECHO, SELECT,
//! QUIT, HELLO, RESET, CLIENT, and the MONITOR feed.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{
    addr_of, cstr, db_count, db_index, error, error_parts, fd_of, integer, reply_help, ReplyMode,
    Session, SYNTAX,
};
use crate::networking::close_asap;
use crate::reply::Reply;
use crate::server::{Client, Server, REDIS_VERSION};

pub(super) fn ping(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match args {
        [_] => c.reply.status("PONG"),
        [_, msg] => c.reply.bulk(msg),
        _ => error(
            server,
            c,
            "ERR wrong number of arguments for 'ping' command",
        ),
    }
}

pub(super) fn echo(_: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    c.reply.bulk(&args[1]);
}

pub(super) fn select(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    match db_index(&args[1]) {
        Err(e) => error(server, c, e),
        Ok(n) if n >= 0 && (n as usize) < db_count(server) => {
            c.session.db = n as usize;
            c.reply.status("OK");
        }
        Ok(_) => error(server, c, "ERR DB index is out of range"),
    }
}

pub(super) fn quit(_: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    c.reply.status("OK");
    c.close_after_reply = true;
}

/// AUTH: no passwords here, as a fresh Redis (the default user has
/// none): the one-argument form is refused with Redis's explanation, and
/// only the user `default` exists.
pub(super) fn auth(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    if args.len() > 3 {
        return error(server, c, SYNTAX);
    }
    server.shared.redacted.push(1);
    if args.len() == 2 {
        return error(
            server,
            c,
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
    }
    server.shared.redacted.push(2);
    if args[1].as_slice() == b"default" {
        c.reply.status("OK");
    } else {
        error(
            server,
            c,
            "WRONGPASS invalid username-password pair or user is disabled.",
        );
    }
}

/// CLIENT SETNAME's check (`clientSetNameOrReply`); true when set.
fn set_name(server: &mut Server, c: &mut Client, name: &[u8]) -> bool {
    // As Redis: printable ASCII without spaces; empty clears it.
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        error(
            server,
            c,
            "ERR Client names cannot contain spaces, newlines or special characters.",
        );
        return false;
    }
    c.name = if name.is_empty() {
        None
    } else {
        Some(name.to_vec())
    };
    true
}

pub(super) fn hello(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let mut version = None;
    if args.len() >= 2 {
        match integer(&args[1]) {
            None => {
                return error(
                    server,
                    c,
                    "ERR Protocol version is not an integer or out of range",
                )
            }
            Some(v @ 2..=3) => version = Some(v),
            Some(_) => return error(server, c, "NOPROTO unsupported protocol version"),
        }
    }
    let mut j = 2;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = args[j].to_ascii_lowercase();
        if opt == b"auth" && more >= 2 {
            server.shared.redacted.extend([j + 1, j + 2]);
            // No ACLs: the default user has no password, as a fresh Redis.
            if args[j + 1].as_slice() != b"default" {
                return error(
                    server,
                    c,
                    "WRONGPASS invalid username-password pair or user is disabled.",
                );
            }
            j += 2;
        } else if opt == b"setname" && more >= 1 {
            let name = args[j + 1].clone();
            if !set_name(server, c, &name) {
                return;
            }
            j += 1;
        } else {
            let opt = args[j].clone();
            return error_parts(
                server,
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
    c.reply.int(c.id as i64);
    c.reply.bulk(b"mode");
    c.reply.bulk(b"standalone");
    c.reply.bulk(b"role");
    c.reply.bulk(b"master");
    c.reply.bulk(b"modules");
    c.reply.array(0);
}

/// RESET: back to a fresh connection's state (`clearClientConnectionState`).
pub(super) fn reset(server: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    leave_monitor(server, c);
    super::transactions::discard_transaction(server, c);
    c.name = None;
    // A fresh session that keeps what describes the connection.
    let mut fresh = Session {
        created: c.session.created,
        last: c.session.last,
        ..Session::default()
    };
    if let Some(lib) = c.session.lib().cloned() {
        fresh.set_lib(0, lib[0].clone());
        fresh.set_lib(1, lib[1].clone());
    }
    c.session = fresh;
    c.reply.status("RESET");
}

fn leave_monitor(server: &mut Server, c: &mut Client) {
    if c.session.monitor {
        let me = (fd_of(c), c.id);
        server.shared.monitors.retain(|m| *m != me);
        c.session.monitor = false;
    }
}

/// Forgets a client that is going away: its MONITOR and WATCH entries.
pub fn client_closed(server: &mut Server, c: &mut Client) {
    leave_monitor(server, c);
    super::transactions::unwatch_all(server, c);
}

pub(super) fn client_id(_: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    c.reply.int(c.id as i64);
}

pub(super) fn client_getname(_: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    match c.name.clone() {
        Some(name) => c.reply.bulk(&name),
        None => c.reply.nil(c.session.resp3),
    }
}

pub(super) fn client_setname(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    if set_name(server, c, &args[2].clone()) {
        c.reply.status("OK");
    }
}

pub(super) fn client_setinfo(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let which = match args[2].to_ascii_lowercase().as_slice() {
        b"lib-name" => 0,
        b"lib-ver" => 1,
        _ => {
            let attr = args[2].clone();
            return error_parts(
                server,
                c,
                &[b"ERR Unrecognized option '", cstr(&attr), b"'"],
            );
        }
    };
    let value = &args[3];
    if value.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        let attr = args[2].to_ascii_lowercase();
        return error_parts(
            server,
            c,
            &[
                b"ERR ",
                &attr,
                b" cannot contain spaces, newlines or special characters.",
            ],
        );
    }
    c.session.set_lib(which, value.clone());
    c.reply.status("OK");
}

/// One CLIENT LIST line (`catClientInfoString`), without the newline.
fn client_info_line(c: &Client, now: std::time::Instant) -> String {
    let s = &c.session;
    let mut flags = String::new();
    if s.monitor {
        flags.push('O');
    }
    if s.in_multi() {
        flags.push('x');
    }
    if s.dirty_cas {
        flags.push('d');
    }
    if c.close_after_reply {
        flags.push('c');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let events = if c.write_handler { "rw" } else { "r" };
    let age = s.age();
    let idle = now.saturating_duration_since(c.last_interaction).as_secs();
    let multi = s.queued();
    let obl = c.pending_bytes();
    let mut line = String::new();
    let _ = write!(
        line,
        "id={} addr={} laddr={} fd={} name={} age={age} idle={idle} flags={flags} db={} sub=0 psub=0 ssub=0 multi={multi} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs={} rbp=0 obl={obl} oll=0 omem=0 tot-mem={} events={events} cmd={} user=default redir=-1 resp={}",
        c.id,
        addr_of(c, false),
        addr_of(c, true),
        fd_of(c),
        String::from_utf8_lossy(c.name.as_deref().unwrap_or(b"")),
        s.db,
        c.query.len(),
        c.pending_bytes(),
        c.query.capacity() + c.pending_bytes(),
        s.last_command(),
        if s.resp3 { 3 } else { 2 },
    );
    if let Some(lib) = s.lib() {
        let _ = write!(
            line,
            " lib-name={} lib-ver={}",
            String::from_utf8_lossy(&lib[0]),
            String::from_utf8_lossy(&lib[1])
        );
    }
    line
}

pub(super) fn client_info(_: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
    let mut text = client_info_line(c, std::time::Instant::now());
    text.push('\n');
    c.reply.verbatim(text.as_bytes(), c.session.resp3);
}

pub(super) fn client_list(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
    let mut ids: Option<Vec<u64>> = None;
    if args.len() == 4 && args[2].eq_ignore_ascii_case(b"type") {
        match args[3].to_ascii_lowercase().as_slice() {
            b"normal" => {}
            b"master" | b"replica" | b"slave" | b"pubsub" => ids = Some(Vec::new()),
            _ => {
                let t = args[3].clone();
                return error_parts(server, c, &[b"ERR Unknown client type '", cstr(&t), b"'"]);
            }
        }
    } else if args.len() > 3 && args[2].eq_ignore_ascii_case(b"id") {
        let mut list = Vec::new();
        for a in &args[3..] {
            match integer(a).filter(|n| *n > 0) {
                Some(n) => list.push(n as u64),
                None => return error(server, c, "ERR Invalid client ID"),
            }
        }
        ids = Some(list);
    } else if args.len() != 2 {
        return error(server, c, SYNTAX);
    }
    let now = std::time::Instant::now();
    let mut lines: Vec<(u64, String)> = server
        .clients
        .iter()
        .flatten()
        .map(|o| (o.id, client_info_line(o, now)))
        .collect();
    lines.push((c.id, client_info_line(c, now)));
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

pub(super) fn client_kill(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
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
                return error(server, c, SYNTAX);
            }
            let value = &args[i + 1];
            match args[i].to_ascii_lowercase().as_slice() {
                b"id" => match integer(value) {
                    Some(n) if n >= 1 => id = Some(n as u64),
                    _ => return error(server, c, "ERR client-id should be greater than 0"),
                },
                b"type" => match value.to_ascii_lowercase().as_slice() {
                    b"normal" => normal_only = Some(true),
                    b"master" | b"replica" | b"slave" | b"pubsub" => normal_only = Some(false),
                    _ => {
                        let t = value.clone();
                        return error_parts(
                            server,
                            c,
                            &[b"ERR Unknown client type '", cstr(&t), b"'"],
                        );
                    }
                },
                b"addr" => addr = Some(value.clone()),
                b"laddr" => laddr = Some(value.clone()),
                b"user" => {
                    if value.as_slice() != b"default" {
                        let u = value.clone();
                        return error_parts(server, c, &[b"ERR No such user '", cstr(&u), b"'"]);
                    }
                }
                b"skipme" => match value.to_ascii_lowercase().as_slice() {
                    b"yes" => skipme = true,
                    b"no" => skipme = false,
                    _ => return error(server, c, SYNTAX),
                },
                _ => return error(server, c, SYNTAX),
            }
            i += 2;
        }
    }
    let matches = |o: &Client| {
        addr.as_ref()
            .map_or(true, |a| a.as_slice() == addr_of(o, false).as_bytes())
            && laddr
                .as_ref()
                .map_or(true, |a| a.as_slice() == addr_of(o, true).as_bytes())
            && id.map_or(true, |id| o.id == id)
            && normal_only != Some(false)
    };
    let mut killed = 0;
    for slot in 0..server.clients.len() {
        let hit = server.clients[slot].as_deref().is_some_and(matches);
        if hit {
            if let Some(mut other) = server.clients[slot].take() {
                close_asap(server, &mut other);
                server.clients[slot] = Some(other);
            }
            killed += 1;
        }
    }
    let close_me = !skipme && matches(c);
    if close_me {
        killed += 1;
    }
    if old_style {
        if killed == 0 {
            return error(server, c, "ERR No such client");
        }
        c.reply.status("OK");
    } else {
        c.reply.int(killed);
    }
    if close_me {
        c.close_after_reply = true;
    }
}

pub(super) fn client_reply(server: &mut Server, c: &mut Client, args: &mut [Vec<u8>]) {
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
        _ => error(server, c, SYNTAX),
    }
}

pub(super) fn client_help(_: &mut Server, c: &mut Client, _: &mut [Vec<u8>]) {
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
/// `+<time> [<db> <addr>] "arg" "arg"`.
pub(super) fn feed_monitors(server: &mut Server, c: &mut Client, args: &[Vec<u8>]) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut line = format!(
        "{}.{:06} [{} {}] ",
        now.as_secs(),
        now.subsec_micros(),
        c.session.db,
        addr_of(c, false)
    );
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        repr(&mut line, arg);
    }
    let monitors = server.shared.monitors.clone();
    for (fd, id) in monitors {
        // A monitor sees its own commands too; it is out of the table.
        if id == c.id {
            c.reply.status(&line);
            continue;
        }
        let Some(slot) = usize::try_from(fd).ok() else {
            continue;
        };
        if let Some(mut m) = server.clients.get_mut(slot).and_then(Option::take) {
            if m.id == id {
                m.reply.status(&line);
                // A monitor that does not read would otherwise grow
                // without bound: its socket blocked, nothing else checks.
                if crate::networking::over_output_limit(server, &m) {
                    close_asap(server, &mut m);
                } else {
                    crate::networking::queue_reply(server, &mut m);
                }
            }
            server.clients[slot] = Some(m);
        }
    }
}

/// MONITOR: this client now receives every command run.
pub(super) fn monitor(server: &mut Server, c: &mut Client) {
    // A transaction expects one reply per command.
    if server.shared.in_exec {
        return error(
            server,
            c,
            "ERR MONITOR isn't allowed for DENY BLOCKING client",
        );
    }
    // Again: ignored, without a reply, as Redis.
    if c.session.monitor {
        return;
    }
    c.session.monitor = true;
    server.shared.monitors.push((fd_of(c), c.id));
    c.reply.status("OK");
}
