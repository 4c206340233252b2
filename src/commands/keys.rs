//! Which arguments of a command are keys, and how the command uses them.
//!
//! This is Redis 7.0's `getKeysFromCommandWithSpecs`: the key specs of [`CommandSpec`] are
//! interpreted first (begin-search by index or keyword, find-keys by range or key count); when a
//! spec cannot be followed (an `unknown` spec, an `INCOMPLETE` one, a bad key count, or a command
//! whose specs carry `VARIABLE_FLAGS`) the result is thrown away and the command's native
//! procedure ([`GetKeysProc`]) answers instead. Cluster slot checks, ACL key rules and COMMAND
//! GETKEYS / GETKEYSANDFLAGS all go through here, so they agree with Redis on every argv.
//!
//! Representation: a key is a [`KeyRef`], its index in argv (argv\[0\] is the command name) plus
//! the `KEY_*` flags of the spec that found it; native procedures report the flags Redis's do
//! (often none). Redis compares option names with `strcasecmp` on C strings and parses key counts
//! with `atoi` in the native procedures, so those quirks (bytes after a NUL are ignored; `2x`
//! counts as 2) are copied on purpose. All index arithmetic is done in `i64`, and the one place
//! Redis truncates to a C `int` (a spec's key count) is reproduced with a wrapping cast.

use crate::util::num::atoi;

use super::spec::{
    BeginSearch, CMD_NO_MANDATORY_KEYS, CommandSpec, FindKeys, GetKeysProc, KEY_ACCESS, KEY_DELETE,
    KEY_INCOMPLETE, KEY_NOT_KEY, KEY_OW, KEY_RO, KEY_RW, KEY_UPDATE, KEY_VARIABLE_FLAGS,
};

/// One key argument: its index in argv and the `KEY_*` flags for how it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyRef {
    /// The index in argv (argv\[0\] is the command name).
    pub(crate) pos: usize,
    /// `KEY_*` bits; 0 when the native procedure does not report flags.
    pub(crate) flags: u32,
}

/// Why COMMAND GETKEYS cannot list keys for an argv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeysError {
    /// The command never takes keys.
    NoKeyArguments,
    /// The argv does not fit the command's arity.
    WrongArgCount,
    /// The argv names no keys although the command needs some (a bad numkeys, say).
    InvalidArguments,
}

impl KeysError {
    /// The error line Redis sends, without the leading `-`.
    pub(crate) fn message(self) -> &'static str {
        match self {
            KeysError::NoKeyArguments => "ERR The command has no key arguments",
            KeysError::WrongArgCount => "ERR Invalid number of arguments specified for command",
            KeysError::InvalidArguments => "ERR Invalid arguments specified for command",
        }
    }
}

/// Options for [`get_keys_into`] (Redis's `GET_KEYSPEC_*` search flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KeySearch {
    /// Also report arguments of `NOT_KEY` specs (shard channels) as keys.
    pub(crate) include_not_keys: bool,
    /// Skip specs that cannot be followed and keep what the others found.
    pub(crate) return_partial: bool,
}

/// The keys of `argv` as COMMAND GETKEYS reports them, with its refusals.
///
/// `argv` is a whole command line (`argv[0]` is the command name, `argv[1]` the subcommand of a
/// container); `spec` is the command it names. Checks, in Redis's order: the command takes keys
/// at all, the argv fits its arity, and at least one key was found unless the command has
/// `no_mandatory_keys` (EVAL with numkeys 0 gives an empty list).
pub(crate) fn key_positions<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    argv: &[A],
) -> Result<Vec<KeyRef>, KeysError> {
    if !has_keys(spec) {
        return Err(KeysError::NoKeyArguments);
    }
    let argc = i64::try_from(argv.len()).unwrap_or(i64::MAX);
    let arity = i64::from(spec.arity);
    if (arity > 0 && arity != argc) || argc < -arity {
        return Err(KeysError::WrongArgCount);
    }
    let keys = get_keys(spec, argv);
    if keys.is_empty() && !spec.has(CMD_NO_MANDATORY_KEYS) {
        return Err(KeysError::InvalidArguments);
    }
    Ok(keys)
}

/// The keys of `argv` with default search options; empty when none can be found.
pub(crate) fn get_keys<A: AsRef<[u8]>>(spec: &CommandSpec, argv: &[A]) -> Vec<KeyRef> {
    let mut out = Vec::new();
    get_keys_into(spec, argv, KeySearch::default(), &mut out);
    out
}

