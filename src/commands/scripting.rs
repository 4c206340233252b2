//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FUNCTION *, FCALL,
//! FCALL_RO; and the glue by which a running script runs commands.
//!
//! A script runs commands through [`Run`], the `scripting::lua::Host` of one run: each
//! `redis.call` is resolved with the script's own checks (Redis's scriptCall: unknown command,
//! arity, `noscript`, writes from read-only scripts) and then goes through the normal
//! [`call`](super::call) with the script client's session, so stats, keyspace effects, WATCH,
//! notifications and propagation compose as for any command. The script client takes the
//! caller's database and user, cannot block, and sees the caller's frozen time for the whole
//! run. EVAL and FCALL keep themselves out of propagation: the commands they ran are propagated
//! instead (as far as redis.set_repl lets them).
//!
//! Past busy-reply-threshold the interpreter's hook calls [`Run::busy`], which lets the server
//! serve other clients once ([`ServerOps::serve_while_busy`]); their commands are answered by
//! [`answer_busy`]: BUSY for all but SCRIPT KILL, FUNCTION KILL and SHUTDOWN NOSAVE.

use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;

use super::ctx::{Session, flags};
use super::{CmdError, Core, Ctx, Handler, ServerOps, call, spec};
use crate::protocol::reply::{Protocol, ReplySink};
use crate::scripting::lua::{Host, LuaEngine, Outcome};
use crate::scripting::{self, FunctionDef, Library};

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("eval", eval),
    ("evalsha", evalsha),
    ("eval_ro", eval_ro),
    ("evalsha_ro", evalsha_ro),
    ("fcall", fcall),
    ("fcall_ro", fcall_ro),
    ("script|load", script_load),
    ("script|exists", script_exists),
    ("script|flush", script_flush),
    ("script|kill", script_kill),
    ("script|help", script_help),
    ("function|load", function_load),
    ("function|list", function_list),
    ("function|delete", function_delete),
    ("function|dump", function_dump),
    ("function|restore", function_restore),
    ("function|flush", function_flush),
    ("function|kill", function_kill),
    ("function|stats", function_stats),
    ("function|help", function_help),
];

const BUSY_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
const NOTBUSY: &str = "NOTBUSY No scripts in execution right now.";
const UNKILLABLE: &str = "UNKILLABLE Sorry the script already executed write commands against \
                          the dataset. You can either wait the script termination or kill the \
                          server in a hard way using the SHUTDOWN NOSAVE command.";

fn eval(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    eval_generic(ctx, argv, false, false)
}

fn evalsha(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    eval_generic(ctx, argv, true, false)
}

fn eval_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    eval_generic(ctx, argv, false, true)
}

fn evalsha_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    eval_generic(ctx, argv, true, true)
}

/// Splits `argv[3..]` into keys and arguments by `argv[2]`; `not_int` is the error for a
/// numkeys that is not an integer.
fn split_keys<'a>(
    argv: &'a [Bytes],
    not_int: &'static str,
) -> Result<(&'a [Bytes], &'a [Bytes]), CmdError> {
    let n = argv
        .get(2)
        .and_then(|b| crate::util::num::parse_i64(b))
        .ok_or(CmdError::Static(not_int))?;
    let rest = argv.get(3..).unwrap_or_default();
    if n > rest.len() as i64 {
        return Err(CmdError::Static(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    if n < 0 {
        return Err(CmdError::Static("ERR Number of keys can't be negative"));
    }
    Ok(rest.split_at(n as usize))
}

/// EVAL / EVALSHA and their _RO forms.
fn eval_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], sha: bool, ro: bool) -> Result<(), CmdError> {
    let (keys, args) = split_keys(argv, "ERR value is not an integer or out of range")?;
    static NONE: Bytes = Bytes::new();
    let body = argv.get(1).unwrap_or(&NONE);
    let scripts = &mut ctx.core.scripts;
    let script = if sha {
        match scripts.get(body) {
            Some(s) => s,
            None => {
                return Err(CmdError::Static(
                    "NOSCRIPT No matching script. Please use EVAL.",
                ));
            }
        }
    } else {
        scripts.load(body).map_err(CmdError::Other)?.1
    };
    // Errors name the script by its SHA-1 as cached (lowercase).
    let name = script.sha.as_str();
    let engine = scripts.eval_engine().map_err(CmdError::Other)?;
    run_script(
        ctx,
        &engine,
        &script.func,
        script.flags,
        keys,
        args,
        true,
        name,
        ro,
        argv,
    )
}

fn fcall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    fcall_generic(ctx, argv, false)
}

fn fcall_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    fcall_generic(ctx, argv, true)
}

