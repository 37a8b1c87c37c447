//! The commands through a real client (the `redis` crate, RESP2 and
//! RESP3), on every machine: each difference from Redis that issue 12
//! listed, with Redis 7.0.15's reply, and the families the demo has. The
//! differential test (differential.rs) compares the same and much more
//! byte for byte where redis-server is installed.

mod common;

use std::io::Write;

use common::{read_line, Server};
use redis::{cmd, pipe, Connection, RedisResult, Value};

fn err_text<T: std::fmt::Debug>(r: RedisResult<T>) -> String {
    let e = r.unwrap_err();
    format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or(""))
}

fn resp3(server: &Server) -> Connection {
    let url = format!("redis://127.0.0.1:{}/?protocol=resp3", server.port);
    let client = redis::Client::open(url).unwrap();
    client
        .get_connection_with_timeout(common::TIMEOUT)
        .expect("a RESP3 connection (HELLO 3)")
}

#[test]
fn expire_overflow_is_an_invalid_expire_time() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    cmd("SET").arg("k").arg("v").exec(c).unwrap();
    for (command, arg) in [
        ("EXPIRE", "9223370399119966"),
        ("PEXPIRE", "9223372036854770000"),
        ("EXPIRE", "9223372036854775807"),
    ] {
        assert_eq!(
            err_text(cmd(command).arg("k").arg(arg).query::<i64>(c)),
            format!(
                "ERR invalid expire time in '{}' command",
                command.to_lowercase()
            )
        );
    }
    assert_eq!(
        err_text(
            cmd("SET")
                .arg("k")
                .arg("v")
                .arg("PX")
                .arg("9223372036854770000")
                .query::<String>(c)
        ),
        "ERR invalid expire time in 'set' command"
    );
    // Nothing changed the key.
    assert_eq!(cmd("TTL").arg("k").query::<i64>(c).unwrap(), -1);
}

#[test]
fn decrby_of_i64_min_would_overflow() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    assert_eq!(
        err_text(
            cmd("DECRBY")
                .arg("x")
                .arg("-9223372036854775808")
                .query::<i64>(c)
        ),
        "ERR decrement would overflow"
    );
    assert_eq!(cmd("EXISTS").arg("x").query::<i64>(c).unwrap(), 0);
}

#[test]
fn info_sections_as_redis_has_them() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    let headers = |info: &str| -> Vec<String> {
        info.lines()
            .filter(|l| l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    let two: String = cmd("INFO").arg("server").arg("clients").query(c).unwrap();
    assert_eq!(headers(&two), ["# Server", "# Clients"]);
    assert!(two.contains("redis_version:7.0.15\r\n"), "{two}");
    // The order is Redis's whatever the order asked.
    let two: String = cmd("INFO").arg("clients").arg("SERVER").query(c).unwrap();
    assert_eq!(headers(&two), ["# Server", "# Clients"]);
    let cpu: String = cmd("INFO").arg("cpu").query(c).unwrap();
    for field in ["used_cpu_sys:", "used_cpu_user:", "used_cpu_sys_children:"] {
        assert!(cpu.contains(field), "{field} in {cpu}");
    }
    let memory: String = cmd("INFO").arg("memory").query(c).unwrap();
    for field in ["used_memory:", "used_memory_rss:", "mem_allocator:"] {
        assert!(memory.contains(field), "{field} in {memory}");
    }
    // Commandstats and errorstats count what ran.
    cmd("GET").arg("a").exec(c).unwrap();
    let _ = cmd("NOPE").exec(c);
    let _ = cmd("GET").exec(c);
    let _ = cmd("INCR").arg("a").exec(c);
    cmd("SET").arg("s").arg("x").exec(c).unwrap();
    let _ = cmd("INCR").arg("s").exec(c);
    let stats: String = cmd("INFO").arg("commandstats").query(c).unwrap();
    assert!(
        stats.contains("cmdstat_get:calls=1,")
            && stats.contains(",rejected_calls=1,failed_calls=0"),
        "{stats}"
    );
    assert!(
        stats.contains("cmdstat_incr:calls=2,")
            && stats.contains("rejected_calls=0,failed_calls=1"),
        "{stats}"
    );
    let errors: String = cmd("INFO").arg("errorstats").query(c).unwrap();
    assert_eq!(errors.trim_end(), "# Errorstats\r\nerrorstat_ERR:count=3");
    let all: String = cmd("INFO").arg("everything").query(c).unwrap();
    assert_eq!(
        headers(&all),
        [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Commandstats",
            "# Errorstats",
            "# Latencystats",
            "# Cluster",
            "# Keyspace"
        ]
    );
    let default: String = cmd("INFO").query(c).unwrap();
    assert!(!default.contains("# Commandstats") && default.contains("# Errorstats"));
    cmd("CONFIG").arg("RESETSTAT").exec(c).unwrap();
    let errors: String = cmd("INFO").arg("errorstats").query(c).unwrap();
    assert_eq!(errors.trim_end(), "# Errorstats");
}

/// INFO memory is the heap as the allocator counts it: it grows by what is
/// stored and falls when it goes; the peak keeps the high mark; the input
/// rate sees the bytes that came in.
#[test]
fn info_memory_and_rates_are_measured() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    let field = |c: &mut Connection, section: &str, name: &str| -> f64 {
        let info: String = cmd("INFO").arg(section).query(c).unwrap();
        common::info_text(&info, name).parse().unwrap()
    };
    let before = field(c, "memory", "used_memory");
    let value = vec![b'v'; 1 << 20];
    for i in 0..8 {
        cmd("SET")
            .arg(format!("big{i}"))
            .arg(&value)
            .exec(c)
            .unwrap();
    }
    let full = field(c, "memory", "used_memory");
    assert!(
        full >= before + 8.0 * (1 << 20) as f64,
        "{before} -> {full}"
    );
    cmd("FLUSHALL").exec(c).unwrap();
    let after = field(c, "memory", "used_memory");
    assert!(after + 7.0 * (1 << 20) as f64 <= full, "{full} -> {after}");
    // What INFO itself allocates while it measures aside.
    let slack = (64 << 10) as f64;
    assert!(field(c, "memory", "used_memory_peak") + slack >= full);
    assert!(field(c, "memory", "used_memory_rss") > 0.0);
    common::eventually("the input rate", || {
        field(c, "stats", "instantaneous_input_kbps") > 100.0
    });
}

