//! Delivery of client-side caching invalidations (the `tracking` module's outbox) into clients'
//! output buffers, as Redis's sendTrackingMessage does.
//!
//! A tracking client with REDIRECT has its messages sent to the redirect client; if that
//! client is gone, the tracking client is flagged `broken_redirect` and, in RESP3, told so
//! with a `tracking-redir-broken` push instead. A RESP3 receiver gets the push
//! `>2 invalidate <keys>`; a RESP2 receiver only through redirection, and only while it holds
//! a subscription, as the Pub/Sub message `message __redis__:invalidate <keys>`; anything else
//! gets nothing (RESP2 has no push type).
//!
//! The client running the command is out of the client table: its messages are spliced in
//! ahead of its reply, or appended after it for the invalidations of its own command (which
//! Redis holds back until the command's whole reply, EXEC's included, is written).

use super::Server;
use super::client::Client;
use crate::commands::ctx::flags;
use crate::protocol::reply::Protocol;
use crate::tracking::{Invalidation, Payload};

/// Which client a message is for: the one running the command, or one in the table.
#[derive(Clone, Copy)]
enum Who {
    Current,
    Slot(usize),
}

impl Server {
    /// Delivers the invalidations waiting in the tracking outbox. `current` is the client that
    /// ran the command, out of the table, with where its reply starts in its output buffer.
    #[inline]
    pub(super) fn deliver_invalidations(&mut self, current: Option<(&mut Client, usize)>) {
        if self.core.tracking.has_outbox() {
            self.deliver_outbox(current);
        }
    }

    /// [`Self::deliver_invalidations`] once the outbox holds something.
    fn deliver_outbox(&mut self, mut current: Option<(&mut Client, usize)>) {
        let mut before = Vec::new();
        for inv in self.core.tracking.take_outbox() {
            self.deliver_one(&inv, current.as_mut().map(|(c, _)| &mut **c), &mut before);
        }
        if let Some((c, mark)) = current
            && !before.is_empty()
        {
            let at = mark.min(c.out.len());
            c.out.splice(at..at, before);
        }
    }

    fn deliver_one(
        &mut self,
        inv: &Invalidation,
        mut current: Option<&mut Client>,
        before: &mut Vec<u8>,
    ) {
        let Some(target) = self.find(inv.target, inv.slot, current.as_deref()) else {
            return;
        };
        let Some(tproto) = self.with(target, current.as_deref_mut(), |c| c.session.proto) else {
            return;
        };
        let mut msg = Vec::with_capacity(64);
        let receiver = if inv.redirect == 0 {
            if tproto == Protocol::Resp2 {
                return;
            }
            msg.extend_from_slice(INVALIDATE_PUSH);
            target
        } else {
            let Some(r) = self.find(inv.redirect, inv.redirect_slot, current.as_deref()) else {
                let _ = self.with(target, current.as_deref_mut(), |c| {
                    c.session.flags |= flags::TRACKING_BROKEN_REDIR;
                });
                if tproto == Protocol::Resp3 {
                    let broken = format!(
                        ">2\r\n$21\r\ntracking-redir-broken\r\n:{}\r\n",
                        inv.redirect
                    );
                    self.write(target, current, before, inv.after_reply, broken.as_bytes());
                }
                return;
            };
            let header = self.with(r, current.as_deref_mut(), |c| {
                match (c.session.proto, c.session.pubsub.any()) {
                    (Protocol::Resp3, _) => Some(INVALIDATE_PUSH),
                    (Protocol::Resp2, true) => Some(INVALIDATE_MESSAGE),
                    (Protocol::Resp2, false) => None,
                }
            });
            let Some(Some(header)) = header else {
                return;
            };
            msg.extend_from_slice(header);
            r
        };
        match &inv.payload {
            Payload::Keys(k) => msg.extend_from_slice(k),
            Payload::Null => msg.extend_from_slice(match tproto {
                Protocol::Resp2 => b"$-1\r\n",
                Protocol::Resp3 => b"_\r\n",
            }),
        }
        self.write(receiver, current, before, inv.after_reply, &msg);
    }

    /// Finds client `id` (expected at `slot`).
    fn find(&self, id: u64, slot: usize, current: Option<&Client>) -> Option<Who> {
        if current.is_some_and(|c| c.session.id == id) {
            return Some(Who::Current);
        }
        match self.clients.get(slot) {
            Some(Some(c)) if c.session.id == id && !c.closing => Some(Who::Slot(slot)),
            _ => None,
        }
    }

    fn with<T>(
        &mut self,
        who: Who,
        current: Option<&mut Client>,
        f: impl FnOnce(&mut Client) -> T,
    ) -> Option<T> {
        match who {
            Who::Current => current.map(f),
            Who::Slot(s) => self.clients.get_mut(s)?.as_deref_mut().map(f),
        }
    }

    /// Appends `msg` to a client's output: the running client's goes ahead of its reply
    /// (`before`), or after it when `after_reply`.
    fn write(
        &mut self,
        who: Who,
        current: Option<&mut Client>,
        before: &mut Vec<u8>,
        after_reply: bool,
        msg: &[u8],
    ) {
        match who {
            Who::Current => {
                if after_reply {
                    if let Some(c) = current {
                        c.out.extend_from_slice(msg);
                    }
                } else {
                    before.extend_from_slice(msg);
                }
            }
            Who::Slot(slot) => {
                let Some(Some(c)) = self.clients.get_mut(slot) else {
                    return;
                };
                let was_idle = c.pending_out() == 0;
                c.out.extend_from_slice(msg);
                if was_idle {
                    self.pending_write.push(slot);
                }
            }
        }
    }
}

/// The RESP3 push header of an invalidation.
const INVALIDATE_PUSH: &[u8] = b">2\r\n$10\r\ninvalidate\r\n";
/// The RESP2 Pub/Sub message header of an invalidation sent to a redirect client.
const INVALIDATE_MESSAGE: &[u8] = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
