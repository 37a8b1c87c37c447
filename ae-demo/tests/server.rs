//! The demo server driven by real Redis clients: the `redis` crate
//! everywhere, `redis-cli` and `redis-benchmark` (Debian's redis-tools)
//! where installed (see `common::require`), and raw sockets for what
//! clients will not send.

mod common;

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use common::{eventually, read_n, read_to_close, roundtrip, Server};
use redis::{cmd, RedisResult, Value};

fn backends() -> Vec<Vec<&'static str>> {
    vec![
        vec!["--backend", "epoll"],
        vec!["--backend", "select", "--maxclients", "500"],
    ]
}

fn err_text<T: std::fmt::Debug>(r: RedisResult<T>) -> String {
    let e = r.unwrap_err();
    format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or(""))
}

#[test]
fn every_command_through_the_redis_crate_on_each_backend() {
    for args in backends() {
        let server = Server::start(&args);
        let mut con = server.redis();
        let c = &mut con;
        assert_eq!(cmd("PING").query::<String>(c).unwrap(), "PONG");
        assert_eq!(cmd("PING").arg("hi").query::<String>(c).unwrap(), "hi");
        assert_eq!(cmd("ECHO").arg("e").query::<String>(c).unwrap(), "e");
        assert_eq!(cmd("SELECT").arg(0).query::<String>(c).unwrap(), "OK");
        assert!(
            err_text(cmd("SELECT").arg(16).query::<String>(c)).contains("DB index is out of range")
        );

        // Binary-safe keys and values.
        let key = b"k\0\r\n\xff".to_vec();
        let value = b"v\0\r\n$3\r\n\xfe".to_vec();
        assert_eq!(
            cmd("SET").arg(&key).arg(&value).query::<String>(c).unwrap(),
            "OK"
        );
        assert_eq!(cmd("GET").arg(&key).query::<Vec<u8>>(c).unwrap(), value);
        assert_eq!(
            cmd("GET")
                .arg("missing")
                .query::<Option<Vec<u8>>>(c)
                .unwrap(),
            None
        );

        // SET options.
        assert_eq!(
            cmd("SET")
                .arg("nx")
                .arg(1)
                .arg("NX")
                .query::<Option<String>>(c)
                .unwrap(),
            Some("OK".into())
        );
        assert_eq!(
            cmd("SET")
                .arg("nx")
                .arg(2)
                .arg("NX")
                .query::<Option<String>>(c)
                .unwrap(),
            None
        );
        assert_eq!(
            cmd("SET")
                .arg("xx")
                .arg(1)
                .arg("XX")
                .query::<Option<String>>(c)
                .unwrap(),
            None
        );
        assert_eq!(
            cmd("SET")
                .arg("nx")
                .arg(3)
                .arg("XX")
                .query::<Option<String>>(c)
                .unwrap(),
            Some("OK".into())
        );
        assert_eq!(
            cmd("SET")
                .arg("ex")
                .arg(1)
                .arg("EX")
                .arg(100)
                .query::<String>(c)
                .unwrap(),
            "OK"
        );
        let ttl: i64 = cmd("TTL").arg("ex").query(c).unwrap();
        assert!((99..=100).contains(&ttl), "{ttl}");
        assert_eq!(
            cmd("SET")
                .arg("px")
                .arg(1)
                .arg("PX")
                .arg(100_000)
                .query::<String>(c)
                .unwrap(),
            "OK"
        );
        let pttl: i64 = cmd("PTTL").arg("px").query(c).unwrap();
        assert!((90_000..=100_000).contains(&pttl), "{pttl}");
        assert!(err_text(
            cmd("SET")
                .arg("a")
                .arg(1)
                .arg("NX")
                .arg("XX")
                .query::<String>(c)
        )
        .contains("syntax error"));
        assert!(
            err_text(cmd("SET").arg("a").arg(1).arg("EX").query::<String>(c))
                .contains("syntax error")
        );
        assert!(err_text(
            cmd("SET")
                .arg("a")
                .arg(1)
                .arg("EX")
                .arg(0)
                .query::<String>(c)
        )
        .contains("invalid expire time in 'set' command"));
        assert!(err_text(
            cmd("SET")
                .arg("a")
                .arg(1)
                .arg("EX")
                .arg("x")
                .query::<String>(c)
        )
        .contains("value is not an integer or out of range"));

        // Counters.
        assert_eq!(cmd("INCR").arg("n").query::<i64>(c).unwrap(), 1);
        assert_eq!(cmd("INCRBY").arg("n").arg(10).query::<i64>(c).unwrap(), 11);
        assert_eq!(cmd("DECR").arg("n").query::<i64>(c).unwrap(), 10);
        assert_eq!(cmd("DECRBY").arg("n").arg(20).query::<i64>(c).unwrap(), -10);
        assert!(err_text(cmd("INCR").arg(&key).query::<i64>(c))
            .contains("value is not an integer or out of range"));
        cmd("SET").arg("max").arg(i64::MAX).query::<()>(c).unwrap();
        assert!(err_text(cmd("INCR").arg("max").query::<i64>(c))
            .contains("increment or decrement would overflow"));

        // Keys and TTLs.
        assert_eq!(
            cmd("EXISTS")
                .arg("n")
                .arg("n")
                .arg("nope")
                .query::<i64>(c)
                .unwrap(),
            2
        );
        assert_eq!(cmd("TTL").arg("n").query::<i64>(c).unwrap(), -1);
        assert_eq!(cmd("TTL").arg("nope").query::<i64>(c).unwrap(), -2);
        assert_eq!(cmd("EXPIRE").arg("n").arg(50).query::<i64>(c).unwrap(), 1);
        assert_eq!(
            cmd("EXPIRE").arg("nope").arg(50).query::<i64>(c).unwrap(),
            0
        );
        assert_eq!(cmd("PERSIST").arg("n").query::<i64>(c).unwrap(), 1);
        assert_eq!(cmd("PERSIST").arg("n").query::<i64>(c).unwrap(), 0);
        assert_eq!(
            cmd("PEXPIRE").arg("n").arg(50_000).query::<i64>(c).unwrap(),
            1
        );
        assert!(cmd("PTTL").arg("n").query::<i64>(c).unwrap() > 40_000);
        assert_eq!(cmd("PEXPIRE").arg("n").arg(-1).query::<i64>(c).unwrap(), 1);
        assert_eq!(cmd("EXISTS").arg("n").query::<i64>(c).unwrap(), 0);
        assert_eq!(
            cmd("DEL")
                .arg("nx")
                .arg("nope")
                .arg("ex")
                .query::<i64>(c)
                .unwrap(),
            2
        );
        let size: i64 = cmd("DBSIZE").query(c).unwrap();
        assert_eq!(size, 3); // key, px, max
        assert_eq!(cmd("FLUSHDB").query::<String>(c).unwrap(), "OK");
        assert_eq!(cmd("DBSIZE").query::<i64>(c).unwrap(), 0);
        cmd("SET").arg("a").arg(1).query::<()>(c).unwrap();
        assert_eq!(
            cmd("FLUSHALL").arg("ASYNC").query::<String>(c).unwrap(),
            "OK"
        );
        assert_eq!(cmd("DBSIZE").query::<i64>(c).unwrap(), 0);

        // INFO, CONFIG, COMMAND, CLIENT.
        let info: String = cmd("INFO").query(c).unwrap();
        let backend = args[1];
        for needle in [
            "# Server",
            &format!("multiplexing_api:{backend}"),
            "# Clients",
            "connected_clients:1",
            "# Stats",
            "total_commands_processed:",
            "instantaneous_ops_per_sec:",
            "# Keyspace",
        ] {
            assert!(info.contains(needle), "{needle} missing in {info}");
        }
        let stats: String = cmd("INFO").arg("stats").query(c).unwrap();
        assert!(
            stats.starts_with("# Stats") && !stats.contains("# Server"),
            "{stats}"
        );
        let cfg: Vec<String> = cmd("CONFIG").arg("GET").arg("maxclients").query(c).unwrap();
        let max = if backend == "select" { "500" } else { "10000" };
        assert_eq!(cfg, vec!["maxclients".to_string(), max.to_string()]);
        let cfg: Vec<String> = cmd("CONFIG")
            .arg("GET")
            .arg("no-such-thing")
            .query(c)
            .unwrap();
        assert!(cfg.is_empty());
        let cfg: Vec<String> = cmd("CONFIG").arg("GET").arg("*").query(c).unwrap();
        assert!(
            cfg.len() >= 10 && cfg.contains(&"save".to_string()),
            "{cfg:?}"
        );
        let count: i64 = cmd("COMMAND").arg("COUNT").query(c).unwrap();
        match cmd("COMMAND").query::<Value>(c).unwrap() {
            Value::Array(all) => assert_eq!(all.len() as i64, count),
            other => panic!("{other:?}"),
        }
        let id: i64 = cmd("CLIENT").arg("ID").query(c).unwrap();
        assert!(id > 0);
        assert_eq!(
            cmd("CLIENT")
                .arg("GETNAME")
                .query::<Option<String>>(c)
                .unwrap(),
            None
        );
        assert_eq!(
            cmd("CLIENT")
                .arg("SETNAME")
                .arg("me")
                .query::<String>(c)
                .unwrap(),
            "OK"
        );
        assert_eq!(
            cmd("CLIENT")
                .arg("GETNAME")
                .query::<Option<String>>(c)
                .unwrap(),
            Some("me".into())
        );
        assert!(
            err_text(cmd("CLIENT").arg("SETNAME").arg("a b").query::<String>(c))
                .contains("cannot contain spaces")
        );
        assert_eq!(
            err_text(cmd("CLIENT").arg("KILL").query::<String>(c)),
            "ERR wrong number of arguments for 'client|kill' command"
        );
        assert_eq!(
            err_text(cmd("CLIENT").arg("NOPE").query::<String>(c)),
            "ERR unknown subcommand 'NOPE'. Try CLIENT HELP."
        );

        // Errors worded as Redis words them.
        assert_eq!(
            err_text(cmd("NOPE").arg("a").arg("b").query::<String>(c)),
            "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' "
        );
        assert_eq!(
            err_text(cmd("GET").query::<String>(c)),
            "ERR wrong number of arguments for 'get' command"
        );
        assert_eq!(
            err_text(cmd("PING").arg(1).arg(2).query::<String>(c)),
            "ERR wrong number of arguments for 'ping' command"
        );
        // Errors do not close the connection.
        assert_eq!(cmd("PING").query::<String>(c).unwrap(), "PONG");
    }
}

