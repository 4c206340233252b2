//! The Lua 5.1 interpreter scripts run in: the sandbox, the `redis` library, the error handler,
//! and the conversions between Lua values and replies.
//!
//! One [`LuaEngine`] holds one Lua state for its whole life (EVAL scripts share one, FUNCTION
//! libraries another, as in Redis). The sandbox is Redis 7.0's: the base, table, string and
//! math libraries plus cjson, cmsgpack, bit and struct; no os, io, debug, print, loadfile,
//! dofile, require, getfenv/setfenv. Redis patches Lua with read-only tables; plain Lua 5.1 has
//! none, so the same behaviour is built from proxies: scripts run with an empty environment
//! table whose metatable reads through to the real globals and refuses writes ("Attempt to
//! modify a readonly table"), each library table is such a proxy too, and the real globals'
//! own metatable turns a missing name into "Script attempted to access nonexistent global
//! variable".
//!
//! `redis.call` and `redis.pcall` are C functions (in `raw`, with the run itself and the reply
//! conversions, written against Lua's C API for speed) created once per interpreter; they
//! reach the borrowed [`Host`] (the server side: it runs commands and serves other clients
//! while a script is busy) through a slot that [`LuaEngine::run`] fills for the length of one
//! run.
//! Errors travel as Redis's error tables (`{err=...}`); the message handler records where the
//! script was when it failed (`source`, `line`), and the caller formats the final
//! "... script: <name>, on @user_script:<line>." text from them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use super::libs;

#[allow(unsafe_code)]
mod raw;
use crate::protocol::reply::ReplySink;

/// The chunk name of the sandbox's own Lua code; frames from it are skipped in error positions.
const INTERNAL: &str = "=carmine";
/// How deep a returned table may nest before the reply says "reached lua stack limit".
const MAX_REPLY_DEPTH: usize = 1000;
/// How many VM instructions run between two busy checks (Redis's LUA_MASKCOUNT hook period).
const HOOK_PERIOD: u32 = 100_000;

/// What a running script needs from the server.
pub(crate) trait Host {
    /// Runs `argv` for `redis.call`/`redis.pcall`, writing the command's reply (possibly an
    /// error reply) to `sink`, or `Err(line)` when the script may not run it (`ERR ...`).
    fn call(&mut self, argv: &[Bytes], resp3: bool, sink: &mut dyn ReplySink)
    -> Result<(), String>;
    /// Called every hook period once the script has run past the busy threshold: serves other
    /// clients (answering BUSY) and returns true when SCRIPT KILL / FUNCTION KILL asked for the
    /// script to stop.
    fn busy(&mut self) -> bool;
}

/// Per-run state shared with the sandbox's Rust functions.
#[derive(Debug, Default)]
pub(crate) struct RunState {
    /// When the running script started; `None` between scripts.
    started: Cell<Option<Instant>>,
    /// The busy threshold (busy-reply-threshold) for the running script.
    threshold: Cell<Duration>,
    /// Whether the script was killed (the hook raises errors until it ends).
    killed: Cell<bool>,
    /// redis.setresp: true for RESP3.
    resp3: Cell<bool>,
    /// redis.set_repl flags (REPL_ALL by default).
    repl: Cell<i64>,
    /// Set while a FUNCTION LOAD runs the library's body (only register_function is allowed).
    loading: Cell<bool>,
    /// Functions registered by the library being loaded: (name, callback, flags list).
    registered: RefCell<Vec<Registered>>,
    /// redis.call's argument vector, kept between calls so its allocation is reused (taken
    /// while a call runs).
    argv: RefCell<Vec<Bytes>>,
    /// Where each argument ends in redis.call's argument buffer (reused like `argv`).
    ends: RefCell<Vec<usize>>,
}

/// A function a library registered with `redis.register_function`.
#[derive(Debug, Clone)]
pub(crate) struct Registered {
    /// Its name.
    pub name: String,
    /// The Lua callback.
    pub func: Function,
    /// Its flags, as given (`no-writes`, ...).
    pub flags: Vec<String>,
    /// The description given in the table form.
    pub description: Option<String>,
}

impl RunState {
    /// redis.set_repl's flags for the script that ran last.
    pub(crate) fn repl(&self) -> i64 {
        self.repl.get()
    }

