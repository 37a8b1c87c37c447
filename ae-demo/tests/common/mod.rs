//! Starting the built server on a free loopback port, and talking to it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every wait in these tests ends by this bound.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A running `ae-demo`, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
    /// Its own `--dir`, removed when dropped.
    dir: TempDir,
}

/// A fresh directory under the system's temp dir, removed (with what is
/// in it) when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("ae-demo-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.to_str().expect("temp dir is UTF-8")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Server {
    /// Starts the server with `--port 0`, no save schedules, its own empty
    /// `--dir`, and `args` (which may override them), and waits for the
    /// log line that names the port it bound.
    pub fn start(args: &[&str]) -> Server {
        Self::try_start(args).unwrap_or_else(|e| panic!("server did not start: {e}"))
    }

    /// As `start`, but returns the log and status when it exits instead.
    pub fn try_start(args: &[&str]) -> Result<Server, String> {
        let dir = TempDir::new("server");
        let mut child = Command::new(env!("CARGO_BIN_EXE_ae-demo"))
            .args(["--port", "0", "--save", "", "--dir", dir.as_str()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ae-demo");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // Logged first, so the log holds the start line once
                // `start` returns.
                let port = line.split("port=").nth(1).map(|port| {
                    let port: String = port.chars().take_while(char::is_ascii_digit).collect();
                    port.parse::<u16>().ok()
                });
                sink.lock().unwrap().push(line);
                if let Some(port) = port {
                    let _ = tx.send(port);
                }
            }
            let _ = tx.send(None);
        });
        match rx.recv_timeout(TIMEOUT) {
            Ok(Some(port)) => Ok(Server {
                child,
                port,
                log,
                dir,
            }),
            _ => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let status = child.wait().ok();
                Err(format!(
                    "status {status:?}, stderr: {err}, log: {:?}",
                    log.lock().unwrap()
                ))
            }
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Its `--dir` (unless `args` named another).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s
    }

    pub fn redis(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).unwrap();
        let con = client
            .get_connection_with_timeout(TIMEOUT)
            .expect("redis connection");
        con.set_read_timeout(Some(TIMEOUT)).unwrap();
        con
    }

    /// Waits for the process to exit on its own.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log_contains(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    /// `PING` over a new connection of the `redis` crate: the server still
    /// answers.
    pub fn ping(&self) -> String {
        redis::cmd("PING")
            .query(&mut self.redis())
            .expect("PING after the test")
    }

    /// Runs `redis-cli -p <port> args...` and returns its stdout; callers
    /// first check [`require`]`("redis-cli")`.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("run redis-cli");
        assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `req` and reads until `expected.len()` bytes arrived.
pub fn roundtrip(s: &mut TcpStream, req: &[u8], expected_len: usize) -> Vec<u8> {
    s.write_all(req).unwrap();
    read_n(s, expected_len)
}

pub fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).unwrap();
    buf
}

/// Reads until the peer closes (a reset counts: closing with unread input
/// sends one); panics on timeout.
pub fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => out,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => out,
        Err(e) => panic!("connection should be closed by the server: {e}"),
    }
}

/// Polls `f` until it is true or the timeout passes.
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Server {
    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// The server's open fds, from /proc/<pid>/fd.
    pub fn fd_count(&self) -> usize {
        fd_count(self.pid())
    }

    /// A `kB` field of /proc/<pid>/status, in KiB (`VmRSS`: resident now,
    /// `VmHWM`: the peak).
    pub fn status_kib(&self, field: &str) -> u64 {
        status_kib(self.pid(), field)
    }

    /// The log lines that contain `needle`.
    pub fn log_lines(&self, needle: &str) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|l| l.contains(needle)).cloned().collect()
    }

    /// A value of `INFO` (e.g. `connected_clients`), over a new connection.
    pub fn info_field(&self, field: &str) -> u64 {
        let mut con = self.redis();
        let info: String = redis::cmd("INFO").query(&mut con).expect("INFO");
        info_value(&info, field)
    }
}

