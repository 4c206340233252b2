//! Fork children: the one background process (an RDB save or an AOF rewrite) the server may run
//! at a time, as Redis's `redisFork` / `checkChildrenDone`.
//!
//! Use: [`Children::spawn`] forks; the child runs the given closure on its copy-on-write
//! snapshot of the parent's memory (it must not touch the event loop or any socket: it writes its
//! file and returns) and leaves with `_exit(0)` if the closure returned `true`, `_exit(1)`
//! otherwise. The parent's cron calls [`Children::reap`] (`waitpid(WNOHANG)`), which returns the
//! [`Finished`] record once the child is gone; the caller turns that into its own status
//! (`rdb_last_bgsave_status`, `aof_last_bgrewrite_status`). [`Children::kill`] stops a child
//! with SIGUSR1, which Redis treats as a deliberate stop rather than a failure.
//!
//! Invariant: at most one child runs (`spawn` refuses a second one). All `unsafe` of the
//! persistence layer is here, in the three small functions of `sys`.

use std::io;
use std::time::{Duration, Instant};

/// What a child process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildKind {
    /// BGSAVE (or a save point): writes the RDB file.
    Rdb,
    /// BGREWRITEAOF: writes a new AOF base file.
    Aof,
}

/// A child that has exited, as [`Children::reap`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// What it was doing.
    pub kind: ChildKind,
    /// Its exit code (0 when killed by a signal).
    pub exit_code: i32,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
    /// How long it ran.
    pub elapsed: Duration,
}

impl Finished {
    /// Whether the child did its job (exit code 0, no signal).
    pub fn ok(&self) -> bool {
        self.exit_code == 0 && self.signal.is_none()
    }

    /// Whether the child was stopped on purpose with SIGUSR1 (not counted as an error).
    pub fn killed_on_purpose(&self) -> bool {
        self.signal == Some(libc::SIGUSR1)
    }
}

/// The running child, if any.
#[derive(Debug)]
struct Running {
    kind: ChildKind,
    pid: i32,
    started: Instant,
}

/// The server's child process slot and fork statistics.
#[derive(Debug, Default)]
pub struct Children {
    running: Option<Running>,
    /// Microseconds the last `fork()` took in the parent (INFO stats `latest_fork_usec`).
    pub latest_fork_usec: u64,
    /// Forks done (INFO stats `total_forks`).
    pub total_forks: u64,
}

impl Children {
    /// No child running.
    pub fn new() -> Children {
        Children::default()
    }

    /// What the running child does, if one runs.
    pub fn active(&self) -> Option<ChildKind> {
        self.running.as_ref().map(|r| r.kind)
    }

    /// The running child's pid.
    pub fn pid(&self) -> Option<i32> {
        self.running.as_ref().map(|r| r.pid)
    }

    /// How long the running child has been running.
    pub fn running_for(&self) -> Option<Duration> {
        self.running.as_ref().map(|r| r.started.elapsed())
    }

    /// Forks a child of `kind` that runs `work` and exits 0 if it returns true, 1 otherwise;
    /// returns the child's pid. Fails if a child already runs or `fork()` fails.
    pub fn spawn(&mut self, kind: ChildKind, work: impl FnOnce() -> bool) -> io::Result<i32> {
        if self.running.is_some() {
            return Err(io::Error::other("a child process is already running"));
        }
        let started = Instant::now();
        match sys::fork()? {
            0 => {
                // A panic must not unwind into the copy of the parent's stack.
                let ok =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or(false);
                sys::exit_now(if ok { 0 } else { 1 })
            }
            pid => {
                self.latest_fork_usec =
                    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                self.total_forks += 1;
                self.running = Some(Running { kind, pid, started });
                Ok(pid)
            }
        }
    }

    /// Collects the child if it has exited (never blocks); `None` while it runs or if there is
    /// none.
    pub fn reap(&mut self) -> Option<Finished> {
        let r = self.running.as_ref()?;
        let status = sys::wait(r.pid, false)?;
        let r = self.running.take()?;
        Some(finished(r, status))
    }

    /// Waits for the running child to exit (SHUTDOWN while a save runs, tests).
    pub fn wait(&mut self) -> Option<Finished> {
        let r = self.running.as_ref()?;
        let status = sys::wait(r.pid, true)?;
        let r = self.running.take()?;
        Some(finished(r, status))
    }

