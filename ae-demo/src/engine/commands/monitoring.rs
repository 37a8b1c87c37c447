//! The monitoring reports (Redis's `latency.c`, `sparkline.c` and
//! `object.c`'s MEMORY): LATENCY DOCTOR, GRAPH and HISTOGRAM, MEMORY STATS,
//! DOCTOR, MALLOC-STATS and PURGE. LATEST, HISTORY, RESET and MEMORY USAGE
//! are in `server.rs`.

use std::fmt::Write as _;

use super::server::{memory_overhead, MemoryOverhead};
use super::zsets::reply_double;
use super::{cstr, error_parts, lookup_name, CommandStats};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine, LatencySeries};

// ------------------------------------------------------- latency histogram

/// Sub-buckets per power of two in Redis's latency histograms: an
/// hdr_histogram of 2 significant digits has 2 × 10² rounded up to a power
/// of two; the first 256 values have a count each.
const SUB_BUCKETS: u64 = 256;
/// Counts of a histogram from 1 ns to 1 s (`counts_len`): 23 powers of
/// two past the first 256 values, each with the upper half of its
/// sub-buckets, and the first one's lower half.
const COUNTS: usize = 24 * 128;

/// A command's call durations as Redis's per-command `latency_histogram`
/// holds them (an hdr_histogram from 1 ns to 1 s, 2 significant digits),
/// so that LATENCY HISTOGRAM and INFO latencystats read what Redis reads.
#[derive(Clone, Default)]
pub struct Latencies {
    /// Calls per hdr index, allocated at the first call (Redis allocates
    /// a command's histogram then).
    counts: Vec<u64>,
    /// Calls in all.
    total: u64,
}

/// The nanoseconds Redis records for a call of `usec` µs (`duration *
/// 1000`, kept within the histogram's 1 ns to 1 s).
fn recorded_ns(usec: u64) -> u64 {
    usec.saturating_mul(1000).clamp(1, 1_000_000_000)
}

/// The hdr bucket (power of two) `ns` falls in, 0 for the first 256
/// values (`get_bucket_index`).
fn hdr_bucket(ns: u64) -> u32 {
    64 - (ns | (SUB_BUCKETS - 1)).leading_zeros() - 8
}

/// The index counting `ns` (`counts_index_for`).
fn hdr_index(ns: u64) -> usize {
    let bucket = hdr_bucket(ns);
    ((bucket as usize + 1) << 7) + (ns >> bucket) as usize - 128
}

/// The least value index `i` counts (`hdr_value_at_index`).
fn hdr_value(i: usize) -> u64 {
    let (bucket, sub) = match (i >> 7).checked_sub(1) {
        Some(bucket) => (bucket, (i & 127) + 128),
        None => (0, i & 127),
    };
    (sub as u64) << bucket
}

/// The greatest value counted with `ns` (`highest_equivalent_value`).
fn hdr_highest(ns: u64) -> u64 {
    let bucket = hdr_bucket(ns);
    ((ns >> bucket) << bucket) + (1 << bucket) - 1
}

impl Latencies {
    /// Counts a call of `usec` microseconds.
    pub fn record(&mut self, usec: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; COUNTS];
        }
        self.counts[hdr_index(recorded_ns(usec))] += 1;
        self.total += 1;
    }

    /// Calls counted.
    pub fn calls(&self) -> u64 {
        self.total
    }

    /// The least value in ns and the calls of each index that has calls,
    /// in order.
    fn counted(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(i, &n)| (hdr_value(i), n))
    }

    /// The duration in ns under which `p` percent of the calls fall, as
    /// `hdr_value_at_percentile` gives it: the highest value counted with
    /// the call at that rank (the lowest for `p` = 0).
    pub fn percentile(&self, p: f64) -> u64 {
        let rank = (((p.min(100.0) / 100.0) * self.total as f64 + 0.5) as u64).max(1);
        let mut seen = 0;
        let value = self
            .counted()
            .find(|&(_, n)| {
                seen += n;
                seen >= rank
            })
            .map_or(0, |(ns, _)| ns);
        if p == 0.0 {
            value
        } else {
            hdr_highest(value)
        }
    }

    /// The calls at each of LATENCY HISTOGRAM's levels.
    fn levels(&self) -> [u64; LEVELS] {
        let mut levels = [0; LEVELS];
        for (ns, n) in self.counted() {
            levels[level(ns)] += n;
        }
        levels
    }
}

