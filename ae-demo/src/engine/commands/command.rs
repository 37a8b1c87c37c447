//! COMMAND and its subcommands (Redis's `server.c`): what a client learns
//! of the commands from the table, as Redis 7.0.15 replies it.

use super::meta::{acl, arg, doc, flag, key, Arg, ArgKind, Begin, Find, KeyRef, KeySpec};
use super::{cstr, error, glob_match, lookup, lookup_name, reply_help, Command, COMMANDS, SYNTAX};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine};
use crate::resp::string2ll;

/// Replies with the names of the bits set in `bits`, as a set.
fn reply_names<T>(c: &mut Caller<'_>, bits: T, names: &[(T, &str)], prefix: &str)
where
    T: Copy + std::ops::BitAnd<Output = T> + PartialEq + Default,
{
    let set: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| bits & *bit != T::default())
        .map(|(_, name)| *name)
        .collect();
    c.reply.set(set.len(), c.session.resp3);
    for name in set {
        c.reply.status(&format!("{prefix}{name}"));
    }
}

/// A map of integers, in the given order.
fn reply_int_map(c: &mut Caller<'_>, pairs: &[(&str, i64)]) {
    c.reply.map(pairs.len(), c.session.resp3);
    for (k, v) in pairs {
        c.reply.bulk(k.as_bytes());
        c.reply.int(*v);
    }
}

/// A key spec's `type` and `spec` map (`addReplyCommandKeySpecs`).
fn reply_search(c: &mut Caller<'_>, kind: &str, spec: &[(&str, i64)]) {
    c.reply.map(2, c.session.resp3);
    c.reply.bulk(b"type");
    c.reply.bulk(kind.as_bytes());
    c.reply.bulk(b"spec");
    reply_int_map(c, spec);
}

fn reply_key_spec(c: &mut Caller<'_>, spec: &KeySpec) {
    c.reply
        .map(3 + usize::from(spec.notes.is_some()), c.session.resp3);
    if let Some(notes) = spec.notes {
        c.reply.bulk(b"notes");
        c.reply.bulk(notes.as_bytes());
    }
    c.reply.bulk(b"flags");
    reply_names(c, spec.flags, key::FLAGS, "");
    c.reply.bulk(b"begin_search");
    let Begin::Index(pos) = spec.begin;
    reply_search(c, "index", &[("index", i64::from(pos))]);
    c.reply.bulk(b"find_keys");
    match spec.find {
        Find::Range { last, step, limit } => reply_search(
            c,
            "range",
            &[
                ("lastkey", i64::from(last)),
                ("keystep", i64::from(step)),
                ("limit", i64::from(limit)),
            ],
        ),
        Find::Keynum { index, first, step } => reply_search(
            c,
            "keynum",
            &[
                ("keynumidx", i64::from(index)),
                ("firstkey", i64::from(first)),
                ("keystep", i64::from(step)),
            ],
        ),
    }
}

/// One COMMAND INFO entry (`addReplyCommandInfo`): name, arity, flags,
/// first key, last key, step, ACL categories, tips, key specs and
/// subcommands, each a full entry.
fn reply_info(c: &mut Caller<'_>, cmd: &Command) {
    let ((first, last, step), _) = cmd.legacy_range();
    c.reply.array(10);
    c.reply.bulk(cmd.full.as_bytes());
    c.reply.int(i64::from(cmd.arity));
    reply_names(c, cmd.all_flags(), flag::SHOWN, "");
    c.reply.int(first);
    c.reply.int(last);
    c.reply.int(step);
    reply_names(c, cmd.acl_categories(), acl::CATEGORIES, "@");
    c.reply.set(cmd.tips.len(), c.session.resp3);
    for tip in cmd.tips {
        c.reply.bulk(tip.as_bytes());
    }
    c.reply.set(cmd.keys.len(), c.session.resp3);
    for spec in cmd.keys {
        reply_key_spec(c, spec);
    }
    // An array even in RESP3, and a set when empty, as in Redis.
    if cmd.subs.is_empty() {
        c.reply.set(0, c.session.resp3);
    } else {
        c.reply.array(cmd.subs.len());
        for sub in cmd.subs {
            reply_info(c, sub);
        }
    }
}

/// COMMAND: every command's entry.
pub(super) fn all(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.array(COMMANDS.len());
    for cmd in COMMANDS {
        reply_info(c, cmd);
    }
}

