//! Snapshots (Redis's `rdb.c` commands and the parts of `serverCron` and
//! `prepareForShutdown` that save): SAVE, BGSAVE, LASTSAVE, INFO
//! persistence, the save schedules, and the save before shutdown. The
//! format is [`crate::rdb`]'s; the fork is the server's, lent through
//! [`Children`].

use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Instant;

use super::{error, SYNTAX};
use crate::engine::db::unix_ms;
use crate::engine::reply::Reply;
use crate::engine::{Caller, Children, Engine, Keyspace};
use crate::log;
use crate::rdb::{self, Loaded, Progress, SaveOptions};

/// Seconds after a failed BGSAVE before a schedule tries again
/// (`CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY: i64 = 5;

/// The process writing a snapshot (BGSAVE's child).
#[derive(Clone, Copy, Debug)]
pub struct SaveChild {
    /// Its pid.
    pub pid: u32,
    /// Unix seconds it started at.
    started: i64,
    /// The keyspace's change count at the fork: what the file holds.
    changes: u64,
    /// Keys it writes (INFO `current_save_keys_total`).
    keys: usize,
    /// What it reported so far.
    progress: ChildProgress,
}

/// What the BGSAVE child reported while it runs (Redis's
/// `stat_current_cow_peak`, `stat_current_cow_bytes`,
/// `stat_current_cow_updated`, `stat_current_save_keys_processed`): INFO
/// shows it, and it goes with the child, so without one INFO shows 0s.
#[derive(Clone, Copy, Debug, Default)]
struct ChildProgress {
    /// The most copy-on-write reported.
    cow_peak: u64,
    /// The copy-on-write last reported.
    cow: u64,
    /// When the child measured it; `None` before the first report.
    cow_updated: Option<Instant>,
    /// Keys it had written at its last progress report.
    keys_processed: u64,
}

/// What a report of the BGSAVE child is (Redis's `childInfoType`s an RDB
/// child sends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildInfoKind {
    /// Progress while it writes (`CHILD_INFO_TYPE_CURRENT_INFO`).
    Current,
    /// It saved: the copy-on-write of the whole save
    /// (`CHILD_INFO_TYPE_RDB_COW_SIZE`).
    RdbCowSize,
}

/// One report of the BGSAVE child (Redis's `child_info_data`), which the
/// server reads from the child and hands to [`Engine::child_info`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    /// What it reports.
    pub kind: ChildInfoKind,
    /// Keys written so far ([`ChildInfoKind::Current`] only).
    pub keys: u64,
    /// Bytes the kernel copied for the child since the fork (its
    /// Private_Dirty memory), at its last reading.
    pub cow: u64,
    /// When that reading was taken.
    pub cow_updated: Instant,
}

/// The state of snapshots (Redis's `lastsave`, `lastbgsave_status`,
/// `child_pid`, `rdb_bgsave_scheduled`, ...).
#[derive(Debug)]
pub struct Persistence {
    /// Unix seconds of the last successful save, or of the start
    /// (LASTSAVE, and what the schedules count from).
    pub lastsave: i64,
    /// Unix seconds of the last BGSAVE tried.
    last_try: i64,
    /// The last BGSAVE succeeded (`rdb_last_bgsave_status`).
    pub last_ok: bool,
    /// The child writing a snapshot now.
    pub child: Option<SaveChild>,
    /// A BGSAVE waits for the running one to end.
    pub scheduled: bool,
    /// Saves started, of either kind (`rdb_saves`).
    saves: u64,
    /// Seconds the last BGSAVE took; -1 before the first.
    last_bgsave_secs: i64,
    /// The keyspace's change count that the file on disk holds.
    saved_changes: u64,
    /// What start-up loaded.
    pub loaded: Loaded,
    /// Microseconds the last fork stalled the server (`latest_fork_usec`).
    pub latest_fork_usec: u64,
    /// Forks done (`total_forks`).
    pub total_forks: u64,
    /// What copy-on-write cost the last BGSAVE child, as it reported
    /// (`rdb_last_cow_size`).
    last_cow_size: u64,
}

