//! The RDB codec against a real redis-server 7.0: what `rdb::save_file`
//! writes, redis-server loads into the same values, encodings and TTLs;
//! what redis-server SAVEs (every encoding it has for the demo's types),
//! `rdb::load` reads into what redis-server replies.

mod common;

use std::path::{Path, PathBuf};

use ae_demo::engine::db::{unix_ms, Entry, Value};
use ae_demo::engine::Keyspace;
use ae_demo::rdb;
use common::RedisServer;

/// A temporary directory of its own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ae-rdb-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp dir")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// redis-server on `dir`, its log in `dir/redis.log`, shown if it does
/// not start (it exits on a file it cannot load, saying why).
fn start_redis(dir: &TempDir) -> RedisServer {
    let log = dir.path().join("redis.log");
    let log_arg = log.to_str().unwrap().to_string();
    let args = [
        "--dir",
        dir.arg(),
        "--dbfilename",
        "dump.rdb",
        "--logfile",
        &log_arg,
        "--enable-debug-command",
        "yes",
    ];
    match std::panic::catch_unwind(|| RedisServer::start(&args)) {
        Ok(r) => r,
        Err(e) => {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            eprintln!("redis-server log:\n{text}");
            std::panic::resume_unwind(e)
        }
    }
}

fn connect(redis: &RedisServer) -> redis::Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", redis.port)).unwrap();
    let con = client
        .get_connection_with_timeout(common::TIMEOUT)
        .expect("connect to redis-server");
    con.set_read_timeout(Some(common::TIMEOUT)).unwrap();
    con
}

