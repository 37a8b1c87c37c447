//! An echo server on ae: every byte a client sends comes back to it.
//!
//! What a real server needs beyond the happy path, in the way Redis does it:
//! - an idle timeout per connection: one timer each, pushed back on every
//!   read or write with `reschedule_time_event` (no delete and create);
//! - back-pressure: a write that would block leaves the rest in the
//!   connection's buffer and installs a WRITABLE handler; while a client
//!   does not read its echoes (more than [`MAX_UNSENT`] waiting), the server
//!   stops reading from it, so the client's own writes block in turn and the
//!   server's memory stays bounded;
//! - a clean exit on SIGINT, through a signal event: the loop stops at once,
//!   and every connection is closed as the state is dropped.
//!
//! ```sh
//! cargo run -p ae-loop --example echo -- --port 7000 --idle 30
//! AE_BACKEND=select cargo run -p ae-loop --example echo
//! nc 127.0.0.1 7000
//! ```

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::process::ExitCode;
use std::time::Duration;

use ae::{AnyPoller, Backend, EventLoop, Mask, TimerAction, TimerId};

/// Echo bytes a client may leave unread before the server stops reading
/// from it.
pub const MAX_UNSENT: usize = 1 << 20;

/// The loop's set size: the most fds (clients plus the listener and the
/// loop's own) this server holds; select's `FD_SETSIZE` is 1024.
const SET_SIZE: usize = 1024;

type Loop = EventLoop<AnyPoller, Echo>;

/// The server's state, handed to every handler.
pub struct Echo {
    listener: TcpListener,
    /// Connections by fd, as ae's own file-event table.
    conns: Vec<Option<Conn>>,
    idle: Duration,
}

struct Conn {
    stream: TcpStream,
    /// Echo bytes the socket did not take yet.
    unsent: Vec<u8>,
    idle_timer: TimerId,
}

/// Sets up the server on `listener` (the loop on `backend`, the listener's
/// accept handler, SIGINT); [`EventLoop::run`] then serves until SIGINT.
pub fn setup(listener: TcpListener, idle: Duration, backend: Backend) -> io::Result<(Loop, Echo)> {
    listener.set_nonblocking(true)?;
    let mut el: Loop = backend.event_loop(SET_SIZE)?;
    el.create_file_event(listener.as_raw_fd(), Mask::READABLE, accept)?;
    el.create_signal_event(ae::signal::SIGINT, |el, _, _| el.stop())?;
    let mut conns = Vec::new();
    conns.resize_with(SET_SIZE, || None);
    Ok((
        el,
        Echo {
            listener,
            conns,
            idle,
        },
    ))
}

fn accept(el: &mut Loop, echo: &mut Echo, _fd: RawFd, _mask: Mask) {
    loop {
        match echo.listener.accept() {
            Ok((stream, peer)) => {
                if let Err(e) = add_conn(el, echo, stream) {
                    eprintln!("echo: refusing {peer}: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => return eprintln!("echo: accept: {e}"),
        }
    }
}

fn add_conn(el: &mut Loop, echo: &mut Echo, stream: TcpStream) -> io::Result<()> {
    stream.set_nonblocking(true)?;
    let fd = stream.as_raw_fd();
    // Fails for an fd past the set size: the stream is dropped, closing it.
    el.create_file_event(fd, Mask::READABLE, on_readable)?;
    let idle_timer = el.create_time_event(echo.idle, move |el, echo, _id| {
        close(el, echo, fd);
        TimerAction::NoMore
    });
    echo.conns[fd as usize] = Some(Conn {
        stream,
        unsent: Vec::new(),
        idle_timer,
    });
    Ok(())
}

fn on_readable(el: &mut Loop, echo: &mut Echo, fd: RawFd, _mask: Mask) {
    let Some(conn) = echo.conns[fd as usize].as_mut() else {
        return;
    };
    let mut buf = [0u8; 16 * 1024];
    match (&conn.stream).read(&mut buf) {
        Ok(0) => close(el, echo, fd),
        Ok(n) => {
            // Cannot fail: the timer lives as long as the connection.
            let _ = el.reschedule_time_event(conn.idle_timer, echo.idle);
            conn.unsent.extend_from_slice(&buf[..n]);
            flush(el, echo, fd, Mask::NONE);
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
        Err(_) => close(el, echo, fd),
    }
}

/// Writes what the socket takes; what is left waits for WRITABLE. Also the
/// WRITABLE handler.
fn flush(el: &mut Loop, echo: &mut Echo, fd: RawFd, _mask: Mask) {
    let Some(conn) = echo.conns[fd as usize].as_mut() else {
        return;
    };
    let mut written = 0;
    while written < conn.unsent.len() {
        match (&conn.stream).write(&conn.unsent[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return close(el, echo, fd),
        }
    }
    if written > 0 {
        conn.unsent.drain(..written);
        let _ = el.reschedule_time_event(conn.idle_timer, echo.idle);
    }
    let mask = el.get_file_events(fd);
    let result = if conn.unsent.is_empty() {
        el.delete_file_event(fd, Mask::WRITABLE);
        // Drained: read again if back-pressure had stopped it.
        if mask.contains(Mask::READABLE) {
            Ok(())
        } else {
            el.create_file_event(fd, Mask::READABLE, on_readable)
        }
    } else {
        if conn.unsent.len() >= MAX_UNSENT {
            el.delete_file_event(fd, Mask::READABLE);
        }
        if mask.contains(Mask::WRITABLE) {
            Ok(())
        } else {
            el.create_file_event(fd, Mask::WRITABLE, flush)
        }
    };
    if result.is_err() {
        close(el, echo, fd);
    }
}

/// Forgets the connection: its events and its timer go first, then the
/// stream is dropped, which closes the fd.
fn close(el: &mut Loop, echo: &mut Echo, fd: RawFd) {
    if let Some(conn) = echo.conns[fd as usize].take() {
        el.delete_file_event(fd, Mask::READ_WRITE);
        // The timer may be the one running (an idle close): deleting it
        // from its own callback is allowed.
        let _ = el.delete_time_event(conn.idle_timer);
    }
}

impl Echo {
    /// How many clients are connected.
    pub fn connections(&self) -> usize {
        self.conns.iter().flatten().count()
    }
}

fn parse_args() -> Result<(u16, Duration), String> {
    let (mut port, mut idle) = (7000, 30);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = value
            .parse::<u64>()
            .map_err(|_| format!("{flag}: '{value}' is not a number"))?;
        match flag.as_str() {
            "--port" => port = u16::try_from(number).map_err(|_| "--port: too large")?,
            "--idle" => idle = number,
            _ => return Err(format!("unknown option {flag} (--port N, --idle SECONDS)")),
        }
    }
    Ok((port, Duration::from_secs(idle)))
}

fn main() -> ExitCode {
    let run = || -> Result<(), String> {
        let (port, idle) = parse_args()?;
        let backend = Backend::from_env().map_err(|e| e.to_string())?;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let (mut el, mut echo) = setup(listener, idle, backend).map_err(|e| e.to_string())?;
        println!(
            "echo: listening on 127.0.0.1:{port} ({}), idle timeout {idle:?}; Ctrl-C stops",
            el.name()
        );
        el.run(&mut echo).map_err(|e| e.to_string())?;
        println!("echo: SIGINT, closing {} connection(s)", echo.connections());
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo: {e}");
            ExitCode::FAILURE
        }
    }
}
