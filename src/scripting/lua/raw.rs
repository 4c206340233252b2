//! The hot paths of a script run, written against Lua's C API (`mlua::ffi`) instead of mlua's
//! value handles: `redis.call` / `redis.pcall`, and the run itself (pushing KEYS and ARGV,
//! calling the script under the error handler, converting its value to a reply).
//!
//! mlua's handles (`Value`, `Table`, `MultiValue`) keep every value in a reference slot of an
//! auxiliary thread and move it back and forth; for a script doing a few redis.call per run
//! that handoff cost more than the commands. Here arguments are read straight off the Lua stack
//! and replies are pushed straight onto it by [`StackSink`], a `ReplySink` (no `Reply` tree).
//!
//! Invariants every function here keeps (the SAFETY comments refer to them):
//! - Stack room: a C function starts with LUA_MINSTACK (20) free slots; anything that may use
//!   more calls `lua_checkstack` first and fails cleanly when it returns 0.
//! - Types are checked (`lua_type`) before a value is read; `lua_tolstring` is only used on
//!   strings (it would convert a number in place, which upsets `lua_next`).
//! - No Lua error is raised while a Rust value with a destructor is live in the same frame:
//!   the entry points do their work in an inner function that returns what to do, and only
//!   then call `lua_error` (which longjmps) from a frame holding plain values. The raw
//!   operations used in between cannot raise: table writes are raw and never use a nil or NaN
//!   key, and allocation failures do not raise because the state has no memory limit (mlua's
//!   allocator aborts on exhaustion, as Rust's allocation does everywhere else).
//! - A panic in the inner work is caught, turned into a script error, and resumed once the run
//!   is back in Rust (it never unwinds through Lua's C frames).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use bytes::{BufMut, Bytes, BytesMut};
use mlua::{Function, Lua, Table, ffi};

use super::{HostSlot, MAX_REPLY_DEPTH, Outcome, RunState};
use crate::protocol::reply::{AggregateKind, Deferred, Protocol, ReplySink};

/// The initial capacity of redis.call's argument buffer.
const ARGS_BUF: usize = 256;
/// The largest argument buffer kept for the next call.
const ARGS_BUF_KEEP: usize = 16 * 1024;

/// The field names replies are built and read with, as registry references: pushing one is an
/// array read instead of a string interning (hash and lookup).
#[derive(Clone, Copy)]
pub(super) struct Names([c_int; 9]);

/// The names held by [`Names`], in index order.
const NAME_TEXTS: [&[u8]; 9] = [
    b"err",
    b"ok",
    b"double",
    b"big_number",
    b"verbatim_string",
    b"map",
    b"set",
    b"format",
    b"string",
];
const N_ERR: usize = 0;
const N_OK: usize = 1;
const N_DOUBLE: usize = 2;
const N_BIG: usize = 3;
const N_VERBATIM: usize = 4;
const N_MAP: usize = 5;
const N_SET: usize = 6;
const N_FORMAT: usize = 7;
const N_STRING: usize = 8;

impl Names {
    /// Interns the names in `lua`'s registry (for the life of the state).
    pub(super) fn new(lua: &Lua) -> mlua::Result<Names> {
        let mut refs = [0; 9];
        // SAFETY: exec_raw runs the closure in protected mode with room for three values; one
        // string is pushed at a time and luaL_ref pops it into the registry.
        unsafe {
            lua.exec_raw::<()>((), |l| {
                for (r, name) in refs.iter_mut().zip(NAME_TEXTS) {
                    push_bytes(l, name);
                    *r = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
                }
            })?;
        }
        Ok(Names(refs))
    }

    /// Pushes name `i` (one of the `N_*` indexes).
    ///
    /// # Safety
    /// One free slot; `l` is the state the names were made in.
    unsafe fn push(self, l: *mut ffi::lua_State, i: usize) {
        let r = self.0.get(i).copied().unwrap_or(0);
        // SAFETY: per the caller; the registry holds the string under `r`.
        unsafe { ffi::lua_rawgeti_(l, ffi::LUA_REGISTRYINDEX, r) };
    }
}

/// What redis.call and redis.pcall reach through their first upvalue (a light userdata). The
/// Lua state's app data holds one `Rc` of it, so it lives as long as the state.
pub(super) struct CallCtx {
    /// The host of the running script.
    pub slot: Rc<HostSlot>,
    /// The run's state (RESP version, reused argument buffers).
    pub state: Rc<RunState>,
    /// The reply field names.
    pub names: Names,
    /// A panic caught inside a call, resumed when the run returns to Rust.
    pub panic: RefCell<Option<Box<dyn Any + Send>>>,
    /// Room for the next call's argument bytes (the rest of an allocation earlier calls'
    /// arguments were split from).
    buf: Cell<Option<BytesMut>>,
}

impl CallCtx {
    /// A context for `slot` and `state`.
    pub(super) fn new(slot: Rc<HostSlot>, state: Rc<RunState>, names: Names) -> CallCtx {
        CallCtx {
            slot,
            state,
            names,
            panic: RefCell::new(None),
            buf: Cell::new(None),
        }
    }
}

/// Creates redis.call (`raise`) or redis.pcall as a C closure over `ctx`; `fallback` is what it
/// runs when no script is running (a library body being loaded: Redis's redis table has no
/// call then, and the fallback raises that error).
pub(super) fn call_function(
    lua: &Lua,
    ctx: &Rc<CallCtx>,
    raise: bool,
    fallback: &Function,
) -> mlua::Result<Function> {
    if lua.app_data_ref::<Rc<CallCtx>>().is_none() {
        lua.set_app_data(ctx.clone());
    }
    let p = Rc::as_ptr(ctx).cast_mut().cast::<c_void>();
    let f: ffi::lua_CFunction = if raise { redis_call } else { redis_pcall };
    // SAFETY: exec_raw runs the closure in protected mode with the fallback pushed (one value
    // on the stack); pushing a light userdata and making a closure of the two needs two free
    // slots, which exec_raw ensures (it checks for 3). The pointer stays valid as long as the
    // state: the app data set above owns an Rc of the context.
    unsafe {
        lua.exec_raw::<Function>(fallback, |l| {
            ffi::lua_pushlightuserdata(l, p);
            ffi::lua_insert(l, -2);
            ffi::lua_pushcclosure(l, f, 2);
        })
    }
}