/// The text after `field:` in an INFO reply.
pub fn info_text<'a>(info: &'a str, field: &str) -> &'a str {
    let prefix = format!("{field}:");
    info.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("{field} missing in INFO"))
        .trim()
}

/// The number after `field:` in an INFO reply.
pub fn info_value(info: &str, field: &str) -> u64 {
    info_text(info, field).parse().expect("a number")
}

/// Open fds of process `pid`.
pub fn fd_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc/<pid>/fd")
        .count()
}

/// A `kB` field of /proc/<pid>/status, in KiB.
pub fn status_kib(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let prefix = format!("{field}:");
    status
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} missing in /proc/{pid}/status"))
}

/// Raises this process's soft open-files limit to at least `want` (up to
/// the hard limit; setrlimit is a safe call in nix); fails the test, saying
/// why, when the hard limit is lower. Child processes inherit the limit.
pub fn raise_fd_limit(want: u64) {
    use nix::sys::resource::{getrlimit, rlim_t, setrlimit, Resource};
    // rlim_t is u64 on Linux and macOS, i64 on FreeBSD.
    let want = rlim_t::try_from(want).unwrap_or(rlim_t::MAX);
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    if soft >= want {
        return;
    }
    // Raising the hard limit too works where the tests run as root.
    let raised = setrlimit(Resource::RLIMIT_NOFILE, want, hard.max(want));
    assert!(
        raised.is_ok(),
        "this test needs {want} open files but the hard limit is {hard}: raise it (ulimit -Hn)"
    );
}

/// Reads one CRLF-terminated line (without the CRLF).
pub fn read_line(s: &mut TcpStream) -> Vec<u8> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        s.read_exact(&mut byte).expect("read a reply line");
        line.push(byte[0]);
    }
    line.truncate(line.len() - 2);
    line
}

/// True when `program` can be run (it is on the PATH).
fn runnable(program: &str) -> bool {
    // Spawning is the test the tests themselves depend on: a program on
    // the PATH but not executable counts as missing too.
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The one rule for tests that need an outside program (redis-cli,
/// redis-benchmark, redis-server): true when it is installed; otherwise the
/// test is skipped (false, with a line on stderr saying which test and
/// why), except when the environment variable `CI` is set, where a missing
/// program fails the test, since CI installs them (.ci/run).
pub fn require(program: &str, test: &str) -> bool {
    if runnable(program) {
        return true;
    }
    let why =
        format!("{program} is not installed (Debian: apt-get install redis-tools redis-server)");
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {why}, and CI is set: CI must install it (.ci/run does)"
    );
    // Straight to the process's stderr: libtest captures only the print
    // macros, and a skip must be visible in a normal `cargo test` run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why}; with CI set this fails"
    );
    false
}

/// A port that was free a moment ago (for programs that cannot bind port
/// 0 and report it, as redis-server).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A running `redis-server` on 127.0.0.1 without persistence, killed by
/// PID when dropped. Callers first check [`require`]`("redis-server")`.
pub struct RedisServer {
    child: Child,
    pub port: u16,
    /// Its `--dir` (unless `extra` names another), removed when dropped.
    pub dir: TempDir,
}

impl RedisServer {
    /// Starts redis-server on a free port with `extra` arguments and waits
    /// until it answers PING.
    pub fn start(extra: &[&str]) -> RedisServer {
        for _ in 0..5 {
            let port = free_port();
            let dir = TempDir::new("redis-server");
            let mut child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .args(["--logfile", "", "--dir", dir.as_str()])
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn redis-server");
            let deadline = Instant::now() + TIMEOUT;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    // Lost the port to someone else: try another.
                    break;
                }
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    s.set_read_timeout(Some(TIMEOUT)).unwrap();
                    let mut buf = [0u8; 7];
                    if s.write_all(b"PING\r\n").is_ok()
                        && s.read_exact(&mut buf).is_ok()
                        && &buf == b"+PONG\r\n"
                    {
                        return RedisServer { child, port, dir };
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // Child::kill signals this child's PID only.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
