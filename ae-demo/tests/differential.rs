//! Differential test: the same requests go to redis-server (Debian's 7.0.15
//! here; CI installs it) and to ae-demo, and the replies must be the same
//! bytes, or the same shape where a reply legitimately varies (the case
//! names the normaliser). The cases are data: `differential.cases`, whose
//! header describes the format. A second test sends seeded random command
//! sequences to both.
//!
//! While working on a case: `DIFF_ONLY=<part of a case name>` runs the
//! matching cases, `DIFF_TRACE=1` prints each case as it runs, and
//! `DIFF_DEMO_PORT=<port>` compares an ae-demo started by hand (to watch
//! its log) instead of the one the test starts.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ae_demo::resp::split_args;
use common::{RedisServer, Server};

/// How long a reply may take before the side counts as silent. Only a
/// difference waits this long: matching replies arrive at once.
const REPLY_WAIT: Duration = Duration::from_millis(1500);

/// One reply, parsed from RESP2 or RESP3.
#[derive(Clone, Debug)]
enum Reply {
    /// `+`, `-`, `:`, `_`, `,`, `#`, `(`: the type and the line.
    Line(u8, Vec<u8>),
    /// `$`, `!`, `=`: the type and the payload (`None`: `$-1`).
    Bulk(u8, Option<Vec<u8>>),
    /// `*`, `%`, `~`, `>`: the type and the elements (a map's keys and
    /// values alternate; `None`: `*-1`).
    Agg(u8, Option<Vec<Reply>>),
    /// The server closed the connection.
    Closed,
    /// Nothing (or only part of a reply) within [`REPLY_WAIT`].
    Silent,
}

fn line_end(buf: &[u8], from: usize) -> Option<usize> {
    buf[from..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| from + i)
}

/// Parses one reply at `buf[pos..]`; `None` when incomplete.
fn parse(buf: &[u8], pos: usize) -> Option<(Reply, usize)> {
    let kind = *buf.get(pos)?;
    let end = line_end(buf, pos + 1)?;
    let line = buf[pos + 1..end].to_vec();
    let next = end + 2;
    let count = || -> i64 { String::from_utf8_lossy(&line).parse().unwrap_or(-1) };
    match kind {
        b'$' | b'!' | b'=' => {
            let n = count();
            if n < 0 {
                return Some((Reply::Bulk(kind, None), next));
            }
            let n = n as usize;
            if buf.len() < next + n + 2 {
                return None;
            }
            Some((
                Reply::Bulk(kind, Some(buf[next..next + n].to_vec())),
                next + n + 2,
            ))
        }
        b'*' | b'%' | b'~' | b'>' | b'|' => {
            let n = count();
            if n < 0 {
                return Some((Reply::Agg(kind, None), next));
            }
            let n = if matches!(kind, b'%' | b'|') {
                2 * n
            } else {
                n
            };
            let mut items = Vec::new();
            let mut at = next;
            for _ in 0..n {
                let (item, after) = parse(buf, at)?;
                items.push(item);
                at = after;
            }
            if kind == b'|' {
                // An attribute precedes the reply it annotates.
                let (reply, after) = parse(buf, at)?;
                return Some((
                    Reply::Agg(b'|', Some(vec![Reply::Agg(b'%', Some(items)), reply])),
                    after,
                ));
            }
            Some((Reply::Agg(kind, Some(items)), at))
        }
        _ => Some((Reply::Line(kind, line), next)),
    }
}

/// A connection with a reply buffer.
struct Conn {
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    local: String,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(REPLY_WAIT)).unwrap();
        let local = stream.local_addr().unwrap().to_string();
        Conn {
            stream: Some(stream),
            buf: Vec::new(),
            local,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        if let Some(s) = &mut self.stream {
            // A server that closed shows as `Closed` on the next read.
            let _ = s.write_all(bytes);
        }
    }

    /// The next reply and its exact bytes.
    fn read(&mut self) -> (Reply, Vec<u8>) {
        loop {
            if let Some((reply, used)) = parse(&self.buf, 0) {
                let raw: Vec<u8> = self.buf.drain(..used).collect();
                return (reply, raw);
            }
            let Some(s) = &mut self.stream else {
                return (Reply::Closed, std::mem::take(&mut self.buf));
            };
            let mut chunk = [0u8; 16 * 1024];
            match s.read(&mut chunk) {
                Ok(0) => {
                    self.stream = None;
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => self.stream = None,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return (Reply::Silent, std::mem::take(&mut self.buf));
                }
                Err(e) => panic!("read: {e}"),
            }
        }
    }
}

fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// Redis's `stringmatchlen` is not needed here: normalisers work on the
/// parsed reply and render it canonically, leaving out what may vary.
fn render(r: &Reply, out: &mut String) {
    match r {
        Reply::Line(k, l) => {
            let _ = write!(out, "{}{} ", *k as char, escape(l));
        }
        Reply::Bulk(k, None) => {
            let _ = write!(out, "{}-1 ", *k as char);
        }
        Reply::Bulk(k, Some(b)) => {
            let _ = write!(out, "{}{} ", *k as char, escape(b));
        }
        Reply::Agg(k, None) => {
            let _ = write!(out, "{}-1 ", *k as char);
        }
        Reply::Agg(k, Some(items)) => {
            let _ = write!(out, "{}{}[ ", *k as char, items.len());
            for i in items {
                render(i, out);
            }
            out.push_str("] ");
        }
        Reply::Closed => out.push_str("<closed> "),
        Reply::Silent => out.push_str("<silent> "),
    }
}