#[test]
fn redis_cli_starts_and_runs_commands() {
    if !common::require("redis-cli", "redis_cli_starts_and_runs_commands") {
        return;
    }
    let server = Server::start(&[]);
    assert_eq!(server.cli(&["PING"]), "PONG\n");
    assert_eq!(server.cli(&["SET", "greeting", "hello world"]), "OK\n");
    assert_eq!(server.cli(&["GET", "greeting"]), "hello world\n");
    assert_eq!(server.cli(&["INCRBY", "c", "5"]), "5\n");
    assert_eq!(server.cli(&["GET", "nope"]), "\n");
    assert!(server
        .cli(&["INFO", "server"])
        .contains("multiplexing_api:epoll"));
    // Interactive mode asks COMMAND DOCS at start; a session must work.
    let out = Command::new("redis-cli")
        .args(["-p", &server.port.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"PING\nGET greeting\n")?;
            child.wait_with_output()
        })
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("PONG") && stdout.contains("hello world"),
        "{out:?}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("ERR"),
        "{out:?}"
    );
}

#[test]
fn redis_benchmark_runs_against_each_backend() {
    if !common::require(
        "redis-benchmark",
        "redis_benchmark_runs_against_each_backend",
    ) {
        return;
    }
    for args in backends() {
        let server = Server::start(&args);
        let out = Command::new("redis-benchmark")
            .args([
                "-p",
                &server.port.to_string(),
                "-n",
                "2000",
                "-c",
                "20",
                "-q",
            ])
            .args(["-t", "ping,set,get", "-P", "4"])
            .output()
            .expect("run redis-benchmark");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{out:?}");
        for test in ["PING_INLINE", "PING_MBULK", "SET", "GET"] {
            assert!(
                stdout
                    .lines()
                    .any(|l| l.contains(test) && l.contains("requests per second")),
                "{test} missing in {stdout}"
            );
        }
        assert!(!stdout.contains("ERR"), "{stdout}");
        let mut con = server.redis();
        let commands: String = cmd("INFO").arg("stats").query(&mut con).unwrap();
        let total: u64 = commands
            .lines()
            .find_map(|l| l.strip_prefix("total_commands_processed:"))
            .unwrap()
            .parse()
            .unwrap();
        assert!(total >= 8000, "{total}");
    }
}