/// FCALL / FCALL_RO function numkeys key... arg...
fn fcall_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], ro: bool) -> Result<(), CmdError> {
    let name = String::from_utf8_lossy(argv.get(1).map(|b| b.as_ref()).unwrap_or_default());
    let Some(f) = ctx.core.scripts.functions.get(name.as_ref()).cloned() else {
        return Err(CmdError::Static("ERR Function not found"));
    };
    let (keys, args) = split_keys(argv, "ERR Bad number of keys provided")?;
    let engine = ctx.core.scripts.func_engine().map_err(CmdError::Other)?;
    run_script(
        ctx, &engine, &f.func, f.flags, keys, args, false, &f.name, ro, argv,
    )
}

/// Runs a script or function: Redis's scriptPrepareForRun checks, then the run with a script
/// client, then the result or the error.
#[allow(clippy::too_many_arguments)]
fn run_script(
    ctx: &mut Ctx<'_>,
    engine: &Rc<LuaEngine>,
    func: &mlua::Function,
    script_flags: u32,
    keys: &[Bytes],
    args: &[Bytes],
    eval: bool,
    name: &str,
    ro: bool,
    argv: &[Bytes],
) -> Result<(), CmdError> {
    if script_flags & scripting::FLAG_EVAL_COMPAT == 0
        && script_flags & scripting::FLAG_NO_WRITES == 0
        && ro
    {
        return Err(CmdError::Static(
            "ERR Can not execute a script with write flag using *_ro command.",
        ));
    }
    let read_only = ro || script_flags & scripting::FLAG_NO_WRITES != 0;
    let allow_oom = script_flags & scripting::FLAG_ALLOW_OOM != 0;
    // scriptPrepareForRun: a script with flags that may write does not start while memory was
    // over maxmemory when the command arrived (EVAL without flags is checked per call instead).
    if script_flags & scripting::FLAG_EVAL_COMPAT == 0
        && script_flags & scripting::FLAG_NO_WRITES == 0
        && crate::evict::script_denies_oom(
            &ctx.core.config,
            &ctx.core.dbs,
            &ctx.core.evict,
            allow_oom,
            true,
        )
    {
        return Err(CmdError::Oom);
    }
    ctx.prevent_propagation();
    let mut session = ctx.core.scripts.session.take().unwrap_or_else(|| {
        let mut s = Session::new(0, true);
        s.addr = "lua".to_string();
        s
    });
    session.db = ctx.session.db;
    session.flags = flags::DENY_BLOCKING;
    session.proto = Protocol::Resp2;
    if session.user != ctx.session.user {
        session.user.clone_from(&ctx.session.user);
    }
    // Only functions show their name and command (FUNCTION STATS): EVAL skips the copies.
    ctx.core.scripts.running = Some(scripting::Running {
        eval,
        name: if eval {
            String::new()
        } else {
            name.to_string()
        },
        argv: if eval { Vec::new() } else { argv.to_vec() },
        started_ms: ctx.now_ms,
        ..Default::default()
    });
    let threshold = ctx.core.config.busy_reply_threshold;
    let Ctx {
        reply,
        core,
        server,
        now_ms,
        ..
    } = ctx;
    let mut run = Run {
        core,
        server: &mut **server,
        session: &mut session,
        now_ms: *now_ms,
        read_only,
        allow_oom,
        engine,
    };
    let out = engine.run(
        func,
        keys,
        args,
        eval,
        name,
        threshold,
        &mut run,
        &mut **reply,
    );
    let running = ctx.core.scripts.running.take().unwrap_or_default();
    session.multi = None;
    session.block = None;
    ctx.core.scripts.session = Some(session);
    if running.kill {
        tracing::warn!("Lua script killed by user with SCRIPT KILL.");
    }
    match out {
        Ok(Outcome::Done) => Ok(()),
        Ok(Outcome::Failed(line)) => Err(CmdError::Other(line)),
        Err(e) => Err(CmdError::Other(format!(
            "ERR Error running script {name}, {}",
            e.to_string().chars().take(100).collect::<String>()
        ))),
    }
}

/// One run's access to the server: what `redis.call` and the busy hook use.
struct Run<'a> {
    core: &'a mut Core,
    server: &'a mut dyn ServerOps,
    session: &'a mut Session,
    now_ms: i64,
    read_only: bool,
    /// The script has the allow-oom flag: its writes run even over maxmemory.
    allow_oom: bool,
    engine: &'a LuaEngine,
}