/// Types and lengths, with integers and bulk payloads left out (TIME,
/// RANDOMKEY among several keys, a TTL in milliseconds).
fn shape(r: &Reply) -> Reply {
    match r {
        Reply::Line(b':', _) => Reply::Line(b':', b"?".to_vec()),
        Reply::Bulk(k, Some(_)) => Reply::Bulk(*k, Some(b"?".to_vec())),
        Reply::Agg(k, Some(items)) => Reply::Agg(*k, Some(items.iter().map(shape).collect())),
        other => other.clone(),
    }
}

fn sort_items(items: &[Reply]) -> Vec<Reply> {
    let mut keyed: Vec<(String, Reply)> = items
        .iter()
        .map(|i| {
            let mut s = String::new();
            render(i, &mut s);
            (s, i.clone())
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The payload of a bulk or verbatim string (`=` drops its `txt:`).
fn text(r: &Reply) -> Option<String> {
    match r {
        Reply::Bulk(b'=', Some(b)) => Some(String::from_utf8_lossy(&b[4.min(b.len())..]).into()),
        Reply::Bulk(_, Some(b)) => Some(String::from_utf8_lossy(b).into()),
        _ => None,
    }
}

fn with_text(r: &Reply, f: impl Fn(&str) -> String) -> Reply {
    match (r, text(r)) {
        (Reply::Bulk(k, _), Some(t)) => Reply::Bulk(*k, Some(f(&t).into_bytes())),
        _ => r.clone(),
    }
}

/// CLIENT LIST/INFO fields whose values differ between two servers or two
/// runs: ids, addresses, fds, times, buffer and memory sizes.
const CLIENT_VARYING: &[&str] = &[
    "id",
    "addr",
    "laddr",
    "fd",
    "age",
    "idle",
    "qbuf",
    "qbuf-free",
    "argv-mem",
    "multi-mem",
    "obl",
    "oll",
    "omem",
    "tot-mem",
    "events",
    "rbs",
    "rbp",
];

/// INFO's headers and field names, the fields of each section sorted
/// (commandstats and errorstats come in hash order from Redis).
fn info_keys(t: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut section: Vec<String> = Vec::new();
    for l in t.lines().chain(std::iter::once("")) {
        match l.split_once(':') {
            Some((k, _)) => section.push(format!("{k}:?")),
            None => {
                section.sort();
                out.append(&mut section);
                out.push(l.to_string());
            }
        }
    }
    out.join("\n")
}

/// Every run of digits in lines and payloads as one `0` (LATENCY DOCTOR
/// and GRAPH: their text is exact but for milliseconds and ages).
fn digits(r: &Reply) -> Reply {
    let squash = |b: &[u8]| {
        let mut out = Vec::new();
        for (i, &c) in b.iter().enumerate() {
            if !c.is_ascii_digit() {
                out.push(c);
            } else if i == 0 || !b[i - 1].is_ascii_digit() {
                out.push(b'0');
            }
        }
        out
    };
    match r {
        Reply::Line(k, l) => Reply::Line(*k, squash(l)),
        Reply::Bulk(k, Some(b)) => Reply::Bulk(*k, Some(squash(b))),
        Reply::Agg(k, Some(items)) => Reply::Agg(*k, Some(items.iter().map(digits).collect())),
        other => other.clone(),
    }
}

/// A map (or flat array of pairs) with its keys kept and its values'
/// shapes (doubles' too), nested maps alike (MEMORY STATS: the field names, not the
/// sizes).
fn keys(r: &Reply) -> Reply {
    match r {
        Reply::Agg(k, Some(items)) if items.len() % 2 == 0 => {
            let items = items
                .chunks(2)
                .flat_map(|p| {
                    let value = match &p[1] {
                        Reply::Agg(..) => keys(&p[1]),
                        // A RESP3 double, as shape leaves a RESP2 one out.
                        Reply::Line(b',', _) => Reply::Line(b',', b"?".to_vec()),
                        other => shape(other),
                    };
                    [p[0].clone(), value]
                })
                .collect();
            Reply::Agg(*k, Some(items))
        }
        other => shape(other),
    }
}

/// The bucket names Redis 7.0's LATENCY HISTOGRAM uses (power-of-two
/// levels of its hdr_histogram, in microseconds, and the overflow).
const HISTOGRAM_USEC: &[i64] = &[
    1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633, 135266,
    270532, 541065, 1073741,
];

/// LATENCY HISTOGRAM: the commands as a set, each one's `calls` exact, its
/// `histogram_usec` checked (names from [`HISTOGRAM_USEC`] rising,
/// cumulative counts rising to `calls`) and shown as `+valid`, as the
/// buckets depend on time.
fn histogram(r: &Reply) -> Reply {
    let int = |r: &Reply| match r {
        Reply::Line(b':', l) => String::from_utf8_lossy(l).parse::<i64>().ok(),
        _ => None,
    };
    let entry = |v: &Reply| -> Reply {
        let Reply::Agg(k, Some(f)) = v else {
            return v.clone();
        };
        let (Some(calls), Some(Reply::Agg(_, Some(buckets)))) = (f.get(1).and_then(int), f.get(3))
        else {
            return v.clone();
        };
        let pairs: Vec<(Option<i64>, Option<i64>)> = buckets
            .chunks(2)
            .map(|p| (int(&p[0]), p.get(1).and_then(int)))
            .collect();
        let mut at = 0;
        let mut last = 0;
        let mut valid = buckets.len() % 2 == 0 && !pairs.is_empty();
        for (name, count) in &pairs {
            match (
                name.and_then(|n| HISTOGRAM_USEC[at..].iter().position(|&u| u == n)),
                count,
            ) {
                (Some(p), Some(c)) if *c > last => {
                    at += p + 1;
                    last = *c;
                }
                _ => valid = false,
            }
        }
        if !valid || last != calls {
            return v.clone();
        }
        let mut f = f.clone();
        f[3] = Reply::Line(b'+', b"valid".to_vec());
        Reply::Agg(*k, Some(f))
    };
    match r {
        Reply::Agg(k, Some(items)) => {
            let fixed: Vec<Reply> = items
                .chunks(2)
                .flat_map(|p| [p[0].clone(), p.get(1).map_or(Reply::Silent, entry)])
                .collect();
            normalise("pairs", &Reply::Agg(*k, Some(fixed)))
        }
        other => other.clone(),
    }
}

/// COMMAND INFO and DOCS with every container's subcommands compared as
/// a set: Redis lists them in the order of its hash table, which its
/// random hash seed makes differ from run to run. An INFO entry is an
/// array of 10 whose last is the subcommands' entries; a DOCS entry, a map
/// whose `subcommands` is a map of name and docs.
fn subcommands(r: &Reply) -> Reply {
    let Reply::Agg(k, Some(items)) = r else {
        return r.clone();
    };
    let mut items: Vec<Reply> = items.iter().map(subcommands).collect();
    let is_entry = items.len() == 10 && matches!(items[0], Reply::Bulk(b'$', Some(_)));
    if is_entry {
        if let Reply::Agg(k, Some(subs)) = &items[9] {
            items[9] = Reply::Agg(*k, Some(sort_items(subs)));
        }
    }
    for i in (0..items.len().saturating_sub(1)).step_by(2) {
        if text(&items[i]).as_deref() == Some("subcommands") {
            items[i + 1] = normalise("pairs", &items[i + 1]);
        }
    }
    Reply::Agg(*k, Some(items))
}

/// Applies the named normaliser (see the cases file).
fn normalise(name: &str, r: &Reply) -> Reply {
    match name {
        "subcommands" => subcommands(r),
        "shape" => shape(r),
        "digits" => digits(r),
        "keys" => keys(r),
        "histogram" => histogram(r),
        "sorted" => match r {
            Reply::Agg(k, Some(items)) => Reply::Agg(*k, Some(sort_items(items))),
            other => other.clone(),
        },
        "pairs" => match r {
            // A map (or a flat array of pairs) in hash order.
            Reply::Agg(k, Some(items)) => {
                let mut pairs: Vec<(String, Vec<Reply>)> = items
                    .chunks(2)
                    .map(|p| {
                        let mut s = String::new();
                        for i in p {
                            render(i, &mut s);
                        }
                        (s, p.to_vec())
                    })
                    .collect();
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                Reply::Agg(*k, Some(pairs.into_iter().flat_map(|p| p.1).collect()))
            }
            other => other.clone(),
        },
        "scan" => match r {
            // The cursor is opaque; the keys of a full iteration compare
            // as a set.
            Reply::Agg(k, Some(items)) if items.len() == 2 => {
                let cursor = match &items[0] {
                    Reply::Bulk(k, Some(c)) if c != b"0" => Reply::Bulk(*k, Some(b"?".to_vec())),
                    other => other.clone(),
                };
                Reply::Agg(*k, Some(vec![cursor, normalise("sorted", &items[1])]))
            }
            other => other.clone(),
        },
        "info-sections" => with_text(r, |t| {
            t.lines()
                .filter(|l| l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        "info-keys" => with_text(r, info_keys),
        "client" => {
            let fix = |t: &str| {
                t.lines()
                    .map(|l| {
                        l.split(' ')
                            .map(|f| match f.split_once('=') {
                                Some((k, _)) if CLIENT_VARYING.contains(&k) => format!("{k}=?"),
                                _ => f.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            with_text(r, fix)
        }
        "monitor" => match r {
            // +1700000000.123456 [0 127.0.0.1:5555] "SET" "k" "v"
            Reply::Line(b'+', l) => {
                let l = String::from_utf8_lossy(l);
                let rest = l.split_once("] ").map_or("", |x| x.1);
                let db = l
                    .split_once('[')
                    .and_then(|x| x.1.split(' ').next())
                    .unwrap_or("");
                Reply::Line(b'+', format!("<ts> [{db} <addr>] {rest}").into_bytes())
            }
            other => other.clone(),
        },
        "hello" => match r {
            // HELLO's map, also inside an EXEC reply: the id differs.
            Reply::Agg(k, Some(items)) => {
                let mut items: Vec<Reply> = items.iter().map(|i| normalise("hello", i)).collect();
                for i in (0..items.len().saturating_sub(1)).step_by(2) {
                    if text(&items[i]).as_deref() == Some("id") {
                        items[i + 1] = Reply::Line(b':', b"?".to_vec());
                    }
                }
                Reply::Agg(*k, Some(items))
            }
            other => other.clone(),
        },
        other if other.starts_with("info-only:") => {
            let fields: Vec<&str> = other["info-only:".len()..].split(',').collect();
            with_text(r, |t| {
                t.lines()
                    .filter(|l| l.split_once(':').is_some_and(|(k, _)| fields.contains(&k)))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        other => panic!("unknown normaliser '{other}' in the cases file"),
    }
}

/// One step of a case.
#[derive(Debug)]
struct Step {
    /// Which connection (1 unless `@N`).
    conn: usize,
    /// A command, sent as RESP after `{id}`/`{addr}` substitution.
    args: Option<Vec<Vec<u8>>>,
    /// Raw bytes to send (empty: only read).
    send: Vec<u8>,
    /// Replies expected.
    replies: usize,
    /// Normaliser, if any.
    norm: Option<String>,
    /// `blocked N`: wait until N clients wait in blocking commands.
    blocked: Option<usize>,
    /// The line, for messages.
    line: String,
    /// Line number in the file.
    lineno: usize,
}

#[derive(Debug)]
struct Case {
    name: String,
    /// Why this case is known to differ; the test fails if it no longer does.
    xfail: Option<String>,
    steps: Vec<Step>,
}

fn resp_command(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Parses the cases file.
fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for (i, raw_line) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let (name, rest) = header
                .split_once(']')
                .unwrap_or_else(|| panic!("line {lineno}: '[name]' expected"));
            let xfail = rest
                .trim()
                .strip_prefix("xfail:")
                .map(|r| r.trim().to_string());
            assert!(
                cases.iter().all(|c| c.name != name),
                "line {lineno}: duplicate case name {name}"
            );
            cases.push(Case {
                name: name.to_string(),
                xfail,
                steps: Vec::new(),
            });
            continue;
        }
        let case = cases
            .last_mut()
            .unwrap_or_else(|| panic!("line {lineno}: a step before the first [case]"));
        let mut rest = line;
        let mut conn = 1;
        let mut norm = None;
        loop {
            if let Some(r) = rest.strip_prefix('@') {
                let (n, r) = r.split_once(' ').unwrap_or((r, ""));
                conn = n
                    .parse()
                    .unwrap_or_else(|_| panic!("line {lineno}: @N expected"));
                rest = r.trim_start();
            } else if let Some(r) = rest.strip_prefix('~') {
                let (n, r) = r.split_once(' ').unwrap_or((r, ""));
                norm = Some(n.to_string());
                rest = r.trim_start();
            } else {
                break;
            }
        }
        let blocked = rest.strip_prefix("blocked ").map(|n| {
            n.trim()
                .parse()
                .unwrap_or_else(|_| panic!("line {lineno}: blocked N expected"))
        });
        let (args, send, replies) = if blocked.is_some() {
            (None, Vec::new(), 0)
        } else if rest == "read" {
            (None, Vec::new(), 1)
        } else if let Some(r) = rest.strip_prefix("raw") {
            let (count, r) = match r.strip_prefix('/') {
                Some(r) => {
                    let (n, r) = r.split_once(' ').unwrap_or((r, ""));
                    (
                        n.parse()
                            .unwrap_or_else(|_| panic!("line {lineno}: raw/N expected")),
                        r,
                    )
                }
                None => (1, r),
            };
            let args = split_args(r.trim().as_bytes())
                .unwrap_or_else(|| panic!("line {lineno}: unbalanced quotes"));
            assert!(
                args.len() == 1,
                "line {lineno}: raw takes one quoted string"
            );
            (None, args.into_iter().next().unwrap(), count)
        } else {
            let args = split_args(rest.as_bytes())
                .unwrap_or_else(|| panic!("line {lineno}: unbalanced quotes"));
            assert!(!args.is_empty(), "line {lineno}: empty command");
            (Some(args), Vec::new(), 1)
        };
        case.steps.push(Step {
            conn,
            args,
            send,
            replies,
            norm,
            blocked,
            line: raw_line.to_string(),
            lineno,
        });
    }
    cases
}

/// Replaces `{id}`/`{id:N}` and `{addr}`/`{addr:N}` in an argument with
/// the client id and address of connection N on this side.
fn substitute(arg: &[u8], ids: &BTreeMap<usize, i64>, conns: &BTreeMap<usize, Conn>) -> Vec<u8> {
    if !arg.contains(&b'{') {
        return arg.to_vec();
    }
    let mut s = String::from_utf8_lossy(arg).into_owned();
    for (n, c) in conns {
        let id = ids.get(n).copied().unwrap_or(-1).to_string();
        s = s.replace(&format!("{{id:{n}}}"), &id);
        s = s.replace(&format!("{{addr:{n}}}"), &c.local);
        if *n == 1 {
            s = s.replace("{id}", &id).replace("{addr}", &c.local);
        }
    }
    s.into_bytes()
}

/// Waits (boundedly) until `n` clients wait in blocking commands, as INFO
/// clients counts them: what orders a step after another connection's
/// blocking command.
fn wait_blocked(admin: &mut Conn, n: usize) -> String {
    let want = format!("blocked_clients:{n}\r\n");
    let deadline = std::time::Instant::now() + common::TIMEOUT;
    loop {
        admin.send(&resp_command(&[b"INFO".to_vec(), b"clients".to_vec()]));
        let (_, raw) = admin.read();
        if raw.windows(want.len()).any(|w| w == want.as_bytes()) {
            return format!("{n} blocked");
        }
        if std::time::Instant::now() > deadline {
            return format!("never {n} blocked");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Runs a case against one server; returns one rendered line per reply.
fn run_case(port: u16, admin: &mut Conn, case: &Case) -> Vec<String> {
    admin.send(&resp_command(&[b"FLUSHALL".to_vec()]));
    let (r, _) = admin.read();
    assert!(
        matches!(r, Reply::Line(b'+', _)),
        "FLUSHALL before [{}] on port {port}: {r:?} (a previous case killed the server?)",
        case.name
    );
    let mut conns: BTreeMap<usize, Conn> = BTreeMap::new();
    let mut ids: BTreeMap<usize, i64> = BTreeMap::new();
    let needs_ids = case.steps.iter().any(|s| s.line.contains("{id"));
    let mut out = Vec::new();
    for step in &case.steps {
        if let Some(n) = step.blocked {
            out.push(format!("{}: {}", step.lineno, wait_blocked(admin, n)));
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = conns.entry(step.conn) {
            let mut c = Conn::open(port);
            if needs_ids {
                c.send(&resp_command(&[b"CLIENT".to_vec(), b"ID".to_vec()]));
                if let (Reply::Line(b':', id), _) = c.read() {
                    ids.insert(
                        step.conn,
                        String::from_utf8_lossy(&id).parse().unwrap_or(-1),
                    );
                }
            }
            slot.insert(c);
        }
        let send = match &step.args {
            Some(args) => resp_command(
                &args
                    .iter()
                    .map(|a| substitute(a, &ids, &conns))
                    .collect::<Vec<_>>(),
            ),
            None => step.send.clone(),
        };
        let c = conns.get_mut(&step.conn).unwrap();
        c.send(&send);
        for _ in 0..step.replies {
            let (reply, raw) = c.read();
            let rendered = match &step.norm {
                None => escape(&raw),
                Some(n) => {
                    let mut s = format!("~{n} ");
                    render(&normalise(n, &reply), &mut s);
                    s
                }
            };
            let rendered = match reply {
                Reply::Closed if raw.is_empty() => "<closed>".to_string(),
                Reply::Silent if raw.is_empty() => "<silent>".to_string(),
                Reply::Closed | Reply::Silent => format!("<partial reply> {rendered}"),
                _ => rendered,
            };
            out.push(format!("{}: {}", step.lineno, rendered));
        }
    }
    // Nothing more may follow: a PING on every connection still open
    // must be answered by a PONG and nothing else.
    for (n, c) in &mut conns {
        c.send(&resp_command(&[b"PING".to_vec()]));
        let (_, raw) = c.read();
        out.push(format!("end @{n}: {}", escape(&raw)));
    }
    out
}

#[test]
fn replies_match_redis_server_byte_for_byte() {
    if !common::require("redis-server", "replies_match_redis_server_byte_for_byte") {
        return;
    }
    let text = include_str!("differential.cases");
    let cases = parse_cases(text);
    let only = std::env::var("DIFF_ONLY").ok();
    let redis = RedisServer::start(&["--enable-debug-command", "yes"]);
    let demo = Server::start(&["--enable-debug-command", "yes"]);
    // DIFF_DEMO_PORT: compare an ae-demo started by hand (to watch its
    // log) instead.
    let demo_port = std::env::var("DIFF_DEMO_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(demo.port);
    let mut redis_admin = Conn::open(redis.port);
    let mut demo_admin = Conn::open(demo_port);
    let (mut passed, mut failed, mut xfailed) = (0, Vec::new(), 0);
    let mut report = String::new();
    for case in &cases {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        if std::env::var_os("DIFF_TRACE").is_some() {
            let _ = writeln!(
                std::io::stderr(),
                "case {} (redis {}, demo {demo_port})",
                case.name,
                redis.port
            );
        }
        let want = run_case(redis.port, &mut redis_admin, case);
        let got = run_case(demo_port, &mut demo_admin, case);
        let same = want == got;
        match (&case.xfail, same) {
            (None, true) => passed += 1,
            (Some(_), false) => xfailed += 1,
            (xfail, _) => {
                let _ = writeln!(report, "--- [{}]", case.name);
                if let Some(why) = xfail {
                    let _ = writeln!(
                        report,
                        "    marked xfail ({why}) but now matches: remove the mark"
                    );
                }
                for step in &case.steps {
                    let _ = writeln!(report, "    {:>4}  {}", step.lineno, step.line.trim());
                }
                for (i, (w, g)) in want.iter().zip(&got).enumerate() {
                    let mark = if w == g { " " } else { "!" };
                    let _ = writeln!(report, "  {mark} {i:>2} redis: {w}");
                    if w != g {
                        let _ = writeln!(report, "  {mark} {i:>2} demo:  {g}");
                    }
                }
                if want.len() != got.len() {
                    let _ = writeln!(
                        report,
                        "    reply counts differ: {} vs {}",
                        want.len(),
                        got.len()
                    );
                }
                failed.push(case.name.clone());
            }
        }
    }
    let summary = format!(
        "differential: {} cases, {passed} identical, {xfailed} known differences (xfail), {} failed",
        passed + xfailed + failed.len(),
        failed.len()
    );
    let _ = writeln!(std::io::stderr(), "{summary}");
    assert!(failed.is_empty(), "{report}\n{summary}: {failed:?}");
}

/// Commands for the random sequences: those whose replies do not vary
/// between servers or runs (no TIME, INFO, CLIENT, HELLO, KEYS or SCAN
/// order; no relative expiry, whose outcome a millisecond can change:
/// deadlines here are absolute, far off or past).
const RANDOM_COMMANDS: &[&str] = &[
    "GET",
    "SET",
    "SETNX",
    "GETSET",
    "GETDEL",
    "GETEX",
    "MGET",
    "MSET",
    "MSETNX",
    "APPEND",
    "STRLEN",
    "GETRANGE",
    "SUBSTR",
    "SETRANGE",
    "INCR",
    "DECR",
    "INCRBY",
    "DECRBY",
    "INCRBYFLOAT",
    "LCS",
    "DEL",
    "UNLINK",
    "EXISTS",
    "TOUCH",
    "TYPE",
    "EXPIREAT",
    "PEXPIREAT",
    "EXPIRETIME",
    "PEXPIRETIME",
    "PERSIST",
    "RENAME",
    "RENAMENX",
    "COPY",
    "DBSIZE",
    "OBJECT",
    "PING",
    "ECHO",
    "SELECT",
    "MULTI",
    "EXEC",
    "DISCARD",
    "WATCH",
    "UNWATCH",
    "AUTH",
    "FLUSHDB",
    "NOSUCHCOMMAND",
    "MOVE",
    "SWAPDB",
];

/// Arguments for them: keys, numbers at the edges, options, odd bytes (a
/// NUL, which C's %s stops at; bytes that are not UTF-8).
const RANDOM_WORDS: &[&[u8]] = &[
    b"k",
    b"a",
    b"b",
    b"",
    b"0",
    b"1",
    b"-1",
    b"2",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"9223372036854775808",
    b"1.5",
    b"0.1",
    b"1e308",
    b"-inf",
    b"nan",
    b"NX",
    b"XX",
    b"GT",
    b"LT",
    b"GET",
    b"EXAT",
    b"PXAT",
    b"KEEPTTL",
    b"PERSIST",
    b"IDX",
    b"LEN",
    b"WITHMATCHLEN",
    b"MINMATCHLEN",
    b"REPLACE",
    b"DB",
    b"ENCODING",
    b"default",
    b"100",
    b"4000000000",
    b"4000000000000",
    b"ab\0c",
    b"\xff\xfe",
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];

/// xorshift64*: the sequence is the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// Sends one command to redis-server and the demo (`sides`, in that
/// order); the difference of their replies, if any, for a report.
fn send_to_both(sides: &mut [Conn; 2], args: &[Vec<u8>]) -> Option<String> {
    let request = resp_command(args);
    let [want, got] = sides.each_mut().map(|side| {
        side.send(&request);
        side.read().1
    });
    (want != got).then(|| {
        format!(
            "{}\n  redis: {}\n  demo:  {}",
            escape(&args.join(&b' ')),
            escape(&want),
            escape(&got)
        )
    })
}

#[test]
fn random_command_sequences_match_redis_server() {
    if !common::require(
        "redis-server",
        "random_command_sequences_match_redis_server",
    ) {
        return;
    }
    const SEEDS: u64 = 4;
    const COMMANDS: usize = 3000;
    let redis = RedisServer::start(&[]);
    let demo = Server::start(&[]);
    let mut differences = Vec::new();
    for seed in 1..=SEEDS {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        let mut sides = [Conn::open(redis.port), Conn::open(demo.port)];
        for side in &mut sides {
            side.send(&resp_command(&[b"FLUSHALL".to_vec()]));
            side.read();
        }
        for i in 0..COMMANDS {
            let mut args = vec![RANDOM_COMMANDS[rng.below(RANDOM_COMMANDS.len())]
                .as_bytes()
                .to_vec()];
            for _ in 0..rng.below(6) {
                args.push(RANDOM_WORDS[rng.below(RANDOM_WORDS.len())].to_vec());
            }
            if let Some(difference) = send_to_both(&mut sides, &args) {
                differences.push(format!("seed {seed} command {i}: {difference}"));
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "random sequences: {} commands, {} differences",
        SEEDS as usize * COMMANDS,
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{}",
        differences[..differences.len().min(20)].join("\n")
    );
}

/// A sorted set of thousands of members (many chunks of the demo's
/// `Ranked`, which split and merge as it grows and shrinks) read and
/// changed by rank, score and member in random order, against
/// redis-server's skiplist.
#[test]
fn big_sorted_sets_match_redis_server() {
    if !common::require("redis-server", "big_sorted_sets_match_redis_server") {
        return;
    }
    let redis = RedisServer::start(&[]);
    let demo = Server::start(&[]);
    let mut sides = [Conn::open(redis.port), Conn::open(demo.port)];
    let mut rng = Rng(0x5EED_2026);
    let mut differences = Vec::new();
    let mut run = |args: Vec<Vec<u8>>, differences: &mut Vec<String>| {
        differences.extend(send_to_both(&mut sides, &args));
    };
    let word = |s: &str| s.as_bytes().to_vec();
    // Scores from a small range, so that many members tie on one and are
    // ordered by their bytes.
    let member = |rng: &mut Rng| format!("m{}", rng.below(30_000)).into_bytes();
    let score = |rng: &mut Rng| rng.below(500).to_string().into_bytes();
    for _ in 0..150 {
        let mut args = vec![word("ZADD"), word("z")];
        let mut lex = vec![word("ZADD"), word("lex")];
        for _ in 0..100 {
            args.push(score(&mut rng));
            args.push(member(&mut rng));
            // One score for all: the lex ranges Redis defines.
            lex.push(word("0"));
            lex.push(member(&mut rng));
        }
        run(args, &mut differences);
        run(lex, &mut differences);
    }
    let lex_bound = |rng: &mut Rng| {
        let m = String::from_utf8(member(rng)).unwrap();
        [format!("[{m}"), format!("({m}"), "-".into(), "+".into()][rng.below(4)]
            .clone()
            .into_bytes()
    };
    for _ in 0..3000 {
        let at = rng.below(9000);
        let n = at.to_string().into_bytes();
        let args = match rng.below(16) {
            0 | 1 => vec![word("ZADD"), word("z"), score(&mut rng), member(&mut rng)],
            2 => vec![word("ZREM"), word("z"), member(&mut rng), member(&mut rng)],
            3 => vec![word("ZRANK"), word("z"), member(&mut rng)],
            4 => vec![word("ZREVRANK"), word("z"), member(&mut rng)],
            5 => {
                let to = format!("{}", at + rng.below(40)).into_bytes();
                vec![word("ZRANGE"), word("z"), n, to, word("WITHSCORES")]
            }
            6 => vec![
                word("ZRANGEBYSCORE"),
                word("z"),
                score(&mut rng),
                word("+inf"),
                word("LIMIT"),
                word("0"),
                word("7"),
            ],
            7 => {
                let to = format!("{}", at + rng.below(10)).into_bytes();
                vec![word("ZREMRANGEBYRANK"), word("z"), n, to]
            }
            8 => vec![
                word(["ZPOPMIN", "ZPOPMAX"][rng.below(2)]),
                word("z"),
                rng.below(10).to_string().into_bytes(),
            ],
            9 => vec![
                word("ZREVRANGEBYSCORE"),
                word("z"),
                score(&mut rng),
                score(&mut rng),
                word("WITHSCORES"),
                word("LIMIT"),
                rng.below(50).to_string().into_bytes(),
                word(["5", "-1", "0"][rng.below(3)]),
            ],
            10 => vec![word("ZCOUNT"), word("z"), score(&mut rng), score(&mut rng)],
            11 => {
                // One score's members: a wide range would empty the set.
                let one = score(&mut rng);
                vec![word("ZREMRANGEBYSCORE"), word("z"), one.clone(), one]
            }
            12 => vec![
                word(["ZRANGEBYLEX", "ZREVRANGEBYLEX"][rng.below(2)]),
                word("lex"),
                lex_bound(&mut rng),
                lex_bound(&mut rng),
                word("LIMIT"),
                rng.below(20).to_string().into_bytes(),
                word("10"),
            ],
            13 => vec![
                word("ZLEXCOUNT"),
                word("lex"),
                lex_bound(&mut rng),
                lex_bound(&mut rng),
            ],
            14 => {
                let mut one = b"[".to_vec();
                one.extend(member(&mut rng));
                vec![word("ZREMRANGEBYLEX"), word("lex"), one.clone(), one]
            }
            _ => vec![word("ZCARD"), word("z")],
        };
        run(args, &mut differences);
    }
    // Still big at the end: every step ran on many chunks.
    for key in ["z", "lex"] {
        let (Reply::Line(b':', card), _) = ask(&mut sides[1], &[b"ZCARD", key.as_bytes()]) else {
            panic!("ZCARD {key}: no integer");
        };
        let card: usize = String::from_utf8_lossy(&card).parse().unwrap();
        assert!(card > 5000, "ZCARD {key} {card}");
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences[..differences.len().min(10)].join("\n")
    );
}

/// INFO's `rdb_changes_since_last_save` (Redis's `server.dirty`, what the
/// save schedules count) moves by as much for each command as on
/// redis-server: one per key or element written, as each command counts.
#[test]
fn changes_are_counted_as_redis_counts_them() {
    if !common::require("redis-server", "changes_are_counted_as_redis_counts_them") {
        return;
    }
    let redis = RedisServer::start(&[]);
    let demo = Server::start(&[]);
    let mut sides = [Conn::open(redis.port), Conn::open(demo.port)];
    let changes = |c: &mut Conn| -> i64 {
        c.send(&resp_command(&[b"INFO".to_vec(), b"persistence".to_vec()]));
        let (_, raw) = c.read();
        let text = String::from_utf8_lossy(&raw).into_owned();
        common::info_text(&text, "rdb_changes_since_last_save")
            .parse()
            .expect("a count")
    };
    let mut differences = Vec::new();
    for line in include_str!("changes.commands").lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let args = split_args(line.as_bytes()).expect("a command line");
        let mut moved = [0i64; 2];
        for (side, c) in sides.iter_mut().enumerate() {
            let before = changes(c);
            c.send(&resp_command(&args));
            c.read();
            moved[side] = changes(c) - before;
        }
        if moved[0] != moved[1] {
            differences.push(format!(
                "{line}: redis-server {}, ae-demo {}",
                moved[0], moved[1]
            ));
        }
    }
    assert!(differences.is_empty(), "{differences:#?}");
}

/// Redis 7.0.15's subcommands of containers ae-demo has that ae-demo does
/// not have: COMMAND INFO and DOCS of CLIENT, CONFIG and OBJECT leave them
/// out.
const SUBCOMMANDS_NOT_HERE: &[&str] = &[
    "client|caching",
    "client|getredir",
    "client|no-evict",
    "client|pause",
    "client|tracking",
    "client|trackinginfo",
    "client|unpause",
    "config|rewrite",
    "object|refcount",
];

/// ae-demo's subcommands Redis 7.0.15 does not have: CLIENT SETINFO, which
/// 7.2 added (its entry is 7.2's).
const SUBCOMMANDS_ONLY_HERE: &[&str] = &["client|setinfo"];

/// One request on a connection: the parsed reply and its bytes.
fn ask(c: &mut Conn, args: &[&[u8]]) -> (Reply, Vec<u8>) {
    let args: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
    c.send(&resp_command(&args));
    c.read()
}

fn rendered(r: &Reply) -> String {
    let mut s = String::new();
    render(r, &mut s);
    s
}

/// A container's subcommands, by name, rendered: from an INFO entry (an
/// array of entries, each named first) or a DOCS map (name, docs, ...).
fn subcommands_by_name(r: &Reply, docs: bool) -> BTreeMap<String, String> {
    let Reply::Agg(_, Some(items)) = r else {
        return BTreeMap::new();
    };
    if docs {
        items
            .chunks(2)
            .map(|p| (text(&p[0]).unwrap_or_default(), rendered(&p[1])))
            .collect()
    } else {
        items
            .iter()
            .map(|e| match e {
                Reply::Agg(_, Some(f)) => (text(&f[0]).unwrap_or_default(), rendered(e)),
                other => (String::new(), rendered(other)),
            })
            .collect()
    }
}

/// Compares one COMMAND INFO or DOCS reply for `name` (a one-element
/// array or map): the same bytes, or for a container the same but for
/// which subcommands exist (the known ones) and their order (Redis's hash
/// order, random per run), each subcommand's entry the same. Returns the
/// differences, and adds the subcommands on one side only to `missing` /
/// `extra`.
fn compare_entry(
    name: &str,
    what: &str,
    want: (Reply, Vec<u8>),
    got: (Reply, Vec<u8>),
    missing: &mut Vec<String>,
    extra: &mut Vec<String>,
) -> Option<String> {
    if want.1 == got.1 {
        return None;
    }
    let differ = || {
        Some(format!(
            "COMMAND {what} {name}:\n  redis: {}\n  demo:  {}",
            escape(&want.1),
            escape(&got.1)
        ))
    };
    let docs = what == "DOCS";
    // The entry: the only element of INFO's array, the value of DOCS's map.
    let entry = |r: &Reply| match r {
        Reply::Agg(_, Some(items)) if items.len() == 1 + usize::from(docs) => items.last().cloned(),
        _ => None,
    };
    let (Some(Reply::Agg(wk, Some(w))), Some(Reply::Agg(gk, Some(g)))) =
        (entry(&want.0), entry(&got.0))
    else {
        return differ();
    };
    // INFO: the 10th field; DOCS: the value after "subcommands".
    let subs_at = |fields: &[Reply]| -> Option<usize> {
        if docs {
            (0..fields.len())
                .step_by(2)
                .find(|&i| text(&fields[i]).as_deref() == Some("subcommands"))
                .map(|i| i + 1)
        } else {
            (fields.len() == 10).then_some(9)
        }
    };
    let (Some(ws), Some(gs)) = (subs_at(&w), subs_at(&g)) else {
        return differ();
    };
    let without = |f: &[Reply], at: usize| -> String {
        f.iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, r)| rendered(r))
            .collect()
    };
    if wk != gk || w.len() != g.len() || without(&w, ws) != without(&g, gs) {
        return differ();
    }
    let (w, g) = (
        subcommands_by_name(&w[ws], docs),
        subcommands_by_name(&g[gs], docs),
    );
    for (sub, entry) in &w {
        match g.get(sub) {
            None => missing.push(sub.clone()),
            Some(e) if e != entry => {
                return Some(format!(
                    "COMMAND {what} {name}, subcommand {sub}:\n  redis: {entry}\n  demo:  {e}"
                ))
            }
            Some(_) => {}
        }
    }
    extra.extend(g.keys().filter(|s| !w.contains_key(*s)).cloned());
    None
}

/// Every command ae-demo has (COMMAND LIST: subcommands too) gets the
/// same COMMAND INFO and COMMAND DOCS from both servers, in RESP2 and
/// RESP3: byte for byte, but for containers, whose subcommands Redis
/// lists in hash order and which miss the subcommands ae-demo does not
/// have ([`SUBCOMMANDS_NOT_HERE`], checked to be exactly those).
#[test]
fn command_info_and_docs_match_redis_server_for_every_command() {
    if !common::require(
        "redis-server",
        "command_info_and_docs_match_redis_server_for_every_command",
    ) {
        return;
    }
    let redis = RedisServer::start(&[]);
    let demo = Server::start(&[]);
    let mut sides = [Conn::open(redis.port), Conn::open(demo.port)];
    let list = |c: &mut Conn| -> Vec<String> {
        match ask(c, &[b"COMMAND", b"LIST"]).0 {
            Reply::Agg(_, Some(items)) => items.iter().filter_map(text).collect(),
            other => panic!("COMMAND LIST: {other:?}"),
        }
    };
    let [redis_names, names] = sides.each_mut().map(list);
    let top = names.iter().filter(|n| !n.contains('|')).count();
    assert!(top > 150, "{names:?}");
    assert_eq!(
        ask(&mut sides[1], &[b"COMMAND", b"COUNT"]).1,
        format!(":{top}\r\n").into_bytes()
    );
    let mut only_here: Vec<&String> = names.iter().filter(|n| !redis_names.contains(n)).collect();
    only_here.sort();
    assert_eq!(
        only_here, SUBCOMMANDS_ONLY_HERE,
        "ae-demo's commands Redis lacks"
    );

    let mut differences = Vec::new();
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    for resp3 in [false, true] {
        if resp3 {
            for side in &mut sides {
                ask(side, &[b"HELLO", b"3"]);
            }
        }
        for name in names
            .iter()
            .filter(|n| !SUBCOMMANDS_ONLY_HERE.contains(&n.as_str()))
        {
            for what in ["INFO", "DOCS"] {
                let [want, got] = sides
                    .each_mut()
                    .map(|c| ask(c, &[b"COMMAND", what.as_bytes(), name.as_bytes()]));
                differences.extend(compare_entry(
                    name,
                    what,
                    want,
                    got,
                    &mut missing,
                    &mut extra,
                ));
            }
        }
    }
    missing.sort();
    missing.dedup();
    extra.sort();
    extra.dedup();
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert_eq!(
        missing, SUBCOMMANDS_NOT_HERE,
        "Redis's subcommands ae-demo lacks"
    );
    assert_eq!(
        extra, SUBCOMMANDS_ONLY_HERE,
        "ae-demo's subcommands Redis lacks"
    );
    let _ = writeln!(
        std::io::stderr(),
        "COMMAND INFO and DOCS: {} commands, RESP2 and RESP3, the same on both servers",
        names.len() - SUBCOMMANDS_ONLY_HERE.len()
    );
}
