//! A line-based chat server on ae: every line a member sends goes to every
//! other member, as `<name> line`.
//!
//! Writes are buffered the way Redis buffers replies: a broadcast only
//! appends to each member's output buffer and marks it pending; the
//! before-sleep hook writes the pending buffers once per iteration (one
//! write per member however many lines arrived), and a WRITABLE handler is
//! installed only for a member whose socket would block. A member whose
//! unsent output passes [`MAX_OUTPUT`] is disconnected (Redis's client
//! output-buffer limit), and one whose line passes [`MAX_LINE`] is told so
//! and disconnected, so a slow or hostile member cannot exhaust memory.
//! `/nick NAME` renames a member.
//!
//! ```sh
//! cargo run -p ae-loop --example chat -- --port 7001
//! nc 127.0.0.1 7001
//! ```

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::process::ExitCode;

use ae::{AnyPoller, Backend, EventLoop, Mask};

/// The longest line a member may send, newline included.
pub const MAX_LINE: usize = 4096;
/// The most unsent output a member may have before it is disconnected.
pub const MAX_OUTPUT: usize = 1 << 20;

/// The most fds the server holds; select's `FD_SETSIZE` is 1024.
const SET_SIZE: usize = 1024;

type Loop = EventLoop<AnyPoller, Chat>;

/// The server's state, handed to every handler.
pub struct Chat {
    listener: TcpListener,
    /// Members by fd.
    members: Vec<Option<Member>>,
    /// Members with output to write before the loop sleeps.
    pending: Vec<RawFd>,
}

struct Member {
    stream: TcpStream,
    name: String,
    /// Bytes received that do not end a line yet.
    input: Vec<u8>,
    output: Vec<u8>,
    /// In `Chat::pending`.
    is_pending: bool,
}

/// Sets up the server on `listener`, with the loop on `backend`;
/// [`EventLoop::run`] then serves (until SIGINT).
pub fn setup(listener: TcpListener, backend: Backend) -> io::Result<(Loop, Chat)> {
    listener.set_nonblocking(true)?;
    let mut el: Loop = backend.event_loop(SET_SIZE)?;
    el.create_file_event(listener.as_raw_fd(), Mask::READABLE, accept)?;
    el.set_before_sleep(write_pending);
    el.create_signal_event(ae::signal::SIGINT, |el, _, _| el.stop())?;
    let mut members = Vec::new();
    members.resize_with(SET_SIZE, || None);
    Ok((
        el,
        Chat {
            listener,
            members,
            pending: Vec::new(),
        },
    ))
}

