//! Server commands (Redis's `server.c`, `config.c`, `debug.c`): INFO,
//! TIME, MONITOR, DEBUG, SHUTDOWN, CONFIG.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{cstr, error, error_parts, glob_match, integer, reply_help, SYNTAX};
use crate::config::{Setting, SETTINGS};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Effect, Engine, REDIS_VERSION, VERSION};
use crate::log;

/// INFO's sections in Redis's order, each with whether INFO (or INFO
/// default) shows it; `all` and `everything` show every one.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("module_list", true),
    ("commandstats", false),
    ("errorstats", true),
    ("latencystats", false),
    ("cluster", true),
    ("keyspace", true),
];

/// A process's CPU time as Redis prints it: seconds.microseconds.
fn cpu(t: nix::sys::time::TimeVal) -> String {
    format!("{}.{:06}", t.tv_sec(), t.tv_usec())
}

/// Resident set size in bytes, where /proc tells it.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// The machine's memory in bytes, where /proc tells it.
fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Redis's `bytesToHuman`.
fn human(n: u64) -> String {
    let n = n as f64;
    let units = [
        (1u64 << 40, "T"),
        (1 << 30, "G"),
        (1 << 20, "M"),
        (1 << 10, "K"),
    ];
    for (size, unit) in units {
        if n >= size as f64 {
            return format!("{:.2}{unit}", n / size as f64);
        }
    }
    format!("{n}B")
}

/// Where the heap goes, as INFO memory and MEMORY STATS/DOCTOR show it
/// (Redis's `getMemoryOverheadData`): the heap the allocator counts, the
/// part start-up held, the clients' buffers, an estimate of the keyspace
/// tables, and the rest as the dataset.
pub(super) struct MemoryOverhead {
    /// Bytes allocated and not freed (`zmalloc_used_memory`).
    pub used: u64,
    /// The most ever held.
    pub peak: u64,
    /// What start-up held.
    pub startup: u64,
    /// The resident set size.
    pub rss: u64,
    /// The clients' query and reply buffers.
    pub clients: u64,
    /// Clients connected, the caller included.
    pub connected: u64,
    /// Per non-empty database: its index, the main table's and the expires
    /// table's overhead.
    pub dbs: Vec<(usize, u64, u64)>,
    /// Keys in all databases.
    pub keys: u64,
    /// Start-up, clients and tables together.
    pub overhead: u64,
    /// The heap less the overhead.
    pub dataset: u64,
}

/// Bytes a table of `n` entries takes as Redis lays it out: a dictEntry
/// and, for the main table, a robj per key, and a bucket pointer per slot
/// (a power of two, at least 4). The demo's own tables differ; Redis's
/// estimate keeps MEMORY STATS comparable with redis-server's, as MEMORY
/// USAGE is.
fn table_overhead(n: usize, robj: bool) -> u64 {
    if n == 0 {
        return 0;
    }
    let per_key = 24 + if robj { 16 } else { 0 };
    (n * per_key + 8 * n.next_power_of_two().max(4)) as u64
}

/// Measures [`MemoryOverhead`] now.
pub(super) fn memory_overhead(e: &Engine, c: &Caller<'_>) -> MemoryOverhead {
    let used = crate::heap::used();
    let mut clients = c.conn.query_capacity + c.reply.pending();
    let mut connected = 1;
    c.peers.for_each(&mut |p| {
        clients += p.conn.query_capacity + p.pending;
        connected += 1;
    });
    let startup = e.stats.startup_memory;
    let mut overhead = startup + clients as u64;
    let (mut dbs, mut keys) = (Vec::new(), 0);
    for (i, db) in e.keyspace.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let main = table_overhead(db.len(), true);
        let expires = table_overhead(db.expires(), false);
        overhead += main + expires;
        keys += db.len() as u64;
        dbs.push((i, main, expires));
    }
    MemoryOverhead {
        used,
        peak: e.stats.peak_memory.max(used),
        startup,
        rss: rss_bytes(),
        clients: clients as u64,
        connected,
        dbs,
        keys,
        overhead,
        dataset: used.saturating_sub(overhead),
    }
}

