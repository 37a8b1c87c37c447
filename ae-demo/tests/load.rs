//! 10 000 concurrent clients on the demo server: all served, the server
//! responsive meanwhile, the excess over `--maxclients` refused with
//! Redis's error, memory per idle client measured, and every fd given back
//! once they leave.
//!
//! Each test holds 10 000 sockets in this process and as many in the
//! server: more than the usual soft limit of 1024 open files. The tests
//! raise this process's soft limit (up to the hard limit; the server, a
//! child, inherits it and raises its own from `--maxclients` as Redis
//! does), and run one at a time.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{eventually, raise_fd_limit, read_line, roundtrip, Server, TIMEOUT};

/// Clients held at once; `AE_LOAD_CLIENTS` changes it for long runs.
const CLIENTS: usize = 10_000;
/// The longest a PING may wait while the clients are served: a hang guard
/// only (the machine is shared), far above the milliseconds it takes.
const RESPONSIVE: Duration = Duration::from_secs(5);

/// The tests each need 10 000 fds here: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn connect_all(port: u16, n: usize) -> Vec<TcpStream> {
    let start = Instant::now();
    let clients: Vec<TcpStream> = (0..n)
        .map(|i| {
            let s = TcpStream::connect(("127.0.0.1", port))
                .unwrap_or_else(|e| panic!("connect client {i}: {e}"));
            s.set_read_timeout(Some(TIMEOUT)).unwrap();
            s
        })
        .collect();
    println!("{n} clients connected in {:?}", start.elapsed());
    clients
}

/// An INFO field read over `s`, a connection that is already in (a new
/// one would be refused at max clients).
fn info_on(s: &mut TcpStream, field: &str) -> u64 {
    s.write_all(b"INFO\r\n").unwrap();
    let header = read_line(s);
    let len: usize = std::str::from_utf8(&header[1..]).unwrap().parse().unwrap();
    let mut body = vec![0u8; len + 2];
    s.read_exact(&mut body).unwrap();
    common::info_value(&String::from_utf8(body).unwrap(), field)
}

fn ping_within(s: &mut TcpStream, bound: Duration) {
    let start = Instant::now();
    assert_eq!(roundtrip(s, b"PING\r\n", 7), b"+PONG\r\n");
    let took = start.elapsed();
    println!("PING answered in {took:?}");
    assert!(took < bound, "PING took {took:?}");
}

/// A count from the environment, or `default`.
fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a count")),
        Err(_) => default,
    }
}

/// How many clients (`AE_LOAD_CLIENTS`, default 10 000) and request rounds
/// per client (`AE_LOAD_ROUNDS`, default 1) the tests use.
fn load() -> (usize, usize) {
    (
        env_count("AE_LOAD_CLIENTS", CLIENTS).max(10),
        env_count("AE_LOAD_ROUNDS", 1).max(1),
    )
}

/// Resident bytes per client between two VmRSS readings (KiB).
fn per_client(before_kib: u64, after_kib: u64, clients: usize) -> u64 {
    after_kib.saturating_sub(before_kib) * 1024 / clients as u64
}

