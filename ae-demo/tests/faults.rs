//! The demo server under faults: clients that vanish, never read, announce
//! huge arguments or go silent, a storm of signals, and a non-loopback
//! bind. After each, the server is alive, its memory bounded, its fds back
//! to their baseline, and the other clients unaffected.

mod common;

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{eventually, read_line, read_n, read_to_close, roundtrip, Server};

/// Memory a fault may add to the server, in KiB: far below what the faults
/// below would cost if the server allocated what clients announce.
const MEMORY_BOUND_KIB: u64 = 64 * 1024;

fn ping(s: &mut TcpStream) {
    assert_eq!(roundtrip(s, b"PING\r\n", 7), b"+PONG\r\n");
}

/// A request for `SET key value` with a value of `len` bytes of `x`.
fn set_request(key: &str, len: usize) -> Vec<u8> {
    let mut req = format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${len}\r\n", key.len()).into_bytes();
    req.resize(req.len() + len, b'x');
    req.extend_from_slice(b"\r\n");
    req
}

/// Checks what every fault test ends with: the process is alive, logged no
/// panic, serves `control`, and holds the fds it held at `baseline`.
fn assert_recovered(server: &mut Server, control: &mut TcpStream, baseline: usize) {
    assert!(server.is_running(), "the server exited");
    ping(control);
    eventually("the server's fds back to their baseline", || {
        server.fd_count() == baseline
    });
    assert_eq!(server.info_field("connected_clients"), 2); // control + INFO's
    assert!(server.log_lines("panicked").is_empty());
}

#[test]
fn clients_vanishing_mid_request_mid_reply_or_with_unread_replies() {
    let mut server = Server::start(&[]);
    let mut control = server.connect();
    ping(&mut control);
    let baseline = server.fd_count();
    // A 16 MiB value: more than the socket buffers take at once, so a
    // client that reads a little and closes leaves the server mid-reply.
    let big = 16 << 20;
    control.write_all(&set_request("big", big)).unwrap();
    assert_eq!(read_n(&mut control, 5), b"+OK\r\n");

    // Mid-request: a multibulk cut inside a bulk argument, and an inline
    // request without its newline.
    for i in 0..200 {
        let mut s = server.connect();
        let req: &[u8] = if i % 2 == 0 {
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc"
        } else {
            b"SET k v"
        };
        s.write_all(req).unwrap();
    }
    // Unread replies: pipelined requests, then gone without reading.
    for _ in 0..200 {
        let mut s = server.connect();
        s.write_all(&b"PING\r\n".repeat(100)).unwrap();
    }
    // Mid-reply: 64 KiB of a 16 MiB reply read, then gone.
    for _ in 0..10 {
        let mut s = server.connect();
        s.write_all(b"GET big\r\n").unwrap();
        let head = read_n(&mut s, 64 * 1024);
        assert!(head.starts_with(format!("${big}\r\nxxx").as_bytes()));
    }
    // Nothing of theirs is left, and the key is intact.
    assert_recovered(&mut server, &mut control, baseline);
    control.write_all(b"STRLEN big\r\nEXISTS big\r\n").unwrap();
    assert_eq!(read_line(&mut control), format!(":{big}").as_bytes());
    assert_eq!(read_line(&mut control), b":1");
}

