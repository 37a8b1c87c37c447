//! The command table (Redis's `commands.c`): for each command ae-demo
//! has, how it runs (arity, implementation) and what Redis's table says of
//! it, taken from Redis 7.0.15's `src/commands/*.json` (CLIENT SETINFO's
//! from 7.2, which added it). Containers list their subcommands first.

use super::meta::flag::*;
use super::meta::key::*;
use super::meta::{acl, cmd, container, index, keynum, range, spec};
use super::{
    blocking, command, connection, hashes, keyspace, lists, monitoring, persistence, server, sets,
    strings, transactions, zsets, Command,
};

static CLIENT_SUBS: &[Command] = &[
    cmd(
        "client|id",
        2,
        connection::client_id,
        NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "client|getname",
        2,
        connection::client_getname,
        NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "client|setname",
        3,
        connection::client_setname,
        NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "client|info",
        2,
        connection::client_info,
        NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION)
    .tips(&["nondeterministic_output"]),
    cmd(
        "client|list",
        -2,
        connection::client_list,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION)
    .tips(&["nondeterministic_output"]),
    cmd(
        "client|kill",
        -3,
        connection::client_kill,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "client|reply",
        3,
        connection::client_reply,
        NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "client|unblock",
        -3,
        connection::client_unblock,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "client|setinfo",
        4,
        connection::client_setinfo,
        NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION)
    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    cmd(
        "client|help",
        2,
        connection::client_help,
        LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
];

static CONFIG_SUBS: &[Command] = &[
    cmd(
        "config|get",
        -3,
        server::config_get,
        ADMIN | NOSCRIPT | LOADING | STALE,
    ),
    cmd(
        "config|set",
        -4,
        server::config_set,
        ADMIN | NOSCRIPT | LOADING | STALE,
    )
    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    cmd(
        "config|resetstat",
        2,
        server::config_resetstat,
        ADMIN | NOSCRIPT | LOADING | STALE,
    ),
    cmd("config|help", 2, server::config_help, LOADING | STALE),
];

static OBJECT_SUBS: &[Command] = &[
    cmd("object|encoding", 3, keyspace::object_encoding, READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO, index(2), range(0, 1, 0))]),
    cmd("object|freq", 3, keyspace::object_freq, READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO, index(2), range(0, 1, 0))]),
    cmd("object|idletime", 3, keyspace::object_idletime, READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO, index(2), range(0, 1, 0))]),
    cmd("object|help", 2, keyspace::object_help, LOADING | STALE).acl(acl::KEYSPACE),
];

static SLOWLOG_SUBS: &[Command] = &[
    cmd(
        "slowlog|get",
        -2,
        server::slowlog_get,
        ADMIN | LOADING | STALE,
    )
    .tips(&["request_policy:all_nodes", "nondeterministic_output"]),
    cmd(
        "slowlog|len",
        2,
        server::slowlog_len,
        ADMIN | LOADING | STALE,
    )
    .tips(&[
        "request_policy:all_nodes",
        "response_policy:agg_sum",
        "nondeterministic_output",
    ]),
    cmd(
        "slowlog|reset",
        2,
        server::slowlog_reset,
        ADMIN | LOADING | STALE,
    )
    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    cmd("slowlog|help", 2, server::slowlog_help, LOADING | STALE),
];

static LATENCY_SUBS: &[Command] = &[
    cmd(
        "latency|latest",
        2,
        server::latency_latest,
        ADMIN | NOSCRIPT | LOADING | STALE,
    )
    .tips(&[
        "nondeterministic_output",
        "request_policy:all_nodes",
        "response_policy:special",
    ]),
    cmd(
        "latency|history",
        3,
        server::latency_history,
        ADMIN | NOSCRIPT | LOADING | STALE,
    )
    .tips(&[
        "nondeterministic_output",
        "request_policy:all_nodes",
        "response_policy:special",
    ]),
    cmd(
        "latency|reset",
        -2,
        server::latency_reset,
        ADMIN | NOSCRIPT | LOADING | STALE,
    )
    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    cmd(
        "latency|doctor",
        2,
        monitoring::latency_doctor,
        ADMIN | NOSCRIPT | LOADING | STALE,
    )
    .tips(&[
        "nondeterministic_output",
        "request_policy:all_nodes",
        "response_policy:special",
    ]),
    cmd(
        "latency|graph",
        3,
        monitoring::latency_graph,
        ADMIN | NOSCRIPT | LOADING | STALE,
    )
    .tips(&[
        "nondeterministic_output",
        "request_policy:all_nodes",
        "response_policy:special",
    ]),
    cmd(
        "latency|histogram",
        -2,
        monitoring::latency_histogram,
        ADMIN | NOSCRIPT | LOADING | STALE,
    )
    .tips(&[
        "nondeterministic_output",
        "request_policy:all_nodes",
        "response_policy:special",
    ]),
    cmd("latency|help", 2, server::latency_help, LOADING | STALE),
];

