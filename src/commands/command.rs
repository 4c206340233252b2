//! The COMMAND family: COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS and HELP.
//!
//! Every reply is built from the generated table in [`super::spec`], in the shapes Redis 7.0
//! gives: COMMAND INFO's ten-element array (flags, categories, tips and key specs as RESP3 sets,
//! key specs as maps) and COMMAND DOCS's maps, which the reply sink flattens for RESP2 clients.
//! Only commands the server implements are shown: the handlers filter with the registry's
//! `is_implemented`, and the `reply_*` functions below take any filter so they can be tested
//! against the whole table.
//!
//! The documentation texts (summaries, complexities, history, `replaced_by`, key-spec notes and
//! the `syscmd` doc flag) come from a real Redis 7.0.15 through the generator's supplement, so
//! COMMAND INFO and COMMAND DOCS of a single command are byte-identical to Redis's. One difference
//! is not ours to fix: Redis walks its command and subcommand dicts in hash order, which changes
//! from run to run, while carmine lists commands and subcommands sorted by name.

use bytes::Bytes;

use super::Handler;
use super::ctx::Ctx;
use super::error::CmdError;
use super::keys::key_positions;
use super::spec::{
    ACL_CATEGORY_NAMES, ARG_MULTIPLE, ARG_MULTIPLE_TOKEN, ARG_OPTIONAL, ArgSpec, BeginSearch,
    CMD_ADMIN, CMD_ALLOW_BUSY, CMD_ASKING, CMD_BLOCKING, CMD_DENYOOM, CMD_FAST, CMD_LOADING,
    CMD_MODULE, CMD_MOVABLE_KEYS, CMD_NO_ASYNC_LOADING, CMD_NO_AUTH, CMD_NO_MANDATORY_KEYS,
    CMD_NO_MULTI, CMD_NOSCRIPT, CMD_PUBSUB, CMD_READONLY, CMD_SKIP_MONITOR, CMD_SKIP_SLOWLOG,
    CMD_STALE, CMD_WRITE, COMMANDS, CommandSpec, DOC_DEPRECATED, DOC_SYSCMD, FindKeys, KEY_ACCESS,
    KEY_DELETE, KEY_INCOMPLETE, KEY_INSERT, KEY_NOT_KEY, KEY_OW, KEY_RM, KEY_RO, KEY_RW,
    KEY_UPDATE, KEY_VARIABLE_FLAGS, KeySpec, lookup, lookup_fullname, lookup_subcommand,
};
use crate::protocol::reply::ReplySink;

/// The handlers of this module, by full command name, for the registry.
pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("command", command),
    ("command|count", command_count),
    ("command|docs", command_docs),
    ("command|getkeys", command_getkeys),
    ("command|getkeysandflags", command_getkeysandflags),
    ("command|help", command_help),
    ("command|info", command_info),
    ("command|list", command_list),
];

/// Decides which commands a reply may show (the server's implemented set).
pub(crate) type Filter<'f> = &'f dyn Fn(&CommandSpec) -> bool;

/// COMMAND: an array with the COMMAND INFO entry of every command.
pub(crate) fn command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if let Some(sub) = argv.get(1) {
        return Err(CmdError::UnknownSubcommand {
            sub: sub.to_vec(),
            cmd: "COMMAND".into(),
        });
    }
    let reg = &ctx.core.registry;
    reply_all_info(ctx.reply, &|c| reg.is_implemented(c.name));
    Ok(())
}

/// COMMAND COUNT: the number of top-level commands.
pub(crate) fn command_count(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let reg = &ctx.core.registry;
    reply_count(ctx.reply, &|c| reg.is_implemented(c.name));
    Ok(())
}

/// COMMAND INFO \[name ...\]: one entry per name (nil for an unknown one), or every command.
pub(crate) fn command_info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let reg = &ctx.core.registry;
    let names = argv.get(2..).unwrap_or_default();
    reply_info(ctx.reply, names, &|c| reg.is_implemented(c.name));
    Ok(())
}

/// COMMAND DOCS \[name ...\]: a map from name to documentation; unknown names are left out.
pub(crate) fn command_docs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let reg = &ctx.core.registry;
    let names = argv.get(2..).unwrap_or_default();
    reply_docs(ctx.reply, names, &|c| reg.is_implemented(c.name));
    Ok(())
}

/// COMMAND LIST \[FILTERBY MODULE m | ACLCAT c | PATTERN p\]: command and subcommand names.
pub(crate) fn command_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let reg = &ctx.core.registry;
    let args = argv.get(2..).unwrap_or_default();
    reply_list(ctx.reply, args, &|c| reg.is_implemented(c.name))
}

/// COMMAND GETKEYS cmd \[arg ...\]: the key arguments of a full command line.
pub(crate) fn command_getkeys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let reg = &ctx.core.registry;
    let line = argv.get(2..).unwrap_or_default();
    reply_getkeys(ctx.reply, line, false, &|c| reg.is_implemented(c.name))
}

/// COMMAND GETKEYSANDFLAGS cmd \[arg ...\]: each key argument with its access flags.
pub(crate) fn command_getkeysandflags(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let reg = &ctx.core.registry;
    let line = argv.get(2..).unwrap_or_default();
    reply_getkeys(ctx.reply, line, true, &|c| reg.is_implemented(c.name))
}

/// COMMAND HELP: the subcommand summary, one status line each.
pub(crate) fn command_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    reply_help(ctx.reply);
    Ok(())
}

/// Writes the COMMAND INFO entry of every command that passes `filter`.
pub(crate) fn reply_all_info(out: &mut dyn ReplySink, filter: Filter<'_>) {
    out.array_len(count_top(filter));
    for cmd in COMMANDS.iter().filter(|c| filter(c)) {
        write_info(out, cmd, filter);
    }
}

/// Writes the number of top-level commands that pass `filter`.
pub(crate) fn reply_count(out: &mut dyn ReplySink, filter: Filter<'_>) {
    out.int(i64::try_from(count_top(filter)).unwrap_or(i64::MAX));
}

/// Writes COMMAND INFO for `names` (full names, `config|get` for a subcommand); with no names,
/// for every command.
pub(crate) fn reply_info<A: AsRef<[u8]>>(out: &mut dyn ReplySink, names: &[A], filter: Filter<'_>) {
    if names.is_empty() {
        reply_all_info(out, filter);
        return;
    }
    out.array_len(names.len());
    for name in names {
        match find_fullname(name.as_ref(), filter) {
            Some(cmd) => write_info(out, cmd, filter),
            None => out.null(),
        }
    }
}

