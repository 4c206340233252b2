//! The INFO fields only the server knows (process, listeners, clients, network counters).

use std::fmt::Write as _;

use super::listen::Listener;
use super::ops::Ops;
use super::unix_ms;
use crate::commands::Core;

/// Appends the server-owned fields of `section` to `out`; false if the server owns none.
pub fn section(ops: &Ops<'_>, core: &Core, section: &str, out: &mut String) -> bool {
    let now = unix_ms();
    match section {
        "server" => {
            let uptime = (now - core.start_ms) / 1000;
            let port = ops
                .listeners
                .iter()
                .find_map(Listener::tcp_port)
                .unwrap_or(0);
            let _ = write!(
                out,
                "process_id:{}\r\nrun_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\n",
                std::process::id(),
                core.run_id,
                port,
                uptime,
                uptime / 86400,
            );
            true
        }
        "clients" => {
            let n = ops.clients.iter().flatten().count() + 1;
            let _ = write!(out, "connected_clients:{n}\r\n");
            true
        }
        _ => false,
    }
}