impl Host for Run<'_> {
    fn call(
        &mut self,
        argv: &[Bytes],
        resp3: bool,
        sink: &mut dyn ReplySink,
    ) -> Result<(), String> {
        let idx = script_resolve(self.core, argv)?;
        let Some(entry) = self.core.registry.entry(idx) else {
            return Err("ERR Unknown Redis command called from script".into());
        };
        let cmd_flags = entry.spec.flags;
        if cmd_flags & spec::CMD_NOSCRIPT != 0 {
            return Err("ERR This Redis command is not allowed from script".into());
        }
        // scriptCall: a command that may grow memory fails while the script runs in an
        // out-of-memory state, unless the script has allow-oom.
        if crate::evict::script_denies_oom(
            &self.core.config,
            &self.core.dbs,
            &self.core.evict,
            self.allow_oom,
            cmd_flags & spec::CMD_DENYOOM != 0,
        ) {
            return Err("OOM command not allowed when used memory > 'maxmemory'.".into());
        }
        if cmd_flags & spec::CMD_WRITE != 0 {
            if self.read_only {
                return Err("ERR Write commands are not allowed from read-only scripts.".into());
            }
            if let Some(r) = self.core.scripts.running.as_mut() {
                r.wrote = true;
            }
        }
        self.session.proto = if resp3 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        };
        // redis.set_repl(REPL_NONE) keeps what follows out of the AOF and the replicas.
        let repl = self.engine.state.repl();
        let saved = self.core.effects.propagating;
        if repl == 0 {
            self.core.effects.propagating = false;
        }
        call(
            self.core,
            self.session,
            self.server,
            sink,
            argv,
            self.now_ms,
            Instant::now(),
            idx,
        );
        self.core.effects.propagating = saved;
        self.session.block = None;
        Ok(())
    }

    fn busy(&mut self) -> bool {
        let core = &mut *self.core;
        self.server.serve_while_busy(core, &mut answer_busy);
        core.scripts
            .running
            .as_ref()
            .is_some_and(|r| r.kill || r.shutdown)
    }
}

/// How many command spellings `Scripts::resolved` remembers.
const RESOLVED_MAX: usize = 32;

/// Finds the command a script calls, with the script's error texts.
fn script_resolve(core: &mut Core, argv: &[Bytes]) -> Result<usize, String> {
    let unknown = || "ERR Unknown Redis command called from script".to_string();
    let arity = || "ERR Wrong number of args calling Redis command from script".to_string();
    let name = argv.first().map(|b| b.as_ref()).unwrap_or_default();
    let resolved = &mut core.scripts.resolved;
    let top = match resolved.iter().find(|(n, _)| n.as_ref() == name) {
        Some(&(_, idx)) => idx,
        None => {
            let idx = core.registry.find(name).ok_or_else(unknown)?;
            if resolved.len() < RESOLVED_MAX {
                resolved.push((Bytes::copy_from_slice(name), idx));
            }
            idx
        }
    };
    let reg = &core.registry;
    let entry = reg.entry(top).ok_or_else(unknown)?;
    let idx = if entry.subs.is_empty() || (entry.handler.is_some() && argv.len() < 2) {
        top
    } else if argv.len() < 2 {
        return Err(arity());
    } else {
        let sub = argv.get(1).map(|b| b.as_ref()).unwrap_or_default();
        reg.find_sub(top, sub).ok_or_else(unknown)?
    };
    let entry = reg.entry(idx).ok_or_else(unknown)?;
    let argc = argv.len() as i64;
    let a = i64::from(entry.spec.arity);
    if (a > 0 && a != argc) || argc < -a {
        return Err(arity());
    }
    if entry.handler.is_none() {
        return Err(unknown());
    }
    Ok(idx)
}

/// Answers one command of another client while a script is busy: SCRIPT KILL, FUNCTION KILL
/// and SHUTDOWN NOSAVE act; everything else gets BUSY. Returns true when the server must shut
/// down (SHUTDOWN NOSAVE).
pub(crate) fn answer_busy(
    core: &mut Core,
    session: &mut Session,
    _server: &mut dyn ServerOps,
    argv: &[Bytes],
    out: &mut dyn ReplySink,
) -> bool {
    let idx = match super::resolve(core, session, argv) {
        Ok(idx) => idx,
        Err(e) => {
            let line = e.render();
            core.stats.count_error(&line);
            out.error(&line);
            return false;
        }
    };
    let name = core.registry.entry(idx).map_or("", |e| e.spec.name);
    let eval = core.scripts.running.as_ref().is_none_or(|r| r.eval);
    let busy = if eval { BUSY_EVAL } else { BUSY_FUNCTION };
    let line: &str = match name {
        "script|kill" | "function|kill" => match kill_running(core, name == "script|kill") {
            Ok(()) => {
                out.ok();
                return false;
            }
            Err(e) => e,
        },
        "function|stats" => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            write_function_stats(core, now, out);
            return false;
        }
        "shutdown" => {
            if argv
                .iter()
                .skip(1)
                .any(|a| a.eq_ignore_ascii_case(b"nosave"))
            {
                if let Some(r) = core.scripts.running.as_mut() {
                    r.shutdown = true;
                }
                return true;
            }
            busy
        }
        _ => busy,
    };
    core.stats.count_error(line.as_bytes());
    out.error(line.as_bytes());
    false
}

