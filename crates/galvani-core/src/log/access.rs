//! The access log's own formatter: `galvani::access` events, one line each, text or JSON.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::writer::LogWriter;

/// The target of the per-request access events.
pub const ACCESS_TARGET: &str = "galvani::access";

/// Writes `galvani::access` events as one line each, text or JSON.
pub(super) struct AccessLayer {
    pub(super) writer: LogWriter,
    pub(super) json: bool,
}

impl<S: Subscriber> Layer<S> for AccessLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() != ACCESS_TARGET {
            return;
        }
        LINE.with(|line| {
            let mut line = line.borrow_mut();
            line.clear();
            let level = meta.level().as_str();
            if self.json {
                line.push_str("{\"timestamp\":\"");
                timestamp(&mut line);
                let _ = write!(
                    line,
                    "\",\"level\":\"{level}\",\"target\":\"{ACCESS_TARGET}\""
                );
                event.record(&mut Fields {
                    out: &mut line,
                    json: true,
                });
                line.push_str("}\n");
            } else {
                timestamp(&mut line);
                let _ = write!(line, " {level:>5} {ACCESS_TARGET}:");
                event.record(&mut Fields {
                    out: &mut line,
                    json: false,
                });
                line.push('\n');
            }
            self.writer.send(line.as_bytes());
        });
    }
}

thread_local! {
    static LINE: RefCell<String> = RefCell::new(String::with_capacity(256));
    static CLOCK: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// `2026-11-22T04:51:41.101Z`; the part up to the second is formatted once per second.
fn timestamp(out: &mut String) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    CLOCK.with(|clock| {
        let mut clock = clock.borrow_mut();
        if clock.0 != secs {
            let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
            let rem = secs % 86_400;
            clock.1.clear();
            let _ = write!(
                clock.1,
                "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            );
            clock.0 = secs;
        }
        out.push_str(&clock.1);
    });
    let ms = now.subsec_millis();
    let digits = [
        b'.',
        b'0' + (ms / 100) as u8,
        b'0' + (ms / 10 % 10) as u8,
        b'0' + (ms % 10) as u8,
        b'Z',
    ];
    out.push_str(std::str::from_utf8(&digits).unwrap_or(".000Z"));
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Writes an event's fields as ` key=value` (text) or `,"key":value` (JSON); the message
/// is left out (every access event's message is the same word).
struct Fields<'a> {
    out: &'a mut String,
    json: bool,
}

impl Fields<'_> {
    fn key(&mut self, field: &Field) -> bool {
        if field.name() == "message" {
            return false;
        }
        if self.json {
            self.out.push_str(",\"");
            self.out.push_str(field.name());
            self.out.push_str("\":");
        } else {
            self.out.push(' ');
            self.out.push_str(field.name());
            self.out.push('=');
        }
        true
    }

    fn text(&mut self, value: &str) {
        if self.json {
            json_string(self.out, value);
            return;
        }
        // Quote only what needs it, so the common line stays plain and cheap.
        let plain = !value.is_empty()
            && value
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
        if plain {
            self.out.push_str(value);
        } else {
            let _ = write!(self.out, "\"{}\"", value.escape_debug());
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.key(field) {
            self.text(value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.key(field) {
            push_u64(self.out, value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.key(field) {
            let _ = write!(self.out, "{value}");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.key(field) {
            return;
        }
        if self.json {
            json_string(self.out, &format!("{value:?}"));
        } else {
            let _ = write!(self.out, "{value:?}");
        }
    }
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or("0"));
}

fn json_string(out: &mut String, value: &str) {
    out.push('"');
    if !value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(value);
        out.push('"');
        return;
    }
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_gregorian() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 404, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        json_string(&mut s, "a\"b\\c\nd");
        assert_eq!(s, r#""a\"b\\c\u000ad""#);
    }

    #[test]
    fn access_lines_are_formatted_as_text_and_json() {
        #[derive(Clone)]
        struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        for json in [false, true] {
            let buf = Buf(Default::default());
            let (writer, guard) = LogWriter::spawn(buf.clone());
            let subscriber = tracing_subscriber::layer::SubscriberExt::with(
                tracing_subscriber::registry(),
                AccessLayer { writer, json },
            );
            tracing::subscriber::with_default(subscriber, || {
                tracing::info!(target: "galvani::access", method = "GET", path = "/a\"b", status = 404u64, micros = 12u64, "request");
            });
            drop(guard);
            let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
            if json {
                let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
                assert_eq!(v["path"], "/a\"b");
                assert_eq!(v["status"], 404);
                assert_eq!(v["level"], "INFO");
            } else {
                assert!(
                    out.contains(
                        " INFO galvani::access: method=GET path=\"/a\\\"b\" status=404 micros=12"
                    ),
                    "{out}"
                );
            }
        }
    }
}
