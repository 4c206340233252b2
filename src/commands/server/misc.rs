//! Server-group commands with no better home: TIME and LOLWUT, plus the HELP reply builder the
//! other server containers share.
//!
//! LOLWUT follows Redis 7.0: with no VERSION (or one without art, as 7 is) it answers only
//! `Redis ver. 7.0.15\n`; VERSION 5 draws Georg Nees's "Schotter" on a braille canvas and
//! VERSION 6 a skyline in ANSI colour blocks, each followed by its credit line. The pictures are
//! random in Redis too, so only their shape and the final line can match byte for byte.

use bytes::Bytes;

use crate::commands::args::{is, parse_i64};
use crate::commands::{CmdError, Ctx, Handler};

/// Handlers in this file.
pub const HANDLERS: &[(&str, Handler)] = &[
    ("time", time),
    ("lolwut", lolwut),
    ("lastsave", lastsave),
    ("role", role),
];

/// Answers a container's HELP: the usage line, `lines`, then HELP's own two lines, each as a
/// status reply (addReplyHelp).
pub(crate) fn help_reply(ctx: &mut Ctx<'_>, container: &str, lines: &[&str]) {
    ctx.reply.array_len(lines.len() + 3);
    let head = format!("{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    ctx.reply.simple(head.as_bytes());
    for l in lines {
        ctx.reply.simple(l.as_bytes());
    }
    ctx.reply.simple(b"HELP");
    ctx.reply.simple(b"    Prints this help.");
}

/// TIME: `[unix seconds, microseconds]` as bulk strings.
fn time(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    // The wall clock, not the command's frozen ms: TIME reports microseconds.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_secs(), d.subsec_micros()))
        .unwrap_or((0, 0));
    ctx.reply.array_len(2);
    ctx.reply.bulk(now.0.to_string().as_bytes());
    ctx.reply.bulk(now.1.to_string().as_bytes());
    Ok(())
}

/// LASTSAVE: unix time of the last successful save (the start time until a save happens).
fn lastsave(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.int(ctx.core.lastsave);
    Ok(())
}

/// ROLE: `["master", replication offset, [replicas]]`; carmine has no replication yet, so it is
/// always a master at offset 0 with no replicas.
fn role(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<(), CmdError> {
    ctx.reply.array_len(3);
    ctx.reply.bulk(b"master");
    ctx.reply.int(0);
    ctx.reply.array_len(0);
    Ok(())
}

/// LOLWUT [VERSION v [args...]]: computer art and the version line.
fn lolwut(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<(), CmdError> {
    let mut version = 7;
    let mut rest: &[Bytes] = &[];
    if argv.len() >= 3 && is(&argv[1], "VERSION") {
        version = parse_i64(&argv[2])?;
        rest = argv.get(3..).unwrap_or_default();
    }
    let mut nums = Vec::new();
    for a in rest {
        nums.push(parse_i64(a)?);
    }
    let text = match version {
        5 => lolwut5(&nums),
        6 => lolwut6(&nums),
        _ => format!("Redis ver. {}\n", crate::REDIS_VERSION),
    };
    ctx.reply.verbatim("txt", text.as_bytes());
    Ok(())
}

/// LOLWUT 5 [cols [squares-per-row [squares-per-col]]]: Schotter on a braille canvas.
fn lolwut5(nums: &[i64]) -> String {
    let cols = nums.first().copied().unwrap_or(66).clamp(1, 1000);
    let per_row = nums.get(1).copied().unwrap_or(8).clamp(1, 200);
    let per_col = nums.get(2).copied().unwrap_or(12).clamp(1, 200);
    // Each character is a 2x4 braille cell.
    let width = cols * 2;
    let square = width / per_row;
    let height = square * per_col;
    let mut canvas = Canvas::new(width, height);
    let padding = if square > 4 { 2 } else { 0 };
    let square = square - padding * 2;
    for y in 0..per_col {
        for x in 0..per_row {
            let sx = x * (square + padding * 2) + square / 2 + padding;
            let sy = y * (square + padding * 2) + square / 2 + padding;
            // Disorder grows toward the bottom, as in Nees's plot.
            let amount = y as f64 / per_col as f64;
            let angle = (rand::random::<f64>() - 0.5) * std::f64::consts::PI / 2.0 * amount;
            let off = |scale: f64| ((rand::random::<f64>() - 0.5) * scale * amount) as i64;
            canvas.square(
                sx + off(square as f64 / 2.0),
                sy + off(square as f64 / 2.0),
                square,
                angle,
            );
        }
    }
    let mut out = canvas.braille();
    out.push_str("\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ");
    out.push_str(crate::REDIS_VERSION);
    out.push('\n');
    out
}

/// LOLWUT 6 [cols [rows]]: a random skyline drawn in ANSI colour blocks.
fn lolwut6(nums: &[i64]) -> String {
    let cols = nums.first().copied().unwrap_or(80).clamp(1, 1000);
    let rows = nums.get(1).copied().unwrap_or(20).clamp(1, 1000);
    let mut heights = Vec::new();
    let mut x = 0;
    while x < cols {
        let w = 3 + (rand::random::<u64>() % 6) as i64;
        let hgt = 2 + (rand::random::<u64>() % (rows.max(3) as u64 - 1)) as i64;
        for _ in 0..w {
            heights.push(hgt);
        }
        x += w + 1;
        heights.push(0);
    }
    let mut out = String::new();
    for r in 0..rows {
        for c in 0..cols {
            let h = heights.get(c as usize).copied().unwrap_or(0);
            let code = if rows - r <= h { "0;30;40" } else { "0;97;107" };
            out.push_str(&format!("\x1b[{code}m \x1b[0m"));
        }
        out.push('\n');
    }
    out.push_str(
        "Dedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from \
         Plaguemon by hikikomori. Redis ver. ",
    );
    out.push_str(crate::REDIS_VERSION);
    out.push('\n');
    out
}

/// A 1-bit canvas rendered as Unicode braille (2x4 pixels per character).
struct Canvas {
    width: i64,
    height: i64,
    pixels: Vec<bool>,
}

impl Canvas {
    fn new(width: i64, height: i64) -> Canvas {
        let n = usize::try_from(width.saturating_mul(height)).unwrap_or(0);
        Canvas {
            width,
            height,
            pixels: vec![false; n],
        }
    }

    fn set(&mut self, x: i64, y: i64) {
        if x < 0 || y < 0 || x >= self.width || y >= self.height {
            return;
        }
        if let Some(p) = usize::try_from(y * self.width + x)
            .ok()
            .and_then(|i| self.pixels.get_mut(i))
        {
            *p = true;
        }
    }

    fn get(&self, x: i64, y: i64) -> bool {
        if x < 0 || y < 0 || x >= self.width || y >= self.height {
            return false;
        }
        usize::try_from(y * self.width + x)
            .ok()
            .and_then(|i| self.pixels.get(i))
            .copied()
            == Some(true)
    }

    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64)) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut e) = (x0, y0, dx + dy);
        loop {
            self.set(x, y);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * e;
            if e2 >= dy {
                e += dy;
                x += sx;
            }
            if e2 <= dx {
                e += dx;
                y += sy;
            }
        }
    }

    fn square(&mut self, cx: i64, cy: i64, size: i64, angle: f64) {
        let r = size as f64 / 2.0 * std::f64::consts::SQRT_2;
        let corner = |k: f64| {
            let a = angle + std::f64::consts::FRAC_PI_4 + k * std::f64::consts::FRAC_PI_2;
            (
                cx + (a.cos() * r).round() as i64,
                cy + (a.sin() * r).round() as i64,
            )
        };
        let pts = [corner(0.0), corner(1.0), corner(2.0), corner(3.0)];
        for i in 0..4 {
            self.line(pts[i], pts[(i + 1) % 4]);
        }
    }

    fn braille(&self) -> String {
        let mut out = String::new();
        let mut y = 0;
        while y < self.height {
            let mut x = 0;
            while x < self.width {
                // Braille dot bits: (0,0)=1 (0,1)=2 (0,2)=4 (1,0)=8 (1,1)=16 (1,2)=32
                // (0,3)=64 (1,3)=128.
                let bits = [
                    (0, 0, 1),
                    (0, 1, 2),
                    (0, 2, 4),
                    (1, 0, 8),
                    (1, 1, 16),
                    (1, 2, 32),
                    (0, 3, 64),
                    (1, 3, 128),
                ];
                let mut code = 0u32;
                for (dx, dy, b) in bits {
                    if self.get(x + dx, y + dy) {
                        code |= b;
                    }
                }
                out.push(char::from_u32(0x2800 + code).unwrap_or(' '));
                x += 2;
            }
            out.push('\n');
            y += 4;
        }
        out
    }
}

