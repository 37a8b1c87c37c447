//! What Redis's command table says of a command besides how to run it:
//! its flags, ACL categories, tips and key specs (Redis's
//! `commands/*.json`, compiled into `commands.c`), with the const builders
//! the table in `table.rs` is written with, and what Redis derives from
//! them when it loads the table (`populateCommandStructure`).

use super::{Command, Proc};

/// Defines one constant per name and the list of `(bit, name)` in the
/// order Redis prints them: the one place a set of names is written.
macro_rules! names {
    ($ty:ty, $list:ident: $($name:ident = $bit:literal $text:literal,)*) => {
        $(
            #[doc = concat!("`", $text, "`")]
            pub const $name: $ty = 1 << $bit;
        )*
        /// Each bit and its name, in Redis's order.
        pub const $list: &[($ty, &str)] = &[$(($name, $text)),*];
    };
}

/// Command flags: Redis's `CMD_*`, those COMMAND INFO shows in the order
/// of `addReplyFlagsForCommand`, then those it hides, then ae's own.
pub mod flag {
    names! { u64, SHOWN:
        WRITE = 0 "write",
        READONLY = 1 "readonly",
        DENYOOM = 2 "denyoom",
        ADMIN = 3 "admin",
        NOSCRIPT = 4 "noscript",
        BLOCKING = 5 "blocking",
        LOADING = 6 "loading",
        STALE = 7 "stale",
        SKIP_MONITOR = 8 "skip_monitor",
        SKIP_SLOWLOG = 9 "skip_slowlog",
        FAST = 10 "fast",
        NO_AUTH = 11 "no_auth",
        NO_MANDATORY_KEYS = 12 "no_mandatory_keys",
        NO_ASYNC_LOADING = 13 "no_async_loading",
        NO_MULTI = 14 "no_multi",
        MOVABLE_KEYS = 15 "movablekeys",
        ALLOW_BUSY = 16 "allow_busy",
    }
    /// May replicate (Redis hides it): a replica may not send it.
    pub const MAY_REPLICATE: u64 = 1 << 32;
    /// Exists in Sentinel too (hidden).
    pub const SENTINEL: u64 = 1 << 33;
    /// Behind `enable-debug-command` (hidden).
    pub const PROTECTED: u64 = 1 << 34;
    /// May touch keys it does not name (FLUSHALL, SWAPDB; hidden).
    pub const TOUCHES_ARBITRARY_KEYS: u64 = 1 << 35;
    /// ae's: runs at once inside MULTI instead of being queued (Redis
    /// compares the command's proc with EXEC's, DISCARD's, MULTI's,
    /// WATCH's, QUIT's and RESET's).
    pub const TX_CONTROL: u64 = 1 << 48;
}

/// ACL categories (`ACL_CATEGORY_*`), in the order of Redis's
/// `ACLCommandCategories`: COMMAND INFO's order, FILTERBY ACLCAT's names.
pub mod acl {
    names! { u32, CATEGORIES:
        KEYSPACE = 0 "keyspace",
        READ = 1 "read",
        WRITE = 2 "write",
        SET = 3 "set",
        SORTEDSET = 4 "sortedset",
        LIST = 5 "list",
        HASH = 6 "hash",
        STRING = 7 "string",
        BITMAP = 8 "bitmap",
        HYPERLOGLOG = 9 "hyperloglog",
        GEO = 10 "geo",
        STREAM = 11 "stream",
        PUBSUB = 12 "pubsub",
        ADMIN = 13 "admin",
        FAST = 14 "fast",
        SLOW = 15 "slow",
        BLOCKING = 16 "blocking",
        DANGEROUS = 17 "dangerous",
        CONNECTION = 18 "connection",
        TRANSACTION = 19 "transaction",
        SCRIPTING = 20 "scripting",
    }
}

/// Key spec flags (`CMD_KEY_*`), in the order of `addReplyFlagsForKeyArgs`.
pub mod key {
    names! { u16, FLAGS:
        RO = 0 "RO",
        RW = 1 "RW",
        OW = 2 "OW",
        RM = 3 "RM",
        ACCESS = 4 "access",
        UPDATE = 5 "update",
        INSERT = 6 "insert",
        DELETE = 7 "delete",
        NOT_KEY = 8 "not_key",
        INCOMPLETE = 9 "incomplete",
        VARIABLE_FLAGS = 10 "variable_flags",
    }
}

/// Where a key spec starts looking (`begin_search`).
#[derive(Clone, Copy)]
pub enum Begin {
    /// At this argument.
    Index(i32),
}

/// How a key spec finds its keys from where it starts (`find_keys`).
#[derive(Clone, Copy)]
pub enum Find {
    /// Up to `last` (from the start; negative: from the end), every
    /// `step`th; with `limit`, the remaining arguments' 1/limit.
    Range { last: i32, step: i32, limit: i32 },
    /// The argument at `index` (from the start) counts the keys, which
    /// begin at `first` (from the start), every `step`th.
    Keynum { index: i32, first: i32, step: i32 },
}

/// Where a command's keys are and how it uses them (Redis's `keySpec`).
pub struct KeySpec {
    /// Why the flags are as they are, when that needs saying.
    pub notes: Option<&'static str>,
    /// [`key`] flags.
    pub flags: u16,
    /// Where the search starts.
    pub begin: Begin,
    /// How the keys are found from there.
    pub find: Find,
}