/// redis-benchmark's default run (no -t): every test it has, the data
/// types' among them, runs and none gets an error reply.
#[test]
fn redis_benchmark_default_run_has_no_errors() {
    if !common::require(
        "redis-benchmark",
        "redis_benchmark_default_run_has_no_errors",
    ) {
        return;
    }
    let server = Server::start(&[]);
    let out = Command::new("redis-benchmark")
        .args([
            "-p",
            &server.port.to_string(),
            "-n",
            "300",
            "-c",
            "5",
            "--csv",
        ])
        .output()
        .expect("run redis-benchmark");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ran: Vec<&str> = stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(|name| name.trim_matches('"'))
        .collect();
    for test in [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "LPUSH",
        "RPUSH",
        "LPOP",
        "RPOP",
        "SADD",
        "HSET",
        "SPOP",
        "ZADD",
        "ZPOPMIN",
        "LPUSH (needed to benchmark LRANGE)",
        "LRANGE_100 (first 100 elements)",
        "LRANGE_300 (first 300 elements)",
        "LRANGE_500 (first 500 elements)",
        "LRANGE_600 (first 600 elements)",
        "MSET (10 keys)",
    ] {
        assert!(ran.contains(&test), "{test} missing in {stdout}");
    }
    let stats: String = cmd("INFO").arg("stats").query(&mut server.redis()).unwrap();
    assert!(
        stats.contains("\r\ntotal_error_replies:0\r\n"),
        "{stats}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pipelined_and_split_requests() {
    let server = Server::start(&[]);
    let mut s = server.connect();
    // 100 pipelined commands, multibulk and inline mixed, in one write.
    let mut req = Vec::new();
    let mut expected = Vec::new();
    for i in 0..50 {
        req.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n$2\r\nk{}\r\n$1\r\n{}\r\n",
                i % 10,
                i % 10
            )
            .as_bytes(),
        );
        expected.extend_from_slice(b"+OK\r\n");
        req.extend_from_slice(format!("GET k{}\r\n", i % 10).as_bytes());
        expected.extend_from_slice(format!("$1\r\n{}\r\n", i % 10).as_bytes());
    }
    assert_eq!(roundtrip(&mut s, &req, expected.len()), expected);
    // The same bytes one at a time, with pauses: every split works.
    for chunk in req.chunks(7) {
        s.write_all(chunk).unwrap();
        s.flush().unwrap();
    }
    assert_eq!(read_n(&mut s, expected.len()), expected);
    // A quoted inline request.
    let reply = roundtrip(&mut s, b"ECHO \"a\\x41\\tb\"\r\nECHO 'c d'\r\n", 19);
    assert_eq!(reply, b"$4\r\naA\tb\r\n$3\r\nc d\r\n");
    // A NUL ends an inline line, as in C (it once hung the server).
    let reply = roundtrip(&mut s, b"PING \0 x\r\nECHO a\0b\r\n", 14);
    assert_eq!(reply, b"+PONG\r\n$1\r\na\r\n");
}