/// What the inner part of redis.call asks its entry point to do.
enum Ret {
    /// Return this many values from the top of the stack.
    Values(c_int),
    /// Raise the value on top of the stack as an error.
    Raise,
    /// Call the fallback (upvalue 2) with the original arguments.
    Fallback,
}

unsafe extern "C-unwind" fn redis_call(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua as a C function created by `call_function`.
    unsafe { entry(l, true) }
}

unsafe extern "C-unwind" fn redis_pcall(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua as a C function created by `call_function`.
    unsafe { entry(l, false) }
}

/// The body of both entry points. Holds only plain values when it raises.
unsafe fn entry(l: *mut ffi::lua_State, raise: bool) -> c_int {
    // SAFETY: upvalue 1 is the light userdata `call_function` stored, pointing at a CallCtx the
    // state's app data keeps alive; only shared references to it are made.
    let ctx = unsafe { &*ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)).cast::<CallCtx>() };
    let ret = match catch_unwind(AssertUnwindSafe(|| call(l, ctx, raise))) {
        Ok(r) => r,
        Err(p) => {
            *ctx.panic.borrow_mut() = Some(p);
            // SAFETY: with the stack cleared, the C function's LUA_MINSTACK slots hold the
            // table and its field.
            unsafe {
                ffi::lua_settop(l, 0);
                push_field_table(l, ctx.names, N_ERR, b"ERR internal error");
            }
            Ret::Raise
        }
    };
    match ret {
        Ret::Values(n) => n,
        // SAFETY: the error value is on top; nothing in this frame has a destructor.
        Ret::Raise => unsafe { ffi::lua_error(l) },
        Ret::Fallback => {
            // SAFETY: the fallback goes below the arguments (one slot of the LUA_MINSTACK
            // this function started with) and is called with them; an error it raises
            // propagates through this frame, which holds nothing with a destructor.
            unsafe {
                ffi::lua_pushvalue(l, ffi::lua_upvalueindex(2));
                ffi::lua_insert(l, 1);
                ffi::lua_call(l, ffi::lua_gettop(l) - 1, ffi::LUA_MULTRET);
                ffi::lua_gettop(l)
            }
        }
    }
}

/// redis.call / redis.pcall: converts the arguments, runs the command through the host with a
/// [`StackSink`] and leaves redis.call's value (or the error to raise) on the stack.
fn call(l: *mut ffi::lua_State, ctx: &CallCtx, raise: bool) -> Ret {
    if !ctx.slot.installed() {
        return Ret::Fallback;
    }
    let fail = |line: &[u8]| -> Ret {
        // SAFETY: the arguments were cleared first, so the C function's LUA_MINSTACK slots
        // hold the table and its field.
        unsafe {
            ffi::lua_settop(l, 0);
            push_field_table(l, ctx.names, N_ERR, line);
        }
        if raise { Ret::Raise } else { Ret::Values(1) }
    };
    // SAFETY: `l` is the running state; lua_gettop has no preconditions.
    let n = unsafe { ffi::lua_gettop(l) };
    if n == 0 {
        return fail(b"ERR Please specify at least one argument for this redis lib call");
    }
    let st = &ctx.state;
    let mut buf = ctx
        .buf
        .take()
        .unwrap_or_else(|| BytesMut::with_capacity(ARGS_BUF));
    buf.clear();
    let mut ends = st.ends.take();
    ends.clear();
    for i in 1..=n {
        // SAFETY: 1..=n are valid stack indexes; strings are read only after their type is
        // checked, so lua_tolstring does not convert anything.
        match unsafe { ffi::lua_type(l, i) } {
            ffi::LUA_TSTRING => buf.put_slice(unsafe { string_at(l, i) }),
            ffi::LUA_TNUMBER => put_number(&mut buf, unsafe { ffi::lua_tonumber(l, i) }),
            _ => {
                *st.ends.borrow_mut() = ends;
                ctx.buf.set(Some(buf));
                return fail(b"ERR Lua redis lib command arguments must be strings or integers");
            }
        }
        ends.push(buf.len());
    }
    // The arguments are split off the front; what remains of the allocation serves the next
    // calls, and once every earlier slice is gone, reserving reclaims it from the start.
    let frozen = buf.split().freeze();
    let mut argv = st.argv.take();
    argv.clear();
    let mut start = 0;
    for &end in &ends {
        argv.push(frozen.slice(start..end));
        start = end;
    }
    *st.ends.borrow_mut() = ends;
    // The arguments stay on the stack below the reply (they are not needed any more, but
    // clearing them costs more than leaving them; the return count takes the top value).
    let resp3 = st.resp3.get();
    // SAFETY: `l` is the running state.
    let mut sink = unsafe { StackSink::new(l, resp3, ctx.names) };
    let r = ctx.slot.use_host(|h| h.call(&argv, resp3, &mut sink));
    argv.clear();
    *st.argv.borrow_mut() = argv;
    drop(frozen);
    if buf.capacity() <= ARGS_BUF_KEEP {
        ctx.buf.set(Some(buf));
    }
    match r {
        None => {
            // SAFETY: one slot of the C function's LUA_MINSTACK.
            unsafe {
                ffi::lua_settop(l, 0);
                ffi::lua_pushnil(l);
            }
            Ret::Values(1)
        }
        Some(Err(line)) => fail(line.as_bytes()),
        Some(Ok(())) => match sink.finish() {
            Ok(()) => Ret::Values(1),
            Err(line) => fail(&line),
        },
    }
}

/// A Lua number as the integer reply Redis makes of it: C's `(long long)` cast, truncating,
/// which on x86-64 gives i64::MIN for NaN and for anything out of range (Rust's `as`
/// saturates instead). Lua numbers are doubles, so a script that returns a counter at
/// i64::MAX answers -9223372036854775808 on Redis.
fn number_to_int(n: f64) -> i64 {
    // 2^63 is exactly representable; NaN fails the range test too.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&n) {
        n as i64
    } else {
        i64::MIN
    }
}