/// SCRIPT KILL (`eval`) / FUNCTION KILL on the running script.
fn kill_running(core: &mut Core, eval: bool) -> Result<(), &'static str> {
    let Some(r) = core.scripts.running.as_mut() else {
        return Err(NOTBUSY);
    };
    if r.wrote {
        return Err(UNKILLABLE);
    }
    if eval && !r.eval {
        return Err(BUSY_FUNCTION);
    }
    if !eval && r.eval {
        return Err(BUSY_EVAL);
    }
    r.kill = true;
    Ok(())
}

fn script_load(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let body = argv.get(2).cloned().unwrap_or_default();
    let (sha, _) = ctx.core.scripts.load(&body).map_err(CmdError::Other)?;
    ctx.reply.bulk(sha.as_bytes());
    Ok(())
}

fn script_exists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let shas = argv.get(2..).unwrap_or_default();
    ctx.reply.array_len(shas.len());
    for s in shas {
        let found = ctx.core.scripts.get(s).is_some();
        ctx.reply.int(i64::from(found));
    }
    Ok(())
}

/// The SYNC|ASYNC argument of SCRIPT FLUSH / FUNCTION FLUSH; `Err` on anything else.
fn flush_mode(argv: &[Bytes]) -> Result<(), ()> {
    match argv.get(2) {
        None => Ok(()),
        Some(a)
            if argv.len() == 3
                && (a.eq_ignore_ascii_case(b"sync") || a.eq_ignore_ascii_case(b"async")) =>
        {
            Ok(())
        }
        Some(_) => Err(()),
    }
}

fn script_flush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    flush_mode(argv)
        .map_err(|()| CmdError::Static("ERR SCRIPT FLUSH only support SYNC|ASYNC option"))?;
    ctx.core.scripts.flush_scripts();
    ctx.reply.ok();
    Ok(())
}

fn script_kill(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    kill_running(ctx.core, true).map_err(CmdError::Static)?;
    ctx.reply.ok();
    Ok(())
}

fn function_kill(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    kill_running(ctx.core, false).map_err(CmdError::Static)?;
    ctx.reply.ok();
    Ok(())
}

const SCRIPT_HELP: &[&str] = &[
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
];

fn script_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::server::misc::help_reply(ctx, "SCRIPT", SCRIPT_HELP);
    Ok(())
}

const FUNCTION_HELP: &[&str] = &[
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using \
     FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a \
     restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, \
     replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance \
     of failure",
    "      in case of functions name collision with another library).",
];

fn function_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::server::misc::help_reply(ctx, "FUNCTION", FUNCTION_HELP);
    Ok(())
}

/// Compiles and runs a library's code, returning the library (not yet installed).
fn create_library(core: &mut Core, code: &Bytes) -> Result<Library, String> {
    let (engine_name, name, shebang_len) = scripting::parse_library_shebang(code)?;
    if !engine_name.eq_ignore_ascii_case("lua") {
        return Err(format!("ERR Engine '{engine_name}' not found"));
    }
    if !scripting::valid_name(&name) {
        return Err(
            "ERR Library names can only contain letters, numbers, or underscores(_) \
                    and must be at least one character long"
                .into(),
        );
    }
    let engine = core.scripts.func_engine()?;
    let body = code.get(shebang_len..).unwrap_or_default();
    let func = engine
        .compile(body, "@user_function")
        .map_err(|e| format!("ERR Error compiling function: {e}"))?;
    let registered = engine
        .load_library(&func)
        .map_err(|e| format!("ERR Error registering functions: {e}"))?;
    let mut lib = Library {
        name: name.clone(),
        code: code.clone(),
        functions: Default::default(),
    };
    for r in registered {
        let fail = |m: &str| format!("ERR Error registering functions: ERR {m}");
        if !scripting::valid_name(&r.name) {
            return Err(fail(
                "Library names can only contain letters, numbers, or underscores(_) and must be \
                 at least one character long",
            ));
        }
        if lib.functions.contains_key(&r.name) {
            return Err(fail("Function already exists in the library"));
        }
        let mut f = 0;
        for fl in &r.flags {
            f |=
                scripting::flag_by_name(fl.as_bytes()).ok_or_else(|| fail("unknown flag given"))?;
        }
        lib.functions.insert(
            r.name.clone(),
            Rc::new(FunctionDef {
                name: r.name,
                library: name.clone(),
                func: r.func,
                flags: f,
                description: r.description,
            }),
        );
    }
    if lib.functions.is_empty() {
        return Err("ERR No functions registered".into());
    }
    Ok(lib)
}