impl Persistence {
    /// Nothing saved yet; `now` (Unix seconds) counts as the last save, as
    /// Redis sets `lastsave` at start.
    pub fn new(now: i64) -> Self {
        Persistence {
            lastsave: now,
            last_try: 0,
            last_ok: true,
            child: None,
            scheduled: false,
            saves: 0,
            last_bgsave_secs: -1,
            saved_changes: 0,
            loaded: Loaded::default(),
            latest_fork_usec: 0,
            total_forks: 0,
            last_cow_size: 0,
        }
    }
}

/// Writes `keyspace` to `path` and logs the outcome as Redis's `rdbSave`
/// does, in SAVE and in BGSAVE's child alike (which reports through
/// `progress`); true when it saved.
pub fn write_snapshot(
    keyspace: &Keyspace,
    now_ms: i64,
    options: SaveOptions,
    path: &Path,
    progress: Progress<'_>,
) -> bool {
    match rdb::save_file(keyspace, now_ms, options, path, progress) {
        Ok(()) => {
            log!(Notice, "DB saved on disk");
            true
        }
        Err(err) => {
            log!(Warning, "Write error saving DB on disk: {err}");
            false
        }
    }
}

/// Every change made to the keyspace since start.
fn changes(e: &Engine) -> u64 {
    e.keyspace.iter().map(|db| db.changes()).sum()
}

impl Engine {
    /// Changes made since the file on disk was written (`server.dirty`).
    pub fn dirty(&self) -> u64 {
        changes(self) - self.persistence.saved_changes
    }

    /// What start-up loaded: the keyspace's changes so far are in the file.
    pub fn loaded(&mut self, loaded: Loaded) {
        self.persistence.loaded = loaded;
        self.persistence.saved_changes = changes(self);
    }

    /// How a save now writes its file: as the settings say, with the heap
    /// held as it starts (Redis's child reads its copy of the same count).
    fn save_options(&self) -> SaveOptions {
        SaveOptions {
            compression: self.config.rdbcompression,
            used_mem: crate::heap::used(),
            key_save_delay: self.config.rdb_key_save_delay,
        }
    }

    /// Saves in this process (`rdbSave`); false, logged, on failure.
    pub fn save(&mut self) -> bool {
        // No one to report progress to (Redis's sendChildInfo finds no
        // pipe in a foreground save).
        let saved = write_snapshot(
            &self.keyspace,
            unix_ms(),
            self.save_options(),
            &self.config.rdb_path(),
            &mut |_| Ok(()),
        );
        if saved {
            self.persistence.saved_changes = changes(self);
            self.persistence.lastsave = unix_ms() / 1000;
            self.persistence.last_ok = true;
        }
        saved
    }

    /// Starts a BGSAVE (`rdbSaveBackground`); the caller checked no child
    /// runs.
    pub fn background_save(&mut self, children: &mut dyn Children) -> io::Result<()> {
        let now = unix_ms();
        self.persistence.saves += 1;
        self.persistence.last_try = now / 1000;
        let path = self.config.rdb_path();
        let start = std::time::Instant::now();
        let forked = children.fork_save(&self.keyspace, now, self.save_options(), &path);
        match forked {
            Ok(pid) => {
                self.persistence.latest_fork_usec = start.elapsed().as_micros() as u64;
                self.persistence.total_forks += 1;
                log!(Notice, "Background saving started by pid {pid}");
                self.persistence.child = Some(SaveChild {
                    pid,
                    started: now / 1000,
                    changes: changes(self),
                    keys: self.keyspace.iter().map(|db| db.len()).sum(),
                    progress: ChildProgress::default(),
                });
                Ok(())
            }
            Err(err) => {
                self.persistence.last_ok = false;
                log!(Warning, "Can't save in background: fork: {err}");
                Err(err)
            }
        }
    }

