//! Snapshots end to end: SAVE, BGSAVE (a forked child, reaped by the
//! loop), LASTSAVE, the schedules, the save at shutdown, load at start-up,
//! what a damaged file or a failed save does, and files exchanged with a
//! real redis-server in both directions.

mod common;

use std::time::{Duration, Instant};

use common::{eventually, require, RedisServer, Server, TempDir, TIMEOUT};
use redis::{cmd, Connection};

/// Every type in the encodings Redis picks by size: small and big lists,
/// hashes, sets (integers only, and mixed) and sorted sets, integer and
/// long strings, keys with TTLs, and a second database.
fn fill(c: &mut Connection) {
    let q = |c: &mut Connection, args: &[&str]| {
        let mut command = cmd(args[0]);
        for a in &args[1..] {
            command.arg(*a);
        }
        command
            .query::<redis::Value>(c)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    };
    q(c, &["SET", "int", "12345"]);
    q(c, &["SET", "neg", "-9000000000"]);
    q(c, &["SET", "str", "hello world"]);
    q(c, &["SET", "zero-padded", "007"]);
    let long = "x".repeat(5000) + &"abc".repeat(300);
    q(c, &["SET", "long", &long]);
    q(c, &["SET", "ttl", "soon", "EX", "1000"]);
    q(c, &["RPUSH", "list", "a", "b", "1", "c"]);
    for i in 0..300 {
        q(c, &["RPUSH", "biglist", &format!("element-{i}")]);
    }
    q(c, &["HSET", "hash", "f1", "v1", "f2", "2", "f3", "v3"]);
    for i in 0..200 {
        q(c, &["HSET", "bighash", &format!("f{i}"), &format!("v{i}")]);
    }
    q(c, &["SADD", "intset", "3", "1", "-2", "100000"]);
    q(c, &["SADD", "set", "a", "1", "b"]);
    for i in 0..600 {
        q(c, &["SADD", "bigset", &i.to_string()]);
    }
    q(
        c,
        &["ZADD", "zset", "1", "a", "2.5", "b", "-3", "c", "inf", "d"],
    );
    for i in 0..150 {
        q(
            c,
            &[
                "ZADD",
                "bigzset",
                &(i as f64 / 3.0).to_string(),
                &format!("m{i}"),
            ],
        );
    }
    q(c, &["EXPIRE", "hash", "5000"]);
    q(c, &["SELECT", "3"]);
    q(c, &["SET", "in-db-3", "v"]);
    q(c, &["RPUSH", "list-db-3", "x"]);
    q(c, &["SELECT", "0"]);
}

/// Everything a client can read of the keyspace, in one canonical form:
/// per database and key, its type, encoding, value and whether it has a
/// TTL.
fn contents(c: &mut Connection) -> Vec<String> {
    let mut out = Vec::new();
    for db in [0, 3] {
        let _: () = cmd("SELECT").arg(db).query(c).unwrap();
        let mut keys: Vec<String> = cmd("KEYS").arg("*").query(c).unwrap();
        keys.sort();
        for key in keys {
            let kind: String = cmd("TYPE").arg(&key).query(c).unwrap();
            let enc: String = cmd("OBJECT").arg("ENCODING").arg(&key).query(c).unwrap();
            let value = match kind.as_str() {
                "string" => cmd("GET").arg(&key).query::<String>(c).unwrap(),
                "list" => format!(
                    "{:?}",
                    cmd("LRANGE")
                        .arg(&key)
                        .arg(0)
                        .arg(-1)
                        .query::<Vec<String>>(c)
                        .unwrap()
                ),
                "hash" => {
                    let mut pairs: Vec<(String, String)> =
                        cmd("HGETALL").arg(&key).query(c).unwrap();
                    pairs.sort();
                    format!("{pairs:?}")
                }
                "set" => {
                    let mut members: Vec<String> = cmd("SMEMBERS").arg(&key).query(c).unwrap();
                    members.sort();
                    format!("{members:?}")
                }
                "zset" => format!(
                    "{:?}",
                    cmd("ZRANGE")
                        .arg(&key)
                        .arg(0)
                        .arg(-1)
                        .arg("WITHSCORES")
                        .query::<Vec<String>>(c)
                        .unwrap()
                ),
                other => panic!("unexpected type {other}"),
            };
            let ttl: i64 = cmd("PTTL").arg(&key).query(c).unwrap();
            out.push(format!("db{db} {key} {kind} {enc} ttl={} {value}", ttl > 0));
        }
    }
    let _: () = cmd("SELECT").arg(0).query(c).unwrap();
    out
}