/// Writes COMMAND DOCS for `names` (unknown ones are skipped); with no names, for every command.
pub(crate) fn reply_docs<A: AsRef<[u8]>>(out: &mut dyn ReplySink, names: &[A], filter: Filter<'_>) {
    if names.is_empty() {
        out.map_len(count_top(filter));
        for cmd in COMMANDS.iter().filter(|c| filter(c)) {
            out.bulk(cmd.name.as_bytes());
            write_docs(out, cmd, filter);
        }
        return;
    }
    let found: Vec<&CommandSpec> = names
        .iter()
        .filter_map(|n| find_fullname(n.as_ref(), filter))
        .collect();
    out.map_len(found.len());
    for cmd in found {
        out.bulk(cmd.name.as_bytes());
        write_docs(out, cmd, filter);
    }
}

/// Writes COMMAND LIST for its options `args` (what follows `LIST`), or returns the syntax error.
pub(crate) fn reply_list<A: AsRef<[u8]>>(
    out: &mut dyn ReplySink,
    args: &[A],
    filter: Filter<'_>,
) -> Result<(), CmdError> {
    let mut by: Option<ListFilter<'_>> = None;
    let mut i = 0usize;
    while let Some(opt) = args.get(i) {
        let more = args.len().saturating_sub(i).saturating_sub(1);
        if !opt.as_ref().eq_ignore_ascii_case(b"filterby") || more != 2 {
            return Err(CmdError::Syntax);
        }
        let (kind, arg) = match (args.get(i + 1), args.get(i + 2)) {
            (Some(k), Some(a)) => (k.as_ref(), a.as_ref()),
            _ => return Err(CmdError::Syntax),
        };
        by = Some(if kind.eq_ignore_ascii_case(b"module") {
            ListFilter::Module
        } else if kind.eq_ignore_ascii_case(b"aclcat") {
            ListFilter::AclCat(acl_category(arg))
        } else if kind.eq_ignore_ascii_case(b"pattern") {
            ListFilter::Pattern(arg)
        } else {
            return Err(CmdError::Syntax);
        });
        i += 3;
    }
    let mut names: Vec<&'static str> = Vec::new();
    for cmd in COMMANDS.iter().filter(|c| filter(c)) {
        let subs = cmd.subcommands.iter().filter(|c| filter(c));
        for c in std::iter::once(cmd).chain(subs) {
            if by.as_ref().is_none_or(|f| f.matches(c)) {
                names.push(c.name);
            }
        }
    }
    out.array_len(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

/// Writes COMMAND GETKEYS (or GETKEYSANDFLAGS with `with_flags`) for the command line `line`,
/// or returns Redis's refusal.
pub(crate) fn reply_getkeys<A: AsRef<[u8]>>(
    out: &mut dyn ReplySink,
    line: &[A],
    with_flags: bool,
    filter: Filter<'_>,
) -> Result<(), CmdError> {
    let invalid = CmdError::Static("ERR Invalid command specified");
    let Some(name) = line.first() else {
        return Err(invalid);
    };
    let Some(base) = lookup(name.as_ref()).filter(|c| filter(c)) else {
        return Err(invalid);
    };
    // As lookupCommand: a container followed by an argument means one of its subcommands.
    let cmd = match line.get(1) {
        Some(sub) if base.is_container() => {
            match lookup_subcommand(base, sub.as_ref()).filter(|c| filter(c)) {
                Some(c) => c,
                None => return Err(invalid),
            }
        }
        _ => base,
    };
    let keys = key_positions(cmd, line).map_err(|e| CmdError::Static(e.message()))?;
    out.array_len(keys.len());
    for k in keys {
        let key = line.get(k.pos).map(AsRef::as_ref).unwrap_or_default();
        if with_flags {
            out.array_len(2);
            out.bulk(key);
            write_key_flags(out, k.flags);
        } else {
            out.bulk(key);
        }
    }
    Ok(())
}

/// Writes COMMAND HELP.
pub(crate) fn reply_help(out: &mut dyn ReplySink) {
    out.array_len(HELP.len());
    for line in HELP {
        out.simple(line.as_bytes());
    }
}

/// One COMMAND LIST filter.
enum ListFilter<'a> {
    /// FILTERBY MODULE: carmine loads no modules, so nothing matches.
    Module,
    /// FILTERBY ACLCAT: the category's bit, 0 for an unknown category (nothing matches).
    AclCat(u64),
    /// FILTERBY PATTERN: a case-insensitive glob over full names.
    Pattern(&'a [u8]),
}

impl ListFilter<'_> {
    fn matches(&self, cmd: &CommandSpec) -> bool {
        match self {
            ListFilter::Module => false,
            ListFilter::AclCat(bit) => cmd.acl_categories & bit != 0,
            ListFilter::Pattern(p) => crate::util::glob::glob_match(p, cmd.name.as_bytes(), true),
        }
    }
}

fn count_top(filter: Filter<'_>) -> usize {
    COMMANDS.iter().filter(|c| filter(c)).count()
}

fn find_fullname(name: &[u8], filter: Filter<'_>) -> Option<&'static CommandSpec> {
    let cmd = lookup_fullname(name)?;
    if !filter(cmd) {
        return None;
    }
    // A subcommand is only shown when its container is too.
    match name.iter().position(|&b| b == b'|') {
        Some(i) => lookup(name.get(..i)?).filter(|p| filter(p)).map(|_| cmd),
        None => Some(cmd),
    }
}

fn acl_category(name: &[u8]) -> u64 {
    ACL_CATEGORY_NAMES
        .iter()
        .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
        .map_or(0, |&(_, bit)| bit)
}

/// addReplyCommandInfo: the ten-element COMMAND INFO entry.
fn write_info(out: &mut dyn ReplySink, cmd: &CommandSpec, filter: Filter<'_>) {
    out.array_len(10);
    out.bulk(cmd.name.as_bytes());
    out.int(i64::from(cmd.arity));
    write_flag_set(out, cmd.flags, COMMAND_FLAG_NAMES);
    out.int(i64::from(cmd.legacy_range.first));
    out.int(i64::from(cmd.legacy_range.last));
    out.int(i64::from(cmd.legacy_range.step));
    let cats = ACL_CATEGORY_NAMES
        .iter()
        .filter(|(_, bit)| cmd.acl_categories & bit != 0);
    out.set_len(cats.clone().count());
    for (name, _) in cats {
        let mut line = Vec::with_capacity(name.len() + 1);
        line.push(b'@');
        line.extend_from_slice(name.as_bytes());
        out.simple(&line);
    }
    out.set_len(cmd.tips.len());
    for tip in cmd.tips {
        out.bulk(tip.as_bytes());
    }
    out.set_len(cmd.key_specs.len());
    for ks in cmd.key_specs {
        write_key_spec(out, ks);
    }
    if cmd.is_container() {
        let subs = cmd.subcommands.iter().filter(|c| filter(c));
        out.array_len(subs.clone().count());
        for sub in subs {
            write_info(out, sub, filter);
        }
    } else {
        out.set_len(0);
    }
}

/// addReplyCommandKeySpecs, for one spec: the optional notes come first.
fn write_key_spec(out: &mut dyn ReplySink, ks: &KeySpec) {
    out.map_len(3 + usize::from(ks.notes.is_some()));
    if let Some(notes) = ks.notes {
        out.bulk(b"notes");
        out.bulk(notes.as_bytes());
    }
    out.bulk(b"flags");
    write_key_flags(out, ks.flags);
    out.bulk(b"begin_search");
    out.map_len(2);
    out.bulk(b"type");
    match ks.begin_search {
        BeginSearch::Index { pos } => {
            out.bulk(b"index");
            out.bulk(b"spec");
            out.map_len(1);
            out.bulk(b"index");
            out.int(i64::from(pos));
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map_len(2);
            out.bulk(b"keyword");
            out.bulk(keyword.as_bytes());
            out.bulk(b"startfrom");
            out.int(i64::from(startfrom));
        }
        BeginSearch::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map_len(0);
        }
    }
    out.bulk(b"find_keys");
    out.map_len(2);
    out.bulk(b"type");
    match ks.find_keys {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            out.bulk(b"range");
            out.bulk(b"spec");
            write_int_map(
                out,
                &[
                    (b"lastkey", lastkey),
                    (b"keystep", keystep),
                    (b"limit", limit),
                ],
            );
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            out.bulk(b"keynum");
            out.bulk(b"spec");
            write_int_map(
                out,
                &[
                    (b"keynumidx", keynumidx),
                    (b"firstkey", firstkey),
                    (b"keystep", keystep),
                ],
            );
        }
        FindKeys::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map_len(0);
        }
    }
}