#[test]
fn the_7_0_features_clients_pick_by_version() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    cmd("SET").arg("k").arg("v").exec(c).unwrap();
    assert_eq!(
        cmd("EXPIRE")
            .arg("k")
            .arg(10)
            .arg("NX")
            .query::<i64>(c)
            .unwrap(),
        1
    );
    assert_eq!(
        cmd("EXPIRE")
            .arg("k")
            .arg(20)
            .arg("NX")
            .query::<i64>(c)
            .unwrap(),
        0
    );
    assert_eq!(
        cmd("EXPIRE")
            .arg("k")
            .arg(5)
            .arg("GT")
            .query::<i64>(c)
            .unwrap(),
        0
    );
    assert_eq!(
        cmd("EXPIRE")
            .arg("k")
            .arg(50)
            .arg("GT")
            .query::<i64>(c)
            .unwrap(),
        1
    );
    assert_eq!(cmd("TTL").arg("k").query::<i64>(c).unwrap(), 50);
    let old: Option<String> = cmd("SET")
        .arg("k")
        .arg("w")
        .arg("GET")
        .arg("KEEPTTL")
        .query(c)
        .unwrap();
    assert_eq!(old.as_deref(), Some("v"));
    assert_eq!(cmd("TTL").arg("k").query::<i64>(c).unwrap(), 50);
    cmd("SET")
        .arg("k")
        .arg("v")
        .arg("EXAT")
        .arg(4_000_000_000u64)
        .exec(c)
        .unwrap();
    assert_eq!(
        cmd("EXPIRETIME").arg("k").query::<i64>(c).unwrap(),
        4_000_000_000
    );
    assert_eq!(
        cmd("PEXPIRETIME").arg("k").query::<i64>(c).unwrap(),
        4_000_000_000_000
    );
    // The typed helpers of the client.
    use redis::TypedCommands;
    c.set_ex("e", "v", 100).unwrap();
    assert_eq!(c.ttl("e").unwrap(), 100);
    c.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let values: Vec<Option<String>> = c.mget(&["a", "b", "nope"]).unwrap();
    assert_eq!(values, [Some("1".into()), Some("2".into()), None]);
    assert_eq!(c.append("a", "23").unwrap(), 3);
    assert_eq!(c.strlen("a").unwrap(), 3);
    assert_eq!(c.getrange("a", 1, -1).unwrap(), "23");
    assert_eq!(c.setrange("a", 1, "xy").unwrap(), 3);
    assert_eq!(c.incr("n", 5).unwrap(), 5);
    assert_eq!(c.get_del("n").unwrap().as_deref(), Some("5"));
    let f: String = cmd("INCRBYFLOAT").arg("f").arg("1000.1").query(c).unwrap();
    assert_eq!(f, "1000.09999999999999998", "Redis's long double digits");
    let lcs: String = cmd("SET").arg("x").arg("ohmytext").query(c).unwrap();
    assert_eq!(lcs, "OK");
    cmd("SET").arg("y").arg("mynewtext").exec(c).unwrap();
    assert_eq!(
        cmd("LCS").arg("x").arg("y").query::<String>(c).unwrap(),
        "mytext"
    );
    assert_eq!(
        cmd("OBJECT")
            .arg("ENCODING")
            .arg("a")
            .query::<String>(c)
            .unwrap(),
        "raw"
    );
    assert_eq!(cmd("COPY").arg("x").arg("x2").query::<i64>(c).unwrap(), 1);
    assert_eq!(
        cmd("RENAME")
            .arg("x2")
            .arg("x3")
            .query::<String>(c)
            .unwrap(),
        "OK"
    );
    assert_eq!(cmd("TYPE").arg("x3").query::<String>(c).unwrap(), "string");
    let mut keys: Vec<String> = cmd("KEYS").arg("x*").query(c).unwrap();
    keys.sort();
    assert_eq!(keys, ["x", "x3"]);
    let mut seen: Vec<String> = c
        .scan_match::<_, String>("x*")
        .unwrap()
        .collect::<RedisResult<_>>()
        .unwrap();
    seen.sort();
    assert_eq!(seen, ["x", "x3"]);
}

