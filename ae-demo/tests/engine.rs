//! The commands on the engine alone: no socket, no loop, no server. Each
//! family (strings, keyspace, connection, server, transactions) runs
//! through `process_command` as the server runs it, and what a command
//! asks of the server shows as an `Effect`.

use std::time::{Duration, Instant};

use ae_demo::config::Config;
use ae_demo::engine::reply::ReplyBuf;
use ae_demo::engine::{
    process_command, Caller, ConnInfo, Effect, Engine, NoChildren, NoPeers, Peer, Peers, Session,
};

/// A client of the engine: a session and its replies.
struct Client {
    session: Session,
    reply: ReplyBuf,
}

impl Client {
    fn new(id: u64) -> Self {
        Client {
            session: Session::new(id),
            reply: ReplyBuf::default(),
        }
    }
}

/// Other clients, for CLIENT LIST and CLIENT KILL.
struct Others(Vec<(i32, Session)>);

impl Peers for Others {
    fn for_each(&self, f: &mut dyn FnMut(&Peer<'_>)) {
        for (fd, session) in &self.0 {
            f(&Peer {
                conn: ConnInfo {
                    fd: *fd,
                    ..ConnInfo::detached()
                },
                session,
                pending: 0,
            });
        }
    }
}

/// An engine with no save schedules: FLUSHALL and SHUTDOWN write no file.
fn engine() -> Engine {
    let mut config = Config::default();
    config.save.clear();
    Engine::new(config)
}

/// Runs one request for `c` beside `peers`, as a new read would (the
/// engine's clock moves on); returns the reply bytes.
fn run_with(e: &mut Engine, c: &mut Client, peers: &dyn Peers, args: &[&str]) -> String {
    let mut args: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
    e.now = Instant::now();
    let mut caller = Caller {
        session: &mut c.session,
        reply: &mut c.reply,
        conn: ConnInfo::detached(),
        peers,
        children: &mut NoChildren,
    };
    process_command(e, &mut caller, &mut args);
    let mut out = Vec::new();
    while c.reply.pending() > 0 {
        c.reply.write_to(&mut out).expect("writes to memory");
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn run(e: &mut Engine, c: &mut Client, args: &[&str]) -> String {
    run_with(e, c, &NoPeers, args)
}

fn effects(e: &mut Engine) -> Vec<Effect> {
    std::mem::take(&mut e.effects)
}

#[test]
fn strings() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(run(&mut e, &mut c, &["SET", "k", "10"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut c, &["GET", "k"]), "$2\r\n10\r\n");
    assert_eq!(run(&mut e, &mut c, &["INCRBY", "k", "5"]), ":15\r\n");
    assert_eq!(run(&mut e, &mut c, &["APPEND", "k", "x"]), ":3\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["INCR", "k"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["SET", "k", "v", "NX"]), "$-1\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["SET", "k", "v", "NX", "XX"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["MGET", "k", "nope"]),
        "*2\r\n$3\r\n15x\r\n$-1\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["GET"]),
        "-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert!(effects(&mut e).is_empty());
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[test]
fn lists() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(
        run(&mut e, &mut c, &["RPUSH", "l", "a", "b", "c"]),
        ":3\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["LPUSH", "l", "z"]), ":4\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["LRANGE", "l", "0", "-1"]),
        "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["TYPE", "l"]), "+list\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["RPOP", "l", "2"]),
        "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["LPOS", "l", "a"]), ":1\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["LMOVE", "l", "m", "LEFT", "RIGHT"]),
        "$1\r\nz\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["LPOP", "l"]), "$1\r\na\r\n");
    // The emptied list is gone.
    assert_eq!(run(&mut e, &mut c, &["EXISTS", "l"]), ":0\r\n");
    assert_eq!(run(&mut e, &mut c, &["LPOP", "l", "1"]), "*-1\r\n");
    assert_eq!(run(&mut e, &mut c, &["GET", "m"]), WRONGTYPE);
    assert_eq!(run(&mut e, &mut c, &["SET", "s", "x"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut c, &["LPUSH", "s", "x"]), WRONGTYPE);
    assert_eq!(
        run(&mut e, &mut c, &["LPOP", "m", "-1"]),
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["LSET", "m", "5", "x"]),
        "-ERR index out of range\r\n"
    );
}

#[test]
fn hashes() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(
        run(&mut e, &mut c, &["HSET", "h", "a", "1", "b", "2"]),
        ":2\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["HSET", "h", "a", "3"]), ":0\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["HGETALL", "h"]),
        "*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["HINCRBY", "h", "b", "5"]), ":7\r\n");
    assert_eq!(run(&mut e, &mut c, &["TYPE", "h"]), "+hash\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["OBJECT", "ENCODING", "h"]),
        "$8\r\nlistpack\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["HDEL", "h", "a", "b"]), ":2\r\n");
    assert_eq!(run(&mut e, &mut c, &["EXISTS", "h"]), ":0\r\n");
    assert_eq!(run(&mut e, &mut c, &["HGETALL", "h"]), "*0\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["HSET", "h", "a"]),
        "-ERR wrong number of arguments for 'hset' command\r\n"
    );
    run(&mut e, &mut c, &["RPUSH", "l", "x"]);
    assert_eq!(run(&mut e, &mut c, &["HGET", "l", "a"]), WRONGTYPE);
    assert!(!run(&mut e, &mut c, &["HELLO", "3"]).is_empty());
    run(&mut e, &mut c, &["HSET", "h", "f", "v"]);
    assert_eq!(
        run(&mut e, &mut c, &["HGETALL", "h"]),
        "%1\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
}

#[test]
fn sets() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(
        run(&mut e, &mut c, &["SADD", "s", "3", "1", "2", "1"]),
        ":3\r\n"
    );
    // Integers only: read in numeric order, as an intset.
    assert_eq!(
        run(&mut e, &mut c, &["SMEMBERS", "s"]),
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["OBJECT", "ENCODING", "s"]),
        "$6\r\nintset\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["SADD", "t", "2", "3", "4"]), ":3\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["SINTER", "s", "t"]),
        "*2\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["SDIFFSTORE", "d", "s", "t"]),
        ":1\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["SINTERCARD", "2", "s", "t"]),
        ":2\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["TYPE", "d"]), "+set\r\n");
    assert_eq!(run(&mut e, &mut c, &["SPOP", "d"]), "$1\r\n1\r\n");
    assert_eq!(run(&mut e, &mut c, &["EXISTS", "d"]), ":0\r\n");
    assert_eq!(run(&mut e, &mut c, &["SREM", "s", "1", "2", "3"]), ":3\r\n");
    assert_eq!(run(&mut e, &mut c, &["EXISTS", "s"]), ":0\r\n");
    assert_eq!(run(&mut e, &mut c, &["LPUSH", "t", "x"]), WRONGTYPE);
    assert_eq!(
        run(&mut e, &mut c, &["SPOP", "t", "-1"]),
        "-ERR value is out of range, must be positive\r\n"
    );
}

#[test]
fn sorted_sets() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(
        run(
            &mut e,
            &mut c,
            &["ZADD", "z", "2", "b", "1", "a", "2", "a2"]
        ),
        ":3\r\n"
    );
    // By score, ties by member bytes.
    assert_eq!(
        run(&mut e, &mut c, &["ZRANGE", "z", "0", "-1"]),
        "*3\r\n$1\r\na\r\n$2\r\na2\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["ZINCRBY", "z", "0.5", "a"]),
        "$3\r\n1.5\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["ZSCORE", "z", "b"]), "$1\r\n2\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["OBJECT", "ENCODING", "z"]),
        "$8\r\nlistpack\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["TYPE", "z"]), "+zset\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["ZCOUNT", "z", "(1.5", "+inf"]),
        ":2\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["ZCOUNT", "z", "nan", "1"]),
        "-ERR min or max is not a float\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["ZPOPMIN", "z"]),
        "*2\r\n$1\r\na\r\n$3\r\n1.5\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["ZREMRANGEBYRANK", "z", "0", "-1"]),
        ":2\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["EXISTS", "z"]), ":0\r\n");
    assert_eq!(run(&mut e, &mut c, &["SET", "s", "x"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut c, &["ZADD", "s", "1", "a"]), WRONGTYPE);
    assert_eq!(
        run(&mut e, &mut c, &["ZADD", "z", "NX", "XX", "1", "a"]),
        "-ERR XX and NX options at the same time are not compatible\r\n"
    );
    // A set's members score 1 in the sorted set algebra.
    assert_eq!(
        run(&mut e, &mut c, &["ZADD", "a", "2", "x", "3", "y"]),
        ":2\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["SADD", "t", "y", "w"]), ":2\r\n");
    assert_eq!(
        run(
            &mut e,
            &mut c,
            &["ZUNIONSTORE", "d", "2", "a", "t", "WEIGHTS", "1", "10"]
        ),
        ":3\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
        "*6\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\nw\r\n$2\r\n10\r\n$1\r\ny\r\n$2\r\n13\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["ZINTERCARD", "2", "a", "t"]),
        ":1\r\n"
    );
}

#[test]
fn keyspace() {
    let (mut e, mut c) = (engine(), Client::new(1));
    run(&mut e, &mut c, &["MSET", "a", "1", "b", "2"]);
    assert_eq!(run(&mut e, &mut c, &["EXISTS", "a", "b", "c"]), ":2\r\n");
    assert_eq!(run(&mut e, &mut c, &["TTL", "a"]), ":-1\r\n");
    assert_eq!(run(&mut e, &mut c, &["PEXPIRE", "a", "1"]), ":1\r\n");
    std::thread::sleep(Duration::from_millis(5));
    // The next read's clock sees it gone.
    assert_eq!(run(&mut e, &mut c, &["GET", "a"]), "$-1\r\n");
    assert_eq!(run(&mut e, &mut c, &["RENAME", "b", "c"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut c, &["KEYS", "*"]), "*1\r\n$1\r\nc\r\n");
    // SWAPDB moves the data under the index the client keeps.
    assert_eq!(run(&mut e, &mut c, &["SWAPDB", "0", "1"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut c, &["DBSIZE"]), ":0\r\n");
    assert_eq!(run(&mut e, &mut c, &["SELECT", "1"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut c, &["GET", "c"]), "$1\r\n2\r\n");
    assert_eq!(run(&mut e, &mut c, &["MOVE", "c", "0"]), ":1\r\n");
    assert_eq!(run(&mut e, &mut c, &["DEL", "c"]), ":0\r\n");
    assert_eq!(e.keyspace[0].len(), 1);
    assert_eq!(run(&mut e, &mut c, &["OBJECT", "ENCODING", "c"]), "$-1\r\n");
}

#[test]
fn connection() {
    let (mut e, mut c) = (engine(), Client::new(7));
    assert_eq!(run(&mut e, &mut c, &["PING"]), "+PONG\r\n");
    assert_eq!(run(&mut e, &mut c, &["ECHO", "hi"]), "$2\r\nhi\r\n");
    assert_eq!(run(&mut e, &mut c, &["CLIENT", "ID"]), ":7\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["SELECT", "16"]),
        "-ERR DB index is out of range\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["CLIENT", "SETNAME", "a b"]),
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    run(&mut e, &mut c, &["CLIENT", "SETNAME", "me"]);
    assert_eq!(run(&mut e, &mut c, &["CLIENT", "GETNAME"]), "$2\r\nme\r\n");
    // CLIENT KILL of another client is an effect for the server; so is
    // QUIT, which closes the caller once its reply is out.
    let others = Others(vec![(9, Session::new(8))]);
    assert_eq!(
        run_with(&mut e, &mut c, &others, &["CLIENT", "KILL", "ID", "8"]),
        ":1\r\n"
    );
    assert_eq!(effects(&mut e), vec![Effect::Kill((9, 8))]);
    let list = run_with(&mut e, &mut c, &others, &["CLIENT", "LIST"]);
    assert!(list.contains("id=7 ") && list.contains("id=8 "), "{list}");
    assert!(list.contains("name=me "), "{list}");
    assert_eq!(run(&mut e, &mut c, &["QUIT"]), "+OK\r\n");
    assert_eq!(effects(&mut e), vec![Effect::CloseAfterReply]);
    // RESET forgets the name and the database, not the id.
    run(&mut e, &mut c, &["SELECT", "2"]);
    assert_eq!(run(&mut e, &mut c, &["RESET"]), "+RESET\r\n");
    assert_eq!((c.session.db, c.session.id), (0, 7));
    assert_eq!(run(&mut e, &mut c, &["CLIENT", "GETNAME"]), "$-1\r\n");
}

#[test]
fn server_info_and_config() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(
        run(&mut e, &mut c, &["CONFIG", "GET", "hz"]),
        "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["CONFIG", "SET", "hz", "100"]),
        "+OK\r\n"
    );
    assert_eq!(e.config.hz, 100);
    assert_eq!(
        run(&mut e, &mut c, &["CONFIG", "SET", "timeout", "x"]),
        "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["CONFIG", "SET", "port", "1"]),
        "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n"
    );
    run(&mut e, &mut c, &["SET", "k", "v"]);
    let info = run(&mut e, &mut c, &["INFO", "keyspace"]);
    assert!(info.contains("db0:keys=1,expires=0"), "{info}");
    let info = run(&mut e, &mut c, &["INFO", "stats"]);
    assert!(info.contains("total_commands_processed:"), "{info}");
    assert_eq!(
        run(&mut e, &mut c, &["DEBUG", "SLEEP", "0"])
            .split(' ')
            .next(),
        Some("-ERR")
    );
    // SHUTDOWN answers nothing: the server stops and closes the caller.
    assert_eq!(run(&mut e, &mut c, &["SHUTDOWN"]), "");
    assert_eq!(
        effects(&mut e),
        vec![Effect::Shutdown, Effect::CloseAfterReply]
    );
}

#[test]
fn transactions_and_watch() {
    let mut e = engine();
    let (mut a, mut b) = (Client::new(1), Client::new(2));
    assert_eq!(run(&mut e, &mut a, &["MULTI"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut a, &["SET", "k", "1"]), "+QUEUED\r\n");
    assert_eq!(run(&mut e, &mut a, &["INCR", "k"]), "+QUEUED\r\n");
    assert_eq!(run(&mut e, &mut a, &["EXEC"]), "*2\r\n+OK\r\n:2\r\n");
    // Another client's write breaks a WATCH: the registry marks the
    // watcher without touching its session.
    assert_eq!(run(&mut e, &mut a, &["WATCH", "k"]), "+OK\r\n");
    run(&mut e, &mut b, &["SET", "k", "3"]);
    assert!(e.keyspace.is_dirty(1));
    run(&mut e, &mut a, &["MULTI"]);
    run(&mut e, &mut a, &["GET", "k"]);
    assert_eq!(run(&mut e, &mut a, &["EXEC"]), "*-1\r\n");
    assert!(!e.keyspace.is_dirty(1));
    // A queueing error aborts the transaction.
    run(&mut e, &mut a, &["MULTI"]);
    run(&mut e, &mut a, &["NOPE"]);
    assert_eq!(
        run(&mut e, &mut a, &["EXEC"]),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    // MONITOR: the other client's commands reach it through the server.
    assert_eq!(run(&mut e, &mut b, &["MONITOR"]), "+OK\r\n");
    run(&mut e, &mut a, &["GET", "k"]);
    match effects(&mut e).as_slice() {
        [Effect::Monitor(line)] => assert!(line.ends_with("\"GET\" \"k\""), "{line}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn role_is_a_master_without_replicas() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(
        run(&mut e, &mut c, &["ROLE"]),
        "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"
    );
    assert!(run(&mut e, &mut c, &["ROLE", "x"]).starts_with("-ERR wrong number"));
}

#[test]
fn object_freq_and_idletime() {
    let (mut e, mut c) = (engine(), Client::new(1));
    run(&mut e, &mut c, &["SET", "k", "v"]);
    assert!(run(&mut e, &mut c, &["OBJECT", "FREQ", "k"])
        .starts_with("-ERR An LFU maxmemory policy is not selected"));
    assert_eq!(run(&mut e, &mut c, &["OBJECT", "FREQ", "nope"]), "$-1\r\n");
    let idle = run(&mut e, &mut c, &["OBJECT", "IDLETIME", "k"]);
    assert!(idle == ":0\r\n" || idle == ":1\r\n", "{idle}");
    assert_eq!(
        run(&mut e, &mut c, &["OBJECT", "IDLETIME", "nope"]),
        "$-1\r\n"
    );
    // The stamp is the engine's clock: an old one reads as idle since.
    e.keyspace[0].clock = u32::MAX;
    run(&mut e, &mut c, &["GET", "k"]);
    assert!(run(&mut e, &mut c, &["OBJECT", "IDLETIME", "k"]).starts_with(":0\r\n"));
}

#[test]
fn slowlog_entries_and_truncation() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(run(&mut e, &mut c, &["SLOWLOG", "LEN"]), ":0\r\n");
    e.config.slowlog_log_slower_than = 0;
    let long = "x".repeat(130);
    let mut args = vec!["RPUSH", "l", long.as_str()];
    let items: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    args.extend(items.iter().map(|s| s.as_str()));
    run(&mut e, &mut c, &args);
    let got = run(&mut e, &mut c, &["SLOWLOG", "GET", "1"]);
    assert!(got.starts_with("*1\r\n*6\r\n:0\r\n:"), "{got}");
    assert!(got.contains("*32\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n"), "{got}");
    assert!(got.contains(&format!("{}... (2 more bytes)", "x".repeat(128))));
    assert!(got.contains("... (12 more arguments)"), "{got}");
    assert_eq!(run(&mut e, &mut c, &["SLOWLOG", "LEN"]), ":2\r\n");
    e.config.slowlog_max_len = 1;
    run(&mut e, &mut c, &["PING"]);
    assert_eq!(run(&mut e, &mut c, &["SLOWLOG", "LEN"]), ":1\r\n");
    // RESET is logged after it ran, as Redis logs it.
    assert_eq!(run(&mut e, &mut c, &["SLOWLOG", "RESET"]), "+OK\r\n");
    assert_eq!(run(&mut e, &mut c, &["SLOWLOG", "LEN"]), ":1\r\n");
    e.config.slowlog_log_slower_than = -1;
    run(&mut e, &mut c, &["SLOWLOG", "RESET"]);
    run(&mut e, &mut c, &["PING"]);
    assert_eq!(run(&mut e, &mut c, &["SLOWLOG", "LEN"]), ":0\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["SLOWLOG", "GET", "x"]),
        "-ERR count should be greater than or equal to -1\r\n"
    );
    assert_eq!(
        run(&mut e, &mut c, &["SLOWLOG", "NOPE"]),
        "-ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP.\r\n"
    );
}

/// A slow command that moved its arguments into the keyspace (MSET's
/// values) is logged with them, whatever the threshold.
#[test]
fn slowlog_shows_the_arguments_a_command_moved_away() {
    let (mut e, mut c) = (engine(), Client::new(1));
    e.config.slowlog_log_slower_than = 1;
    let pairs: Vec<String> = (0..2000)
        .flat_map(|i| [format!("k{i}"), format!("v{i}")])
        .collect();
    let mut args = vec!["MSET"];
    args.extend(pairs.iter().map(|s| s.as_str()));
    run(&mut e, &mut c, &args);
    let got = run(&mut e, &mut c, &["SLOWLOG", "GET", "1"]);
    assert!(
        got.contains("*32\r\n$4\r\nMSET\r\n$2\r\nk0\r\n$2\r\nv0\r\n$2\r\nk1\r\n$2\r\nv1\r\n"),
        "{got}"
    );
    assert!(got.contains("... (3970 more arguments)"), "{got}");
}

#[test]
fn latency_off_by_default() {
    let (mut e, mut c) = (engine(), Client::new(1));
    assert_eq!(run(&mut e, &mut c, &["LATENCY", "LATEST"]), "*0\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["LATENCY", "HISTORY", "command"]),
        "*0\r\n"
    );
    assert_eq!(run(&mut e, &mut c, &["LATENCY", "RESET"]), ":0\r\n");
    assert!(run(&mut e, &mut c, &["LATENCY", "HELP"]).starts_with("*17\r\n"));
}

#[test]
fn memory_usage_estimates() {
    let (mut e, mut c) = (engine(), Client::new(1));
    run(&mut e, &mut c, &["SET", "k", "v"]);
    // robj and embstr in one allocation (21 bytes: 32) + key sds (8) +
    // dict entry (24), as redis-server answers.
    assert_eq!(run(&mut e, &mut c, &["MEMORY", "USAGE", "k"]), ":64\r\n");
    run(&mut e, &mut c, &["SET", "n", "12345"]);
    assert_eq!(run(&mut e, &mut c, &["MEMORY", "USAGE", "n"]), ":48\r\n");
    assert_eq!(run(&mut e, &mut c, &["MEMORY", "USAGE", "nope"]), "$-1\r\n");
    assert_eq!(
        run(&mut e, &mut c, &["MEMORY", "USAGE", "k", "SAMPLES", "-1"]),
        "-ERR syntax error\r\n"
    );
    let items: Vec<String> = (0..300).map(|i| format!("member-{i}")).collect();
    let mut args = vec!["SADD", "s"];
    args.extend(items.iter().map(|s| s.as_str()));
    run(&mut e, &mut c, &args);
    let all = run(&mut e, &mut c, &["MEMORY", "USAGE", "s", "SAMPLES", "0"]);
    let n: i64 = all.trim_start_matches(':').trim().parse().unwrap();
    assert!(n > 300 * 40, "{all}");
    let help = run(&mut e, &mut c, &["MEMORY", "HELP"]);
    assert!(help.starts_with("*14\r\n"), "{help}");
}