/// A key spec: flags, where to start, how to find the keys.
pub const fn spec(flags: u16, begin: Begin, find: Find) -> KeySpec {
    KeySpec {
        notes: None,
        flags,
        begin,
        find,
    }
}

/// Begins at argument `pos`.
pub const fn index(pos: i32) -> Begin {
    Begin::Index(pos)
}

/// Keys up to `last`, every `step`th (see [`Find::Range`]).
pub const fn range(last: i32, step: i32, limit: i32) -> Find {
    Find::Range { last, step, limit }
}

/// Keys counted by an argument (see [`Find::Keynum`]).
pub const fn keynum(index: i32, first: i32, step: i32) -> Find {
    Find::Keynum { index, first, step }
}

impl KeySpec {
    /// With notes.
    pub const fn notes(self, notes: &'static str) -> KeySpec {
        KeySpec {
            notes: Some(notes),
            ..self
        }
    }
}

/// A command (or a subcommand: `name` is then `container|sub`) with no
/// metadata yet.
pub const fn cmd(name: &'static str, arity: i32, proc: Proc, flags: u64) -> Command {
    Command {
        name,
        full: name,
        arity,
        proc,
        flags,
        acl: 0,
        tips: &[],
        keys: &[],
        subs: &[],
    }
}

/// A container (CLIENT, CONFIG, OBJECT...): what runs is a subcommand.
pub const fn container(name: &'static str, flags: u64, subs: &'static [Command]) -> Command {
    cmd(name, -2, super::container_proc, flags).subs(subs)
}

impl Command {
    /// ACL categories besides those the flags imply.
    pub const fn acl(self, acl: u32) -> Command {
        Command { acl, ..self }
    }

    /// Tips for clients (`command_tips`, lower-cased as Redis prints them).
    pub const fn tips(self, tips: &'static [&'static str]) -> Command {
        Command { tips, ..self }
    }

    /// Key specs.
    pub const fn keys(self, keys: &'static [KeySpec]) -> Command {
        Command { keys, ..self }
    }

    /// Subcommands.
    pub const fn subs(self, subs: &'static [Command]) -> Command {
        Command { subs, ..self }
    }

    /// The flags with `movablekeys` when the specs make it so.
    pub fn all_flags(&self) -> u64 {
        let (_, movable) = self.legacy_range();
        self.flags | if movable { flag::MOVABLE_KEYS } else { 0 }
    }

    /// The ACL categories, with those the flags imply
    /// (`setImplicitACLCategories`).
    pub fn acl_categories(&self) -> u32 {
        let mut acl = self.acl;
        for (f, a) in [
            (flag::WRITE, acl::WRITE),
            (flag::ADMIN, acl::ADMIN | acl::DANGEROUS),
            (flag::FAST, acl::FAST),
            (flag::BLOCKING, acl::BLOCKING),
        ] {
            if self.flags & f != 0 {
                acl |= a;
            }
        }
        if self.flags & flag::READONLY != 0 && self.acl & acl::SCRIPTING == 0 {
            acl |= acl::READ;
        }
        if acl & acl::FAST == 0 {
            acl |= acl::SLOW;
        }
        acl
    }

    /// COMMAND INFO's first key, last key and step, from the key specs as
    /// Redis's `populateCommandLegacyRangeSpec` makes them, and whether
    /// they leave keys out (`movablekeys`).
    pub fn legacy_range(&self) -> ((i64, i64, i64), bool) {
        let range = |spec: &KeySpec| match (spec.begin, spec.find) {
            (Begin::Index(pos), Find::Range { last, step, .. }) => Some((pos, last, step)),
            _ => None,
        };
        if let [only] = self.keys {
            if let Some((pos, last, step)) = range(only) {
                let last = if last >= 0 { last + pos } else { last };
                let movable = only.flags & key::INCOMPLETE != 0;
                return ((i64::from(pos), i64::from(last), i64::from(step)), movable);
            }
        }
        let mut movable = false;
        let (mut first, mut last, mut prev_last) = (i32::MAX, 0i32, 0i32);
        for spec in self.keys {
            let Some((pos, spec_last, step)) = range(spec) else {
                movable = true;
                continue;
            };
            if step != 1 || (prev_last != 0 && prev_last != pos - 1) {
                movable = true;
                continue;
            }
            if spec.flags & key::INCOMPLETE != 0 {
                movable = true;
            }
            first = first.min(pos);
            let abs = if spec_last >= 0 {
                spec_last + pos
            } else {
                spec_last
            };
            // Compared unsigned, as Redis does: a last key counted from
            // the end wins over one counted from the start.
            if abs as u32 > last as u32 {
                last = abs;
            }
            prev_last = last;
        }
        if first == i32::MAX {
            return ((0, 0, 0), !self.keys.is_empty());
        }
        ((i64::from(first), i64::from(last), 1), movable)
    }

    /// Whether it reads or writes the keyspace: a replica (and a MONITOR
    /// client, which Redis treats as one) may not send it.
    pub fn touches_keyspace(&self) -> bool {
        self.flags & (flag::WRITE | flag::READONLY | flag::MAY_REPLICATE) != 0
    }
}
