//! The BGSAVE child's reports to the server (Redis's `childinfo.c`): the
//! child writes fixed-size records to a pipe, about once a second while it
//! saves (keys written, copy-on-write so far) and once when it has saved
//! (the copy-on-write of the whole save); the server reads them without
//! blocking, once a second from its cron and to the end when the child
//! has exited.

use std::fs::File;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};

use crate::engine::{ChildInfo, ChildInfoKind};
use crate::log;

/// How often the child reports its progress and the server reads the
/// pipe (Redis: `rdbSaveDb`'s 1000 ms, `run_with_period(1000)`).
pub const PERIOD: Duration = Duration::from_secs(1);

/// A record: kind, keys, copy-on-write bytes, and the microseconds from
/// the fork to when that was measured, each a little-endian u64.
const RECORD: usize = 32;

/// The child measures its copy-on-write again only once this many times
/// what the last reading took has passed (`CHILD_COW_DUTY_CYCLE`): reading
/// /proc takes long in a big process, and the save waits meanwhile.
const COW_DUTY_CYCLE: u32 = 100;

/// The pipe, opened just before the fork. `forked_at` is what the records'
/// times count from: both processes hold the same value, the child a copy
/// of the parent's, so no clock value has to cross the pipe.
pub fn open(forked_at: Instant) -> io::Result<(Receiver, Sender)> {
    let (read, write) = nix::unistd::pipe()?;
    // The server never waits for the child (Redis's read end is
    // O_NONBLOCK). The child's writes block, as in Redis: the pipe holds
    // thousands of records and the server reads every second.
    let flags = OFlag::from_bits_truncate(fcntl(&read, FcntlArg::F_GETFL)?);
    fcntl(&read, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    let receiver = Receiver {
        pipe: File::from(read),
        forked_at,
        record: [0; RECORD],
        filled: 0,
        last_read: forked_at,
    };
    let sender = Sender {
        pipe: File::from(write),
        forked_at,
        cow: 0,
        cow_updated: None,
        cow_cost: Duration::ZERO,
        cow_peak: 0,
        cow_sum: 0,
        readings: 0,
        last_progress: None,
    };
    Ok((receiver, sender))
}

/// The server's end of the pipe.
pub struct Receiver {
    pipe: File,
    forked_at: Instant,
    /// A record read in part: a read may end inside one (Redis's
    /// `child_info_nread`).
    record: [u8; RECORD],
    filled: usize,
    /// When the cron last read.
    last_read: Instant,
}

impl Receiver {
    /// Delivers every report the child has written so far
    /// (`receiveChildInfo`; the server's `deliver` is
    /// [`crate::engine::Engine::child_info`]), keeping a partial record
    /// for the next call.
    pub fn receive(&mut self, mut deliver: impl FnMut(ChildInfo)) {
        loop {
            match self.pipe.read(&mut self.record[self.filled..]) {
                Ok(0) => return, // the child has closed its end
                Ok(n) => {
                    self.filled += n;
                    if self.filled == RECORD {
                        self.filled = 0;
                        if let Some(info) = decode(&self.record, self.forked_at) {
                            deliver(info);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // WouldBlock: nothing more for now. Any other error leaves
                // INFO as it is; the child's end is handled apart.
                Err(_) => return,
            }
        }
    }

    /// From the cron while the child runs: reads once a [`PERIOD`].
    pub fn receive_periodically(&mut self, now: Instant, deliver: impl FnMut(ChildInfo)) {
        if now.saturating_duration_since(self.last_read) >= PERIOD {
            self.last_read = now;
            self.receive(deliver);
        }
    }
}

/// The child's end of the pipe, with what it measured so far
/// (`sendChildInfoGeneric`'s statics).
pub struct Sender {
    pipe: File,
    forked_at: Instant,
    /// The last copy-on-write reading, when it ended, what it took.
    cow: u64,
    cow_updated: Option<Instant>,
    cow_cost: Duration,
    /// For the log: the highest reading, the sum and number of them.
    cow_peak: u64,
    cow_sum: u64,
    readings: u64,
    /// When progress was last sent.
    last_progress: Option<Instant>,
}

impl Sender {
    /// The save's progress callback ([`crate::rdb::Progress`]): `keys`
    /// written so far, sent if a [`PERIOD`] has passed since the last
    /// report (at once for the first), as `rdbSaveDb` does.
    pub fn progress(&mut self, keys: u64) -> io::Result<()> {
        let now = Instant::now();
        if self
            .last_progress
            .is_some_and(|at| now.saturating_duration_since(at) < PERIOD)
        {
            return Ok(());
        }
        self.last_progress = Some(now);
        self.send(ChildInfoKind::Current, keys)
    }

    /// Sends one report (`sendChildInfoGeneric`): the copy-on-write is
    /// measured for the final one, and for progress only when the last
    /// reading is old enough; each reading is logged (progress only when
    /// there is some copy-on-write, and at verbose). An error means the
    /// server is gone: logged, and the caller gives up the save.
    pub fn send(&mut self, kind: ChildInfoKind, keys: u64) -> io::Result<()> {
        let now = Instant::now();
        let stale = self.cow_updated.map_or(true, |at| {
            now.saturating_duration_since(at) > self.cow_cost.saturating_mul(COW_DUTY_CYCLE)
        });
        if kind != ChildInfoKind::Current || stale {
            self.cow = private_dirty_bytes();
            let measured = Instant::now();
            self.cow_cost = measured.saturating_duration_since(now);
            self.cow_updated = Some(measured);
            self.cow_peak = self.cow_peak.max(self.cow);
            self.cow_sum = self.cow_sum.saturating_add(self.cow);
            self.readings += 1;
            let done = kind != ChildInfoKind::Current;
            if self.cow > 0 || done {
                let level = if done {
                    log::Level::Notice
                } else {
                    log::Level::Verbose
                };
                log::log(
                    level,
                    format_args!(
                        "Fork CoW for RDB: current {} MB, peak {} MB, average {} MB",
                        self.cow >> 20,
                        self.cow_peak >> 20,
                        (self.cow_sum / self.readings) >> 20
                    ),
                );
            }
        }
        let info = ChildInfo {
            kind,
            keys,
            cow: self.cow,
            cow_updated: self.cow_updated.unwrap_or(now),
        };
        let written = self.pipe.write_all(&encode(&info, self.forked_at));
        if let Err(err) = &written {
            log!(
                Warning,
                "Child failed reporting info to parent, exiting. {err}"
            );
        }
        written
    }
}

/// A report as a record.
fn encode(info: &ChildInfo, forked_at: Instant) -> [u8; RECORD] {
    let kind: u64 = match info.kind {
        ChildInfoKind::Current => 0,
        ChildInfoKind::RdbCowSize => 1,
    };
    let since_fork = info.cow_updated.saturating_duration_since(forked_at);
    let micros = u64::try_from(since_fork.as_micros()).unwrap_or(u64::MAX);
    let mut record = [0u8; RECORD];
    for (field, value) in record
        .chunks_exact_mut(8)
        .zip([kind, info.keys, info.cow, micros])
    {
        field.copy_from_slice(&value.to_le_bytes());
    }
    record
}

/// A record as a report; `None` for one no child of this server writes
/// (an unknown kind, a time out of range).
fn decode(record: &[u8; RECORD], forked_at: Instant) -> Option<ChildInfo> {
    let mut fields = record
        .chunks_exact(8)
        .map(|f| u64::from_le_bytes(f.try_into().unwrap_or_default()));
    let mut next = || fields.next().unwrap_or_default();
    let kind = match next() {
        0 => ChildInfoKind::Current,
        1 => ChildInfoKind::RdbCowSize,
        _ => return None,
    };
    let (keys, cow, micros) = (next(), next(), next());
    let cow_updated = forked_at.checked_add(Duration::from_micros(micros))?;
    Some(ChildInfo {
        kind,
        keys,
        cow,
        cow_updated,
    })
}

/// The memory this process wrote to since it was forked, which the kernel
/// copied for it (`zmalloc_get_private_dirty`): Private_Dirty of its
/// mappings; 0 where /proc does not tell.
fn private_dirty_bytes() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/smaps_rollup") else {
        return 0;
    };
    text.lines()
        .filter_map(|l| l.strip_prefix("Private_Dirty:"))
        .filter_map(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_cross_the_pipe_whole_and_are_read_once_a_period() {
        let forked_at = Instant::now();
        let (mut receiver, mut sender) = open(forked_at).unwrap();
        let mut got = Vec::new();
        // Nothing written: the read does not wait.
        receiver.receive(|i| got.push(i));
        assert!(got.is_empty());
        sender.progress(1).unwrap();
        // Within a period of the last: not sent.
        sender.progress(1025).unwrap();
        sender.send(ChildInfoKind::RdbCowSize, 0).unwrap();
        // The cron reads only a period after the fork (or its last read).
        receiver.receive_periodically(forked_at + PERIOD / 2, |i| got.push(i));
        assert!(got.is_empty());
        receiver.receive_periodically(forked_at + PERIOD, |i| got.push(i));
        let kinds: Vec<(ChildInfoKind, u64)> = got.iter().map(|i| (i.kind, i.keys)).collect();
        assert_eq!(
            kinds,
            [(ChildInfoKind::Current, 1), (ChildInfoKind::RdbCowSize, 0)]
        );
        for info in &got {
            assert!(info.cow_updated >= forked_at && info.cow_updated <= Instant::now());
        }
        #[cfg(target_os = "linux")]
        assert!(got.iter().all(|i| i.cow > 0), "{got:?}");
        // A record that arrives in parts is delivered once, whole.
        got.clear();
        let one = ChildInfo {
            kind: ChildInfoKind::Current,
            keys: 77,
            cow: 4096,
            cow_updated: forked_at + Duration::from_micros(2500),
        };
        let record = encode(&one, forked_at);
        sender.pipe.write_all(&record[..10]).unwrap();
        receiver.receive(|i| got.push(i));
        assert!(got.is_empty());
        sender.pipe.write_all(&record[10..]).unwrap();
        receiver.receive(|i| got.push(i));
        assert_eq!(got, [one]);
        // The server gone: the child's report fails (EPIPE), no panic.
        drop(receiver);
        assert!(sender.send(ChildInfoKind::Current, 5).is_err());
    }

    #[test]
    fn records_carry_reports_and_refuse_what_no_child_writes() {
        let forked_at = Instant::now();
        for kind in [ChildInfoKind::Current, ChildInfoKind::RdbCowSize] {
            let info = ChildInfo {
                kind,
                keys: 4097,
                cow: 454_656,
                cow_updated: forked_at + Duration::from_micros(1_234_567),
            };
            assert_eq!(decode(&encode(&info, forked_at), forked_at), Some(info));
        }
        let mut unknown = [0u8; RECORD];
        unknown[0] = 7;
        assert_eq!(decode(&unknown, forked_at), None);
        // Any time at all: no panic (an Instant past the clock's range is
        // refused).
        let mut far = [0u8; RECORD];
        far[24..].copy_from_slice(&u64::MAX.to_le_bytes());
        let _ = decode(&far, forked_at);
    }
}