    /// Stops the running child with SIGUSR1 and waits for it (FLUSHALL, SHUTDOWN, DEBUG
    /// RELOAD); the caller removes its temp file.
    pub fn kill(&mut self) -> Option<Finished> {
        let r = self.running.as_ref()?;
        sys::signal(r.pid, libc::SIGUSR1);
        self.wait()
    }
}

fn finished(r: Running, status: Status) -> Finished {
    Finished {
        kind: r.kind,
        exit_code: status.code,
        signal: status.signal,
        elapsed: r.started.elapsed(),
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy)]
struct Status {
    code: i32,
    signal: Option<i32>,
}

/// The system calls, each in one small unsafe-allowed function.
mod sys {
    use super::Status;
    use std::io;

    /// `fork()`: 0 in the child, the child's pid in the parent.
    #[allow(unsafe_code)]
    pub(super) fn fork() -> io::Result<i32> {
        // SAFETY: fork has no memory-safety preconditions. The child only runs the caller's
        // closure (which reads the copied heap and writes a file) and then `_exit`s, never
        // returning into the event loop; glibc's malloc is fork-safe (it resets its locks in
        // the child), so allocating in the child is sound even with the background thread.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(pid)
    }

    /// `_exit(code)`: leaves the child without running the parent's atexit handlers or
    /// flushing buffers the parent owns.
    #[allow(unsafe_code)]
    pub(super) fn exit_now(code: i32) -> ! {
        // SAFETY: _exit takes a plain integer and never returns.
        unsafe { libc::_exit(code) }
    }

    /// `waitpid(pid)`, blocking or not; `None` while the child runs (or on error other than
    /// the child being gone, which reads as a failed child).
    #[allow(unsafe_code)]
    pub(super) fn wait(pid: i32, block: bool) -> Option<Status> {
        let mut status: libc::c_int = 0;
        let flags = if block { 0 } else { libc::WNOHANG };
        loop {
            // SAFETY: `status` is a valid, writable c_int for the duration of the call.
            let r = unsafe { libc::waitpid(pid, &mut status, flags) };
            if r == 0 {
                return None;
            }
            if r < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                // ECHILD: someone else reaped it; report a failure rather than wait forever.
                return Some(Status {
                    code: 1,
                    signal: None,
                });
            }
            break;
        }
        if libc::WIFSIGNALED(status) {
            Some(Status {
                code: 0,
                signal: Some(libc::WTERMSIG(status)),
            })
        } else {
            Some(Status {
                code: libc::WEXITSTATUS(status),
                signal: None,
            })
        }
    }

    /// `kill(pid, sig)`.
    #[allow(unsafe_code)]
    pub(super) fn signal(pid: i32, sig: i32) {
        // SAFETY: kill takes plain integers; `pid` is our own child's (positive) pid.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_exit_status_is_reported_and_only_one_child_runs() {
        let mut c = Children::new();
        let pid = c.spawn(ChildKind::Rdb, || true).unwrap();
        assert!(pid > 0);
        assert_eq!(c.active(), Some(ChildKind::Rdb));
        assert!(c.spawn(ChildKind::Aof, || true).is_err());
        let f = c.wait().unwrap();
        assert!(f.ok());
        assert_eq!(f.kind, ChildKind::Rdb);
        assert_eq!(c.active(), None);
        assert_eq!(c.total_forks, 1);

        c.spawn(ChildKind::Aof, || false).unwrap();
        let f = c.wait().unwrap();
        assert!(!f.ok());
        assert_eq!(f.exit_code, 1);
        assert_eq!(f.kind, ChildKind::Aof);
    }

    #[test]
    fn reap_does_not_block_and_kill_is_deliberate() {
        let mut c = Children::new();
        c.spawn(ChildKind::Rdb, || {
            std::thread::sleep(Duration::from_secs(30));
            true
        })
        .unwrap();
        assert!(c.reap().is_none(), "the child is still sleeping");
        let f = c.kill().unwrap();
        assert!(!f.ok());
        assert!(f.killed_on_purpose());
        assert!(c.reap().is_none());
    }

    #[test]
    fn the_child_writes_what_the_parent_reads() {
        let dir = std::env::temp_dir().join(format!("carmine-child-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("out");
        let data = vec![7u8; 1000];
        let mut c = Children::new();
        let p = path.clone();
        c.spawn(ChildKind::Rdb, move || std::fs::write(&p, &data).is_ok())
            .unwrap();
        loop {
            if let Some(f) = c.reap() {
                assert!(f.ok());
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(std::fs::read(&path).unwrap(), vec![7u8; 1000]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
