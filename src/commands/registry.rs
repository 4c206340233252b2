//! The registry: command name -> spec (from the generated table) + handler + call statistics.
//!
//! Built once at start-up from `spec::COMMANDS` and the `HANDLERS` list of every group module.
//! A command the table knows but no module handles is absent for clients (it answers "unknown
//! command" and COMMAND does not list it) and is listed as missing in COMPATIBILITY.md. Names are
//! looked up case-insensitively without allocating.

use std::collections::HashMap;

use super::Handler;
use super::spec::{self, CommandSpec};

/// Call counters for one command (INFO commandstats).
#[derive(Debug, Default, Clone)]
pub struct CommandStats {
    /// Times the handler ran.
    pub calls: u64,
    /// Microseconds spent in the handler.
    pub usec: u64,
    /// Calls refused before the handler ran (arity, auth, ...).
    pub rejected_calls: u64,
    /// Calls whose handler answered with an error.
    pub failed_calls: u64,
}

/// One registered command (or subcommand).
pub struct CommandEntry {
    /// Its row of the generated table.
    pub spec: &'static CommandSpec,
    /// Its handler; `None` for a container command whose subcommands carry the handlers.
    pub handler: Option<Handler>,
    /// Subcommands by lowercase name.
    pub subs: HashMap<Box<[u8]>, CommandEntry>,
    /// Call counters.
    pub stats: CommandStats,
}

/// Every command the server answers.
pub struct Registry {
    map: HashMap<Box<[u8]>, CommandEntry>,
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
        let mut map = HashMap::new();
        for s in spec::COMMANDS {
            let mut subs = HashMap::new();
            for sub in s.subcommands {
                if let Some(&h) = bound.get(sub.name) {
                    let short = sub.name.rsplit('|').next().unwrap_or(sub.name);
                    subs.insert(
                        Box::from(short.as_bytes()),
                        CommandEntry { spec: sub, handler: Some(h), subs: HashMap::new(), stats: CommandStats::default() },
                    );
                }
            }
            let handler = bound.get(s.name).copied();
            if handler.is_none() && subs.is_empty() {
                continue;
            }
            map.insert(
                Box::from(s.name.as_bytes()),
                CommandEntry { spec: s, handler, subs, stats: CommandStats::default() },
            );
        }
        Registry { map }
    }

    /// The command named `name` (any case).
    pub fn get(&self, name: &[u8]) -> Option<&CommandEntry> {
        with_lower(name, |n| self.map.get(n))
    }

    /// The command named `name` (any case), mutably.
    pub fn get_mut(&mut self, name: &[u8]) -> Option<&mut CommandEntry> {
        let mut buf = [0u8; 64];
        let n = lower_into(name, &mut buf)?;
        self.map.get_mut(n)
    }

    /// Whether the server implements the command with this full name ("get", "config|get").
    pub fn is_implemented(&self, full_name: &str) -> bool {
        let mut parts = full_name.split('|');
        let Some(top) = parts.next().and_then(|t| self.map.get(t.as_bytes())) else {
            return false;
        };
        match parts.next() {
            None => true,
            Some(sub) => top.subs.contains_key(sub.as_bytes()),
        }
    }

    /// Every registered top-level command.
    pub fn iter(&self) -> impl Iterator<Item = &CommandEntry> {
        self.map.values()
    }

    /// Every registered top-level command, mutably (CONFIG RESETSTAT).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut CommandEntry> {
        self.map.values_mut()
    }
}

impl CommandEntry {
    /// The subcommand named `name` (any case).
    pub fn sub(&self, name: &[u8]) -> Option<&CommandEntry> {
        with_lower(name, |n| self.subs.get(n))
    }

    /// The subcommand named `name` (any case), mutably.
    pub fn sub_mut(&mut self, name: &[u8]) -> Option<&mut CommandEntry> {
        let mut buf = [0u8; 64];
        let n = lower_into(name, &mut buf)?;
        self.subs.get_mut(n)
    }
}

/// Looks up a lowercased copy of `name` without allocating (names over 64 bytes match nothing).
fn with_lower<'a, T>(name: &[u8], f: impl FnOnce(&[u8]) -> Option<&'a T>) -> Option<&'a T> {
    let mut buf = [0u8; 64];
    let n = lower_into(name, &mut buf)?;
    f(n)
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
    spec::COMMANDS.iter().any(|s| s.name == name || s.subcommands.iter().any(|c| c.name == name))
}
