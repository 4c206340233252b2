//! SLOWLOG GET / LEN / RESET / HELP and the slow log itself: the last `slowlog-max-len`
//! commands that ran at least `slowlog-log-slower-than` microseconds, newest first, with their
//! arguments trimmed as Redis trims them (32 arguments, 128 bytes each).

use crate::commands::args::arg;
use crate::commands::{CmdError, Ctx, Handler};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("slowlog|get", slowlog_get),
    ("slowlog|len", slowlog_len),
    ("slowlog|reset", slowlog_reset),
    ("slowlog|help", slowlog_help),
];

/// SLOWLOG GET [count]: the newest `count` entries (default 10, -1 for all), each
/// `[id, unix time, microseconds, [argv...], client addr, client name]`.
fn slowlog_get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    if argv.len() > 3 {
        return Err(CmdError::Other(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
            String::from_utf8_lossy(arg(argv, 1))
        )));
    }
    let mut count = 10usize;
    if let Some(c) = argv.get(2) {
        let n = crate::util::num::parse_i64(c)
            .filter(|&n| n >= -1)
            .ok_or(CmdError::Static(
                "ERR count should be greater than or equal to -1",
            ))?;
        count = usize::try_from(n).unwrap_or(usize::MAX);
    }
    let entries = &ctx.core.slowlog.entries;
    let n = count.min(entries.len());
    ctx.reply.array_len(n);
    for e in entries.iter().take(n) {
        ctx.reply.array_len(6);
        ctx.reply.int(i64::try_from(e.id).unwrap_or(i64::MAX));
        ctx.reply.int(e.time);
        ctx.reply.int(i64::try_from(e.duration).unwrap_or(i64::MAX));
        ctx.reply.array_len(e.argv.len());
        for a in &e.argv {
            ctx.reply.bulk(a);
        }
        ctx.reply.bulk(e.addr.as_bytes());
        ctx.reply.bulk(&e.name);
    }
    Ok(())
}

/// SLOWLOG LEN: entries currently kept.
fn slowlog_len(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply
        .int(i64::try_from(ctx.core.slowlog.entries.len()).unwrap_or(i64::MAX));
    Ok(())
}

/// SLOWLOG RESET: forgets every entry (ids keep counting up).
fn slowlog_reset(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.core.slowlog.entries.clear();
    ctx.reply.ok();
    Ok(())
}

/// SLOWLOG HELP.
fn slowlog_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::misc::help_reply(ctx, "SLOWLOG", HELP);
    Ok(())
}

const HELP: &[&str] = &[
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
];

use std::collections::VecDeque;

use bytes::Bytes;

use crate::commands::Session;
use crate::config::Config;

/// Most arguments kept per entry (SLOWLOG_ENTRY_MAX_ARGC).
const MAX_ARGC: usize = 32;
/// Longest argument kept per entry (SLOWLOG_ENTRY_MAX_STRING).
const MAX_STRING: usize = 128;

/// One slow command.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    /// Unique, increasing id.
    pub id: u64,
    /// Unix seconds when it ran.
    pub time: i64,
    /// Microseconds it took.
    pub duration: u64,
    /// Its arguments, trimmed as Redis trims them.
    pub argv: Vec<Bytes>,
    /// Client address.
    pub addr: String,
    /// Client name.
    pub name: Bytes,
}

/// The slow log.
#[derive(Debug, Default)]
pub struct SlowLog {
    /// Newest first.
    pub entries: VecDeque<SlowEntry>,
    /// Next entry id.
    pub next_id: u64,
}

impl SlowLog {
    /// Records a command if it ran at least the configured threshold.
    pub fn record(&mut self, config: &Config, argv: &[Bytes], usec: u64, now_ms: i64, s: &Session) {
        let threshold = config.slowlog_log_slower_than;
        if threshold < 0 || (usec as i64) < threshold {
            return;
        }
        let mut kept: Vec<Bytes> = Vec::with_capacity(argv.len().min(MAX_ARGC));
        for (i, a) in argv.iter().enumerate() {
            if i == MAX_ARGC - 1 && argv.len() > MAX_ARGC {
                let more = argv.len() - MAX_ARGC + 1;
                kept.push(Bytes::from(format!("... ({more} more arguments)")));
                break;
            }
            if a.len() > MAX_STRING {
                let mut v = a.slice(..MAX_STRING).to_vec();
                v.extend_from_slice(
                    format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes(),
                );
                kept.push(Bytes::from(v));
            } else {
                kept.push(a.clone());
            }
        }
        self.entries.push_front(SlowEntry {
            id: self.next_id,
            time: now_ms / 1000,
            duration: usec,
            argv: kept,
            addr: s.addr.clone(),
            name: s.name.clone().unwrap_or_default(),
        });
        self.next_id += 1;
        let max = usize::try_from(config.slowlog_max_len).unwrap_or(usize::MAX);
        while self.entries.len() > max {
            self.entries.pop_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn logging_everything() -> Harness {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        h
    }

    #[test]
    fn get_returns_newest_first_with_redis_entry_shape() {
        let mut h = logging_everything();
        h.run(&["SLOWLOG", "LEN"]);
        let Reply::Array(v) = h.run(&["SLOWLOG", "GET", "1"]) else {
            panic!()
        };
        assert_eq!(v.len(), 1);
        let Reply::Array(e) = &v[0] else { panic!() };
        assert_eq!(e.len(), 6);
        assert_eq!(e[0], Reply::Int(1));
        assert_eq!(e[1], Reply::Int(1000));
        assert_eq!(e[3], Reply::Array(vec![bulk("SLOWLOG"), bulk("LEN")]));
        assert_eq!(e[4], bulk("127.0.0.1:5000"));
        assert_eq!(e[5], bulk(""));
        let Reply::Array(all) = h.run(&["SLOWLOG", "GET", "-1"]) else {
            panic!()
        };
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn get_count_errors() {
        let mut h = Harness::new();
        for c in ["-2", "x"] {
            assert_eq!(
                h.run(&["SLOWLOG", "GET", c]),
                err("ERR count should be greater than or equal to -1")
            );
        }
        assert_eq!(
            h.run(&["SLOWLOG", "GET", "1", "2"]),
            err("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
        );
        assert_eq!(
            h.run(&["SLOWLOG", "foo"]),
            err("ERR unknown subcommand 'foo'. Try SLOWLOG HELP.")
        );
    }

    #[test]
    fn reset_then_len_counts_only_the_reset_itself() {
        let mut h = logging_everything();
        h.run(&["PING"]);
        assert_eq!(h.run(&["SLOWLOG", "RESET"]), Reply::simple("OK"));
        assert_eq!(h.run(&["SLOWLOG", "LEN"]), Reply::Int(1));
    }

    #[test]
    fn long_arguments_are_trimmed() {
        let mut h = logging_everything();
        let long = "a".repeat(200);
        h.run(&["ECHO", &long]);
        let Reply::Array(v) = h.run(&["SLOWLOG", "GET", "1"]) else {
            panic!()
        };
        let Reply::Array(e) = &v[0] else { panic!() };
        let want = format!("{}... (72 more bytes)", "a".repeat(128));
        assert_eq!(e[3], Reply::Array(vec![bulk("ECHO"), bulk(&want)]));
    }

    #[test]
    fn help_lists_the_subcommands() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["SLOWLOG", "HELP"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 12);
    }
}