/// Appends a number argument as Redis's luaArgsToRedisArgv does (`%.17g`).
fn put_number(buf: &mut BytesMut, d: f64) {
    if d.fract() == 0.0 && d.abs() < 1e17 && !(d == 0.0 && d.is_sign_negative()) {
        // Integral and in range: the conversion is exact and %.17g prints the plain integer.
        let mut digits = crate::protocol::reply::itoa_buf();
        buf.put_slice(crate::util::num::fmt_i64(d as i64, &mut digits));
    } else {
        buf.put_slice(crate::util::num::fmt_double_17g(d).as_bytes());
    }
}

/// The bytes of the string at `idx`.
///
/// # Safety
/// The value at `idx` must be a string (`lua_type` said so); the slice is valid while that
/// string stays on the stack.
unsafe fn string_at<'a>(l: *mut ffi::lua_State, idx: c_int) -> &'a [u8] {
    let mut len = 0usize;
    // SAFETY: the value is a string, so lua_tolstring returns its pointer without converting.
    let p = unsafe { ffi::lua_tolstring(l, idx, &mut len) };
    if p.is_null() {
        return &[];
    }
    // SAFETY: Lua strings are `len` bytes at `p`, alive while the string is on the stack.
    unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }
}

/// Pushes `{key = value}`, `key` being name `key` of `names`.
///
/// # Safety
/// Three free stack slots.
unsafe fn push_field_table(l: *mut ffi::lua_State, names: Names, key: usize, value: &[u8]) {
    // SAFETY: per the caller; raw set with a string key cannot raise.
    unsafe {
        ffi::lua_createtable(l, 0, 1);
        names.push(l, key);
        push_bytes(l, value);
        ffi::lua_rawset(l, -3);
    }
}

/// Pushes a byte string.
///
/// # Safety
/// One free stack slot.
unsafe fn push_bytes(l: *mut ffi::lua_State, b: &[u8]) {
    // SAFETY: per the caller; lua_pushlstring copies the bytes.
    unsafe { ffi::lua_pushlstring_(l, b.as_ptr().cast::<c_char>(), b.len()) };
}

/// An aggregate being filled on the Lua stack.
struct Frame {
    kind: Kind,
    /// Elements still expected (pairs count twice); `None` for a deferred length.
    left: Option<usize>,
    /// The deferred handle's id, for a deferred aggregate.
    deferred: Option<usize>,
    /// Stack index of the table elements go into.
    table: c_int,
    /// Array frames: the index of the last element set.
    next: c_int,
    /// Map frames: a key is waiting on the stack for its value.
    key: bool,
}

/// What a frame builds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A Lua array (arrays, pushes, and RESP2's sets and flattened maps).
    Array,
    /// RESP3 `{map = {k = v}}`: the outer table, "map", the inner table on the stack.
    Map,
    /// RESP3 `{set = {k = true}}`, laid out as `Map`.
    Set,
    /// An attribute: its pairs are read and dropped.
    Attribute,
}

/// The sink redis.call's command writes its reply to: builds the Lua value redis.call returns
/// directly on the stack (Redis's redisProtocolToLuaType, for the RESP version the script
/// chose). As with a `ValueSink`, the last top-level reply written is the one returned.
struct StackSink {
    l: *mut ffi::lua_State,
    /// The field names of the reply tables.
    names: Names,
    /// The script's protocol (redis.setresp), for the conversions.
    resp3: bool,
    /// The protocol commands see.
    proto: Protocol,
    /// The stack top before the reply: a finished reply sits at `base + 1`.
    base: c_int,
    /// Open aggregates, innermost last.
    frames: Vec<Frame>,
    /// A finished top-level value is at `base + 1`.
    have: bool,
    /// A top-level error reply's line (replaces the value).
    err: Option<Vec<u8>>,
    /// The stack could not grow: everything after is dropped and the call fails.
    broken: bool,
}

impl StackSink {
    /// A sink building on top of `l`'s current stack.
    ///
    /// # Safety
    /// `l` is the running state and stays so while the sink is used.
    unsafe fn new(l: *mut ffi::lua_State, resp3: bool, names: Names) -> StackSink {
        StackSink {
            l,
            names,
            resp3,
            proto: if resp3 {
                Protocol::Resp3
            } else {
                Protocol::Resp2
            },
            // SAFETY: per the caller.
            base: unsafe { ffi::lua_gettop(l) },
            frames: Vec::new(),
            have: false,
            err: None,
            broken: false,
        }
    }

    /// Makes room for `n` more values; false (and the sink broken) when the stack cannot grow.
    fn room(&mut self, n: c_int) -> bool {
        if self.broken {
            return false;
        }
        // SAFETY: lua_checkstack only grows the stack (it reports failure, it does not raise).
        if unsafe { ffi::lua_checkstack(self.l, n) } == 0 {
            self.broken = true;
            return false;
        }
        true
    }

    /// Leaves the result on top of the stack: `Ok` with redis.call's value, or the error line.
    fn finish(mut self) -> Result<(), Vec<u8>> {
        let l = self.l;
        if self.broken {
            return Err(b"ERR reached lua stack limit".to_vec());
        }
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        // SAFETY: settop only shrinks here (everything above base was pushed by this sink);
        // a null needs one slot, which the C function's LUA_MINSTACK leaves after settop.
        unsafe {
            if self.have {
                ffi::lua_settop(l, self.base + 1);
            } else {
                ffi::lua_settop(l, self.base);
                self.push_null();
            }
        }
        Ok(())
    }

    /// Pushes the null of the script's protocol.
    ///
    /// # Safety
    /// One free slot.
    unsafe fn push_null(&self) {
        // SAFETY: per the caller.
        unsafe {
            if self.resp3 {
                ffi::lua_pushnil(self.l);
            } else {
                ffi::lua_pushboolean(self.l, 0);
            }
        }
    }

    /// Pushes a scalar with `push` (given three free slots) and files it.
    fn scalar(&mut self, push: impl FnOnce(*mut ffi::lua_State)) {
        if !self.room(3) {
            return;
        }
        push(self.l);
        self.filed();
    }

