//! Pub/Sub delivery: writes published messages into subscribers' output buffers, and turns the
//! keyspace events commands queued into `__keyspace@N__` / `__keyevent@N__` publications.
//!
//! A message is formatted at most once per protocol (a RESP2 `*3` array and a RESP3 `>3` push),
//! and those bytes are appended to every receiver's buffer, so a fan-out to 10,000 subscribers
//! costs one format and 10,000 appends. Receivers are reached by the token the registry keeps
//! (their slot in the client table) and checked by id. A receiver already closing gets nothing
//! (it still counts, as in Redis); a receiver whose buffer goes over the pubsub class of
//! client-output-buffer-limit is closed at once, its pending output dropped.
//!
//! The client running the command is out of the client table while it runs: its own copies go
//! through a reply sink instead (PUBLISH writes them ahead of its count; keyspace events are
//! spliced in ahead of the reply of the command that raised them, where Redis 7.0 writes them:
//! inside EXEC, between the replies of the transaction's commands).

use super::Server;
use super::client::Client;
use crate::config::ClientOutputBufferLimits;
use crate::protocol::reply::{Protocol, ReplySink};
use crate::protocol::write::RespWriter;
use crate::pubsub::PubSub;

/// The client table and write queue deliveries go to.
pub(crate) struct Outboxes<'a> {
    /// The client table (the current client's slot holds `None`).
    pub(crate) clients: &'a mut [Option<Box<Client>>],
    /// Slots with output to flush before sleeping.
    pub(crate) pending_write: &'a mut Vec<usize>,
    /// client-output-buffer-limit, whose pubsub class bounds subscribers.
    pub(crate) limits: &'a ClientOutputBufferLimits,
}

/// One message frame, formatted lazily once per protocol.
struct Frame<'a> {
    shard: bool,
    pattern: Option<&'a [u8]>,
    channel: &'a [u8],
    message: &'a [u8],
    resp2: Option<Vec<u8>>,
    resp3: Option<Vec<u8>>,
}

impl Frame<'_> {
    fn bytes(&mut self, proto: Protocol) -> &[u8] {
        let cached = match proto {
            Protocol::Resp2 => &mut self.resp2,
            Protocol::Resp3 => &mut self.resp3,
        };
        cached.get_or_insert_with(|| {
            let mut buf = Vec::with_capacity(
                32 + self.channel.len() + self.message.len() + self.pattern.map_or(0, <[u8]>::len),
            );
            let mut w = RespWriter::new(&mut buf, proto);
            crate::commands::pubsub::write_message(
                &mut w,
                self.shard,
                self.pattern,
                self.channel,
                self.message,
            );
            buf
        })
    }
}

/// Delivers `message` on `channel` (a shard channel if `shard`) to every receiver the registry
/// lists; receivers at slot `own.0` get theirs through the sink `own.1`. Returns the number of
/// deliveries (PUBLISH's reply).
pub(crate) fn deliver(
    reg: &PubSub,
    out: &mut Outboxes<'_>,
    shard: bool,
    channel: &[u8],
    message: &[u8],
    mut own: Option<(usize, &mut dyn ReplySink)>,
) -> usize {
    let mut receivers = 0usize;
    for group in reg.groups(shard, channel) {
        let mut frame = Frame {
            shard,
            pattern: group.pattern.map(|p| p.as_ref()),
            channel,
            message,
            resp2: None,
            resp3: None,
        };
        for (&id, &slot) in group.members.iter() {
            receivers = receivers.saturating_add(1);
            if let Some((own_slot, sink)) = own.as_mut()
                && *own_slot == slot
            {
                crate::commands::pubsub::write_message(
                    *sink,
                    shard,
                    frame.pattern,
                    channel,
                    message,
                );
                continue;
            }
            let Some(Some(c)) = out.clients.get_mut(slot) else {
                continue;
            };
            if c.session.id != id || c.closing {
                continue;
            }
            let was_idle = c.pending_out() == 0;
            c.out.extend_from_slice(frame.bytes(c.session.proto));
            if super::output_limit_reached(out.limits, c) {
                close_over_limit(c);
                out.pending_write.push(slot);
            } else if was_idle {
                // A client with output already pending is queued or waits for WRITABLE.
                out.pending_write.push(slot);
            }
        }
    }
    receivers
}

/// Marks a client over its output buffer limit for closing, dropping what it had pending.
fn close_over_limit(c: &mut Client) {
    tracing::info!(
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
        c.session.id,
        c.session.addr
    );
    c.closing = true;
    c.out.clear();
    c.out_pos = 0;
}