fn write_int_map(out: &mut dyn ReplySink, fields: &[(&[u8], i32)]) {
    out.map_len(fields.len());
    for (k, v) in fields {
        out.bulk(k);
        out.int(i64::from(*v));
    }
}

/// addReplyFlagsForKeyArgs: a set of status replies.
fn write_key_flags(out: &mut dyn ReplySink, flags: u32) {
    write_flag_set(out, u64::from(flags), KEY_FLAG_NAMES);
}

fn write_flag_set(out: &mut dyn ReplySink, flags: u64, names: &[(u64, &str)]) {
    let set = names.iter().filter(|(bit, _)| flags & bit != 0);
    out.set_len(set.clone().count());
    for (_, name) in set {
        out.simple(name.as_bytes());
    }
}

/// addReplyCommandDocs: the documentation map of one command, fields in Redis 7.0's order.
fn write_docs(out: &mut dyn ReplySink, cmd: &CommandSpec, filter: Filter<'_>) {
    let fields = 2
        + usize::from(cmd.summary.is_some())
        + usize::from(cmd.complexity.is_some())
        + usize::from(cmd.doc_flags != 0)
        + usize::from(cmd.deprecated_since.is_some())
        + usize::from(cmd.replaced_by.is_some())
        + usize::from(!cmd.history.is_empty())
        + usize::from(!cmd.args.is_empty())
        + usize::from(cmd.is_container());
    out.map_len(fields);
    if let Some(summary) = cmd.summary {
        out.bulk(b"summary");
        out.bulk(summary.as_bytes());
    }
    out.bulk(b"since");
    out.bulk(cmd.since.as_bytes());
    out.bulk(b"group");
    out.bulk(cmd.group.as_str().as_bytes());
    if let Some(complexity) = cmd.complexity {
        out.bulk(b"complexity");
        out.bulk(complexity.as_bytes());
    }
    if cmd.doc_flags != 0 {
        out.bulk(b"doc_flags");
        write_flag_set(out, cmd.doc_flags, DOC_FLAG_NAMES);
    }
    if let Some(dep) = cmd.deprecated_since {
        out.bulk(b"deprecated_since");
        out.bulk(dep.as_bytes());
    }
    if let Some(by) = cmd.replaced_by {
        out.bulk(b"replaced_by");
        out.bulk(by.as_bytes());
    }
    if !cmd.history.is_empty() {
        // addReplyCommandHistory: a set of (version, change) arrays.
        out.bulk(b"history");
        out.set_len(cmd.history.len());
        for (version, change) in cmd.history {
            out.array_len(2);
            out.bulk(version.as_bytes());
            out.bulk(change.as_bytes());
        }
    }
    if !cmd.args.is_empty() {
        out.bulk(b"arguments");
        write_args(out, cmd.args);
    }
    if cmd.is_container() {
        out.bulk(b"subcommands");
        let subs = cmd.subcommands.iter().filter(|c| filter(c));
        out.map_len(subs.clone().count());
        for sub in subs {
            out.bulk(sub.name.as_bytes());
            write_docs(out, sub, filter);
        }
    }
}