fn info_section(e: &Engine, c: &Caller<'_>, name: &str, out: &mut String) {
    let s = &e.stats;
    let sh = e;
    match name {
        "server" => {
            let uptime = e.start.elapsed().as_secs();
            let now_us = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_micros());
            let _ = write!(
                out,
                "# Server\r\nredis_version:{REDIS_VERSION}\r\nae_demo_version:{VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:{}\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:{}\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{now_us}\r\nuptime_in_seconds:{uptime}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:\r\nio_threads_active:0\r\n",
                std::env::consts::OS,
                std::env::consts::ARCH,
                usize::BITS,
                e.backend,
                std::process::id(),
                e.run_id,
                e.config.port,
                uptime / 86_400,
                e.config.hz,
                e.config.hz,
                (now_us / 1_000_000) & ((1 << 24) - 1),
                std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
        }
        "clients" => {
            let (mut max_input, mut max_output) = (c.conn.query_capacity, c.reply.pending());
            let mut connected = 1;
            c.peers.for_each(&mut |p| {
                connected += 1;
                max_input = max_input.max(p.conn.query_capacity);
                max_output = max_output.max(p.pending);
            });
            let _ = write!(
                out,
                "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n",
                // MONITOR clients count (Redis lists them apart from
                // replicas).
                connected,
                e.config.maxclients,
                max_input,
                max_output,
                e.blocking.len(),
            );
        }
        "memory" => {
            let m = memory_overhead(e, c);
            let percent = |part: u64, whole: u64| {
                if whole == 0 {
                    0.0
                } else {
                    part as f64 * 100.0 / whole as f64
                }
            };
            let system = total_system_memory();
            let (used, rss, peak, startup) = (m.used, m.rss, m.peak, m.startup);
            let (overhead, dataset, clients) = (m.overhead, m.dataset, m.clients);
            let _ = write!(
                out,
                "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\nused_memory_peak_perc:{:.2}%\r\nused_memory_overhead:{overhead}\r\nused_memory_startup:{startup}\r\nused_memory_dataset:{dataset}\r\nused_memory_dataset_perc:{:.2}%\r\ntotal_system_memory:{system}\r\ntotal_system_memory_human:{}\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\nmem_fragmentation_ratio:{:.2}\r\nmem_fragmentation_bytes:{}\r\nmem_clients_normal:{clients}\r\nmem_allocator:libc\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
                human(used),
                human(rss),
                human(peak),
                percent(used, peak),
                percent(dataset, used.saturating_sub(startup)),
                human(system),
                if used == 0 { 0.0 } else { rss as f64 / used as f64 },
                rss as i64 - used as i64,
            );
        }
        "persistence" => super::persistence::info_persistence(e, out),
        "stats" => {
            let _ = write!(
                out,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ninstantaneous_input_kbps:{:.2}\r\ninstantaneous_output_kbps:{:.2}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nevicted_keys:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\nlatest_fork_usec:{}\r\ntotal_forks:{}\r\ntotal_error_replies:{}\r\n",
                s.total_connections,
                s.total_commands,
                s.instantaneous_ops(),
                s.net_input_bytes,
                s.net_output_bytes,
                s.input.per_sec() / 1024.0,
                s.output.per_sec() / 1024.0,
                s.rejected_connections,
                s.expired_keys,
                e.keyspace.iter().map(|db| db.hits_and_misses().0).sum::<u64>(),
                e.keyspace.iter().map(|db| db.hits_and_misses().1).sum::<u64>(),
                e.persistence.latest_fork_usec,
                e.persistence.total_forks,
                sh.total_error_replies,
            );
        }
        "replication" => {
            out.push_str("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_repl_offset:0\r\nrepl_backlog_active:0\r\n");
        }
        "cpu" => {
            use nix::sys::resource::{getrusage, UsageWho};
            let me = getrusage(UsageWho::RUSAGE_SELF);
            let children = getrusage(UsageWho::RUSAGE_CHILDREN);
            if let (Ok(me), Ok(ch)) = (me, children) {
                let _ = write!(
                    out,
                    "# CPU\r\nused_cpu_sys:{}\r\nused_cpu_user:{}\r\nused_cpu_sys_children:{}\r\nused_cpu_user_children:{}\r\n",
                    cpu(me.system_time()),
                    cpu(me.user_time()),
                    cpu(ch.system_time()),
                    cpu(ch.user_time()),
                );
            }
            #[cfg(any(target_os = "linux", target_os = "android"))]
            if let Ok(th) = getrusage(UsageWho::RUSAGE_THREAD) {
                let _ = write!(
                    out,
                    "used_cpu_sys_main_thread:{}\r\nused_cpu_user_main_thread:{}\r\n",
                    cpu(th.system_time()),
                    cpu(th.user_time()),
                );
            }
        }
        "module_list" | "modules" => out.push_str("# Modules\r\n"),
        "commandstats" => {
            out.push_str("# Commandstats\r\n");
            for (name, st) in super::stats_by_name(sh) {
                if st.calls == 0 && st.rejected == 0 && st.failed == 0 {
                    continue;
                }
                let per = if st.calls > 0 {
                    st.usec as f64 / st.calls as f64
                } else {
                    0.0
                };
                let _ = write!(
                    out,
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}\r\n",
                    st.calls, st.usec, st.rejected, st.failed
                );
            }
        }
        "errorstats" => {
            out.push_str("# Errorstats\r\n");
            for (code, n) in &sh.error_stats {
                let _ = write!(out, "errorstat_{code}:count={n}\r\n");
            }
        }
        "latencystats" => {
            out.push_str("# Latencystats\r\n");
            if sh.config.latency_tracking {
                for (name, st) in super::stats_by_name(sh) {
                    if st.latencies.calls() == 0 {
                        continue;
                    }
                    let _ = write!(out, "latency_percentiles_usec_{name}:");
                    for (j, &p) in sh
                        .config
                        .latency_tracking_info_percentiles
                        .iter()
                        .enumerate()
                    {
                        let sep = if j > 0 { "," } else { "" };
                        let usec = st.latencies.percentile(p) as f64 / 1000.0;
                        let _ =
                            write!(out, "{sep}p{}={usec:.3}", crate::config::percentile_name(p));
                    }
                    out.push_str("\r\n");
                }
            }
        }
        "cluster" => out.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
        "keyspace" => {
            out.push_str("# Keyspace\r\n");
            for (i, db) in e.keyspace.iter().enumerate() {
                if !db.is_empty() || db.expires() > 0 {
                    let _ = write!(
                        out,
                        "db{i}:keys={},expires={},avg_ttl=0\r\n",
                        db.len(),
                        db.expires()
                    );
                }
            }
        }
        _ => {}
    }
}

