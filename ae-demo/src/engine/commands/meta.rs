//! What Redis's command table says of a command besides how to run it:
//! its flags, ACL categories, tips, key specs and docs with its arguments
//! (Redis's `commands/*.json`, compiled into `commands.c`), with the const builders
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

/// Argument flags (`CMD_ARG_*`), in the order of `addReplyFlagsForArg`.
pub mod arg {
    names! { u8, FLAGS:
        OPTIONAL = 0 "optional",
        MULTIPLE = 1 "multiple",
        MULTIPLE_TOKEN = 2 "multiple_token",
    }
}

/// Doc flags (`CMD_DOC_*`), in the order of `addReplyDocFlagsForCommand`.
pub mod doc {
    names! { u8, FLAGS:
        DEPRECATED = 0 "deprecated",
        SYSCMD = 1 "syscmd",
    }
}

/// The group a command is documented in (`COMMAND_GROUP_*`).
#[derive(Clone, Copy)]
pub enum Group {
    /// `generic`: the keyspace.
    Generic,
    /// `string`
    String,
    /// `list`
    List,
    /// `set`
    Set,
    /// `sorted-set`
    SortedSet,
    /// `hash`
    Hash,
    /// `transactions`
    Transactions,
    /// `connection`
    Connection,
    /// `server`
    Server,
}

impl Group {
    /// The name COMMAND DOCS gives.
    pub fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
        }
    }
}

/// What an argument is (`redisCommandArgType`).
#[derive(Clone, Copy)]
pub enum ArgKind {
    /// `string`
    String,
    /// `integer`
    Integer,
    /// `double`
    Double,
    /// `key`, found by the key spec of this index.
    Key(i64),
    /// `pattern`
    Pattern,
    /// `unix-time`
    UnixTime,
    /// `pure-token`: the token alone.
    PureToken,
    /// `oneof`: one of these.
    Oneof(&'static [Arg]),
    /// `block`: these together.
    Block(&'static [Arg]),
}

impl ArgKind {
    /// The name COMMAND DOCS gives.
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Key(_) => "key",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::Oneof(_) => "oneof",
            ArgKind::Block(_) => "block",
        }
    }
}

/// One argument of a command's syntax (`redisCommandArg`).
pub struct Arg {
    /// Its name (lower case).
    pub name: &'static str,
    /// What it is.
    pub kind: ArgKind,
    /// The word before it (or that it is, for a pure token).
    pub token: Option<&'static str>,
    /// The version that added it.
    pub since: Option<&'static str>,
    /// The version that deprecated it.
    pub deprecated_since: Option<&'static str>,
    /// [`arg`] flags.
    pub flags: u8,
}

const fn new_arg(name: &'static str, kind: ArgKind) -> Arg {
    Arg {
        name,
        kind,
        token: None,
        since: None,
        deprecated_since: None,
        flags: 0,
    }
}

/// A `string` argument.
pub const fn string(name: &'static str) -> Arg {
    new_arg(name, ArgKind::String)
}

/// An `integer` argument.
pub const fn integer(name: &'static str) -> Arg {
    new_arg(name, ArgKind::Integer)
}

/// A `double` argument.
pub const fn double(name: &'static str) -> Arg {
    new_arg(name, ArgKind::Double)
}

/// A `key` argument, of key spec `spec`.
pub const fn key(name: &'static str, spec: i64) -> Arg {
    new_arg(name, ArgKind::Key(spec))
}

/// A `pattern` argument.
pub const fn pattern(name: &'static str) -> Arg {
    new_arg(name, ArgKind::Pattern)
}

/// A `unix-time` argument.
pub const fn unix_time(name: &'static str) -> Arg {
    new_arg(name, ArgKind::UnixTime)
}

/// A `pure-token` argument: `token` alone.
pub const fn pure_token(name: &'static str, token: &'static str) -> Arg {
    new_arg(name, ArgKind::PureToken).token(token)
}

/// A `oneof` argument: one of `args`.
pub const fn oneof(name: &'static str, args: &'static [Arg]) -> Arg {
    new_arg(name, ArgKind::Oneof(args))
}

/// A `block` argument: `args` together.
pub const fn block(name: &'static str, args: &'static [Arg]) -> Arg {
    new_arg(name, ArgKind::Block(args))
}

impl Arg {
    /// Preceded by `token`.
    pub const fn token(self, token: &'static str) -> Arg {
        Arg {
            token: Some(token),
            ..self
        }
    }

    /// May be left out.
    pub const fn optional(self) -> Arg {
        self.flag(arg::OPTIONAL)
    }

    /// May repeat.
    pub const fn multiple(self) -> Arg {
        self.flag(arg::MULTIPLE)
    }

    /// Added in `version`.
    pub const fn since(self, version: &'static str) -> Arg {
        Arg {
            since: Some(version),
            ..self
        }
    }

    /// Deprecated in `version`.
    pub const fn deprecated_since(self, version: &'static str) -> Arg {
        Arg {
            deprecated_since: Some(version),
            ..self
        }
    }

    const fn flag(self, flag: u8) -> Arg {
        Arg {
            flags: self.flags | flag,
            ..self
        }
    }
}