static MEMORY_SUBS: &[Command] = &[
    cmd("memory|usage", -3, server::memory_usage, READONLY).keys(&[spec(
        RO,
        index(2),
        range(0, 1, 0),
    )]),
    cmd("memory|stats", 2, monitoring::memory_stats, 0).tips(&[
        "nondeterministic_output",
        "request_policy:all_shards",
        "response_policy:special",
    ]),
    cmd("memory|doctor", 2, monitoring::memory_doctor, 0).tips(&[
        "nondeterministic_output",
        "request_policy:all_shards",
        "response_policy:special",
    ]),
    cmd("memory|malloc-stats", 2, monitoring::memory_malloc_stats, 0).tips(&[
        "nondeterministic_output",
        "request_policy:all_shards",
        "response_policy:special",
    ]),
    cmd("memory|purge", 2, monitoring::memory_purge, 0)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    cmd("memory|help", 2, server::memory_help, LOADING | STALE),
];

static COMMAND_SUBS: &[Command] = &[
    cmd(
        "command|count",
        2,
        command::count,
        LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "command|info",
        -2,
        command::info,
        LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION)
    .tips(&["nondeterministic_output_order"]),
    cmd(
        "command|docs",
        -2,
        command::docs,
        LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION)
    .tips(&["nondeterministic_output_order"]),
    cmd(
        "command|list",
        -2,
        command::list,
        LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION)
    .tips(&["nondeterministic_output_order"]),
];