/// Fills `out` (cleared first) with the keys of `argv`, as `getKeysFromCommandWithSpecs`.
///
/// Key specs are used when the command has a real (non-`NOT_KEY`) spec and none with
/// `VARIABLE_FLAGS`; if they fail, or are not usable, the native procedure runs, and a command
/// with neither gets no keys. Reusing `out` across calls avoids an allocation per command.
pub(crate) fn get_keys_into<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    argv: &[A],
    search: KeySearch,
    out: &mut Vec<KeyRef>,
) {
    out.clear();
    // Redis only counts specs that are not NOT_KEY here, which would make `include_not_keys`
    // useless for SPUBLISH and friends; asking for them counts them too.
    let has_keyspec = spec
        .key_specs
        .iter()
        .any(|k| k.flags & KEY_NOT_KEY == 0 || search.include_not_keys);
    let has_varflags = spec
        .key_specs
        .iter()
        .any(|k| k.flags & KEY_VARIABLE_FLAGS != 0);
    if has_keyspec && !has_varflags && keys_from_specs(spec, argv, search, out) {
        return;
    }
    out.clear();
    if let Some(proc_) = spec.getkeys {
        native_keys(proc_, argv, out);
    }
}

/// Whether the command can take keys at all (Redis's `doesCommandHaveKeys`).
pub(crate) fn has_keys(spec: &CommandSpec) -> bool {
    spec.getkeys.is_some() || spec.key_specs.iter().any(|k| k.flags & KEY_NOT_KEY == 0)
}

/// Follows every key spec; `false` (with `out` cleared) when one of them cannot be followed and
/// partial results were not asked for.
fn keys_from_specs<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    argv: &[A],
    search: KeySearch,
    out: &mut Vec<KeyRef>,
) -> bool {
    let argc = i64::try_from(argv.len()).unwrap_or(i64::MAX);
    for ks in spec.key_specs {
        if ks.flags & KEY_NOT_KEY != 0 && !search.include_not_keys {
            continue;
        }
        let found = match one_spec(ks.begin_search, ks.find_keys, argv, argc) {
            SpecResult::Skip => continue,
            SpecResult::Invalid => None,
            SpecResult::Range { first, last, step } => {
                let mut i = first;
                while i <= last {
                    if let Ok(pos) = usize::try_from(i) {
                        out.push(KeyRef {
                            pos,
                            flags: ks.flags,
                        });
                    }
                    i = i.saturating_add(step);
                }
                // An incomplete spec still contributes its keys to a partial result.
                (ks.flags & KEY_INCOMPLETE == 0).then_some(())
            }
        };
        if found.is_none() && !search.return_partial {
            out.clear();
            return false;
        }
    }
    true
}

/// What one key spec makes of an argv.
enum SpecResult {
    /// A keyword spec whose keyword is absent: no keys, no error.
    Skip,
    /// The spec cannot be followed.
    Invalid,
    /// Keys at `first..=last` every `step` (all within argv).
    Range { first: i64, last: i64, step: i64 },
}

fn one_spec<A: AsRef<[u8]>>(bs: BeginSearch, fk: FindKeys, argv: &[A], argc: i64) -> SpecResult {
    let first = match bs {
        BeginSearch::Index { pos } => i64::from(pos),
        BeginSearch::Keyword { keyword, startfrom } => {
            match find_keyword(argv, argc, keyword, i64::from(startfrom)) {
                Some(i) => i.saturating_add(1),
                None => return SpecResult::Skip,
            }
        }
        BeginSearch::Unknown => return SpecResult::Invalid,
    };
    let (first, last, step) = match fk {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
            let last = if lastkey >= 0 {
                first.saturating_add(lastkey)
            } else if limit == 0 {
                argc.saturating_add(lastkey)
            } else {
                // Only a 1/limit share of what follows is keys (XREAD's keys, then as many IDs).
                let share = argc.saturating_sub(first).checked_div(limit).unwrap_or(0);
                first.saturating_add(share.saturating_add(lastkey))
            };
            (first, last, i64::from(keystep))
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            let idx = first.saturating_add(i64::from(keynumidx));
            let Some(arg) = usize::try_from(idx).ok().and_then(|i| argv.get(i)) else {
                return SpecResult::Invalid;
            };
            let numkeys = match string2ll(arg.as_ref()) {
                Some(n) if n >= 0 => n,
                _ => return SpecResult::Invalid,
            };
            let first = first.saturating_add(i64::from(firstkey));
            // Redis computes `first + (int)numkeys - 1` in C ints: a count of 2^32 + 2 is 2.
            let last = i64::from((first as i32).wrapping_add(numkeys as i32).wrapping_sub(1));
            (first, last, i64::from(keystep))
        }
        FindKeys::Unknown => return SpecResult::Invalid,
    };
    if last >= argc || last < first || first >= argc || first < 0 || step <= 0 {
        return SpecResult::Invalid;
    }
    SpecResult::Range { first, last, step }
}

