//! Listening sockets: TCP on each `bind` address and `port`, and the optional `unixsocket`.
//!
//! `bind` entries follow redis.conf: `*` is every IPv4 address, `::*` every IPv6 one, and a
//! leading `-` marks an address that may be unavailable without failing start-up. A port that
//! is taken fails start-up with Redis's message.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;

use mio::net::{TcpListener, TcpStream, UnixListener};
use mio::{Interest, Registry, Token};
use socket2::{Domain, Socket, TcpKeepalive, Type};

use super::client::Stream;
use crate::config::Config;

/// One listening socket.
pub enum Listener {
    /// A TCP listener.
    Tcp(TcpListener),
    /// A unix socket listener and its path (removed at shutdown).
    Unix(UnixListener, String),
}

impl Listener {
    /// Accepts one connection: (stream, peer address, local address, is unix).
    pub fn accept(&self) -> io::Result<(Stream, String, String, bool)> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept()?;
                let local = s.local_addr().map(|a| fmt_addr(&a)).unwrap_or_default();
                Ok((Stream::Tcp(s), fmt_addr(&peer), local, false))
            }
            Listener::Unix(l, path) => {
                let (s, _) = l.accept()?;
                Ok((
                    Stream::Unix(s),
                    format!("{path}:0"),
                    format!("{path}:0"),
                    true,
                ))
            }
        }
    }

    /// The bound address, if this is a TCP listener.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok(),
            Listener::Unix(..) => None,
        }
    }

    /// The TCP port, if this is a TCP listener.
    pub fn tcp_port(&self) -> Option<u16> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok().map(|a| a.port()),
            Listener::Unix(..) => None,
        }
    }

    /// Removes the socket file of a unix listener.
    pub fn cleanup(&self) {
        if let Listener::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Binds every configured listener (not registered with the poll yet).
pub fn bind_all(config: &Config) -> Result<Vec<Listener>, String> {
    let mut out = bind_tcp(config)?;
    if !config.unixsocket.is_empty() {
        let path = config.unixsocket.clone();
        let _ = std::fs::remove_file(&path);
        let l =
            UnixListener::bind(&path).map_err(|e| format!("Failed opening Unix socket: {e}"))?;
        if config.unixsocketperm != 0 {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::Permissions::from_mode(config.unixsocketperm);
            let _ = std::fs::set_permissions(&path, mode);
        }
        out.push(Listener::Unix(l, path));
    }
    Ok(out)
}

/// Binds the TCP listeners for `bind` and `port`.
pub fn bind_tcp(config: &Config) -> Result<Vec<Listener>, String> {
    let mut out = Vec::new();
    if config.port == 0 {
        return Ok(out);
    }
    let failed = || format!("Failed listening on port {} (tcp), aborting.", config.port);
    let binds: Vec<String> = if config.bind.is_empty() {
        vec!["*".into(), "-::*".into()]
    } else {
        config.bind.clone()
    };
    for b in &binds {
        let (optional, addr) = match b.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, b.as_str()),
        };
        let ip: IpAddr = match addr {
            "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            other => other.parse().map_err(|_| failed())?,
        };
        match tcp_listener(SocketAddr::new(ip, config.port), config.tcp_backlog) {
            Ok(l) => out.push(Listener::Tcp(l)),
            Err(e) if optional && e.kind() != io::ErrorKind::AddrInUse => {}
            Err(e) => {
                tracing::warn!(
                    "Warning: Could not create server TCP listening socket {}:{}: bind: {}",
                    addr,
                    config.port,
                    e
                );
                return Err(failed());
            }
        }
    }
    Ok(out)
}

/// Registers listeners with the poll under tokens 0, 1, ... in order.
pub fn register_all(listeners: &mut [Listener], registry: &Registry) -> Result<(), String> {
    for (i, l) in listeners.iter_mut().enumerate() {
        let r = match l {
            Listener::Tcp(t) => registry.register(t, Token(i), Interest::READABLE),
            Listener::Unix(u, _) => registry.register(u, Token(i), Interest::READABLE),
        };
        r.map_err(|e| format!("Failed registering listener: {e}"))?;
    }
    Ok(())
}

/// Takes listeners out of the poll (before they are closed or replaced).
pub fn deregister_all(listeners: &mut [Listener], registry: &Registry) {
    for l in listeners.iter_mut() {
        let _ = match l {
            Listener::Tcp(t) => registry.deregister(t),
            Listener::Unix(u, _) => registry.deregister(u),
        };
    }
}

/// Binds one TCP address again (restoring listeners after a failed CONFIG SET).
pub fn rebind(addr: SocketAddr, backlog: u32) -> Option<Listener> {
    tcp_listener(addr, backlog).ok().map(Listener::Tcp)
}

fn tcp_listener(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let sock = Socket::new(domain, Type::STREAM, None)?;
    sock.set_reuse_address(true)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    sock.listen(i32::try_from(backlog).unwrap_or(511))?;
    Ok(TcpListener::from_std(sock.into()))
}

/// Turns on TCP keepalive with Redis's timing for `tcp-keepalive` seconds (0 = off).
pub fn set_keepalive(s: &TcpStream, secs: u64) {
    if secs == 0 {
        return;
    }
    let sock = socket2::SockRef::from(s);
    let ka = TcpKeepalive::new()
        .with_time(std::time::Duration::from_secs(secs))
        .with_interval(std::time::Duration::from_secs((secs / 3).max(1)))
        .with_retries(3);
    let _ = sock.set_tcp_keepalive(&ka);
}

/// The socket's file descriptor number (CLIENT LIST fd=).
pub fn raw_fd(s: &Stream) -> i64 {
    match s {
        Stream::Tcp(t) => i64::from(t.as_raw_fd()),
        Stream::Unix(u) => i64::from(u.as_raw_fd()),
    }
}

/// "ip:port", with brackets around IPv6 addresses as Redis writes them.
fn fmt_addr(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V4(v4) => format!("{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    }
}
