//! Admin commands that reach the process: MONITOR and SHUTDOWN.
//!
//! Both go through [`ServerOps`](crate::commands::ServerOps): MONITOR registers the caller as a
//! monitor (the server then feeds it every command other clients run), SHUTDOWN hands its
//! parsed options to the server, which saves as asked and stops the loop. A successful SHUTDOWN
//! answers nothing: the connection just closes.

use bytes::Bytes;

use crate::commands::args::is;
use crate::commands::ctx::{ShutdownOpts, flags};
use crate::commands::{CmdError, Ctx, Handler};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[("monitor", monitor), ("shutdown", shutdown)];

/// MONITOR: `+OK`, then a feed line per command run; a second MONITOR is ignored silently.
fn monitor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    if ctx.session.has(flags::MONITOR) {
        return Ok(());
    }
    ctx.server.start_monitor(ctx.session);
    ctx.session.flags |= flags::MONITOR;
    ctx.reply.ok();
    Ok(())
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: stops the server (no reply), or with ABORT
/// cancels a shutdown in progress.
fn shutdown(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut opts = ShutdownOpts::default();
    let mut abort = false;
    for a in argv.iter().skip(1) {
        if is(a, "NOSAVE") {
            opts.nosave = true;
        } else if is(a, "SAVE") {
            opts.save = true;
        } else if is(a, "NOW") {
            opts.now = true;
        } else if is(a, "FORCE") {
            opts.force = true;
        } else if is(a, "ABORT") {
            abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if (abort && opts != ShutdownOpts::default()) || (opts.nosave && opts.save) {
        return Err(CmdError::Syntax);
    }
    if abort {
        if !ctx.server.abort_shutdown() {
            return Err(CmdError::Static("ERR No shutdown in progress."));
        }
        ctx.reply.ok();
        return Ok(());
    }
    if ctx.core.persist.loading.is_some() {
        // Saving a half-loaded dataset would overwrite the good file: never save while loading.
        opts.save = false;
        opts.nosave = true;
    }
    ctx.server.shutdown(ctx.core, opts).map_err(CmdError::Other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, err};
    use crate::protocol::value::Reply;

    #[test]
    fn monitor_once() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["MONITOR"]), Reply::simple("OK"));
        assert!(h.session.has(flags::MONITOR));
        // A second MONITOR answers nothing.
        assert_eq!(h.run(&["MONITOR"]), Reply::Null);
        assert_eq!(
            h.run(&["MONITOR", "x"]),
            err("ERR wrong number of arguments for 'monitor' command")
        );
    }

    #[test]
    fn monitor_sees_non_admin_commands_only() {
        let mut h = Harness::new();
        h.run(&["PING"]);
        h.run(&["CLIENT", "ID"]);
        h.run(&["CLIENT", "LIST"]);
        h.run(&["MONITOR"]);
        h.run(&["NOSUCH"]);
        h.run(&["ECHO"]);
        h.run(&["SELECT", "x"]);
        let seen: Vec<Vec<Bytes>> = h.ops.monitored.clone();
        let words: Vec<String> = seen
            .iter()
            .map(|a| {
                a.iter()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        // Rejected commands are not fed; a handler's error is.
        assert_eq!(words, vec!["PING", "CLIENT ID", "SELECT x"]);
    }

    #[test]
    fn shutdown_options() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SHUTDOWN", "foo"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["SHUTDOWN", "ABORT", "NOW"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SHUTDOWN", "SAVE", "NOSAVE"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SHUTDOWN", "now", "now", "abort"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SHUTDOWN", "ABORT"]),
            err("ERR No shutdown in progress.")
        );
        assert_eq!(h.ops.shutdown, None);
        assert_eq!(
            h.run(&["shutdown", "nosave", "NOW", "force"]),
            Reply::Null,
            "no reply"
        );
        assert_eq!(
            h.ops.shutdown,
            Some(ShutdownOpts {
                nosave: true,
                save: false,
                now: true,
                force: true
            })
        );
        h.run(&["SHUTDOWN"]);
        assert_eq!(h.ops.shutdown, Some(ShutdownOpts::default()));
        h.run(&["SHUTDOWN", "SAVE"]);
        assert_eq!(
            h.ops.shutdown,
            Some(ShutdownOpts {
                save: true,
                ..ShutdownOpts::default()
            })
        );
    }
}