#[test]
fn ten_thousand_clients_are_all_served() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (n, rounds) = load();
    raise_fd_limit(n as u64 + 1024);
    let maxclients = (n + 100).to_string();
    let server = Server::start(&["--maxclients", &maxclients, "--tcp-backlog", "4096"]);
    let mut control = server.connect();
    ping_within(&mut control, RESPONSIVE);
    let fds_before = server.fd_count();
    let rss_before = server.status_kib("VmRSS");

    let mut clients = connect_all(server.port, n);
    eventually("every client accepted", || {
        info_on(&mut control, "connected_clients") == n as u64 + 1
    });
    let fds_during = server.fd_count();
    assert_eq!(fds_during, fds_before + n);
    let rss_idle = server.status_kib("VmRSS");
    let idle = per_client(rss_before, rss_idle, n);

    // All served: each gets its own value back, and the counter takes
    // every value from 1 to clients x rounds once.
    let mut counts = BTreeSet::new();
    for _ in 0..rounds {
        // Every client sends its requests (none stores a key of its own,
        // so the memory after them is the clients'); then another
        // client's PING.
        for (i, s) in clients.iter_mut().enumerate() {
            let req = format!("PING\r\nECHO {i}\r\nINCR counter\r\n");
            s.write_all(req.as_bytes()).unwrap();
        }
        ping_within(&mut control, RESPONSIVE);
        for (i, s) in clients.iter_mut().enumerate() {
            assert_eq!(read_line(s), b"+PONG");
            let value = i.to_string();
            assert_eq!(read_line(s), format!("${}", value.len()).as_bytes());
            assert_eq!(read_line(s), value.as_bytes());
            let count = read_line(s);
            counts.insert(
                std::str::from_utf8(&count[1..])
                    .unwrap()
                    .parse::<usize>()
                    .unwrap(),
            );
        }
    }
    assert_eq!(counts, (1..=n * rounds).collect::<BTreeSet<_>>());
    ping_within(&mut control, RESPONSIVE);
    let rss_after_use = server.status_kib("VmRSS");
    let used = per_client(rss_before, rss_after_use, n);

    drop(clients);
    eventually("every client freed", || {
        info_on(&mut control, "connected_clients") == 1
    });
    eventually("the server's fds back to their baseline", || {
        server.fd_count() == fds_before
    });
    println!(
        "fds: {fds_before} before, {fds_during} with {n} clients, {} after",
        server.fd_count()
    );
    println!(
        "VmRSS: {rss_before} KiB before, {rss_idle} KiB with {n} idle clients \
         ({idle} bytes each), {rss_after_use} KiB after {rounds} round(s) of requests \
         ({used} bytes each)"
    );
    assert!(idle < 2048, "{idle} bytes per idle client");
    assert!(used < 2048, "{used} bytes per client after use");
}

#[test]
fn clients_over_maxclients_are_refused_while_the_others_work() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (n, _) = load();
    raise_fd_limit(n as u64 + 1024);
    let max = n * 9 / 10;
    let server = Server::start(&["--maxclients", &max.to_string(), "--tcp-backlog", "4096"]);
    let mut control = server.connect();
    ping_within(&mut control, RESPONSIVE);
    let fds_before = server.fd_count();

    let mut clients = connect_all(server.port, n);
    // The control client holds one of the `max` places.
    let refused = n - (max - 1);
    eventually("every connection accepted or refused", || {
        info_on(&mut control, "rejected_connections") == refused as u64
    });
    ping_within(&mut control, RESPONSIVE);
    // The refused ones find Redis's error, then the end; the others PONG.
    let mut served = Vec::new();
    for s in clients.iter_mut() {
        // A refused client's write may fail: the server has closed it.
        let _ = s.write_all(b"PING\r\n");
        let mut reply = [0u8; 7];
        s.read_exact(&mut reply).expect("a reply");
        if &reply == b"+PONG\r\n" {
            served.push(true);
            continue;
        }
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        let mut all = reply.to_vec();
        all.extend_from_slice(&rest);
        assert_eq!(all, b"-ERR max number of clients reached\r\n");
        served.push(false);
    }
    let n_served = served.iter().filter(|&&s| s).count();
    assert_eq!((n_served, n - n_served), (max - 1, refused));
    // The served ones keep working.
    for (s, _) in clients.iter_mut().zip(&served).filter(|(_, &ok)| ok) {
        s.write_all(b"INCR counter\r\n").unwrap();
    }
    let mut counts = BTreeSet::new();
    for (s, _) in clients.iter_mut().zip(&served).filter(|(_, &ok)| ok) {
        let n = read_line(s);
        counts.insert(
            std::str::from_utf8(&n[1..])
                .unwrap()
                .parse::<usize>()
                .unwrap(),
        );
    }
    assert_eq!(counts, (1..max).collect::<BTreeSet<_>>());
    drop(clients);
    eventually("the server's fds back to their baseline", || {
        server.fd_count() == fds_before
    });
    assert_eq!(info_on(&mut control, "connected_clients"), 1);
}