/// Searches for `keyword` as Redis does: forwards from `startfrom` up to (not including) the
/// last argument, or for a negative `startfrom` backwards from `argc + startfrom` down to (not
/// including) argument 1.
fn find_keyword<A: AsRef<[u8]>>(
    argv: &[A],
    argc: i64,
    keyword: &str,
    startfrom: i64,
) -> Option<i64> {
    let (start, end) = if startfrom > 0 {
        (startfrom, argc.saturating_sub(1))
    } else {
        (argc.saturating_add(startfrom), 1)
    };
    let forward = start <= end;
    let mut i = start;
    while i != end {
        if i >= argc || i < 1 {
            return None;
        }
        let arg = usize::try_from(i).ok().and_then(|i| argv.get(i))?;
        if c_eq(arg.as_ref(), keyword.as_bytes()) {
            return Some(i);
        }
        i = if forward {
            i.saturating_add(1)
        } else {
            i.saturating_sub(1)
        };
    }
    None
}

/// Runs a native getkeys procedure (db.c's `*GetKeys` functions in Redis 7.0).
fn native_keys<A: AsRef<[u8]>>(proc_: GetKeysProc, argv: &[A], out: &mut Vec<KeyRef>) {
    match proc_ {
        GetKeysProc::ZunionInterDiffStore => numkeys_keys(argv, Some(1), 2, 3, out),
        GetKeysProc::ZunionInterDiff
        | GetKeysProc::Sintercard
        | GetKeysProc::Lmpop
        | GetKeysProc::Zmpop => numkeys_keys(argv, None, 1, 2, out),
        GetKeysProc::Eval | GetKeysProc::Function | GetKeysProc::Blmpop | GetKeysProc::Bzmpop => {
            numkeys_keys(argv, None, 2, 3, out)
        }
        GetKeysProc::SortRo => out.push(KeyRef {
            pos: 1,
            flags: KEY_RO | KEY_ACCESS,
        }),
        GetKeysProc::Sort => sort_keys(argv, out),
        GetKeysProc::Migrate => migrate_keys(argv, out),
        GetKeysProc::Georadius => georadius_keys(argv, out),
        GetKeysProc::Xread => xread_keys(argv, out),
        GetKeysProc::Set => {
            let get = argv.iter().skip(3).any(|a| c_eq(a.as_ref(), b"get"));
            let flags = if get {
                KEY_RW | KEY_ACCESS | KEY_UPDATE
            } else {
                KEY_OW | KEY_UPDATE
            };
            out.push(KeyRef { pos: 1, flags });
        }
        GetKeysProc::Bitfield => {
            let flags = if bitfield_is_readonly(argv) {
                KEY_RO | KEY_ACCESS
            } else {
                KEY_RW | KEY_ACCESS | KEY_UPDATE
            };
            out.push(KeyRef { pos: 1, flags });
        }
    }
}

/// `[store] numkeys key...`: Redis's `genericGetKeys` with a key step of 1. The count is read
/// with `atoi`; a count below 1 or past the end of argv gives no keys. The destination, if any,
/// comes last. Flags are not reported.
fn numkeys_keys<A: AsRef<[u8]>>(
    argv: &[A],
    store: Option<usize>,
    count_at: usize,
    first: usize,
    out: &mut Vec<KeyRef>,
) {
    let Some(count) = argv.get(count_at) else {
        return;
    };
    let num = i64::from(atoi(count.as_ref()));
    let room = i64::try_from(argv.len())
        .unwrap_or(i64::MAX)
        .saturating_sub(first as i64);
    if num < 1 || num > room {
        return;
    }
    let num = usize::try_from(num).unwrap_or(0);
    out.extend((first..first.saturating_add(num)).map(|pos| KeyRef { pos, flags: 0 }));
    if let Some(pos) = store {
        out.push(KeyRef { pos, flags: 0 });
    }
}