/// COMMAND COUNT: the top-level commands.
pub(super) fn count(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    c.reply.int(COMMANDS.len() as i64);
}

/// COMMAND INFO [name ...]: the entries named (a null for an unknown
/// name), or all.
pub(super) fn info(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let names = &args[2..];
    if names.is_empty() {
        return all(e, c, args);
    }
    c.reply.array(names.len());
    for name in names {
        match lookup_name(name) {
            Some(cmd) => reply_info(c, cmd),
            None => c.reply.nil(c.session.resp3),
        }
    }
}

/// A bulk string field and its value, when there is one.
fn reply_field(c: &mut Caller<'_>, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        c.reply.bulk(name.as_bytes());
        c.reply.bulk(value.as_bytes());
    }
}

/// A command's arguments (`addReplyCommandArgList`): a map each, its
/// fields there when set.
fn reply_args(c: &mut Caller<'_>, args: &[Arg]) {
    c.reply.array(args.len());
    for a in args {
        let subargs = match a.kind {
            ArgKind::Oneof(subargs) | ArgKind::Block(subargs) => Some(subargs),
            _ => None,
        };
        let spec = match a.kind {
            ArgKind::Key(spec) => Some(spec),
            _ => None,
        };
        let len = 2
            + usize::from(spec.is_some())
            + usize::from(a.token.is_some())
            + usize::from(a.since.is_some())
            + usize::from(a.deprecated_since.is_some())
            + usize::from(a.flags != 0)
            + usize::from(subargs.is_some());
        c.reply.map(len, c.session.resp3);
        reply_field(c, "name", Some(a.name));
        reply_field(c, "type", Some(a.kind.name()));
        if let Some(spec) = spec {
            c.reply.bulk(b"key_spec_index");
            c.reply.int(spec);
        }
        reply_field(c, "token", a.token);
        reply_field(c, "since", a.since);
        reply_field(c, "deprecated_since", a.deprecated_since);
        if a.flags != 0 {
            c.reply.bulk(b"flags");
            reply_names(c, a.flags, arg::FLAGS, "");
        }
        if let Some(subargs) = subargs {
            c.reply.bulk(b"arguments");
            reply_args(c, subargs);
        }
    }
}

/// One COMMAND DOCS entry (`addReplyCommandDocs`): a map of summary,
/// since, group, and complexity, doc flags, deprecation, history,
/// arguments and subcommands (a map of name and entry) where set.
fn reply_docs(c: &mut Caller<'_>, cmd: &Command) {
    let d = &cmd.doc;
    let len = 3
        + usize::from(d.complexity.is_some())
        + usize::from(d.flags != 0)
        + usize::from(d.deprecated_since.is_some())
        + usize::from(d.replaced_by.is_some())
        + usize::from(!d.history.is_empty())
        + usize::from(!d.args.is_empty())
        + usize::from(!cmd.subs.is_empty());
    c.reply.map(len, c.session.resp3);
    reply_field(c, "summary", Some(d.summary));
    reply_field(c, "since", Some(d.since));
    reply_field(c, "group", Some(d.group.name()));
    reply_field(c, "complexity", d.complexity);
    if d.flags != 0 {
        c.reply.bulk(b"doc_flags");
        reply_names(c, d.flags, doc::FLAGS, "");
    }
    reply_field(c, "deprecated_since", d.deprecated_since);
    reply_field(c, "replaced_by", d.replaced_by);
    if !d.history.is_empty() {
        c.reply.bulk(b"history");
        c.reply.set(d.history.len(), c.session.resp3);
        for (version, change) in d.history {
            c.reply.array(2);
            c.reply.bulk(version.as_bytes());
            c.reply.bulk(change.as_bytes());
        }
    }
    if !d.args.is_empty() {
        c.reply.bulk(b"arguments");
        reply_args(c, d.args);
    }
    if !cmd.subs.is_empty() {
        c.reply.bulk(b"subcommands");
        c.reply.map(cmd.subs.len(), c.session.resp3);
        for sub in cmd.subs {
            c.reply.bulk(sub.full.as_bytes());
            reply_docs(c, sub);
        }
    }
}

/// COMMAND DOCS [name ...]: a map of name and docs, of the commands named
/// (unknown names left out), or of all.
pub(super) fn docs(_: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    let found: Vec<&Command> = if args.len() == 2 {
        COMMANDS.iter().collect()
    } else {
        args[2..]
            .iter()
            .filter_map(|name| lookup_name(name))
            .collect()
    };
    c.reply.map(found.len(), c.session.resp3);
    for cmd in found {
        c.reply.bulk(cmd.full.as_bytes());
        reply_docs(c, cmd);
    }
}