/// One key as both sides describe it: type, OBJECT ENCODING, value in a
/// canonical form (unordered collections sorted), and whether it has a
/// TTL (with the deadline's distance checked separately).
#[derive(Debug, PartialEq)]
struct Described {
    kind: &'static str,
    encoding: String,
    value: Vec<Vec<u8>>,
    ttl: bool,
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

/// Pairs flattened, sorted by their first element.
fn sorted_pairs(flat: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = flat
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect();
    pairs.sort();
    pairs.into_iter().flat_map(|(a, b)| [a, b]).collect()
}

/// A score as both sides are compared: parsed back to a double.
fn score_text(s: &[u8]) -> Vec<u8> {
    let v: f64 = std::str::from_utf8(s).unwrap().parse().unwrap();
    format!("{v:?}").into_bytes()
}

/// What redis-server would say of this entry after loading it.
fn describe_entry(e: &Entry) -> Described {
    let (kind, encoding, value) = match &e.value {
        Value::Small(_) | Value::Inline(_) | Value::Shared(_) => {
            ("string", e.enc.name(), vec![e.value.to_vec()])
        }
        Value::List(l) => ("list", "quicklist", l.iter().map(|v| v.to_vec()).collect()),
        Value::Hash(h) => {
            let flat: Vec<Vec<u8>> = h
                .map
                .iter()
                .flat_map(|(f, v)| [f.to_vec(), v.to_vec()])
                .collect();
            if h.big {
                ("hash", "hashtable", sorted_pairs(flat))
            } else {
                ("hash", "listpack", flat)
            }
        }
        Value::Set(s) => {
            if s.intset {
                (
                    "set",
                    "intset",
                    s.ordered().into_iter().map(|m| m.to_vec()).collect(),
                )
            } else {
                (
                    "set",
                    "hashtable",
                    sorted(s.members.iter().map(|m| m.to_vec()).collect()),
                )
            }
        }
        Value::ZSet(z) => (
            "zset",
            if z.skiplist { "skiplist" } else { "listpack" },
            z.sorted
                .iter()
                .flat_map(|(s, m)| [m.to_vec(), format!("{s:?}").into_bytes()])
                .collect(),
        ),
    };
    Described {
        kind,
        encoding: encoding.to_string(),
        value,
        ttl: e.deadline().is_some(),
    }
}

/// What redis-server says of `key` in the selected database.
fn describe_redis(con: &mut redis::Connection, key: &[u8]) -> Described {
    let q = |con: &mut redis::Connection, cmd: &str, args: &[&[u8]]| -> Vec<Vec<u8>> {
        let mut c = redis::cmd(cmd);
        for a in args {
            c.arg(*a);
        }
        c.query(con).unwrap_or_else(|e| panic!("{cmd}: {e}"))
    };
    let kind: String = redis::cmd("TYPE").arg(key).query(con).unwrap();
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(key)
        .query(con)
        .unwrap();
    let (kind, value) = match kind.as_str() {
        "string" => {
            let v: Vec<u8> = redis::cmd("GET").arg(key).query(con).unwrap();
            ("string", vec![v])
        }
        "list" => ("list", q(con, "LRANGE", &[key, b"0", b"-1"])),
        "hash" => {
            let flat = q(con, "HGETALL", &[key]);
            let v = if encoding == "hashtable" {
                sorted_pairs(flat)
            } else {
                flat
            };
            ("hash", v)
        }
        "set" => {
            let m = q(con, "SMEMBERS", &[key]);
            let v = if encoding == "hashtable" {
                sorted(m)
            } else {
                m
            };
            ("set", v)
        }
        "zset" => {
            let flat = q(con, "ZRANGE", &[key, b"0", b"-1", b"WITHSCORES"]);
            let v = flat
                .chunks(2)
                .flat_map(|c| [c[0].clone(), score_text(&c[1])])
                .collect();
            ("zset", v)
        }
        other => panic!("unexpected type {other}"),
    };
    let pttl: i64 = redis::cmd("PTTL").arg(key).query(con).unwrap();
    assert!(pttl == -1 || pttl > 0, "PTTL {pttl} of {key:?}");
    Described {
        kind,
        encoding,
        value,
        ttl: pttl > 0,
    }
}

/// Compares every key of every database of `ks` with redis-server's, and
/// the key counts. Returns how many keys were compared.
fn compare(ks: &Keyspace, con: &mut redis::Connection, now: i64) -> usize {
    let mut compared = 0;
    for (i, db) in ks.iter().enumerate() {
        redis::cmd("SELECT").arg(i).query::<()>(con).unwrap();
        let live: Vec<(&[u8], &Entry)> = db
            .iter()
            .filter(|(_, e)| !matches!(e.deadline(), Some(w) if w < now))
            .collect();
        let size: usize = redis::cmd("DBSIZE").query(con).unwrap();
        assert_eq!(size, live.len(), "DBSIZE of db {i}");
        for (key, entry) in live {
            let want = describe_entry(entry);
            let got = describe_redis(con, key);
            assert_eq!(got, want, "db {i} key {:?}", String::from_utf8_lossy(key));
            if let Some(when) = entry.deadline() {
                let pttl: i64 = redis::cmd("PTTL").arg(key).query(con).unwrap();
                assert!(pttl <= when - now, "PTTL {pttl} beyond the deadline");
            }
            compared += 1;
        }
    }
    compared
}

#[test]
fn redis_server_loads_what_save_file_writes() {
    if !common::require("redis-server", "redis_server_loads_what_save_file_writes") {
        return;
    }
    let dir = TempDir::new("to-redis");
    let now = unix_ms();
    let ks = rdb::sample::every_type(now);
    let options = rdb::SaveOptions {
        used_mem: 50 << 20,
        ..rdb::SaveOptions::default()
    };
    rdb::save_file(&ks, now, options, &dir.path().join("dump.rdb"), &mut |_| {
        Ok(())
    })
    .expect("save_file");
    let redis = start_redis(&dir);
    let mut con = connect(&redis);
    let compared = compare(&ks, &mut con, now);
    assert!(compared >= 35, "compared {compared} keys");
    // It read the heap the file says its writer held (logged as it
    // loads, before it answers).
    let log = std::fs::read_to_string(dir.path().join("redis.log")).unwrap();
    assert!(
        log.contains("RDB memory usage when created 50.00 Mb"),
        "{log}"
    );
    drop(redis);
}

/// With `rdbcompression no` strings are written as they are (no LZF), and
/// redis-server loads that file the same.
#[test]
fn redis_server_loads_what_save_file_writes_uncompressed() {
    if !common::require(
        "redis-server",
        "redis_server_loads_what_save_file_writes_uncompressed",
    ) {
        return;
    }
    let dir = TempDir::new("uncompressed");
    let now = unix_ms();
    let ks = rdb::sample::every_type(now);
    let path = dir.path().join("dump.rdb");
    let off = rdb::SaveOptions {
        compression: false,
        ..rdb::SaveOptions::default()
    };
    rdb::save_file(&ks, now, off, &path, &mut |_| Ok(())).expect("save_file");
    let bytes = std::fs::read(&path).unwrap();
    // s:big, 100000 bytes LZF would shrink to almost nothing: its 32-bit
    // length, then every byte.
    let big = ks[0].peek(b"s:big").unwrap().value.to_vec();
    let mut verbatim = vec![0x80];
    verbatim.extend_from_slice(&(big.len() as u32).to_be_bytes());
    verbatim.extend_from_slice(&big);
    assert!(
        bytes.windows(verbatim.len()).any(|w| w == verbatim),
        "s:big is not in the file as it is"
    );
    let redis = start_redis(&dir);
    let mut con = connect(&redis);
    let compared = compare(&ks, &mut con, now);
    assert!(compared >= 35, "compared {compared} keys");
}

/// Runs one command, for its effect.
fn run(con: &mut redis::Connection, args: &[&[u8]]) {
    let mut c = redis::cmd(std::str::from_utf8(args[0]).unwrap());
    for a in &args[1..] {
        c.arg(*a);
    }
    c.query::<redis::Value>(con)
        .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(args[0])));
}

