//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the config backend in `crate::config`.
//!
//! SET is all or nothing: the backend validates and sets every pair or none; then the server's
//! apply hooks run for the directives that changed, and if one fails the previous config is put
//! back and the client gets Redis's "CONFIG SET failed (possibly related to argument 'x') -
//! reason". RESETSTAT clears what Redis's resetServerStats, resetCommandTableStats and
//! resetErrorTableStats clear (not the slow log, not the latency monitor's events).

use bytes::Bytes;

use crate::commands::ctx::flags;
use crate::commands::{CmdError, Ctx, Handler};
use crate::config::{ConfigSetError, SetContext};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("config|get", config_get),
    ("config|set", config_set),
    ("config|resetstat", config_resetstat),
    ("config|rewrite", config_rewrite),
    ("config|help", config_help),
];

/// CONFIG GET pattern [pattern ...]: a map of every matching directive to its value.
fn config_get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let patterns: Vec<&[u8]> = argv.iter().skip(2).map(|a| a.as_ref()).collect();
    let pairs = ctx.core.config.get(&patterns);
    ctx.reply.map_len(pairs.len());
    for (name, value) in pairs {
        ctx.reply.bulk(name.as_bytes());
        ctx.reply.bulk(&value);
    }
    Ok(())
}

/// CONFIG SET name value [name value ...]: sets all or none, then runs the apply hooks.
fn config_set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let args: Vec<&[u8]> = argv.iter().skip(2).map(|a| a.as_ref()).collect();
    let set_ctx = SetContext {
        local_client: is_local(ctx),
        loading: ctx.core.persist.loading.is_some(),
    };
    let backup = ctx.core.config.clone();
    let changed = ctx
        .core
        .config
        .set_args(&args, set_ctx)
        .map_err(|e| CmdError::Other(e.to_string()))?;
    if changed.is_empty() {
        ctx.reply.ok();
        return Ok(());
    }
    if let Err((name, reason)) = ctx.server.apply_config(ctx.core, &changed) {
        ctx.core.config.restore(backup);
        // Put the server side back in line with the restored values; a second failure has
        // nothing better to fall back to, so it is only reported through the first error.
        let _ = ctx.server.apply_config(ctx.core, &changed);
        return Err(CmdError::Other(
            ConfigSetError::apply_failed(&name, &reason).to_string(),
        ));
    }
    ctx.core.sync_config();
    let core = &mut *ctx.core;
    crate::evict::apply_maxmemory(&mut core.dbs, &core.config, &mut core.evict, ctx.now_ms);
    ctx.reply.ok();
    Ok(())
}

/// CONFIG RESETSTAT: zeroes INFO stats, commandstats, errorstats and latency histograms.
fn config_resetstat(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    reset_stats(ctx.core);
    ctx.server.reset_stats();
    ctx.reply.ok();
    Ok(())
}

/// Clears the statistics CONFIG RESETSTAT resets (the server's own network counters are reset
/// by the server; see the report in the lead's notes).
pub(crate) fn reset_stats(core: &mut crate::commands::Core) {
    core.stats = crate::commands::Stats::default();
    core.dbs.stats = Default::default();
    core.evict.reset_stats();
    for e in core.registry.iter_mut() {
        e.stats = Default::default();
    }
    crate::util::alloc::reset_peak();
}

/// CONFIG REWRITE: rewrites the config file the server was started with.
fn config_rewrite(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    match ctx.core.config.rewrite() {
        Ok(()) => {
            tracing::info!("CONFIG REWRITE executed with success.");
            ctx.reply.ok();
            Ok(())
        }
        Err(e) => {
            tracing::warn!("CONFIG REWRITE failed: {e}");
            Err(CmdError::Other(e.to_string()))
        }
    }
}

/// CONFIG HELP.
fn config_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::misc::help_reply(ctx, "CONFIG", HELP);
    Ok(())
}

/// Whether the client is on loopback or a Unix socket (`enable-protected-configs local`).
fn is_local(ctx: &Ctx<'_>) -> bool {
    let a = ctx.session.addr.as_str();
    ctx.session.has(flags::UNIX_SOCKET)
        || a.starts_with("127.")
        || a.starts_with("[::1]")
        || a.starts_with("::1")
}

const HELP: &[&str] = &[
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
];

#[cfg(test)]
mod tests {
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    #[test]
    fn set_then_get_round_trips() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CONFIG", "SET", "maxmemory", "1mb", "hz", "20"]),
            Reply::simple("OK")
        );
        assert_eq!(
            h.run(&["CONFIG", "GET", "maxmemory", "hz"]),
            Reply::Map(vec![
                (bulk("maxmemory"), bulk("1048576")),
                (bulk("hz"), bulk("20"))
            ])
        );
        assert_eq!(h.core.config.maxmemory, 1048576);
    }

    #[test]
    fn get_with_a_glob_and_no_match() {
        let mut h = Harness::new();
        let Reply::Map(pairs) = h.run(&["CONFIG", "GET", "maxmemory*"]) else {
            panic!()
        };
        assert_eq!(pairs.len(), 5);
        assert_eq!(h.run(&["CONFIG", "GET", "nosuch"]), Reply::Map(vec![]));
        assert_eq!(
            h.run(&["CONFIG", "GET", "maxmemory", "maxmemory"]),
            Reply::Map(vec![(bulk("maxmemory"), bulk("0"))])
        );
    }

    #[test]
    fn set_errors_match_redis() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CONFIG", "SET", "maxmemory", "abc"]),
            err(
                "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument \
                 must be a memory value"
            )
        );
        assert_eq!(
            h.run(&["CONFIG", "SET", "foo", "bar"]),
            err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        );
        assert_eq!(
            h.run(&["CONFIG", "SET", "port", "1", "port", "2"]),
            err(
                "ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter"
            )
        );
        assert_eq!(
            h.run(&["CONFIG", "SET", "a", "b", "c"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["CONFIG", "SET", "maxmemory"]),
            err("ERR wrong number of arguments for 'config|set' command")
        );
        assert_eq!(
            h.run(&["CONFIG", "GET"]),
            err("ERR wrong number of arguments for 'config|get' command")
        );
    }

    #[test]
    fn rewrite_without_a_config_file_fails() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CONFIG", "REWRITE"]),
            err("ERR The server is running without a config file")
        );
    }

    #[test]
    fn resetstat_clears_command_and_error_stats() {
        let mut h = Harness::new();
        h.run(&["CONFIG", "GET", "hz"]);
        h.run(&["CONFIG", "SET", "foo", "bar"]);
        assert!(h.core.stats.error_replies > 0);
        assert_eq!(h.run(&["CONFIG", "RESETSTAT"]), Reply::simple("OK"));
        assert_eq!(h.core.stats.error_replies, 0);
        assert!(h.core.stats.errors_by_prefix.is_empty());
        let get = h.core.registry.get_full("config|get").unwrap();
        assert_eq!(get.stats.calls, 0);
    }

    #[test]
    fn help_lists_the_subcommands() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["CONFIG", "HELP"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[1], Reply::simple("GET <pattern>"));
        assert_eq!(
            h.run(&["CONFIG", "FOO"]),
            err("ERR unknown subcommand 'FOO'. Try CONFIG HELP.")
        );
    }
}