/// INFO [section ...] (`genRedisInfoString`): named sections, `default`,
/// `all` (adds commandstats and latencystats) or `everything`, in Redis's
/// order whatever the order asked, each once.
pub(super) fn info(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    // As Redis's INFO, the peak is brought up to date first.
    e.stats.peak_memory = e.stats.peak_memory.max(crate::heap::used());
    let mut wanted: Vec<String> = Vec::new();
    let mut all = false;
    let mut default = args.len() == 1;
    for a in &args[1..] {
        let a = String::from_utf8_lossy(a).to_ascii_lowercase();
        match a.as_str() {
            "default" => default = true,
            "all" | "everything" => all = true,
            _ => wanted.push(a),
        }
    }
    let mut out = String::new();
    let mut sections = 0;
    for &(name, in_default) in SECTIONS {
        let asked = wanted
            .iter()
            .any(|w| w == name || (name == "module_list" && w == "modules"));
        if all || (default && in_default) || asked {
            if sections > 0 {
                out.push_str("\r\n");
            }
            sections += 1;
            info_section(e, c, name, &mut out);
        }
    }
    c.reply.verbatim(out.as_bytes(), c.session.resp3);
}

pub(super) fn time(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    c.reply.array(2);
    c.reply.bulk(now.as_secs().to_string().as_bytes());
    c.reply.bulk(now.subsec_micros().to_string().as_bytes());
}

