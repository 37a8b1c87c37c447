//! A job server on ae: each line a client sends is a shell command, run with
//! `sh -c`, at most `--max-parallel` at once (the rest wait in a queue), and
//! the client is told how it went:
//!
//! ```text
//! job 1 queued
//! job 1 pid 4242 started
//! job 1 out <a line the command printed>
//! job 1 pid 4242 exit 0          (or: job 1 pid 4242 signal 9)
//! ```
//!
//! The loop does all of it in one thread: children are spawned with
//! `el.spawn` and reaped by their child events (no thread waits on them),
//! and each job's stdout is a pipe registered as a file event. A job's end
//! is reported once both its exit status and its stdout's EOF are in, so the
//! status line comes after the last output line. A client that half-closes
//! after its jobs (`nc -N`) gets their results, then is closed. SIGINT or
//! SIGTERM kill the running jobs (each is its own process group, so what
//! the shell started dies too) and exit with status 0.
//!
//! ```sh
//! cargo run -p ae-loop --example jobs -- --listen 127.0.0.1:7003 --max-parallel 2
//! printf 'sleep 1; echo done\nexit 3\n' | nc -N 127.0.0.1 7003
//! ```

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdout, Command, ExitCode, ExitStatus, Stdio};

use ae::{signal, AnyPoller, Backend, EventLoop, Mask};
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// The longest job line, newline included.
pub const MAX_LINE: usize = 4096;
/// The most unsent output a client may have before it is disconnected.
pub const MAX_OUTPUT: usize = 1 << 20;

/// Clients, job pipes, the listener and the loop's own fds.
const SET_SIZE: usize = 1024;

type Loop = EventLoop<AnyPoller, Jobs>;

