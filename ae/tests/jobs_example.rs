//! The jobs example (`ae/examples/jobs.rs`) as a process of its own, driven
//! over 127.0.0.1: exit codes and signals reported, the parallelism bound,
//! half-closed clients, and SIGINT killing the running jobs with exit
//! status 0.
//!
//! As in `proxy_example.rs`, the example is compiled into this test binary,
//! which runs it in a child process: itself, with only the `example_child`
//! entry selected. The example reaps its children by pid through SIGCHLD,
//! which a process of its own keeps apart from this one's.

mod example_process;
#[path = "../examples/jobs.rs"]
#[allow(dead_code)]
mod jobs;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use ae::Backend;
use example_process::{Example, TIMEOUT};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const CHILD_ARGS: &str = "AE_JOBS_EXAMPLE_ARGS";

/// Not a test: the entry of the child process that runs the example.
#[test]
fn example_child() {
    example_process::child_main(CHILD_ARGS, "jobs", jobs::run);
}

/// A connection to the server, read line by line.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(server: &Example) -> Client {
        let s = server.connect();
        Client {
            writer: s.try_clone().unwrap(),
            reader: BufReader::new(s),
        }
    }

    fn send(&mut self, lines: &str) {
        self.writer.write_all(lines.as_bytes()).unwrap();
    }

    /// The lines up to and including the first that `done` accepts.
    fn until(&mut self, done: impl Fn(&str) -> bool) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).unwrap();
            assert!(n > 0, "EOF after {lines:?}");
            let line = line.trim_end().to_string();
            let last = done(&line);
            lines.push(line);
            if last {
                return lines;
            }
        }
    }

    /// The end of job `id`: "job ID pid PID <how>", as its words.
    fn end_of(&mut self, id: u64) -> Vec<String> {
        let prefix = format!("job {id} pid ");
        let lines = self.until(|l| l.starts_with(&prefix) && !l.ends_with(" started"));
        lines.last().unwrap().split(' ').map(String::from).collect()
    }
}

fn serve(extra: &[&str], backend: Option<Backend>) -> Example {
    let mut args = vec!["--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    Example::start(CHILD_ARGS, &args, backend)
}

/// The index of the first line that starts with `prefix` and ends with
/// `suffix`.
fn position(lines: &[String], prefix: &str, suffix: &str) -> usize {
    lines
        .iter()
        .position(|l| l.starts_with(prefix) && l.ends_with(suffix))
        .unwrap_or_else(|| panic!("no '{prefix}...{suffix}' in {lines:?}"))
}

#[test]
fn reports_exit_codes_signals_and_output_on_every_backend() {
    for backend in Backend::available() {
        let mut server = serve(&[], Some(backend));
        let mut c = Client::connect(&server);
        c.send("exit 3\n");
        assert_eq!(c.end_of(1)[4..], ["exit", "3"], "{backend}");
        c.send("kill -9 $$\n");
        assert_eq!(c.end_of(2)[4..], ["signal", "9"], "{backend}");
        // Output lines come before the end, the last one without its
        // newline too.
        c.send("echo hello; printf 'no newline'\n");
        let lines = c.until(|l| l.starts_with("job 3 pid ") && l.contains(" exit "));
        let out: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("job 3 out "))
            .collect();
        assert_eq!(
            out,
            ["job 3 out hello", "job 3 out no newline"],
            "{backend}"
        );
        assert!(lines.last().unwrap().ends_with(" exit 0"), "{backend}");
        // A client that half-closes gets its results, then EOF; the last
        // line needs no newline.
        let mut h = Client::connect(&server);
        h.send("exit 7");
        h.writer.shutdown(Shutdown::Write).unwrap();
        assert_eq!(h.end_of(4)[4..], ["exit", "7"], "{backend}");
        let mut rest = String::new();
        assert_eq!(
            h.reader.read_line(&mut rest).unwrap(),
            0,
            "{backend}: {rest}"
        );
        assert!(server.stop(Signal::SIGINT).success(), "{backend}");
    }
}

#[test]
fn max_parallel_bounds_the_jobs_running_at_once() {
    let two_sleeps = "sleep 0.2; echo one\nsleep 0.2; echo two\n";
    // One at a time: the second starts after the first has ended.
    let mut server = serve(&["--max-parallel", "1"], None);
    let mut c = Client::connect(&server);
    let start = Instant::now();
    c.send(two_sleeps);
    let lines = c.until(|l| l.starts_with("job 2 pid ") && l.ends_with(" exit 0"));
    assert!(start.elapsed() < TIMEOUT);
    let first_ended = position(&lines, "job 1 pid ", " exit 0");
    assert!(
        position(&lines, "job 1 out ", "one") < first_ended,
        "{lines:?}"
    );
    assert!(
        first_ended < position(&lines, "job 2 pid ", " started"),
        "{lines:?}"
    );
    assert!(server.stop(Signal::SIGTERM).success());

    // Two at a time: both start before either ends.
    let mut server = serve(&["--max-parallel", "2"], None);
    let mut c = Client::connect(&server);
    c.send(two_sleeps);
    let lines = c.until(|l| l.contains(" exit "));
    position(&lines, "job 1 pid ", " started");
    position(&lines, "job 2 pid ", " started");
    assert!(server.stop(Signal::SIGINT).success());
}

/// Whether process `pid` runs: present and not a zombie (an orphan's
/// zombie waits for whoever adopted it).
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|s| !s.trim_start().starts_with('Z')),
        Err(_) if std::path::Path::new("/proc/self/stat").exists() => false,
        Err(_) => kill(Pid::from_raw(pid), None).is_ok(),
    }
}

#[test]
fn sigint_kills_running_jobs_and_exits_0() {
    let mut server = serve(&["--max-parallel", "1"], None);
    let mut c = Client::connect(&server);
    // The shell reports what it started in the background: the kill must
    // reach it too, not only the shell.
    c.send("sleep 30 & echo $!; wait\nexit 0\n");
    let lines = c.until(|l| l.starts_with("job 1 out "));
    let grandchild: i32 = lines.last().unwrap()["job 1 out ".len()..].parse().unwrap();
    assert!(running(grandchild));
    let status = server.stop(Signal::SIGINT);
    assert!(status.success(), "{status}; {}", server.stderr());
    assert!(
        server.logged("killed 1 running job(s)"),
        "{}",
        server.stderr()
    );
    let start = Instant::now();
    while running(grandchild) {
        assert!(
            start.elapsed() < TIMEOUT,
            "the job's own child {grandchild} survived"
        );
        thread::sleep(Duration::from_millis(10));
    }
    // The client is closed with the server; job 2 never ran.
    let mut rest = String::new();
    c.reader.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
}