/// addReplyCommandArgList: an array of argument maps, nested for `oneof` and `block`.
fn write_args(out: &mut dyn ReplySink, args: &[ArgSpec]) {
    out.array_len(args.len());
    for a in args {
        let nested = matches!(
            a.kind,
            super::spec::ArgType::Oneof | super::spec::ArgType::Block
        );
        let fields = 2
            + usize::from(a.key_spec_index.is_some())
            + usize::from(a.token.is_some())
            + usize::from(a.since.is_some())
            + usize::from(a.deprecated_since.is_some())
            + usize::from(a.flags != 0)
            + usize::from(nested);
        out.map_len(fields);
        out.bulk(b"name");
        out.bulk(a.name.as_bytes());
        out.bulk(b"type");
        out.bulk(a.kind.as_str().as_bytes());
        if let Some(i) = a.key_spec_index {
            out.bulk(b"key_spec_index");
            out.int(i64::from(i));
        }
        if let Some(t) = a.token {
            out.bulk(b"token");
            out.bulk(t.as_bytes());
        }
        if let Some(s) = a.since {
            out.bulk(b"since");
            out.bulk(s.as_bytes());
        }
        if let Some(s) = a.deprecated_since {
            out.bulk(b"deprecated_since");
            out.bulk(s.as_bytes());
        }
        if a.flags != 0 {
            out.bulk(b"flags");
            write_flag_set(out, u64::from(a.flags), ARG_FLAG_NAMES);
        }
        if nested {
            out.bulk(b"arguments");
            write_args(out, a.args);
        }
    }
}