/// SORT: the sorted key, plus the destination of the last STORE. LIMIT skips two arguments and
/// GET and BY one each; STORE does not skip its destination (as in Redis).
fn sort_keys<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    out.push(KeyRef {
        pos: 1,
        flags: KEY_RO | KEY_ACCESS,
    });
    let mut store = None;
    let mut i = 2usize;
    while let Some(arg) = argv.get(i) {
        let arg = arg.as_ref();
        if c_eq(arg, b"limit") {
            i = i.saturating_add(2);
        } else if c_eq(arg, b"store") && i.saturating_add(1) < argv.len() {
            store = Some(i.saturating_add(1));
        } else if c_eq(arg, b"get") || c_eq(arg, b"by") {
            i = i.saturating_add(1);
        }
        i = i.saturating_add(1);
    }
    if let Some(pos) = store {
        out.push(KeyRef {
            pos,
            flags: KEY_OW | KEY_UPDATE,
        });
    }
}

/// MIGRATE: the key at 3, or with an empty key there, every argument after KEYS. KEYS with a
/// non-empty key is a syntax error the command reports, so no keys are given.
fn migrate_keys<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    let mut first = 3usize;
    let mut num = 1usize;
    if argv.len() > 6 {
        let mut i = 6usize;
        while let Some(arg) = argv.get(i) {
            let arg = arg.as_ref();
            if c_eq(arg, b"keys") {
                if argv.get(3).is_some_and(|k| !k.as_ref().is_empty()) {
                    num = 0;
                } else {
                    first = i.saturating_add(1);
                    num = argv.len().saturating_sub(first);
                }
                break;
            }
            if c_eq(arg, b"auth") {
                i = i.saturating_add(1);
            } else if c_eq(arg, b"auth2") {
                i = i.saturating_add(2);
            }
            i = i.saturating_add(1);
        }
    }
    let flags = KEY_RW | KEY_ACCESS | KEY_DELETE;
    out.extend((first..first.saturating_add(num)).map(|pos| KeyRef { pos, flags }));
}

/// GEORADIUS / GEORADIUSBYMEMBER: the key, plus the destination of the last STORE or STOREDIST
/// (searched from argument 5). Flags are not reported.
fn georadius_keys<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    out.push(KeyRef { pos: 1, flags: 0 });
    let mut stored = None;
    let mut i = 5usize;
    while let Some(arg) = argv.get(i) {
        let arg = arg.as_ref();
        if (c_eq(arg, b"store") || c_eq(arg, b"storedist")) && i.saturating_add(1) < argv.len() {
            stored = Some(i.saturating_add(1));
            i = i.saturating_add(1);
        }
        i = i.saturating_add(1);
    }
    if let Some(pos) = stored {
        out.push(KeyRef { pos, flags: 0 });
    }
}

/// XREAD / XREADGROUP: the first half of the arguments after STREAMS, once the options before
/// it parse; nothing on a syntax error or an odd count. Flags are not reported.
fn xread_keys<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    let mut streams = None;
    let mut i = 1usize;
    while let Some(arg) = argv.get(i) {
        let arg = arg.as_ref();
        if c_eq(arg, b"block") || c_eq(arg, b"count") {
            i = i.saturating_add(1);
        } else if c_eq(arg, b"group") {
            i = i.saturating_add(2);
        } else if c_eq(arg, b"noack") {
        } else if c_eq(arg, b"streams") {
            streams = Some(i);
            break;
        } else {
            break;
        }
        i = i.saturating_add(1);
    }
    let Some(streams) = streams else {
        return;
    };
    let num = argv.len().saturating_sub(streams).saturating_sub(1);
    if num == 0 || num % 2 != 0 {
        return;
    }
    let first = streams.saturating_add(1);
    out.extend((first..first.saturating_add(num / 2)).map(|pos| KeyRef { pos, flags: 0 }));
}