/// The server's state, handed to every handler.
pub struct Jobs {
    listener: TcpListener,
    max_parallel: usize,
    /// Clients by fd.
    clients: Vec<Option<Client>>,
    /// Tells a client apart from a later one on the same fd, so a job
    /// outliving its client reports to no one.
    next_serial: u64,
    queue: VecDeque<Job>,
    /// Spawned jobs whose end is not reported yet. A job holds its slot
    /// until then: one whose shell exited while something it started still
    /// writes to its stdout is still at work.
    running: Vec<Running>,
    next_id: u64,
    /// Jobs killed by SIGINT or SIGTERM.
    killed: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct ClientId {
    fd: RawFd,
    serial: u64,
}

struct Client {
    serial: u64,
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    /// The client sent EOF: it is closed once its jobs are reported.
    eof: bool,
    /// Its jobs queued or running.
    jobs: usize,
}

struct Job {
    id: u64,
    client: ClientId,
    command: String,
}

struct Running {
    id: u64,
    client: ClientId,
    child: Child,
    /// Taken from `child`; `None` once it reached EOF.
    stdout: Option<ChildStdout>,
    /// Output after the last newline.
    partial: Vec<u8>,
    /// How it ended, once it has.
    end: Option<String>,
}

/// Sets up the server on `listener`; [`EventLoop::run`] then serves until
/// SIGINT or SIGTERM.
pub fn setup(
    listener: TcpListener,
    max_parallel: usize,
    backend: Backend,
) -> io::Result<(Loop, Jobs)> {
    listener.set_nonblocking(true)?;
    let mut el: Loop = backend.event_loop(SET_SIZE)?;
    el.create_file_event(&listener, Mask::READABLE, accept)?;
    for signo in [signal::SIGINT, signal::SIGTERM] {
        el.create_signal_event(signo, |el, jobs: &mut Jobs, _| {
            jobs.kill_running();
            el.stop();
        })?;
    }
    let mut clients = Vec::new();
    clients.resize_with(SET_SIZE, || None);
    let jobs = Jobs {
        listener,
        max_parallel: max_parallel.max(1),
        clients,
        next_serial: 0,
        queue: VecDeque::new(),
        running: Vec::new(),
        next_id: 1,
        killed: 0,
    };
    Ok((el, jobs))
}

fn accept(el: &mut Loop, jobs: &mut Jobs, _fd: RawFd, _mask: Mask) {
    loop {
        match jobs.listener.accept() {
            Ok((stream, peer)) => {
                if let Err(e) = add_client(el, jobs, stream) {
                    eprintln!("jobs: refusing {peer}: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => return eprintln!("jobs: accept: {e}"),
        }
    }
}

fn add_client(el: &mut Loop, jobs: &mut Jobs, stream: TcpStream) -> io::Result<()> {
    stream.set_nonblocking(true)?;
    let fd = stream.as_raw_fd();
    el.create_file_event(fd, Mask::READABLE, on_readable)?;
    jobs.next_serial += 1;
    jobs.clients[fd as usize] = Some(Client {
        serial: jobs.next_serial,
        stream,
        input: Vec::new(),
        output: Vec::new(),
        eof: false,
        jobs: 0,
    });
    Ok(())
}

fn on_readable(el: &mut Loop, jobs: &mut Jobs, fd: RawFd, _mask: Mask) {
    let Some(c) = jobs.clients[fd as usize].as_mut() else {
        return;
    };
    let mut buf = [0u8; 16 * 1024];
    match (&c.stream).read(&mut buf) {
        Ok(0) => {
            c.eof = true;
            el.delete_file_event(fd, Mask::READABLE);
            // The last line may lack its newline.
            if !c.input.is_empty() {
                c.input.push(b'\n');
            }
        }
        Ok(n) => c.input.extend_from_slice(&buf[..n]),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            return
        }
        Err(_) => return drop_client(el, jobs, fd),
    }
    let id = ClientId {
        fd,
        serial: c.serial,
    };
    while let Some(nl) = c.input.iter().position(|&b| b == b'\n') {
        let line: Vec<u8> = c.input.drain(..=nl).collect();
        let command = String::from_utf8_lossy(&line).trim().to_string();
        if !command.is_empty() {
            c.jobs += 1;
            let job_id = jobs.next_id;
            jobs.next_id += 1;
            jobs.queue.push_back(Job {
                id: job_id,
                client: id,
                command,
            });
            c.output
                .extend_from_slice(format!("job {job_id} queued\n").as_bytes());
        }
    }
    if c.input.len() >= MAX_LINE {
        c.output
            .extend_from_slice(format!("error: lines are at most {MAX_LINE} bytes\n").as_bytes());
        flush(el, jobs, fd, Mask::NONE);
        return drop_client(el, jobs, fd);
    }
    start_queued(el, jobs);
    flush(el, jobs, fd, Mask::NONE);
}

/// Starts queued jobs while there is a free slot.
fn start_queued(el: &mut Loop, jobs: &mut Jobs) {
    while jobs.running.len() < jobs.max_parallel {
        let Some(job) = jobs.queue.pop_front() else {
            return;
        };
        if let Err(e) = start(el, jobs, &job) {
            report(el, jobs, job.client, format!("job {} error {e}\n", job.id));
            job_done(el, jobs, job.client);
        }
    }
}

fn start(el: &mut Loop, jobs: &mut Jobs, job: &Job) -> io::Result<()> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&job.command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // Its own group: a kill reaches what the shell started, and the
        // terminal's Ctrl-C reaches only the server, which then kills it.
        .process_group(0);
    let id = job.id;
    let mut child = el.spawn(&mut command, move |el, jobs, pid, status| {
        exited(el, jobs, id, pid, status)
    })?;
    let stdout = child.stdout.take();
    if let Some(out) = &stdout {
        // A read must never block the loop, even after a spurious wake.
        fcntl(out, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
        if let Err(e) = el.create_file_event(out, Mask::READABLE, move |el, jobs, _, _| {
            on_output(el, jobs, id)
        }) {
            // The child runs anyway: too late to refuse it.
            let _ = killpg(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
            return Err(e);
        }
    }
    let pid = child.id();
    jobs.running.push(Running {
        id,
        client: job.client,
        child,
        stdout,
        partial: Vec::new(),
        end: None,
    });
    report(
        el,
        jobs,
        job.client,
        format!("job {id} pid {pid} started\n"),
    );
    Ok(())
}

fn on_output(el: &mut Loop, jobs: &mut Jobs, id: u64) {
    let Some(i) = jobs.running.iter().position(|r| r.id == id) else {
        return;
    };
    let r = &mut jobs.running[i];
    let Some(out) = r.stdout.as_mut() else {
        return;
    };
    let mut buf = [0u8; 16 * 1024];
    let eof = match out.read(&mut buf) {
        Ok(0) | Err(_) => true,
        Ok(n) => {
            r.partial.extend_from_slice(&buf[..n]);
            false
        }
    };
    if eof {
        el.delete_file_event(&*out, Mask::READABLE);
        r.stdout = None;
        if !r.partial.is_empty() {
            r.partial.push(b'\n');
        }
    }
    let mut text = String::new();
    while let Some(nl) = r.partial.iter().position(|&b| b == b'\n') {
        let line: Vec<u8> = r.partial.drain(..=nl).collect();
        let line = String::from_utf8_lossy(&line[..nl]);
        text.push_str(&format!("job {id} out {}\n", line.trim_end_matches('\r')));
    }
    if r.partial.len() >= MAX_LINE {
        let line = String::from_utf8_lossy(&r.partial).into_owned();
        text.push_str(&format!("job {id} out {line}\n"));
        r.partial.clear();
    }
    let client = r.client;
    if !text.is_empty() {
        report(el, jobs, client, text);
    }
    if eof {
        finish_if_done(el, jobs, i);
    }
}

fn exited(el: &mut Loop, jobs: &mut Jobs, id: u64, pid: u32, status: io::Result<ExitStatus>) {
    let Some(i) = jobs.running.iter().position(|r| r.id == id) else {
        return;
    };
    let end = match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(sig)) => format!("signal {sig}"),
            (None, None) => format!("status {s}"),
        },
        Err(e) => format!("error {e}"),
    };
    jobs.running[i].end = Some(format!("job {id} pid {pid} {end}\n"));
    finish_if_done(el, jobs, i);
}

fn finish_if_done(el: &mut Loop, jobs: &mut Jobs, i: usize) {
    let r = &jobs.running[i];
    if r.stdout.is_some() || r.end.is_none() {
        return;
    }
    let r = jobs.running.swap_remove(i);
    report(el, jobs, r.client, r.end.unwrap_or_default());
    job_done(el, jobs, r.client);
    start_queued(el, jobs);
}

fn job_done(el: &mut Loop, jobs: &mut Jobs, id: ClientId) {
    if let Some(c) = client(jobs, id) {
        c.jobs -= 1;
        close_if_done(el, jobs, id.fd);
    }
}

/// The client, if still the one that sent the job.
fn client(jobs: &mut Jobs, id: ClientId) -> Option<&mut Client> {
    jobs.clients[id.fd as usize]
        .as_mut()
        .filter(|c| c.serial == id.serial)
}

fn report(el: &mut Loop, jobs: &mut Jobs, id: ClientId, text: String) {
    if let Some(c) = client(jobs, id) {
        c.output.extend_from_slice(text.as_bytes());
        flush(el, jobs, id.fd, Mask::NONE);
    }
}

/// Writes what the socket takes; the rest waits for WRITABLE. Also the
/// WRITABLE handler.
fn flush(el: &mut Loop, jobs: &mut Jobs, fd: RawFd, _mask: Mask) {
    let Some(c) = jobs.clients[fd as usize].as_mut() else {
        return;
    };
    let mut written = 0;
    while written < c.output.len() {
        match (&c.stream).write(&c.output[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => return drop_client(el, jobs, fd),
        }
    }
    c.output.drain(..written);
    if c.output.is_empty() {
        el.delete_file_event(fd, Mask::WRITABLE);
        return close_if_done(el, jobs, fd);
    }
    // A client that does not read its results cannot make the server hold
    // them without bound.
    let stuck = c.output.len() > MAX_OUTPUT
        || (!el.get_file_events(fd).contains(Mask::WRITABLE)
            && el.create_file_event(fd, Mask::WRITABLE, flush).is_err());
    if stuck {
        drop_client(el, jobs, fd);
    }
}

fn close_if_done(el: &mut Loop, jobs: &mut Jobs, fd: RawFd) {
    if let Some(c) = jobs.clients[fd as usize].as_ref() {
        if c.eof && c.jobs == 0 && c.output.is_empty() {
            drop_client(el, jobs, fd);
        }
    }
}

/// Closes the client and forgets its queued jobs; its running jobs go on,
/// reporting to no one.
fn drop_client(el: &mut Loop, jobs: &mut Jobs, fd: RawFd) {
    if let Some(c) = jobs.clients[fd as usize].take() {
        el.delete_file_event(fd, Mask::READ_WRITE);
        let id = ClientId {
            fd,
            serial: c.serial,
        };
        jobs.queue.retain(|j| j.client != id);
    }
}

impl Jobs {
    /// Kills every running job's process group: a group outlives its
    /// leader while a member is left, and an unreaped leader's pid is still
    /// its own (the loop reaps a child only to run its event).
    fn kill_running(&mut self) {
        for r in &self.running {
            let _ = killpg(Pid::from_raw(r.child.id() as i32), Signal::SIGKILL);
        }
        self.killed = self.running.len();
    }

    /// After the loop stopped: waits for the killed jobs the loop has not
    /// reaped, so none is left a zombie. Returns how many were killed.
    pub fn reap_killed(&mut self) -> usize {
        for r in self.running.iter_mut().filter(|r| r.end.is_none()) {
            let _ = r.child.wait();
        }
        self.killed
    }
}

fn parse_args(args: &[String]) -> Result<(String, usize), String> {
    const USAGE: &str = "usage: jobs --listen HOST:PORT [--max-parallel N]";
    let (mut listen, mut max_parallel) = (None, 4);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or(format!("{flag} needs a value; {USAGE}"))?;
        match flag.as_str() {
            "--listen" => listen = Some(value.clone()),
            "--max-parallel" => {
                max_parallel = value.parse().ok().filter(|&n| n > 0).ok_or(format!(
                    "--max-parallel: '{value}' is not a positive number"
                ))?;
            }
            _ => return Err(format!("unknown option {flag}; {USAGE}")),
        }
    }
    Ok((listen.ok_or(USAGE)?, max_parallel))
}

/// The whole program but the exit status: `args` without the program name.
pub fn run(args: &[String]) -> Result<(), String> {
    let (listen, max_parallel) = parse_args(args)?;
    let backend = Backend::from_env().map_err(|e| e.to_string())?;
    let listener =
        TcpListener::bind(&listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let (mut el, mut jobs) = setup(listener, max_parallel, backend).map_err(|e| e.to_string())?;
    // Alone on its line: a script that asked for port 0 reads the port here.
    println!("listening on {bound}");
    eprintln!(
        "jobs: {bound} ({}), at most {max_parallel} job(s) at once",
        el.name()
    );
    el.run(&mut jobs).map_err(|e| e.to_string())?;
    let killed = jobs.reap_killed();
    eprintln!("jobs: stopping, killed {killed} running job(s)");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jobs: {e}");
            ExitCode::FAILURE
        }
    }
}