    /// Whether the script that runs now has passed the busy threshold.
    pub(crate) fn is_busy(&self) -> bool {
        self.started
            .get()
            .is_some_and(|s| s.elapsed() >= self.threshold.get())
    }
}

/// A Lua state with Redis's sandbox.
pub(crate) struct LuaEngine {
    /// The interpreter.
    pub lua: Lua,
    /// State shared with the sandbox's Rust functions.
    pub state: Rc<RunState>,
    /// The environment scripts run with (the read-only proxy of the globals).
    env: Table,
    /// The real globals (KEYS and ARGV are set here).
    globals: Table,
    /// The host of the running script.
    slot: Rc<HostSlot>,
    /// What redis.call and redis.pcall reach.
    ctx: Rc<raw::CallCtx>,
    /// `function(f) return xpcall(f, handler) end`.
    runner: Function,
    /// The message handler scripts run under.
    handler: Function,
}

/// How a script run ended.
pub(crate) enum Outcome {
    /// The script's value was written to the sink.
    Done,
    /// The script failed: the error line to send (without `-`).
    Failed(String),
}

impl LuaEngine {
    /// A fresh interpreter with Redis's sandbox; `functions` makes the FUNCTION flavour (with
    /// `redis.register_function`).
    pub(crate) fn new(functions: bool) -> mlua::Result<LuaEngine> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::new(),
        )?;
        let state = Rc::new(RunState::default());
        let globals = lua.globals();
        for name in [
            "print", "getfenv", "setfenv", "newproxy", "dofile", "loadfile", "module", "require",
            "package", "os", "io", "debug",
        ] {
            globals.raw_set(name, Value::Nil)?;
        }
        libs::register(&lua, &globals)?;
        let cmsgpack: Table = globals.raw_get("cmsgpack")?;
        let slow: Function = cmsgpack.raw_get("unpack")?;
        cmsgpack.raw_set("unpack", raw::msgpack_unpack(&lua, &slow)?)?;
        let redis = lua.create_table()?;
        redis.raw_set("REDIS_VERSION", "7.0.15")?;
        redis.raw_set("REDIS_VERSION_NUM", 0x0007_000f)?;
        for (k, v) in [
            ("LOG_DEBUG", 0),
            ("LOG_VERBOSE", 1),
            ("LOG_NOTICE", 2),
            ("LOG_WARNING", 3),
            ("REPL_NONE", 0),
            ("REPL_AOF", 1),
            ("REPL_SLAVE", 2),
            ("REPL_REPLICA", 2),
            ("REPL_ALL", 3),
        ] {
            redis.raw_set(k, v)?;
        }
        let rust = lua.create_table()?;
        redis.raw_set(
            "sha1hex",
            lua.create_function(|lua, args: MultiValue| {
                if args.len() != 1 {
                    return Err(raise_table("ERR wrong number of arguments"));
                }
                let text = match args.into_iter().next() {
                    Some(Value::String(s)) => s.as_bytes().to_vec(),
                    Some(v @ (Value::Integer(_) | Value::Number(_))) => lua
                        .coerce_string(v)?
                        .map(|s| s.as_bytes().to_vec())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                lua.create_string(crate::util::sha1::hex_of(&text))
            })?,
        )?;
        redis.raw_set(
            "log",
            lua.create_function(|lua, args: MultiValue| {
                if args.len() < 2 {
                    return Err(raise_table(
                        "ERR redis.log() requires two arguments or more.",
                    ));
                }
                let mut it = args.into_iter();
                let level = match it.next() {
                    Some(Value::Integer(n)) => n as f64,
                    Some(Value::Number(n)) => n,
                    _ => {
                        return Err(raise_table(
                            "ERR First argument must be a number (log level).",
                        ));
                    }
                };
                if !(0.0..=3.0).contains(&level) {
                    return Err(raise_table("ERR Invalid debug level."));
                }
                let mut parts = Vec::new();
                for v in it {
                    if let Ok(Some(s)) = lua.coerce_string(v) {
                        parts.push(String::from_utf8_lossy(&s.as_bytes()).into_owned());
                    }
                }
                let msg = parts.join(" ");
                match level as i64 {
                    3 => tracing::warn!("{msg}"),
                    2 => tracing::info!("{msg}"),
                    1 => tracing::debug!("{msg}"),
                    _ => tracing::trace!("{msg}"),
                }
                Ok(())
            })?,
        )?;
        let st = state.clone();
        redis.raw_set(
            "setresp",
            lua.create_function(move |_, args: MultiValue| {
                if args.len() != 1 {
                    return Err(raise_table("ERR redis.setresp() requires one argument."));
                }
                match args.into_iter().next() {
                    Some(Value::Integer(n @ (2 | 3))) => st.resp3.set(n == 3),
                    Some(Value::Number(n)) if n == 2.0 || n == 3.0 => st.resp3.set(n == 3.0),
                    _ => return Err(raise_table("ERR RESP version must be 2 or 3.")),
                }
                Ok(())
            })?,
        )?;
        let st = state.clone();
        redis.raw_set(
            "set_repl",
            lua.create_function(move |_, args: MultiValue| {
                if args.len() != 1 {
                    return Err(raise_table("ERR redis.set_repl() requires two arguments."));
                }
                let n = match args.into_iter().next() {
                    Some(Value::Integer(n)) => n,
                    Some(Value::Number(n)) => n as i64,
                    _ => -1,
                };
                if !(0..=3).contains(&n) {
                    return Err(raise_table(
                        "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or \
                     REPL_NONE.",
                    ));
                }
                st.repl.set(n);
                Ok(())
            })?,
        )?;
        redis.raw_set(
            "error_reply",
            lua.create_function(|lua, args: MultiValue| {
                let Some(text) = single_string(lua, args) else {
                    return single_field(lua, "err", b"ERR wrong number or type of arguments");
                };
                let mut e = text;
                if e.first() != Some(&b'-') {
                    e.insert(0, b'-');
                }
                let msg = error_from_line(&e);
                single_field(lua, "err", &msg)
            })?,
        )?;
        redis.raw_set(
            "status_reply",
            lua.create_function(|lua, args: MultiValue| match single_string(lua, args) {
                Some(s) => single_field(lua, "ok", &s),
                None => single_field(lua, "err", b"ERR wrong number or type of arguments"),
            })?,
        )?;
        rust.raw_set(
            "converr",
            lua.create_function(|lua, v: Value| {
                Ok(match &v {
                    Value::Error(e) => match e.downcast_ref::<ScriptError>() {
                        Some(se) if se.table => single_field(lua, "err", se.msg.as_bytes())?,
                        Some(se) => Value::String(lua.create_string(&se.msg)?),
                        None => v,
                    },
                    _ => v,
                })
            })?,
        )?;
        let math: Table = globals.raw_get("math")?;
        math.raw_set(
            "random",
            lua.create_function(|_, a: MultiValue| {
                let r = lrand48();
                let a = a.into_vec();
                let int = |i: usize, name: &str| -> mlua::Result<f64> {
                    let v = a.get(i).and_then(|v| match v {
                        Value::Integer(n) => Some(*n as f64),
                        Value::Number(n) => Some(*n),
                        _ => None,
                    });
                    // luaL_checkint truncates toward zero.
                    v.map(f64::trunc).ok_or_else(|| {
                        raise_str(format!(
                            "bad argument #{} to '{name}' (number expected, got {})",
                            i + 1,
                            a.get(i).map_or("no value", |v| v.type_name())
                        ))
                    })
                };
                match a.len() {
                    0 => Ok(r),
                    1 => {
                        let u = int(0, "random")?;
                        if u < 1.0 {
                            return Err(raise_str(
                                "bad argument #1 to 'random' (interval is empty)".into(),
                            ));
                        }
                        Ok((r * u).floor() + 1.0)
                    }
                    2 => {
                        let l = int(0, "random")?;
                        let u = int(1, "random")?;
                        if l > u {
                            return Err(raise_str(
                                "bad argument #2 to 'random' (interval is empty)".into(),
                            ));
                        }
                        Ok((r * (u - l + 1.0)).floor() + l)
                    }
                    _ => Err(raise_str("wrong number of arguments".into())),
                }
            })?,
        )?;
        math.raw_set(
            "randomseed",
            lua.create_function(|_, a: MultiValue| {
                let n = match a.into_iter().next() {
                    Some(Value::Integer(n)) => n as f64,
                    Some(Value::Number(n)) => n,
                    _ => {
                        return Err(raise_str(
                            "bad argument #1 to 'randomseed' (number expected, got no value)"
                                .into(),
                        ));
                    }
                };
                // luaL_checkint truncates to a C int; srand48 keeps its low 32 bits.
                srand48(n as i64 as i32);
                Ok(())
            })?,
        )?;
        let st = state.clone();
        rust.raw_set(
            "loading",
            lua.create_function(move |_, ()| Ok(st.loading.get()))?,
        )?;
        let st = state.clone();
        rust.raw_set(
            "register",
            lua.create_function(
                move |_,
                      (name, func, flags, desc): (
                    String,
                    Function,
                    Vec<String>,
                    Option<String>,
                )| {
                    let r = Registered {
                        name,
                        func,
                        flags,
                        description: desc,
                    };
                    st.registered.borrow_mut().push(r);
                    Ok(())
                },
            )?,
        )?;
        rust.raw_set("functions", functions)?;
        let handler = lua.create_function(err_handler)?;
        globals.raw_set("__redis__err__handler", handler.clone())?;
        let slot = Rc::new(HostSlot::default());
        let names = raw::Names::new(&lua)?;
        let ctx = Rc::new(raw::CallCtx::new(slot.clone(), state.clone(), names));
        for (name, raise) in [("call", true), ("pcall", false)] {
            // Runs while no script does (a library body being loaded): Redis's redis table
            // has no call/pcall then.
            let fallback = lua.create_function(move |_, _: MultiValue| {
                Err::<(), _>(raise_str(format!(
                    "Script attempted to access nonexistent global variable '{name}'"
                )))
            })?;
            redis.raw_set(name, raw::call_function(&lua, &ctx, raise, &fallback)?)?;
        }
        if functions {
            // While a library loads, the redis table has only what loading may use.
            let mt = lua.create_table()?;
            mt.raw_set(
                "__index",
                lua.create_function(|_, (_, k): (Value, Value)| {
                    let name = match k {
                        Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
                        _ => String::new(),
                    };
                    Err::<(), _>(raise_str(format!(
                        "Script attempted to access nonexistent global variable '{name}'"
                    )))
                })?,
            )?;
            redis.set_metatable(Some(mt))?;
        }
        let chunk = lua.load(PRELUDE).set_name(INTERNAL);
        let (env, runner): (Table, Function) =
            chunk.call((globals.clone(), redis.clone(), rust, handler.clone()))?;
        let engine = LuaEngine {
            lua,
            state,
            env,
            globals,
            slot,
            ctx,
            runner,
            handler,
        };
        let st = engine.state.clone();
        let sl = engine.slot.clone();
        engine.lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_PERIOD),
            move |lua, _| {
                if st.killed.get() {
                    return Err(raise_table(KILLED));
                }
                if !st.is_busy() {
                    return Ok(VmState::Continue);
                }
                let _ = lua;
                if sl.use_host(|h| h.busy()).unwrap_or(false) {
                    st.killed.set(true);
                    return Err(raise_table(KILLED));
                }
                Ok(VmState::Continue)
            },
        )?;
        Ok(engine)
    }

    /// Compiles a script body (as chunk `@user_script`) into a function of the sandbox.
    pub(crate) fn compile(&self, body: &[u8], name: &str) -> Result<Function, String> {
        self.lua
            .load(body)
            .set_name(name)
            .set_environment(self.env.clone())
            .into_function()
            .map_err(|e| match e {
                mlua::Error::SyntaxError { message, .. } => message,
                other => other.to_string(),
            })
    }

    /// Runs `func` with KEYS and ARGV set (when `eval_style`) or with `keys` and `args` tables
    /// as its two arguments (FCALL), writing its value to `sink`. `name` is what errors call
    /// the script (its SHA-1 or the function's name).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run(
        &self,
        func: &Function,
        keys: &[Bytes],
        args: &[Bytes],
        eval_style: bool,
        name: &str,
        threshold_ms: u64,
        host: &mut dyn Host,
        sink: &mut dyn ReplySink,
    ) -> mlua::Result<Outcome> {
        let st = &self.state;
        st.started.set(Some(Instant::now()));
        st.threshold.set(Duration::from_millis(threshold_ms));
        st.killed.set(false);
        st.resp3.set(false);
        st.repl.set(3);
        let result = self.slot.with(host, || {
            raw::run(
                &self.lua,
                &self.handler,
                &self.globals,
                func,
                keys,
                args,
                eval_style,
                name,
                st,
                self.ctx.names,
                sink,
            )
        });
        st.started.set(None);
        if let Some(p) = self.ctx.panic.borrow_mut().take() {
            std::panic::resume_unwind(p);
        }
        result
    }

    /// Runs a FUNCTION library body: only `redis.register_function` (and logging) is usable;
    /// returns the functions it registered, or the error text.
    pub(crate) fn load_library(&self, func: &Function) -> Result<Vec<Registered>, String> {
        let st = &self.state;
        st.registered.borrow_mut().clear();
        st.loading.set(true);
        st.started.set(Some(Instant::now()));
        st.threshold.set(Duration::from_millis(500));
        st.killed.set(false);
        let r: mlua::Result<MultiValue> = self.runner.call((func.clone(),));
        st.loading.set(false);
        st.started.set(None);
        let registered = std::mem::take(&mut *st.registered.borrow_mut());
        let r = r.map_err(|e| e.to_string())?;
        let mut it = r.into_iter();
        if matches!(it.next(), Some(Value::Boolean(true))) {
            return Ok(registered);
        }
        let v = it.next().unwrap_or(Value::Nil);
        Err(match &v {
            Value::Table(t) => t
                .raw_get::<Option<mlua::LuaString>>("err")
                .ok()
                .flatten()
                .map(|s| String::from_utf8_lossy(&s.as_bytes()).into_owned())
                .unwrap_or_default(),
            other => format!("{other:?}"),
        })
    }

    /// Bytes of memory the interpreter uses (INFO used_memory_lua).
    pub(crate) fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }
}