#[test]
fn protocol_errors_reply_then_close() {
    let server = Server::start(&[]);
    let cases: &[(&[u8], &str)] = &[
        (b"*abc\r\n", "invalid multibulk length"),
        (b"*3000000000\r\n", "invalid multibulk length"),
        (b"*1\r\n+PING\r\n", "expected '$', got '+'"),
        // An empty line: the byte seen is its CR (once a panic).
        (b"*1\r\n\r\n", "expected '$', got ' '"),
        (b"*1\r\n$-5\r\n", "invalid bulk length"),
        (b"*1\r\n$600000000\r\n", "invalid bulk length"),
        (b"SET \"unbalanced\r\n", "unbalanced quotes in request"),
    ];
    for (req, msg) in cases {
        let mut s = server.connect();
        // A good command first: its reply is still delivered.
        s.write_all(b"PING\r\n").unwrap();
        s.write_all(req).unwrap();
        let out = read_to_close(&mut s);
        let expected = format!("+PONG\r\n-ERR Protocol error: {msg}\r\n");
        assert_eq!(String::from_utf8_lossy(&out), expected);
    }
    // Past 64 KiB without a newline.
    for (prefix, msg) in [
        (&b""[..], "too big inline request"),
        (b"*", "too big mbulk count string"),
        (b"*1\r\n$", "too big bulk count string"),
    ] {
        let mut s = server.connect();
        let mut req = prefix.to_vec();
        req.extend(std::iter::repeat(b'1').take(70 * 1024));
        s.write_all(&req).unwrap();
        let out = read_to_close(&mut s);
        assert_eq!(
            String::from_utf8_lossy(&out),
            format!("-ERR Protocol error: {msg}\r\n")
        );
    }
    // A multibulk count of zero or less is ignored.
    let mut s = server.connect();
    assert_eq!(roundtrip(&mut s, b"*0\r\n*-1\r\nPING\r\n", 7), b"+PONG\r\n");
    // The server is still fine.
    assert_eq!(server.ping(), "PONG");
}

