//! INFO formatting only; the INFO handler asks each subsystem for its section.
//!
//! Representation: a [`Section`] is a title and an ordered list of `name:value` fields. The
//! handler first fills a section with every field Redis 7.0.15 prints, in Redis's order, using
//! Redis's idle values for features carmine lacks (so no field is ever missing), then lets the
//! subsystem that owns real numbers overwrite them with [`Section::merge`]: a field already
//! present keeps its place, a new one is appended. [`render`] joins sections the way
//! genRedisInfoString does: `# Title\r\n` then `name:value\r\n` lines, sections separated by an
//! empty line (`\r\n`).
//!
//! [`Selection`] parses INFO's arguments (section names, `default`, `all`, `everything`, any
//! case, several at once as 7.0 allows) into the set of sections to print, in output order.
//!
//! Imports: std only; the data comes from callers (a leaf under `commands`).

use std::fmt::{self, Write as _};

/// Every section name, in the order INFO prints them.
pub const ORDER: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// The sections `INFO` and `INFO default` print.
const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// The sections INFO was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    wanted: Vec<&'static str>,
}

impl Selection {
    /// Parses INFO's arguments: no argument means `default`; unknown names select nothing.
    pub fn parse(args: &[&[u8]]) -> Selection {
        let mut wanted: Vec<&'static str> = Vec::new();
        let mut add = |names: &[&'static str]| {
            for n in names {
                if !wanted.contains(n) {
                    wanted.push(n);
                }
            }
        };
        if args.is_empty() {
            add(DEFAULT);
        }
        for a in args {
            let lower = a.to_ascii_lowercase();
            match lower.as_slice() {
                b"default" => add(DEFAULT),
                b"all" | b"everything" => add(ORDER),
                other => {
                    if let Some(n) = ORDER.iter().find(|n| n.as_bytes() == other) {
                        add(&[n]);
                    }
                }
            }
        }
        Selection { wanted }
    }

    /// Whether `section` (lowercase) is selected.
    pub fn has(&self, section: &str) -> bool {
        self.wanted.contains(&section)
    }

    /// The selected sections in output order.
    pub fn in_order(&self) -> impl Iterator<Item = &'static str> + '_ {
        ORDER.iter().copied().filter(|s| self.has(s))
    }
}

/// One INFO section being built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    title: &'static str,
    fields: Vec<(String, String)>,
}

impl Section {
    /// An empty section under `# title`.
    pub fn new(title: &'static str) -> Section {
        Section {
            title,
            fields: Vec::new(),
        }
    }

    /// The title shown after `# `.
    pub fn title(&self) -> &'static str {
        self.title
    }

    /// Sets a field: replaces its value in place if present, appends it otherwise.
    pub fn set(&mut self, name: &str, value: impl fmt::Display) -> &mut Section {
        let value = value.to_string();
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = value,
            None => self.fields.push((name.to_string(), value)),
        }
        self
    }

    /// The value of a field, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Applies `name:value` lines (CRLF or LF separated) on top of the current fields.
    pub fn merge(&mut self, lines: &str) {
        for line in lines.split('\n') {
            let line = line.trim_end_matches('\r');
            if let Some((name, value)) = line.split_once(':') {
                self.set(name, value);
            }
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the section has no fields (it still prints its title).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Joins sections as Redis does: each `# Title\r\n` + fields, separated by `\r\n`.
pub fn render(sections: &[Section]) -> String {
    let mut out = String::new();
    for (i, s) in sections.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        let _ = write!(out, "# {}\r\n", s.title);
        for (n, v) in &s.fields {
            let _ = write!(out, "{n}:{v}\r\n");
        }
    }
    out
}

/// The title Redis prints for a section name.
pub fn title_of(section: &str) -> &'static str {
    match section {
        "server" => "Server",
        "clients" => "Clients",
        "memory" => "Memory",
        "persistence" => "Persistence",
        "stats" => "Stats",
        "replication" => "Replication",
        "cpu" => "CPU",
        "modules" => "Modules",
        "commandstats" => "Commandstats",
        "errorstats" => "Errorstats",
        "latencystats" => "Latencystats",
        "cluster" => "Cluster",
        _ => "Keyspace",
    }
}

/// A byte count as Redis's bytesToHuman writes it (`967.30K`, `6.32M`, `200B`).
pub fn human_bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let d = n as f64;
    if n < 1024 {
        format!("{n}B")
    } else if d < K * K {
        format!("{:.2}K", d / K)
    } else if d < K * K * K {
        format!("{:.2}M", d / (K * K))
    } else if d < K * K * K * K {
        format!("{:.2}G", d / (K * K * K))
    } else if d < K * K * K * K * K {
        format!("{:.2}T", d / (K * K * K * K))
    } else if d < K * K * K * K * K * K {
        format!("{:.2}P", d / (K * K * K * K * K))
    } else {
        format!("{n}B")
    }
}

/// One keyspace line's value: `keys=N,expires=N,avg_ttl=N`.
pub fn keyspace_value(keys: usize, expires: usize, avg_ttl: i64) -> String {
    format!("keys={keys},expires={expires},avg_ttl={avg_ttl}")
}

/// One commandstats value: `calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..`.
pub fn cmdstat_value(calls: u64, usec: u64, rejected: u64, failed: u64) -> String {
    let per_call = if calls == 0 {
        0.0
    } else {
        usec as f64 / calls as f64
    };
    format!(
        "calls={calls},usec={usec},usec_per_call={per_call:.2},rejected_calls={rejected},\
         failed_calls={failed}"
    )
}