/// A command's documentation (COMMAND DOCS).
pub struct Doc {
    /// One line of what it does.
    pub summary: &'static str,
    /// The version that added it.
    pub since: &'static str,
    /// Where it is documented.
    pub group: Group,
    /// Its time complexity, where documented.
    pub complexity: Option<&'static str>,
    /// [`doc`] flags.
    pub flags: u8,
    /// The version that deprecated it.
    pub deprecated_since: Option<&'static str>,
    /// What to use instead.
    pub replaced_by: Option<&'static str>,
    /// Each version that changed it, and how.
    pub history: &'static [(&'static str, &'static str)],
    /// Its syntax.
    pub args: &'static [Arg],
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

/// A key found in a command's arguments: its position and [`key`] flags.
pub struct KeyRef {
    /// Index into the arguments (0 is the command name).
    pub pos: usize,
    /// How the command uses it.
    pub flags: u16,
}

/// Finds the keys where the key specs cannot (Redis's `getkeys_proc`).
pub type GetKeys = fn(&[Vec<u8>]) -> Vec<KeyRef>;

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
        full: name,
        arity,
        proc,
        flags,
        acl: 0,
        tips: &[],
        keys: &[],
        getkeys: None,
        doc: Doc {
            summary: "",
            since: "",
            group: Group::Generic,
            complexity: None,
            flags: 0,
            deprecated_since: None,
            replaced_by: None,
            history: &[],
            args: &[],
        },
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

    /// Its summary, the version that added it and its group.
    pub const fn doc(self, group: Group, since: &'static str, summary: &'static str) -> Command {
        Command {
            doc: Doc {
                summary,
                since,
                group,
                ..self.doc
            },
            ..self
        }
    }

    /// Its time complexity.
    pub const fn complexity(self, complexity: &'static str) -> Command {
        Command {
            doc: Doc {
                complexity: Some(complexity),
                ..self.doc
            },
            ..self
        }
    }

    /// Deprecated since `version`, for what `replaced_by` says.
    pub const fn deprecated(self, version: &'static str, replaced_by: &'static str) -> Command {
        Command {
            doc: Doc {
                flags: self.doc.flags | doc::DEPRECATED,
                deprecated_since: Some(version),
                replaced_by: Some(replaced_by),
                ..self.doc
            },
            ..self
        }
    }

    /// For the system to run, not users (DEBUG).
    pub const fn syscmd(self) -> Command {
        Command {
            doc: Doc {
                flags: self.doc.flags | doc::SYSCMD,
                ..self.doc
            },
            ..self
        }
    }

    /// The versions that changed it, and how.
    pub const fn history(self, history: &'static [(&'static str, &'static str)]) -> Command {
        Command {
            doc: Doc {
                history,
                ..self.doc
            },
            ..self
        }
    }

    /// Its syntax.
    pub const fn args(self, args: &'static [Arg]) -> Command {
        Command {
            doc: Doc { args, ..self.doc },
            ..self
        }
    }

    /// A key finder for when the specs cannot tell.
    pub const fn getkeys(self, getkeys: GetKeys) -> Command {
        Command {
            getkeys: Some(getkeys),
            ..self
        }
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

#[cfg(test)]
mod tests {
    use super::super::{Command, COMMANDS};
    use super::{Arg, ArgKind, Find};

    fn each(f: &mut impl FnMut(&Command, Option<&Command>)) {
        for cmd in COMMANDS {
            f(cmd, None);
            for sub in cmd.subs {
                f(sub, Some(cmd));
            }
        }
    }

    fn key_specs_of(args: &[Arg], out: &mut Vec<i64>) {
        for a in args {
            match a.kind {
                ArgKind::Key(spec) => out.push(spec),
                ArgKind::Oneof(sub) | ArgKind::Block(sub) => key_specs_of(sub, out),
                _ => {}
            }
        }
    }

    /// What Redis's generator checks of its JSON, and what the COMMAND
    /// replies rely on: unique names, subcommands named after their
    /// container, docs on every entry, every key spec used by a key
    /// argument and every key argument's spec there, steps that advance.
    #[test]
    fn the_table_is_consistent() {
        let mut names = std::collections::HashSet::new();
        each(&mut |cmd, parent| {
            assert!(names.insert(cmd.full), "{} twice", cmd.full);
            if let Some(parent) = parent {
                assert!(cmd.full.starts_with(&format!("{}|", parent.full)));
                assert!(cmd.subs.is_empty(), "{}: one level only", cmd.full);
            } else {
                assert!(!cmd.full.contains('|'));
            }
            assert!(!cmd.doc.summary.is_empty() && !cmd.doc.since.is_empty());
            let mut used = Vec::new();
            key_specs_of(cmd.doc.args, &mut used);
            used.sort();
            used.dedup();
            let all: Vec<i64> = (0..cmd.keys.len() as i64).collect();
            assert_eq!(used, all, "{}: key specs and key arguments", cmd.full);
            for spec in cmd.keys {
                let step = match spec.find {
                    Find::Range { step, .. } | Find::Keynum { step, .. } => step,
                };
                assert!(step >= 1, "{}", cmd.full);
            }
        });
    }
}