/// Installs libraries into the registry: with `replace` a library of the same name is
/// replaced, otherwise it is an error; a function name another library has is an error.
/// Nothing changes on error.
fn install_libraries(core: &mut Core, libs: Vec<Library>, replace: bool) -> Result<(), String> {
    let s = &core.scripts;
    for lib in &libs {
        if !replace && s.libraries.contains_key(&lib.name) {
            return Err(format!("ERR Library '{}' already exists", lib.name));
        }
        for f in lib.functions.keys() {
            if let Some(other) = s.functions.get(f)
                && other.library != lib.name
            {
                return Err(format!("ERR Function {f} already exists"));
            }
        }
    }
    let s = &mut core.scripts;
    for lib in libs {
        if let Some(old) = s.libraries.remove(&lib.name) {
            for f in old.functions.keys() {
                s.functions.remove(f);
            }
        }
        for (n, f) in &lib.functions {
            s.functions.insert(n.clone(), f.clone());
        }
        s.libraries.insert(lib.name.clone(), lib);
    }
    Ok(())
}

/// The code of every library, for the RDB writer (RDB_OPCODE_FUNCTION2 records) and the AOF
/// rewrite (FUNCTION LOAD commands).
pub(crate) fn library_codes(core: &Core) -> Vec<Bytes> {
    core.scripts
        .libraries
        .values()
        .map(|l| l.code.clone())
        .collect()
}

/// Installs libraries read from an RDB file (rdbFunctionLoad): each is compiled and
/// registered; with `replace` a library of the same name is replaced, otherwise it is an
/// error. Nothing changes on error.
pub(crate) fn load_libraries(
    core: &mut Core,
    codes: &[Vec<u8>],
    replace: bool,
) -> Result<(), String> {
    let mut libs: Vec<Library> = Vec::new();
    for c in codes {
        let lib = create_library(core, &Bytes::copy_from_slice(c))?;
        if libs.iter().any(|l| l.name == lib.name) {
            return Err(format!("ERR Library '{}' already exists", lib.name));
        }
        libs.push(lib);
    }
    install_libraries(core, libs, replace)
}

/// Removes every library (what emptying the whole dataset does to functions in Redis 7.0).
pub(crate) fn flush_libraries(core: &mut Core) {
    core.scripts.libraries.clear();
    core.scripts.functions.clear();
}

fn function_load(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut replace = false;
    let mut pos = 2;
    while pos + 1 < argv.len() {
        let a = argv.get(pos).map(|b| b.as_ref()).unwrap_or_default();
        pos += 1;
        if a.eq_ignore_ascii_case(b"replace") {
            replace = true;
            continue;
        }
        return Err(CmdError::Other(format!(
            "ERR Unknown option given: {}",
            String::from_utf8_lossy(a)
        )));
    }
    let Some(code) = argv.get(pos).cloned() else {
        return Err(CmdError::Static("ERR Function code is missing"));
    };
    let lib = create_library(ctx.core, &code).map_err(CmdError::Other)?;
    let name = lib.name.clone();
    install_libraries(ctx.core, vec![lib], replace).map_err(CmdError::Other)?;
    ctx.core.dbs.dirty += 1;
    ctx.reply.bulk(name.as_bytes());
    Ok(())
}

fn function_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut with_code = false;
    let mut pattern: Option<Bytes> = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv.get(i).map(|b| b.as_ref()).unwrap_or_default();
        if !with_code && a.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && a.eq_ignore_ascii_case(b"libraryname") {
            if i + 1 >= argv.len() {
                return Err(CmdError::Static("ERR library name argument was not given"));
            }
            i += 1;
            pattern = argv.get(i).cloned();
        } else {
            return Err(CmdError::Other(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(a)
            )));
        }
        i += 1;
    }
    let libs: Vec<&Library> = ctx
        .core
        .scripts
        .libraries
        .values()
        .filter(|l| {
            pattern
                .as_ref()
                .is_none_or(|p| crate::util::glob::glob_match(p, l.name.as_bytes(), true))
        })
        .collect();
    let r = &mut *ctx.reply;
    r.array_len(libs.len());
    for l in libs {
        r.map_len(if with_code { 4 } else { 3 });
        r.bulk(b"library_name");
        r.bulk(l.name.as_bytes());
        r.bulk(b"engine");
        r.bulk(b"LUA");
        r.bulk(b"functions");
        r.array_len(l.functions.len());
        for f in l.functions.values() {
            r.map_len(3);
            r.bulk(b"name");
            r.bulk(f.name.as_bytes());
            r.bulk(b"description");
            match &f.description {
                Some(d) => r.bulk(d.as_bytes()),
                None => r.null(),
            }
            r.bulk(b"flags");
            let names: Vec<&str> = scripting::FLAG_NAMES
                .iter()
                .filter(|(_, bit)| f.flags & bit != 0)
                .map(|(n, _)| *n)
                .collect();
            r.set_len(names.len());
            for n in names {
                r.simple(n.as_bytes());
            }
        }
        if with_code {
            r.bulk(b"library_code");
            r.bulk(&l.code);
        }
    }
    Ok(())
}