/// LATENCY HISTOGRAM's levels: 20 powers of two from 1024 ns to 2^29 ns,
/// and one for the calls above the last.
const LEVELS: usize = 21;

/// The level a call of `ns` is reported at, as `hdr_iter_log_init(..,
/// 1024, 2)` reports it: at each level `L = 1024 << k` the calls up to L's
/// sub-bucket, `L + L/128 - 1`. A call past the 2^29 level's sub-bucket is
/// only reported by the iteration's end, at the last sub-bucket (the 2^30
/// level lies beyond the counts).
fn level(ns: u64) -> usize {
    if ns < 1024 {
        return 0;
    }
    // The level at or below ns, then the next one if ns is past its
    // sub-bucket.
    let k = (63 - ns.leading_zeros()) as usize - 10;
    let at = 1024u64 << k;
    let k = if ns < at + (at >> 7) { k } else { k + 1 };
    k.min(LEVELS - 1)
}

/// The microseconds Redis names level `k` by: the highest value of the
/// level's sub-bucket (of the last sub-bucket for the overflow), in µs.
fn level_usec(k: usize) -> i64 {
    let highest = if k + 1 < LEVELS {
        let at = 1024u64 << k;
        at + (at >> 7) - 1
    } else {
        // 255 << 22 and its range of 2^22.
        (1 << 30) - 1
    };
    (highest / 1000) as i64
}

/// One command's entry (`fillCommandCDF`): `calls`, and `histogram_usec`,
/// the cumulative count at each level where it grows.
fn reply_histogram(c: &mut Caller<'_>, name: &str, latencies: &Latencies) {
    let resp3 = c.session.resp3;
    c.reply.bulk(name.as_bytes());
    c.reply.map(2, resp3);
    c.reply.bulk(b"calls");
    c.reply.int(latencies.calls() as i64);
    c.reply.bulk(b"histogram_usec");
    let levels = latencies.levels();
    c.reply
        .map(levels.iter().filter(|&&n| n > 0).count(), resp3);
    let mut cumulative = 0;
    for (k, &n) in levels.iter().enumerate() {
        if n > 0 {
            cumulative += n;
            c.reply.int(level_usec(k));
            c.reply.int(cumulative as i64);
        }
    }
}

/// LATENCY HISTOGRAM [command ...]: every command called since the last
/// CONFIG RESETSTAT, by name (Redis replies in its table's hash order), or
/// the ones named, a container naming its subcommands; unknown names and
/// commands never called are left out.
pub(super) fn latency_histogram(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    // References, not copies: a histogram is 3072 counts.
    fn called<'a>(
        (name, stats): (&'static str, &'a CommandStats),
    ) -> Option<(&'static str, &'a Latencies)> {
        (stats.latencies.calls() > 0).then_some((name, &stats.latencies))
    }
    let mut chosen: Vec<(&'static str, &Latencies)> = Vec::new();
    if args.len() == 2 {
        chosen = super::stats_by_name(e)
            .into_iter()
            .filter_map(called)
            .collect();
    } else {
        for name in &args[2..] {
            let Some(cmd) = lookup_name(name) else {
                continue;
            };
            for one in std::iter::once(cmd).chain(cmd.subs) {
                let stats = e.command_stats.get(one.full);
                if let Some(found) = stats.and_then(|s| called((one.full, s))) {
                    chosen.push(found);
                }
            }
        }
    }
    c.reply.map(chosen.len(), c.session.resp3);
    for (name, latencies) in &chosen {
        reply_histogram(c, name, latencies);
    }
}