#[test]
fn transactions_and_watch_through_the_client() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    // redis-py's pipeline() is MULTI/EXEC: so is the crate's atomic one.
    let (set, n, got): (String, i64, String) = pipe()
        .atomic()
        .set("a", 1)
        .incr("a", 41)
        .get("a")
        .query(c)
        .unwrap();
    assert_eq!((set.as_str(), n, got.as_str()), ("OK", 42, "42"));
    // WATCH with a concurrent write: EXEC answers nil and the client's
    // transaction helper retries.
    let other = &mut server.redis();
    let mut attempts = 0;
    let (result,): (i64,) = redis::transaction(c, &["a"], |c, pipe| {
        attempts += 1;
        let value: i64 = cmd("GET").arg("a").query(c)?;
        if attempts == 1 {
            cmd("SET").arg("a").arg(100).exec(other)?;
        }
        pipe.set("a", value + 1).ignore().get("a").query(c)
    })
    .unwrap();
    assert_eq!((result, attempts), (101, 2));
    // A queuing error aborts the whole transaction.
    assert_eq!(cmd("MULTI").query::<String>(c).unwrap(), "OK");
    assert_eq!(
        cmd("SET").arg("b").arg(1).query::<String>(c).unwrap(),
        "QUEUED"
    );
    assert!(err_text(cmd("GET").query::<String>(c)).contains("wrong number of arguments"));
    assert_eq!(
        err_text(cmd("EXEC").query::<Value>(c)),
        "EXECABORT Transaction discarded because of previous errors."
    );
    assert_eq!(cmd("EXISTS").arg("b").query::<i64>(c).unwrap(), 0);
}

#[test]
fn watch_is_invalidated_by_expiry() {
    let server = Server::start(&["--enable-debug-command", "yes", "--hz", "100"]);
    let c = &mut server.redis();
    cmd("SET")
        .arg("e")
        .arg(1)
        .arg("PX")
        .arg(20)
        .exec(c)
        .unwrap();
    cmd("WATCH").arg("e").exec(c).unwrap();
    cmd("DEBUG").arg("SLEEP").arg("0.05").exec(c).unwrap();
    cmd("MULTI").exec(c).unwrap();
    cmd("PING").exec(c).unwrap();
    assert_eq!(cmd("EXEC").query::<Value>(c).unwrap(), Value::Nil);
    // Active expiry deleting a watched key also counts.
    cmd("SET")
        .arg("f")
        .arg(1)
        .arg("PX")
        .arg(20)
        .exec(c)
        .unwrap();
    cmd("WATCH").arg("f").exec(c).unwrap();
    common::eventually("active expiry", || {
        cmd("DBSIZE").query::<i64>(&mut server.redis()).unwrap() == 0
    });
    cmd("MULTI").exec(c).unwrap();
    assert_eq!(cmd("EXEC").query::<Value>(c).unwrap(), Value::Nil);
}

