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
    ctx.server.shutdown(ctx.core, opts).map_err(CmdError::Other)
}