impl Server {
    /// Publishes the keyspace events the last command (or expiry) queued. `current` is the
    /// client that ran the command, out of the table: (its slot, the client, where its reply
    /// starts in its output buffer); its own event messages go in ahead of that reply.
    #[inline]
    pub(super) fn publish_events(&mut self, current: Option<(usize, &mut Client, usize)>) {
        // Most commands raise no event: skip the call, and the buffers' swaps, outright.
        let fx = &self.core.effects;
        if !fx.events.is_empty() || !fx.event_marks.is_empty() {
            self.publish_pending_events(current);
        }
    }

    /// [`Self::publish_events`] once there is something to deliver or forget.
    fn publish_pending_events(&mut self, current: Option<(usize, &mut Client, usize)>) {
        let marks = std::mem::take(&mut self.core.effects.event_marks);
        if self.core.effects.events.is_empty() {
            return;
        }
        let events = std::mem::take(&mut self.core.effects.events);
        if self.pubsub.is_empty() {
            return;
        }
        let flags = self.core.effects.notify_classes;
        let mut out = Outboxes {
            clients: &mut self.clients,
            pending_write: &mut self.pending_write,
            limits: &self.core.config.client_output_buffer_limit,
        };
        let (own_slot, proto, reply_at) = match &current {
            Some((slot, c, mark)) => (Some(*slot), c.session.proto, *mark),
            None => (None, Protocol::Resp2, 0),
        };
        // The running client's own messages, in runs that each go to one buffer position.
        let mut runs: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut next_mark = marks.iter().peekable();
        let mut at = reply_at;
        for (i, (_class, event, db, key)) in events.iter().enumerate() {
            while let Some(&&(first, pos)) = next_mark.peek()
                && first <= i
            {
                at = pos.max(reply_at);
                next_mark.next();
            }
            if runs.last().is_none_or(|(p, _)| *p != at) {
                runs.push((at, Vec::new()));
            }
            let Some((_, buf)) = runs.last_mut() else {
                continue;
            };
            let mut w = RespWriter::new(buf, proto);
            for (channel, message) in crate::pubsub::keyspace_messages(flags, event, *db, key) {
                let own = own_slot.map(|s| (s, &mut w as &mut dyn ReplySink));
                deliver(&self.pubsub, &mut out, false, &channel, &message, own);
            }
        }
        if let Some((_, c, _)) = current {
            // From the last position back, so earlier positions stay valid.
            for (pos, buf) in runs.into_iter().rev() {
                if !buf.is_empty() {
                    let at = pos.min(c.out.len());
                    c.out.splice(at..at, buf);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn frames_are_formatted_per_protocol() {
        let mut f = Frame {
            shard: false,
            pattern: None,
            channel: b"ch",
            message: b"hi",
            resp2: None,
            resp3: None,
        };
        assert_eq!(
            f.bytes(Protocol::Resp2),
            b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            f.bytes(Protocol::Resp3),
            b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        let mut p = Frame {
            shard: false,
            pattern: Some(b"c*"),
            channel: b"ch",
            message: b"",
            resp2: None,
            resp3: None,
        };
        assert_eq!(
            p.bytes(Protocol::Resp3),
            b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$0\r\n\r\n"
        );
        let mut s = Frame {
            shard: true,
            pattern: None,
            channel: b"s",
            message: b"m",
            resp2: None,
            resp3: None,
        };
        assert_eq!(
            s.bytes(Protocol::Resp2),
            b"*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n"
        );
    }

    #[test]
    fn own_copies_go_to_the_sink_and_count() {
        let mut reg = PubSub::new();
        reg.subscribe(
            7,
            3,
            crate::pubsub::Kind::Channel,
            &Bytes::from_static(b"c"),
        );
        reg.subscribe(
            7,
            3,
            crate::pubsub::Kind::Pattern,
            &Bytes::from_static(b"*"),
        );
        reg.subscribe(
            8,
            4,
            crate::pubsub::Kind::Channel,
            &Bytes::from_static(b"c"),
        );
        let mut clients: Vec<Option<Box<Client>>> = Vec::new();
        let mut pending = Vec::new();
        let limits = crate::config::Config::default().client_output_buffer_limit;
        let mut out = Outboxes {
            clients: &mut clients,
            pending_write: &mut pending,
            limits: &limits,
        };
        let mut buf = Vec::new();
        let mut w = RespWriter::new(&mut buf, Protocol::Resp3);
        let n = deliver(&reg, &mut out, false, b"c", b"m", Some((3, &mut w)));
        assert_eq!(
            n, 3,
            "two for client 7 (channel and pattern), one for 8 (absent)"
        );
        assert_eq!(
            buf,
            b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n\
              >4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\nc\r\n$1\r\nm\r\n"
        );
        assert!(pending.is_empty());
    }
}