/// Redis's plain-node threshold lowered (DEBUG QUICKLIST-PACKED-THRESHOLD)
/// so a 200-byte element gets a node of its own; false where that DEBUG
/// subcommand is refused.
fn plain_nodes(con: &mut redis::Connection) -> bool {
    redis::cmd("DEBUG")
        .arg("QUICKLIST-PACKED-THRESHOLD")
        .arg("100")
        .query::<()>(con)
        .is_ok()
}

#[test]
fn load_reads_what_redis_server_saves() {
    if !common::require("redis-server", "load_reads_what_redis_server_saves") {
        return;
    }
    let dir = TempDir::new("from-redis");
    let redis = start_redis(&dir);
    let mut con = connect(&redis);
    // Strings: integers in and beyond 32 bits, embstr, raw, compressible
    // (LZF: rdbcompression is on by default) and not, binary, empty.
    let long_compressible = b"abcdefgh".repeat(2000);
    let incompressible: Vec<u8> = (0..300u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for (k, v) in [
        (&b"s:int"[..], &b"123"[..]),
        (b"s:neg", b"-40000"),
        (b"s:i64", b"9007199254740993"),
        (b"s:20digits", b"12345678901234567890"),
        (b"s:embstr", b"hello world"),
        (b"s:raw", &[b'r'; 50]),
        (b"s:lzf", &long_compressible),
        (b"s:noise", &incompressible),
        (b"s:empty", b""),
        (b"s:binary", b"\x00\x01\xff\r\n"),
    ] {
        run(&mut con, &[b"SET", k, v]);
    }
    // Lists: one listpack node; many nodes; nodes compressed with LZF
    // (list-compress-depth applies to lists created while it is set); a
    // plain node for a big element.
    run(&mut con, &[b"RPUSH", b"l:small", b"a", b"1", b"-5", b"bcd"]);
    for i in 0..3000 {
        run(
            &mut con,
            &[
                b"RPUSH",
                b"l:nodes",
                format!("element number {i}").as_bytes(),
            ],
        );
    }
    run(&mut con, &[b"CONFIG", b"SET", b"list-compress-depth", b"1"]);
    for i in 0..3000 {
        run(
            &mut con,
            &[
                b"LPUSH",
                b"l:compressed",
                format!("compressible {}", i % 10).as_bytes(),
            ],
        );
    }
    run(&mut con, &[b"CONFIG", b"SET", b"list-compress-depth", b"0"]);
    if plain_nodes(&mut con) {
        run(&mut con, &[b"RPUSH", b"l:plain", b"x", &[b'p'; 200], b"y"]);
    } else {
        eprintln!("DEBUG QUICKLIST-PACKED-THRESHOLD refused: no plain quicklist node tested");
    }
    // Hashes: listpack (integer and string values), hashtable by size and
    // by value length.
    run(
        &mut con,
        &[
            b"HSET", b"h:lp", b"f1", b"v1", b"f2", b"2", b"f3", b"-300000", b"f0", b"x",
        ],
    );
    for i in 0..600 {
        run(
            &mut con,
            &[
                b"HSET",
                b"h:big",
                format!("f{i}").as_bytes(),
                format!("{i}").as_bytes(),
            ],
        );
    }
    run(&mut con, &[b"HSET", b"h:long", b"f", &[b'v'; 65]]);
    // Sets: intsets of each width, hashtable by content and by size.
    run(&mut con, &[b"SADD", b"set:i16", b"1", b"-3", b"300"]);
    run(&mut con, &[b"SADD", b"set:i32", b"70000", b"-70000"]);
    run(
        &mut con,
        &[b"SADD", b"set:i64", b"9223372036854775807", b"-1"],
    );
    run(&mut con, &[b"SADD", b"set:str", b"a", b"b", b"1"]);
    for i in 0..600 {
        run(
            &mut con,
            &[b"SADD", b"set:bigints", i.to_string().as_bytes()],
        );
    }
    // Sorted sets: listpack (integer, fractional, infinite scores),
    // skiplist by size and by member length.
    run(
        &mut con,
        &[
            b"ZADD", b"z:lp", b"1", b"one", b"2.5", b"twohalf", b"-inf", b"low", b"+inf", b"high",
            b"-3", b"neg",
        ],
    );
    for i in 0..200 {
        run(
            &mut con,
            &[
                b"ZADD",
                b"z:big",
                format!("{}", i as f64 / 3.0).as_bytes(),
                format!("m{i}").as_bytes(),
            ],
        );
    }
    run(&mut con, &[b"ZADD", b"z:long", b"1.5", &[b'm'; 65]]);
    // TTLs in milliseconds and seconds, and other databases.
    run(&mut con, &[b"PEXPIRE", b"s:int", b"600000"]);
    run(&mut con, &[b"EXPIRE", b"h:lp", b"900"]);
    run(&mut con, &[b"SELECT", b"5"]);
    run(&mut con, &[b"SET", b"five", b"5"]);
    run(&mut con, &[b"ZADD", b"z5", b"1", b"a"]);
    run(&mut con, &[b"SELECT", b"15"]);
    run(&mut con, &[b"SADD", b"s15", b"x"]);
    run(&mut con, &[b"SELECT", b"0"]);
    run(&mut con, &[b"SAVE"]);

    let bytes = std::fs::read(dir.path().join("dump.rdb")).expect("redis-server's dump.rdb");
    // The file holds each encoding meant: the type byte before each key
    // (keys are short, so stored as length and bytes).
    let typed = |kind: u8, key: &[u8]| {
        bytes
            .windows(key.len() + 2)
            .position(|w| w[0] == kind && usize::from(w[1]) == key.len() && &w[2..] == key)
    };
    for (kind, keys) in [
        (0u8, &["s:int", "s:lzf", "s:noise", "s:empty"][..]),
        (4, &["h:big", "h:long"]),
        (16, &["h:lp"]),
        (2, &["set:str", "set:bigints"]),
        (11, &["set:i16", "set:i32", "set:i64"]),
        (5, &["z:big", "z:long"]),
        (17, &["z:lp", "z5"]),
        (18, &["l:small", "l:nodes", "l:compressed"]),
    ] {
        for key in keys {
            assert!(
                typed(kind, key.as_bytes()).is_some(),
                "{key} is not of type {kind}"
            );
        }
    }
    if let Some(at) = typed(18, b"l:plain") {
        // Three nodes: packed, plain (container 1), packed.
        assert_eq!(&bytes[at + 9..at + 11], &[3, 2]);
    }
    // Compressed strings are in the file: the LZF path is taken.
    assert!(
        bytes.windows(2).any(|w| w[0] == 0xC3),
        "no LZF string in the file"
    );
    let mut ks = Keyspace::new(16);
    let now = unix_ms();
    let loaded = rdb::load(&bytes, &mut ks, now).unwrap_or_else(|e| panic!("load: {e}"));
    let compared = compare(&ks, &mut con, now);
    assert_eq!(compared as u64, loaded.keys_loaded);
    assert!(compared >= 25, "compared {compared} keys");
    assert_eq!(
        ks[0].peek(b"s:lzf").map(|e| e.value.to_vec()),
        Some(long_compressible)
    );
    // Cut and flipped at ~1000 places each (a stride over the whole
    // file): every one an error, never a panic, with the listpacks,
    // intsets and LZF blobs redis-server wrote meeting the damage first
    // (the checksum is checked at the end).
    let stride = (bytes.len() / 1000).max(1);
    for at in (0..bytes.len()).step_by(stride) {
        let mut into = Keyspace::new(16);
        assert!(
            rdb::load(&bytes[..at], &mut into, now).is_err(),
            "cut at {at} loaded"
        );
        let mut bad = bytes.clone();
        bad[at] ^= 0x5a;
        let mut into = Keyspace::new(16);
        assert!(
            rdb::load(&bad, &mut into, now).is_err(),
            "flip at {at} loaded"
        );
    }
    // And back: what was loaded saves to a file redis-server loads the
    // same.
    drop(con);
    drop(redis);
    let again = TempDir::new("from-redis-again");
    rdb::save_file(
        &ks,
        now,
        rdb::SaveOptions::default(),
        &again.path().join("dump.rdb"),
        &mut |_| Ok(()),
    )
    .expect("save_file");
    let redis = start_redis(&again);
    let mut con = connect(&redis);
    assert_eq!(compare(&ks, &mut con, now), compared);
}
