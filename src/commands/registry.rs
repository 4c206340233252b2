//! The registry: command name -> spec (from the generated table) + handler + call statistics.
//!
//! Built once at start-up from `spec::COMMANDS` and the `HANDLERS` list of every group module.
//! A command the table knows but no module handles is absent for clients (it answers "unknown
//! command" and COMMAND does not list it) and is listed as missing in COMPATIBILITY.md. Names are
//! looked up case-insensitively without allocating.

use std::collections::HashMap;

use super::Handler;
use super::spec::{self, CommandSpec};
use crate::util::hash::FastBuildHasher;

/// Call counters for one command (INFO commandstats).
#[derive(Debug, Default, Clone)]
pub struct CommandStats {
    /// Times the handler ran.
    pub calls: u64,
    /// Nanoseconds spent in the handler. INFO commandstats shows microseconds: summing whole
    /// nanoseconds keeps sub-microsecond commands from counting as 0 each (Redis's readings
    /// of a microsecond clock add up to the true total on average; truncated durations
    /// would not).
    pub nsec: u64,
    /// Calls refused before the handler ran (arity, auth, ...).
    pub rejected_calls: u64,
    /// Calls whose handler answered with an error.
    pub failed_calls: u64,
    /// Latency histogram of the calls (LATENCY HISTOGRAM, INFO latencystats), kept here so
    /// recording it costs no lookup on the per-command path.
    pub histogram: super::server::latency::Histogram,
}

/// One registered command (or subcommand).
pub struct CommandEntry {
    /// Its row of the generated table.
    pub spec: &'static CommandSpec,
    /// Its handler; `None` for a container command whose subcommands carry the handlers.
    pub handler: Option<Handler>,
    /// Subcommands by lowercase short name, as indexes into the registry.
    pub subs: HashMap<Box<[u8]>, usize, FastBuildHasher>,
    /// Call counters.
    pub stats: CommandStats,
}

/// Every command the server answers: a flat table of commands and subcommands (so a resolved
/// command is one index, and stats need no second lookup) and a name index over top-level ones.
pub struct Registry {
    entries: Vec<CommandEntry>,
    by_name: HashMap<Box<[u8]>, usize, FastBuildHasher>,
}

impl Registry {
    /// Builds the registry from the spec table and the handler lists.
    pub fn new(handlers: &[&[(&'static str, Handler)]]) -> Registry {
        let mut bound: HashMap<&str, Handler> = HashMap::new();
        for list in handlers {
            for &(name, h) in *list {
                bound.insert(name, h);
            }
        }
        let mut entries = Vec::new();
        let mut by_name = HashMap::default();
        for s in spec::COMMANDS {
            let mut subs = HashMap::default();
            for sub in s.subcommands {
                if let Some(&h) = bound.get(sub.name) {
                    let short = sub.name.rsplit('|').next().unwrap_or(sub.name);
                    subs.insert(Box::from(short.as_bytes()), entries.len());
                    entries.push(CommandEntry {
                        spec: sub,
                        handler: Some(h),
                        subs: HashMap::default(),
                        stats: CommandStats::default(),
                    });
                }
            }
            let handler = bound.get(s.name).copied();
            if handler.is_none() && subs.is_empty() {
                continue;
            }
            by_name.insert(Box::from(s.name.as_bytes()), entries.len());
            entries.push(CommandEntry {
                spec: s,
                handler,
                subs,
                stats: CommandStats::default(),
            });
        }
        Registry { entries, by_name }
    }

    /// The index of the top-level command named `name` (any case).
    pub fn find(&self, name: &[u8]) -> Option<usize> {
        let mut buf = [0u8; 64];
        let n = lower_into(name, &mut buf)?;
        self.by_name.get(n).copied()
    }

    /// The index of subcommand `sub` (any case) of the command at `parent`.
    pub fn find_sub(&self, parent: usize, sub: &[u8]) -> Option<usize> {
        let mut buf = [0u8; 64];
        let n = lower_into(sub, &mut buf)?;
        self.entries.get(parent)?.subs.get(n).copied()
    }

    /// The entry at `idx`.
    pub fn entry(&self, idx: usize) -> Option<&CommandEntry> {
        self.entries.get(idx)
    }

    /// The entry at `idx`, mutably.
    pub fn entry_mut(&mut self, idx: usize) -> Option<&mut CommandEntry> {
        self.entries.get_mut(idx)
    }

    /// The top-level command named `name` (any case).
    pub fn get(&self, name: &[u8]) -> Option<&CommandEntry> {
        self.entries.get(self.find(name)?)
    }

    /// The command or subcommand with this full name ("get", "config|get").
    pub fn get_full(&self, full_name: &str) -> Option<&CommandEntry> {
        let mut parts = full_name.split('|');
        let top = self.find(parts.next()?.as_bytes())?;
        match parts.next() {
            None => self.entries.get(top),
            Some(sub) => self.entries.get(self.find_sub(top, sub.as_bytes())?),
        }
    }

    /// Whether the server implements the command with this full name ("get", "config|get").
    pub fn is_implemented(&self, full_name: &str) -> bool {
        self.get_full(full_name).is_some()
    }

    /// Every registered command and subcommand (INFO commandstats shows both).
    pub fn iter(&self) -> impl Iterator<Item = &CommandEntry> {
        self.entries.iter()
    }

    /// The latency histograms of commands that ran, by full name.
    pub fn histograms(
        &self,
    ) -> impl Iterator<Item = (&'static str, &super::server::latency::Histogram)> {
        self.entries
            .iter()
            .filter(|e| e.stats.histogram.calls > 0)
            .map(|e| (e.spec.name, &e.stats.histogram))
    }

    /// Every registered command and subcommand, mutably (CONFIG RESETSTAT).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut CommandEntry> {
        self.entries.iter_mut()
    }
}

fn lower_into<'b>(name: &[u8], buf: &'b mut [u8; 64]) -> Option<&'b [u8]> {
    let dst = buf.get_mut(..name.len())?;
    for (d, s) in dst.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    Some(dst)
}