/// The command flags COMMAND INFO shows, in Redis's order; the others are hidden on purpose.
const COMMAND_FLAG_NAMES: &[(u64, &str)] = &[
    (CMD_WRITE, "write"),
    (CMD_READONLY, "readonly"),
    (CMD_DENYOOM, "denyoom"),
    (CMD_MODULE, "module"),
    (CMD_ADMIN, "admin"),
    (CMD_PUBSUB, "pubsub"),
    (CMD_NOSCRIPT, "noscript"),
    (CMD_BLOCKING, "blocking"),
    (CMD_LOADING, "loading"),
    (CMD_STALE, "stale"),
    (CMD_SKIP_MONITOR, "skip_monitor"),
    (CMD_SKIP_SLOWLOG, "skip_slowlog"),
    (CMD_ASKING, "asking"),
    (CMD_FAST, "fast"),
    (CMD_NO_AUTH, "no_auth"),
    (CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"),
    (CMD_NO_ASYNC_LOADING, "no_async_loading"),
    (CMD_NO_MULTI, "no_multi"),
    (CMD_MOVABLE_KEYS, "movablekeys"),
    (CMD_ALLOW_BUSY, "allow_busy"),
];

/// Key-spec flag names, in Redis's order.
const KEY_FLAG_NAMES: &[(u64, &str)] = &[
    (KEY_RO as u64, "RO"),
    (KEY_RW as u64, "RW"),
    (KEY_OW as u64, "OW"),
    (KEY_RM as u64, "RM"),
    (KEY_ACCESS as u64, "access"),
    (KEY_UPDATE as u64, "update"),
    (KEY_INSERT as u64, "insert"),
    (KEY_DELETE as u64, "delete"),
    (KEY_NOT_KEY as u64, "not_key"),
    (KEY_INCOMPLETE as u64, "incomplete"),
    (KEY_VARIABLE_FLAGS as u64, "variable_flags"),
];

/// Doc flag names, in Redis's order.
const DOC_FLAG_NAMES: &[(u64, &str)] = &[(DOC_DEPRECATED, "deprecated"), (DOC_SYSCMD, "syscmd")];

/// Argument flag names, in Redis's order.
const ARG_FLAG_NAMES: &[(u64, &str)] = &[
    (ARG_OPTIONAL as u64, "optional"),
    (ARG_MULTIPLE as u64, "multiple"),
    (ARG_MULTIPLE_TOKEN as u64, "multiple_token"),
];

/// COMMAND HELP's lines, including the header and footer Redis's addReplyHelp adds.
const HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
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
    "HELP",
    "    Prints this help.",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::reply::Protocol;
    use crate::protocol::write::RespWriter;

    fn all(_: &CommandSpec) -> bool {
        true
    }

    fn render(proto: Protocol, f: impl FnOnce(&mut dyn ReplySink)) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w = RespWriter::new(&mut buf, proto);
        f(&mut w);
        buf
    }

    fn info(proto: Protocol, names: &[&str]) -> Vec<u8> {
        render(proto, |out| reply_info(out, names, &all))
    }

    fn crlf(s: &str) -> Vec<u8> {
        s.replace('\n', "\r\n").into_bytes()
    }

    /// Redis 7.0.15's bytes for COMMAND INFO GET in RESP2.
    #[test]
    fn command_info_get_matches_redis_resp2() {
        let want = "*1\n*10\n$3\nget\n:2\n*2\n+readonly\n+fast\n:1\n:1\n:1\n*3\n+@read\n+@string\n\
                    +@fast\n*0\n*1\n*6\n$5\nflags\n*2\n+RO\n+access\n$12\nbegin_search\n*4\n$4\n\
                    type\n$5\nindex\n$4\nspec\n*2\n$5\nindex\n:1\n$9\nfind_keys\n*4\n$4\ntype\n$5\n\
                    range\n$4\nspec\n*6\n$7\nlastkey\n:0\n$7\nkeystep\n:1\n$5\nlimit\n:0\n*0\n";
        assert_eq!(info(Protocol::Resp2, &["get"]), crlf(want));
    }

    /// Redis 7.0.15's bytes for COMMAND INFO GET in RESP3.
    #[test]
    fn command_info_get_matches_redis_resp3() {
        let want = "*1\n*10\n$3\nget\n:2\n~2\n+readonly\n+fast\n:1\n:1\n:1\n~3\n+@read\n+@string\n\
                    +@fast\n~0\n~1\n%3\n$5\nflags\n~2\n+RO\n+access\n$12\nbegin_search\n%2\n$4\n\
                    type\n$5\nindex\n$4\nspec\n%1\n$5\nindex\n:1\n$9\nfind_keys\n%2\n$4\ntype\n$5\n\
                    range\n$4\nspec\n%3\n$7\nlastkey\n:0\n$7\nkeystep\n:1\n$5\nlimit\n:0\n~0\n";
        assert_eq!(info(Protocol::Resp3, &["GET"]), crlf(want));
    }

    #[test]
    fn command_info_unknown_names_are_nil() {
        let got = info(
            Protocol::Resp2,
            &["foo", "", "|", "config|", "a||b", "get|x", "|get"],
        );
        assert_eq!(got, crlf("*7\n$-1\n$-1\n$-1\n$-1\n$-1\n$-1\n$-1\n"));
        assert_eq!(info(Protocol::Resp3, &["foo"]), crlf("*1\n_\n"));
    }

    /// A subcommand (key-less, with tips) as Redis 7.0.15 shows it in RESP3.
    #[test]
    fn command_info_subcommand_matches_redis() {
        let want = "*1\n*10\n$10\nconfig|set\n:-4\n~4\n+admin\n+noscript\n+loading\n+stale\n:0\n\
                    :0\n:0\n~3\n+@admin\n+@slow\n+@dangerous\n~2\n$24\nrequest_policy:all_nodes\n\
                    $29\nresponse_policy:all_succeeded\n~0\n~0\n";
        assert_eq!(info(Protocol::Resp3, &["Config|Set"]), crlf(want));
    }

    /// Redis 7.0.15's bytes for COMMAND DOCS SET in RESP3 (summary, complexity and history from
    /// the supplement, the arguments from the JSON).
    #[test]
    fn command_docs_set_matches_redis() {
        let got = render(Protocol::Resp3, |out| {
            reply_docs(out, &["set", "nosuch"], &all)
        });
        let args = "*5\n\
            %3\n$4\nname\n$3\nkey\n$4\ntype\n$3\nkey\n$14\nkey_spec_index\n:0\n\
            %2\n$4\nname\n$5\nvalue\n$4\ntype\n$6\nstring\n\
            %5\n$4\nname\n$9\ncondition\n$4\ntype\n$5\noneof\n$5\nsince\n$6\n2.6.12\n\
            $5\nflags\n~1\n+optional\n$9\narguments\n*2\n\
            %3\n$4\nname\n$2\nnx\n$4\ntype\n$10\npure-token\n$5\ntoken\n$2\nNX\n\
            %3\n$4\nname\n$2\nxx\n$4\ntype\n$10\npure-token\n$5\ntoken\n$2\nXX\n\
            %5\n$4\nname\n$3\nget\n$4\ntype\n$10\npure-token\n$5\ntoken\n$3\nGET\n\
            $5\nsince\n$5\n6.2.0\n$5\nflags\n~1\n+optional\n\
            %4\n$4\nname\n$10\nexpiration\n$4\ntype\n$5\noneof\n$5\nflags\n~1\n+optional\n\
            $9\narguments\n*5\n\
            %4\n$4\nname\n$7\nseconds\n$4\ntype\n$7\ninteger\n$5\ntoken\n$2\nEX\n\
            $5\nsince\n$6\n2.6.12\n\
            %4\n$4\nname\n$12\nmilliseconds\n$4\ntype\n$7\ninteger\n$5\ntoken\n$2\nPX\n\
            $5\nsince\n$6\n2.6.12\n\
            %4\n$4\nname\n$17\nunix-time-seconds\n$4\ntype\n$9\nunix-time\n$5\ntoken\n$4\nEXAT\n\
            $5\nsince\n$5\n6.2.0\n\
            %4\n$4\nname\n$22\nunix-time-milliseconds\n$4\ntype\n$9\nunix-time\n$5\ntoken\n\
            $4\nPXAT\n$5\nsince\n$5\n6.2.0\n\
            %4\n$4\nname\n$7\nkeepttl\n$4\ntype\n$10\npure-token\n$5\ntoken\n$7\nKEEPTTL\n\
            $5\nsince\n$5\n6.0.0\n";
        let head = "%1\n$3\nset\n%6\n$7\nsummary\n$29\nSet the string value of a key\n\
            $5\nsince\n$5\n1.0.0\n$5\ngroup\n$6\nstring\n$10\ncomplexity\n$4\nO(1)\n\
            $7\nhistory\n~4\n\
            *2\n$6\n2.6.12\n$44\nAdded the `EX`, `PX`, `NX` and `XX` options.\n\
            *2\n$5\n6.0.0\n$27\nAdded the `KEEPTTL` option.\n\
            *2\n$5\n6.2.0\n$42\nAdded the `GET`, `EXAT` and `PXAT` option.\n\
            *2\n$5\n7.0.0\n$55\nAllowed the `NX` and `GET` options to be used together.\n";
        let want = format!("{head}$9\narguments\n{args}");
        assert_eq!(got, crlf(&want));
    }

    #[test]
    fn command_docs_in_resp2_is_a_flat_array() {
        let got = render(Protocol::Resp2, |out| {
            reply_docs(out, &["get", "foo"], &all)
        });
        assert_eq!(got, crlf(DOCS_GET_RESP2));
        let none = render(Protocol::Resp2, |out| reply_docs(out, &[""], &all));
        assert_eq!(none, crlf("*0\n"));
    }

    /// Redis 7.0.15's bytes for COMMAND DOCS GET in RESP2.
    const DOCS_GET_RESP2: &str = "*2\n$3\nget\n*10\n$7\nsummary\n$22\nGet the value of a key\n\
        $5\nsince\n$5\n1.0.0\n$5\ngroup\n$6\nstring\n$10\ncomplexity\n$4\nO(1)\n\
        $9\narguments\n*1\n*6\n$4\nname\n$3\nkey\n$4\ntype\n$3\nkey\n$14\nkey_spec_index\n:0\n";

    /// Redis 7.0.15's bytes for COMMAND DOCS GET in both protocols.
    #[test]
    fn command_docs_get_matches_redis() {
        let two = render(Protocol::Resp2, |out| reply_docs(out, &["get"], &all));
        assert_eq!(two, crlf(DOCS_GET_RESP2));
        let three = render(Protocol::Resp3, |out| reply_docs(out, &["GET"], &all));
        let want = "%1\n$3\nget\n%5\n$7\nsummary\n$22\nGet the value of a key\n\
                    $5\nsince\n$5\n1.0.0\n$5\ngroup\n$6\nstring\n$10\ncomplexity\n$4\nO(1)\n\
                    $9\narguments\n*1\n%3\n$4\nname\n$3\nkey\n$4\ntype\n$3\nkey\n\
                    $14\nkey_spec_index\n:0\n";
        assert_eq!(three, crlf(want));
    }

    /// Redis 7.0.15's bytes for COMMAND INFO SET: its key spec has notes, shown first.
    #[test]
    fn command_info_set_matches_redis() {
        let two = "*1\n*10\n$3\nset\n:-3\n*2\n+write\n+denyoom\n:1\n:1\n:1\n*3\n+@write\n\
                   +@string\n+@slow\n*0\n*1\n*8\n$5\nnotes\n$48\n\
                   RW and ACCESS due to the optional `GET` argument\n$5\nflags\n*4\n+RW\n+access\n\
                   +update\n+variable_flags\n$12\nbegin_search\n*4\n$4\ntype\n$5\nindex\n$4\n\
                   spec\n*2\n$5\nindex\n:1\n$9\nfind_keys\n*4\n$4\ntype\n$5\nrange\n$4\nspec\n\
                   *6\n$7\nlastkey\n:0\n$7\nkeystep\n:1\n$5\nlimit\n:0\n*0\n";
        assert_eq!(info(Protocol::Resp2, &["set"]), crlf(two));
        let three = "*1\n*10\n$3\nset\n:-3\n~2\n+write\n+denyoom\n:1\n:1\n:1\n~3\n+@write\n\
                     +@string\n+@slow\n~0\n~1\n%4\n$5\nnotes\n$48\n\
                     RW and ACCESS due to the optional `GET` argument\n$5\nflags\n~4\n+RW\n\
                     +access\n+update\n+variable_flags\n$12\nbegin_search\n%2\n$4\ntype\n$5\n\
                     index\n$4\nspec\n%1\n$5\nindex\n:1\n$9\nfind_keys\n%2\n$4\ntype\n$5\n\
                     range\n$4\nspec\n%3\n$7\nlastkey\n:0\n$7\nkeystep\n:1\n$5\nlimit\n:0\n~0\n";
        assert_eq!(info(Protocol::Resp3, &["SET"]), crlf(three));
    }

    /// GEORADIUS as Redis 7.0.15 orders its doc fields: doc_flags, deprecated_since, replaced_by,
    /// history; PFDEBUG carries the `syscmd` doc flag.
    #[test]
    fn command_docs_field_order_matches_redis() {
        let got = render(Protocol::Resp3, |out| reply_docs(out, &["georadius"], &all));
        let text = String::from_utf8(got).unwrap();
        let want = "$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n$5\r\n\
                    6.2.0\r\n$11\r\nreplaced_by\r\n$61\r\n\
                    `GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument\r\n\
                    $7\r\nhistory\r\n~2\r\n*2\r\n$5\r\n6.2.0\r\n$35\r\n\
                    Added the `ANY` option for `COUNT`.\r\n";
        assert!(text.starts_with("%1\r\n$9\r\ngeoradius\r\n%9\r\n$7\r\nsummary\r\n"));
        assert!(text.contains(want), "{text}");
        let got = render(Protocol::Resp3, |out| reply_docs(out, &["pfdebug"], &all));
        let text = String::from_utf8(got).unwrap();
        assert!(
            text.contains("$9\r\ndoc_flags\r\n~1\r\n+syscmd\r\n"),
            "{text}"
        );
    }

    #[test]
    fn command_docs_shows_deprecation() {
        let got = render(Protocol::Resp3, |out| reply_docs(out, &["getset"], &all));
        let text = String::from_utf8(got).unwrap();
        assert!(
            text.contains("$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n"),
            "{text}"
        );
        assert!(
            text.contains("$16\r\ndeprecated_since\r\n$5\r\n6.2.0\r\n"),
            "{text}"
        );
    }

    #[test]
    fn command_count_counts_top_level_commands() {
        assert_eq!(
            render(Protocol::Resp2, |out| reply_count(out, &all)),
            b":240\r\n"
        );
        let only_get = |c: &CommandSpec| c.name == "get";
        assert_eq!(
            render(Protocol::Resp2, |out| reply_count(out, &only_get)),
            b":1\r\n"
        );
    }

    fn list(args: &[&str]) -> Result<Vec<u8>, CmdError> {
        let mut buf = Vec::new();
        let mut w = RespWriter::new(&mut buf, Protocol::Resp2);
        reply_list(&mut w, args, &all)?;
        Ok(buf)
    }

    #[test]
    fn command_list_filters_like_redis() {
        let pattern = list(&["FILTERBY", "PATTERN", "config*"]).unwrap();
        let want = "*6\n$6\nconfig\n$10\nconfig|get\n$11\nconfig|help\n$16\nconfig|resetstat\n\
                    $14\nconfig|rewrite\n$10\nconfig|set\n";
        assert_eq!(pattern, crlf(want));
        assert_eq!(
            list(&["filterby", "pattern", "GET"]).unwrap(),
            crlf("*1\n$3\nget\n")
        );
        let string = list(&["filterby", "aclcat", "STRING"]).unwrap();
        assert!(string.starts_with(b"*22\r\n"));
        assert_eq!(
            list(&["filterby", "aclcat", "@string"]).unwrap(),
            crlf("*0\n")
        );
        assert_eq!(list(&["filterby", "module", "foo"]).unwrap(), crlf("*0\n"));
        let everything = list(&[]).unwrap();
        assert!(everything.starts_with(b"*366\r\n"));
        for bad in [
            &["filterby"][..],
            &["filterby", "foo", "bar"],
            &["foo"],
            &["filterby", "pattern", "a", "b"],
        ] {
            assert_eq!(list(bad), Err(CmdError::Syntax), "{bad:?}");
        }
    }

    fn getkeys(line: &[&str], with_flags: bool) -> Result<Vec<u8>, CmdError> {
        let mut buf = Vec::new();
        let mut w = RespWriter::new(&mut buf, Protocol::Resp2);
        reply_getkeys(&mut w, line, with_flags, &all)?;
        Ok(buf)
    }

    #[test]
    fn command_getkeys_matches_redis() {
        assert_eq!(
            getkeys(&["set", "a", "b"], false).unwrap(),
            crlf("*1\n$1\na\n")
        );
        assert_eq!(
            getkeys(&["set", "a", "b", "get"], true).unwrap(),
            crlf("*1\n*2\n$1\na\n*3\n+RW\n+access\n+update\n")
        );
        assert_eq!(getkeys(&["eval", "s", "0"], false).unwrap(), crlf("*0\n"));
        assert_eq!(
            getkeys(&["memory", "usage", "k"], true).unwrap(),
            crlf("*1\n*2\n$1\nk\n*1\n+RO\n")
        );
        let err = |s: &'static str| Err(CmdError::Static(s));
        assert_eq!(
            getkeys(&["foo", "a"], false),
            err("ERR Invalid command specified")
        );
        assert_eq!(
            getkeys(&["config", "foo"], false),
            err("ERR Invalid command specified")
        );
        assert_eq!(
            getkeys(&["config", "get", "a"], false),
            err("ERR The command has no key arguments")
        );
        assert_eq!(
            getkeys(&["get", "a", "b"], false),
            err("ERR Invalid number of arguments specified for command")
        );
        assert_eq!(
            getkeys(&["zunionstore", "d", "0", "a"], false),
            err("ERR Invalid arguments specified for command")
        );
        let no_get = |c: &CommandSpec| c.name != "get";
        let mut buf = Vec::new();
        let mut w = RespWriter::new(&mut buf, Protocol::Resp2);
        assert_eq!(
            reply_getkeys(&mut w, &["get", "a"], false, &no_get),
            Err(CmdError::Static("ERR Invalid command specified"))
        );
    }

    #[test]
    fn command_getkeysandflags_uses_sets_in_resp3() {
        let mut buf = Vec::new();
        let mut w = RespWriter::new(&mut buf, Protocol::Resp3);
        reply_getkeys(&mut w, &["get", "a"], true, &all).unwrap();
        assert_eq!(buf, crlf("*1\n*2\n$1\na\n~2\n+RO\n+access\n"));
    }

    #[test]
    fn command_help_matches_redis() {
        let got = render(Protocol::Resp2, reply_help);
        let text = String::from_utf8(got).unwrap();
        assert!(text.starts_with("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]."));
        assert!(text.ends_with("+HELP\r\n+    Prints this help.\r\n"));
    }

    #[test]
    fn filtered_out_subcommands_are_hidden() {
        let no_config_get = |c: &CommandSpec| c.name != "config|get";
        let got = render(Protocol::Resp2, |out| {
            reply_info(out, &["config|get"], &no_config_get)
        });
        assert_eq!(got, crlf("*1\n$-1\n"));
        let got = render(Protocol::Resp2, |out| {
            reply_info(out, &["config"], &no_config_get)
        });
        assert!(
            String::from_utf8(got)
                .unwrap()
                .contains("\r\n*4\r\n*10\r\n")
        );
    }
}

