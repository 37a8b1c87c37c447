//! The command line and config file as redis-server reads them: `--version`,
//! `ae-demo redis.conf --opt value`, the FATAL CONFIG FILE ERROR report,
//! and the options test harnesses pass to redis-server. Where redis-server
//! is installed the outputs are compared with its own (the `common::require`
//! rule: skipped without it, a failure with CI set).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;

use common::{require, RedisServer, TIMEOUT};

const DEMO: &str = env!("CARGO_BIN_EXE_ae-demo");

/// A config file in the temp dir, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("ae-demo-{}-{name}.conf", std::process::id()));
        std::fs::write(&path, text).expect("write the config file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `program args` to its end, with `stdin` as its input; only for
/// arguments that make it exit before it listens.
fn run(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    let mut input = child.stdin.take().unwrap();
    // Ignored: a program that does not read stdin closes it.
    let _ = input.write_all(stdin);
    drop(input);
    let (tx, rx) = mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            // Still running (it would be listening): end it by its PID.
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("{program} {args:?} did not exit");
        }
    }
}

/// A running ae-demo started with exactly `args` (which must set port 0),
/// killed by PID when dropped.
struct Demo {
    child: Child,
    port: u16,
}

impl Demo {
    fn start(args: &[&str]) -> Demo {
        let mut child = Command::new(DEMO)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ae-demo");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("port=").nth(1) {
                    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let _ = tx.send(port.parse::<u16>().ok());
                }
            }
            let _ = tx.send(None);
        });
        match rx.recv_timeout(TIMEOUT) {
            Ok(Some(port)) => Demo { child, port },
            other => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("wait");
                panic!(
                    "ae-demo {args:?} did not start ({other:?}): {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }

    fn config_get(&self, name: &str) -> String {
        config_get(self.port, name)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CONFIG GET's value for `name` on the server at `port`.
fn config_get(port: u16, name: &str) -> String {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let mut con = client
        .get_connection_with_timeout(TIMEOUT)
        .expect("connect");
    let pair: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg(name)
        .query(&mut con)
        .expect("CONFIG GET");
    assert_eq!(pair.len(), 2, "CONFIG GET {name}: {pair:?}");
    pair[1].clone()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_line_in_redis_servers_format() {
    let lines: Vec<String> = ["--version", "-v"]
        .iter()
        .map(|flag| {
            let out = run(DEMO, &[flag], b"");
            assert!(out.status.success(), "{flag}: {out:?}");
            text(&out.stdout)
        })
        .collect();
    assert_eq!(lines[0], lines[1]);
    let fields = |line: &str| -> Vec<String> {
        line.trim_end()
            .split(' ')
            .skip(2)
            .map(|w| w.split('=').next().unwrap_or("").to_string())
            .collect()
    };
    let ours = lines[0].trim_end();
    assert!(
        ours.starts_with(&format!(
            "ae-demo server v={} sha=00000000:0 malloc=libc bits=",
            env!("CARGO_PKG_VERSION")
        )),
        "{ours}"
    );
    assert_eq!(fields(ours), ["v", "sha", "malloc", "bits", "build"]);
    if require("redis-server", "version_line_in_redis_servers_format") {
        let out = run("redis-server", &["--version"], b"");
        assert!(out.status.success());
        let theirs = text(&out.stdout);
        assert!(theirs.starts_with("Redis server v="), "{theirs}");
        assert_eq!(fields(&theirs), fields(ours), "{theirs} / {ours}");
    }
}

/// The file's settings, with quoted arguments, comments and blank lines;
/// the command line's options override them.
#[test]
fn file_then_overriding_options() {
    let conf = TempFile::new(
        "override",
        "# ae-demo's test config\n\
         \n\
         port 6399\n\
         \x20  # an indented comment\n\
         hz \"20\"\n\
         loglevel 'verbose'\n\
         timeout 7\r\n\
         save \"900 1\"\n\
         save 300 10\n\
         appendonly no\n",
    );
    let demo = Demo::start(&[conf.path(), "--port", "0", "--hz", "50"]);
    assert_eq!(demo.config_get("hz"), "50");
    assert_eq!(demo.config_get("loglevel"), "verbose");
    assert_eq!(demo.config_get("timeout"), "7");
    assert_eq!(demo.config_get("save"), "900 1 300 10");
    assert_eq!(demo.config_get("appendonly"), "no");
}

/// The options harnesses give redis-server, answered as redis-server
/// answers them.
#[test]
fn harness_options_accepted() {
    let args = [
        "--port",
        "0",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        "",
        "--protected-mode",
        "no",
    ];
    let demo = Demo::start(&args);
    let names = ["save", "appendonly", "daemonize", "logfile"];
    let ours: Vec<String> = names.iter().map(|n| demo.config_get(n)).collect();
    assert_eq!(ours, ["", "no", "no", ""]);
    assert_eq!(demo.config_get("protected-mode"), "no");
    // A bare `--save` before another option is `save ""`, as in Redis.
    let bare = Demo::start(&["--save", "--port", "0"]);
    assert_eq!(bare.config_get("save"), "");
    if require("redis-server", "harness_options_accepted") {
        // RedisServer passes the same --save "" --appendonly no
        // --daemonize no --logfile "".
        let redis = RedisServer::start(&[]);
        let theirs: Vec<String> = names.iter().map(|n| config_get(redis.port, n)).collect();
        assert_eq!(ours, theirs);
    }
}

/// Bad lines, in the file, on standard input or the command line: exit 1
/// with Redis's report, which redis-server gives word for word but for
/// its name.
#[test]
fn bad_lines_reported_as_redis_does() {
    let bad = TempFile::new("bad", "# fine\nport 0\n\nnope 1\n");
    let unbalanced = TempFile::new("unbalanced", "port \"6380\n");
    let cases: Vec<(Vec<&str>, &[u8], &str)> = vec![
        (
            vec![bad.path()],
            b"",
            "Reading the configuration file, at line 4\n>>> 'nope 1'\n\
             Bad directive or wrong number of arguments\n",
        ),
        (
            vec![unbalanced.path(), "--port", "0"],
            b"",
            "Reading the configuration file, at line 1\n>>> 'port \"6380'\n\
             Unbalanced quotes in configuration line\n",
        ),
        (
            vec!["--port", "0", "--nope", "1"],
            b"",
            "Reading the configuration file, at line 3\n>>> 'nope \"1\"'\n\
             Bad directive or wrong number of arguments\n",
        ),
        (
            vec!["--port", "0", "--hz"],
            b"",
            "Reading the configuration file, at line 3\n>>> 'hz'\n\
             wrong number of arguments\n",
        ),
        (
            vec!["-"],
            b"port 70000\n",
            "Reading the configuration file, at line 1\n>>> 'port 70000'\n\
             argument must be between 0 and 65535 inclusive\n",
        ),
        (
            vec!["--port", "0", "--save", "900"],
            b"",
            "Reading the configuration file, at line 3\n>>> 'save \"900\"'\n\
             Invalid save parameters\n",
        ),
    ];
    let ours_head = format!(
        "\n*** FATAL CONFIG FILE ERROR (ae-demo {}) ***\n",
        env!("CARGO_PKG_VERSION")
    );
    let with_redis = require("redis-server", "bad_lines_reported_as_redis_does");
    for (args, stdin, report) in &cases {
        let out = run(DEMO, args, stdin);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let ours = text(&out.stderr);
        assert_eq!(ours, format!("{ours_head}{report}"), "{args:?}");
        if with_redis {
            let out = run("redis-server", args, stdin);
            assert_eq!(out.status.code(), Some(1), "redis-server {args:?}: {out:?}");
            let theirs = text(&out.stderr);
            let head_end = theirs.find(") ***\n").map_or(0, |i| i + ") ***\n".len());
            assert!(
                theirs.starts_with("\n*** FATAL CONFIG FILE ERROR (Redis "),
                "{theirs}"
            );
            assert_eq!(&theirs[head_end..], *report, "redis-server {args:?}");
        }
    }
    // What Redis has but this server cannot do: refused, saying so.
    for args in [
        &["--port", "0", "--appendonly", "yes"][..],
        &["--port", "0", "--daemonize", "yes"],
    ] {
        let out = run(DEMO, args, b"");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("is not supported"), "{err}");
    }
    // A file that cannot be opened: Redis's log line.
    let out = run(DEMO, &["/nonexistent/ae-demo.conf"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains(
        "Fatal error, can't open config file '/nonexistent/ae-demo.conf': No such file or directory"
    ));
}