#[test]
fn quit_replies_then_closes() {
    let server = Server::start(&[]);
    let mut s = server.connect();
    s.write_all(b"PING\r\nQUIT\r\nPING\r\n").unwrap();
    assert_eq!(read_to_close(&mut s), b"+PONG\r\n+OK\r\n");
}

#[test]
fn query_buffer_limit_closes_the_client() {
    let server = Server::start(&["--client-query-buffer-limit", "1mb"]);
    let mut s = server.connect();
    s.write_all(b"*2\r\n$4\r\nECHO\r\n$10000000\r\n").unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    // The server closes mid-upload: writes start failing.
    let mut sent = 0;
    while sent < 4 << 20 {
        if s.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert_eq!(read_to_close(&mut s), b"");
    eventually("the log line", || {
        server.log_contains("max query buffer length")
    });
    assert_eq!(server.ping(), "PONG");
}

#[test]
fn max_clients_refused_with_redis_error() {
    for args in backends() {
        let mut args = args.clone();
        args.retain(|a| *a != "--maxclients" && *a != "500");
        args.extend(["--maxclients", "2"]);
        let server = Server::start(&args);
        let mut a = server.connect();
        let mut b = server.connect();
        assert_eq!(roundtrip(&mut a, b"PING\r\n", 7), b"+PONG\r\n");
        assert_eq!(roundtrip(&mut b, b"PING\r\n", 7), b"+PONG\r\n");
        let mut c = server.connect();
        assert_eq!(
            read_to_close(&mut c),
            b"-ERR max number of clients reached\r\n"
        );
        // The others keep working, and a freed slot is usable again.
        assert_eq!(roundtrip(&mut a, b"PING\r\n", 7), b"+PONG\r\n");
        drop(b);
        eventually("a slot to free", || {
            let mut d = server.connect();
            d.write_all(b"PING\r\n").is_ok() && read_to_close_or_pong(&mut d)
        });
    }
}

fn read_to_close_or_pong(s: &mut std::net::TcpStream) -> bool {
    let mut buf = [0u8; 7];
    use std::io::Read;
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let server = Server::start(&["--timeout", "1", "--hz", "50"]);
    let mut idle = server.connect();
    assert_eq!(roundtrip(&mut idle, b"PING\r\n", 7), b"+PONG\r\n");
    let start = std::time::Instant::now();
    assert_eq!(read_to_close(&mut idle), b"");
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.ping(), "PONG");
}