/// Whether a BITFIELD argv only reads: GET and OVERFLOW operations with their arguments.
fn bitfield_is_readonly<A: AsRef<[u8]>>(argv: &[A]) -> bool {
    let mut i = 2usize;
    while let Some(arg) = argv.get(i) {
        let arg = arg.as_ref();
        let remaining = argv.len().saturating_sub(i).saturating_sub(1);
        if c_eq(arg, b"get") && remaining >= 2 {
            i = i.saturating_add(2);
        } else if (c_eq(arg, b"set") || c_eq(arg, b"incrby")) && remaining >= 3 {
            return false;
        } else if c_eq(arg, b"overflow") && remaining >= 1 {
            i = i.saturating_add(1);
        } else {
            // A syntax error: safer to assume a write.
            return false;
        }
        i = i.saturating_add(1);
    }
    true
}

/// `strcasecmp(arg, lit) == 0` on C strings: `arg` ends at its first NUL byte.
fn c_eq(arg: &[u8], lit: &[u8]) -> bool {
    super::args::c_str(arg).eq_ignore_ascii_case(lit)
}

/// Redis's `string2ll`: the whole string must be a canonical decimal (no sign but `-`, no
/// leading zeros, no spaces, at most 20 bytes) that fits an `i64`.
fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        0i64.checked_sub_unsigned(v)
    } else {
        i64::try_from(v).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::{KEY_INSERT, lookup, lookup_subcommand};
    use super::*;

    fn spec_for(argv: &[&str]) -> &'static CommandSpec {
        let cmd = lookup(argv[0].as_bytes()).unwrap();
        if cmd.is_container() && argv.len() > 1 {
            lookup_subcommand(cmd, argv[1].as_bytes()).unwrap()
        } else {
            cmd
        }
    }

    /// What COMMAND GETKEYSANDFLAGS answers: (key, flags) pairs or an error text.
    type Outcome = Result<Vec<(String, u32)>, &'static str>;

    /// COMMAND GETKEYSANDFLAGS as a list of (key, flags) or the error text.
    fn getkeys(line: &str) -> Outcome {
        let argv = split(line);
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        let spec = spec_for(&refs);
        key_positions(spec, &argv)
            .map(|ks| ks.iter().map(|k| (argv[k.pos].clone(), k.flags)).collect())
            .map_err(KeysError::message)
    }

    /// Splits on spaces; `''` stands for an empty argument and `\0` for a NUL byte.
    fn split(line: &str) -> Vec<String> {
        line.split(' ')
            .map(|a| {
                if a == "''" {
                    String::new()
                } else {
                    a.replace("\\0", "\0")
                }
            })
            .collect()
    }

    fn k(key: &str, flags: u32) -> (String, u32) {
        (key.to_string(), flags)
    }

    const RA: u32 = KEY_RO | KEY_ACCESS;
    const OU: u32 = KEY_OW | KEY_UPDATE;
    const RWAU: u32 = KEY_RW | KEY_ACCESS | KEY_UPDATE;
    const RWAD: u32 = KEY_RW | KEY_ACCESS | KEY_DELETE;

    /// Every row was checked against Redis 7.0.15's COMMAND GETKEYSANDFLAGS.
    #[test]
    fn getkeysandflags_matches_redis() {
        let ok = |keys: Vec<(String, u32)>| Ok::<_, &'static str>(keys);
        const INVALID: Outcome = Err("ERR Invalid arguments specified for command");
        let table: Vec<(&str, Outcome)> = vec![
            ("get a", ok(vec![k("a", RA)])),
            ("GET a", ok(vec![k("a", RA)])),
            (
                "get a b",
                Err("ERR Invalid number of arguments specified for command"),
            ),
            ("keys *", Err("ERR The command has no key arguments")),
            ("keys a b", Err("ERR The command has no key arguments")),
            ("ping a b", Err("ERR The command has no key arguments")),
            ("config get a", Err("ERR The command has no key arguments")),
            ("publish c m", Err("ERR The command has no key arguments")),
            ("spublish c m", Err("ERR The command has no key arguments")),
            ("set a b", ok(vec![k("a", OU)])),
            ("set a b get", ok(vec![k("a", RWAU)])),
            ("set a b GeT", ok(vec![k("a", RWAU)])),
            ("set a b get\\0x", ok(vec![k("a", RWAU)])),
            ("set a get", ok(vec![k("a", OU)])),
            ("eval s 0", ok(vec![])),
            ("eval s 1", ok(vec![])),
            ("eval s 2 a", ok(vec![])),
            ("eval s -1 a", ok(vec![])),
            ("eval s x a", ok(vec![])),
            ("eval s 2 a b c", ok(vec![k("a", RWAU), k("b", RWAU)])),
            ("eval s 1x a b", ok(vec![k("a", 0)])),
            ("evalsha s 1 a", ok(vec![k("a", RWAU)])),
            ("eval_ro s 1 a", ok(vec![k("a", RA)])),
            ("fcall f 0", ok(vec![])),
            ("fcall f 0 a", ok(vec![])),
            ("fcall f 1 a", ok(vec![k("a", RWAU)])),
            ("zunionstore d 0 a", INVALID),
            ("zunionstore d 2 a", INVALID),
            (
                "zunionstore d 2 a b",
                ok(vec![k("d", OU), k("a", RA), k("b", RA)]),
            ),
            ("zunionstore d x a b", INVALID),
            (
                "zunionstore d 2x a b",
                ok(vec![k("a", 0), k("b", 0), k("d", 0)]),
            ),
            (
                "zunionstore d +2 a b",
                ok(vec![k("a", 0), k("b", 0), k("d", 0)]),
            ),
            ("zunionstore d 99999999999 a b", INVALID),
            (
                "zunionstore d 4294967298 a b",
                ok(vec![k("d", OU), k("a", RA), k("b", RA)]),
            ),
            ("zunion 2x a b", ok(vec![k("a", 0), k("b", 0)])),
            ("zinter 3 a b", INVALID),
            ("zintercard 1 a b", ok(vec![k("a", RA)])),
            ("sintercard 2 a", INVALID),
            ("sintercard 2 a b limit 1", ok(vec![k("a", RA), k("b", RA)])),
            ("zmpop 0 a min", INVALID),
            ("bzmpop 1 1 a min", ok(vec![k("a", RWAD)])),
            ("lmpop -1 a left", INVALID),
            ("lmpop 2 a b left", ok(vec![k("a", RWAD), k("b", RWAD)])),
            ("blmpop 0 2 a b left", ok(vec![k("a", RWAD), k("b", RWAD)])),
            ("sort a", ok(vec![k("a", RA)])),
            ("sort a store b by c", ok(vec![k("a", RA), k("b", OU)])),
            (
                "sort a limit 0 1 store b store c",
                ok(vec![k("a", RA), k("c", OU)]),
            ),
            ("sort a store", ok(vec![k("a", RA)])),
            ("sort a by store c", ok(vec![k("a", RA)])),
            ("sort_ro a store b", ok(vec![k("a", RA)])),
            ("migrate h p k 0 0", ok(vec![k("k", RWAD)])),
            (
                "migrate h p '' 0 0 keys a b",
                ok(vec![k("a", RWAD), k("b", RWAD)]),
            ),
            ("migrate h p k 0 0 keys a b", INVALID),
            (
                "migrate h p '' 0 0 auth keys keys a",
                ok(vec![k("a", RWAD)]),
            ),
            (
                "migrate h p '' 0 0 auth2 x keys keys a",
                ok(vec![k("a", RWAD)]),
            ),
            ("migrate h p '' 0 0 copy", ok(vec![k("", RWAD)])),
            (
                "xread count 2 streams a b 1 2",
                ok(vec![k("a", RA), k("b", RA)]),
            ),
            ("xread count 2 streams a b 1", ok(vec![k("a", RA)])),
            (
                "xread streams streams a 1 2",
                ok(vec![k("streams", RA), k("a", RA)]),
            ),
            ("xread foo streams a 1", ok(vec![k("a", RA)])),
            ("xreadgroup group g c streams a b 1", ok(vec![k("a", RA)])),
            (
                "xreadgroup group g c count 1 streams a 1",
                ok(vec![k("a", RA)]),
            ),
            (
                "georadius k 1 2 3 m store x",
                ok(vec![k("k", RA), k("x", OU)]),
            ),
            (
                "georadius k 1 2 3 m store x storedist y",
                ok(vec![k("k", RA), k("x", OU), k("y", OU)]),
            ),
            ("georadius k 1 2 3 m store", ok(vec![k("k", RA)])),
            (
                "georadiusbymember k 1 2 m store x",
                ok(vec![k("k", RA), k("x", OU)]),
            ),
            ("bitfield k", ok(vec![k("k", RA)])),
            ("bitfield k get u8 0", ok(vec![k("k", RA)])),
            ("bitfield k get u8", ok(vec![k("k", RWAU)])),
            ("bitfield k set u8 0 1", ok(vec![k("k", RWAU)])),
            ("bitfield k overflow wrap get u8 0", ok(vec![k("k", RA)])),
            ("bitfield k overflow", ok(vec![k("k", RWAU)])),
            (
                "smove a b c",
                ok(vec![k("a", RWAD), k("b", KEY_RW | KEY_INSERT)]),
            ),
            ("mset a 1 b 2", ok(vec![k("a", OU), k("b", OU)])),
            ("mset a 1 b", ok(vec![k("a", OU), k("b", OU)])),
            (
                "msetnx a 1 b 2",
                ok(vec![
                    k("a", KEY_OW | KEY_INSERT),
                    k("b", KEY_OW | KEY_INSERT),
                ]),
            ),
            ("object encoding k", ok(vec![k("k", KEY_RO)])),
            (
                "object encoding",
                Err("ERR Invalid number of arguments specified for command"),
            ),
            ("memory usage k", ok(vec![k("k", KEY_RO)])),
            ("xgroup create k g $", ok(vec![k("k", KEY_RW | KEY_INSERT)])),
            ("xinfo stream k", ok(vec![k("k", RA)])),
            ("exists a b", ok(vec![k("a", KEY_RO), k("b", KEY_RO)])),
            ("rename a b", ok(vec![k("a", RWAD), k("b", OU)])),
            ("blpop a b 0", ok(vec![k("a", RWAD), k("b", RWAD)])),
            (
                "lmove a b left right",
                ok(vec![k("a", RWAD), k("b", KEY_RW | KEY_INSERT)]),
            ),
            ("copy a b", ok(vec![k("a", RA), k("b", OU)])),
            (
                "pfmerge a b",
                ok(vec![k("a", KEY_RW | KEY_ACCESS | KEY_INSERT), k("b", RA)]),
            ),
            ("xadd a * f v", ok(vec![k("a", KEY_RW | KEY_UPDATE)])),
            ("getex a ex 1", ok(vec![k("a", RWAU)])),
            (
                "geosearchstore d s frommember m byradius 1 m",
                ok(vec![k("d", OU), k("s", RA)]),
            ),
            (
                "xread streams a",
                Err("ERR Invalid number of arguments specified for command"),
            ),
        ];
        for (line, want) in table {
            assert_eq!(getkeys(line), want, "{line}");
        }
    }

    #[test]
    fn not_key_specs_are_found_only_on_request() {
        let spec = lookup(b"spublish").unwrap();
        let argv = ["spublish", "chan", "msg"];
        assert!(get_keys(spec, &argv).is_empty());
        let mut out = Vec::new();
        let search = KeySearch {
            include_not_keys: true,
            return_partial: false,
        };
        get_keys_into(spec, &argv, search, &mut out);
        assert_eq!(
            out,
            vec![KeyRef {
                pos: 1,
                flags: KEY_NOT_KEY
            }]
        );
    }

    #[test]
    fn partial_search_keeps_keys_of_incomplete_specs() {
        let spec = lookup(b"migrate").unwrap();
        let argv = ["migrate", "h", "p", "", "0", "0", "keys", "a", "b"];
        let mut out = Vec::new();
        let search = KeySearch {
            include_not_keys: false,
            return_partial: true,
        };
        assert!(keys_from_specs(spec, &argv, search, &mut out));
        let pos: Vec<usize> = out.iter().map(|k| k.pos).collect();
        assert_eq!(pos, vec![3, 7, 8]);
    }

    #[test]
    fn atoi_follows_glibc() {
        assert_eq!(atoi(b"12"), 12);
        assert_eq!(atoi(b"  -7x"), -7);
        assert_eq!(atoi(b"+3"), 3);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"4294967298"), 2);
        assert_eq!(atoi(b"99999999999999999999999"), -1);
        assert_eq!(atoi(b"1\x002"), 1);
    }

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-12"), Some(-12));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"-0",
            b"-",
            b"9223372036854775808",
        ] {
            assert_eq!(string2ll(bad), None, "{bad:?}");
        }
    }
}