pub(super) fn monitor(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    super::connection::monitor(e, c);
}

/// `write!` into bytes.
struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// DEBUG SLEEP, POPULATE and SET-ACTIVE-EXPIRE (behind
/// `--enable-debug-command`).
pub(super) fn debug(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let sub = args[1].to_ascii_lowercase();
    match (sub.as_slice(), args.len()) {
        (b"sleep", 3) => {
            // strtod, as Redis: what does not parse sleeps 0.
            let secs: f64 = std::str::from_utf8(&args[2])
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .filter(|s: &f64| s.is_finite() && *s > 0.0)
                .unwrap_or(0.0);
            std::thread::sleep(Duration::from_secs_f64(secs.min(3600.0)));
            // The commands after it in the same read see the time after.
            e.now_ms = crate::engine::db::unix_ms();
            c.reply.status("OK");
        }
        (b"populate", 3..=5) => {
            // getPositiveLongFromObjectOrReply: 0 is allowed, as in Redis.
            let Some(count) = integer(&args[2]).filter(|n| *n >= 0) else {
                return error(e, c, "ERR value is out of range, must be positive");
            };
            let size = match args.get(4).map(|a| integer(a).filter(|n| *n >= 0)) {
                None => None,
                Some(Some(n)) => Some(n as usize).filter(|&n| n > 0),
                Some(None) => return error(e, c, "ERR value is out of range, must be positive"),
            };
            let prefix = args.get(3).map_or(&b"key"[..], |p| cstr(p)).to_vec();
            let now = e.now_ms;
            let db = &mut e.keyspace[c.session.db];
            for j in 0..count {
                let mut key = prefix.clone();
                let _ = write!(ByteWriter(&mut key), ":{j}");
                // Redis formats it into a 128-byte buffer.
                key.truncate(127);
                if db.exists(&key, now) {
                    continue;
                }
                let mut value = format!("value:{j}").into_bytes();
                if let Some(size) = size {
                    // Redis pads with zero bytes, or cuts.
                    value.resize(size, 0);
                }
                db.set(&key, value, None);
            }
            c.reply.status("OK");
        }
        (b"set-active-expire", 3) => {
            let on = integer(&args[2]).unwrap_or(0) != 0;
            e.active_expire_off = !on;
            c.reply.status("OK");
        }
        (b"help", 2) => reply_help(
            c,
            "DEBUG",
            &[
                "POPULATE <count> [<prefix>] [<size>]",
                "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                "    it is used instead of the 'key' prefix. These are not propagated to",
                "    replicas. Cluster slots are not respected so keys not belonging to the",
                "    current node can be created in cluster mode.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                "    default.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
            ],
        ),
        _ => {
            let name = args[1].clone();
            error_parts(
                e,
                c,
                &[
                    b"ERR unknown subcommand or wrong number of arguments for '",
                    cstr(&name),
                    b"'. Try DEBUG HELP.",
                ],
            );
        }
    }
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: saves as the schedules
/// or the options say, then exits; a failed save (without FORCE) keeps the
/// server running and is the reply. There are no replicas to wait for, so
/// NOW changes nothing and ABORT finds no shutdown to abort.
pub(super) fn shutdown(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let (mut nosave, mut save, mut force, mut abort, mut now) = (false, false, false, false, false);
    for arg in &args[1..] {
        let flag = match arg.to_ascii_lowercase().as_slice() {
            b"nosave" => &mut nosave,
            b"save" => &mut save,
            b"now" => &mut now,
            b"force" => &mut force,
            b"abort" => &mut abort,
            _ => return error(e, c, SYNTAX),
        };
        *flag = true;
    }
    if (abort && (nosave || save || now || force)) || (nosave && save) {
        return error(e, c, SYNTAX);
    }
    if abort {
        return error(e, c, "ERR No shutdown in progress.");
    }
    crate::log!(Warning, "User requested shutdown...");
    if !e.save_for_shutdown(c.children, nosave, save, force) {
        return error(e, c, "ERR Errors trying to SHUTDOWN. Check logs.");
    }
    e.effects.push(Effect::Shutdown);
    // As Redis, no reply: the connection closes when the server exits.
    e.effects.push(Effect::CloseAfterReply);
}

pub(super) fn config_get(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    // Each parameter once, named as asked when asked without a pattern.
    let mut matched: Vec<(Vec<u8>, &Setting)> = Vec::new();
    for pattern in &args[2..] {
        let is_glob = pattern.iter().any(|b| b"[*?".contains(b));
        for p in SETTINGS.iter().filter(|s| s.in_config()) {
            let hit = if is_glob {
                p.in_patterns() && glob_match(pattern, p.name.as_bytes(), true)
            } else {
                p.name.as_bytes().eq_ignore_ascii_case(pattern)
            };
            if hit && !matched.iter().any(|(_, m)| m.name == p.name) {
                let name = if is_glob {
                    p.name.as_bytes().to_vec()
                } else {
                    pattern.clone()
                };
                matched.push((name, p));
            }
        }
    }
    c.reply.map(matched.len(), c.session.resp3);
    for (name, p) in matched {
        c.reply.bulk(&name);
        c.reply.bulk((p.show)(&e.config).as_bytes());
    }
}

/// Checks what the settings cannot see: max clients must fit the loop's
/// fd table, which was sized at start.
fn check_engine_limits(e: &Engine, p: &Setting) -> Result<(), String> {
    if p.name == "maxclients" && e.config.maxclients + crate::config::FDSET_RESERVE > e.set_size {
        return Err("The event loop API used by Redis is not able to handle the specified number of clients".into());
    }
    Ok(())
}

pub(super) fn config_set(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if args.len() % 2 == 1 {
        return error(e, c, SYNTAX);
    }
    let mut chosen: Vec<(&'static Setting, usize)> = Vec::new();
    for i in (2..args.len()).step_by(2) {
        let Some(p) = Setting::find(&args[i]) else {
            let name = args[i].clone();
            return error_parts(
                e,
                c,
                &[
                    b"ERR Unknown option or number of arguments for CONFIG SET - '",
                    cstr(&name),
                    b"'",
                ],
            );
        };
        let failure = if let Some(why) = p.set_refusal() {
            Some(why)
        } else if chosen.iter().any(|(q, _)| q.name == p.name) {
            Some("duplicate parameter")
        } else {
            None
        };
        if let Some(why) = failure {
            let name = args[i].clone();
            return error_parts(
                e,
                c,
                &[
                    b"ERR CONFIG SET failed (possibly related to argument '",
                    cstr(&name),
                    b"') - ",
                    why.as_bytes(),
                ],
            );
        }
        chosen.push((p, i + 1));
    }
    // All or nothing, as Redis: on a failure the earlier ones are undone.
    let saved = e.config.clone();
    for (p, at) in &chosen {
        let set = p
            .parse_config(&mut e.config, &args[*at])
            .and_then(|()| check_engine_limits(e, p));
        if let Err(why) = set {
            e.config = saved;
            log::set_level(e.config.loglevel);
            return error(
                e,
                c,
                &format!(
                    "ERR CONFIG SET failed (possibly related to argument '{}') - {why}",
                    p.name
                ),
            );
        }
    }
    log::set_level(e.config.loglevel);
    c.reply.status("OK");
}

pub(super) fn config_resetstat(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    e.command_stats.clear();
    e.error_stats.clear();
    e.total_error_replies = 0;
    let stats = &mut e.stats;
    stats.total_connections = 0;
    stats.rejected_connections = 0;
    stats.total_commands = 0;
    stats.expired_keys = 0;
    stats.net_input_bytes = 0;
    stats.net_output_bytes = 0;
    // The rates restart too: the cron computes from the count at the last
    // sample, which just went back to 0.
    stats.ops.reset();
    stats.peak_memory = 0;
    stats.input.reset();
    stats.output.reset();
    for db in e.keyspace.iter_mut() {
        db.reset_hits();
    }
    c.reply.status("OK");
}

pub(super) fn config_help(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    reply_help(
        c,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
}

/// ROLE: a master with no replicas (`*3 master 0 *0`).
pub(super) fn role(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.array(3);
    c.reply.bulk(b"master");
    c.reply.int(0);
    c.reply.array(0);
}

/// Logs a command that ran long enough (`slowlogCreateEntry`) from what
/// `call` kept of its arguments: at most 32, the last then counting those
/// left out, each cut at 128 bytes; the oldest entries go past
/// `slowlog-max-len`.
pub(super) fn slowlog_push(e: &mut Engine, c: &Caller<'_>, usec: u64) {
    use crate::engine::SLOWLOG_MAX_STRING;
    let kept = &e.slowlog_args;
    let argc = kept.argc.min(crate::engine::SLOWLOG_MAX_ARGC);
    let mut argv = Vec::with_capacity(argc);
    for j in 0..argc {
        let (part, len) = (&kept.parts[j], kept.lens[j]);
        if argc != kept.argc && j == argc - 1 {
            argv.push(format!("... ({} more arguments)", kept.argc - argc + 1).into_bytes());
        } else if e.redacted.contains(&j) {
            argv.push(b"(redacted)".to_vec());
        } else if len > SLOWLOG_MAX_STRING {
            let mut s = part.clone();
            s.extend_from_slice(
                format!("... ({} more bytes)", len - SLOWLOG_MAX_STRING).as_bytes(),
            );
            argv.push(s);
        } else {
            argv.push(part.clone());
        }
    }
    let entry = crate::engine::SlowlogEntry {
        id: e.slowlog_next_id,
        time: e.now_ms / 1000,
        duration: usec,
        argv,
        peer: c.conn.addr(false),
        name: c.session.name.clone().unwrap_or_default(),
    };
    e.slowlog_next_id += 1;
    e.slowlog.push_front(entry);
    let max = usize::try_from(e.config.slowlog_max_len).unwrap_or(usize::MAX);
    e.slowlog.truncate(max);
}

pub(super) fn slowlog_get(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    if args.len() > 3 {
        let sub = cstr(&args[1][..args[1].len().min(128)]).to_vec();
        return error_parts(
            e,
            c,
            &[
                b"ERR unknown subcommand or wrong number of arguments for '",
                &sub,
                b"'. Try SLOWLOG HELP.",
            ],
        );
    }
    let mut count = 10usize;
    if let Some(arg) = args.get(2) {
        // `getRangeLongFromObjectOrReply` with a message: one error for
        // a non-number and for one out of range.
        match integer(arg) {
            None | Some(i64::MIN..=-2) => {
                return error(e, c, "ERR count should be greater than or equal to -1")
            }
            Some(-1) => count = e.slowlog.len(),
            Some(n) => count = usize::try_from(n).unwrap_or(usize::MAX),
        }
    }
    let n = count.min(e.slowlog.len());
    c.reply.array(n);
    for entry in e.slowlog.iter().take(n) {
        c.reply.array(6);
        c.reply.int(entry.id as i64);
        c.reply.int(entry.time);
        c.reply.int(entry.duration as i64);
        c.reply.array(entry.argv.len());
        for a in &entry.argv {
            c.reply.bulk(a);
        }
        c.reply.bulk(entry.peer.as_bytes());
        c.reply.bulk(&entry.name);
    }
}

pub(super) fn slowlog_len(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.int(e.slowlog.len() as i64);
}

pub(super) fn slowlog_reset(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    e.slowlog.clear();
    c.reply.status("OK");
}

pub(super) fn slowlog_help(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    reply_help(
        c,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
}

/// Adds a LATENCY sample (`latencyAddSample`): one a second per event, the
/// greater kept when two fall in the same second.
pub(super) fn latency_add(e: &mut Engine, event: &'static str, ms: u64) {
    let now = e.now_ms / 1000;
    let ts = e.latency.entry(event).or_default();
    ts.max = ts.max.max(ms);
    let len = ts.samples.len();
    let prev = (ts.idx + len - 1) % len;
    if ts.samples[prev].0 == now {
        ts.samples[prev].1 = ts.samples[prev].1.max(ms);
        return;
    }
    ts.samples[ts.idx] = (now, ms);
    ts.idx = (ts.idx + 1) % len;
}

pub(super) fn latency_latest(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.array(e.latency.len());
    for (event, ts) in &e.latency {
        let len = ts.samples.len();
        let last = ts.samples[(ts.idx + len - 1) % len];
        c.reply.array(4);
        c.reply.bulk(event.as_bytes());
        c.reply.int(last.0);
        c.reply.int(last.1 as i64);
        c.reply.int(ts.max as i64);
    }
}

pub(super) fn latency_history(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let Some(ts) = e
        .latency
        .iter()
        .find(|(k, _)| k.as_bytes() == args[2])
        .map(|(_, v)| v)
    else {
        c.reply.array(0);
        return;
    };
    let len = ts.samples.len();
    let samples: Vec<(i64, u64)> = (0..len)
        .map(|j| ts.samples[(ts.idx + j) % len])
        .filter(|s| s.0 != 0)
        .collect();
    c.reply.array(samples.len());
    for (time, ms) in samples {
        c.reply.array(2);
        c.reply.int(time);
        c.reply.int(ms as i64);
    }
}

pub(super) fn latency_reset(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let resets = if args.len() == 2 {
        let n = e.latency.len();
        e.latency.clear();
        n
    } else {
        let mut n = 0;
        for name in &args[2..] {
            let found = e
                .latency
                .keys()
                .find(|k| k.as_bytes() == name.as_slice())
                .copied();
            if let Some(k) = found {
                e.latency.remove(k);
                n += 1;
            }
        }
        n
    };
    c.reply.int(resets as i64);
}

pub(super) fn latency_help(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    reply_help(
        c,
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
}

/// jemalloc's size class for an allocation of `n` bytes (`zmalloc_size`).
fn je(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    // Four classes between each power of two.
    let pow = usize::BITS - (n - 1).leading_zeros() - 1;
    let step = (1usize << pow) / 4;
    n.div_ceil(step) * step
}

/// What an sds string of `len` bytes allocates (`sdsZmallocSize`).
fn sds(len: usize) -> usize {
    let header = match len {
        0..32 => 1,
        32..256 => 3,
        256..65536 => 5,
        _ => 9,
    };
    je(header + len + 1)
}

/// A listpack's bytes for `items` (header, entries with their encoding
/// and back-length bytes, end byte), as `lpEncodeGetType` sizes them.
fn listpack<'a>(items: impl Iterator<Item = &'a [u8]>) -> usize {
    let mut bytes = 7;
    for item in items {
        let len = item.len();
        let entry = match integer(item).filter(|_| len <= 20) {
            Some(0..=127) => 1,
            Some(-4096..=4095) => 2,
            Some(n) if i16::try_from(n).is_ok() => 3,
            Some(-0x80_0000..=0x7f_ffff) => 4,
            Some(n) if i32::try_from(n).is_ok() => 5,
            Some(_) => 9,
            None if len < 64 => 1 + len,
            None if len < 4096 => 2 + len,
            None => 5 + len,
        };
        // The back-length: 7 bits of the entry's size per byte.
        bytes += entry + (usize::BITS - entry.leading_zeros()).div_ceil(7) as usize;
    }
    bytes
}

const ROBJ: usize = 16;
const DICT_ENTRY: usize = 24;
const DICT: usize = 56;

/// A hash table's fixed part with `n` entries: the object, the dict, the
/// bucket array.
fn dict_overhead(n: usize) -> usize {
    ROBJ + DICT + 8 * n.next_power_of_two().max(4)
}

/// The first `samples` per-entry sizes, averaged and scaled to `n`
/// (`objectComputeSize`'s sampling).
fn sampled(sizes: impl Iterator<Item = usize>, samples: usize, n: usize) -> usize {
    let (mut total, mut count) = (0usize, 0usize);
    for size in sizes.take(samples) {
        total += size;
        count += 1;
    }
    if count == 0 {
        return 0;
    }
    (total as f64 / count as f64 * n as f64) as usize
}

/// MEMORY USAGE key [SAMPLES n]: an estimate in Redis's manner
/// (`objectComputeSize` plus the key and its dict entry), with jemalloc's
/// size classes: byte-exact for strings, listpacks, intsets, quicklists and
/// big hashes (the differential test checks the small ones), within ~15%
/// for big sets and sorted sets, whose dict and skiplist layout differs.
pub(super) fn memory_usage(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    use crate::engine::db::{Encoding, Value};
    let mut samples = 5usize;
    let mut j = 3;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"samples") && j + 1 < args.len() {
            match integer(&args[j + 1]) {
                None => return error(e, c, "ERR value is not an integer or out of range"),
                Some(n) if n < 0 => return error(e, c, SYNTAX),
                Some(0) => samples = usize::MAX,
                Some(n) => samples = usize::try_from(n).unwrap_or(usize::MAX),
            }
            j += 2;
        } else {
            return error(e, c, SYNTAX);
        }
    }
    let Some(entry) = e.keyspace[c.session.db].peek(&args[2]) else {
        return c.reply.nil(c.session.resp3);
    };
    let value = match &entry.value {
        Value::Small(_) | Value::Inline(_) => match entry.enc {
            Encoding::Int => ROBJ,
            Encoding::Embstr => je(ROBJ + 3 + entry.value.len() + 1),
            Encoding::Raw => ROBJ + sds(entry.value.len().max(32)),
        },
        Value::Shared(s) => ROBJ + sds(s.len()),
        Value::List(l) => {
            // Nodes of up to 8 KiB listpacks (`list-max-listpack-size -2`).
            let bytes = listpack(l.iter().map(|v| &**v));
            let nodes = bytes.div_ceil(8192).max(1);
            // The quicklist, and per node a quicklistNode (40 bytes).
            ROBJ + 40 + nodes * (40 + je(bytes / nodes))
        }
        Value::Hash(h) if !h.big => {
            ROBJ + je(listpack(h.map.iter().flat_map(|(k, v)| [&**k, &**v])))
        }
        Value::Hash(h) => {
            let each = h
                .map
                .iter()
                .map(|(k, v)| sds(k.len()) + sds(v.len()) + DICT_ENTRY);
            dict_overhead(h.map.len()) + sampled(each, samples, h.map.len())
        }
        Value::Set(s) if s.intset => {
            let width = s
                .members
                .iter()
                .filter_map(|m| integer(m))
                .map(|n| {
                    if i16::try_from(n).is_ok() {
                        2
                    } else if i32::try_from(n).is_ok() {
                        4
                    } else {
                        8
                    }
                })
                .max()
                .unwrap_or(2);
            ROBJ + je(8 + width * s.members.len())
        }
        Value::Set(s) => {
            let each = s.members.iter().map(|m| sds(m.len()) + DICT_ENTRY);
            dict_overhead(s.members.len()) + sampled(each, samples, s.members.len())
        }
        Value::ZSet(z) if !z.skiplist => {
            let scores: Vec<String> = z.sorted.iter().map(|(s, _)| s.to_string()).collect();
            let items = z
                .sorted
                .iter()
                .zip(&scores)
                .flat_map(|((_, m), s)| [&**m, s.as_bytes()]);
            ROBJ + je(listpack(items))
        }
        Value::ZSet(z) => {
            // zset, zskiplist, the header node of 32 levels.
            let fixed = dict_overhead(z.len()) + 16 + 32 + je(24 + 32 * 16);
            let each = z
                .sorted
                .iter()
                .map(|(_, m)| sds(m.len()) + DICT_ENTRY + je(24 + 16));
            fixed + sampled(each, samples, z.len())
        }
    };
    let usage = value + sds(args[2].len()) + DICT_ENTRY;
    c.reply.int(usage as i64);
}

pub(super) fn memory_help(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    reply_help(
        c,
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
}
