//! The slow log: the last `slowlog-max-len` commands that ran longer than
//! `slowlog-log-slower-than` microseconds.

/// Handlers in this file.
pub const HANDLERS: &[(&str, crate::commands::Handler)] = &[];

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