/// A client that asks for big values and never reads is closed once its
/// pending replies pass `--client-output-buffer-limit`, whether it asks
/// one request at a time or many in one read.
#[test]
fn a_client_that_never_reads_is_closed_at_the_output_buffer_limit() {
    let mut server = Server::start(&["--client-output-buffer-limit", "1mb"]);
    let mut control = server.connect();
    ping(&mut control);
    let baseline = server.fd_count();
    let value = 256 * 1024;
    control.write_all(&set_request("big", value)).unwrap();
    assert_eq!(read_n(&mut control, 5), b"+OK\r\n");
    let rss_before = server.status_kib("VmRSS");

    // One request per write: the replies fill the socket buffers, then the
    // server's buffer, until the limit closes the client. Writing then
    // fails, or the requests end; either way the client is closed.
    let mut slow = server.connect();
    let mut requests = 0;
    while requests < 4000 && slow.write_all(b"GET big\r\n").is_ok() {
        requests += 1;
        if server.log_contains("closed for overcoming of output buffer limits") {
            break;
        }
    }
    eventually("the output limit log line", || {
        server.log_contains("closed for overcoming of output buffer limits")
    });
    // What was pending past the limit is dropped with the client.
    let got = read_to_close(&mut slow);
    assert!(
        got.len() < requests * value,
        "{} bytes for {requests} requests",
        got.len()
    );

    // 2000 requests in one write (18 KiB, about one read): the server must
    // stop running them at the limit, not queue 500 MiB of replies first.
    let mut burst = server.connect();
    burst
        .write_all(&b"GET big\r\n".repeat(2000))
        .expect("write the burst");
    eventually("the second log line", || {
        server
            .log_lines("closed for overcoming of output buffer limits")
            .len()
            == 2
    });
    let _ = read_to_close(&mut burst);
    let peak = server.status_kib("VmHWM");
    println!("VmRSS before {rss_before} KiB, peak {peak} KiB");
    assert!(
        peak < rss_before + MEMORY_BOUND_KIB,
        "the server's peak RSS reached {peak} KiB"
    );
    assert_recovered(&mut server, &mut control, baseline);
}

