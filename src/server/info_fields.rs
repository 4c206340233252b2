//! The INFO fields only the server knows: the listening port, connected clients and their
//! buffers (and the memory they hold), and the network counters.
//!
//! They are written as `name:value\r\n` lines; the INFO handler merges them by name over its
//! complete, Redis-ordered field list, so this file only lists what it knows and never worries
//! about order or about fields it does not own.

use std::fmt::Write as _;

use super::listen::Listener;
use super::ops::Ops;
use crate::commands::Core;

/// Appends the server-owned fields of `section` to `out`; false if the server owns none.
pub fn section(ops: &Ops<'_>, core: &Core, section: &str, out: &mut String) -> bool {
    match section {
        "server" => {
            let port = ops
                .listeners
                .iter()
                .find_map(Listener::tcp_port)
                .unwrap_or(0);
            let _ = write!(out, "tcp_port:{port}\r\n");
            true
        }
        "clients" => {
            // Sampled by the cron (O(1) here, as Redis): 10,000 clients don't make INFO walk them.
            let n = ops.live_clients;
            let (max_in, max_out) = ops.peaks.recent_max();
            // The caller is sampled too: its figures are those CLIENT INFO would show.
            // (Its MULTI queue and subscriptions count toward neither figure.)
            let mine = ops
                .current
                .mem
                .measure(&crate::commands::Session::new(0, true));
            let max_in = max_in.max(mine.input);
            let max_out = max_out.max(mine.omem);
            let blocked = core.dbs.blocked.blocked_clients();
            let tracking = core.tracking.client_count();
            let _ = write!(
                out,
                "connected_clients:{n}\r\nclient_recent_max_input_buffer:{max_in}\r\n\
                 client_recent_max_output_buffer:{max_out}\r\nblocked_clients:{blocked}\r\n\
                 tracking_clients:{tracking}\r\n"
            );
            true
        }
        "memory" => {
            // Kept up to date client by client (`ClientMemory`): O(1), and the same total
            // client eviction compares with maxmemory-clients.
            let normal = ops.clients_mem_total;
            let _ = write!(out, "mem_clients_normal:{normal}\r\n");
            true
        }
        "stats" => {
            let net = &*ops.net;
            let _ = write!(
                out,
                "total_connections_received:{}\r\ntotal_net_input_bytes:{}\r\n\
                 total_net_output_bytes:{}\r\nrejected_connections:{}\r\n\
                 pubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\n",
                net.connections_received,
                net.input_bytes,
                net.output_bytes,
                net.rejected_connections,
                ops.pubsub.channel_count(),
                ops.pubsub.numpat(),
                ops.pubsub.shard_channel_count(),
            );
            true
        }
        _ => false,
    }
}