/// The payload of a bulk or verbatim reply (tests compare text regardless of its frame).
#[cfg(test)]
pub(crate) fn text_of(r: &crate::protocol::value::Reply) -> Vec<u8> {
    use crate::protocol::value::Reply;
    match r {
        Reply::Bulk(b) | Reply::Verbatim(_, b) => b.to_vec(),
        other => format!("{other:?}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::text_of;
    use crate::commands::testing::{Harness, err};
    use crate::protocol::value::Reply;

    #[test]
    fn time_replies_seconds_and_microseconds_as_bulks() {
        let mut h = Harness::new();
        let Reply::Array(v) = h.run(&["TIME"]) else {
            panic!()
        };
        assert_eq!(v.len(), 2);
        let Reply::Bulk(s) = &v[0] else { panic!() };
        assert!(std::str::from_utf8(s).unwrap().parse::<u64>().unwrap() > 1_600_000_000);
        let Reply::Bulk(us) = &v[1] else { panic!() };
        assert!(std::str::from_utf8(us).unwrap().parse::<u64>().unwrap() < 1_000_000);
        assert_eq!(
            h.run(&["TIME", "x"]),
            err("ERR wrong number of arguments for 'time' command")
        );
    }

    #[test]
    fn lolwut_without_art_prints_only_the_version() {
        let mut h = Harness::new();
        for args in [
            &["LOLWUT"][..],
            &["LOLWUT", "foo"],
            &["LOLWUT", "VERSION"],
            &["LOLWUT", "VERSION", "1"],
        ] {
            assert_eq!(text_of(&h.run(args)), b"Redis ver. 7.0.15\n");
        }
        assert_eq!(
            h.run(&["LOLWUT", "VERSION", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run(&["LOLWUT", "VERSION", "5", "x"]),
            err("ERR value is not an integer or out of range")
        );
        h.resp3();
        assert_eq!(
            h.run(&["LOLWUT"]),
            Reply::Verbatim("txt".into(), "Redis ver. 7.0.15\n".into())
        );
    }

    #[test]
    fn lolwut_5_and_6_end_with_their_credit_lines() {
        let mut h = Harness::new();
        let b = text_of(&h.run(&["LOLWUT", "VERSION", "5", "1", "1", "1"]));
        assert_eq!(String::from_utf8(b.clone()).unwrap().lines().count(), 3);
        assert!(
            b.ends_with(b"\n\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n")
        );
        let b = text_of(&h.run(&["LOLWUT", "VERSION", "5"]));
        let text = String::from_utf8(b.clone()).unwrap();
        assert_eq!(text.lines().count(), 50);
        assert_eq!(text.lines().next().unwrap().chars().count(), 66);
        let b = text_of(&h.run(&["LOLWUT", "VERSION", "6"]));
        assert!(
            b.ends_with(b"Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15\n")
        );
    }
}