#[test]
fn resp3_through_hello_3() {
    let server = Server::start(&[]);
    let c = &mut resp3(&server);
    match cmd("HELLO").arg(3).query::<Value>(c).unwrap() {
        Value::Map(pairs) => {
            let proto = pairs
                .iter()
                .find(|(k, _)| *k == Value::BulkString(b"proto".to_vec()))
                .map(|(_, v)| v.clone());
            assert_eq!(proto, Some(Value::Int(3)));
        }
        other => panic!("HELLO 3 answers a map: {other:?}"),
    }
    assert_eq!(
        cmd("GET").arg("nope").query::<Value>(c).unwrap(),
        Value::Nil
    );
    match cmd("INFO").arg("server").query::<Value>(c).unwrap() {
        Value::VerbatimString { text, .. } => assert!(text.starts_with("# Server")),
        other => panic!("INFO is verbatim text in RESP3: {other:?}"),
    }
    match cmd("CONFIG")
        .arg("GET")
        .arg("hz")
        .query::<Value>(c)
        .unwrap()
    {
        Value::Map(pairs) => assert_eq!(pairs.len(), 1),
        other => panic!("CONFIG GET is a map in RESP3: {other:?}"),
    }
    // Raw bytes: the encodings themselves.
    let mut s = server.connect();
    s.write_all(b"HELLO 3\r\n").unwrap();
    assert_eq!(read_line(&mut s), b"%7");
    // Seven keys and four string values (two lines each), two integers,
    // and the empty modules array.
    for _ in 0..25 {
        read_line(&mut s);
    }
    s.write_all(b"GET nope\r\nMULTI\r\nEXEC\r\nWATCH w\r\nSET w 1\r\nMULTI\r\nEXEC\r\n")
        .unwrap();
    assert_eq!(read_line(&mut s), b"_");
    assert_eq!(read_line(&mut s), b"+OK");
    assert_eq!(read_line(&mut s), b"*0");
    assert_eq!(read_line(&mut s), b"+OK");
    assert_eq!(read_line(&mut s), b"+OK");
    assert_eq!(read_line(&mut s), b"+OK");
    assert_eq!(read_line(&mut s), b"_", "an aborted EXEC is a RESP3 null");
}

#[test]
fn monitor_streams_every_command_in_order() {
    let server = Server::start(&[]);
    let mut monitor = server.connect();
    monitor.write_all(b"MONITOR\r\n").unwrap();
    assert_eq!(read_line(&mut monitor), b"+OK");
    let c = &mut server.redis();
    let mut p = pipe();
    for i in 0..2000 {
        p.set(format!("k{i}"), "v \"q\"\n").ignore();
    }
    p.query::<()>(c).unwrap();
    // The client's own set-up commands come first.
    let mut line = String::from_utf8(read_line(&mut monitor)).unwrap();
    while line.contains("\"CLIENT\" \"SETINFO\"") {
        line = String::from_utf8(read_line(&mut monitor)).unwrap();
    }
    for i in 0..2000 {
        if i > 0 {
            line = String::from_utf8(read_line(&mut monitor)).unwrap();
        }
        let expected = format!("\"SET\" \"k{i}\" \"v \\\"q\\\"\\n\"");
        assert!(
            line.starts_with('+') && line.contains(" [0 127.0.0.1:") && line.ends_with(&expected),
            "{line} should end with {expected}"
        );
    }
    // A monitor may not touch the keyspace.
    monitor.write_all(b"GET k1\r\n").unwrap();
    assert_eq!(
        read_line(&mut monitor),
        b"-ERR Replica can't interact with the keyspace"
    );
}