/// A bulk length over 512 MiB is refused; a valid 512 MiB one followed by
/// nothing costs nothing until the data comes, however many clients do it.
#[test]
fn huge_bulk_lengths_are_refused_or_cost_nothing_up_front() {
    let mut server = Server::start(&[]);
    let mut control = server.connect();
    ping(&mut control);
    let baseline = server.fd_count();

    let mut s = server.connect();
    s.write_all(b"*2\r\n$3\r\nSET\r\n$1073741824\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut s),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );

    let rss_before = server.status_kib("VmRSS");
    let mut waiting = Vec::new();
    for _ in 0..50 {
        let mut s = server.connect();
        s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n")
            .unwrap();
        waiting.push(s);
    }
    // One of them sends its first MiB: held, not more.
    waiting[0].write_all(&vec![b'x'; 1 << 20]).unwrap();
    // The server reads every ready socket in an iteration: two round trips
    // on another connection mean it has read the requests above.
    ping(&mut control);
    ping(&mut control);
    assert_eq!(server.info_field("connected_clients"), 52);
    let rss = server.status_kib("VmRSS");
    println!("VmRSS before {rss_before} KiB, with 50 clients announcing 512 MiB: {rss} KiB");
    assert!(rss < rss_before + MEMORY_BOUND_KIB, "VmRSS {rss} KiB");
    // They stay connected, waiting; nothing was set.
    control.write_all(b"EXISTS k\r\n").unwrap();
    assert_eq!(read_line(&mut control), b":0");
    drop(waiting);
    assert_recovered(&mut server, &mut control, baseline);
    assert!(server.status_kib("VmHWM") < rss_before + MEMORY_BOUND_KIB);
}

/// Connections that go silent (with nothing sent, or in the middle of a
/// request) are closed by `--timeout`; half-closed ones (the client shut
/// its side) as soon as the server reads the end. A client that keeps
/// talking is never closed meanwhile.
#[test]
fn silent_and_half_closed_connections_are_closed() {
    let mut server = Server::start(&["--timeout", "2", "--hz", "20"]);
    let mut control = server.connect();
    ping(&mut control);
    let baseline = server.fd_count();

    let mut silent = Vec::new();
    for i in 0..600 {
        let mut s = server.connect();
        if i % 2 == 1 {
            s.write_all(b"*3\r\n$3\r\nSET\r\n").unwrap();
        }
        silent.push(s);
    }
    let mut half_closed = Vec::new();
    for _ in 0..100 {
        let s = server.connect();
        s.shutdown(Shutdown::Write).unwrap();
        half_closed.push(s);
    }
    for s in &mut half_closed {
        assert_eq!(read_to_close(s), b"");
    }
    // The silent ones go after two idle seconds; the control client talks
    // every 50 ms all along and stays.
    let closed = Arc::new(AtomicBool::new(false));
    let reader = {
        let closed = Arc::clone(&closed);
        thread::spawn(move || {
            for s in &mut silent {
                assert_eq!(read_to_close(s), b"");
            }
            closed.store(true, Ordering::SeqCst);
        })
    };
    while !closed.load(Ordering::SeqCst) && !reader.is_finished() {
        ping(&mut control);
        thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("every silent connection closed");
    assert_recovered(&mut server, &mut control, baseline);
}

/// SIGHUP is handled (and ignored, as Redis does): a storm of thousands
/// per second, each interrupting the server's poll, while clients run
/// pipelined counters and server_cron expires keys. Every reply is right,
/// the cron keeps running, the server stays up.
#[test]
fn sighup_storm_loses_nothing() {
    for backend in [
        &["--backend", "epoll"][..],
        &["--backend", "select", "--maxclients", "500"],
    ] {
        let mut server = Server::start(&[backend, &["--hz", "100"]].concat());
        let mut control = server.connect();
        ping(&mut control);
        let pid = nix::unistd::Pid::from_raw(server.pid());
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let storm = {
            let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP)
                        .expect("the server is alive");
                    sent.fetch_add(1, Ordering::SeqCst);
                    thread::sleep(Duration::from_micros(50));
                }
            })
        };
        // Keys that only server_cron's active expiry removes.
        for i in 0..100 {
            let req = format!("SET exp{i} 1 PX 20\r\n");
            assert_eq!(roundtrip(&mut control, req.as_bytes(), 5), b"+OK\r\n");
        }
        let clients: Vec<_> = (0..10)
            .map(|c| {
                let mut s = server.connect();
                thread::spawn(move || {
                    for round in 0..20 {
                        let req = format!("INCR c{c}\r\n").repeat(50);
                        s.write_all(req.as_bytes()).unwrap();
                        for i in 1..=50 {
                            let want = format!(":{}", round * 50 + i);
                            assert_eq!(read_line(&mut s), want.as_bytes());
                        }
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().expect("a client got a wrong reply");
        }
        // Run the storm until thousands of signals went out.
        eventually("2000 signals sent", || sent.load(Ordering::SeqCst) >= 2000);
        eventually("active expiry under the storm", || {
            control.write_all(b"DBSIZE\r\n").unwrap();
            read_line(&mut control) == b":10"
        });
        stop.store(true, Ordering::SeqCst);
        storm.join().unwrap();
        println!("{backend:?}: {} SIGHUPs sent", sent.load(Ordering::SeqCst));
        assert!(server.is_running(), "{backend:?}: SIGHUP killed the server");
        ping(&mut control);
        assert!(server.log_contains("Received SIGHUP: ignored"));
        // No warning at all (level mark `#`).
        assert_eq!(server.log_lines(" # "), Vec::<String>::new());
    }
}

/// The default bind is loopback, without a warning; any other address
/// logs the warning (0.0.0.0 with port 0; reached through 127.0.0.1).
#[test]
fn binding_beyond_loopback_logs_a_warning() {
    let server = Server::start(&[]);
    assert!(server.log_contains("bind=127.0.0.1"));
    assert!(!server.log_contains("not a loopback address"));
    drop(server);

    let server = Server::start(&["--bind", "0.0.0.0"]);
    assert!(server.log_contains("bind=0.0.0.0"));
    assert!(server.log_contains("WARNING: listening on 0.0.0.0 which is not a loopback address"));
    ping(&mut server.connect());
}
