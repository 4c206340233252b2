//! Redis-style logging on top of `tracing`.
//!
//! Each line is `<pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level> <message>`, as operators' tools
//! and test harnesses parse it: role `C` before the server is set up, `M` for a master (`S` for a
//! replica, later); level `.` debug, `-` verbose, `*` notice, `#` warning. tracing's TRACE, DEBUG,
//! INFO and WARN/ERROR map to those four, and `loglevel` picks the filter. `logfile ""` is stdout.
//! Times are UTC.

use std::fmt;
use std::fs::OpenOptions;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Registry, reload};

use crate::config::{Config, LogLevel};

static ROLE: AtomicU8 = AtomicU8::new(b'C');

/// Sets the role letter shown in log lines.
pub fn set_role(c: u8) {
    ROLE.store(c, Ordering::Relaxed);
}

struct RedisFormat;

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::TRACE => '.',
            Level::DEBUG => '-',
            Level::INFO => '*',
            Level::WARN | Level::ERROR => '#',
        };
        let role = ROLE.load(Ordering::Relaxed) as char;
        write!(
            writer,
            "{}:{} {} {} ",
            std::process::id(),
            role,
            timestamp(super::unix_ms()),
            level
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The reload handle for the level filter, set once by `init`.
static LEVEL: OnceLock<reload::Handle<LevelFilter, Registry>> = OnceLock::new();

/// Installs the subscriber for `config`'s loglevel and logfile (once per process).
pub fn init(config: &Config) {
    let (filter, handle) = reload::Layer::new(level_filter(config.loglevel));
    let layer = tracing_subscriber::fmt::layer().event_format(RedisFormat);
    let result = if config.logfile.is_empty() {
        tracing_subscriber::registry()
            .with(filter)
            .with(layer.with_writer(std::io::stdout))
            .try_init()
    } else {
        match OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.logfile)
        {
            Ok(f) => tracing_subscriber::registry()
                .with(filter)
                .with(layer.with_writer(Mutex::new(f)))
                .try_init(),
            Err(e) => {
                eprintln!("Can't open the log file: {e}");
                std::process::exit(1);
            }
        }
    };
    if result.is_ok() {
        let _ = LEVEL.set(handle);
    }
}

/// Changes the log level at run time (CONFIG SET loglevel).
pub fn set_level(level: LogLevel) {
    if let Some(h) = LEVEL.get() {
        let _ = h.modify(|f| *f = level_filter(level));
    }
}

fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::Debug => LevelFilter::TRACE,
        LogLevel::Verbose => LevelFilter::DEBUG,
        LogLevel::Notice => LevelFilter::INFO,
        LogLevel::Warning => LevelFilter::WARN,
    }
}

/// The start-up lines: version, pid, port, as Redis prints them.
pub fn banner(config: &Config) {
    tracing::warn!("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    tracing::warn!(
        "Redis version={}, bits=64, commit=00000000, modified=0, pid={}, just started",
        crate::REDIS_VERSION,
        std::process::id()
    );
    set_role(b'M');
    tracing::info!(
        "carmine {} (Redis {} compatible) Port: {} PID: {}",
        crate::CARMINE_VERSION,
        crate::REDIS_VERSION,
        config.port,
        std::process::id()
    );
    tracing::info!("Running mode=standalone, port={}.", config.port);
    tracing::warn!("Server initialized");
}

/// `dd Mon yyyy HH:MM:SS.mmm` for a unix ms time, in UTC.
pub fn timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    let month = MONTHS
        .get((m as usize).saturating_sub(1))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        d,
        month,
        y,
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        millis
    )
}

/// Days since 1970-01-01 to (year, month 1..12, day 1..31), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_redis() {
        assert_eq!(timestamp(0), "01 Jan 1970 00:00:00.000");
        assert_eq!(timestamp(1_795_641_296_123), "25 Nov 2026 21:14:56.123");
    }
}