    /// Files the complete value on top of the stack into the innermost open aggregate (closing
    /// aggregates that are complete), or makes it the top-level reply.
    fn filed(&mut self) {
        let l = self.l;
        loop {
            let Some(f) = self.frames.last_mut() else {
                // SAFETY: the value is on top and `base + 1` is at or below it.
                if self.have {
                    unsafe { ffi::lua_replace(l, self.base + 1) };
                }
                self.have = true;
                self.err = None;
                return;
            };
            // SAFETY: the frame's table is at `f.table`, below the value on top; raw sets
            // never raise with a key that is neither nil nor NaN (checked before use).
            unsafe {
                match f.kind {
                    Kind::Array => {
                        f.next = f.next.saturating_add(1);
                        ffi::lua_rawseti_(l, f.table, f.next);
                    }
                    Kind::Map if !f.key => f.key = true,
                    Kind::Map => {
                        f.key = false;
                        set_pair(l, f.table);
                    }
                    Kind::Set => {
                        ffi::lua_pushboolean(l, 1);
                        set_pair(l, f.table);
                    }
                    Kind::Attribute => ffi::lua_settop(l, -2),
                }
            }
            match &mut f.left {
                Some(n) => {
                    *n = n.saturating_sub(1);
                    if *n > 0 {
                        return;
                    }
                }
                None => return,
            }
            let Some(done) = self.frames.pop() else {
                return;
            };
            if !self.closed(done) {
                return;
            }
        }
    }

    /// Finishes a frame's table (the RESP3 wrappers get their field); true when it left a
    /// value on top to be filed, false for an attribute (dropped).
    fn closed(&mut self, f: Frame) -> bool {
        match f.kind {
            Kind::Array => true,
            Kind::Map | Kind::Set => {
                // SAFETY: the stack holds outer table, field name, inner table at
                // f.table - 2 .. f.table (a pending key of a half-written pair is dropped).
                unsafe {
                    ffi::lua_settop(self.l, f.table);
                    ffi::lua_rawset(self.l, f.table - 2);
                }
                true
            }
            Kind::Attribute => {
                // SAFETY: drops the attribute's placeholder (and anything above it).
                unsafe { ffi::lua_settop(self.l, f.table - 1) };
                false
            }
        }
    }

    /// Opens an aggregate of `kind` with `left` elements (`None`: deferred, with that id).
    fn open(&mut self, kind: Kind, left: Option<usize>, deferred: Option<usize>) {
        if !self.room(4) {
            return;
        }
        let l = self.l;
        let size = |n: usize| c_int::try_from(n.min(1 << 16)).unwrap_or(0);
        // SAFETY: room for the three values pushed was made above.
        let table = unsafe {
            match kind {
                Kind::Array => ffi::lua_createtable(l, size(left.unwrap_or(0)), 0),
                Kind::Map | Kind::Set => {
                    ffi::lua_createtable(l, 0, 1);
                    let name = if kind == Kind::Map { N_MAP } else { N_SET };
                    self.names.push(l, name);
                    // Grown as Redis grows it (lua_newtable), so pairs() visits the
                    // entries in the same order.
                    ffi::lua_createtable(l, 0, 0);
                }
                Kind::Attribute => ffi::lua_pushnil(l),
            }
            ffi::lua_gettop(l)
        };
        let frame = Frame {
            kind,
            left,
            deferred,
            table,
            next: 0,
            key: false,
        };
        if left == Some(0) {
            if self.closed(frame) {
                self.filed();
            }
            return;
        }
        self.frames.push(frame);
    }

    /// The frame for a RESP aggregate of `kind` announced with `n` elements.
    fn open_kind(&mut self, kind: AggregateKind, n: Option<usize>, deferred: Option<usize>) {
        let pairs = |n: Option<usize>| n.map(|n| n.saturating_mul(2));
        match kind {
            AggregateKind::Array => self.open(Kind::Array, n, deferred),
            AggregateKind::Map if self.resp3 => self.open(Kind::Map, pairs(n), deferred),
            AggregateKind::Map => self.open(Kind::Array, pairs(n), deferred),
            AggregateKind::Set if self.resp3 => self.open(Kind::Set, n, deferred),
            AggregateKind::Set => self.open(Kind::Array, n, deferred),
        }
    }
}

/// Sets table[key] = value with key and value on top of the stack (popping both); a nil or
/// NaN key, which a raw set would raise on, drops the pair instead.
///
/// # Safety
/// `table` is a table's stack index below the key and value.
unsafe fn set_pair(l: *mut ffi::lua_State, table: c_int) {
    // SAFETY: per the caller; the key is checked before the raw set.
    unsafe {
        let bad = match ffi::lua_type(l, -2) {
            ffi::LUA_TNIL => true,
            ffi::LUA_TNUMBER => ffi::lua_tonumber(l, -2).is_nan(),
            _ => false,
        };
        if bad {
            ffi::lua_settop(l, -3);
        } else {
            ffi::lua_rawset(l, table);
        }
    }
}

