//! An example run as a process of its own, for the tests of the examples
//! that need one (memory, exit status and signals of their own): the test
//! binary runs itself with only its `example_child` entry selected and the
//! example's arguments in an environment variable, so no second cargo build
//! is needed. The process is killed by its pid when dropped.
#![allow(dead_code)] // each test file uses part of it

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ae::Backend;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The child's side: the `example_child` test of each file calls this,
/// which runs the example with the arguments in `var` and exits with its
/// status (0, or 1 with the error on stderr); without `var` (a plain test
/// run) it returns at once.
pub fn child_main(var: &str, name: &str, run: fn(&[String]) -> Result<(), String>) {
    let Ok(args) = std::env::var(var) else {
        return;
    };
    let args: Vec<String> = args.split('\x1f').map(String::from).collect();
    let code = match run(&args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{name}: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// A running example, killed by its pid when dropped.
pub struct Example {
    pub child: Child,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Example {
    /// Starts the example with `args`, passed in `var`; returns once it
    /// printed the address it listens on.
    pub fn start(var: &str, args: &[&str], backend: Option<Backend>) -> Example {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "example_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(var, args.join("\x1f"))
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

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr has `needle`; false after the timeout.
    pub fn logged(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < TIMEOUT {
            if self.stderr().contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        false
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s
    }

    /// Sends `signal` and waits for the exit.
    pub fn stop(&mut self, signal: Signal) -> ExitStatus {
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

    /// Resident memory in KiB (Linux), `None` elsewhere.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
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