/// All spec names, for checking handler lists in tests.
pub fn spec_has(name: &str) -> bool {
    spec::COMMANDS
        .iter()
        .any(|s| s.name == name || s.subcommands.iter().any(|c| c.name == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated part of COMPATIBILITY.md: one row per command and subcommand of the table.
    fn compat_rows(reg: &Registry) -> String {
        let mut out = String::from("| command | group | status |\n|---|---|---|\n");
        for s in spec::COMMANDS {
            let row = |c: &CommandSpec| {
                let name = c.name.replace('|', " ").to_ascii_uppercase();
                let status = if reg.is_implemented(c.name) {
                    "done"
                } else {
                    "missing"
                };
                format!("| {} | {} | {} |\n", name, c.group.as_str(), status)
            };
            if s.subcommands.is_empty() {
                out.push_str(&row(s));
            }
            for sub in s.subcommands {
                out.push_str(&row(sub));
            }
        }
        out
    }

    #[test]
    fn every_handler_name_exists_in_the_spec_and_is_bound_once() {
        let mut seen = std::collections::HashSet::new();
        for list in crate::commands::HANDLERS {
            for (name, _) in *list {
                assert!(
                    spec_has(name),
                    "handler {name} has no row in the command table"
                );
                assert!(seen.insert(*name), "handler {name} is bound twice");
            }
        }
    }

    #[test]
    fn lookups_ignore_case_and_resolve_subcommands() {
        let reg = Registry::new(crate::commands::HANDLERS);
        let ping = reg.find(b"PiNg").expect("ping registered");
        assert_eq!(reg.entry(ping).map(|e| e.spec.name), Some("ping"));
        let cmd = reg.find(b"command").expect("command registered");
        let info = reg.find_sub(cmd, b"INFO").expect("command info registered");
        assert_eq!(reg.entry(info).map(|e| e.spec.name), Some("command|info"));
        assert!(reg.find(&[b'a'; 100]).is_none());
    }

    /// COMPATIBILITY.md's command table must match what the registry implements. Regenerate it
    /// with `CARMINE_WRITE_COMPAT=1 cargo test --lib compatibility`.
    #[test]
    fn compatibility_table_matches_the_registry() {
        let reg = Registry::new(crate::commands::HANDLERS);
        let rows = compat_rows(&reg);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/COMPATIBILITY.md");
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        let begin = "<!-- commands:begin -->\n";
        let end = "<!-- commands:end -->";
        let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else {
            panic!("COMPATIBILITY.md lacks the commands markers");
        };
        let current = &doc[a + begin.len()..b];
        if current != rows {
            if std::env::var_os("CARMINE_WRITE_COMPAT").is_some() {
                let new = format!("{}{}{}{}", &doc[..a], begin, rows, &doc[b..]);
                std::fs::write(path, new).unwrap();
            } else {
                panic!(
                    "COMPATIBILITY.md is stale: run CARMINE_WRITE_COMPAT=1 cargo test --lib compatibility"
                );
            }
        }
    }
}