impl ReplySink for StackSink {
    fn protocol(&self) -> Protocol {
        self.proto
    }
    fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
    }
    fn simple(&mut self, s: &[u8]) {
        // SAFETY (all scalar pushes below): `scalar` made room for three values.
        let names = self.names;
        self.scalar(|l| unsafe { push_field_table(l, names, N_OK, s) });
    }
    fn error(&mut self, s: &[u8]) {
        if self.frames.is_empty() {
            if self.have {
                // SAFETY: drops the previous top-level value.
                unsafe { ffi::lua_settop(self.l, self.base) };
                self.have = false;
            }
            self.err = Some(s.to_vec());
            return;
        }
        let names = self.names;
        self.scalar(|l| unsafe { push_field_table(l, names, N_ERR, s) });
    }
    fn int(&mut self, n: i64) {
        self.scalar(|l| unsafe { ffi::lua_pushnumber(l, n as f64) });
    }
    fn bulk(&mut self, b: &[u8]) {
        self.scalar(|l| unsafe { push_bytes(l, b) });
    }
    fn null(&mut self) {
        let resp3 = self.resp3;
        self.scalar(|l| unsafe {
            if resp3 {
                ffi::lua_pushnil(l);
            } else {
                ffi::lua_pushboolean(l, 0);
            }
        });
    }
    fn null_array(&mut self) {
        self.null();
    }
    fn array_len(&mut self, n: usize) {
        self.open(Kind::Array, Some(n), None);
    }
    fn map_len(&mut self, n: usize) {
        self.open_kind(AggregateKind::Map, Some(n), None);
    }
    fn set_len(&mut self, n: usize) {
        self.open_kind(AggregateKind::Set, Some(n), None);
    }
    fn push_len(&mut self, n: usize) {
        self.open(Kind::Array, Some(n), None);
    }
    fn attribute_len(&mut self, n: usize) {
        self.open(Kind::Attribute, Some(n.saturating_mul(2)), None);
    }
    fn double(&mut self, d: f64) {
        let names = self.names;
        if self.resp3 {
            self.scalar(|l| unsafe {
                ffi::lua_createtable(l, 0, 1);
                names.push(l, N_DOUBLE);
                ffi::lua_pushnumber(l, d);
                ffi::lua_rawset(l, -3);
            });
        } else {
            let s = crate::protocol::write::format_double(d);
            self.scalar(|l| unsafe { push_bytes(l, s.as_bytes()) });
        }
    }
    fn boolean(&mut self, b: bool) {
        let resp3 = self.resp3;
        self.scalar(|l| unsafe {
            if resp3 {
                ffi::lua_pushboolean(l, c_int::from(b));
            } else {
                ffi::lua_pushnumber(l, if b { 1.0 } else { 0.0 });
            }
        });
    }
    fn verbatim(&mut self, format: &str, b: &[u8]) {
        if !self.resp3 {
            return self.scalar(|l| unsafe { push_bytes(l, b) });
        }
        if !self.room(5) {
            return;
        }
        // SAFETY: room for five values was made above.
        unsafe {
            let l = self.l;
            ffi::lua_createtable(l, 0, 1);
            self.names.push(l, N_VERBATIM);
            ffi::lua_createtable(l, 0, 2);
            self.names.push(l, N_FORMAT);
            push_bytes(l, format.as_bytes());
            ffi::lua_rawset(l, -3);
            self.names.push(l, N_STRING);
            push_bytes(l, b);
            ffi::lua_rawset(l, -3);
            ffi::lua_rawset(l, -3);
        }
        self.filed();
    }
    fn big_number(&mut self, digits: &[u8]) {
        if self.resp3 {
            let names = self.names;
            self.scalar(|l| unsafe { push_field_table(l, names, N_BIG, digits) });
        } else {
            self.scalar(|l| unsafe { push_bytes(l, digits) });
        }
    }
    fn deferred_len(&mut self, kind: AggregateKind) -> Deferred {
        let id = self.frames.len();
        self.open_kind(kind, None, Some(id));
        Deferred(id)
    }
    fn set_deferred(&mut self, d: Deferred, _n: usize) {
        // Close everything down to and including the deferred aggregate.
        while let Some(f) = self.frames.pop() {
            let target = f.deferred == Some(d.0);
            if self.closed(f) {
                self.filed();
            }
            if target {
                return;
            }
        }
    }
}

/// Runs `func` under the error handler: with KEYS and ARGV set as globals (`eval_style`, set
/// in `globals`) or with the key and argument tables as its two arguments (FCALL); writes its
/// value to `sink`, or returns the error line (`name` is what it calls the script).
#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    lua: &Lua,
    handler: &Function,
    globals: &Table,
    func: &Function,
    keys: &[Bytes],
    args: &[Bytes],
    eval_style: bool,
    name: &str,
    state: &RunState,
    names: Names,
    sink: &mut dyn ReplySink,
) -> mlua::Result<Outcome> {
    let (Ok(nkeys), Ok(nargs)) = (c_int::try_from(keys.len()), c_int::try_from(args.len())) else {
        return Err(mlua::Error::runtime("too many arguments"));
    };
    lua.exec_raw_lua(|raw| {
        let l = raw.state();
        // SAFETY: the stack is restored to `top` before returning. Seven values are pushed at
        // most at once (handler, function, globals, then set_global_array's four), after
        // lua_checkstack made room. Pushes cannot raise (no memory limit), and lua_pcall
        // catches whatever the script raises. The value is read at its absolute index.
        unsafe {
            let top = ffi::lua_gettop(l);
            if ffi::lua_checkstack(l, 10) == 0 {
                return Err(mlua::Error::StackError);
            }
            let pushed = raw.push(handler).and_then(|()| raw.push(func));
            let pushed = pushed.and_then(|()| {
                if eval_style {
                    raw.push(globals)
                } else {
                    Ok(())
                }
            });
            if let Err(e) = pushed {
                ffi::lua_settop(l, top);
                return Err(e);
            }
            let n = if eval_style {
                let g = ffi::lua_gettop(l);
                set_global_array(l, g, b"KEYS", keys, nkeys);
                set_global_array(l, g, b"ARGV", args, nargs);
                ffi::lua_settop(l, g - 1);
                0
            } else {
                push_array(l, keys, nkeys);
                push_array(l, args, nargs);
                2
            };
            let status = ffi::lua_pcall(l, n, 1, top + 1);
            let at = ffi::lua_gettop(l);
            let out = if status == 0 {
                match value_to_reply(l, at, names, state.resp3.get(), sink, 0) {
                    Some(line) => Outcome::Failed(line),
                    None => Outcome::Done,
                }
            } else {
                Outcome::Failed(error_line(l, at, name))
            };
            ffi::lua_settop(l, top);
            Ok(out)
        }
    })
}

/// Tables up to this many entries are reused for the next EVAL's KEYS / ARGV; a larger one is
/// left to the collector (its array part would keep the memory).
const REUSE_MAX: c_int = 1024;
/// Up to how many keys (or arguments) the previous table is reused: emptying it costs a
/// traversal, which beats a new table and its garbage only for small ones.
const REUSE_MAX_NEW: c_int = 8;

