//! The proxy example (`ae/examples/proxy.rs`) as a process of its own,
//! driven over 127.0.0.1: relaying and half-close, back-pressure with
//! bounded memory, a connect that does not block the loop, a refused
//! upstream, the idle timeout, and SIGINT/SIGTERM with exit status 0.
//!
//! The example is compiled into this test binary (as the other example
//! tests do), and the binary runs it in a child process: itself, with the
//! example's arguments in an environment variable and only the
//! `example_child` entry selected. So each test has its own proxy, whose
//! memory, exit status and signals are its own, with no second cargo build.

mod example_process;
#[path = "../examples/proxy.rs"]
#[allow(dead_code)]
mod proxy;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ae::Backend;
use example_process::{Example, TIMEOUT};
use nix::sys::signal::Signal;

const CHILD_ARGS: &str = "AE_PROXY_EXAMPLE_ARGS";

/// Not a test: the entry of the child process that runs the example.
#[test]
fn example_child() {
    example_process::child_main(CHILD_ARGS, "proxy", proxy::run);
}

/// Caps what the kernel holds for a client that does not read: a loopback
/// socket's buffers grow to megabytes, which would take the whole transfer
/// and leave the proxy nothing to hold back. (Not much smaller: a window
/// under the loopback's 64 KiB segments makes TCP crawl.)
fn small_receive_buffer(s: &TcpStream) {
    use nix::sys::socket::{setsockopt, sockopt};
    setsockopt(s, sockopt::RcvBuf, &(128 * 1024)).unwrap();
}

/// An upstream echo server on threads: every byte back, and EOF for EOF.
fn echo_upstream(listener: TcpListener) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            thread::spawn(move || {
                let _ = std::io::copy(&mut &conn, &mut &conn);
                let _ = conn.shutdown(Shutdown::Write);
            });
        }
    });
    addr
}

fn proxy_to(upstream: SocketAddr, extra: &[&str], backend: Option<Backend>) -> Example {
    let upstream = upstream.to_string();
    let mut args = vec!["--listen", "127.0.0.1:0", "--upstream", &upstream];
    args.extend_from_slice(extra);
    Example::start(CHILD_ARGS, &args, backend)
}

fn round_trip(c: &mut TcpStream, bytes: &[u8]) {
    c.write_all(bytes).unwrap();
    let mut back = vec![0; bytes.len()];
    c.read_exact(&mut back).unwrap();
    assert_eq!(back, bytes);
}

fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

#[test]
fn relays_with_back_pressure_and_half_close_on_every_backend() {
    for backend in Backend::available() {
        let upstream = echo_upstream(TcpListener::bind("127.0.0.1:0").unwrap());
        let mut proxy = proxy_to(upstream, &[], Some(backend));
        let mut c = proxy.connect();
        round_trip(&mut c, b"hello");
        let baseline = proxy.rss_kib();

        // 16 MiB written by a thread while this client reads nothing: the
        // proxy holds its two buffers at most, the rest waits in the
        // kernel or in the writer, and then every byte comes back in order.
        // (4 MiB fits in loopback's socket buffers alone; with 16 MiB a
        // proxy without back-pressure grew by 32 MiB here, this one by
        // 128 KiB.)
        const TOTAL: usize = 16 << 20;
        let big = proxy.connect();
        small_receive_buffer(&big);
        let sent = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (mut w, sent) = (big.try_clone().unwrap(), sent.clone());
            thread::spawn(move || {
                let data: Vec<u8> = (0..TOTAL).map(pattern).collect();
                for chunk in data.chunks(16 * 1024) {
                    w.write_all(chunk).unwrap();
                    sent.fetch_add(chunk.len(), Ordering::SeqCst);
                }
                // Half-close: the EOF goes through to the upstream, whose
                // EOF comes back after the echo.
                w.shutdown(Shutdown::Write).unwrap();
            })
        };
        let (mut peak, mut last, mut since) = (baseline, 0, Instant::now());
        let start = Instant::now();
        // Not reading until 300 ms after the writes last moved: time for
        // the proxy to pull in all it would hold.
        while since.elapsed() < Duration::from_millis(300) {
            assert!(start.elapsed() < TIMEOUT);
            thread::sleep(Duration::from_millis(10));
            peak = peak.max(proxy.rss_kib());
            let now = sent.load(Ordering::SeqCst);
            if now != last {
                (last, since) = (now, Instant::now());
            }
        }
        eprintln!(
            "{backend}: {} KiB written before the reader started",
            sent.load(Ordering::SeqCst) >> 10
        );
        let mut back = Vec::with_capacity(TOTAL);
        (&big).read_to_end(&mut back).unwrap();
        writer.join().unwrap();
        assert_eq!(back.len(), TOTAL, "{backend}");
        assert!(
            back.iter().enumerate().all(|(i, &b)| b == pattern(i)),
            "{backend}: bytes differ"
        );
        if let (Some(base), Some(peak)) = (baseline, peak) {
            eprintln!("{backend}: VmRSS {base} KiB, at most {peak} KiB during the transfer");
            assert!(
                peak < base + 2048,
                "{backend}: VmRSS grew from {base} KiB to {peak} KiB"
            );
        }

        // The first client was served all along.
        round_trip(&mut c, b"again");
        let status = proxy.stop(Signal::SIGINT);
        assert!(status.success(), "{backend}: {status}");
    }
}