/// What COMMAND LIST keeps (FILTERBY ...).
enum Filter<'a> {
    All,
    /// Commands of a module: ae has none.
    Module,
    /// Of an ACL category; 0 for a name that is none.
    Category(u32),
    /// Whose full name matches, case-insensitively.
    Pattern(&'a [u8]),
}

impl Filter<'_> {
    fn keeps(&self, cmd: &Command) -> bool {
        match self {
            Filter::All => true,
            Filter::Module => false,
            Filter::Category(cat) => cmd.acl_categories() & cat != 0,
            Filter::Pattern(p) => glob_match(p, cmd.full.as_bytes(), true),
        }
    }
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN
/// pattern]: the full names, subcommands among them
/// (`commandListWithFilter`).
pub(super) fn list(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    // Redis compares the words as C strings: up to a NUL.
    let is = |arg: &[u8], word: &str| cstr(arg).eq_ignore_ascii_case(word.as_bytes());
    let filter = match &args[2..] {
        [] => Filter::All,
        [by, kind, arg] if is(by, "filterby") => {
            if is(kind, "module") {
                Filter::Module
            } else if is(kind, "aclcat") {
                let cat = acl::CATEGORIES
                    .iter()
                    .find(|(_, name)| is(arg, name))
                    .map_or(0, |(bit, _)| *bit);
                Filter::Category(cat)
            } else if is(kind, "pattern") {
                Filter::Pattern(arg)
            } else {
                return error(e, c, SYNTAX);
            }
        }
        _ => return error(e, c, SYNTAX),
    };
    let mut names = Vec::new();
    for cmd in COMMANDS {
        for one in std::iter::once(cmd).chain(cmd.subs) {
            if filter.keeps(one) {
                names.push(one.full);
            }
        }
    }
    c.reply.array(names.len());
    for name in names {
        c.reply.bulk(name.as_bytes());
    }
}

/// The keys the key specs find in `args` (`getKeysUsingKeySpecs`), or
/// `None` where a spec cannot tell: a key count that is no count, keys
/// past the end, an incomplete spec.
fn keys_from_specs(cmd: &Command, args: &[Vec<u8>]) -> Option<Vec<KeyRef>> {
    // C ints, as Redis computes positions: a huge key count wraps.
    let argc = args.len() as i32;
    let mut keys = Vec::new();
    for spec in cmd.keys {
        if spec.flags & key::NOT_KEY != 0 {
            continue;
        }
        let Begin::Index(mut first) = spec.begin;
        let (last, step) = match spec.find {
            Find::Range { last, step, limit } => {
                let last = if last >= 0 {
                    first + last
                } else if limit == 0 {
                    argc + last
                } else {
                    first + ((argc - first) / limit + last)
                };
                (last, step)
            }
            Find::Keynum {
                index,
                first: from,
                step,
            } => {
                if index >= argc {
                    return None;
                }
                let count = args.get(usize::try_from(first + index).ok()?)?;
                let count = string2ll(count).filter(|&n| n >= 0)?;
                first += from;
                (first.wrapping_add(count as i32).wrapping_sub(1), step)
            }
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            keys.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step;
        }
        if spec.flags & key::INCOMPLETE != 0 {
            return None;
        }
    }
    Some(keys)
}

/// Whether some key spec finds real keys.
fn has_key_spec(cmd: &Command) -> bool {
    cmd.keys.iter().any(|s| s.flags & key::NOT_KEY == 0)
}

/// The keys of a command (`getKeysFromCommandWithSpecs`): from the key
/// specs where they tell (and their flags hold for every call), else from
/// the command's own key finder.
fn keys_of(cmd: &Command, args: &[Vec<u8>]) -> Vec<KeyRef> {
    let variable = cmd.keys.iter().any(|s| s.flags & key::VARIABLE_FLAGS != 0);
    if has_key_spec(cmd) && !variable {
        if let Some(keys) = keys_from_specs(cmd, args) {
            return keys;
        }
    }
    cmd.getkeys.map_or_else(Vec::new, |f| f(args))
}

