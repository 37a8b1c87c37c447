//! The echo example (`ae/examples/echo.rs`) served on every backend this
//! build has, driven by real TCP clients: echo, back-pressure, the idle
//! timeout and SIGINT. Its own test binary: SIGINT is sent to this process.

#[path = "../examples/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ae::Backend;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the example in a thread; the receiver gets `run`'s result and the
/// connections left open when it returns.
fn serve(backend: Backend, idle: Duration) -> (u16, mpsc::Receiver<std::io::Result<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut el, mut state) = echo::setup(listener, idle, backend).unwrap();
        let result = el.run(&mut state).map(|()| state.connections());
        let _ = tx.send(result);
    });
    (port, rx)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

fn stop(rx: mpsc::Receiver<std::io::Result<usize>>) -> usize {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    kill(Pid::this(), Signal::SIGINT).unwrap();
    rx.recv_timeout(TIMEOUT)
        .expect("SIGINT stops the loop")
        .expect("run returns Ok")
}

/// Everything: the tests share this process's SIGINT, so they run in turn.
#[test]
fn echo_example_on_every_backend() {
    for backend in Backend::available() {
        echoes_and_applies_back_pressure(backend);
        closes_idle_connections_only(backend);
    }
}

fn echoes_and_applies_back_pressure(backend: Backend) {
    let (port, rx) = serve(backend, Duration::from_secs(60));
    let mut c = connect(port);
    c.write_all(b"hello").unwrap();
    let mut buf = [0u8; 5];
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello", "{backend}");

    // A client that writes without reading: the server keeps at most
    // MAX_UNSENT plus the socket buffers, then stops reading, so the
    // client's writes block.
    let mut flood = connect(port);
    flood.set_nonblocking(true).unwrap();
    let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    let mut sent = 0usize;
    let mut stalled_since: Option<Instant> = None;
    let start = Instant::now();
    loop {
        match flood.write(&chunk[sent % chunk.len()..]) {
            Ok(n) => {
                sent += n;
                stalled_since = None;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                let since = *stalled_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_millis(300) {
                    break;
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("{backend}: {e}"),
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "{backend}: the writes never blocked"
        );
        assert!(
            sent < 64 << 20,
            "{backend}: no back-pressure after {sent} bytes"
        );
    }
    assert!(
        sent > echo::MAX_UNSENT,
        "{backend}: stalled early at {sent}"
    );
    // Reading it all back resumes the server; every byte returns, in order.
    flood.set_nonblocking(false).unwrap();
    flood.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut back = vec![0u8; sent];
    flood.read_exact(&mut back).unwrap();
    assert!(
        back.iter()
            .enumerate()
            .all(|(i, &b)| b == (i % chunk.len() % 251) as u8),
        "{backend}: echoed bytes differ"
    );
    // Still serving others.
    c.write_all(b"again").unwrap();
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"again");
    assert_eq!(stop(rx), 2, "{backend}: both clients were open at SIGINT");
}

fn closes_idle_connections_only(backend: Backend) {
    let idle = Duration::from_millis(300);
    let (port, rx) = serve(backend, idle);
    let mut silent = connect(port);
    let mut chatty = connect(port);
    let start = Instant::now();
    // The chatty client talks every 100 ms for 3 idle periods.
    while start.elapsed() < idle * 3 {
        chatty.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        chatty.read_exact(&mut b).unwrap();
        thread::sleep(Duration::from_millis(100));
    }
    let mut rest = Vec::new();
    assert_eq!(silent.read_to_end(&mut rest).unwrap(), 0, "{backend}");
    chatty.write_all(b"y").unwrap();
    let mut b = [0u8; 1];
    chatty.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"y", "{backend}: the chatty client was closed");
    assert_eq!(stop(rx), 1, "{backend}");
}
