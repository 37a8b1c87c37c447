//! What the commands keep per client (Redis's client flags, `mstate`,
//! `resp`, name and lib info). WATCH state is not here: it lives in the
//! keyspace's one watch registry, which marks a watcher without reaching
//! into its session.

use super::commands::Command;

/// Per-client state the commands keep. Small, as every connection has
/// one: what only some clients use (a transaction, CLIENT SETINFO) is
/// boxed apart and dropped when empty.
pub struct Session {
    /// Unique id, never reused (CLIENT ID).
    pub id: u64,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// RESP3 chosen by HELLO 3.
    pub resp3: bool,
    /// A command failed to queue: EXEC answers EXECABORT.
    pub dirty_exec: bool,
    /// MONITOR was called.
    pub monitor: bool,
    /// CLIENT REPLY.
    pub reply_mode: ReplyMode,
    /// The database SELECT chose.
    pub db: usize,
    /// Waiting in a blocking command: its further requests wait too.
    pub blocked: bool,
    /// When the connection was made, in seconds since the Unix epoch
    /// (`age` in CLIENT LIST).
    pub(super) created: u32,
    /// The last command run (`cmd` in CLIENT LIST).
    pub(super) last: Option<&'static Command>,
    /// The rarely used part.
    cold: Option<Box<Cold>>,
}

/// CLIENT SETINFO's attributes.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct LibInfo {
    /// lib-name.
    pub name: Vec<u8>,
    /// lib-ver.
    pub version: Vec<u8>,
}

impl LibInfo {
    fn is_empty(&self) -> bool {
        self.name.is_empty() && self.version.is_empty()
    }
}

/// The part of a [`Session`] few clients use.
#[derive(Default)]
struct Cold {
    /// Commands queued since MULTI; `None` outside a transaction.
    multi: Option<Vec<Vec<Vec<u8>>>>,
    /// CLIENT SETINFO.
    lib: LibInfo,
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Session {
    /// The session of a new connection, client `id`.
    pub fn new(id: u64) -> Self {
        Session {
            id,
            name: None,
            resp3: false,
            dirty_exec: false,
            monitor: false,
            reply_mode: ReplyMode::On,
            db: 0,
            blocked: false,
            created: unix_secs() as u32,
            last: None,
            cold: None,
        }
    }

    /// Back to a fresh connection's state (RESET), keeping what describes
    /// the connection: id, age, last command, CLIENT SETINFO.
    pub fn reset(&mut self) {
        let lib = self.lib().cloned();
        let mut fresh = Session {
            created: self.created,
            last: self.last,
            ..Session::new(self.id)
        };
        if let Some(lib) = lib {
            fresh.set_lib(|l| *l = lib);
        }
        *self = fresh;
    }

    fn cold(&mut self) -> &mut Cold {
        self.cold.get_or_insert_with(Box::default)
    }

    /// Frees the cold part once nothing is left in it.
    fn trim(&mut self) {
        let empty = self
            .cold
            .as_ref()
            .is_some_and(|c| c.multi.is_none() && c.lib.is_empty());
        if empty {
            self.cold = None;
        }
    }

    /// Inside MULTI.
    pub fn in_multi(&self) -> bool {
        self.cold.as_ref().is_some_and(|c| c.multi.is_some())
    }

    /// The commands queued since MULTI.
    pub fn queue(&mut self) -> Option<&mut Vec<Vec<Vec<u8>>>> {
        self.cold.as_mut()?.multi.as_mut()
    }

    /// How many commands are queued (`multi` in CLIENT LIST: -1 outside).
    pub fn queued(&self) -> i64 {
        self.cold
            .as_ref()
            .and_then(|c| c.multi.as_ref())
            .map_or(-1, |q| q.len() as i64)
    }

    /// Enters MULTI.
    pub fn begin_multi(&mut self) {
        self.cold().multi = Some(Vec::new());
    }

    /// Leaves MULTI, with what was queued.
    pub fn take_multi(&mut self) -> Option<Vec<Vec<Vec<u8>>>> {
        let queue = self.cold.as_mut()?.multi.take();
        self.trim();
        queue
    }

    /// CLIENT SETINFO's lib-name and lib-ver, if either is set.
    pub fn lib(&self) -> Option<&LibInfo> {
        self.cold.as_ref().map(|c| &c.lib).filter(|l| !l.is_empty())
    }

    /// Changes CLIENT SETINFO's attributes.
    pub fn set_lib(&mut self, f: impl FnOnce(&mut LibInfo)) {
        f(&mut self.cold().lib);
        self.trim();
    }

    /// The last command's full name.
    pub fn last_command(&self) -> &'static str {
        self.last.map_or("NULL", |c| c.full)
    }

    /// Seconds since the connection was made.
    pub fn age(&self) -> u64 {
        unix_secs().saturating_sub(u64::from(self.created))
    }
}

/// CLIENT REPLY modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// No replies until CLIENT REPLY ON.
    Off,
    /// The command after CLIENT REPLY SKIP gets no reply.
    SkipNext,
    /// This command's reply is dropped.
    Skip,
}