/// An INFO field's text.
fn info(c: &mut Connection, field: &str) -> String {
    let text: String = cmd("INFO").arg("persistence").query(c).unwrap();
    common::info_text(&text, field).to_string()
}

fn status(c: &mut Connection, command: &mut redis::Cmd) -> String {
    match command.query::<redis::Value>(c) {
        Ok(redis::Value::Okay) => "OK".into(),
        Ok(redis::Value::SimpleString(s)) => s,
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("ERR {}", e.detail().unwrap_or("")),
    }
}

/// Waits for the running BGSAVE to end.
fn bgsave_done(c: &mut Connection) {
    eventually("BGSAVE ends", || info(c, "rdb_bgsave_in_progress") == "0");
}

/// The server logs `needle` (its log is read by another thread: it may
/// lag the replies).
fn logged(server: &Server, needle: &str) {
    eventually(needle, || server.log_contains(needle));
}

fn server_in(dir: &TempDir, extra: &[&str]) -> Server {
    let mut args = vec!["--dir", dir.as_str()];
    args.extend_from_slice(extra);
    Server::start(&args)
}

#[test]
fn save_then_restart_loads_every_type() {
    let dir = TempDir::new("save");
    let before = {
        let server = server_in(&dir, &[]);
        let mut c = server.redis();
        fill(&mut c);
        assert_ne!(info(&mut c, "rdb_changes_since_last_save"), "0");
        let start: i64 = cmd("LASTSAVE").query(&mut c).unwrap();
        assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
        let after: i64 = cmd("LASTSAVE").query(&mut c).unwrap();
        assert!(after >= start);
        assert_eq!(info(&mut c, "rdb_changes_since_last_save"), "0");
        assert_eq!(info(&mut c, "rdb_saves"), "1");
        logged(&server, "DB saved on disk");
        contents(&mut c)
    };
    assert!(dir.path().join("dump.rdb").exists());
    let server = server_in(&dir, &[]);
    let mut c = server.redis();
    assert_same(&contents(&mut c), &before, "ae-demo loading its own file");
    let keys: usize = before.len();
    assert_eq!(info(&mut c, "rdb_last_load_keys_loaded"), keys.to_string());
    assert_eq!(info(&mut c, "rdb_changes_since_last_save"), "0");
    logged(&server, &format!("keys loaded: {keys}, keys expired: 0"));
}

#[test]
fn bgsave_writes_the_data_of_the_fork_while_the_parent_serves() {
    let dir = TempDir::new("bgsave");
    {
        let server = server_in(&dir, &[]);
        let mut c = server.redis();
        fill(&mut c);
        let _: () = cmd("SET").arg("before").arg("1").query(&mut c).unwrap();
        // One pipeline: the write after BGSAVE runs after the fork, so the
        // file cannot hold it.
        let (started, ok): (String, String) = redis::pipe()
            .cmd("BGSAVE")
            .cmd("SET")
            .arg("after")
            .arg("2")
            .query(&mut c)
            .unwrap();
        assert_eq!(started, "Background saving started");
        assert_eq!(ok, "OK");
        bgsave_done(&mut c);
        assert_eq!(info(&mut c, "rdb_last_bgsave_status"), "ok");
        assert_eq!(info(&mut c, "rdb_saves"), "1");
        // The write after the fork is still unsaved.
        assert_eq!(info(&mut c, "rdb_changes_since_last_save"), "1");
        logged(&server, "Background saving terminated with success");
        // The child's report of what copy-on-write cost it (Linux's
        // /proc tells; at least the pages it wrote its buffers to).
        #[cfg(target_os = "linux")]
        assert!(info(&mut c, "rdb_last_cow_size").parse::<u64>().unwrap() > 0);
        logged(&server, "Fork CoW for RDB: current ");
        logged(&server, "Background saving started by pid ");
        let pid = server
            .log_lines("Background saving started by pid ")
            .first()
            .and_then(|l| l.rsplit(' ').next()?.parse::<i32>().ok())
            .expect("the child's pid in the log");
        // Reaped by the loop: no zombie left.
        #[cfg(target_os = "linux")]
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "child {pid} not reaped"
        );
        let _ = pid;
    }
    let server = server_in(&dir, &[]);
    let mut c = server.redis();
    let before: Option<String> = cmd("GET").arg("before").query(&mut c).unwrap();
    let after: Option<String> = cmd("GET").arg("after").query(&mut c).unwrap();
    assert_eq!((before.as_deref(), after), (Some("1"), None));
}