fn function_delete(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let name = String::from_utf8_lossy(argv.get(2).map(|b| b.as_ref()).unwrap_or_default());
    let s = &mut ctx.core.scripts;
    let Some(lib) = s.libraries.remove(name.as_ref()) else {
        return Err(CmdError::Static("ERR Library not found"));
    };
    for f in lib.functions.keys() {
        s.functions.remove(f);
    }
    ctx.core.dbs.dirty += 1;
    ctx.reply.ok();
    Ok(())
}

fn function_flush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    flush_mode(argv)
        .map_err(|()| CmdError::Static("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"))?;
    let s = &mut ctx.core.scripts;
    s.libraries.clear();
    s.functions.clear();
    s.func_engine = None;
    ctx.core.dbs.dirty += 1;
    ctx.reply.ok();
    Ok(())
}

fn function_dump(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let p = scripting::dump_payload(ctx.core.scripts.libraries.values().map(|l| l.code.as_ref()));
    ctx.reply.bulk(&p);
    Ok(())
}

fn function_restore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if argv.len() > 4 {
        return Err(CmdError::Static(
            "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION \
             HELP.",
        ));
    }
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy = match argv.get(3) {
        None => Policy::Append,
        Some(a) if a.eq_ignore_ascii_case(b"append") => Policy::Append,
        Some(a) if a.eq_ignore_ascii_case(b"replace") => Policy::Replace,
        Some(a) if a.eq_ignore_ascii_case(b"flush") => Policy::Flush,
        Some(_) => {
            return Err(CmdError::Static(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ));
        }
    };
    let payload = argv.get(2).map(|b| b.as_ref()).unwrap_or_default();
    let codes = scripting::parse_payload(payload).map_err(CmdError::Other)?;
    let mut libs: Vec<Library> = Vec::new();
    for c in codes {
        let lib = create_library(ctx.core, &Bytes::from(c)).map_err(CmdError::Other)?;
        if libs.iter().any(|l| l.name == lib.name) {
            return Err(CmdError::Other(format!(
                "ERR Library {} already exists",
                lib.name
            )));
        }
        libs.push(lib);
    }
    if policy == Policy::Flush {
        let s = &mut ctx.core.scripts;
        s.libraries.clear();
        s.functions.clear();
    } else if policy == Policy::Append
        && let Some(l) = libs
            .iter()
            .find(|l| ctx.core.scripts.libraries.contains_key(&l.name))
    {
        return Err(CmdError::Other(format!(
            "ERR Library {} already exists",
            l.name
        )));
    }
    install_libraries(ctx.core, libs, policy != Policy::Append).map_err(CmdError::Other)?;
    ctx.core.dbs.dirty += 1;
    ctx.reply.ok();
    Ok(())
}

fn function_stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    write_function_stats(ctx.core, ctx.now_ms, ctx.reply);
    Ok(())
}

