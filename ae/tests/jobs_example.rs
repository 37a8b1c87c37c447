//! The jobs example (`ae/examples/jobs.rs`) as a process of its own, driven
//! over 127.0.0.1: exit codes and signals reported, the parallelism bound,
//! half-closed clients, and SIGINT killing the running jobs with exit
//! status 0.
//!
//! As in `proxy_example.rs`, the example is compiled into this test binary,
//! which runs it in a child process: itself, with only the `example_child`
//! entry selected. The example reaps its children by pid through SIGCHLD,
//! which a process of its own keeps apart from this one's.

#[path = "../examples/jobs.rs"]
#[allow(dead_code)]
mod jobs;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ae::Backend;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const TIMEOUT: Duration = Duration::from_secs(10);
const CHILD_ARGS: &str = "AE_JOBS_EXAMPLE_ARGS";

/// Not a test: the entry of the child process that runs the example.
#[test]
fn example_child() {
    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return;
    };
    let args: Vec<String> = args.split('\x1f').map(String::from).collect();
    let code = match jobs::run(&args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("jobs: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// A running example, killed by its pid when dropped.
struct Example {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Example {
    fn start(args: &[&str], backend: Option<Backend>) -> Example {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "example_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ARGS, args.join("\x1f"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if let Some(b) = backend {
            cmd.env("AE_BACKEND", b.name());
        }
        let mut child = cmd.spawn().unwrap();
        let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let mut example = Example {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            stderr: Arc::default(),
        };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // After the harness's "test example_child ... ", unended.
                if let Some((_, addr)) = line.split_once("listening on ") {
                    let _ = tx.send(addr.to_string());
                }
            }
        });
        let log = example.stderr.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = rx
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("no address printed; stderr: {}", example.stderr()));
        example.addr = addr.parse().unwrap();
        example
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr has `needle`; false after the timeout.
    fn logged(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < TIMEOUT {
            if self.stderr().contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        false
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s
    }

    /// Sends `signal` and waits for the exit.
    fn stop(&mut self, signal: Signal) -> ExitStatus {
        kill(self.pid(), signal).unwrap();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < TIMEOUT, "{signal} did not stop it");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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
    Example::start(&args, backend)
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