#[test]
fn bgsave_in_exec_is_scheduled_and_run_by_the_cron() {
    let server = Server::start(&[]);
    let mut c = server.redis();
    let _: () = cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let replies: Vec<String> = redis::pipe().atomic().cmd("BGSAVE").query(&mut c).unwrap();
    assert_eq!(replies, ["Background saving scheduled"]);
    eventually("the scheduled BGSAVE", || {
        server.log_contains("Background saving terminated with success")
    });
    assert_eq!(info(&mut c, "rdb_saves"), "1");
    assert!(server.dir().join("dump.rdb").exists());
}

#[test]
fn a_save_schedule_starts_a_bgsave() {
    let server = Server::start(&["--save", "1 2"]);
    let mut c = server.redis();
    let _: () = cmd("MSET")
        .arg("a")
        .arg("1")
        .arg("b")
        .arg("2")
        .query(&mut c)
        .unwrap();
    // Redis's test: more than 1 second since the last save.
    eventually("the scheduled save", || {
        server.log_contains("Background saving terminated with success")
    });
    logged(&server, "2 changes in 1 seconds. Saving...");
    assert_eq!(info(&mut c, "rdb_changes_since_last_save"), "0");
}

#[test]
fn a_killed_bgsave_child_leaves_the_saved_file_whole() {
    let dir = TempDir::new("crash");
    {
        let server = server_in(&dir, &[]);
        let mut c = server.redis();
        let _: () = cmd("SET").arg("saved").arg("yes").query(&mut c).unwrap();
        assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
        // Enough to write that the child is still writing when killed.
        // Incompressible (LZF would shrink repeated bytes to nothing).
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let big: Vec<u8> = (0..4 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for i in 0..16 {
            let _: () = cmd("SET")
                .arg(format!("big{i}"))
                .arg(&big)
                .query(&mut c)
                .unwrap();
        }
        assert_eq!(
            status(&mut c, &mut cmd("BGSAVE")),
            "Background saving started"
        );
        logged(&server, "Background saving started by pid ");
        let pid: i32 = server
            .log_lines("Background saving started by pid ")
            .first()
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .expect("the child's pid in the log");
        // The child is this test's grandchild: killed by its own pid.
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        bgsave_done(&mut c);
        logged(&server, "Background saving terminated by signal 9");
        assert_eq!(info(&mut c, "rdb_last_bgsave_status"), "err");
        let temp = dir.path().join(format!("temp-{pid}.rdb"));
        assert!(!temp.exists(), "the child's temp file was left");
    }
    let server = server_in(&dir, &[]);
    let mut c = server.redis();
    let n: usize = cmd("DBSIZE").query(&mut c).unwrap();
    let saved: Option<String> = cmd("GET").arg("saved").query(&mut c).unwrap();
    assert_eq!((n, saved.as_deref()), (1, Some("yes")));
}

#[test]
fn a_damaged_file_stops_the_start_with_a_clear_error() {
    let dir = TempDir::new("damaged");
    {
        let server = server_in(&dir, &[]);
        let mut c = server.redis();
        fill(&mut c);
        assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
    }
    let file = dir.path().join("dump.rdb");
    let good = std::fs::read(&file).unwrap();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x5a;
    let cases: [(&str, Vec<u8>); 4] = [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("flipped", flipped),
        ("not rdb", b"hello, I am not a snapshot\n".to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in cases {
        std::fs::write(&file, &bytes).unwrap();
        let err = match Server::try_start(&["--dir", dir.as_str()]) {
            Ok(_) => panic!("{what}: started on a damaged file"),
            Err(e) => e,
        };
        assert!(err.contains("Cannot load the RDB file"), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        // The damaged file is left for the user to look at.
        assert_eq!(std::fs::read(&file).unwrap(), bytes, "{what}");
    }
}

#[test]
fn shutdown_saves_as_the_schedules_say() {
    let dir = TempDir::new("shutdown");
    let file = dir.path().join("dump.rdb");
    // No schedules: SHUTDOWN exits without saving, SHUTDOWN SAVE saves.
    for (extra, shutdown, saves) in [
        (&[][..], &["SHUTDOWN"][..], false),
        (&[][..], &["SHUTDOWN", "SAVE"][..], true),
        (&["--save", "3600 1"][..], &["SHUTDOWN"][..], true),
        (
            &["--save", "3600 1"][..],
            &["SHUTDOWN", "NOSAVE"][..],
            false,
        ),
    ] {
        let _ = std::fs::remove_file(&file);
        let mut server = server_in(&dir, extra);
        let mut c = server.redis();
        let _: () = cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
        let mut command = cmd(shutdown[0]);
        for a in &shutdown[1..] {
            command.arg(*a);
        }
        let _ = command.query::<redis::Value>(&mut c);
        assert!(server.wait_exit().success());
        assert_eq!(file.exists(), saves, "{extra:?} {shutdown:?}");
    }
    // SIGTERM saves as SHUTDOWN does.
    let _ = std::fs::remove_file(&file);
    let mut server = server_in(&dir, &["--save", "3600 1"]);
    let mut c = server.redis();
    let _: () = cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.pid()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(server.wait_exit().success());
    assert!(file.exists());
}

#[test]
fn a_failing_save_is_an_error_and_shutdown_does_not_exit() {
    let dir = TempDir::new("failing");
    let doomed = dir.path().join("gone");
    std::fs::create_dir(&doomed).unwrap();
    let mut server = Server::start(&["--dir", doomed.to_str().unwrap(), "--save", "3600 1"]);
    let mut c = server.redis();
    let _: () = cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    // The directory goes away under the server: every save fails.
    std::fs::remove_dir(&doomed).unwrap();
    assert_eq!(status(&mut c, &mut cmd("SAVE")), "ERR ");
    logged(&server, "Write error saving DB on disk");
    assert_eq!(
        status(&mut c, &mut cmd("BGSAVE")),
        "Background saving started"
    );
    bgsave_done(&mut c);
    assert_eq!(info(&mut c, "rdb_last_bgsave_status"), "err");
    logged(&server, "Background saving error");
    assert_eq!(
        status(&mut c, &mut cmd("SHUTDOWN")),
        "ERR Errors trying to SHUTDOWN. Check logs."
    );
    logged(&server, "Error trying to save the DB, can't exit.");
    // SIGTERM does not exit either.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.pid()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    eventually("SIGTERM refused", || {
        server.log_contains("SIGTERM received but errors trying to shut down the server")
    });
    assert_eq!(server.ping(), "PONG");
    let _ = cmd("SHUTDOWN").arg("FORCE").query::<redis::Value>(&mut c);
    assert!(server.wait_exit().success());
    logged(&server, "Error trying to save the DB. Exit anyway.");
}

#[test]
fn flushall_with_schedules_saves_the_empty_keyspace() {
    let dir = TempDir::new("flushall");
    {
        let server = server_in(&dir, &["--save", "3600 1"]);
        let mut c = server.redis();
        fill(&mut c);
        assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
        let _: () = cmd("FLUSHALL").query(&mut c).unwrap();
        // Saved, then the flush itself counted, as Redis does.
        assert_eq!(info(&mut c, "rdb_changes_since_last_save"), "1");
    }
    let server = server_in(&dir, &[]);
    let n: usize = cmd("DBSIZE").query(&mut server.redis()).unwrap();
    assert_eq!(n, 0);
}

/// While a BGSAVE child writes, INFO persistence shows what it last
/// reported, as Redis's does: the child reports about once a second (keys
/// written, its copy-on-write), the server reads once a second; once the
/// child is gone the fields are 0 again and the most copy-on-write it
/// reported is `rdb_last_cow_size`.
#[test]
fn info_shows_the_bgsave_childs_progress() {
    // 10000 keys, at least 300 us each: at least 3 s of saving, in which
    // the server reads at 1 s (the report sent at the first key) and at
    // 2 s (one sent near 1 s).
    let total = 10_000u64;
    let server = Server::start(&[
        "--enable-debug-command",
        "yes",
        "--rdb-key-save-delay",
        "300",
    ]);
    let mut c = server.redis();
    let _: () = cmd("DEBUG")
        .arg("POPULATE")
        .arg(total)
        .query(&mut c)
        .unwrap();
    let persistence =
        |c: &mut Connection| -> String { cmd("INFO").arg("persistence").query(c).unwrap() };
    let field = |text: &str, name: &str| common::info_value(text, name);
    assert_eq!(
        status(&mut c, &mut cmd("BGSAVE")),
        "Background saving started"
    );
    // The reports seen while it ran, each new count once.
    let mut seen: Vec<u64> = Vec::new();
    let mut peak_seen = 0;
    // Longer than TIMEOUT: the delay is a least, a loaded machine sleeps
    // longer.
    let deadline = Instant::now() + 3 * TIMEOUT;
    loop {
        let text = persistence(&mut c);
        if field(&text, "rdb_bgsave_in_progress") == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the BGSAVE did not end");
        assert_eq!(field(&text, "current_save_keys_total"), total);
        let processed = field(&text, "current_save_keys_processed");
        assert!(processed < total, "{processed} of {total} while it runs");
        let perc = common::info_text(&text, "current_fork_perc");
        let want = format!("{:.2}", processed as f64 / total as f64 * 100.0);
        assert_eq!(perc, want, "{processed} of {total}");
        let (peak, size) = (
            field(&text, "current_cow_peak"),
            field(&text, "current_cow_size"),
        );
        assert!(peak >= size, "peak {peak}, size {size}");
        peak_seen = peak_seen.max(peak);
        if processed > 0 {
            // Read once a second, measured at most a second before.
            let age = field(&text, "current_cow_size_age");
            assert!(age <= 3, "current_cow_size_age {age}");
            #[cfg(target_os = "linux")]
            assert!(size > 0, "no copy-on-write reported");
            if seen.last() != Some(&processed) {
                seen.push(processed);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(seen.len() >= 2, "reports seen: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    let text = persistence(&mut c);
    assert_eq!(common::info_text(&text, "rdb_last_bgsave_status"), "ok");
    for name in [
        "current_cow_peak",
        "current_cow_size",
        "current_cow_size_age",
        "current_save_keys_processed",
        "current_save_keys_total",
    ] {
        assert_eq!(field(&text, name), 0, "{name} after the child");
    }
    assert_eq!(common::info_text(&text, "current_fork_perc"), "0.00");
    assert!(field(&text, "rdb_last_cow_size") >= peak_seen);
    #[cfg(target_os = "linux")]
    assert!(field(&text, "rdb_last_cow_size") > 0);
}

/// `rdbcompression no` (flag or CONFIG SET) writes strings as they are,
/// in BGSAVE's child and in SAVE; yes compresses them again.
#[test]
fn rdbcompression_decides_whether_strings_are_compressed() {
    let dir = TempDir::new("rdbcompression");
    let server = server_in(&dir, &["--rdbcompression", "no"]);
    let mut c = server.redis();
    let value = "compressible ".repeat(1000);
    let _: () = cmd("SET").arg("k").arg(&value).query(&mut c).unwrap();
    let file = dir.path().join("dump.rdb");
    let verbatim = |file: &std::path::Path| {
        let bytes = std::fs::read(file).unwrap();
        bytes.windows(value.len()).any(|w| w == value.as_bytes())
    };
    assert_eq!(
        status(&mut c, &mut cmd("BGSAVE")),
        "Background saving started"
    );
    bgsave_done(&mut c);
    assert_eq!(info(&mut c, "rdb_last_bgsave_status"), "ok");
    assert!(verbatim(&file), "BGSAVE with rdbcompression no compressed");
    let set = status(
        &mut c,
        cmd("CONFIG").arg("SET").arg("rdbcompression").arg("yes"),
    );
    assert_eq!(set, "OK");
    assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
    assert!(
        !verbatim(&file),
        "SAVE with rdbcompression yes did not compress"
    );
    let _ = status(
        &mut c,
        cmd("CONFIG").arg("SET").arg("rdbcompression").arg("no"),
    );
    assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
    assert!(verbatim(&file), "SAVE with rdbcompression no compressed");
}

/// `rdb-key-save-delay` (flag and CONFIG SET) slows each key of a save.
#[test]
fn rdb_key_save_delay_slows_a_save() {
    let server = Server::start(&["--rdb-key-save-delay", "20000"]);
    let mut c = server.redis();
    for i in 0..50 {
        let _: () = cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query(&mut c)
            .unwrap();
    }
    let timed = |c: &mut Connection| {
        let start = Instant::now();
        assert_eq!(status(c, &mut cmd("SAVE")), "OK");
        start.elapsed()
    };
    // 50 keys, 20 ms each.
    let took = timed(&mut c);
    assert!(took >= Duration::from_secs(1), "{took:?}");
    let set = status(
        &mut c,
        cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg("0"),
    );
    assert_eq!(set, "OK");
    let took = timed(&mut c);
    assert!(took < Duration::from_millis(500), "{took:?}");
}

/// The `used-mem` aux field of an RDB file's bytes (an integer encoding,
/// or the decimal text).
fn used_mem_field(bytes: &[u8]) -> u64 {
    let at = bytes
        .windows(10)
        .position(|w| w == b"\xfa\x08used-mem")
        .expect("a used-mem aux field")
        + 10;
    let v = &bytes[at..];
    match v[0] {
        0xC0 => u64::from(v[1]),
        0xC1 => u64::from(u16::from_le_bytes([v[1], v[2]])),
        0xC2 => u64::from(u32::from_le_bytes([v[1], v[2], v[3], v[4]])),
        len if len < 64 => std::str::from_utf8(&v[1..1 + usize::from(len)])
            .unwrap()
            .parse()
            .unwrap(),
        other => panic!("used-mem in an unexpected encoding {other:#x}"),
    }
}

/// A save records the heap the server holds (INFO used_memory) in the
/// file's `used-mem` field, as Redis records `zmalloc_used_memory()`.
#[test]
fn the_file_records_the_heap_in_use() {
    let dir = TempDir::new("used-mem");
    let server = server_in(&dir, &[]);
    let mut c = server.redis();
    fill(&mut c);
    let text: String = cmd("INFO").arg("memory").query(&mut c).unwrap();
    let used: u64 = common::info_value(&text, "used_memory");
    assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
    let bytes = std::fs::read(dir.path().join("dump.rdb")).unwrap();
    let recorded = used_mem_field(&bytes);
    // What INFO and SAVE allocate between the two readings is small.
    let slack = (used / 10).max(256 * 1024);
    assert!(
        recorded.abs_diff(used) <= slack,
        "used-mem {recorded}, INFO used_memory {used}"
    );
}

/// Redis and ae-demo read each other's files: what one saved, the other
/// loads at start-up and reads back the same, encodings included.
#[test]
fn files_move_between_ae_demo_and_redis_server() {
    if !require(
        "redis-server",
        "files_move_between_ae_demo_and_redis_server",
    ) {
        return;
    }
    // ae-demo saves, redis-server loads.
    let dir = TempDir::new("to-redis");
    let theirs_expected = {
        let server = server_in(&dir, &[]);
        let mut c = server.redis();
        fill(&mut c);
        assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
        contents(&mut c)
    };
    let redis = RedisServer::start(&["--dir", dir.as_str()]);
    let mut c = redis_connection(redis.port);
    assert_same(
        &contents(&mut c),
        &theirs_expected,
        "redis-server loading ae-demo's file",
    );

    // redis-server saves (its own encodings: listpacks, intsets,
    // quicklists, LZF-compressed strings), ae-demo loads.
    let dir = TempDir::new("from-redis");
    let redis = RedisServer::start(&["--dir", dir.as_str()]);
    let mut c = redis_connection(redis.port);
    fill(&mut c);
    let expected = contents(&mut c);
    assert_eq!(status(&mut c, &mut cmd("SAVE")), "OK");
    drop(redis);
    let server = server_in(&dir, &[]);
    assert_same(
        &contents(&mut server.redis()),
        &expected,
        "ae-demo loading redis-server's file",
    );
}

/// Two [`contents`] are equal; if not, the keys that differ are named.
fn assert_same(got: &[String], want: &[String], what: &str) {
    let short = |l: &String| l.chars().take(160).collect::<String>();
    let missing: Vec<String> = want
        .iter()
        .filter(|l| !got.contains(l))
        .map(short)
        .collect();
    let extra: Vec<String> = got
        .iter()
        .filter(|l| !want.contains(l))
        .map(short)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: expected but not found {missing:#?}, found but not expected {extra:#?}"
    );
}

fn redis_connection(port: u16) -> Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match client.get_connection_with_timeout(TIMEOUT) {
            Ok(c) => return c,
            Err(e) if Instant::now() > deadline => panic!("redis-server: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