/// FUNCTION STATS's reply (also answered while a script is busy).
fn write_function_stats(core: &Core, now_ms: i64, r: &mut dyn ReplySink) {
    r.map_len(2);
    r.bulk(b"running_script");
    match core.scripts.running.as_ref().filter(|r| !r.eval) {
        Some(run) => {
            r.map_len(3);
            r.bulk(b"name");
            r.bulk(run.name.as_bytes());
            r.bulk(b"command");
            r.array_len(run.argv.len());
            for a in &run.argv {
                r.bulk(a);
            }
            r.bulk(b"duration_ms");
            r.int(now_ms.saturating_sub(run.started_ms));
        }
        None => r.null(),
    }
    r.bulk(b"engines");
    r.map_len(1);
    r.bulk(b"LUA");
    r.map_len(2);
    r.bulk(b"libraries_count");
    r.int(core.scripts.libraries.len() as i64);
    r.bulk(b"functions_count");
    r.int(core.scripts.functions.len() as i64);
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn arr(v: Vec<Reply>) -> Reply {
        Reply::Array(v)
    }

    #[test]
    fn eval_converts_lua_values_to_replies() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["EVAL", "return {1, 2, 3.7, 'x', nil, 4}", "0"]),
            arr(vec![Reply::Int(1), Reply::Int(2), Reply::Int(3), bulk("x")])
        );
        assert_eq!(
            h.run(&["EVAL", "return {ok='fine'}", "0"]),
            Reply::simple("fine")
        );
        assert_eq!(h.run(&["EVAL", "return true", "0"]), Reply::Int(1));
        assert_eq!(h.run(&["EVAL", "return false", "0"]), Reply::Null);
        assert_eq!(h.run(&["EVAL", "return {err='bad'}", "0"]), err("bad"));
        assert_eq!(
            h.run(&["EVAL", "return redis.error_reply('bad')", "0"]),
            err("ERR bad")
        );
        assert_eq!(
            h.run(&[
                "EVAL",
                "return {KEYS[1], ARGV[1], ARGV[2]}",
                "1",
                "k",
                "a",
                "b"
            ]),
            arr(vec![bulk("k"), bulk("a"), bulk("b")])
        );
    }

    #[test]
    fn redis_call_runs_commands_and_converts_their_replies() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&[
                "EVAL",
                "return redis.call('set', KEYS[1], ARGV[1])",
                "1",
                "k",
                "v"
            ]),
            Reply::simple("OK")
        );
        assert_eq!(h.run(&["GET", "k"]), bulk("v"));
        assert_eq!(
            h.run(&["EVAL", "return redis.call('get', 'nokey')", "0"]),
            Reply::Null
        );
        assert_eq!(
            h.run(&["EVAL", "return redis.call('incrby', 'n', 2.0)", "0"]),
            Reply::Int(2)
        );
    }

    #[test]
    fn keys_argv_and_redis_call_replies_take_every_shape() {
        let mut h = Harness::new();
        let shape = "return {#KEYS, #ARGV, KEYS[1] or 'none', ARGV[1] or 'none'}";
        let four = |a: i64, b: i64, c: &str, d: &str| {
            arr(vec![Reply::Int(a), Reply::Int(b), bulk(c), bulk(d)])
        };
        assert_eq!(
            h.run(&["EVAL", shape, "0", "a", "b"]),
            four(0, 2, "none", "a")
        );
        assert_eq!(
            h.run(&["EVAL", shape, "2", "a", "b"]),
            four(2, 0, "a", "none")
        );
        assert_eq!(
            h.run(&["EVAL", shape, "1", "a", "b", "c"]),
            four(1, 2, "a", "b")
        );
        // Past the packed limit KEYS and ARGV are built from Rust: same tables.
        let words: Vec<String> = (0..250).map(|i| format!("x{i}")).collect();
        let mut cmd = vec!["EVAL", shape, "100"];
        cmd.extend(words.iter().map(String::as_str));
        assert_eq!(h.run(&cmd), four(100, 150, "x0", "x100"));
        // Numbers as arguments; scalar replies.
        assert_eq!(
            h.run(&[
                "EVAL",
                "redis.call('set','n',3.5) redis.call('set','m',7) \
                 return {redis.call('get','n'), redis.call('get','m')}",
                "0"
            ]),
            arr(vec![bulk("3.5"), bulk("7")])
        );
        assert_eq!(
            h.run(&["EVAL", "return redis.call('set','s','v')", "0"]),
            Reply::simple("OK")
        );
        assert_eq!(
            h.run(&[
                "EVAL",
                "local r = redis.pcall('incr','n') return {type(r), r.err}",
                "0"
            ]),
            arr(vec![
                bulk("table"),
                bulk("ERR value is not an integer or out of range")
            ])
        );
        // Aggregates, and a null bulk in RESP2 (false).
        assert_eq!(
            h.run(&[
                "EVAL",
                "return {redis.call('rpush','l','a','b'), redis.call('lrange','l',0,-1), \
                 redis.call('get','nokey')}",
                "0"
            ]),
            arr(vec![
                Reply::Int(2),
                arr(vec![bulk("a"), bulk("b")]),
                Reply::Null
            ])
        );
        // RESP3 shapes inside the script; RESP2 doubles are strings.
        assert_eq!(
            h.run(&[
                "EVAL",
                "redis.setresp(3) redis.call('zadd','z',1.5,'m') redis.call('hset','h','f','v') \
                 local d = redis.call('zscore','z','m') local m = redis.call('hgetall','h') \
                 return {d.double and 'd' or 'x', m.map.f, tostring(redis.call('get','nokey'))}",
                "0"
            ]),
            arr(vec![bulk("d"), bulk("v"), bulk("nil")])
        );
        assert_eq!(
            h.run(&["EVAL", "return redis.call('zscore','z','m')", "0"]),
            bulk("1.5")
        );
        assert_eq!(
            h.run(&["EVAL", "return redis.call('get', {})", "0"]),
            err(
                "ERR Lua redis lib command arguments must be strings or integers script: \
                 4368e88f98d93af9caf358186e5fbf273374ee91, on @user_script:1."
            )
        );
    }

    #[test]
    fn script_errors_carry_redis_texts() {
        let mut h = Harness::new();
        let sha = "03c387736bb5cc009ff35151572cee04677aa374";
        assert_eq!(
            h.run(&["EVAL", "return x", "0"]),
            err(&format!(
                "ERR user_script:1: Script attempted to access nonexistent global variable 'x' \
                 script: {sha}, on @user_script:1."
            ))
        );
        assert_eq!(
            h.run(&["EVAL", "return 1 +", "0"]),
            err(
                "ERR Error compiling script (new function): user_script:1: unexpected symbol \
                 near '<eof>'"
            )
        );
        assert_eq!(
            h.run(&["EVALSHA", "0123456789012345678901234567890123456789", "0"]),
            err("NOSCRIPT No matching script. Please use EVAL.")
        );
        assert_eq!(
            h.run(&["EVAL", "return 1", "-1"]),
            err("ERR Number of keys can't be negative")
        );
        h.run(&["SET", "s", "1"]);
        let r = h.run(&["EVAL", "return redis.call('lpush', 's', 'b')", "0"]);
        let Reply::Error(e) = r else {
            panic!("expected an error")
        };
        assert!(e.starts_with(b"WRONGTYPE Operation against a key holding the wrong kind"));
        assert!(e.ends_with(b", on @user_script:1."));
    }

    #[test]
    fn functions_load_call_dump_and_restore() {
        let mut h = Harness::new();
        let lib = "#!lua name=lib\nredis.register_function('echo', function(keys, args) \
                   return {keys[1], args[1]} end)";
        assert_eq!(h.run(&["FUNCTION", "LOAD", lib]), bulk("lib"));
        assert_eq!(
            h.run(&["FCALL", "echo", "1", "k", "a"]),
            arr(vec![bulk("k"), bulk("a")])
        );
        let Reply::Bulk(payload) = h.run(&["FUNCTION", "DUMP"]) else {
            panic!("DUMP answers a bulk")
        };
        assert_eq!(h.run(&["FUNCTION", "FLUSH"]), Reply::simple("OK"));
        assert_eq!(
            h.run(&["FCALL", "echo", "0"]),
            err("ERR Function not found")
        );
        let restore = |p: &Bytes| {
            vec![
                Bytes::from_static(b"FUNCTION"),
                Bytes::from_static(b"RESTORE"),
                p.clone(),
            ]
        };
        assert_eq!(h.run_argv(&restore(&payload)), Reply::simple("OK"));
        assert_eq!(
            h.run(&["FCALL", "echo", "1", "k", "a"]),
            arr(vec![bulk("k"), bulk("a")])
        );
        assert_eq!(
            h.run_argv(&restore(&payload)),
            err("ERR Library lib already exists")
        );
        let mut bad = payload.to_vec();
        if let Some(b) = bad.last_mut() {
            *b ^= 0xff;
        }
        assert_eq!(
            h.run_argv(&restore(&Bytes::from(bad))),
            err("ERR DUMP payload version or checksum are wrong")
        );
    }

    #[test]
    fn libraries_round_trip_values() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&[
                "EVAL",
                "return cjson.encode(cjson.decode(ARGV[1]))",
                "0",
                "{\"a\":[1,2]}"
            ]),
            bulk("{\"a\":[1,2]}")
        );
        assert_eq!(
            h.run(&[
                "EVAL",
                "return {cmsgpack.unpack(cmsgpack.pack(1, 'x', -300))}",
                "0"
            ]),
            arr(vec![Reply::Int(1), bulk("x"), Reply::Int(-300)])
        );
        assert_eq!(
            h.run(&["EVAL", "return bit.tohex(bit.bor(0xf0, 0x0f), 4)", "0"]),
            bulk("00ff")
        );
    }

    #[test]
    fn script_effects_compose_with_notifications_and_set_repl() {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        h.take_events();
        h.run(&["EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k"]);
        assert!(h.take_events().contains(&"set k".to_string()));
        h.core.effects.propagating = true;
        h.run(&["EVAL", "return redis.call('incrbyfloat', 'f', '1.5')", "0"]);
        assert_eq!(h.take_propagated(), vec!["SET f 1.5 KEEPTTL".to_string()]);
        h.run(&[
            "EVAL",
            "redis.set_repl(redis.REPL_NONE) return redis.call('incrbyfloat', 'f', '1')",
            "0",
        ]);
        assert_eq!(h.take_propagated(), Vec::<String>::new());
    }
}
