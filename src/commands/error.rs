//! Every error text a command can answer with, byte for byte as Redis 7.0 writes them.
//!
//! A handler returns `Err(CmdError)` before writing anything; the dispatcher renders it with
//! [`CmdError::render`]. Fixed texts are variants; formatted ones keep their template here, so the
//! whole vocabulary of refusals is in one file and one table-driven test pins it.

use std::fmt;

/// A command's refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdError {
    /// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' `.
    UnknownCommand { name: Vec<u8>, args: Vec<Vec<u8>> },
    /// `ERR unknown subcommand '<sub>'. Try <CMD> HELP.`
    UnknownSubcommand { sub: Vec<u8>, cmd: String },
    /// `ERR wrong number of arguments for '<name>' command`.
    WrongArity(String),
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`.
    WrongType,
    /// `ERR syntax error`.
    Syntax,
    /// `ERR value is not an integer or out of range`.
    NotInteger,
    /// `ERR value is not a valid float`.
    NotFloat,
    /// `ERR increment or decrement would overflow`.
    Overflow,
    /// `ERR no such key`.
    NoSuchKey,
    /// `ERR index out of range`.
    IndexOutOfRange,
    /// `ERR invalid expire time in '<cmd>' command`.
    InvalidExpire(String),
    /// `ERR DB index is out of range`.
    DbIndexOutOfRange,
    /// `ERR invalid cursor`.
    InvalidCursor,
    /// `NOAUTH Authentication required.`
    NoAuth,
    /// `WRONGPASS invalid username-password pair or user is disabled.`
    WrongPass,
    /// `BUSYKEY Target key name already exists.`
    BusyKey,
    /// `ERR string exceeds maximum allowed size (proto-max-bulk-len)`.
    StringTooLong,
    /// `ERR increment would produce NaN or Infinity`.
    NanOrInfinity,
    /// `ERR value is out of range, must be positive`.
    NotPositive,
    /// `ERR timeout is not an integer or out of range` and friends: any fixed text.
    Static(&'static str),
    /// Any other fully formatted error line (without the leading '-').
    Other(String),
    /// `OOM command not allowed when used memory > 'maxmemory'.`
    Oom,
}

impl CmdError {
    /// The error line without the leading `-` and without CRLF.
    pub fn render(&self) -> Vec<u8> {
        match self {
            CmdError::UnknownCommand { name, args } => unknown_command(name, args),
            other => other.to_string().into_bytes(),
        }
    }

    /// A formatted `ERR ...` error.
    pub fn err(msg: impl fmt::Display) -> CmdError {
        CmdError::Other(format!("ERR {msg}"))
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::UnknownCommand { name, args } => {
                f.write_str(&String::from_utf8_lossy(&unknown_command(name, args)))
            }
            CmdError::UnknownSubcommand { sub, cmd } => write!(
                f,
                "ERR unknown subcommand '{}'. Try {} HELP.",
                String::from_utf8_lossy(truncated(sub, 128)),
                cmd
            ),
            CmdError::WrongArity(name) => {
                write!(f, "ERR wrong number of arguments for '{name}' command")
            }
            CmdError::WrongType => {
                f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value")
            }
            CmdError::Syntax => f.write_str("ERR syntax error"),
            CmdError::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            CmdError::NotFloat => f.write_str("ERR value is not a valid float"),
            CmdError::Overflow => f.write_str("ERR increment or decrement would overflow"),
            CmdError::NoSuchKey => f.write_str("ERR no such key"),
            CmdError::IndexOutOfRange => f.write_str("ERR index out of range"),
            CmdError::InvalidExpire(cmd) => write!(f, "ERR invalid expire time in '{cmd}' command"),
            CmdError::DbIndexOutOfRange => f.write_str("ERR DB index is out of range"),
            CmdError::InvalidCursor => f.write_str("ERR invalid cursor"),
            CmdError::NoAuth => f.write_str("NOAUTH Authentication required."),
            CmdError::WrongPass => {
                f.write_str("WRONGPASS invalid username-password pair or user is disabled.")
            }
            CmdError::BusyKey => f.write_str("BUSYKEY Target key name already exists."),
            CmdError::StringTooLong => {
                f.write_str("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            }
            CmdError::NanOrInfinity => f.write_str("ERR increment would produce NaN or Infinity"),
            CmdError::NotPositive => f.write_str("ERR value is out of range, must be positive"),
            CmdError::Static(s) => f.write_str(s),
            CmdError::Other(s) => f.write_str(s),
            CmdError::Oom => f.write_str("OOM command not allowed when used memory > 'maxmemory'."),
        }
    }
}

/// Redis's unknown-command text: the name and up to 128 bytes of arguments, each quoted and
/// followed by a space (so the line ends in a space).
fn unknown_command(name: &[u8], args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"ERR unknown command '".to_vec();
    out.extend_from_slice(truncated(super::args::c_str(name), 128));
    out.extend_from_slice(b"', with args beginning with: ");
    // As processCommand: keep appending `'<arg>' ` while the list is under 128 bytes, each
    // argument cut to what is left of the 128 (printf's "%.*s", so also cut at a NUL byte).
    let mut list: Vec<u8> = Vec::new();
    for a in args {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        list.push(b'\'');
        list.extend_from_slice(truncated(super::args::c_str(a), room));
        list.extend_from_slice(b"' ");
    }
    out.extend_from_slice(&list);
    // Echoed client bytes must not break the framing.
    for c in out.iter_mut() {
        if *c == b'\r' || *c == b'\n' {
            *c = b' ';
        }
    }
    out
}

fn truncated(b: &[u8], max: usize) -> &[u8] {
    b.get(..b.len().min(max)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_redis() {
        let table: Vec<(CmdError, &str)> = vec![
            (
                CmdError::UnknownCommand {
                    name: b"foo".to_vec(),
                    args: vec![b"a".to_vec(), b"b".to_vec()],
                },
                "ERR unknown command 'foo', with args beginning with: 'a' 'b' ",
            ),
            (
                CmdError::UnknownCommand {
                    name: b"foo".to_vec(),
                    args: vec![],
                },
                "ERR unknown command 'foo', with args beginning with: ",
            ),
            (
                CmdError::UnknownSubcommand {
                    sub: b"foo".to_vec(),
                    cmd: "CONFIG".into(),
                },
                "ERR unknown subcommand 'foo'. Try CONFIG HELP.",
            ),
            (
                CmdError::WrongArity("get".into()),
                "ERR wrong number of arguments for 'get' command",
            ),
            (
                CmdError::WrongType,
                "WRONGTYPE Operation against a key holding the wrong kind of value",
            ),
            (CmdError::Syntax, "ERR syntax error"),
            (
                CmdError::NotInteger,
                "ERR value is not an integer or out of range",
            ),
            (CmdError::NotFloat, "ERR value is not a valid float"),
            (
                CmdError::Overflow,
                "ERR increment or decrement would overflow",
            ),
            (CmdError::NoSuchKey, "ERR no such key"),
            (CmdError::IndexOutOfRange, "ERR index out of range"),
            (
                CmdError::InvalidExpire("set".into()),
                "ERR invalid expire time in 'set' command",
            ),
            (CmdError::DbIndexOutOfRange, "ERR DB index is out of range"),
            (CmdError::InvalidCursor, "ERR invalid cursor"),
            (CmdError::NoAuth, "NOAUTH Authentication required."),
            (CmdError::BusyKey, "BUSYKEY Target key name already exists."),
        ];
        for (e, want) in table {
            assert_eq!(String::from_utf8(e.render()).unwrap(), want);
        }
    }

    #[test]
    fn unknown_command_args_are_cut_at_128_bytes() {
        let long = vec![b'x'; 200];
        let e = CmdError::UnknownCommand {
            name: b"foo".to_vec(),
            args: vec![long, b"y".to_vec()],
        };
        let s = e.render();
        let expected = format!(
            "ERR unknown command 'foo', with args beginning with: '{}' ",
            "x".repeat(128)
        );
        assert_eq!(String::from_utf8(s).unwrap(), expected);
        let e = CmdError::UnknownCommand {
            name: b"foo".to_vec(),
            args: vec![vec![b'a'; 100], vec![b'b'; 100]],
        };
        let expected = format!(
            "ERR unknown command 'foo', with args beginning with: '{}' '{}' ",
            "a".repeat(100),
            "b".repeat(25)
        );
        assert_eq!(String::from_utf8(e.render()).unwrap(), expected);
    }
}