#[test]
fn client_list_kill_and_reply() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    let victim = &mut server.redis();
    cmd("CLIENT")
        .arg("SETNAME")
        .arg("victim")
        .exec(victim)
        .unwrap();
    cmd("CLIENT")
        .arg("SETINFO")
        .arg("lib-name")
        .arg("redis-rs")
        .exec(victim)
        .unwrap();
    let id: i64 = cmd("CLIENT").arg("ID").query(victim).unwrap();
    let list: String = cmd("CLIENT").arg("LIST").query(c).unwrap();
    let line = list
        .lines()
        .find(|l| l.contains("name=victim"))
        .expect("the victim listed");
    assert!(
        line.starts_with(&format!("id={id} addr=127.0.0.1:")),
        "{line}"
    );
    // The crate itself sends CLIENT SETINFO lib-name and lib-ver.
    assert!(
        line.contains(" cmd=client|id ") && line.contains("lib-name=redis-rs lib-ver="),
        "{line}"
    );
    let info: String = cmd("CLIENT").arg("INFO").query(c).unwrap();
    assert!(
        info.contains(" cmd=client|info ") && info.ends_with('\n'),
        "{info}"
    );
    assert_eq!(
        cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .query::<i64>(c)
            .unwrap(),
        1
    );
    assert!(cmd("PING").query::<String>(victim).is_err(), "killed");
    assert_eq!(
        cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .query::<i64>(c)
            .unwrap(),
        0
    );
    // CLIENT REPLY OFF: nothing until ON.
    let mut s = server.connect();
    s.write_all(
        b"CLIENT REPLY OFF\r\nPING\r\nSET r 1\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nGET r\r\n",
    )
    .unwrap();
    assert_eq!(read_line(&mut s), b"+OK");
    assert_eq!(read_line(&mut s), b"$1");
    assert_eq!(read_line(&mut s), b"1");
    s.write_all(b"CLIENT REPLY SKIP\r\nPING a\r\nPING b\r\n")
        .unwrap();
    assert_eq!(read_line(&mut s), b"$1");
    assert_eq!(read_line(&mut s), b"b");
}

#[test]
fn debug_needs_the_flag() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    assert!(
        err_text(cmd("DEBUG").arg("SLEEP").arg(0).query::<String>(c)).starts_with(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\""
        )
    );
    let server = Server::start(&["--enable-debug-command", "local"]);
    let c = &mut server.redis();
    assert_eq!(
        cmd("DEBUG").arg("SLEEP").arg(0).query::<String>(c).unwrap(),
        "OK"
    );
    // With active expiry off, only a lookup removes an expired key.
    cmd("DEBUG")
        .arg("SET-ACTIVE-EXPIRE")
        .arg(0)
        .exec(c)
        .unwrap();
    cmd("SET").arg("k").arg(1).arg("PX").arg(1).exec(c).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(cmd("DBSIZE").query::<i64>(c).unwrap(), 1);
    assert_eq!(cmd("EXISTS").arg("k").query::<i64>(c).unwrap(), 0);
    assert_eq!(cmd("DBSIZE").query::<i64>(c).unwrap(), 0);
}

#[test]
fn config_set_changes_the_running_server() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    assert_eq!(
        cmd("CONFIG")
            .arg("SET")
            .arg("timeout")
            .arg(1)
            .arg("hz")
            .arg(50)
            .query::<String>(c)
            .unwrap(),
        "OK"
    );
    let cfg: Vec<String> = cmd("CONFIG").arg("GET").arg("hz").query(c).unwrap();
    assert_eq!(cfg, ["hz", "50"]);
    // The new timeout closes an idle client.
    let mut idle = server.connect();
    assert_eq!(common::read_to_close(&mut idle), b"");
    let c = &mut server.redis();
    cmd("CONFIG")
        .arg("SET")
        .arg("timeout")
        .arg(0)
        .exec(c)
        .unwrap();
    assert_eq!(
        err_text(cmd("CONFIG").arg("SET").arg("hz").arg("x").query::<String>(c)),
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"
    );
    assert_eq!(
        err_text(
            cmd("CONFIG")
                .arg("SET")
                .arg("port")
                .arg(1)
                .query::<String>(c)
        ),
        "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"
    );
}

#[test]
fn resetstat_then_the_cron_keeps_running() {
    // CONFIG RESETSTAT once made the ops/sec sample subtract past zero in
    // the next cron run (the differential test found it).
    let server = Server::start(&["--hz", "100"]);
    let c = &mut server.redis();
    for _ in 0..10 {
        cmd("PING").exec(c).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    cmd("CONFIG").arg("RESETSTAT").exec(c).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(server.ping(), "PONG");
    assert!(server.log_lines("panicked").is_empty());
}

#[test]
fn client_kill_closes_a_client_that_does_not_read() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    cmd("SET")
        .arg("big")
        .arg(vec![b'x'; 8 << 20])
        .exec(c)
        .unwrap();
    let mut stuck = server.connect();
    stuck.write_all(b"CLIENT ID\r\n").unwrap();
    let id: i64 = String::from_utf8(read_line(&mut stuck)[1..].to_vec())
        .unwrap()
        .parse()
        .unwrap();
    // 64 MiB of replies it never reads: the server's socket blocks.
    stuck.write_all(&b"GET big\r\n".repeat(8)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .query::<i64>(c)
            .unwrap(),
        1
    );
    // What was in flight arrives, then the end: far less than 64 MiB.
    let got = common::read_to_close(&mut stuck);
    assert!(got.len() < 32 << 20, "{} bytes", got.len());
    common::eventually("the killed client gone", || {
        server.info_field("connected_clients") == 2
    });
}