/// One latencystats value: `p50=1.003,p99=...` for (percentile, usec) pairs.
pub fn percentiles_value(points: &[(f64, f64)]) -> String {
    let mut out = String::new();
    for (i, (p, v)) in points.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "p{}={v:.3}", fmt_percentile(*p));
    }
    out
}

/// A percentile as Redis's `%f` then trimmed of trailing zeros (`50`, `99.9`).
fn fmt_percentile(p: f64) -> String {
    let s = format!("{p:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// CPU seconds used, from /proc (no syscalls needing unsafe code).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct CpuTimes {
    /// used_cpu_sys.
    pub sys: f64,
    /// used_cpu_user.
    pub user: f64,
    /// used_cpu_sys_children.
    pub sys_children: f64,
    /// used_cpu_user_children.
    pub user_children: f64,
    /// used_cpu_sys_main_thread.
    pub sys_main: f64,
    /// used_cpu_user_main_thread.
    pub user_main: f64,
}

impl CpuTimes {
    /// Reads this process's CPU times from /proc/self/stat and its main thread's from
    /// /proc/self/task/<pid>/stat; zeros where they cannot be read.
    pub fn read() -> CpuTimes {
        let pid = std::process::id();
        let me = stat_times("/proc/self/stat").unwrap_or_default();
        let main = stat_times(&format!("/proc/self/task/{pid}/stat")).unwrap_or_default();
        CpuTimes {
            user: me.0,
            sys: me.1,
            user_children: me.2,
            sys_children: me.3,
            user_main: main.0,
            sys_main: main.1,
        }
    }

    /// Fills the CPU section.
    pub fn fill(&self, s: &mut Section) {
        s.set("used_cpu_sys", format!("{:.6}", self.sys));
        s.set("used_cpu_user", format!("{:.6}", self.user));
        s.set("used_cpu_sys_children", format!("{:.6}", self.sys_children));
        s.set(
            "used_cpu_user_children",
            format!("{:.6}", self.user_children),
        );
        s.set("used_cpu_sys_main_thread", format!("{:.6}", self.sys_main));
        s.set(
            "used_cpu_user_main_thread",
            format!("{:.6}", self.user_main),
        );
    }
}

/// (utime, stime, cutime, cstime) in seconds from a /proc stat file.
fn stat_times(path: &str) -> Option<(f64, f64, f64, f64)> {
    let s = std::fs::read_to_string(path).ok()?;
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    let rest = s.get(s.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 0, utime is 11, stime 12, cutime 13, cstime 14.
    let t = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v / CLOCK_TICKS)
    };
    Some((t(11)?, t(12)?, t(13)?, t(14)?))
}

/// USER_HZ, the unit of /proc CPU times (100 on Linux).
const CLOCK_TICKS: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_argument_selects_the_default_sections() {
        let s = Selection::parse(&[]);
        assert!(s.has("server") && s.has("keyspace") && s.has("errorstats"));
        assert!(!s.has("commandstats") && !s.has("latencystats"));
    }

    #[test]
    fn all_and_everything_select_every_section_in_order() {
        for word in [&b"all"[..], b"EVERYTHING"] {
            let s = Selection::parse(&[word]);
            assert_eq!(s.in_order().collect::<Vec<_>>(), ORDER.to_vec());
        }
    }

    #[test]
    fn several_sections_print_in_redis_order_and_unknown_ones_are_ignored() {
        let s = Selection::parse(&[b"keyspace", b"foo", b"SERVER"]);
        assert_eq!(s.in_order().collect::<Vec<_>>(), vec!["server", "keyspace"]);
        assert_eq!(Selection::parse(&[b"foo"]).in_order().count(), 0);
    }

    #[test]
    fn merge_replaces_in_place_and_appends_new_fields() {
        let mut s = Section::new("Server");
        s.set("a", 1).set("b", 2);
        s.merge("b:20\r\nc:3\r\n");
        assert_eq!(render(&[s]), "# Server\r\na:1\r\nb:20\r\nc:3\r\n");
    }

    #[test]
    fn sections_are_separated_by_an_empty_line() {
        let mut a = Section::new("Keyspace");
        a.set("db0", keyspace_value(1, 1, 0));
        let b = Section::new("Modules");
        assert_eq!(
            render(&[b, a]),
            "# Modules\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=0\r\n"
        );
    }

    #[test]
    fn human_bytes_matches_bytes_to_human() {
        assert_eq!(human_bytes(200), "200B");
        assert_eq!(human_bytes(990520), "967.30K");
        assert_eq!(human_bytes(6627328), "6.32M");
        assert_eq!(human_bytes(25276502016), "23.54G");
    }

    #[test]
    fn stat_values_use_redis_formats() {
        assert_eq!(
            cmdstat_value(4, 196, 0, 1),
            "calls=4,usec=196,usec_per_call=49.00,rejected_calls=0,failed_calls=1"
        );
        assert_eq!(
            percentiles_value(&[(50.0, 4.015), (99.0, 4.015), (99.9, 4.015)]),
            "p50=4.015,p99=4.015,p99.9=4.015"
        );
    }

    #[test]
    fn cpu_times_are_read_from_proc() {
        let mut s = Section::new("CPU");
        CpuTimes::read().fill(&mut s);
        assert_eq!(s.len(), 6);
        assert!(s.get("used_cpu_user").is_some_and(|v| v.contains('.')));
    }
}
