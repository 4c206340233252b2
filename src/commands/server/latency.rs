//! LATENCY (LATEST, HISTORY, RESET, DOCTOR, GRAPH, HISTOGRAM, HELP) and the data behind it: the
//! latency monitor (per-event spikes at or above `latency-monitor-threshold` ms, at most one
//! sample per second, the last 160 kept) and per-command latency histograms for LATENCY
//! HISTOGRAM and INFO latencystats.
//!
//! The histograms are power-of-two buckets in microseconds (bucket k holds calls that took
//! (2^(k-1), 2^k] us; bucket 0 holds calls of at most 1 us), a coarse stand-in for Redis's
//! HdrHistogram: LATENCY HISTOGRAM reports the same bucket boundaries Redis's log iterator
//! walks, and the INFO percentiles report a bucket's upper bound.

use bytes::Bytes;

use crate::commands::args::arg;
use crate::commands::{CmdError, Ctx, Handler};
use crate::protocol::reply::AggregateKind;

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("latency|latest", latency_latest),
    ("latency|history", latency_history),
    ("latency|reset", latency_reset),
    ("latency|doctor", latency_doctor),
    ("latency|graph", latency_graph),
    ("latency|histogram", latency_histogram),
    ("latency|help", latency_help),
];

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
    /// `latency-tracking`, copied from the config by `Core::sync_config`.
    pub tracking: bool,
}

/// One command's latency histogram: power-of-two microsecond buckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// Calls counted.
    pub calls: u64,
    /// Calls per bucket.
    pub buckets: [u64; BUCKETS],
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            calls: 0,
            buckets: [0; BUCKETS],
        }
    }
}

impl Histogram {
    /// Counts one call that took `usec` microseconds.
    pub fn record(&mut self, usec: u64) {
        let k = bucket_of(usec);
        if let Some(b) = self.buckets.get_mut(k) {
            *b += 1;
        }
        self.calls += 1;
    }

    /// The cumulative distribution as (bucket upper bound in us, calls at or below it), one
    /// point per non-empty bucket.
    pub fn cumulative(&self) -> Vec<(u64, u64)> {
        let mut total = 0;
        let mut out = Vec::new();
        for (k, &n) in self.buckets.iter().enumerate() {
            if n > 0 {
                total += n;
                out.push((1u64 << k, total));
            }
        }
        out
    }