fn accept(el: &mut Loop, chat: &mut Chat, _fd: RawFd, _mask: Mask) {
    loop {
        match chat.listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = join(el, chat, stream) {
                    eprintln!("chat: refusing a member: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => return eprintln!("chat: accept: {e}"),
        }
    }
}

fn join(el: &mut Loop, chat: &mut Chat, stream: TcpStream) -> io::Result<()> {
    stream.set_nonblocking(true)?;
    let fd = stream.as_raw_fd();
    el.create_file_event(fd, Mask::READABLE, on_readable)?;
    let name = format!("guest{fd}");
    chat.members[fd as usize] = Some(Member {
        stream,
        name: name.clone(),
        input: Vec::new(),
        output: Vec::new(),
        is_pending: false,
    });
    send(chat, fd, format!("* welcome, {name}\n").as_bytes());
    broadcast(chat, Some(fd), format!("* {name} joined\n").as_bytes());
    Ok(())
}

fn on_readable(el: &mut Loop, chat: &mut Chat, fd: RawFd, _mask: Mask) {
    let Some(member) = chat.members[fd as usize].as_mut() else {
        return;
    };
    let mut buf = [0u8; 16 * 1024];
    let n = match (&member.stream).read(&mut buf) {
        Ok(0) => return leave(el, chat, fd),
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
        Err(e) if e.kind() == io::ErrorKind::Interrupted => return,
        Err(_) => return leave(el, chat, fd),
    };
    member.input.extend_from_slice(&buf[..n]);
    let input = std::mem::take(&mut member.input);
    let mut lines = input.split_inclusive(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if !line.ends_with(b"\n") {
            // An unfinished line: kept for the next read, within bounds.
            if line.len() >= MAX_LINE {
                return too_long(el, chat, fd);
            }
            if let Some(m) = chat.members[fd as usize].as_mut() {
                m.input = line.to_vec();
            }
            break;
        }
        if line.len() > MAX_LINE {
            return too_long(el, chat, fd);
        }
        let text = String::from_utf8_lossy(line.trim_ascii_end()).into_owned();
        said(chat, fd, &text);
        if lines.peek().is_none() {
            break;
        }
    }
}

/// One complete line from member `fd`.
fn said(chat: &mut Chat, fd: RawFd, text: &str) {
    let Some(member) = chat.members[fd as usize].as_mut() else {
        return;
    };
    if let Some(nick) = text.strip_prefix("/nick ") {
        let nick = nick.trim();
        if nick.is_empty() || nick.len() > 32 || nick.contains(char::is_whitespace) {
            return send(chat, fd, b"* a name is 1-32 characters, no spaces\n");
        }
        let old = std::mem::replace(&mut member.name, nick.to_string());
        broadcast(chat, None, format!("* {old} is now {nick}\n").as_bytes());
    } else if !text.is_empty() {
        let line = format!("<{}> {text}\n", member.name);
        broadcast(chat, Some(fd), line.as_bytes());
    }
}

fn too_long(el: &mut Loop, chat: &mut Chat, fd: RawFd) {
    let msg = format!("* lines are at most {MAX_LINE} bytes; bye\n");
    if let Some(m) = chat.members[fd as usize].as_ref() {
        // Best effort: the member is leaving anyway.
        let _ = (&m.stream).write(msg.as_bytes());
    }
    leave(el, chat, fd);
}

/// Appends to every member's output but `except`'s.
fn broadcast(chat: &mut Chat, except: Option<RawFd>, bytes: &[u8]) {
    for fd in 0..chat.members.len() as RawFd {
        if Some(fd) != except && chat.members[fd as usize].is_some() {
            send(chat, fd, bytes);
        }
    }
}

/// Appends to one member's output; the before-sleep hook writes it.
fn send(chat: &mut Chat, fd: RawFd, bytes: &[u8]) {
    let Some(m) = chat.members[fd as usize].as_mut() else {
        return;
    };
    m.output.extend_from_slice(bytes);
    if !m.is_pending {
        m.is_pending = true;
        chat.pending.push(fd);
    }
}

/// The before-sleep hook: writes every pending member's output. A member
/// that leaves meanwhile makes others pending again (its goodbye), so the
/// hook runs until none is left: nothing waits through the poll.
fn write_pending(el: &mut Loop, chat: &mut Chat) {
    while let Some(fd) = chat.pending.pop() {
        if let Some(m) = chat.members[fd as usize].as_mut() {
            m.is_pending = false;
            flush(el, chat, fd, Mask::NONE);
        }
    }
}

/// Writes what the socket takes; the rest waits for WRITABLE. Also the
/// WRITABLE handler.
fn flush(el: &mut Loop, chat: &mut Chat, fd: RawFd, _mask: Mask) {
    let Some(m) = chat.members[fd as usize].as_mut() else {
        return;
    };
    let mut written = 0;
    while written < m.output.len() {
        match (&m.stream).write(&m.output[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return leave(el, chat, fd),
        }
    }
    m.output.drain(..written);
    if m.output.is_empty() {
        m.output.shrink_to(MAX_LINE);
        el.delete_file_event(fd, Mask::WRITABLE);
    } else {
        // Over the limit, or no way to learn when the socket drains.
        let stuck = m.output.len() > MAX_OUTPUT
            || (!el.get_file_events(fd).contains(Mask::WRITABLE)
                && el.create_file_event(fd, Mask::WRITABLE, flush).is_err());
        if stuck {
            leave(el, chat, fd);
        }
    }
}

fn leave(el: &mut Loop, chat: &mut Chat, fd: RawFd) {
    if let Some(m) = chat.members[fd as usize].take() {
        el.delete_file_event(fd, Mask::READ_WRITE);
        drop(m.stream);
        broadcast(chat, None, format!("* {} left\n", m.name).as_bytes());
    }
}

fn main() -> ExitCode {
    let port = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => Ok(7001),
        [flag, port] if flag == "--port" => port.parse::<u16>().map_err(|_| port.clone()),
        other => Err(other.join(" ")),
    };
    let Ok(port) = port else {
        eprintln!("usage: chat [--port N]");
        return ExitCode::FAILURE;
    };
    let run = || -> io::Result<()> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let (mut el, mut chat) = setup(listener, Backend::from_env()?)?;
        println!(
            "chat: listening on 127.0.0.1:{port} ({}); Ctrl-C stops",
            el.name()
        );
        el.run(&mut chat)
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chat: {e}");
            ExitCode::FAILURE
        }
    }
}