#[test]
fn server_cron_expires_keys_nobody_reads() {
    let server = Server::start(&["--hz", "100"]);
    let mut con = server.redis();
    for i in 0..200 {
        cmd("SET")
            .arg(format!("k{i}"))
            .arg(1)
            .arg("PX")
            .arg(30)
            .query::<()>(&mut con)
            .unwrap();
    }
    cmd("SET")
        .arg("stays")
        .arg(1)
        .query::<()>(&mut con)
        .unwrap();
    // DBSIZE does not touch keys: only active expiry can shrink it.
    eventually("active expiry", || {
        cmd("DBSIZE").query::<i64>(&mut con).unwrap() == 1
    });
    let stats: String = cmd("INFO").arg("stats").query(&mut con).unwrap();
    assert!(stats.contains("expired_keys:200"), "{stats}");
}

#[test]
fn sigterm_shuts_down_gracefully() {
    for args in backends() {
        let mut server = Server::start(&args);
        let mut client = server.connect();
        assert_eq!(roundtrip(&mut client, b"PING\r\n", 7), b"+PONG\r\n");
        let pid = nix::unistd::Pid::from_raw(server.pid());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = server.wait_exit();
        assert_eq!(status.code(), Some(0));
        eventually("the log line", || server.log_contains("bye bye"));
        assert_eq!(read_to_close(&mut client), b"");
    }
}

/// SIGTERM is a signal event: shutdown starts in the iteration it arrives
/// in, not at the next serverCron. With --hz 1 the cron runs 1 ms after the
/// start and then a second later, so a signal sent just after the start
/// would wait most of that second for it.
#[test]
fn sigterm_does_not_wait_for_the_cron() {
    let mut server = Server::start(&["--hz", "1"]);
    let mut client = server.connect();
    assert_eq!(roundtrip(&mut client, b"PING\r\n", 7), b"+PONG\r\n");
    let pid = nix::unistd::Pid::from_raw(server.pid());
    let start = std::time::Instant::now();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(server.wait_exit().code(), Some(0));
    let took = start.elapsed();
    assert!(
        took < std::time::Duration::from_millis(500),
        "shutdown took {took:?}"
    );
}

#[test]
fn shutdown_command_exits_zero() {
    let mut server = Server::start(&[]);
    let mut con = server.redis();
    let _ = cmd("SHUTDOWN").query::<()>(&mut con);
    assert_eq!(server.wait_exit().code(), Some(0));
}

/// A client that goes away while it waits is forgotten: the next push is
/// not taken by it, and the waiting count falls back to 0. A waiting
/// client's own pipelined requests run once it is served.
#[test]
fn blocked_clients_that_leave_are_forgotten_and_served_ones_go_on() {
    let server = Server::start(&[]);
    let mut c = server.redis();
    let blocked = |c: &mut redis::Connection| -> u64 {
        let info: String = cmd("INFO").arg("clients").query(c).unwrap();
        common::info_value(&info, "blocked_clients")
    };
    let mut gone = server.connect();
    gone.write_all(b"BLPOP k 0\r\n").unwrap();
    common::eventually("the client waits", || blocked(&mut c) == 1);
    drop(gone);
    common::eventually("the client is forgotten", || blocked(&mut c) == 0);
    let _: () = cmd("RPUSH").arg("k").arg("v").query(&mut c).unwrap();
    let len: usize = cmd("LLEN").arg("k").query(&mut c).unwrap();
    assert_eq!(len, 1);

    let mut waiting = server.connect();
    waiting
        .write_all(b"BLPOP q 0\r\nSET after-blpop yes\r\nGET after-blpop\r\n")
        .unwrap();
    common::eventually("the client waits", || blocked(&mut c) == 1);
    // Its later requests wait with it.
    let seen: Option<String> = cmd("GET").arg("after-blpop").query(&mut c).unwrap();
    assert_eq!(seen, None);
    let _: () = cmd("LPUSH").arg("q").arg("x").query(&mut c).unwrap();
    let want = b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n+OK\r\n$3\r\nyes\r\n";
    assert_eq!(read_n(&mut waiting, want.len()), want);
    assert_eq!(blocked(&mut c), 0);
}