/// Whether the kernel shows a connection to `port` waiting for its SYN to
/// be answered (SYN_SENT in /proc/net/tcp); `None` where it cannot tell.
fn syn_sent_to(port: u16) -> Option<bool> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let remote = format!("0100007F:{port:04X}");
    Some(table.lines().skip(1).any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() > 3 && f[2] == remote && f[3] == "02"
    }))
}

#[test]
fn a_pending_connect_does_not_block_other_clients() {
    // An upstream whose accept queue is full: the kernel drops new SYNs, so
    // a connect to it stays in progress (the SYN is sent again after ~1 s).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    nix::sys::socket::listen(&listener, nix::sys::socket::Backlog::new(1).unwrap()).unwrap();
    let upstream = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match TcpStream::connect_timeout(&upstream, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    let mut proxy = proxy_to(upstream, &[], None);
    let mut first = proxy.connect();
    first.write_all(b"first").unwrap();
    // Until the proxy's connect is under way.
    let start = Instant::now();
    match syn_sent_to(upstream.port()) {
        Some(_) => {
            while syn_sent_to(upstream.port()) != Some(true) {
                assert!(start.elapsed() < TIMEOUT, "the proxy never connected");
                thread::sleep(Duration::from_millis(5));
            }
        }
        None => thread::sleep(Duration::from_millis(200)),
    }
    // Room in the queue again, and an echo server behind it: a second
    // client's connect succeeds at once, while the first one's waits for
    // its SYN to be sent again.
    // The fillers leave the queue here, not in the server's thread, which
    // might come too late for the second client's SYN.
    let accepted: Vec<_> = fillers.iter().map(|_| listener.accept().unwrap()).collect();
    echo_upstream(listener);
    let mut second = proxy.connect();
    round_trip(&mut second, b"second");
    first.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 5];
    assert_eq!(
        first.read(&mut buf).map_err(|e| e.kind()).unwrap_err(),
        ErrorKind::WouldBlock,
        "the first client was served before the second"
    );
    // The first connect completes in the end, with its early bytes kept.
    first.set_nonblocking(false).unwrap();
    first.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"first");
    drop((fillers, accepted));
    assert!(proxy.stop(Signal::SIGTERM).success());
}

#[test]
fn a_refused_upstream_closes_its_client_only() {
    // A port with no listener: the connect is refused.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = closed.local_addr().unwrap();
    drop(closed);
    let mut proxy = proxy_to(upstream, &[], None);
    let mut refused = proxy.connect();
    let mut rest = Vec::new();
    // EOF, or a reset if the client's bytes were unread at the close.
    let _ = refused.write_all(b"lost");
    match refused.read_to_end(&mut rest) {
        Ok(0) => {}
        Ok(n) => panic!("{n} bytes from a refused upstream"),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
    }
    assert!(
        proxy.logged("refused"),
        "no error logged: {}",
        proxy.stderr()
    );
    // The upstream comes back on the same port: the proxy serves again.
    let listener = TcpListener::bind(upstream).unwrap();
    echo_upstream(listener);
    let mut c = proxy.connect();
    round_trip(&mut c, b"served");
    assert!(proxy.stop(Signal::SIGINT).success());
}

#[test]
fn the_idle_timeout_closes_idle_pairs_only() {
    let upstream = echo_upstream(TcpListener::bind("127.0.0.1:0").unwrap());
    let idle = Duration::from_millis(400);
    let mut proxy = proxy_to(upstream, &["--idle-timeout-ms", "400"], None);
    let mut silent = proxy.connect();
    let mut chatty = proxy.connect();
    round_trip(&mut silent, b"once");
    let start = Instant::now();
    // Traffic every 50 ms for three idle periods keeps the pair open.
    while start.elapsed() < idle * 3 {
        round_trip(&mut chatty, b"x");
        thread::sleep(Duration::from_millis(50));
    }
    let mut rest = Vec::new();
    assert_eq!(silent.read_to_end(&mut rest).unwrap(), 0);
    round_trip(&mut chatty, b"still open");
    assert!(proxy.stop(Signal::SIGINT).success());
}