/// The generated table checked against the JSON it was generated from.
#[cfg(test)]
mod table_tests {
    use std::collections::BTreeMap;

    use super::super::spec::{
        ACL_READ, ACL_SCRIPTING, ACL_SLOW, CMD_MOVABLE_KEYS, CMD_READONLY, COMMANDS,
        DOC_DEPRECATED, DOC_SYSCMD, lookup, lookup_fullname, lookup_subcommand,
    };

    /// Just enough JSON for the command file: objects, arrays, strings, integers, booleans.
    #[derive(Debug, Clone)]
    #[allow(dead_code)] // Every JSON shape is parsed; the tests read only some.
    enum Json {
        Obj(BTreeMap<String, Json>),
        Arr(Vec<Json>),
        Str(String),
        Num(i64),
        Bool(bool),
        Null,
    }

    impl Json {
        fn get(&self, k: &str) -> Option<&Json> {
            match self {
                Json::Obj(m) => m.get(k),
                _ => None,
            }
        }
        fn str(&self) -> &str {
            match self {
                Json::Str(s) => s,
                other => panic!("not a string: {other:?}"),
            }
        }
    }

    fn parse(b: &[u8], i: &mut usize) -> Json {
        while b[*i].is_ascii_whitespace() {
            *i += 1;
        }
        match b[*i] {
            b'{' => {
                *i += 1;
                let mut m = BTreeMap::new();
                loop {
                    while b[*i].is_ascii_whitespace() || b[*i] == b',' {
                        *i += 1;
                    }
                    if b[*i] == b'}' {
                        *i += 1;
                        return Json::Obj(m);
                    }
                    let Json::Str(k) = parse(b, i) else {
                        panic!("key")
                    };
                    while b[*i] != b':' {
                        *i += 1;
                    }
                    *i += 1;
                    m.insert(k, parse(b, i));
                }
            }
            b'[' => {
                *i += 1;
                let mut v = Vec::new();
                loop {
                    while b[*i].is_ascii_whitespace() || b[*i] == b',' {
                        *i += 1;
                    }
                    if b[*i] == b']' {
                        *i += 1;
                        return Json::Arr(v);
                    }
                    v.push(parse(b, i));
                }
            }
            b'"' => {
                *i += 1;
                let mut s = Vec::new();
                while b[*i] != b'"' {
                    if b[*i] == b'\\' {
                        *i += 1;
                    }
                    s.push(b[*i]);
                    *i += 1;
                }
                *i += 1;
                Json::Str(String::from_utf8(s).unwrap())
            }
            b't' => {
                *i += 4;
                Json::Bool(true)
            }
            b'f' => {
                *i += 5;
                Json::Bool(false)
            }
            b'n' => {
                *i += 4;
                Json::Null
            }
            _ => {
                let start = *i;
                while b[*i] == b'-' || b[*i].is_ascii_digit() {
                    *i += 1;
                }
                Json::Num(std::str::from_utf8(&b[start..*i]).unwrap().parse().unwrap())
            }
        }
    }

