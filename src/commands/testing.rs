//! The harness for command tests: argv through `dispatch` on an in-memory server with a fake
//! clock and a fake `ServerOps`, answers collected as `Reply` values.

use bytes::Bytes;

use super::ctx::{ClientInfo, ShutdownOpts};
use super::{Core, ServerOps, Session, dispatch};
use crate::config::Config;
use crate::protocol::reply::Protocol;
use crate::protocol::value::{Reply, ValueSink};

/// A `ServerOps` that records what admin commands asked for.
#[derive(Default)]
pub struct FakeOps {
    /// Set by SHUTDOWN.
    pub shutdown: Option<ShutdownOpts>,
    /// Commands fed to MONITOR.
    pub monitored: Vec<Vec<Bytes>>,
    /// CLIENT PAUSE arguments.
    pub paused: Option<(i64, bool)>,
    /// The pub/sub registry; the harness client is delivered to through token 0.
    pub pubsub: crate::pubsub::PubSub,
}

impl ServerOps for FakeOps {
    fn client_list(&self, me: &Session, keep: &dyn Fn(&ClientInfo) -> bool) -> Vec<u8> {
        let info = ClientInfo {
            id: me.id,
            addr: me.addr.clone(),
            laddr: String::new(),
            kind: "normal",
            user: me.user.clone(),
            age_secs: 0,
            is_me: true,
        };
        if keep(&info) {
            format!("id={} addr={}\n", me.id, me.addr).into_bytes()
        } else {
            Vec::new()
        }
    }
    fn kill_clients(&mut self, _me: &mut Session, _kill: &dyn Fn(&ClientInfo) -> bool) -> usize {
        0
    }
    fn pause_clients(&mut self, until_ms: i64, writes_only: bool) {
        self.paused = Some((until_ms, writes_only));
    }
    fn unblock_client(&mut self, _core: &mut Core, _id: u64, _error: bool) -> bool {
        false
    }
    fn unpause_clients(&mut self) {
        self.paused = None;
    }
    fn shutdown(&mut self, _core: &mut Core, opts: ShutdownOpts) -> Result<(), String> {
        self.shutdown = Some(opts);
        Ok(())
    }
    fn abort_shutdown(&mut self) -> bool {
        false
    }
    fn feed_monitors(&mut self, _me: &Session, argv: &[Bytes]) {
        self.monitored.push(argv.to_vec());
    }
    fn start_monitor(&mut self, _me: &mut Session) {}
    fn reset_stats(&mut self) {}
    fn apply_config(
        &mut self,
        _core: &mut Core,
        _changed: &[&'static str],
    ) -> Result<(), (String, String)> {
        Ok(())
    }
    fn info_section(&self, _core: &Core, _section: &str, _out: &mut String) -> bool {
        false
    }
    fn pubsub(&mut self) -> Option<(&mut crate::pubsub::PubSub, usize)> {
        Some((&mut self.pubsub, 0))
    }
    fn publish(
        &mut self,
        _core: &Core,
        shard: bool,
        channel: &[u8],
        message: &[u8],
        own: &mut dyn crate::protocol::reply::ReplySink,
    ) -> usize {
        // Token 0 is the harness client; other subscribers (added to the registry by tests)
        // are counted only.
        let mut n = 0;
        for g in self.pubsub.groups(shard, channel) {
            for (_, &token) in g.members.iter() {
                n += 1;
                if token == 0 {
                    let pattern = g.pattern.map(|p| p.as_ref());
                    super::pubsub::write_message(own, shard, pattern, channel, message);
                }
            }
        }
        n
    }
}

/// An in-memory server with one client and a clock the test moves.
pub struct Harness {
    /// The shared state.
    pub core: Core,
    /// The one client.
    pub session: Session,
    /// The fake server side.
    pub ops: FakeOps,
    /// The current time in unix ms.
    pub now_ms: i64,
}

impl Harness {
    /// A server with the default config at time 1_000_000 ms, except that it has no save
    /// points (so FLUSHALL and the cron never write dump.rdb into the working directory).
    pub fn new() -> Harness {
        let mut config = Config::default();
        let _ = config.set(&[(b"save".as_slice(), b"".as_slice())]);
        Harness::with_config(config)
    }

    /// A server with `config`.
    pub fn with_config(config: Config) -> Harness {
        let mut core = Core::new(config);
        // BGREWRITEAOF, CONFIG SET appendonly and DEBUG LOADAOF (the robustness test runs them
        // all) work on a directory of this test process, never on the source tree.
        core.aof.dir_override =
            Some(std::env::temp_dir().join(format!("carmine-harness-aof-{}", std::process::id())));
        core.start_ms = 1_000_000;
        let mut session = Session::new(1, true);
        session.addr = "127.0.0.1:5000".to_string();
        Harness {
            core,
            session,
            ops: FakeOps::default(),
            now_ms: 1_000_000,
        }
    }

    /// Runs one command given as words and returns its reply.
    pub fn run(&mut self, words: &[&str]) -> Reply {
        let argv: Vec<Bytes> = words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        self.run_argv(&argv)
    }

    /// Runs one command given as byte strings and returns its reply.
    pub fn run_argv(&mut self, argv: &[Bytes]) -> Reply {
        let mut sink = ValueSink::new(self.session.proto);
        dispatch(
            &mut self.core,
            &mut self.session,
            &mut self.ops,
            &mut sink,
            argv,
            self.now_ms,
        );
        sink.take().unwrap_or(Reply::Null)
    }

    /// Switches the client's protocol.
    pub fn resp3(&mut self) {
        self.session.proto = Protocol::Resp3;
    }

    /// Drains the keyspace events the commands queued, as "event key" strings.
    pub fn take_events(&mut self) -> Vec<String> {
        std::mem::take(&mut self.core.effects.events)
            .into_iter()
            .map(|(_, ev, _, key)| format!("{ev} {}", String::from_utf8_lossy(&key)))
            .collect()
    }

    /// Drains the commands queued for propagation, each as its argument strings.
    pub fn take_propagated_argv(&mut self) -> Vec<Vec<String>> {
        std::mem::take(&mut self.core.effects.propagated)
            .into_iter()
            .map(|(_, argv)| {
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .collect()
    }

    /// Drains the commands queued for propagation, each as one space-joined string.
    pub fn take_propagated(&mut self) -> Vec<String> {
        self.take_propagated_argv()
            .into_iter()
            .map(|v| v.join(" "))
            .collect()
    }

    /// Runs a SCAN-family command and splits its reply into the next cursor and the items.
    #[allow(clippy::panic)] // Test support: a malformed reply is a failed test.
    pub fn run_scan(&mut self, words: &[&str]) -> (u64, Vec<Reply>) {
        let reply = self.run(words);
        let Reply::Array(mut parts) = reply else {
            panic!("not a scan reply: {reply:?}")
        };
        let (Some(Reply::Array(items)), Some(Reply::Bulk(c))) = (parts.pop(), parts.pop()) else {
            panic!("not a scan reply: {parts:?}")
        };
        let cursor = std::str::from_utf8(&c).ok().and_then(|c| c.parse().ok());
        let Some(cursor) = cursor else {
            panic!("bad cursor {c:?}")
        };
        (cursor, items)
    }

    /// Moves the clock forward.
    pub fn advance(&mut self, ms: i64) {
        self.now_ms += ms;
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

/// Shorthand for a bulk reply.
pub fn bulk(s: &str) -> Reply {
    Reply::bulk(s)
}

/// Shorthand for an error reply.
pub fn err(s: &str) -> Reply {
    Reply::error(s)
}