    /// A report of the running BGSAVE child (`updateChildInfo`): its
    /// progress, for INFO; once it saved, the most copy-on-write it
    /// reported is the save's (`rdb_last_cow_size`).
    pub fn child_info(&mut self, info: ChildInfo) {
        let p = &mut self.persistence;
        let Some(child) = p.child.as_mut() else {
            return;
        };
        let progress = &mut child.progress;
        progress.cow_peak = progress.cow_peak.max(info.cow);
        match info.kind {
            ChildInfoKind::Current => {
                progress.cow = info.cow;
                progress.cow_updated = Some(info.cow_updated);
                progress.keys_processed = info.keys;
            }
            ChildInfoKind::RdbCowSize => p.last_cow_size = progress.cow_peak,
        }
    }

    /// The BGSAVE child ended (`backgroundSaveDoneHandlerDisk`): a clean
    /// exit makes its file the saved state; a failure or a signal other
    /// than the SIGUSR1 that stops it on purpose marks the save failed.
    /// What it reported goes with it (`resetChildState`).
    pub fn background_save_done(&mut self, status: io::Result<ExitStatus>) {
        use std::os::unix::process::ExitStatusExt;
        let Some(child) = self.persistence.child.take() else {
            return;
        };
        let now = unix_ms() / 1000;
        let p = &mut self.persistence;
        match status {
            Ok(s) if s.success() => {
                log!(Notice, "Background saving terminated with success");
                p.saved_changes = child.changes;
                p.lastsave = now;
                p.last_ok = true;
            }
            Ok(s) if s.signal().is_some() => {
                let signo = s.signal().unwrap_or(0);
                log!(Warning, "Background saving terminated by signal {signo}");
                remove_temp_file(self, child.pid);
                if signo != nix::libc::SIGUSR1 {
                    self.persistence.last_ok = false;
                }
            }
            other => {
                if let Err(err) = other {
                    log!(Warning, "Background saving child lost: {err}");
                } else {
                    log!(Warning, "Background saving error");
                }
                p.last_ok = false;
            }
        }
        self.persistence.last_bgsave_secs = now - child.started;
    }

    /// The cron's part (`serverCron`): a BGSAVE that was scheduled, or one
    /// a save schedule calls for (that many changes in that many seconds),
    /// when no child runs and the last try did not fail just now.
    pub fn persistence_cron(&mut self, children: &mut dyn Children) {
        if self.persistence.child.is_some() {
            return;
        }
        let now = unix_ms() / 1000;
        let p = &self.persistence;
        let may_retry = p.last_ok || now - p.last_try > RETRY_DELAY;
        if !may_retry {
            return;
        }
        if p.scheduled {
            if self.background_save(children).is_ok() {
                self.persistence.scheduled = false;
            }
            return;
        }
        let dirty = self.dirty();
        let due = self
            .config
            .save
            .iter()
            .find(|&&(secs, n)| dirty >= n && now - self.persistence.lastsave > secs as i64);
        if let Some(&(secs, n)) = due {
            log!(Notice, "{n} changes in {secs} seconds. Saving...");
            let _ = self.background_save(children);
        }
    }

    /// The save before exiting (`prepareForShutdown`): stops a BGSAVE
    /// child, then saves when the schedules say the data is persistent
    /// (and not NOSAVE) or when SAVE asks. False when that save failed and
    /// `force` is not given: the server must not exit.
    pub fn save_for_shutdown(
        &mut self,
        children: &mut dyn Children,
        nosave: bool,
        save: bool,
        force: bool,
    ) -> bool {
        if let Some(child) = self.persistence.child {
            log!(Warning, "There is a child saving an .rdb. Killing it!");
            children.kill(child.pid);
            remove_temp_file(self, child.pid);
        }
        if (!self.config.save.is_empty() && !nosave) || save {
            log!(Notice, "Saving the final RDB snapshot before exiting.");
            if !self.save() {
                if force {
                    log!(Warning, "Error trying to save the DB. Exit anyway.");
                } else {
                    log!(Warning, "Error trying to save the DB, can't exit.");
                    return false;
                }
            }
        }
        true
    }