#[test]
fn an_idle_monitor_is_not_timed_out() {
    let server = Server::start(&["--timeout", "1", "--hz", "50"]);
    let mut monitor = server.connect();
    monitor.write_all(b"MONITOR\r\n").unwrap();
    assert_eq!(read_line(&mut monitor), b"+OK");
    let mut idle = server.connect();
    assert_eq!(common::read_to_close(&mut idle), b"");
    // The monitor outlived the timeout and still gets commands.
    let c = &mut server.redis();
    cmd("ECHO").arg("still here").exec(c).unwrap();
    let mut line = read_line(&mut monitor);
    while !line.ends_with(b"\"ECHO\" \"still here\"") {
        line = read_line(&mut monitor);
    }
}

#[test]
fn a_monitor_that_does_not_read_is_closed_at_the_output_limit() {
    let server = Server::start(&["--client-output-buffer-limit", "1mb"]);
    let mut monitor = server.connect();
    monitor.write_all(b"MONITOR\r\n").unwrap();
    assert_eq!(read_line(&mut monitor), b"+OK");
    // The monitor never reads again; the commands keep coming.
    let c = &mut server.redis();
    let value = vec![b'v'; 10_000];
    for _ in 0..20 {
        let mut p = pipe();
        for i in 0..200 {
            p.set(format!("k{i}"), &value).ignore();
        }
        p.query::<()>(c).unwrap();
    }
    // About 40 MB of MONITOR lines, more than the socket buffers hold:
    // over the limit, the monitor is closed
    // and the server carries on.
    common::eventually("the monitor closed", || {
        !server
            .log_lines("closed for overcoming of output buffer limits")
            .is_empty()
    });
    let got = common::read_to_close(&mut monitor);
    assert!(got.len() < 40 << 20, "{} bytes", got.len());
    assert_eq!(cmd("DBSIZE").query::<i64>(c).unwrap(), 200);
}

#[test]
fn sixteen_databases_as_redis_has_by_default() {
    let server = Server::start(&[]);
    let c = &mut server.redis();
    cmd("SET").arg("k").arg("zero").exec(c).unwrap();
    let mut one = redis::Client::open(format!("redis://127.0.0.1:{}/1", server.port))
        .unwrap()
        .get_connection_with_timeout(common::TIMEOUT)
        .unwrap();
    assert_eq!(
        cmd("GET")
            .arg("k")
            .query::<Option<String>>(&mut one)
            .unwrap(),
        None
    );
    cmd("SET").arg("k").arg("one").exec(&mut one).unwrap();
    assert_eq!(cmd("GET").arg("k").query::<String>(c).unwrap(), "zero");
    assert_eq!(
        cmd("SWAPDB").arg(0).arg(1).query::<String>(c).unwrap(),
        "OK"
    );
    assert_eq!(cmd("GET").arg("k").query::<String>(c).unwrap(), "one");
    let info: String = cmd("INFO").arg("keyspace").query(c).unwrap();
    assert!(
        info.contains("db0:keys=1,") && info.contains("db1:keys=1,"),
        "{info}"
    );
    let cfg: Vec<String> = cmd("CONFIG").arg("GET").arg("databases").query(c).unwrap();
    assert_eq!(cfg, ["databases", "16"]);
    // Active expiry covers every database.
    cmd("SELECT").arg(5).exec(c).unwrap();
    for i in 0..50 {
        cmd("SET").arg(i).arg(1).arg("PX").arg(20).exec(c).unwrap();
    }
    common::eventually("active expiry in db 5", || {
        cmd("DBSIZE").query::<i64>(c).unwrap() == 0
    });
    let server = Server::start(&["--databases", "2"]);
    let c = &mut server.redis();
    assert_eq!(cmd("SELECT").arg(1).query::<String>(c).unwrap(), "OK");
    assert_eq!(
        err_text(cmd("SELECT").arg(2).query::<String>(c)),
        "ERR DB index is out of range"
    );
}