/// The sandbox's own Lua code: the redis library's Lua half, math.random, and the read-only
/// proxies. Returns the scripts' environment and the runner.
const PRELUDE: &str = r#"
local G, redis, rust, handler = ...
local error, type, select, tostring, rawget, rawset, setmetatable, xpcall =
      error, type, select, tostring, rawget, rawset, setmetatable, xpcall
local floor = math.floor

local rawpcall, converr = pcall, rust.converr
local function fixp(ok, ...)
  if ok then return ok, ... end
  return false, converr((...))
end
pcall = function(...) return fixp(rawpcall(...)) end
function redis.replicate_commands() return true end
function redis.breakpoint() return false end
function redis.debug() end
if rust.functions then
  function redis.register_function(...)
    if not rust.loading() then
      error({err='ERR redis.register_function can only be called on FUNCTION LOAD command'})
    end
    local n = select('#', ...)
    local name, cb, flags, desc
    if n == 1 and type((...)) == 'table' then
      local t = ...
      for k, v in pairs(t) do
        if k == 'function_name' then name = v
        elseif k == 'callback' then cb = v
        elseif k == 'flags' then flags = v
        elseif k == 'description' then desc = v
        else error({err='ERR unknown argument given to redis.register_function'}) end
      end
      if type(name) ~= 'string' then
        error({err='ERR function_name argument given to redis.register_function must be a string'})
      end
      if type(cb) ~= 'function' then
        error({err='ERR callback argument given to redis.register_function must be a function'})
      end
      local fl = {}
      if flags ~= nil then
        if type(flags) ~= 'table' then
          error({err='ERR flags argument to redis.register_function must be a table ' ..
                     'representing function flags'})
        end
        for _, f in ipairs(flags) do
          if type(f) ~= 'string' then
            error({err='ERR unknown flag given'})
          end
          fl[#fl + 1] = f
        end
      end
      if desc ~= nil and type(desc) ~= 'string' then
        error({err='ERR description argument given to redis.register_function must be a string'})
      end
      rust.register(name, cb, fl, desc)
    elseif n == 1 then
      error({err='ERR calling redis.register_function with a single argument is only ' ..
                 'applicable to Lua table (representing named arguments).'})
    elseif n == 2 then
      name, cb = ...
      if type(name) == 'number' then name = tostring(name) end
      if type(name) ~= 'string' then
        error({err='ERR first argument to redis.register_function must be a string'})
      end
      if type(cb) ~= 'function' then
        error({err='ERR second argument to redis.register_function must be a function'})
      end
      rust.register(name, cb, {})
    else
      error({err='ERR wrong number of arguments to redis.register_function'})
    end
  end
end

local function ro_newindex() error('Attempt to modify a readonly table', 2) end
local function readonly(t)
  return setmetatable({}, {__index = t, __newindex = ro_newindex, __metatable = false})
end
G.redis = redis
for _, name in ipairs({'redis', 'string', 'table', 'math', 'coroutine', 'cjson', 'cmsgpack',
                       'bit', 'struct'}) do
  if G[name] ~= nil then G[name] = readonly(G[name]) end
end
local env = readonly(G)
G._G = env
setmetatable(G, {__index = function(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end, __newindex = ro_newindex, __metatable = false})

local function runner(f, ...)
  if select('#', ...) == 0 then return xpcall(f, handler) end
  local a, b = ...
  return xpcall(function() return f(a, b) end, handler)
end
return env, runner
"#;

/// The message handler: turns any error into Redis's error table and records the position of
/// the innermost script frame (skipping C functions and the sandbox's own frames).
fn err_handler(lua: &Lua, err: Value) -> mlua::Result<Table> {
    let t = match err {
        Value::Table(t) => t,
        Value::Error(ref e) if e.downcast_ref::<ScriptError>().is_some() => {
            let t = lua.create_table()?;
            if let Some(se) = e.downcast_ref::<ScriptError>() {
                if se.table {
                    t.raw_set("err", se.msg.as_str())?;
                } else {
                    let at = position(lua).unwrap_or_default();
                    t.raw_set("err", format!("ERR {at}{}", se.msg))?;
                }
            }
            t
        }
        other => {
            let msg = match &other {
                Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
                Value::Nil => "nil".to_string(),
                Value::Error(e) => error_text(e),
                Value::UserData(_) | Value::LightUserData(_) => {
                    match lua.coerce_string(other.clone()) {
                        Ok(Some(s)) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
                        _ => "execution failure".to_string(),
                    }
                }
                v => v.to_string().unwrap_or_default(),
            };
            let t = lua.create_table()?;
            t.raw_set("err", format!("ERR {msg}"))?;
            t
        }
    };
    for level in 1..64 {
        let found = lua.inspect_stack(level, |d| {
            let src = d.source();
            if src.what == "C" || src.what == "tail" || src.source.as_deref() == Some(INTERNAL) {
                return None;
            }
            Some((src.source.map(|s| s.into_owned()), d.current_line()))
        });
        match found {
            None => break,
            Some(None) => continue,
            Some(Some((source, line))) => {
                if let Some(s) = source {
                    t.raw_set("source", s)?;
                }
                if let Some(l) = line {
                    t.raw_set("line", l)?;
                }
                break;
            }
        }
    }
    Ok(t)
}

/// "user_script:3: ": where the innermost script frame is, as luaL_where puts it.
fn position(lua: &Lua) -> Option<String> {
    for level in 1..64 {
        let found = lua.inspect_stack(level, |d| {
            let src = d.source();
            if src.what == "C" || src.what == "tail" || src.source.as_deref() == Some(INTERNAL) {
                return None;
            }
            let short = src.short_src.map(|s| s.into_owned()).unwrap_or_default();
            Some(format!("{short}:{}: ", d.current_line().unwrap_or(0)))
        })?;
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The text of an error raised by Rust code (the hook): its innermost cause.
fn error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => error_text(cause),
        mlua::Error::RuntimeError(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The host of the running script, reachable from `redis.call`, `redis.pcall` and the busy
/// hook, which are created once per interpreter (a per-run mlua scope costs several closures
/// and their garbage on every EVAL).
mod slot {
    use std::cell::Cell;
    use std::ptr::NonNull;

    use super::Host;

    /// A borrowed `&mut dyn Host`, installed only for the length of one run.
    #[derive(Default)]
    pub(crate) struct HostSlot {
        ptr: Cell<Option<NonNull<dyn Host + 'static>>>,
        in_use: Cell<bool>,
    }

    /// Clears the slot when `with` ends, also on unwinding.
    struct Uninstall<'a>(&'a Cell<Option<NonNull<dyn Host + 'static>>>);

    impl Drop for Uninstall<'_> {
        fn drop(&mut self) {
            self.0.set(None);
        }
    }

    /// Marks the host free again when `use_host` ends.
    struct Release<'a>(&'a Cell<bool>);

    impl Drop for Release<'_> {
        fn drop(&mut self) {
            self.0.set(false);
        }
    }

    impl HostSlot {
        /// Runs `f` with `host` installed.
        #[allow(unsafe_code)]
        pub(crate) fn with<R>(&self, host: &mut dyn Host, f: impl FnOnce() -> R) -> R {
            let p: NonNull<dyn Host + '_> = NonNull::from(host);
            // SAFETY: only the trait object's lifetime bound is erased (same layout). The
            // pointer is removed by `Uninstall` before this function returns, so it is never
            // used after the `&mut` it came from ends, and nothing else uses that `&mut` while
            // `f` runs.
            let p: NonNull<dyn Host + 'static> = unsafe { std::mem::transmute(p) };
            self.ptr.set(Some(p));
            let _guard = Uninstall(&self.ptr);
            f()
        }

        /// Whether a run is in progress.
        pub(crate) fn installed(&self) -> bool {
            self.ptr.get().is_some()
        }

        /// Calls `g` with the installed host; `None` when there is none or it is in use
        /// already (no two `&mut` to it ever coexist).
        #[allow(unsafe_code)]
        pub(crate) fn use_host<R>(&self, g: impl FnOnce(&mut dyn Host) -> R) -> Option<R> {
            let mut p = self.ptr.get()?;
            if self.in_use.replace(true) {
                return None;
            }
            let _release = Release(&self.in_use);
            // SAFETY: the pointer is valid while installed (see `with`), and `in_use` makes
            // this the only live reference made from it.
            let h = unsafe { p.as_mut() };
            Some(g(h))
        }
    }
}

use slot::HostSlot;

/// The error Redis's script kill raises.
const KILLED: &str = "ERR Script killed by user with SCRIPT KILL...";

/// An error raised by the sandbox's Rust functions: an error table (`{err=msg}`, as Redis's
/// luaPushError + luaError) or a plain message (luaL_error, position included).
#[derive(Debug, Clone)]
pub(crate) struct ScriptError {
    /// The message (the `err` field for a table).
    pub msg: String,
    /// Raised as an error table.
    pub table: bool,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for ScriptError {}

/// An error table `{err=msg}` raised from Rust.
pub(crate) fn raise_table(msg: &str) -> mlua::Error {
    mlua::Error::external(ScriptError {
        msg: msg.to_string(),
        table: true,
    })
}

/// A plain error message raised from Rust; the handler adds the position.
pub(crate) fn raise_str(msg: String) -> mlua::Error {
    mlua::Error::external(ScriptError { msg, table: false })
}

/// `{key=value}`.
fn single_field(lua: &Lua, key: &str, value: &[u8]) -> mlua::Result<Value> {
    let t = lua.create_table_with_capacity(0, 1)?;
    t.raw_set(key, lua.create_string(value)?)?;
    Ok(Value::Table(t))
}

/// The one string (or number) argument of error_reply / status_reply.
fn single_string(lua: &Lua, args: MultiValue) -> Option<Vec<u8>> {
    if args.len() != 1 {
        return None;
    }
    match args.into_iter().next()? {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        v @ (Value::Integer(_) | Value::Number(_)) => lua
            .coerce_string(v)
            .ok()
            .flatten()
            .map(|s| s.as_bytes().to_vec()),
        _ => None,
    }
}

/// Redis's luaPushErrorBuff: "-CODE msg" keeps its code, a bare "-msg" gets ERR; trailing CR
/// and LF go.
fn error_from_line(e: &[u8]) -> Vec<u8> {
    let body = e.get(1..).unwrap_or_default();
    let (code, msg) = match body.iter().position(|&c| c == b' ') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (&b"ERR"[..], body),
    };
    let mut msg = msg.to_vec();
    while matches!(msg.last(), Some(b'\r' | b'\n')) {
        msg.pop();
    }
    let mut out = code.to_vec();
    out.push(b' ');
    out.extend_from_slice(&msg);
    out
}

thread_local! {
    /// The state of the generator math.random draws from: process-wide and never reseeded
    /// between scripts, as Redis 7.0's rand.c (drand48's default seed at start).
    static RAND: Cell<u64> = const { Cell::new(0x1234_ABCD_330E) };
}

/// Redis's redisLrand48-based draw in [0, 1): the next 31-bit value over INT32_MAX.
fn lrand48() -> f64 {
    let x = RAND.with(Cell::get);
    let next = x.wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB) & ((1u64 << 48) - 1);
    RAND.with(|r| r.set(next));
    let r = (next >> 17) as i64;
    let max = i64::from(i32::MAX);
    (r % max) as f64 / max as f64
}

/// Redis's redisSrand48: the seed's 32 bits above the fixed low word 0x330E.
fn srand48(seed: i32) {
    RAND.with(|r| r.set((u64::from(seed as u32) << 16) | 0x330E));
}
