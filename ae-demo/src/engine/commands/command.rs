//! COMMAND and its subcommands (Redis's `server.c`): what a client learns
//! of the commands from the table, as Redis 7.0.15 replies it.

use super::meta::{acl, arg, doc, flag, key, Arg, ArgKind, Begin, Find, KeySpec};
use super::{cstr, error, find, glob_match, Command, COMMANDS, SYNTAX};
use crate::engine::reply::Reply;
use crate::engine::{Caller, Engine};

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

/// The command a COMMAND INFO or DOCS argument names
/// (`lookupCommandBySds`): `name`, or `container|sub`.
fn by_name(name: &[u8]) -> Option<&'static Command> {
    let mut parts = name.split(|&b| b == b'|');
    let base = find(COMMANDS, parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) => base.subs.iter().find(|c| {
            let name = c.name.split('|').nth(1).unwrap_or("");
            name.as_bytes().eq_ignore_ascii_case(sub)
        }),
        _ => None,
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
        match by_name(name) {
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
        args[2..].iter().filter_map(|name| by_name(name)).collect()
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