    /// After FLUSHALL (`flushAllDataAndResetRDB`): a running BGSAVE would
    /// write the old data, so it stops; with save schedules the empty
    /// keyspace is saved at once. The flush itself stays a change.
    pub fn flushed_all(&mut self, children: &mut dyn Children) {
        if let Some(child) = self.persistence.child {
            children.kill(child.pid);
        }
        if !self.config.save.is_empty() {
            self.save();
        }
        // A change no key shows (FLUSHALL's own, after its save).
        let db = &mut self.keyspace[0];
        db.count_as(db.changes(), 1);
    }
}

/// Removes the file a stopped child was writing (`rdbRemoveTempFile`).
fn remove_temp_file(e: &Engine, pid: u32) {
    let _ = std::fs::remove_file(rdb::temp_path(&e.config.rdb_path(), pid));
}

/// SAVE: saves in this process, the server blocked meanwhile.
pub(super) fn save(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    if e.persistence.child.is_some() {
        return error(e, c, "ERR Background save already in progress");
    }
    e.persistence.saves += 1;
    if e.save() {
        c.reply.status("OK");
    } else {
        error(e, c, "ERR");
    }
}

/// BGSAVE [SCHEDULE]: a child writes the snapshot while the server goes
/// on; inside EXEC (no fork there) it is scheduled for the cron.
pub(super) fn bgsave(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    match &args[1..] {
        [] => {}
        [opt] if opt.eq_ignore_ascii_case(b"schedule") => {}
        _ => return error(e, c, SYNTAX),
    }
    if e.persistence.child.is_some() {
        error(e, c, "ERR Background save already in progress");
    } else if e.in_exec {
        e.persistence.scheduled = true;
        c.reply.status("Background saving scheduled");
    } else if e.background_save(c.children).is_ok() {
        c.reply.status("Background saving started");
    } else {
        error(e, c, "ERR");
    }
}

/// LASTSAVE: Unix time of the last successful save.
pub(super) fn lastsave(e: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.int(e.persistence.lastsave);
}

/// INFO persistence, Redis 7.0's fields; the `current_` ones are what the
/// running BGSAVE child last reported (0 without one), the share of its
/// keys written and the age of its copy-on-write reading computed as
/// Redis computes them.
pub(super) fn info_persistence(e: &Engine, out: &mut String) {
    let p = &e.persistence;
    let now = unix_ms() / 1000;
    let (in_progress, current_secs, keys_total, progress) = match p.child {
        Some(child) => (1, now - child.started, child.keys, child.progress),
        None => (0, -1, 0, ChildProgress::default()),
    };
    let fork_perc = if keys_total > 0 {
        progress.keys_processed as f64 / keys_total as f64 * 100.0
    } else {
        0.0
    };
    // Whole seconds since the child's reading (`elapsedMs(...) / 1000`).
    let cow_age = progress.cow_updated.map_or(0, |at| {
        Instant::now().saturating_duration_since(at).as_secs()
    });
    let _ = write!(
        out,
        "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:{}\r\ncurrent_cow_size:{}\r\ncurrent_cow_size_age:{cow_age}\r\ncurrent_fork_perc:{fork_perc:.2}\r\ncurrent_save_keys_processed:{}\r\ncurrent_save_keys_total:{keys_total}\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{in_progress}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{current_secs}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        progress.cow_peak,
        progress.cow,
        progress.keys_processed,
        e.dirty(),
        p.lastsave,
        if p.last_ok { "ok" } else { "err" },
        p.last_bgsave_secs,
        p.saves,
        p.last_cow_size,
        p.loaded.keys_expired,
        p.loaded.keys_loaded,
    );
}
