//! The latency monitor: per-event latency spikes above `latency-monitor-threshold` ms.

/// Handlers in this file.
pub const HANDLERS: &[(&str, crate::commands::Handler)] = &[];

use std::collections::{BTreeMap, VecDeque};

use crate::config::Config;

/// Samples kept per event (LATENCY_TS_LEN).
const HISTORY_LEN: usize = 160;

/// One spike.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Unix seconds.
    pub time: i64,
    /// Milliseconds.
    pub latency: u64,
}

/// One event's history.
#[derive(Debug, Default, Clone)]
pub struct EventHistory {
    /// Oldest first; at most one sample per second.
    pub samples: VecDeque<Sample>,
    /// Highest latency seen.
    pub max: u64,
}

/// All events.
#[derive(Debug, Default)]
pub struct LatencyMonitor {
    /// By event name.
    pub events: BTreeMap<&'static str, EventHistory>,
}

impl LatencyMonitor {
    /// Records `ms` for `event` if the monitor is on and it reaches the threshold.
    pub fn record(&mut self, event: &'static str, ms: u64, now_ms: i64, config: &Config) {
        let threshold = config.latency_monitor_threshold;
        if threshold == 0 || ms < threshold {
            return;
        }
        let h = self.events.entry(event).or_default();
        let time = now_ms / 1000;
        h.max = h.max.max(ms);
        match h.samples.back_mut() {
            Some(last) if last.time == time => last.latency = last.latency.max(ms),
            _ => {
                h.samples.push_back(Sample { time, latency: ms });
                if h.samples.len() > HISTORY_LEN {
                    h.samples.pop_front();
                }
            }
        }
    }
}
