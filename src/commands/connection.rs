//! Connection commands: PING, ECHO, QUIT, AUTH, HELLO, SELECT, RESET.

use bytes::Bytes;

use super::{CmdError, Ctx, Handler};

/// Handlers of this group.
pub const HANDLERS: &[(&str, Handler)] = &[("ping", ping)];

/// PING [message]: `+PONG`, or the message as a bulk.
fn ping(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    match argv.get(1) {
        Some(m) => ctx.reply.bulk(m),
        None => ctx.reply.simple(b"PONG"),
    }
    Ok(())
}
