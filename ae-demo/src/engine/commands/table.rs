//! The command table (Redis's `commands.c`): for each command ae-demo
//! has, how it runs (arity, implementation) and what Redis's table says of
//! it, taken from Redis 7.0.15's `src/commands/*.json` (CLIENT SETINFO's
//! from 7.2, which added it). Containers list their subcommands first.

use super::meta::flag::*;
use super::meta::key::*;
use super::meta::{
    acl, block, cmd, container, double, index, integer, key, keynum, oneof, pattern, pure_token,
    range, spec, string, unix_time, Group,
};
use super::{
    blocking, command, connection, hashes, keyspace, lists, monitoring, persistence, server, sets,
    strings, transactions, zsets, Command,
};

static CLIENT_SUBS: &[Command] = &[
    cmd("client|id", 2, connection::client_id, NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "5.0.0", "Returns the client ID for the current connection")
        .complexity("O(1)"),
    cmd("client|getname", 2, connection::client_getname, NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "2.6.9", "Get the current connection name")
        .complexity("O(1)"),
    cmd("client|setname", 3, connection::client_setname, NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "2.6.9", "Set the current connection name")
        .complexity("O(1)")
        .args(&[string("connection-name")]),
    cmd("client|info", 2, connection::client_info, NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output"])
        .doc(Group::Connection, "6.2.0", "Returns information about the current client connection.")
        .complexity("O(1)"),
    cmd("client|list", -2, connection::client_list, ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output"])
        .doc(Group::Connection, "2.4.0", "Get the list of client connections")
        .complexity("O(N) where N is the number of client connections")
        .history(&[
            ("2.8.12", "Added unique client `id` field."),
            ("5.0.0", "Added optional `TYPE` filter."),
            ("6.0.0", "Added `user` field."),
            (
                "6.2.0",
                "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.",
            ),
            ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
            ("7.0.3", "Added `ssub` field."),
        ])
        .args(&[
            oneof("normal_master_replica_pubsub", &[
                pure_token("normal", "NORMAL"),
                pure_token("master", "MASTER"),
                pure_token("replica", "REPLICA"),
                pure_token("pubsub", "PUBSUB"),
            ])
            .token("TYPE")
            .optional()
            .since("5.0.0"),
            block("id", &[integer("client-id").multiple()]).token("ID").optional().since("6.2.0"),
        ]),
    cmd("client|kill", -3, connection::client_kill, ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "2.4.0", "Kill the connection of a client")
        .complexity("O(N) where N is the number of client connections")
        .history(&[
            ("2.8.12", "Added new filter format."),
            ("2.8.12", "`ID` option."),
            ("3.2.0", "Added `master` type in for `TYPE` option."),
            (
                "5.0.0",
                "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.",
            ),
            ("6.2.0", "`LADDR` option."),
        ])
        .args(&[
            oneof("filter", &[
                string("ip:port").deprecated_since("2.8.12"),
                oneof("new-format", &[
                    integer("client-id").token("ID").optional().since("2.8.12"),
                    oneof("normal_master_slave_pubsub", &[
                        pure_token("normal", "NORMAL"),
                        pure_token("master", "MASTER").since("3.2.0"),
                        pure_token("slave", "SLAVE"),
                        pure_token("replica", "REPLICA").since("5.0.0"),
                        pure_token("pubsub", "PUBSUB"),
                    ])
                    .token("TYPE")
                    .optional()
                    .since("2.8.12"),
                    string("username").token("USER").optional(),
                    string("ip:port").token("ADDR").optional(),
                    string("ip:port").token("LADDR").optional().since("6.2.0"),
                    string("yes/no").token("SKIPME").optional(),
                ])
                .multiple(),
            ]),
        ]),
    cmd("client|reply", 3, connection::client_reply, NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "3.2.0", "Instruct the server whether to reply to commands")
        .complexity("O(1)")
        .args(&[
            oneof("on_off_skip", &[
                pure_token("on", "ON"),
                pure_token("off", "OFF"),
                pure_token("skip", "SKIP"),
            ]),
        ]),
    cmd(
        "client|unblock",
        -3,
        connection::client_unblock,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL,
    )
    .acl(acl::CONNECTION)
    .doc(
        Group::Connection,
        "5.0.0",
        "Unblock a client blocked in a blocking command from a different connection",
    )
    .complexity("O(log N) where N is the number of client connections")
    .args(&[
        integer("client-id"),
        oneof("timeout_error", &[pure_token("timeout", "TIMEOUT"), pure_token("error", "ERROR")])
            .optional(),
    ]),
    cmd("client|setinfo", 4, connection::client_setinfo, NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(Group::Connection, "7.2.0", "Sets information specific to the client or connection.")
        .complexity("O(1)")
        .args(&[
            oneof("attr", &[
                string("libname").token("LIB-NAME"),
                string("libver").token("LIB-VER"),
            ]),
        ]),
    cmd("client|help", 2, connection::client_help, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "5.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
];

static CONFIG_SUBS: &[Command] = &[
    cmd("config|get", -3, server::config_get, ADMIN | NOSCRIPT | LOADING | STALE)
        .doc(Group::Server, "2.0.0", "Get the values of configuration parameters")
        .complexity("O(N) when N is the number of configuration parameters provided")
        .history(&[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")])
        .args(&[block("parameter", &[string("parameter")]).multiple()]),
    cmd("config|set", -4, server::config_set, ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(Group::Server, "2.0.0", "Set configuration parameters to the given values")
        .complexity("O(N) when N is the number of configuration parameters provided")
        .history(&[("7.0.0", "Added the ability to set multiple parameters in one call.")])
        .args(&[block("parameter_value", &[string("parameter"), string("value")]).multiple()]),
    cmd("config|resetstat", 2, server::config_resetstat, ADMIN | NOSCRIPT | LOADING | STALE)
        .doc(Group::Server, "2.0.0", "Reset the stats returned by INFO")
        .complexity("O(1)"),
    cmd("config|help", 2, server::config_help, LOADING | STALE)
        .doc(Group::Server, "5.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
];

static OBJECT_SUBS: &[Command] = &[
    cmd("object|encoding", 3, keyspace::object_encoding, READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO, index(2), range(0, 1, 0))])
        .doc(Group::Generic, "2.2.3", "Inspect the internal encoding of a Redis object")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("object|freq", 3, keyspace::object_freq, READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO, index(2), range(0, 1, 0))])
        .doc(
            Group::Generic,
            "4.0.0",
            "Get the logarithmic access frequency counter of a Redis object",
        )
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("object|idletime", 3, keyspace::object_idletime, READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO, index(2), range(0, 1, 0))])
        .doc(Group::Generic, "2.2.3", "Get the time since a Redis object was last accessed")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("object|help", 2, keyspace::object_help, LOADING | STALE)
        .acl(acl::KEYSPACE)
        .doc(Group::Generic, "6.2.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
];

static SLOWLOG_SUBS: &[Command] = &[
    cmd("slowlog|get", -2, server::slowlog_get, ADMIN | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "nondeterministic_output"])
        .doc(Group::Server, "2.2.12", "Get the slow log's entries")
        .complexity("O(N) where N is the number of entries returned")
        .history(&[("4.0.0", "Added client IP address, port and name to the reply.")])
        .args(&[integer("count").optional()]),
    cmd("slowlog|len", 2, server::slowlog_len, ADMIN | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"])
        .doc(Group::Server, "2.2.12", "Get the slow log's length")
        .complexity("O(1)"),
    cmd("slowlog|reset", 2, server::slowlog_reset, ADMIN | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(Group::Server, "2.2.12", "Clear all entries from the slow log")
        .complexity("O(N) where N is the number of entries in the slowlog"),
    cmd("slowlog|help", 2, server::slowlog_help, LOADING | STALE)
        .doc(Group::Server, "6.2.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
];

static LATENCY_SUBS: &[Command] = &[
    cmd("latency|latest", 2, server::latency_latest, ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc(Group::Server, "2.8.13", "Return the latest latency samples for all events.")
        .complexity("O(1)"),
    cmd("latency|history", 3, server::latency_history, ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc(Group::Server, "2.8.13", "Return timestamp-latency samples for the event.")
        .complexity("O(1)")
        .args(&[string("event")]),
    cmd("latency|reset", -2, server::latency_reset, ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(Group::Server, "2.8.13", "Reset latency data for one or more events.")
        .complexity("O(1)")
        .args(&[string("event").optional().multiple()]),
    cmd("latency|doctor", 2, monitoring::latency_doctor, ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc(Group::Server, "2.8.13", "Return a human readable latency analysis report.")
        .complexity("O(1)"),
    cmd("latency|graph", 3, monitoring::latency_graph, ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc(Group::Server, "2.8.13", "Return a latency graph for the event.")
        .complexity("O(1)")
        .args(&[string("event")]),
    cmd("latency|histogram", -2, monitoring::latency_histogram, ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc(
            Group::Server,
            "7.0.0",
            "Return the cumulative distribution of latencies of a subset of commands or all.",
        )
        .complexity(
            "O(N) where N is the number of commands with latency information being retrieved.",
        )
        .args(&[string("command").optional().multiple()]),
    cmd("latency|help", 2, server::latency_help, LOADING | STALE)
        .doc(Group::Server, "2.8.13", "Show helpful text about the different subcommands.")
        .complexity("O(1)"),
];

static MEMORY_SUBS: &[Command] = &[
    cmd("memory|usage", -3, server::memory_usage, READONLY)
        .keys(&[spec(RO, index(2), range(0, 1, 0))])
        .doc(Group::Server, "4.0.0", "Estimate the memory usage of a key")
        .complexity("O(N) where N is the number of samples.")
        .args(&[key("key", 0), integer("count").token("SAMPLES").optional()]),
    cmd("memory|stats", 2, monitoring::memory_stats, 0)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc(Group::Server, "4.0.0", "Show memory usage details")
        .complexity("O(1)"),
    cmd("memory|doctor", 2, monitoring::memory_doctor, 0)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc(Group::Server, "4.0.0", "Outputs memory problems report")
        .complexity("O(1)"),
    cmd("memory|malloc-stats", 2, monitoring::memory_malloc_stats, 0)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc(Group::Server, "4.0.0", "Show allocator internal stats")
        .complexity("Depends on how much memory is allocated, could be slow"),
    cmd("memory|purge", 2, monitoring::memory_purge, 0)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(Group::Server, "4.0.0", "Ask the allocator to release memory")
        .complexity("Depends on how much memory is allocated, could be slow"),
    cmd("memory|help", 2, server::memory_help, LOADING | STALE)
        .doc(Group::Server, "4.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
];

static COMMAND_SUBS: &[Command] = &[
    cmd("command|count", 2, command::count, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Server, "2.8.13", "Get total number of Redis commands")
        .complexity("O(1)"),
    cmd("command|info", -2, command::info, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(
            Group::Server,
            "2.8.13",
            "Get array of specific Redis command details, or all when no argument is given.",
        )
        .complexity("O(N) where N is the number of commands to look up")
        .history(&[("7.0.0", "Allowed to be called with no argument to get info on all commands.")])
        .args(&[string("command-name").optional().multiple()]),
    cmd("command|docs", -2, command::docs, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(Group::Server, "7.0.0", "Get array of specific Redis command documentation")
        .complexity("O(N) where N is the number of commands to look up")
        .args(&[string("command-name").optional().multiple()]),
    cmd("command|list", -2, command::list, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(Group::Server, "7.0.0", "Get an array of Redis command names")
        .complexity("O(N) where N is the total number of Redis commands")
        .args(&[
            oneof("filterby", &[
                string("module-name").token("MODULE"),
                string("category").token("ACLCAT"),
                pattern("pattern").token("PATTERN"),
            ])
            .token("FILTERBY")
            .optional(),
        ]),
    cmd("command|getkeys", -4, command::getkeys, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Server, "2.8.13", "Extract keys given a full Redis command")
        .complexity("O(N) where N is the number of arguments to the command"),
    cmd("command|getkeysandflags", -4, command::getkeysandflags, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Server, "7.0.0", "Extract keys and access flags given a full Redis command")
        .complexity("O(N) where N is the number of arguments to the command"),
    cmd("command|help", 2, command::help, LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(Group::Server, "5.0.0", "Show helpful text about the different subcommands")
        .complexity("O(1)"),
];

pub(super) static COMMANDS: &[Command] = &[
    // strings
    cmd("get", 2, strings::get, READONLY | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Get the value of a key")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("set", -3, strings::set, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[
            spec(RW | ACCESS | UPDATE | VARIABLE_FLAGS, index(1), range(0, 1, 0))
                .notes("RW and ACCESS due to the optional `GET` argument"),
        ])
        .getkeys(command::set_keys)
        .doc(Group::String, "1.0.0", "Set the string value of a key")
        .complexity("O(1)")
        .history(&[
            ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
            ("6.0.0", "Added the `KEEPTTL` option."),
            ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
            ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
        ])
        .args(&[
            key("key", 0),
            string("value"),
            oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")])
                .optional()
                .since("2.6.12"),
            pure_token("get", "GET").optional().since("6.2.0"),
            oneof("expiration", &[
                integer("seconds").token("EX").since("2.6.12"),
                integer("milliseconds").token("PX").since("2.6.12"),
                unix_time("unix-time-seconds").token("EXAT").since("6.2.0"),
                unix_time("unix-time-milliseconds").token("PXAT").since("6.2.0"),
                pure_token("keepttl", "KEEPTTL").since("6.0.0"),
            ])
            .optional(),
        ]),
    cmd("setnx", 3, strings::setnx, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(OW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Set the value of a key, only if the key does not exist")
        .complexity("O(1)")
        .args(&[key("key", 0), string("value")]),
    cmd("setex", 4, strings::setex, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[spec(OW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "2.0.0", "Set the value and expiration of a key")
        .complexity("O(1)")
        .args(&[key("key", 0), integer("seconds"), string("value")]),
    cmd("psetex", 4, strings::psetex, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[spec(OW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "2.6.0", "Set the value and expiration in milliseconds of a key")
        .complexity("O(1)")
        .args(&[key("key", 0), integer("milliseconds"), string("value")]),
    cmd("getset", 3, strings::getset, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Set the string value of a key and return its old value")
        .complexity("O(1)")
        .deprecated("6.2.0", "`SET` with the `!GET` argument")
        .args(&[key("key", 0), string("value")]),
    cmd("getdel", 2, strings::getdel, WRITE | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::String, "6.2.0", "Get the value of a key and delete the key")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("getex", -2, strings::getex, WRITE | FAST)
        .acl(acl::STRING)
        .keys(&[
            spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))
                .notes("RW and UPDATE because it changes the TTL"),
        ])
        .doc(Group::String, "6.2.0", "Get the value of a key and optionally set its expiration")
        .complexity("O(1)")
        .args(&[
            key("key", 0),
            oneof("expiration", &[
                integer("seconds").token("EX"),
                integer("milliseconds").token("PX"),
                unix_time("unix-time-seconds").token("EXAT"),
                unix_time("unix-time-milliseconds").token("PXAT"),
                pure_token("persist", "PERSIST"),
            ])
            .optional(),
        ]),
    cmd("mget", -2, strings::mget, READONLY | FAST)
        .acl(acl::STRING)
        .tips(&["request_policy:multi_shard"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))])
        .doc(Group::String, "1.0.0", "Get the values of all the given keys")
        .complexity("O(N) where N is the number of keys to retrieve.")
        .args(&[key("key", 0).multiple()]),
    cmd("mset", -3, strings::mset, WRITE | DENYOOM)
        .acl(acl::STRING)
        .tips(&["request_policy:multi_shard", "response_policy:all_succeeded"])
        .keys(&[spec(OW | UPDATE, index(1), range(-1, 2, 0))])
        .doc(Group::String, "1.0.1", "Set multiple keys to multiple values")
        .complexity("O(N) where N is the number of keys to set.")
        .args(&[block("key_value", &[key("key", 0), string("value")]).multiple()]),
    cmd("msetnx", -3, strings::msetnx, WRITE | DENYOOM)
        .acl(acl::STRING)
        .tips(&["request_policy:multi_shard", "response_policy:agg_min"])
        .keys(&[spec(OW | INSERT, index(1), range(-1, 2, 0))])
        .doc(
            Group::String,
            "1.0.1",
            "Set multiple keys to multiple values, only if none of the keys exist",
        )
        .complexity("O(N) where N is the number of keys to set.")
        .args(&[block("key_value", &[key("key", 0), string("value")]).multiple()]),
    cmd("append", 3, strings::append, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::String, "2.0.0", "Append a value to a key")
        .complexity(
            "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        )
        .args(&[key("key", 0), string("value")]),
    cmd("strlen", 2, strings::strlen, READONLY | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::String, "2.2.0", "Get the length of the value stored in a key")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("getrange", 4, strings::getrange, READONLY)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::String, "2.4.0", "Get a substring of the string stored at a key")
        .complexity(
            "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        )
        .args(&[key("key", 0), integer("start"), integer("end")]),
    cmd("substr", 4, strings::getrange, READONLY)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Get a substring of the string stored at a key")
        .complexity(
            "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        )
        .deprecated("2.0.0", "`GETRANGE`")
        .args(&[key("key", 0), integer("start"), integer("end")]),
    cmd("setrange", 4, strings::setrange, WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(
            Group::String,
            "2.2.0",
            "Overwrite part of a string at key starting at the specified offset",
        )
        .complexity(
            "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        )
        .args(&[key("key", 0), integer("offset"), string("value")]),
    cmd("incr", 2, strings::incr, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Increment the integer value of a key by one")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("decr", 2, strings::decr, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Decrement the integer value of a key by one")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("incrby", 3, strings::incrby, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Increment the integer value of a key by the given amount")
        .complexity("O(1)")
        .args(&[key("key", 0), integer("increment")]),
    cmd("decrby", 3, strings::decrby, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "1.0.0", "Decrement the integer value of a key by the given number")
        .complexity("O(1)")
        .args(&[key("key", 0), integer("decrement")]),
    cmd("incrbyfloat", 3, strings::incrbyfloat, WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::String, "2.6.0", "Increment the float value of a key by the given amount")
        .complexity("O(1)")
        .args(&[key("key", 0), double("increment")]),
    cmd("lcs", -3, strings::lcs, READONLY)
        .acl(acl::STRING)
        .keys(&[spec(RO | ACCESS, index(1), range(1, 1, 0))])
        .doc(Group::String, "7.0.0", "Find longest common substring")
        .complexity("O(N*M) where N and M are the lengths of s1 and s2, respectively")
        .args(&[
            key("key1", 0),
            key("key2", 0),
            pure_token("len", "LEN").optional(),
            pure_token("idx", "IDX").optional(),
            integer("len").token("MINMATCHLEN").optional(),
            pure_token("withmatchlen", "WITHMATCHLEN").optional(),
        ]),
    // keyspace
    cmd("del", -2, keyspace::del, WRITE)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RM | DELETE, index(1), range(-1, 1, 0))])
        .doc(Group::Generic, "1.0.0", "Delete a key")
        .complexity(
            "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
        )
        .args(&[key("key", 0).multiple()]),
    cmd("unlink", -2, keyspace::del, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RM | DELETE, index(1), range(-1, 1, 0))])
        .doc(
            Group::Generic,
            "4.0.0",
            "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
        )
        .complexity(
            "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        )
        .args(&[key("key", 0).multiple()]),
    cmd("exists", -2, keyspace::exists, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RO, index(1), range(-1, 1, 0))])
        .doc(Group::Generic, "1.0.0", "Determine if a key exists")
        .complexity("O(N) where N is the number of keys to check.")
        .history(&[("3.0.3", "Accepts multiple `key` arguments.")])
        .args(&[key("key", 0).multiple()]),
    cmd("touch", -2, keyspace::touch, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[spec(RO, index(1), range(-1, 1, 0))])
        .doc(
            Group::Generic,
            "3.2.1",
            "Alters the last access time of a key(s). Returns the number of existing keys specified.",
        )
        .complexity("O(N) where N is the number of keys that will be touched.")
        .args(&[key("key", 0).multiple()]),
    cmd("type", 2, keyspace::type_, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "1.0.0", "Determine the type stored at key")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("expire", -3, keyspace::expire, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "1.0.0", "Set a key's time to live in seconds")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            integer("seconds"),
            oneof("condition", &[
                pure_token("nx", "NX"),
                pure_token("xx", "XX"),
                pure_token("gt", "GT"),
                pure_token("lt", "LT"),
            ])
            .optional()
            .since("7.0.0"),
        ]),
    cmd("pexpire", -3, keyspace::pexpire, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "2.6.0", "Set a key's time to live in milliseconds")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            integer("milliseconds"),
            oneof("condition", &[
                pure_token("nx", "NX"),
                pure_token("xx", "XX"),
                pure_token("gt", "GT"),
                pure_token("lt", "LT"),
            ])
            .optional()
            .since("7.0.0"),
        ]),
    cmd("expireat", -3, keyspace::expireat, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "1.2.0", "Set the expiration for a key as a UNIX timestamp")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            unix_time("unix-time-seconds"),
            oneof("condition", &[
                pure_token("nx", "NX"),
                pure_token("xx", "XX"),
                pure_token("gt", "GT"),
                pure_token("lt", "LT"),
            ])
            .optional()
            .since("7.0.0"),
        ]),
    cmd("pexpireat", -3, keyspace::pexpireat, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(
            Group::Generic,
            "2.6.0",
            "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
        )
        .complexity("O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            unix_time("unix-time-milliseconds"),
            oneof("condition", &[
                pure_token("nx", "NX"),
                pure_token("xx", "XX"),
                pure_token("gt", "GT"),
                pure_token("lt", "LT"),
            ])
            .optional()
            .since("7.0.0"),
        ]),
    cmd("expiretime", 2, keyspace::expiretime, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "7.0.0", "Get the expiration Unix timestamp for a key")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("pexpiretime", 2, keyspace::pexpiretime, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("ttl", 2, keyspace::ttl, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "1.0.0", "Get the time to live for a key in seconds")
        .complexity("O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[key("key", 0)]),
    cmd("pttl", 2, keyspace::pttl, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "2.6.0", "Get the time to live for a key in milliseconds")
        .complexity("O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[key("key", 0)]),
    cmd("persist", 2, keyspace::persist, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "2.2.0", "Remove the expiration from a key")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("keys", 2, keyspace::keys, READONLY)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "nondeterministic_output_order"])
        .doc(Group::Generic, "1.0.0", "Find all keys matching the given pattern")
        .complexity(
            "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
        )
        .args(&[pattern("pattern")]),
    cmd("scan", -2, keyspace::scan, READONLY | TOUCHES_ARBITRARY_KEYS)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output", "request_policy:special"])
        .doc(Group::Generic, "2.8.0", "Incrementally iterate the keys space")
        .complexity(
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        )
        .history(&[("6.0.0", "Added the `TYPE` subcommand.")])
        .args(&[
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
            string("type").token("TYPE").optional().since("6.0.0"),
        ]),
    cmd("randomkey", 1, keyspace::randomkey, READONLY | TOUCHES_ARBITRARY_KEYS)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:all_shards", "nondeterministic_output"])
        .doc(Group::Generic, "1.0.0", "Return a random key from the keyspace")
        .complexity("O(1)"),
    cmd("rename", 3, keyspace::rename, WRITE)
        .acl(acl::KEYSPACE)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(OW | UPDATE, index(2), range(0, 1, 0)),
        ])
        .doc(Group::Generic, "1.0.0", "Rename a key")
        .complexity("O(1)")
        .args(&[key("key", 0), key("newkey", 1)]),
    cmd("renamenx", 3, keyspace::renamenx, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(OW | INSERT, index(2), range(0, 1, 0)),
        ])
        .doc(Group::Generic, "1.0.0", "Rename a key, only if the new key does not exist")
        .complexity("O(1)")
        .history(&[
            (
                "3.2.0",
                "The command no longer returns an error when source and destination names are the same.",
            ),
        ])
        .args(&[key("key", 0), key("newkey", 1)]),
    cmd("copy", -3, keyspace::copy, WRITE | DENYOOM)
        .acl(acl::KEYSPACE)
        .keys(&[
            spec(RO | ACCESS, index(1), range(0, 1, 0)),
            spec(OW | UPDATE, index(2), range(0, 1, 0)),
        ])
        .doc(Group::Generic, "6.2.0", "Copy a key")
        .complexity(
            "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        )
        .args(&[
            key("source", 0),
            key("destination", 1),
            integer("destination-db").token("DB").optional(),
            pure_token("replace", "REPLACE").optional(),
        ]),
    cmd("dbsize", 1, keyspace::dbsize, READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:all_shards", "response_policy:agg_sum"])
        .doc(Group::Server, "1.0.0", "Return the number of keys in the selected database")
        .complexity("O(1)"),
    cmd("flushall", -1, keyspace::flush, WRITE)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(Group::Server, "1.0.0", "Remove all keys from all databases")
        .complexity("O(N) where N is the total number of keys in all databases")
        .history(&[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ])
        .args(&[
            oneof("async", &[
                pure_token("async", "ASYNC").since("4.0.0"),
                pure_token("sync", "SYNC").since("6.2.0"),
            ])
            .optional(),
        ]),
    cmd("flushdb", -1, keyspace::flush, WRITE)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(Group::Server, "1.0.0", "Remove all keys from the current database")
        .complexity("O(N) where N is the number of keys in the selected database")
        .history(&[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ])
        .args(&[
            oneof("async", &[
                pure_token("async", "ASYNC").since("4.0.0"),
                pure_token("sync", "SYNC").since("6.2.0"),
            ])
            .optional(),
        ]),
    cmd("move", 3, keyspace::move_, WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Generic, "1.0.0", "Move a key to another database")
        .complexity("O(1)")
        .args(&[key("key", 0), integer("db")]),
    cmd("swapdb", 3, keyspace::swapdb, WRITE | FAST)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .doc(Group::Server, "4.0.0", "Swaps two Redis databases")
        .complexity(
            "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        )
        .args(&[integer("index1"), integer("index2")]),
    container("object", 0, OBJECT_SUBS)
        .doc(Group::Generic, "2.2.3", "A container for object introspection commands")
        .complexity("Depends on subcommand."),
    // lists
    cmd("lpush", -3, lists::lpush, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Prepend one or multiple elements to a list")
        .complexity(
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    cmd("rpush", -3, lists::rpush, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Append one or multiple elements to a list")
        .complexity(
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    cmd("lpushx", -3, lists::lpushx, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::List, "2.2.0", "Prepend an element to a list, only if the list exists")
        .complexity(
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    cmd("rpushx", -3, lists::rpushx, WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::List, "2.2.0", "Append an element to a list, only if the list exists")
        .complexity(
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    cmd("lpop", -2, lists::lpop, WRITE | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Remove and get the first elements in a list")
        .complexity("O(N) where N is the number of elements returned")
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[key("key", 0), integer("count").optional().since("6.2.0")]),
    cmd("rpop", -2, lists::rpop, WRITE | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Remove and get the last elements in a list")
        .complexity("O(N) where N is the number of elements returned")
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[key("key", 0), integer("count").optional().since("6.2.0")]),
    cmd("llen", 2, lists::llen, READONLY | FAST)
        .acl(acl::LIST)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Get the length of a list")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("lrange", 4, lists::lrange, READONLY)
        .acl(acl::LIST)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Get a range of elements from a list")
        .complexity(
            "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        )
        .args(&[key("key", 0), integer("start"), integer("stop")]),
    cmd("lindex", 3, lists::lindex, READONLY)
        .acl(acl::LIST)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Get an element from a list by its index")
        .complexity(
            "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        )
        .args(&[key("key", 0), integer("index")]),
    cmd("lset", 4, lists::lset, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Set the value of an element in a list by its index")
        .complexity(
            "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        )
        .args(&[key("key", 0), integer("index"), string("element")]),
    cmd("lrem", 4, lists::lrem, WRITE)
        .acl(acl::LIST)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Remove elements from a list")
        .complexity(
            "O(N+M) where N is the length of the list and M is the number of elements removed.",
        )
        .args(&[key("key", 0), integer("count"), string("element")]),
    cmd("ltrim", 4, lists::ltrim, WRITE)
        .acl(acl::LIST)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::List, "1.0.0", "Trim a list to the specified range")
        .complexity("O(N) where N is the number of elements to be removed by the operation.")
        .args(&[key("key", 0), integer("start"), integer("stop")]),
    cmd("linsert", 5, lists::linsert, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::List, "2.2.0", "Insert an element before or after another element in a list")
        .complexity(
            "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        )
        .args(&[
            key("key", 0),
            oneof("where", &[pure_token("before", "BEFORE"), pure_token("after", "AFTER")]),
            string("pivot"),
            string("element"),
        ]),
    cmd("lpos", -3, lists::lpos, READONLY)
        .acl(acl::LIST)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::List, "6.0.6", "Return the index of matching elements on a list")
        .complexity(
            "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        )
        .args(&[
            key("key", 0),
            string("element"),
            integer("rank").token("RANK").optional(),
            integer("num-matches").token("COUNT").optional(),
            integer("len").token("MAXLEN").optional(),
        ]),
    cmd("lmove", 5, lists::lmove, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ])
        .doc(
            Group::List,
            "6.2.0",
            "Pop an element from a list, push it to another list and return it",
        )
        .complexity("O(1)")
        .args(&[
            key("source", 0),
            key("destination", 1),
            oneof("wherefrom", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
            oneof("whereto", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
        ]),
    cmd("lmpop", -4, blocking::lmpop, WRITE)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), keynum(0, 1, 1))])
        .getkeys(command::numkeys_keys)
        .doc(Group::List, "7.0.0", "Pop elements from a list")
        .complexity(
            "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        )
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
            integer("count").token("COUNT").optional(),
        ]),
    cmd("blpop", -3, blocking::blpop, WRITE | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))])
        .doc(
            Group::List,
            "2.0.0",
            "Remove and get the first element in a list, or block until one is available",
        )
        .complexity("O(N) where N is the number of provided keys.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    cmd("brpop", -3, blocking::brpop, WRITE | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))])
        .doc(
            Group::List,
            "2.0.0",
            "Remove and get the last element in a list, or block until one is available",
        )
        .complexity("O(N) where N is the number of provided keys.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    cmd("blmove", 6, blocking::blmove, WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ])
        .doc(
            Group::List,
            "6.2.0",
            "Pop an element from a list, push it to another list and return it; or block until one is available",
        )
        .complexity("O(1)")
        .args(&[
            key("source", 0),
            key("destination", 1),
            oneof("wherefrom", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
            oneof("whereto", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
            double("timeout"),
        ]),
    cmd("brpoplpush", 4, blocking::brpoplpush, WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ])
        .doc(
            Group::List,
            "2.2.0",
            "Pop an element from a list, push it to another list and return it; or block until one is available",
        )
        .complexity("O(1)")
        .deprecated("6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("source", 0), key("destination", 1), double("timeout")]),
    cmd("blmpop", -5, blocking::blmpop, WRITE | BLOCKING)
        .acl(acl::LIST)
        .keys(&[spec(RW | ACCESS | DELETE, index(2), keynum(0, 1, 1))])
        .getkeys(command::timeout_numkeys_keys)
        .doc(Group::List, "7.0.0", "Pop elements from a list, or block until one is available")
        .complexity(
            "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        )
        .args(&[
            double("timeout"),
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
            integer("count").token("COUNT").optional(),
        ]),
    cmd("rpoplpush", 3, lists::rpoplpush, WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ])
        .doc(
            Group::List,
            "1.2.0",
            "Remove the last element in a list, prepend it to another list and return it",
        )
        .complexity("O(1)")
        .deprecated("6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments")
        .args(&[key("source", 0), key("destination", 1)]),
    // hashes
    cmd("hset", -4, hashes::hset, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Set the string value of a hash field")
        .complexity(
            "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        )
        .history(&[("4.0.0", "Accepts multiple `field` and `value` arguments.")])
        .args(&[
            key("key", 0),
            block("field_value", &[string("field"), string("value")]).multiple(),
        ]),
    cmd("hmset", -4, hashes::hset, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Set multiple hash fields to multiple values")
        .complexity("O(N) where N is the number of fields being set.")
        .deprecated("4.0.0", "`HSET` with multiple field-value pairs")
        .args(&[
            key("key", 0),
            block("field_value", &[string("field"), string("value")]).multiple(),
        ]),
    cmd("hsetnx", 4, hashes::hsetnx, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(
            Group::Hash,
            "2.0.0",
            "Set the value of a hash field, only if the field does not exist",
        )
        .complexity("O(1)")
        .args(&[key("key", 0), string("field"), string("value")]),
    cmd("hget", 3, hashes::hget, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Get the value of a hash field")
        .complexity("O(1)")
        .args(&[key("key", 0), string("field")]),
    cmd("hmget", -3, hashes::hmget, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Get the values of all the given hash fields")
        .complexity("O(N) where N is the number of fields being requested.")
        .args(&[key("key", 0), string("field").multiple()]),
    cmd("hdel", -3, hashes::hdel, WRITE | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Delete one or more hash fields")
        .complexity("O(N) where N is the number of fields to be removed.")
        .history(&[("2.4.0", "Accepts multiple `field` arguments.")])
        .args(&[key("key", 0), string("field").multiple()]),
    cmd("hlen", 2, hashes::hlen, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Get the number of fields in a hash")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("hstrlen", 3, hashes::hstrlen, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "3.2.0", "Get the length of the value of a hash field")
        .complexity("O(1)")
        .args(&[key("key", 0), string("field")]),
    cmd("hexists", 3, hashes::hexists, READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Determine if a hash field exists")
        .complexity("O(1)")
        .args(&[key("key", 0), string("field")]),
    cmd("hgetall", 2, hashes::hgetall, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Get all the fields and values in a hash")
        .complexity("O(N) where N is the size of the hash.")
        .args(&[key("key", 0)]),
    cmd("hkeys", 2, hashes::hkeys, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Get all the fields in a hash")
        .complexity("O(N) where N is the size of the hash.")
        .args(&[key("key", 0)]),
    cmd("hvals", 2, hashes::hvals, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.0.0", "Get all the values in a hash")
        .complexity("O(N) where N is the size of the hash.")
        .args(&[key("key", 0)]),
    cmd("hincrby", 4, hashes::hincrby, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(
            Group::Hash,
            "2.0.0",
            "Increment the integer value of a hash field by the given number",
        )
        .complexity("O(1)")
        .args(&[key("key", 0), string("field"), integer("increment")]),
    cmd("hincrbyfloat", 4, hashes::hincrbyfloat, WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.6.0", "Increment the float value of a hash field by the given amount")
        .complexity("O(1)")
        .args(&[key("key", 0), string("field"), double("increment")]),
    cmd("hrandfield", -2, hashes::hrandfield, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "6.2.0", "Get one or multiple random fields from a hash")
        .complexity("O(N) where N is the number of fields returned")
        .args(&[
            key("key", 0),
            block("options", &[integer("count"), pure_token("withvalues", "WITHVALUES").optional()])
                .optional(),
        ]),
    cmd("hscan", -3, hashes::hscan, READONLY)
        .acl(acl::HASH)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Hash, "2.8.0", "Incrementally iterate hash fields and associated values")
        .complexity(
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        )
        .args(&[
            key("key", 0),
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
        ]),
    // sets
    cmd("sadd", -3, sets::sadd, WRITE | DENYOOM | FAST)
        .acl(acl::SET)
        .keys(&[spec(RW | INSERT, index(1), range(0, 1, 0))])
        .doc(Group::Set, "1.0.0", "Add one or more members to a set")
        .complexity(
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[key("key", 0), string("member").multiple()]),
    cmd("srem", -3, sets::srem, WRITE | FAST)
        .acl(acl::SET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::Set, "1.0.0", "Remove one or more members from a set")
        .complexity("O(N) where N is the number of members to be removed.")
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[key("key", 0), string("member").multiple()]),
    cmd("smove", 4, sets::smove, WRITE | FAST)
        .acl(acl::SET)
        .keys(&[
            spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0)),
            spec(RW | INSERT, index(2), range(0, 1, 0)),
        ])
        .doc(Group::Set, "1.0.0", "Move a member from one set to another")
        .complexity("O(1)")
        .args(&[key("source", 0), key("destination", 1), string("member")]),
    cmd("sismember", 3, sets::sismember, READONLY | FAST)
        .acl(acl::SET)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::Set, "1.0.0", "Determine if a given value is a member of a set")
        .complexity("O(1)")
        .args(&[key("key", 0), string("member")]),
    cmd("smismember", -3, sets::smismember, READONLY | FAST)
        .acl(acl::SET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::Set,
            "6.2.0",
            "Returns the membership associated with the given elements for a set",
        )
        .complexity("O(N) where N is the number of elements being checked for membership")
        .args(&[key("key", 0), string("member").multiple()]),
    cmd("scard", 2, sets::scard, READONLY | FAST)
        .acl(acl::SET)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::Set, "1.0.0", "Get the number of members in a set")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("spop", -2, sets::spop, WRITE | FAST)
        .acl(acl::SET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::Set, "1.0.0", "Remove and return one or multiple random members from a set")
        .complexity(
            "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        )
        .history(&[("3.2.0", "Added the `count` argument.")])
        .args(&[key("key", 0), integer("count").optional().since("3.2.0")]),
    cmd("srandmember", -2, sets::srandmember, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Set, "1.0.0", "Get one or multiple random members from a set")
        .complexity(
            "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        )
        .history(&[("2.6.0", "Added the optional `count` argument.")])
        .args(&[key("key", 0), integer("count").optional().since("2.6.0")]),
    cmd("smembers", 2, sets::smembers, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Set, "1.0.0", "Get all the members in a set")
        .complexity("O(N) where N is the set cardinality.")
        .args(&[key("key", 0)]),
    cmd("sinter", -2, sets::sinter, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))])
        .doc(Group::Set, "1.0.0", "Intersect multiple sets")
        .complexity(
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        )
        .args(&[key("key", 0).multiple()]),
    cmd("sintercard", -3, sets::sintercard, READONLY)
        .acl(acl::SET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))])
        .getkeys(command::numkeys_keys)
        .doc(
            Group::Set,
            "7.0.0",
            "Intersect multiple sets and return the cardinality of the result",
        )
        .complexity(
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        )
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            integer("limit").token("LIMIT").optional(),
        ]),
    cmd("sinterstore", -3, sets::sinterstore, WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(&[
            spec(RW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(-1, 1, 0)),
        ])
        .doc(Group::Set, "1.0.0", "Intersect multiple sets and store the resulting set in a key")
        .complexity(
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        )
        .args(&[key("destination", 0), key("key", 1).multiple()]),
    cmd("sunion", -2, sets::sunion, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))])
        .doc(Group::Set, "1.0.0", "Add multiple sets")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[key("key", 0).multiple()]),
    cmd("sunionstore", -3, sets::sunionstore, WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(-1, 1, 0)),
        ])
        .doc(Group::Set, "1.0.0", "Add multiple sets and store the resulting set in a key")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[key("destination", 0), key("key", 1).multiple()]),
    cmd("sdiff", -2, sets::sdiff, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output_order"])
        .keys(&[spec(RO | ACCESS, index(1), range(-1, 1, 0))])
        .doc(Group::Set, "1.0.0", "Subtract multiple sets")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[key("key", 0).multiple()]),
    cmd("sdiffstore", -3, sets::sdiffstore, WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(-1, 1, 0)),
        ])
        .doc(Group::Set, "1.0.0", "Subtract multiple sets and store the resulting set in a key")
        .complexity("O(N) where N is the total number of elements in all given sets.")
        .args(&[key("destination", 0), key("key", 1).multiple()]),
    cmd("sscan", -3, sets::sscan, READONLY)
        .acl(acl::SET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::Set, "2.8.0", "Incrementally iterate Set elements")
        .complexity(
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        )
        .args(&[
            key("key", 0),
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
        ]),
    // sorted sets
    cmd("zadd", -4, zsets::zadd, WRITE | DENYOOM | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | UPDATE, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "1.2.0",
            "Add one or more members to a sorted set, or update its score if it already exists",
        )
        .complexity(
            "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        )
        .history(&[
            ("2.4.0", "Accepts multiple elements."),
            ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
            ("6.2.0", "Added the `GT` and `LT` options."),
        ])
        .args(&[
            key("key", 0),
            oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")])
                .optional()
                .since("3.0.2"),
            oneof("comparison", &[pure_token("gt", "GT"), pure_token("lt", "LT")])
                .optional()
                .since("6.2.0"),
            pure_token("change", "CH").optional().since("3.0.2"),
            pure_token("increment", "INCR").optional().since("3.0.2"),
            block("score_member", &[double("score"), string("member")]).multiple(),
        ]),
    cmd("zincrby", 4, zsets::zincrby, WRITE | DENYOOM | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | UPDATE, index(1), range(0, 1, 0))])
        .doc(Group::SortedSet, "1.2.0", "Increment the score of a member in a sorted set")
        .complexity("O(log(N)) where N is the number of elements in the sorted set.")
        .args(&[key("key", 0), integer("increment"), string("member")]),
    cmd("zrem", -3, zsets::zrem, WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(Group::SortedSet, "1.2.0", "Remove one or more members from a sorted set")
        .complexity(
            "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        )
        .history(&[("2.4.0", "Accepts multiple elements.")])
        .args(&[key("key", 0), string("member").multiple()]),
    cmd("zcard", 2, zsets::zcard, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO, index(1), range(0, 1, 0))])
        .doc(Group::SortedSet, "1.2.0", "Get the number of members in a sorted set")
        .complexity("O(1)")
        .args(&[key("key", 0)]),
    cmd("zscore", 3, zsets::zscore, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "1.2.0",
            "Get the score associated with the given member in a sorted set",
        )
        .complexity("O(1)")
        .args(&[key("key", 0), string("member")]),
    cmd("zmscore", -3, zsets::zmscore, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "6.2.0",
            "Get the score associated with the given members in a sorted set",
        )
        .complexity("O(N) where N is the number of members being requested.")
        .args(&[key("key", 0), string("member").multiple()]),
    cmd("zrank", 3, zsets::zrank, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::SortedSet, "2.0.0", "Determine the index of a member in a sorted set")
        .complexity("O(log(N))")
        .args(&[key("key", 0), string("member")]),
    cmd("zrevrank", 3, zsets::zrevrank, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.0.0",
            "Determine the index of a member in a sorted set, with scores ordered from high to low",
        )
        .complexity("O(log(N))")
        .args(&[key("key", 0), string("member")]),
    cmd("zcount", 4, zsets::zcount, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.0.0",
            "Count the members in a sorted set with scores within the given values",
        )
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .args(&[key("key", 0), double("min"), double("max")]),
    cmd("zlexcount", 4, zsets::zlexcount, READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.8.9",
            "Count the number of members in a sorted set between a given lexicographical range",
        )
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .args(&[key("key", 0), string("min"), string("max")]),
    cmd("zrange", -4, zsets::zrange, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::SortedSet, "1.2.0", "Return a range of members in a sorted set")
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        )
        .history(&[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")])
        .args(&[
            key("key", 0),
            string("start"),
            string("stop"),
            oneof("sortby", &[pure_token("byscore", "BYSCORE"), pure_token("bylex", "BYLEX")])
                .optional()
                .since("6.2.0"),
            pure_token("rev", "REV").optional().since("6.2.0"),
            block("offset_count", &[integer("offset"), integer("count")])
                .token("LIMIT")
                .optional()
                .since("6.2.0"),
            pure_token("withscores", "WITHSCORES").optional(),
        ]),
    cmd("zrangestore", -5, zsets::zrangestore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), range(0, 1, 0)),
        ])
        .doc(Group::SortedSet, "6.2.0", "Store a range of members from sorted set into another key")
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        )
        .args(&[
            key("dst", 0),
            key("src", 1),
            string("min"),
            string("max"),
            oneof("sortby", &[pure_token("byscore", "BYSCORE"), pure_token("bylex", "BYLEX")])
                .optional(),
            pure_token("rev", "REV").optional(),
            block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
        ]),
    cmd("zrevrange", -4, zsets::zrevrange, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "1.2.0",
            "Return a range of members in a sorted set, by index, with scores ordered from high to low",
        )
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `REV` argument")
        .args(&[
            key("key", 0),
            integer("start"),
            integer("stop"),
            pure_token("withscores", "WITHSCORES").optional(),
        ]),
    cmd("zrangebyscore", -4, zsets::zrangebyscore, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::SortedSet, "1.0.5", "Return a range of members in a sorted set, by score")
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `BYSCORE` argument")
        .history(&[("2.0.0", "Added the `WITHSCORES` modifier.")])
        .args(&[
            key("key", 0),
            double("min"),
            double("max"),
            pure_token("withscores", "WITHSCORES").optional().since("2.0.0"),
            block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
        ]),
    cmd("zrevrangebyscore", -4, zsets::zrevrangebyscore, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.2.0",
            "Return a range of members in a sorted set, by score, with scores ordered from high to low",
        )
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments")
        .history(&[("2.1.6", "`min` and `max` can be exclusive.")])
        .args(&[
            key("key", 0),
            double("max"),
            double("min"),
            pure_token("withscores", "WITHSCORES").optional(),
            block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
        ]),
    cmd("zrangebylex", -4, zsets::zrangebylex, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.8.9",
            "Return a range of members in a sorted set, by lexicographical range",
        )
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `BYLEX` argument")
        .args(&[
            key("key", 0),
            string("min"),
            string("max"),
            block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
        ]),
    cmd("zrevrangebylex", -4, zsets::zrevrangebylex, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.8.9",
            "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
        )
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments")
        .args(&[
            key("key", 0),
            string("max"),
            string("min"),
            block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
        ]),
    cmd("zremrangebyrank", 4, zsets::zremrangebyrank, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.0.0",
            "Remove all members in a sorted set within the given indexes",
        )
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        )
        .args(&[key("key", 0), integer("start"), integer("stop")]),
    cmd("zremrangebyscore", 4, zsets::zremrangebyscore, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "1.2.0",
            "Remove all members in a sorted set within the given scores",
        )
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        )
        .args(&[key("key", 0), double("min"), double("max")]),
    cmd("zremrangebylex", 4, zsets::zremrangebylex, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | DELETE, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.8.9",
            "Remove all members in a sorted set between the given lexicographical range",
        )
        .complexity(
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        )
        .args(&[key("key", 0), string("min"), string("max")]),
    cmd("zpopmin", -2, zsets::zpopmin, WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "5.0.0",
            "Remove and return members with the lowest scores in a sorted set",
        )
        .complexity(
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[key("key", 0), integer("count").optional()]),
    cmd("zpopmax", -2, zsets::zpopmax, WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "5.0.0",
            "Remove and return members with the highest scores in a sorted set",
        )
        .complexity(
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[key("key", 0), integer("count").optional()]),
    cmd("zmpop", -4, blocking::zmpop, WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), keynum(0, 1, 1))])
        .getkeys(command::numkeys_keys)
        .doc(Group::SortedSet, "7.0.0", "Remove and return members with scores in a sorted set")
        .complexity(
            "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[pure_token("min", "MIN"), pure_token("max", "MAX")]),
            integer("count").token("COUNT").optional(),
        ]),
    cmd("bzpopmin", -3, blocking::bzpopmin, WRITE | NOSCRIPT | BLOCKING | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))])
        .doc(
            Group::SortedSet,
            "5.0.0",
            "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
        )
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    cmd("bzpopmax", -3, blocking::bzpopmax, WRITE | NOSCRIPT | BLOCKING | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(1), range(-2, 1, 0))])
        .doc(
            Group::SortedSet,
            "5.0.0",
            "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
        )
        .complexity("O(log(N)) with N being the number of elements in the sorted set.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    cmd("bzmpop", -5, blocking::bzmpop, WRITE | BLOCKING)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RW | ACCESS | DELETE, index(2), keynum(0, 1, 1))])
        .getkeys(command::timeout_numkeys_keys)
        .doc(
            Group::SortedSet,
            "7.0.0",
            "Remove and return members with scores in a sorted set or block until one is available",
        )
        .complexity(
            "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[
            double("timeout"),
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[pure_token("min", "MIN"), pure_token("max", "MAX")]),
            integer("count").token("COUNT").optional(),
        ]),
    cmd("zrandmember", -2, zsets::zrandmember, READONLY)
        .acl(acl::SORTEDSET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(Group::SortedSet, "6.2.0", "Get one or multiple random elements from a sorted set")
        .complexity("O(N) where N is the number of elements returned")
        .args(&[
            key("key", 0),
            block("options", &[integer("count"), pure_token("withscores", "WITHSCORES").optional()])
                .optional(),
        ]),
    cmd("zscan", -3, zsets::zscan, READONLY)
        .acl(acl::SORTEDSET)
        .tips(&["nondeterministic_output"])
        .keys(&[spec(RO | ACCESS, index(1), range(0, 1, 0))])
        .doc(
            Group::SortedSet,
            "2.8.0",
            "Incrementally iterate sorted sets elements and associated scores",
        )
        .complexity(
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        )
        .args(&[
            key("key", 0),
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
        ]),
    cmd("zunion", -3, zsets::zunion, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))])
        .getkeys(command::numkeys_keys)
        .doc(Group::SortedSet, "6.2.0", "Add multiple sorted sets")
        .complexity(
            "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        )
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure_token("sum", "SUM"),
                pure_token("min", "MIN"),
                pure_token("max", "MAX"),
            ])
            .token("AGGREGATE")
            .optional(),
            pure_token("withscores", "WITHSCORES").optional(),
        ]),
    cmd("zinter", -3, zsets::zinter, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))])
        .getkeys(command::numkeys_keys)
        .doc(Group::SortedSet, "6.2.0", "Intersect multiple sorted sets")
        .complexity(
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        )
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure_token("sum", "SUM"),
                pure_token("min", "MIN"),
                pure_token("max", "MAX"),
            ])
            .token("AGGREGATE")
            .optional(),
            pure_token("withscores", "WITHSCORES").optional(),
        ]),
    cmd("zdiff", -3, zsets::zdiff, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))])
        .getkeys(command::numkeys_keys)
        .doc(Group::SortedSet, "6.2.0", "Subtract multiple sorted sets")
        .complexity(
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        )
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            pure_token("withscores", "WITHSCORES").optional(),
        ]),
    cmd("zintercard", -3, zsets::zintercard, READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[spec(RO | ACCESS, index(1), keynum(0, 1, 1))])
        .getkeys(command::numkeys_keys)
        .doc(
            Group::SortedSet,
            "7.0.0",
            "Intersect multiple sorted sets and return the cardinality of the result",
        )
        .complexity(
            "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        )
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            integer("limit").token("LIMIT").optional(),
        ]),
    cmd("zunionstore", -4, zsets::zunionstore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), keynum(0, 1, 1)),
        ])
        .getkeys(command::dest_numkeys_keys)
        .doc(
            Group::SortedSet,
            "2.0.0",
            "Add multiple sorted sets and store the resulting sorted set in a new key",
        )
        .complexity(
            "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        )
        .args(&[
            key("destination", 0),
            integer("numkeys"),
            key("key", 1).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure_token("sum", "SUM"),
                pure_token("min", "MIN"),
                pure_token("max", "MAX"),
            ])
            .token("AGGREGATE")
            .optional(),
        ]),
    cmd("zinterstore", -4, zsets::zinterstore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), keynum(0, 1, 1)),
        ])
        .getkeys(command::dest_numkeys_keys)
        .doc(
            Group::SortedSet,
            "2.0.0",
            "Intersect multiple sorted sets and store the resulting sorted set in a new key",
        )
        .complexity(
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        )
        .args(&[
            key("destination", 0),
            integer("numkeys"),
            key("key", 1).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure_token("sum", "SUM"),
                pure_token("min", "MIN"),
                pure_token("max", "MAX"),
            ])
            .token("AGGREGATE")
            .optional(),
        ]),
    cmd("zdiffstore", -4, zsets::zdiffstore, WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            spec(OW | UPDATE, index(1), range(0, 1, 0)),
            spec(RO | ACCESS, index(2), keynum(0, 1, 1)),
        ])
        .getkeys(command::dest_numkeys_keys)
        .doc(
            Group::SortedSet,
            "6.2.0",
            "Subtract multiple sorted sets and store the resulting sorted set in a new key",
        )
        .complexity(
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        )
        .args(&[key("destination", 0), integer("numkeys"), key("key", 1).multiple()]),
    // connection
    cmd("ping", -1, connection::ping, FAST | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(Group::Connection, "1.0.0", "Ping the server")
        .complexity("O(1)")
        .args(&[string("message").optional()]),
    cmd("echo", 2, connection::echo, LOADING | STALE | FAST)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "1.0.0", "Echo the given string")
        .complexity("O(1)")
        .args(&[string("message")]),
    cmd("select", 2, connection::select, LOADING | STALE | FAST)
        .acl(acl::CONNECTION)
        .doc(Group::Connection, "1.0.0", "Change the selected database for the current connection")
        .complexity("O(1)")
        .args(&[integer("index")]),
    cmd(
        "quit",
        -1,
        connection::quit,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::CONNECTION)
    .doc(Group::Connection, "1.0.0", "Close the connection")
    .complexity("O(1)"),
    cmd(
        "auth",
        -2,
        connection::auth,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
    )
    .acl(acl::CONNECTION)
    .doc(Group::Connection, "1.0.0", "Authenticate to the server")
    .complexity("O(N) where N is the number of passwords defined for the user")
    .history(&[("6.0.0", "Added ACL style (username and password).")])
    .args(&[string("username").optional().since("6.0.0"), string("password")]),
    cmd(
        "hello",
        -1,
        connection::hello,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
    )
    .acl(acl::CONNECTION)
    .doc(Group::Connection, "6.0.0", "Handshake with Redis")
    .complexity("O(1)")
    .history(&[
        (
            "6.2.0",
            "`protover` made optional; when called without arguments the command reports the current connection's context.",
        ),
    ])
    .args(&[
        block("arguments", &[
            integer("protover"),
            block("username_password", &[string("username"), string("password")])
                .token("AUTH")
                .optional(),
            string("clientname").token("SETNAME").optional(),
        ])
        .optional(),
    ]),
    cmd(
        "reset",
        1,
        connection::reset,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::CONNECTION)
    .doc(Group::Connection, "6.2.0", "Reset the connection")
    .complexity("O(1)"),
    container("client", SENTINEL, CLIENT_SUBS)
        .doc(Group::Connection, "2.4.0", "A container for client connection commands")
        .complexity("Depends on subcommand."),
    // server
    cmd("info", -1, server::info, LOADING | STALE | SENTINEL)
        .acl(acl::DANGEROUS)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc(Group::Server, "1.0.0", "Get information and statistics about the server")
        .complexity("O(1)")
        .history(&[("7.0.0", "Added support for taking multiple section arguments.")])
        .args(&[string("section").optional().multiple()]),
    cmd("time", 1, server::time, LOADING | STALE | FAST)
        .tips(&["nondeterministic_output"])
        .doc(Group::Server, "2.6.0", "Return the current server time")
        .complexity("O(1)"),
    cmd("monitor", 1, server::monitor, ADMIN | NOSCRIPT | LOADING | STALE)
        .doc(Group::Server, "1.0.0", "Listen for all requests received by the server in real time"),
    cmd("debug", -2, server::debug, ADMIN | NOSCRIPT | LOADING | STALE | PROTECTED)
        .doc(Group::Server, "1.0.0", "A container for debugging commands")
        .complexity("Depends on subcommand.")
        .syscmd(),
    cmd(
        "shutdown",
        -1,
        server::shutdown,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL | NO_MULTI | ALLOW_BUSY,
    )
    .doc(
        Group::Server,
        "1.0.0",
        "Synchronously save the dataset to disk and then shut down the server",
    )
    .complexity(
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
    )
    .history(&[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")])
    .args(&[
        oneof("nosave_save", &[pure_token("nosave", "NOSAVE"), pure_token("save", "SAVE")])
            .optional(),
        pure_token("now", "NOW").optional().since("7.0.0"),
        pure_token("force", "FORCE").optional().since("7.0.0"),
        pure_token("abort", "ABORT").optional().since("7.0.0"),
    ]),
    container("config", 0, CONFIG_SUBS)
        .doc(Group::Server, "2.0.0", "A container for server configuration commands")
        .complexity("Depends on subcommand."),
    cmd("save", 1, persistence::save, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI)
        .doc(Group::Server, "1.0.0", "Synchronously save the dataset to disk")
        .complexity("O(N) where N is the total number of keys in all databases"),
    cmd("bgsave", -1, persistence::bgsave, ADMIN | NOSCRIPT | NO_ASYNC_LOADING)
        .doc(Group::Server, "1.0.0", "Asynchronously save the dataset to disk")
        .complexity("O(1)")
        .history(&[("3.2.2", "Added the `SCHEDULE` option.")])
        .args(&[pure_token("schedule", "SCHEDULE").optional().since("3.2.2")]),
    cmd("lastsave", 1, persistence::lastsave, LOADING | STALE | FAST)
        .acl(acl::ADMIN | acl::DANGEROUS)
        .tips(&["nondeterministic_output"])
        .doc(Group::Server, "1.0.0", "Get the UNIX time stamp of the last successful save to disk")
        .complexity("O(1)"),
    container("slowlog", 0, SLOWLOG_SUBS)
        .doc(Group::Server, "2.2.12", "A container for slow log commands")
        .complexity("Depends on subcommand."),
    container("latency", 0, LATENCY_SUBS)
        .doc(Group::Server, "2.8.13", "A container for latency diagnostics commands")
        .complexity("Depends on subcommand."),
    container("memory", 0, MEMORY_SUBS)
        .doc(Group::Server, "4.0.0", "A container for memory diagnostics commands")
        .complexity("Depends on subcommand."),
    cmd("role", 1, server::role, NOSCRIPT | LOADING | STALE | FAST | SENTINEL)
        .acl(acl::ADMIN | acl::DANGEROUS)
        .doc(
            Group::Server,
            "2.8.12",
            "Return the role of the instance in the context of replication",
        )
        .complexity("O(1)"),
    cmd("command", -1, command::all, LOADING | STALE | SENTINEL).subs(COMMAND_SUBS)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(Group::Server, "2.8.13", "Get array of Redis command details")
        .complexity("O(N) where N is the total number of Redis commands"),
    // transactions
    cmd(
        "multi",
        1,
        transactions::multi,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::TRANSACTION)
    .doc(Group::Transactions, "1.2.0", "Mark the start of a transaction block")
    .complexity("O(1)"),
    cmd("exec", 1, transactions::exec, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | TX_CONTROL)
        .acl(acl::TRANSACTION)
        .doc(Group::Transactions, "1.2.0", "Execute all commands issued after MULTI")
        .complexity("Depends on commands in the transaction"),
    cmd(
        "discard",
        1,
        transactions::discard,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::TRANSACTION)
    .doc(Group::Transactions, "2.0.0", "Discard all commands issued after MULTI")
    .complexity("O(N), when N is the number of queued commands"),
    cmd(
        "watch",
        -2,
        transactions::watch,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TX_CONTROL,
    )
    .acl(acl::TRANSACTION)
    .keys(&[spec(RO, index(1), range(-1, 1, 0))])
    .doc(
        Group::Transactions,
        "2.2.0",
        "Watch the given keys to determine execution of the MULTI/EXEC block",
    )
    .complexity("O(1) for every key.")
    .args(&[key("key", 0).multiple()]),
    cmd("unwatch", 1, transactions::unwatch, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY)
        .acl(acl::TRANSACTION)
        .doc(Group::Transactions, "2.2.0", "Forget about all watched keys")
        .complexity("O(1)"),
];