/// Sets the global `name` (in the globals table at `g`) to an array of `items`, as Redis does
/// before each EVAL. The previous run's table is reused when there is one: it is emptied first
/// (every key, and any metatable the script gave it), so the script sees a fresh table. Only
/// EVAL does this: an EVAL script cannot keep a reference past its run (the globals are
/// read-only), while FCALL's tables are arguments a library could keep.
///
/// # Safety
/// Four free slots; `g` is the absolute index of the globals table; `n` is `items.len()`.
unsafe fn set_global_array(
    l: *mut ffi::lua_State,
    g: c_int,
    name: &[u8],
    items: &[Bytes],
    n: c_int,
) {
    // SAFETY: per the caller. lua_next's traversal only clears existing fields, which Lua
    // allows; raw sets with the traversal's own keys (never nil or NaN) cannot raise.
    unsafe {
        push_bytes(l, name);
        // lua_rawget replaces the name with the value: the table (if any) sits at `t`.
        let t = ffi::lua_gettop(l);
        let mut reused = false;
        if ffi::lua_rawget(l, g) == ffi::LUA_TTABLE && n <= REUSE_MAX_NEW {
            let mut old: c_int = 0;
            ffi::lua_pushnil(l);
            while ffi::lua_next(l, t) != 0 {
                // Keys 1..=n are overwritten below; everything else is cleared.
                let kept = ffi::lua_type(l, -2) == ffi::LUA_TNUMBER && {
                    let d = ffi::lua_tonumber(l, -2);
                    d >= 1.0 && d <= f64::from(n) && d.fract() == 0.0
                };
                ffi::lua_settop(l, -2);
                if !kept {
                    ffi::lua_pushvalue(l, -1);
                    ffi::lua_pushnil(l);
                    ffi::lua_rawset(l, t);
                }
                old = old.saturating_add(1);
            }
            if old <= REUSE_MAX {
                ffi::lua_pushnil(l);
                ffi::lua_setmetatable(l, t);
                for (i, b) in (1..).zip(items) {
                    push_bytes(l, b);
                    ffi::lua_rawseti_(l, t, i);
                }
                reused = true;
            }
        }
        ffi::lua_settop(l, t - 1);
        if !reused {
            push_bytes(l, name);
            push_array(l, items, n);
            ffi::lua_rawset(l, g);
        }
    }
}

/// Pushes a Lua array of byte strings.
///
/// # Safety
/// Two free slots; `n` is `items.len()`.
unsafe fn push_array(l: *mut ffi::lua_State, items: &[Bytes], n: c_int) {
    // SAFETY: per the caller; rawseti pops each element into the new table.
    unsafe {
        ffi::lua_createtable(l, n, 0);
        for (i, b) in (1..).zip(items) {
            push_bytes(l, b);
            ffi::lua_rawseti_(l, -2, i);
        }
    }
}

/// Looks up `t[key]` raw and pushes it; returns its type.
///
/// # Safety
/// Two free slots; `t` is an absolute index of a table.
unsafe fn field(l: *mut ffi::lua_State, t: c_int, key: &[u8]) -> c_int {
    // SAFETY: per the caller.
    unsafe {
        push_bytes(l, key);
        ffi::lua_rawget_(l, t);
        ffi::lua_type(l, -1)
    }
}

/// [`field`] for name `key` of `names`.
///
/// # Safety
/// As [`field`].
unsafe fn named(l: *mut ffi::lua_State, t: c_int, names: Names, key: usize) -> c_int {
    // SAFETY: per the caller.
    unsafe {
        names.push(l, key);
        ffi::lua_rawget_(l, t);
        ffi::lua_type(l, -1)
    }
}

/// The string (or number, as Lua prints it) on top of the stack, or `None`.
///
/// # Safety
/// One free slot; a value on top.
unsafe fn text_on_top(l: *mut ffi::lua_State) -> Option<Vec<u8>> {
    // SAFETY: a number is converted on a copy, so the original is left as it was.
    unsafe {
        match ffi::lua_type(l, -1) {
            ffi::LUA_TSTRING => Some(string_at(l, -1).to_vec()),
            ffi::LUA_TNUMBER => {
                ffi::lua_pushvalue(l, -1);
                let mut len = 0usize;
                let p = ffi::lua_tolstring(l, -1, &mut len);
                let s = if p.is_null() {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec()
                };
                ffi::lua_settop(l, -2);
                Some(s)
            }
            _ => None,
        }
    }
}

/// The final error line for a failed script from its error value at `at`: the error table's
/// message, then where it happened when known.
///
/// # Safety
/// `at` is an absolute index; two free slots.
unsafe fn error_line(l: *mut ffi::lua_State, at: c_int, name: &str) -> String {
    // SAFETY: per the caller; every pushed field is popped again.
    unsafe {
        if ffi::lua_type(l, at) != ffi::LUA_TTABLE {
            return format!("ERR Error running script {name}, execution failure");
        }
        let text = |key: &[u8]| {
            field(l, at, key);
            let s = text_on_top(l);
            ffi::lua_settop(l, -2);
            s.map(|s| String::from_utf8_lossy(&s).into_owned())
        };
        let msg = text(b"err").unwrap_or_default();
        let source = text(b"source");
        let line = if field(l, at, b"line") == ffi::LUA_TNUMBER {
            let d = ffi::lua_tonumber(l, -1);
            (d.fract() == 0.0).then_some(d as i64)
        } else {
            None
        };
        ffi::lua_settop(l, -2);
        match (source, line) {
            (Some(s), Some(n)) => format!("{msg} script: {name}, on {s}:{n}."),
            _ => msg,
        }
    }
}

/// Writes the Lua value at absolute index `at` as a reply (Redis's luaReplyToRedisReply). A
/// top-level error table is returned as the error line instead of being written; nested ones
/// are written.
///
/// # Safety
/// `at` is an absolute stack index.
unsafe fn value_to_reply(
    l: *mut ffi::lua_State,
    at: c_int,
    names: Names,
    resp3: bool,
    sink: &mut dyn ReplySink,
    depth: usize,
) -> Option<String> {
    // SAFETY: types are checked before values are read; strings are read while on the stack.
    unsafe {
        match ffi::lua_type(l, at) {
            ffi::LUA_TSTRING => sink.bulk(string_at(l, at)),
            ffi::LUA_TBOOLEAN => {
                let b = ffi::lua_toboolean(l, at) != 0;
                if resp3 {
                    sink.boolean(b);
                } else if b {
                    sink.int(1);
                } else {
                    sink.null();
                }
            }
            ffi::LUA_TNUMBER => sink.int(number_to_int(ffi::lua_tonumber(l, at))),
            ffi::LUA_TTABLE => return table_to_reply(l, at, names, resp3, sink, depth),
            _ => sink.null(),
        }
    }
    None
}