pub(super) static COMMANDS: &[Command] = &[
    // strings
    cmd("get", 2, strings::get, READONLY | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("set", -3, strings::set, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[spec(
            RW | ACCESS | UPDATE | VARIABLE_FLAGS,
            index(1),
            range(0, 1, 0),
        )
        .notes("RW and ACCESS due to the optional `GET` argument")]),
    cmd("setnx", 3, strings::setnx, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(OW | INSERT, index(1), range(0, 1, 0))]),
    cmd("setex", 4, strings::setex, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[spec(OW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("psetex", 4, strings::psetex, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[spec(OW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("getset", 3, strings::getset, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("getdel", 2, strings::getdel, WRITE | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))]),
    cmd("getex", -2, strings::getex, WRITE | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))
            .notes("RW and UPDATE because it changes the TTL")]),
    cmd("mget", -2, strings::mget, READONLY | FAST)
        .acl(acl::STRING)
        .tips(&["request_policy:multi_shard"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))]),
    cmd("mset", -3, strings::mset, WRITE | DENYOOM)
        .acl(acl::STRING)
        .tips(&[
            "request_policy:multi_shard",
            "response_policy:all_succeeded",
        ])
        .keys(&[spec(OW | UPDATE, index(1), range(-1, 2, 0))]),
    cmd("msetnx", -3, strings::msetnx, WRITE | DENYOOM)
        .acl(acl::STRING)
        .tips(&["request_policy:multi_shard", "response_policy:agg_min"])
        .keys(&[spec(OW | INSERT, index(1), range(-1, 2, 0))]),
    cmd("append", 3, strings::append, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("strlen", 2, strings::strlen, READONLY | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("getrange", 4, strings::getrange, READONLY)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("substr", 4, strings::getrange, READONLY)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("setrange", 4, strings::setrange, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("incr", 2, strings::incr, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("decr", 2, strings::decr, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("incrby", 3, strings::incrby, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("decrby", 3, strings::decrby, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd(
        "incrbyfloat",
        3,
        strings::incrbyfloat,
        WRITE | DENYOOM | FAST,
    )
    .acl(acl::STRING)
    .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("lcs", -3, strings::lcs, READONLY)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(1, 1, 0))]),
    // keyspace
    cmd("del", -2, keyspace::del, WRITE)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RM | DELETE, index(1), range(-1, 1, 0))]),
    cmd("unlink", -2, keyspace::del, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RM | DELETE, index(1), range(-1, 1, 0))]),
    cmd("exists", -2, keyspace::exists, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RO, index(1), range(-1, 1, 0))]),
    cmd("touch", -2, keyspace::touch, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RO, index(1), range(-1, 1, 0))]),
    cmd("type", 2, keyspace::type_, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("expire", -3, keyspace::expire, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("pexpire", -3, keyspace::pexpire, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("expireat", -3, keyspace::expireat, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("pexpireat", -3, keyspace::pexpireat, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("expiretime", 2, keyspace::expiretime, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("pexpiretime", 2, keyspace::pexpiretime, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("ttl", 2, keyspace::ttl, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("pttl", 2, keyspace::pttl, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("persist", 2, keyspace::persist, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("keys", 2, keyspace::keys, READONLY)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "nondeterministic_output_order"]),
    cmd(
        "scan",
        -2,
        keyspace::scan,
        READONLY | TOUCHES_ARBITRARY_KEYS,
    )
    .acl(acl::KEYSPACE)
    .tips(&["nondeterministic_output", "request_policy:special"]),
    cmd(
        "randomkey",
        1,
        keyspace::randomkey,
        READONLY | TOUCHES_ARBITRARY_KEYS,
    )
    .acl(acl::KEYSPACE)
    .tips(&["request_policy:all_shards", "nondeterministic_output"]),
    cmd("rename", 3, keyspace::rename, WRITE)
        .acl(acl::KEYSPACE)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(OW | UPDATE, index(2), range(0, 1, 0)),
        ]),
    cmd("renamenx", 3, keyspace::renamenx, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(OW | INSERT, index(2), range(0, 1, 0)),
        ]),
    cmd("copy", -3, keyspace::copy, WRITE | DENYOOM)
        .acl(acl::KEYSPACE)
        .keys(&[
            spec(RO | ACCESS, index(1), range(0, 1, 0)),
            spec(OW | UPDATE, index(2), range(0, 1, 0)),
        ]),
    cmd("dbsize", 1, keyspace::dbsize, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:all_shards", "response_policy:agg_sum"]),
    cmd("flushall", -1, keyspace::flush, WRITE)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    cmd("flushdb", -1, keyspace::flush, WRITE)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    cmd("move", 3, keyspace::move_, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("swapdb", 3, keyspace::swapdb, WRITE | FAST).acl(acl::KEYSPACE | acl::DANGEROUS),
    container("object", 0, OBJECT_SUBS),
    // lists
    cmd("lpush", -3, lists::lpush, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("rpush", -3, lists::rpush, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("lpushx", -3, lists::lpushx, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("rpushx", -3, lists::rpushx, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("lpop", -2, lists::lpop, WRITE | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))]),
    cmd("rpop", -2, lists::rpop, WRITE | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))]),
    cmd("llen", 2, lists::llen, READONLY | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("lrange", 4, lists::lrange, READONLY)
        .acl(acl::LIST)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("lindex", 3, lists::lindex, READONLY)
        .acl(acl::LIST)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("lset", 4, lists::lset, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("lrem", 4, lists::lrem, WRITE)
        .acl(acl::LIST)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("ltrim", 4, lists::ltrim, WRITE)
        .acl(acl::LIST)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("linsert", 5, lists::linsert, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("lpos", -3, lists::lpos, READONLY)
        .acl(acl::LIST)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("lmove", 5, lists::lmove, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ]),
    cmd("lmpop", -4, blocking::lmpop, WRITE)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), keynum(0, 1, 1))]),
    cmd("blpop", -3, blocking::blpop, WRITE | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))]),
    cmd("brpop", -3, blocking::brpop, WRITE | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))]),
    cmd(
        "blmove",
        6,
        blocking::blmove,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
    )
    .acl(acl::LIST)
    .keys(&[
        spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
        spec(RW | INSERT, index(2), range(0, 1, 0)),
    ]),
    cmd(
        "brpoplpush",
        4,
        blocking::brpoplpush,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
    )
    .acl(acl::LIST)
    .keys(&[
        spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
        spec(RW | INSERT, index(2), range(0, 1, 0)),
    ]),
    cmd("blmpop", -5, blocking::blmpop, WRITE | BLOCKING)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(2), keynum(0, 1, 1))]),
    cmd("rpoplpush", 3, lists::rpoplpush, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ]),
    // hashes
    cmd("hset", -4, hashes::hset, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("hmset", -4, hashes::hset, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("hsetnx", 4, hashes::hsetnx, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("hget", 3, hashes::hget, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("hmget", -3, hashes::hmget, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("hdel", -3, hashes::hdel, WRITE | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("hlen", 2, hashes::hlen, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("hstrlen", 3, hashes::hstrlen, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("hexists", 3, hashes::hexists, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("hgetall", 2, hashes::hgetall, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("hkeys", 2, hashes::hkeys, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("hvals", 2, hashes::hvals, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("hincrby", 4, hashes::hincrby, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd(
        "hincrbyfloat",
        4,
        hashes::hincrbyfloat,
        WRITE | DENYOOM | FAST,
    )
    .acl(acl::HASH)
    .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("hrandfield", -2, hashes::hrandfield, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("hscan", -3, hashes::hscan, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    // sets
    cmd("sadd", -3, sets::sadd, WRITE | DENYOOM | FAST)
        .acl(acl::SET)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))]),
    cmd("srem", -3, sets::srem, WRITE | FAST)
        .acl(acl::SET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("smove", 4, sets::smove, WRITE | FAST)
        .acl(acl::SET)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ]),
    cmd("sismember", 3, sets::sismember, READONLY | FAST)
        .acl(acl::SET)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("smismember", -3, sets::smismember, READONLY | FAST)
        .acl(acl::SET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("scard", 2, sets::scard, READONLY | FAST)
        .acl(acl::SET)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("spop", -2, sets::spop, WRITE | FAST)
        .acl(acl::SET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))]),
    cmd("srandmember", -2, sets::srandmember, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("smembers", 2, sets::smembers, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("sinter", -2, sets::sinter, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))]),
    cmd("sintercard", -3, sets::sintercard, READONLY)
        .acl(acl::SET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))]),
    cmd("sinterstore", -3, sets::sinterstore, WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(&[
            spec(RW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(-1, 1, 0)),
        ]),
    cmd("sunion", -2, sets::sunion, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))]),
    cmd("sunionstore", -3, sets::sunionstore, WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(-1, 1, 0)),
        ]),
    cmd("sdiff", -2, sets::sdiff, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))]),
    cmd("sdiffstore", -3, sets::sdiffstore, WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(-1, 1, 0)),
        ]),
    cmd("sscan", -3, sets::sscan, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    // sorted sets
    cmd("zadd", -4, zsets::zadd, WRITE | DENYOOM | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))]),
    cmd("zincrby", 4, zsets::zincrby, WRITE | DENYOOM | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))]),
    cmd("zrem", -3, zsets::zrem, WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("zcard", 2, zsets::zcard, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO, index(1), range(0, 1, 0))]),
    cmd("zscore", 3, zsets::zscore, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zmscore", -3, zsets::zmscore, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrank", 3, zsets::zrank, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrevrank", 3, zsets::zrevrank, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zcount", 4, zsets::zcount, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zlexcount", 4, zsets::zlexcount, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrange", -4, zsets::zrange, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrangestore", -5, zsets::zrangestore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(0, 1, 0)),
        ]),
    cmd("zrevrange", -4, zsets::zrevrange, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrangebyscore", -4, zsets::zrangebyscore, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrevrangebyscore", -4, zsets::zrevrangebyscore, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrangebylex", -4, zsets::zrangebylex, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zrevrangebylex", -4, zsets::zrevrangebylex, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zremrangebyrank", 4, zsets::zremrangebyrank, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("zremrangebyscore", 4, zsets::zremrangebyscore, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("zremrangebylex", 4, zsets::zremrangebylex, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))]),
    cmd("zpopmin", -2, zsets::zpopmin, WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))]),
    cmd("zpopmax", -2, zsets::zpopmax, WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))]),
    cmd("zmpop", -4, blocking::zmpop, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), keynum(0, 1, 1))]),
    cmd(
        "bzpopmin",
        -3,
        blocking::bzpopmin,
        WRITE | NOSCRIPT | BLOCKING | FAST,
    )
    .acl(acl::SORTEDSET)
    .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))]),
    cmd(
        "bzpopmax",
        -3,
        blocking::bzpopmax,
        WRITE | NOSCRIPT | BLOCKING | FAST,
    )
    .acl(acl::SORTEDSET)
    .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))]),
    cmd("bzmpop", -5, blocking::bzmpop, WRITE | BLOCKING)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(2), keynum(0, 1, 1))]),
    cmd("zrandmember", -2, zsets::zrandmember, READONLY)
        .acl(acl::SORTEDSET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zscan", -3, zsets::zscan, READONLY)
        .acl(acl::SORTEDSET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))]),
    cmd("zunion", -3, zsets::zunion, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))]),
    cmd("zinter", -3, zsets::zinter, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))]),
    cmd("zdiff", -3, zsets::zdiff, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))]),
    cmd("zintercard", -3, zsets::zintercard, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))]),
    cmd("zunionstore", -4, zsets::zunionstore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), keynum(0, 1, 1)),
        ]),
    cmd("zinterstore", -4, zsets::zinterstore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), keynum(0, 1, 1)),
        ]),
    cmd("zdiffstore", -4, zsets::zdiffstore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), keynum(0, 1, 1)),
        ]),
    // connection
    cmd("ping", -1, connection::ping, FAST | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    cmd("echo", 2, connection::echo, LOADING | STALE | FAST).acl(acl::CONNECTION),
    cmd("select", 2, connection::select, LOADING | STALE | FAST).acl(acl::CONNECTION),
    cmd(
        "quit",
        -1,
        connection::quit,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::CONNECTION),
    cmd(
        "auth",
        -2,
        connection::auth,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
    )
    .acl(acl::CONNECTION),
    cmd(
        "hello",
        -1,
        connection::hello,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
    )
    .acl(acl::CONNECTION),
    cmd(
        "reset",
        1,
        connection::reset,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::CONNECTION),
    container("client", SENTINEL, CLIENT_SUBS),
    // server
    cmd("info", -1, server::info, LOADING | STALE | SENTINEL)
        .acl(acl::DANGEROUS)
        .tips(&[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ]),
    cmd("time", 1, server::time, LOADING | STALE | FAST).tips(&["nondeterministic_output"]),
    cmd(
        "monitor",
        1,
        server::monitor,
        ADMIN | NOSCRIPT | LOADING | STALE,
    ),
    cmd(
        "debug",
        -2,
        server::debug,
        ADMIN | NOSCRIPT | LOADING | STALE | PROTECTED,
    ),
    cmd(
        "shutdown",
        -1,
        server::shutdown,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL | NO_MULTI | ALLOW_BUSY,
    ),
    container("config", 0, CONFIG_SUBS),
    cmd(
        "save",
        1,
        persistence::save,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
    ),
    cmd(
        "bgsave",
        -1,
        persistence::bgsave,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING,
    ),
    cmd("lastsave", 1, persistence::lastsave, LOADING | STALE | FAST)
        .acl(acl::ADMIN | acl::DANGEROUS)
        .tips(&["nondeterministic_output"]),
    container("slowlog", 0, SLOWLOG_SUBS),
    container("latency", 0, LATENCY_SUBS),
    container("memory", 0, MEMORY_SUBS),
    cmd(
        "role",
        1,
        server::role,
        NOSCRIPT | LOADING | STALE | FAST | SENTINEL,
    )
    .acl(acl::ADMIN | acl::DANGEROUS),
    cmd("command", -1, command::all, LOADING | STALE | SENTINEL)
        .subs(COMMAND_SUBS)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"]),
    // transactions
    cmd(
        "multi",
        1,
        transactions::multi,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::TRANSACTION),
    cmd(
        "exec",
        1,
        transactions::exec,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | TX_CONTROL,
    )
    .acl(acl::TRANSACTION),
    cmd(
        "discard",
        1,
        transactions::discard,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::TRANSACTION),
    cmd(
        "watch",
        -2,
        transactions::watch,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::TRANSACTION)
    .keys(&[spec(RO, index(1), range(-1, 1, 0))]),
    cmd(
        "unwatch",
        1,
        transactions::unwatch,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
    )
    .acl(acl::TRANSACTION),
];