// ---------------------------------------------------------- latency graph

/// Rows of a sparkline, and its columns per band.
const GRAPH_ROWS: usize = 4;
const GRAPH_COLS: usize = 80;

/// `sparklineRenderRange` with `SPARKLINE_FILL`: `rows` rows of `_o#|`
/// scaled between the sequence's min and max, then a blank row and the
/// labels written downwards.
fn sparkline_range(out: &mut String, seq: &[(f64, String)], min: f64, max: f64) {
    const FILL: [char; 3] = ['_', 'o', '#'];
    let steps = (FILL.len() * GRAPH_ROWS) as f64;
    let relmax = if max - min == 0.0 { 1.0 } else { max - min };
    let labels = seq.iter().any(|(_, l)| !l.is_empty());
    let mut row = 0;
    loop {
        let mut more = false;
        let mut chars = vec![' '; seq.len()];
        for (j, (value, label)) in seq.iter().enumerate() {
            // C's `(int)(relval*steps)/relmax`, truncated again on
            // assignment.
            let step = (((value - min) * steps) as i64 as f64 / relmax) as i64;
            let step = step.clamp(0, steps as i64 - 1);
            if row < GRAPH_ROWS {
                let idx = step - ((GRAPH_ROWS - row - 1) * FILL.len()) as i64;
                more = true;
                if (0..FILL.len() as i64).contains(&idx) {
                    chars[j] = FILL[idx as usize];
                } else if idx >= FILL.len() as i64 {
                    chars[j] = '|';
                }
            } else {
                // One blank row between the graph and the labels.
                if labels && row == GRAPH_ROWS {
                    more = true;
                    break;
                }
                if let Some(ch) = label.chars().nth(row - GRAPH_ROWS - 1) {
                    more = true;
                    chars[j] = ch;
                }
            }
        }
        if !more {
            break;
        }
        row += 1;
        out.extend(chars);
        out.push('\n');
    }
}

/// The graph of an event (`latencyCommandGenSparkeline`): a header, a
/// rule, and the samples oldest first, labelled with how long ago they
/// were, in bands of 80 columns.
fn sparkline(event: &str, ts: &LatencySeries, now: i64) -> String {
    let len = ts.samples.len();
    let seq: Vec<(f64, String)> = (0..len)
        .map(|j| ts.samples[(ts.idx + j) % len])
        .filter(|s| s.0 != 0)
        .map(|(time, ms)| {
            let ago = now - time;
            let label = match ago {
                ..=59 => format!("{ago}s"),
                60..=3599 => format!("{}m", ago / 60),
                3600..=86_399 => format!("{}h", ago / 3600),
                _ => format!("{}d", ago / 86_400),
            };
            (ms as f64, label)
        })
        .collect();
    let min = seq.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let max = seq.iter().map(|s| s.0).fold(0.0, f64::max);
    let min = if seq.is_empty() { 0.0 } else { min };
    let mut out = format!(
        "{event} - high {} ms, low {} ms (all time high {} ms)\n",
        max as u64, min as u64, ts.max
    );
    out.push_str(&"-".repeat(GRAPH_COLS));
    out.push('\n');
    for (n, band) in seq.chunks(GRAPH_COLS).enumerate() {
        if n > 0 {
            out.push('\n');
        }
        sparkline_range(&mut out, band, min, max);
    }
    out
}

/// LATENCY GRAPH event: the event's samples as an ASCII graph.
pub(super) fn latency_graph(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let found = e.latency.iter().find(|(k, _)| k.as_bytes() == args[2]);
    let Some((event, ts)) = found else {
        let event = cstr(&args[2]).to_vec();
        return error_parts(
            e,
            c,
            &[b"ERR No samples available for event '", &event, b"'"],
        );
    };
    let graph = sparkline(event, ts, e.now_ms / 1000);
    c.reply.verbatim(graph.as_bytes(), c.session.resp3);
}

// --------------------------------------------------------- latency doctor