/// A string field's bytes with CR and LF turned into spaces (status and big number texts).
fn one_line(s: &[u8]) -> Vec<u8> {
    s.iter()
        .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c })
        .collect()
}

/// Writes the entries of the `{map=...}` / `{set=...}` table at absolute index `m` as a RESP3
/// map (keys and values) or set (keys), in `lua_next` order; leaves the stack as it was.
///
/// # Safety
/// `m` is an absolute stack index holding a table; the stack has room for two more values.
unsafe fn entries_to_reply(
    l: *mut ffi::lua_State,
    m: c_int,
    kind: AggregateKind,
    names: Names,
    resp3: bool,
    sink: &mut dyn ReplySink,
    depth: usize,
) {
    // SAFETY: lua_next walks the table at `m` with its key on top; each value is written
    // while still on the stack and popped before the next step.
    unsafe {
        let d = sink.deferred_len(kind);
        let mut n = 0;
        ffi::lua_pushnil(l);
        while ffi::lua_next(l, m) != 0 {
            let at = ffi::lua_gettop(l);
            value_to_reply(l, at - 1, names, resp3, sink, depth + 1);
            if kind == AggregateKind::Map {
                value_to_reply(l, at, names, resp3, sink, depth + 1);
            }
            ffi::lua_settop(l, at - 1);
            n += 1;
        }
        sink.set_deferred(d, n);
    }
}

/// [`value_to_reply`] for a table: the special single-field tables, then an array up to the
/// first nil.
///
/// # Safety
/// `t` is the absolute index of a table.
unsafe fn table_to_reply(
    l: *mut ffi::lua_State,
    t: c_int,
    names: Names,
    resp3: bool,
    sink: &mut dyn ReplySink,
    depth: usize,
) -> Option<String> {
    // Redis runs out of Lua stack on deep (or self-referencing) tables and says so.
    // SAFETY: lua_checkstack reports failure without raising.
    if depth > MAX_REPLY_DEPTH || unsafe { ffi::lua_checkstack(l, 4) } == 0 {
        sink.error(b"ERR reached lua stack limit");
        return None;
    }
    // SAFETY: four free slots; each lookup's value is popped (settop to `t`'s frame top)
    // before the next; nested values are converted at their absolute index.
    unsafe {
        let top = ffi::lua_gettop(l);
        if named(l, t, names, N_ERR) == ffi::LUA_TSTRING {
            let line = String::from_utf8_lossy(string_at(l, -1)).into_owned();
            ffi::lua_settop(l, top);
            if depth == 0 {
                return Some(line);
            }
            sink.error(line.as_bytes());
            return None;
        }
        ffi::lua_settop(l, top);
        if named(l, t, names, N_OK) == ffi::LUA_TSTRING {
            sink.simple(&one_line(string_at(l, -1)));
            ffi::lua_settop(l, top);
            return None;
        }
        ffi::lua_settop(l, top);
        if named(l, t, names, N_DOUBLE) == ffi::LUA_TNUMBER {
            sink.double(ffi::lua_tonumber(l, -1));
            ffi::lua_settop(l, top);
            return None;
        }
        ffi::lua_settop(l, top);
        if named(l, t, names, N_BIG) == ffi::LUA_TSTRING {
            sink.big_number(&one_line(string_at(l, -1)));
            ffi::lua_settop(l, top);
            return None;
        }
        ffi::lua_settop(l, top);
        if named(l, t, names, N_VERBATIM) == ffi::LUA_TTABLE {
            let vt = top + 1;
            if named(l, vt, names, N_FORMAT) == ffi::LUA_TSTRING
                && named(l, vt, names, N_STRING) == ffi::LUA_TSTRING
            {
                let f = String::from_utf8_lossy(string_at(l, -2)).into_owned();
                sink.verbatim(&f, string_at(l, -1));
                ffi::lua_settop(l, top);
                return None;
            }
        }
        ffi::lua_settop(l, top);
        if named(l, t, names, N_MAP) == ffi::LUA_TTABLE {
            entries_to_reply(l, top + 1, AggregateKind::Map, names, resp3, sink, depth);
            ffi::lua_settop(l, top);
            return None;
        }
        ffi::lua_settop(l, top);
        if named(l, t, names, N_SET) == ffi::LUA_TTABLE {
            entries_to_reply(l, top + 1, AggregateKind::Set, names, resp3, sink, depth);
            ffi::lua_settop(l, top);
            return None;
        }
        ffi::lua_settop(l, top);
        let mut len: c_int = 0;
        while len < c_int::MAX {
            ffi::lua_rawgeti_(l, t, len + 1);
            let nil = ffi::lua_type(l, -1) == ffi::LUA_TNIL;
            ffi::lua_settop(l, top);
            if nil {
                break;
            }
            len += 1;
        }
        sink.array_len(len as usize);
        for i in 1..=len {
            ffi::lua_rawgeti_(l, t, i);
            value_to_reply(l, top + 1, names, resp3, sink, depth + 1);
            ffi::lua_settop(l, top);
        }
    }
    None
}

/// Wraps cmsgpack.unpack (`slow`, the mlua version) in a C function that decodes straight onto
/// the Lua stack. Input it does not decode cleanly (bad or truncated data, a nil or NaN key,
/// nesting past the stack, an argument of the wrong type) goes to `slow`, which raises the
/// error Redis raises.
pub(super) fn msgpack_unpack(lua: &Lua, slow: &Function) -> mlua::Result<Function> {
    // SAFETY: as in `call_function`: exec_raw's protected closure has `slow` on the stack and
    // room for the closure it becomes.
    unsafe {
        lua.exec_raw::<Function>(slow, |l| {
            ffi::lua_pushcclosure(l, unpack_entry, 1);
        })
    }
}