    fn json_commands() -> Vec<Json> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/redis-commands.json");
        let bytes = std::fs::read(path).unwrap();
        let Some(Json::Arr(cmds)) = parse(&bytes, &mut 0).get("commands").cloned() else {
            panic!("no commands array");
        };
        cmds
    }

    fn sentinel_only(c: &Json) -> bool {
        c.get("group").unwrap().str() == "sentinel"
            || matches!(c.get("command_flags"), Some(Json::Arr(f))
                if f.iter().any(|x| x.str() == "ONLY_SENTINEL"))
    }

    #[test]
    fn every_non_sentinel_command_is_in_the_table_with_its_arity() {
        let mut expected = 0;
        for c in json_commands() {
            let name = c.get("name").unwrap().str().to_ascii_lowercase();
            let full = match c.get("container") {
                Some(p) => format!("{}|{name}", p.str().to_ascii_lowercase()),
                None => name.clone(),
            };
            let found = lookup_fullname(full.as_bytes());
            if sentinel_only(&c) {
                assert!(found.is_none(), "{full} should be left out");
                continue;
            }
            expected += 1;
            let spec = found.unwrap_or_else(|| panic!("{full} missing"));
            assert_eq!(spec.name, full);
            let Some(Json::Num(arity)) = c.get("arity") else {
                panic!("{full}: no arity")
            };
            assert_eq!(i64::from(spec.arity), *arity, "{full}");
            assert_eq!(spec.since, c.get("since").unwrap().str(), "{full}");
            let specs = match c.get("key_specs") {
                Some(Json::Arr(v)) => v.len(),
                _ => 0,
            };
            assert_eq!(spec.key_specs.len(), specs, "{full}");
            let nargs = match c.get("arguments") {
                Some(Json::Arr(v)) => v.len(),
                _ => 0,
            };
            assert_eq!(spec.args.len(), nargs, "{full}");
        }
        let total: usize = COMMANDS.iter().map(|c| 1 + c.subcommands.len()).sum();
        assert_eq!(total, expected);
        assert_eq!(COMMANDS.len(), 240);
    }

    #[test]
    fn table_is_sorted_and_subcommands_hang_off_their_containers() {
        for w in COMMANDS.windows(2) {
            assert!(w[0].name < w[1].name, "{} !< {}", w[0].name, w[1].name);
        }
        for c in COMMANDS {
            assert!(!c.name.contains('|'));
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert!(std::ptr::eq(
                lookup(c.name.to_ascii_uppercase().as_bytes()).unwrap(),
                c
            ));
            for w in c.subcommands.windows(2) {
                assert!(w[0].name < w[1].name);
            }
            for s in c.subcommands {
                let (parent, short) = s.name.split_once('|').unwrap();
                assert_eq!(parent, c.name);
                assert_eq!(s.short_name(), short);
                let upper = short.to_ascii_uppercase();
                assert!(std::ptr::eq(
                    lookup_subcommand(c, upper.as_bytes()).unwrap(),
                    s
                ));
                assert!(s.subcommands.is_empty());
            }
        }
        assert_eq!(lookup(b"config").map(|c| c.subcommands.len()), Some(5));
        assert!(lookup(b"nosuchcommand").is_none());
        assert!(lookup(b"").is_none());
        assert!(lookup(&[b'a'; 300]).is_none());
        assert!(lookup_subcommand(lookup(b"get").unwrap(), b"x").is_none());
    }

    /// The documentation texts of every command, as tools/command_docs_supplement.json has them
    /// (so the generator's line wrapping loses nothing).
    #[test]
    fn every_command_carries_its_supplement() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tools/command_docs_supplement.json"
        );
        let bytes = std::fs::read(path).unwrap();
        let Json::Obj(sup) = parse(&bytes, &mut 0) else {
            panic!("not an object")
        };
        let text = |e: &Json, k: &str| e.get(k).map(|v| v.str().to_string());
        let mut seen = 0;
        for c in COMMANDS
            .iter()
            .flat_map(|c| std::iter::once(c).chain(c.subcommands))
        {
            seen += 1;
            let e = sup
                .get(c.name)
                .unwrap_or_else(|| panic!("{} missing", c.name));
            assert_eq!(
                c.summary.map(str::to_string),
                text(e, "summary"),
                "{}",
                c.name
            );
            assert_eq!(
                c.complexity.map(str::to_string),
                text(e, "complexity"),
                "{}",
                c.name
            );
            assert_eq!(
                c.replaced_by.map(str::to_string),
                text(e, "replaced_by"),
                "{}",
                c.name
            );
            let history: Vec<(String, String)> = match e.get("history") {
                Some(Json::Arr(v)) => v
                    .iter()
                    .map(|h| match h {
                        Json::Arr(p) => (p[0].str().to_string(), p[1].str().to_string()),
                        other => panic!("{other:?}"),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let got: Vec<(String, String)> = c
                .history
                .iter()
                .map(|(v, t)| (v.to_string(), t.to_string()))
                .collect();
            assert_eq!(got, history, "{}", c.name);
            let flags: Vec<&str> = match e.get("doc_flags") {
                Some(Json::Arr(v)) => v.iter().map(Json::str).collect(),
                _ => Vec::new(),
            };
            assert_eq!(
                c.doc_flags & DOC_DEPRECATED != 0,
                flags.contains(&"deprecated"),
                "{}",
                c.name
            );
            assert_eq!(
                c.doc_flags & DOC_SYSCMD != 0,
                flags.contains(&"syscmd"),
                "{}",
                c.name
            );
            for (i, ks) in c.key_specs.iter().enumerate() {
                let note = e
                    .get("key_spec_notes")
                    .and_then(|n| n.get(&i.to_string()))
                    .map(|n| n.str().to_string());
                assert_eq!(
                    ks.notes.map(str::to_string),
                    note,
                    "{} key spec {i}",
                    c.name
                );
            }
        }
        assert_eq!(seen, sup.len());
        assert_eq!(seen, 366);
    }

    #[test]
    fn computed_fields_follow_redis() {
        let get = |n: &str| lookup_fullname(n.as_bytes()).unwrap();
        // Implicit categories: READONLY gives @read except to scripting commands.
        assert_ne!(get("get").acl_categories & ACL_READ, 0);
        assert!(get("eval_ro").has(CMD_READONLY));
        assert_eq!(get("eval_ro").acl_categories & ACL_READ, 0);
        assert_ne!(get("eval_ro").acl_categories & ACL_SCRIPTING, 0);
        assert_ne!(get("config|get").acl_categories & ACL_SLOW, 0);
        // movablekeys comes from the key specs, not from having a getkeys procedure.
        assert!(!get("set").has(CMD_MOVABLE_KEYS));
        assert!(get("sort").has(CMD_MOVABLE_KEYS));
        assert!(get("zunionstore").has(CMD_MOVABLE_KEYS));
        assert!(get("migrate").has(CMD_MOVABLE_KEYS));
        let r = |n: &str| {
            let l = get(n).legacy_range;
            (l.first, l.last, l.step)
        };
        assert_eq!(r("get"), (1, 1, 1));
        assert_eq!(r("mset"), (1, -1, 2));
        assert_eq!(r("smove"), (1, 2, 1));
        assert_eq!(r("blpop"), (1, -2, 1));
        assert_eq!(r("eval"), (0, 0, 0));
        assert_eq!(r("migrate"), (3, 3, 1));
        assert_eq!(r("object|encoding"), (2, 2, 1));
    }
}