/// COMMAND GETKEYS and GETKEYSANDFLAGS (`getKeysSubcommandImpl`): the keys
/// of the command given, with their flags if asked.
fn reply_keys(e: &mut Engine, c: &mut Caller<'_>, args: &[Vec<u8>], with_flags: bool) {
    let target = &args[2..];
    let Some(cmd) = lookup(target) else {
        return error(e, c, "ERR Invalid command specified");
    };
    if cmd.getkeys.is_none() && !has_key_spec(cmd) {
        return error(e, c, "ERR The command has no key arguments");
    }
    let argc = target.len() as i32;
    if (cmd.arity > 0 && argc != cmd.arity) || argc < -cmd.arity {
        return error(
            e,
            c,
            "ERR Invalid number of arguments specified for command",
        );
    }
    let keys = keys_of(cmd, target);
    if keys.is_empty() && cmd.flags & flag::NO_MANDATORY_KEYS == 0 {
        return error(e, c, "ERR Invalid arguments specified for command");
    }
    c.reply.array(keys.len());
    for k in keys {
        if with_flags {
            c.reply.array(2);
            c.reply.bulk(&target[k.pos]);
            reply_names(c, k.flags, key::FLAGS, "");
        } else {
            c.reply.bulk(&target[k.pos]);
        }
    }
}

/// COMMAND GETKEYS command [arg ...]
pub(super) fn getkeys(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    reply_keys(e, c, args, false);
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]
pub(super) fn getkeysandflags(e: &mut Engine, c: &mut Caller<'_>, args: &mut [Vec<u8>]) {
    reply_keys(e, c, args, true);
}

/// C's `atoi` as glibc's: `(int)strtol(s, NULL, 10)`, leading spaces and
/// a sign, the digits up to anything else, clamped to a long, then cut to
/// an int.
fn atoi(s: &[u8]) -> i32 {
    let s = match s.iter().position(|b| !matches!(b, b' ' | b'\t'..=b'\r')) {
        Some(start) => &s[start..],
        None => return 0,
    };
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i128 = 0;
    for d in digits.iter().take_while(|b| b.is_ascii_digit()) {
        n = (n * 10 + i128::from(d - b'0')).min(i128::from(u64::MAX));
    }
    let n = if negative { -n } else { n };
    n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64 as i32
}

/// The keys of `[dest] numkeys key ...` (Redis's `genericGetKeys`): `num`
/// keys from `first`, the key count at `count`, then `dest` if not 0; none
/// for a count that cannot be.
fn numkeys_then_keys(dest: usize, count: usize, first: usize, args: &[Vec<u8>]) -> Vec<KeyRef> {
    let num = atoi(args.get(count).map_or(&[][..], |a| a));
    let room = args.len() as i64 - first as i64;
    if num < 1 || i64::from(num) > room {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (0..num as usize)
        .map(|i| KeyRef {
            pos: first + i,
            flags: 0,
        })
        .collect();
    if dest != 0 {
        keys.push(KeyRef {
            pos: dest,
            flags: 0,
        });
    }
    keys
}

/// `numkeys key ...` (LMPOP, ZMPOP, SINTERCARD, ZUNION, ZINTER, ZDIFF,
/// ZINTERCARD).
pub(super) fn numkeys_keys(args: &[Vec<u8>]) -> Vec<KeyRef> {
    numkeys_then_keys(0, 1, 2, args)
}

/// `timeout numkeys key ...` (BLMPOP, BZMPOP).
pub(super) fn timeout_numkeys_keys(args: &[Vec<u8>]) -> Vec<KeyRef> {
    numkeys_then_keys(0, 2, 3, args)
}

/// `destination numkeys key ...` (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE).
pub(super) fn dest_numkeys_keys(args: &[Vec<u8>]) -> Vec<KeyRef> {
    numkeys_then_keys(1, 2, 3, args)
}

/// SET's key (`setGetKeys`): read as well as written with GET.
pub(super) fn set_keys(args: &[Vec<u8>]) -> Vec<KeyRef> {
    // Redis compares the argument as a C string: up to a NUL.
    let get = args
        .iter()
        .skip(3)
        .any(|a| cstr(a).eq_ignore_ascii_case(b"get"));
    let flags = if get {
        key::RW | key::ACCESS | key::UPDATE
    } else {
        key::OW | key::UPDATE
    };
    vec![KeyRef { pos: 1, flags }]
}

/// COMMAND HELP
pub(super) fn help(_: &mut Engine, c: &mut Caller<'_>, _: &mut [Vec<u8>]) {
    reply_help(
        c,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
}