    /// The latency (us) at or below which `p` percent of the calls fall (a bucket bound).
    pub fn percentile(&self, p: f64) -> f64 {
        if self.calls == 0 {
            return 0.0;
        }
        let want = ((p / 100.0) * self.calls as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (k, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= want {
                return (1u64 << k) as f64;
            }
        }
        0.0
    }
}

/// The bucket of a latency: the smallest k with usec <= 2^k.
fn bucket_of(usec: u64) -> usize {
    if usec <= 1 {
        return 0;
    }
    let k = 64 - (usec - 1).leading_zeros() as usize;
    k.min(BUCKETS - 1)
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

/// LATENCY LATEST: `[event, time of the latest spike, its latency, all-time max]` per event.
fn latency_latest(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let events = &ctx.core.latency.events;
    ctx.reply.array_len(events.len());
    for (name, h) in events {
        let last = h.samples.back().copied().unwrap_or(Sample {
            time: 0,
            latency: 0,
        });
        ctx.reply.array_len(4);
        ctx.reply.bulk(name.as_bytes());
        ctx.reply.int(last.time);
        ctx.reply
            .int(i64::try_from(last.latency).unwrap_or(i64::MAX));
        ctx.reply.int(i64::try_from(h.max).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// LATENCY HISTORY event: `[time, latency]` per sample, oldest first; empty for no samples.
fn latency_history(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let name = arg(argv, 2);
    let samples: Vec<Sample> = find_event(&ctx.core.latency, name)
        .map(|h| h.samples.iter().copied().collect())
        .unwrap_or_default();
    ctx.reply.array_len(samples.len());
    for s in samples {
        ctx.reply.array_len(2);
        ctx.reply.int(s.time);
        ctx.reply.int(i64::try_from(s.latency).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// LATENCY RESET [event ...]: forgets the named events (all with none); replies how many.
fn latency_reset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let events = &mut ctx.core.latency.events;
    let n = if argv.len() <= 2 {
        let n = events.len();
        events.clear();
        n
    } else {
        let mut n = 0;
        for name in argv.iter().skip(2) {
            let key = events
                .keys()
                .find(|k| k.as_bytes().eq_ignore_ascii_case(name))
                .copied();
            if let Some(k) = key {
                events.remove(k);
                n += 1;
            }
        }
        n
    };
    ctx.reply.int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(())
}

/// LATENCY DOCTOR: Redis's human-readable report, as a verbatim string.
fn latency_doctor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    let report = doctor_report(ctx.core, ctx.now_ms / 1000);
    ctx.reply.verbatim("txt", report.as_bytes());
    Ok(())
}

/// LATENCY GRAPH event: an ASCII sparkline of the event's samples.
fn latency_graph(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let name = arg(argv, 2);
    let Some((event, h)) = ctx
        .core
        .latency
        .events
        .iter()
        .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
        .map(|(k, h)| (*k, h.clone()))
    else {
        return Err(CmdError::Other(format!(
            "ERR No samples available for event '{}'",
            String::from_utf8_lossy(name)
        )));
    };
    let graph = graph_text(event, &h, ctx.now_ms / 1000);
    ctx.reply.verbatim("txt", graph.as_bytes());
    Ok(())
}

/// LATENCY HISTOGRAM [command ...]: a map of command -> {calls, histogram_usec: {bucket:
/// cumulative calls}} for the named commands (all tracked commands with none).
fn latency_histogram(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let hist: Vec<(&'static str, &Histogram)> = ctx.core.registry.histograms().collect();
    let mut chosen: Vec<(&'static str, &Histogram)> = Vec::new();
    if argv.len() <= 2 {
        chosen = hist.clone();
        chosen.sort_by_key(|(k, _)| *k);
    } else {
        for name in argv.iter().skip(2) {
            if let Some(&(k, v)) = hist
                .iter()
                .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
                && !chosen.iter().any(|(c, _)| *c == k)
            {
                chosen.push((k, v));
            }
        }
    }
    let d = ctx.reply.deferred_len(AggregateKind::Map);
    let mut n = 0;
    for (name, h) in chosen {
        if h.calls == 0 {
            continue;
        }
        n += 1;
        ctx.reply.bulk(name.as_bytes());
        ctx.reply.map_len(2);
        ctx.reply.bulk(b"calls");
        ctx.reply.int(i64::try_from(h.calls).unwrap_or(i64::MAX));
        ctx.reply.bulk(b"histogram_usec");
        let points = h.cumulative();
        ctx.reply.map_len(points.len());
        for (bound, count) in points {
            ctx.reply.int(i64::try_from(bound).unwrap_or(i64::MAX));
            ctx.reply.int(i64::try_from(count).unwrap_or(i64::MAX));
        }
    }
    ctx.reply.set_deferred(d, n);
    Ok(())
}

/// LATENCY HELP.
fn latency_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    super::misc::help_reply(ctx, "LATENCY", HELP);
    Ok(())
}

fn find_event<'a>(m: &'a LatencyMonitor, name: &[u8]) -> Option<&'a EventHistory> {
    m.events
        .iter()
        .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
        .map(|(_, h)| h)
}

/// The LATENCY DOCTOR text (createLatencyReport), for the events carmine records.
fn doctor_report(core: &crate::commands::Core, now: i64) -> String {
    use std::fmt::Write as _;
    let threshold = core.config.latency_monitor_threshold;
    let events = &core.latency.events;
    if events.is_empty() && threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis \
                instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" \
                in order to enable it. If we weren't in a deep space mission I'd suggest to take \
                a look at https://redis.io/topics/latency-monitor.\n"
            .to_string();
    }
    if events.is_empty() {
        return "Dave, no latency spike was observed during the lifetime of this Redis instance, \
                not in the slightest bit. I honestly think you ought to sit down calmly, take a \
                stress pill, and think things over.\n"
            .to_string();
    }
    let mut out = String::from(
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking \
         about it, do you Dave?\n\n",
    );
    let (mut slowlog_enabled, mut slowlog_tuning, mut inspect, mut scheduler) =
        (false, false, false, false);
    let mut advices = 0;
    for (i, (name, h)) in events.iter().enumerate() {
        let samples = h.samples.len().max(1) as u64;
        let sum: u64 = h.samples.iter().map(|s| s.latency).sum();
        let avg = sum / samples;
        let mad = h
            .samples
            .iter()
            .map(|s| s.latency.abs_diff(avg))
            .sum::<u64>()
            / samples;
        let oldest = h.samples.iter().map(|s| s.time).min().unwrap_or(now);
        let period = (now - oldest).max(1);
        let _ = write!(
            out,
            "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). \
             Worst all time event {}ms.",
            i + 1,
            name,
            h.samples.len(),
            avg,
            mad,
            period as f64 / samples as f64,
            h.max
        );
        if *name == "command" {
            let slower = core.config.slowlog_log_slower_than;
            if slower < 0 || core.config.slowlog_max_len == 0 {
                slowlog_enabled = true;
                advices += 1;
            } else if u64::try_from(slower / 1000).unwrap_or(0) > threshold {
                slowlog_tuning = true;
                advices += 1;
            }
            inspect = true;
            advices += 2;
        } else if *name == "fast-command" {
            scheduler = true;
            advices += 1;
        }
        out.push('\n');
    }
    if advices == 0 {
        out.push_str(
            "\nWhile there are latency events logged, I'm not able to suggest any easy fix. \
             Please use the Redis community to get some help, providing this report in your \
             help request.\n",
        );
        return out;
    }
    out.push_str("\nI have a few advices for you:\n\n");
    let t = threshold.saturating_mul(1000);
    if slowlog_enabled {
        let _ = writeln!(
            out,
            "- There are latency issues with potentially slow commands you are using. Try to \
             enable the Slow Log Redis feature using the command 'CONFIG SET \
             slowlog-log-slower-than {t}'. If the Slow log is disabled Redis is not able to log \
             slow commands execution for you."
        );
    }
    if slowlog_tuning {
        let _ = writeln!(
            out,
            "- Your current Slow Log configuration only logs events that are slower than your \
             configured latency monitor threshold. Please use 'CONFIG SET \
             slowlog-log-slower-than {t}'."
        );
    }
    if inspect {
        out.push_str(
            "- Check your Slow Log to understand what are the commands you are running which \
             are too slow to execute. Please check https://redis.io/commands/slowlog for more \
             information.\n",
        );
    }
    if scheduler {
        out.push_str(
            "- The system is slow to execute Redis code paths not containing system calls. \
             This usually means the system does not provide Redis CPU time to run for long \
             periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / \
             VM just for Redis if you are running other software in the same system.\n  3) \
             Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli \
             --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) \
             Check if the problem is allocator-related by recompiling Redis with \
             MALLOC=libc, if you are using Jemalloc. However this may create fragmentation \
             problems.\n",
        );
    }
    if inspect {
        out.push_str(
            "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a \
             blocking operation. If you have very large objects that are often deleted, \
             expired, or evicted, try to fragment those objects into multiple smaller \
             objects.\n",
        );
    }
    out
}

/// The LATENCY GRAPH text: a title, a rule, and Redis's 4-row filled sparkline with
/// "how long ago" labels printed vertically under each sample.
fn graph_text(event: &str, h: &EventHistory, now: i64) -> String {
    let mut min = 0u64;
    let mut max = 0u64;
    let mut seq: Vec<(u64, String)> = Vec::new();
    for s in &h.samples {
        if seq.is_empty() {
            (min, max) = (s.latency, s.latency);
        } else {
            max = max.max(s.latency);
            min = min.min(s.latency);
        }
        let elapsed = now - s.time;
        let label = if elapsed < 60 {
            format!("{elapsed}s")
        } else if elapsed < 3600 {
            format!("{}m", elapsed / 60)
        } else if elapsed < 86400 {
            format!("{}h", elapsed / 3600)
        } else {
            format!("{}d", elapsed / 86400)
        };
        seq.push((s.latency, label));
    }
    let mut out = format!(
        "{event} - high {max} ms, low {min} ms (all time high {} ms)\n{}\n",
        h.max,
        "-".repeat(GRAPH_COLS)
    );
    for (i, chunk) in seq.chunks(GRAPH_COLS).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        sparkline_range(&mut out, chunk, min, max);
    }
    out
}

/// sparklineRenderRange with SPARKLINE_FILL, 4 rows and a one-row label margin.
fn sparkline_range(out: &mut String, seq: &[(u64, String)], min: u64, max: u64) {
    const FILL: &[u8] = b"_o#";
    const ROWS: i64 = 4;
    let charset_len = FILL.len() as i64;
    let relmax = if max == min { 1.0 } else { (max - min) as f64 };
    let steps = charset_len * ROWS;
    let mut row: i64 = 0;
    loop {
        let mut any = false;
        let mut chars = vec![b' '; seq.len()];
        for (j, (value, label)) in seq.iter().enumerate() {
            let relval = value.saturating_sub(min) as f64;
            let step = (((relval * steps as f64) / relmax) as i64).clamp(0, steps - 1);
            let slot = chars.get_mut(j);
            if row < ROWS {
                any = true;
                let idx = step - (ROWS - row - 1) * charset_len;
                if let Some(c) = slot {
                    if (0..charset_len).contains(&idx) {
                        *c = FILL.get(idx as usize).copied().unwrap_or(b' ');
                    } else if idx >= charset_len {
                        *c = b'|';
                    }
                }
            } else {
                if row - ROWS < 1 {
                    any = true;
                    break;
                }
                let at = (row - ROWS - 1) as usize;
                if let (Some(&b), Some(c)) = (label.as_bytes().get(at), slot) {
                    any = true;
                    *c = b;
                }
            }
        }
        if !any {
            break;
        }
        row += 1;
        out.push_str(&String::from_utf8_lossy(&chars));
        out.push('\n');
    }
}

/// Width of LATENCY GRAPH (LATENCY_GRAPH_COLS).
const GRAPH_COLS: usize = 80;
/// Histogram buckets: up to 2^40 us.
const BUCKETS: usize = 41;

const HELP: &[&str] = &[
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the \
     specified command names.",
    "    If no commands are specified then all histograms are replied.",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{Harness, bulk, err};
    use crate::protocol::value::Reply;

    fn spiky() -> Harness {
        let mut h = Harness::new();
        h.run(&["CONFIG", "SET", "latency-monitor-threshold", "5"]);
        let cfg = h.core.config.clone();
        h.core.latency.record("command", 10, h.now_ms, &cfg);
        h
    }

    #[test]
    fn latest_and_history_show_recorded_spikes() {
        let mut h = spiky();
        let t = h.now_ms / 1000;
        assert_eq!(
            h.run(&["LATENCY", "LATEST"]),
            Reply::Array(vec![Reply::Array(vec![
                bulk("command"),
                Reply::Int(t),
                Reply::Int(10),
                Reply::Int(10)
            ])])
        );
        assert_eq!(
            h.run(&["LATENCY", "HISTORY", "command"]),
            Reply::Array(vec![Reply::Array(vec![Reply::Int(t), Reply::Int(10)])])
        );
        assert_eq!(h.run(&["LATENCY", "HISTORY", "foo"]), Reply::Array(vec![]));
    }

    #[test]
    fn reset_counts_the_events_it_forgets() {
        let mut h = spiky();
        assert_eq!(h.run(&["LATENCY", "RESET", "foo"]), Reply::Int(0));
        assert_eq!(h.run(&["LATENCY", "RESET"]), Reply::Int(1));
        assert_eq!(h.run(&["LATENCY", "LATEST"]), Reply::Array(vec![]));
    }

    #[test]
    fn graph_matches_redis_for_one_sample() {
        let mut h = spiky();
        h.advance(6000);
        let b = super::super::misc::text_of(&h.run(&["LATENCY", "GRAPH", "command"]));
        let want = format!(
            "command - high 10 ms, low 10 ms (all time high 10 ms)\n{}\n \n \n \n_\n \n6\ns\n",
            "-".repeat(80)
        );
        assert_eq!(b, want.as_bytes());
        assert_eq!(
            h.run(&["LATENCY", "GRAPH", "foo"]),
            err("ERR No samples available for event 'foo'")
        );
    }

    #[test]
    fn doctor_reports_spikes_and_quiet_instances() {
        let mut h = spiky();
        h.advance(7000);
        let b = super::super::misc::text_of(&h.run(&["LATENCY", "DOCTOR"]));
        let text = String::from_utf8(b.to_vec()).unwrap();
        assert!(text.contains(
            "1. command: 1 latency spikes (average 10ms, mean deviation 0ms, period 7.00 sec). \
             Worst all time event 10ms.\n\nI have a few advices for you:\n\n- Your current"
        ));
        h.run(&["LATENCY", "RESET"]);
        let b = super::super::misc::text_of(&h.run(&["LATENCY", "DOCTOR"]));
        assert!(b.starts_with(b"Dave, no latency spike"));
        h.resp3();
        assert!(matches!(h.run(&["LATENCY", "DOCTOR"]), Reply::Verbatim(f, _) if f == "txt"));
    }

    #[test]
    fn histogram_is_cumulative_over_power_of_two_buckets() {
        let mut hist = Histogram::default();
        for us in [4, 12, 10146, 1] {
            hist.record(us);
        }
        assert_eq!(hist.cumulative(), vec![(1, 1), (4, 2), (16, 3), (16384, 4)]);
        assert_eq!(hist.percentile(50.0), 4.0);
        assert_eq!(hist.percentile(99.9), 16384.0);
    }

    #[test]
    fn histogram_command_replies_a_map_per_tracked_command() {
        let mut h = Harness::new();
        let idx = h.core.registry.find(b"set").unwrap();
        h.core
            .registry
            .entry_mut(idx)
            .unwrap()
            .stats
            .histogram
            .record(12);
        assert_eq!(
            h.run(&["LATENCY", "HISTOGRAM", "SET", "nosuch"]),
            Reply::Map(vec![(
                bulk("set"),
                Reply::Map(vec![
                    (bulk("calls"), Reply::Int(1)),
                    (
                        bulk("histogram_usec"),
                        Reply::Map(vec![(Reply::Int(16), Reply::Int(1))])
                    )
                ])
            )])
        );
        assert_eq!(
            h.run(&["LATENCY", "HISTOGRAM", "nosuch"]),
            Reply::Map(vec![])
        );
    }

    #[test]
    fn help_lists_the_subcommands() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["LATENCY", "HELP"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 17);
        assert_eq!(
            lines[0],
            Reply::simple("LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        );
        assert_eq!(lines[16], Reply::simple("    Prints this help."));
    }
}