unsafe extern "C-unwind" fn unpack_entry(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: `l` is the running state; `unpack` keeps to the invariants above.
    let n = unsafe { ffi::lua_gettop(l) };
    if let Ok(Some(values)) = catch_unwind(AssertUnwindSafe(|| unpack(l))) {
        return values;
    }
    // SAFETY: what the fast path pushed is dropped, leaving the original arguments; the slow
    // version goes below them (one slot of LUA_MINSTACK) and is called with them. An error it
    // raises passes through this frame, which holds nothing with a destructor.
    unsafe {
        ffi::lua_settop(l, n);
        ffi::lua_pushvalue(l, ffi::lua_upvalueindex(1));
        ffi::lua_insert(l, 1);
        ffi::lua_call(l, n, ffi::LUA_MULTRET);
        ffi::lua_gettop(l)
    }
}

/// The fast cmsgpack.unpack: every value in the string argument, pushed in order; `None` when
/// the slow version must run.
fn unpack(l: *mut ffi::lua_State) -> Option<c_int> {
    // SAFETY: argument 1 is read only once its type is checked; it stays on the stack (and so
    // alive) while the bytes are decoded.
    let b = unsafe {
        if ffi::lua_gettop(l) < 1 {
            return None;
        }
        match ffi::lua_type(l, 1) {
            ffi::LUA_TSTRING => string_at(l, 1),
            // luaL_checklstring takes a number as its string form (converted in place).
            ffi::LUA_TNUMBER => {
                let mut len = 0usize;
                let p = ffi::lua_tolstring(l, 1, &mut len);
                if p.is_null() {
                    return None;
                }
                std::slice::from_raw_parts(p.cast::<u8>(), len)
            }
            _ => return None,
        }
    };
    let mut pos = 0;
    let mut count: c_int = 0;
    while pos < b.len() {
        mp_value(l, b, &mut pos, 0)?;
        count = count.checked_add(1)?;
    }
    Some(count)
}

/// How deep the fast decoder nests before leaving the input to the slow one.
const MP_MAX_DEPTH: usize = 200;

/// Decodes one MessagePack value at `pos` and pushes it (as Redis's lua-cmsgpack: numbers are
/// Lua numbers, str types are strings; bin and ext types are bad data, left to the slow path).
fn mp_value(l: *mut ffi::lua_State, b: &[u8], pos: &mut usize, depth: usize) -> Option<()> {
    let take = |pos: &mut usize, n: usize| -> Option<&[u8]> {
        let end = pos.checked_add(n)?;
        let s = b.get(*pos..end)?;
        *pos = end;
        Some(s)
    };
    let int = |pos: &mut usize, n: usize| -> Option<u64> {
        Some(
            take(pos, n)?
                .iter()
                .fold(0u64, |a, &x| (a << 8) | u64::from(x)),
        )
    };
    // SAFETY: every push is preceded by lua_checkstack (three slots: a table, a key and a
    // value); raw sets use keys checked to be neither nil nor NaN.
    unsafe {
        if depth > MP_MAX_DEPTH || ffi::lua_checkstack(l, 3) == 0 {
            return None;
        }
        let c = *take(pos, 1)?.first()?;
        let num = |d: f64| ffi::lua_pushnumber(l, d);
        match c {
            0x00..=0x7f => num(f64::from(c)),
            0xe0..=0xff => num(f64::from(c as i8)),
            0xc0 => ffi::lua_pushnil(l),
            0xc2 => ffi::lua_pushboolean(l, 0),
            0xc3 => ffi::lua_pushboolean(l, 1),
            0xcc => num(int(pos, 1)? as f64),
            0xcd => num(int(pos, 2)? as f64),
            0xce => num(int(pos, 4)? as f64),
            0xcf => num(int(pos, 8)? as f64),
            0xd0 => num(f64::from(int(pos, 1)? as u8 as i8)),
            0xd1 => num(f64::from(int(pos, 2)? as u16 as i16)),
            0xd2 => num(f64::from(int(pos, 4)? as u32 as i32)),
            0xd3 => num(int(pos, 8)? as i64 as f64),
            0xca => num(f64::from(f32::from_bits(int(pos, 4)? as u32))),
            0xcb => num(f64::from_bits(int(pos, 8)?)),
            0xa0..=0xbf => push_bytes(l, take(pos, usize::from(c & 0x1f))?),
            0xd9..=0xdb => {
                let w = match c {
                    0xd9 => 1,
                    0xda => 2,
                    _ => 4,
                };
                let n = usize::try_from(int(pos, w)?).ok()?;
                push_bytes(l, take(pos, n)?);
            }
            0x90..=0x9f | 0xdc | 0xdd => {
                let n = match c {
                    0xdc => usize::try_from(int(pos, 2)?).ok()?,
                    0xdd => usize::try_from(int(pos, 4)?).ok()?,
                    _ => usize::from(c & 0x0f),
                };
                let hint = c_int::try_from(n.min(1024)).ok()?;
                ffi::lua_createtable(l, hint, 0);
                for i in 1..=n {
                    mp_value(l, b, pos, depth + 1)?;
                    ffi::lua_rawseti_(l, -2, c_int::try_from(i).ok()?);
                }
            }
            0x80..=0x8f | 0xde | 0xdf => {
                let n = match c {
                    0xde => usize::try_from(int(pos, 2)?).ok()?,
                    0xdf => usize::try_from(int(pos, 4)?).ok()?,
                    _ => usize::from(c & 0x0f),
                };
                ffi::lua_createtable(l, 0, 0);
                for _ in 0..n {
                    mp_value(l, b, pos, depth + 1)?;
                    mp_value(l, b, pos, depth + 1)?;
                    // A nil or NaN key: the slow version raises lua_settable's error.
                    match ffi::lua_type(l, -2) {
                        ffi::LUA_TNIL => return None,
                        ffi::LUA_TNUMBER if ffi::lua_tonumber(l, -2).is_nan() => return None,
                        _ => ffi::lua_rawset(l, -3),
                    }
                }
            }
            _ => return None,
        }
    }
    Some(())
}