/// What an event's samples say (`analyzeLatencyForEvent`).
struct EventStats {
    samples: u64,
    avg: u64,
    mad: u64,
    /// Seconds since the oldest sample (at least 1).
    period: i64,
}

fn analyze(ts: &LatencySeries, now: i64) -> EventStats {
    let used: Vec<(i64, u64)> = ts.samples.iter().copied().filter(|s| s.0 != 0).collect();
    let samples = used.len() as u64;
    if samples == 0 {
        return EventStats {
            samples: 0,
            avg: 0,
            mad: 0,
            period: 0,
        };
    }
    let avg = used.iter().map(|s| s.1).sum::<u64>() / samples;
    let oldest = used.iter().map(|s| s.0).min().unwrap_or(now);
    let period = (now - oldest).max(0);
    let mad = used.iter().map(|s| s.1.abs_diff(avg)).sum::<u64>() / samples;
    EventStats {
        samples,
        avg,
        mad,
        period: if period == 0 { 1 } else { period },
    }
}

/// Bytes of transparent huge pages the process holds (Redis's
/// `THPGetAnonHugePagesSize`), from /proc where it tells.
fn anon_huge_pages() -> u64 {
    std::fs::read_to_string("/proc/self/smaps").map_or(0, |s| {
        s.lines()
            .filter_map(|l| l.strip_prefix("AnonHugePages:"))
            .filter_map(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .sum::<u64>()
            * 1024
    })
}

/// The advices, in the order the report gives them.
#[derive(Clone, Copy)]
enum Advice {
    SlowlogEnabled,
    SlowlogTuning,
    SlowlogInspect,
    Scheduler,
    LargeObjects,
    DisableThp,
}

/// LATENCY DOCTOR (`createLatencyReport`): per event its spikes and the
/// advices they call for. The demo records `command` and `fast-command`
/// only; Redis's fork, AOF, expiry and eviction events, and their advices,
/// never occur here.
pub(super) fn latency_doctor(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    let report = latency_report(e, anon_huge_pages());
    c.reply.verbatim(report.as_bytes(), c.session.resp3);
}

fn latency_report(e: &Engine, huge_pages: u64) -> String {
    let threshold = e.config.latency_monitor_threshold;
    if e.latency.is_empty() && threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into();
    }
    let now = e.now_ms / 1000;
    let mut out = String::new();
    let mut advised: Vec<Advice> = Vec::new();
    // Redis counts an advice once per event that calls for it.
    let mut advices = 0;
    for (n, (event, ts)) in e.latency.iter().enumerate() {
        if n == 0 {
            out.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let ls = analyze(ts, now);
        let _ = write!(
            out,
            "{}. {event}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.",
            n + 1,
            ls.samples,
            ls.avg,
            ls.mad,
            ls.period as f64 / ls.samples.max(1) as f64,
            ts.max
        );
        match *event {
            "command" => {
                let slower_than = e.config.slowlog_log_slower_than;
                if slower_than < 0 {
                    advised.push(Advice::SlowlogEnabled);
                    advices += 1;
                } else if slower_than / 1000 > threshold {
                    advised.push(Advice::SlowlogTuning);
                    advices += 1;
                }
                advised.extend([Advice::SlowlogInspect, Advice::LargeObjects]);
                advices += 2;
            }
            "fast-command" => {
                advised.push(Advice::Scheduler);
                advices += 1;
            }
            _ => {}
        }
        out.push('\n');
    }
    if huge_pages > 0 {
        advised.push(Advice::DisableThp);
        advices += 1;
    }
    if e.latency.is_empty() && advices == 0 {
        out.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        return out;
    }
    if advices == 0 {
        out.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        return out;
    }
    out.push_str("\nI have a few advices for you:\n\n");
    let has = |a: Advice| advised.iter().any(|b| *b as u8 == a as u8);
    let micros = threshold.max(0) as u64 * 1000;
    if has(Advice::SlowlogEnabled) {
        let _ = writeln!(out, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {micros}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.");
    }
    if has(Advice::SlowlogTuning) {
        let _ = writeln!(out, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {micros}'.");
    }
    if has(Advice::SlowlogInspect) {
        out.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
    }
    if has(Advice::Scheduler) {
        out.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
    }
    if has(Advice::LargeObjects) {
        out.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    }
    if has(Advice::DisableThp) {
        out.push_str("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n");
    }
    out
}

// ----------------------------------------------------------------- memory

/// Redis's ratios are C floats, sent widened to double (`%.17g` shows
/// the float's digits).
fn ratio(a: u64, b: u64) -> f64 {
    (a as f32 / b as f32) as f64
}

/// The allocator's view (`allocator.*`): the counting allocator knows the
/// bytes held, not active or dirty pages, so allocated and active are the
/// heap it counts and resident is the process's RSS.
fn allocator(m: &MemoryOverhead) -> (u64, u64, u64) {
    (m.used, m.used, m.rss)
}

/// MEMORY STATS: Redis's fields, from what the demo measures (the heap,
/// its peak, what start-up held, the clients' buffers, RSS) and Redis's
/// estimate of each database's tables; replication, cluster, AOF, Lua and
/// functions take nothing here.
pub(super) fn memory_stats(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    let m = memory_overhead(e, c);
    let resp3 = c.session.resp3;
    let (allocated, active, resident) = allocator(&m);
    let net = if m.used > m.startup {
        m.used - m.startup
    } else {
        1
    };
    c.reply.map(27 + m.dbs.len(), resp3);
    let int = |c: &mut Caller<'_>, name: &str, n: u64| {
        c.reply.bulk(name.as_bytes());
        c.reply.int(n as i64);
    };
    let double = |c: &mut Caller<'_>, name: &str, d: f64| {
        c.reply.bulk(name.as_bytes());
        reply_double(c, d);
    };
    int(c, "peak.allocated", m.peak);
    int(c, "total.allocated", m.used);
    int(c, "startup.allocated", m.startup);
    for name in ["replication.backlog", "clients.slaves"] {
        int(c, name, 0);
    }
    int(c, "clients.normal", m.clients);
    for name in [
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
    ] {
        int(c, name, 0);
    }
    for &(db, main, expires) in &m.dbs {
        c.reply.bulk(format!("db.{db}").as_bytes());
        c.reply.map(3, resp3);
        int(c, "overhead.hashtable.main", main);
        int(c, "overhead.hashtable.expires", expires);
        int(c, "overhead.hashtable.slot-to-keys", 0);
    }
    int(c, "overhead.total", m.overhead);
    int(c, "keys.count", m.keys);
    int(
        c,
        "keys.bytes-per-key",
        net.checked_div(m.keys).unwrap_or(0),
    );
    int(c, "dataset.bytes", m.dataset);
    double(
        c,
        "dataset.percentage",
        (m.dataset as f32 * 100.0 / net as f32) as f64,
    );
    double(
        c,
        "peak.percentage",
        (m.used as f32 * 100.0 / m.peak as f32) as f64,
    );
    int(c, "allocator.allocated", allocated);
    int(c, "allocator.active", active);
    int(c, "allocator.resident", resident);
    double(c, "allocator-fragmentation.ratio", ratio(active, allocated));
    int(c, "allocator-fragmentation.bytes", active - allocated);
    double(c, "allocator-rss.ratio", ratio(resident, active));
    int(c, "allocator-rss.bytes", resident.wrapping_sub(active));
    double(c, "rss-overhead.ratio", ratio(m.rss, resident));
    int(c, "rss-overhead.bytes", m.rss.wrapping_sub(resident));
    double(c, "fragmentation", ratio(m.rss, m.used));
    int(c, "fragmentation.bytes", m.rss.wrapping_sub(m.used));
}

/// MEMORY DOCTOR (`getMemoryDoctorReport`).
pub(super) fn memory_doctor(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    let report = memory_report(&memory_overhead(e, c));
    c.reply.verbatim(report.as_bytes(), c.session.resp3);
}

fn memory_report(m: &MemoryOverhead) -> String {
    const MB10: u64 = 10 << 20;
    if m.used < 5 << 20 {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".into();
    }
    let (allocated, active, resident) = allocator(m);
    // Redis's byte differences are unsigned: a negative one is huge.
    let big = |a: u64, b: u64, limit: f32| ratio(a, b) > limit as f64 && a.wrapping_sub(b) > MB10;
    let big_peak = ratio(m.peak, m.used) > 1.5;
    let high_frag = big(m.rss, m.used, 1.4);
    let high_alloc_frag = big(active, allocated, 1.1);
    let high_alloc_rss = big(resident, active, 1.1);
    let high_proc_rss = big(m.rss, resident, 1.1);
    let big_client_buf = m.clients / m.connected.max(1) > 200 * 1024;
    if !(big_peak
        || high_frag
        || high_alloc_frag
        || high_alloc_rss
        || high_proc_rss
        || big_client_buf)
    {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n".into();
    }
    let mut s =
        String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    if big_peak {
        s.push_str(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n");
    }
    if high_frag {
        // ZMALLOC_LIB: the demo allocates through libc.
        s.push_str(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n");
    }
    if high_alloc_frag {
        s.push_str(" * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n");
    }
    if high_alloc_rss {
        s.push_str(" * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n");
    }
    if high_proc_rss {
        s.push_str(" * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n");
    }
    if big_client_buf {
        s.push_str(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n");
    }
    s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    s
}

/// MEMORY MALLOC-STATS: Redis built without jemalloc says so, as the demo
/// (on the system allocator) does.
pub(super) fn memory_malloc_stats(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply
        .bulk(b"Stats not supported for the current allocator");
}

/// MEMORY PURGE: nothing to purge without jemalloc; Redis answers OK then.
pub(super) fn memory_purge(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.status("OK");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_redis_histogram_levels() {
        let histogram_bucket = |usec| level(recorded_ns(usec));
        // The names Redis 7.0 replies with.
        let names: Vec<i64> = (0..LEVELS).map(level_usec).collect();
        assert_eq!(
            &names[..12],
            &[1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113]
        );
        assert_eq!(names[19], 541_065);
        assert_eq!(names[20], 1_073_741);
        // 0 µs is recorded as 1 ns; 1 µs = 1000 ns is within 1024's
        // sub-bucket (up to 1031); 2 µs within 2048's (up to 2063).
        assert_eq!(histogram_bucket(0), 0);
        assert_eq!(histogram_bucket(1), 0);
        assert_eq!(histogram_bucket(2), 1);
        assert_eq!(histogram_bucket(3), 2);
        assert_eq!(histogram_bucket(4), 2);
        assert_eq!(histogram_bucket(5), 3);
        // 33 µs = 33000 ns, within 32768's sub-bucket (up to 33023).
        assert_eq!(histogram_bucket(33), 5);
        assert_eq!(histogram_bucket(34), 6);
        // Past the last level's sub-bucket, and past 1 s.
        assert_eq!(histogram_bucket(541_065), 19);
        assert_eq!(histogram_bucket(541_066), 20);
        assert_eq!(histogram_bucket(u64::MAX), 20);
        // Each bucket's name is the highest duration it holds.
        for usec in 0..3_000_000u64 {
            let k = histogram_bucket(usec);
            assert!(k == 20 || usec <= level_usec(k) as u64 + 1, "{usec}");
        }
    }

    #[test]
    fn hdr_indexes_cover_each_value_once() {
        for i in 0..COUNTS {
            assert_eq!(hdr_index(hdr_value(i)), i, "{i}");
        }
        for ns in (1..5000).chain([1_000_000_000, 999_999_999, 123_456_789]) {
            let (low, high) = (hdr_value(hdr_index(ns)), hdr_highest(ns));
            assert!(low <= ns && ns <= high, "{ns}: {low}..{high}");
            // Two significant digits: the range is under 1% of the value.
            assert!((high - low) * 128 <= ns.max(256), "{ns}");
        }
    }

    #[test]
    fn percentiles_are_redis_values() {
        // What redis-server 7.0.15's INFO latencystats printed for commands
        // of these durations (p0 is the least value counted with them).
        for (usec, p0, p50) in [
            (5, 4_992, 5_023),
            (79, 78_848, 79_359),
            (92, 91_648, 92_159),
        ] {
            let mut l = Latencies::default();
            l.record(usec);
            assert_eq!((l.percentile(0.0), l.percentile(50.0)), (p0, p50), "{usec}");
            assert_eq!(l.percentile(100.0), p50);
        }
        // The rank is p% of the calls rounded, at least the first.
        let mut l = Latencies::default();
        for usec in 1..=100 {
            l.record(usec);
        }
        assert_eq!(l.calls(), 100);
        // 50 µs is counted in [49 920, 50 175] ns; 99 µs in [98 816, 99 327].
        assert_eq!(l.percentile(50.0), 50_175);
        assert_eq!(l.percentile(99.0), 99_327);
        assert_eq!(l.percentile(99.4), 99_327);
        assert_eq!(l.percentile(0.1), l.percentile(1.0));
        // 0 µs is recorded as 1 ns, past 1 s as 1 s (counted in
        // [998 244 352, 1 002 438 655]).
        let mut l = Latencies::default();
        l.record(0);
        l.record(5_000_000);
        assert_eq!((l.percentile(0.0), l.percentile(100.0)), (1, 1_002_438_655));
        assert_eq!(Latencies::default().percentile(50.0), 0);
    }

    fn series(samples: &[(i64, u64)]) -> LatencySeries {
        let mut ts = LatencySeries::default();
        for (j, s) in samples.iter().enumerate() {
            ts.samples[j] = *s;
            ts.max = ts.max.max(s.1);
        }
        ts.idx = samples.len();
        ts
    }

    #[test]
    fn graph_of_one_sample() {
        let ts = series(&[(1000, 10)]);
        let g = sparkline("command", &ts, 1003);
        let rule = "-".repeat(80);
        assert_eq!(
            g,
            format!("command - high 10 ms, low 10 ms (all time high 10 ms)\n{rule}\n \n \n \n_\n \n3\ns\n")
        );
    }

    #[test]
    fn graph_scales_between_min_and_max() {
        let ts = series(&[(1990, 0), (1995, 6), (1999, 11), (1000, 3)]);
        let g = sparkline("fast-command", &ts, 2000);
        assert!(g.starts_with("fast-command - high 11 ms, low 0 ms (all time high 11 ms)\n"));
        let body: Vec<&str> = g.lines().skip(2).collect();
        // Steps 0, 6, 12 (kept at 11) and 3 over 4 rows of 3 levels; the
        // labels downwards after a blank row.
        assert_eq!(
            body,
            ["  # ", " _| ", " ||_", "_|||", "    ", "1511", "0ss6", "s  m"]
        );
    }

    #[test]
    fn graph_bands_of_80_columns() {
        let samples: Vec<(i64, u64)> = (1..=100).map(|t| (t, t as u64)).collect();
        let g = sparkline("command", &series(&samples), 100);
        // Header, rule, two bands of 4 rows, a blank and three label rows
        // ("99s"), an empty line between them.
        assert_eq!(g.lines().count(), 2 + 8 + 1 + 8);
        assert_eq!(g.lines().nth(2).map(str::len), Some(80));
        assert_eq!(g.lines().nth(10), Some(""));
        assert_eq!(g.lines().nth(11).map(str::len), Some(20));
    }

    #[test]
    fn analysis_of_an_event() {
        let ls = analyze(&series(&[(100, 10), (110, 20), (120, 30)]), 130);
        assert_eq!((ls.samples, ls.avg, ls.mad, ls.period), (3, 20, 6, 30));
        let ls = analyze(&series(&[(100, 5)]), 100);
        assert_eq!(ls.period, 1);
    }
}
