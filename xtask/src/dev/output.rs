//! `cargo xtask dev`'s terminal and log. Everything wrangler prints goes, whole, to a log file
//! (`target/dev/wrangler.log`); the terminal gets, after the banner, one line per request a person would want to
//! see (the API and page navigations, any answer of 500 or more), one per email the Worker queued (read from the
//! development mailbox after each request that could have queued one), and the Worker's errors. Static assets,
//! OCSP and CRL fetches, the scheduled ticks and the mailbox's own reads stay in the log.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{Result, http};

/// The log file and the terminal of one `cargo xtask dev` run.
pub struct Output {
    /// wrangler's whole output (and the migrations').
    log: Mutex<File>,
    /// Where the log is.
    path: PathBuf,
    /// Whether the banner is out: before it, requests are the xtask's own setup and are not shown.
    announced: AtomicBool,
    /// Asks the mail watcher to read the mailbox (after a request that could have queued an email).
    mail: Mutex<Sender<()>>,
    /// The paths of the requests logged before the banner (the xtask's setup).
    setup_requests: Mutex<Vec<String>>,
    /// The local time's offset from UTC, seconds (from `date +%z` once; UTC when that fails).
    offset_seconds: i64,
}

impl Output {
    /// Creates (or empties) the log file at `path` and starts the mail watcher for the Worker on `port`.
    pub fn start(path: &Path, port: u16) -> Result<Arc<Self>> {
        if let Some(directory) = path.parent() {
            std::fs::create_dir_all(directory).map_err(|error| format!("creating {}: {error}", directory.display()))?;
        }
        let log = File::create(path).map_err(|error| format!("creating {}: {error}", path.display()))?;
        let (sender, receiver) = channel();
        let output = Arc::new(Self {
            log: Mutex::new(log),
            path: path.to_owned(),
            announced: AtomicBool::new(false),
            mail: Mutex::new(sender),
            setup_requests: Mutex::new(Vec::new()),
            offset_seconds: local_offset_seconds(),
        });
        let watcher = Arc::clone(&output);
        std::thread::spawn(move || watcher.watch_mail(port, &receiver));
        Ok(output)
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A handle on the log file for a command whose output goes there (the migrations).
    pub fn log_file(&self) -> Result<File> {
        let log = self.log.lock().map_err(|_| "the log's lock is poisoned")?;
        log.try_clone().map_err(|error| format!("{}: {error}", self.path.display()))
    }

    /// Copies `stream` (wrangler's standard output or error) into the log, line by line, and shows on the
    /// terminal what [`summarize`] keeps once the banner is out. Returns at the stream's end.
    pub fn follow(self: &Arc<Self>, stream: impl Read + Send + 'static) {
        let output = Arc::clone(self);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut bytes = Vec::new();
            while reader.read_until(b'\n', &mut bytes).is_ok_and(|read| read > 0) {
                let line = String::from_utf8_lossy(&bytes).into_owned();
                if let Ok(mut log) = output.log.lock() {
                    let _ = log.write_all(line.as_bytes());
                }
                if !output.announced.load(Ordering::Relaxed) {
                    if let (Some(path), Ok(mut paths)) = (request_path(&line), output.setup_requests.lock()) {
                        paths.push(path);
                    }
                } else {
                    match summarize(&line) {
                        Some(Summary::Request { line, may_mail }) => {
                            output.say(&line);
                            if may_mail {
                                output.check_mail();
                            }
                        }
                        Some(Summary::Problem(line)) => output.say(&line),
                        None => {}
                    }
                }
                bytes.clear();
            }
        });
    }

    /// Waits (at most `limit`) until the log has the request to `path`: the lines before it are then read too.
    pub fn wait_for_request(&self, path: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.setup_requests.lock().is_ok_and(|paths| paths.iter().any(|seen| seen == path)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// From now on the terminal shows requests and emails (the banner is out); emails already in the mailbox
    /// are not announced.
    pub fn announced(&self) {
        self.check_mail();
        self.announced.store(true, Ordering::Relaxed);
    }

    /// Asks the mail watcher to read the mailbox.
    pub fn check_mail(&self) {
        if let Ok(sender) = self.mail.lock() {
            let _ = sender.send(());
        }
    }

    /// Prints `HH:MM:SS  text` (local time) on the terminal.
    pub fn say(&self, text: &str) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
        let seconds_of_day = (now as i64 + self.offset_seconds).rem_euclid(86_400);
        let (hours, minutes, seconds) = (seconds_of_day / 3600, seconds_of_day / 60 % 60, seconds_of_day % 60);
        println!("{hours:02}:{minutes:02}:{seconds:02}  {text}");
    }

    /// The mail watcher: on each request, reads the development mailbox and prints the messages not seen
    /// before. The first read (at the banner) only records what is there.
    fn watch_mail(&self, port: u16, requests: &Receiver<()>) {
        let mut seen: Option<HashSet<String>> = None;
        while requests.recv().is_ok() {
            while requests.try_recv().is_ok() {}
            let Ok(response) = http::request(port, "GET", "/api/v1/dev/mailbox", None) else { continue };
            let Ok(mailbox) = serde_json::from_str::<shared::api::dev::Mailbox>(&response.body) else { continue };
            let first = seen.is_none();
            let known = seen.get_or_insert_with(HashSet::new);
            // Newest first in the answer: announce oldest first.
            for message in mailbox.messages.iter().rev() {
                if known.insert(message.id.clone()) && !first {
                    self.say(&mail_line(&message.to, &message.subject, &message.status));
                }
            }
        }
    }
}

/// What the terminal shows of one line of wrangler's output.
#[derive(Debug, PartialEq, Eq)]
pub enum Summary {
    /// A request worth a line; `may_mail` when it could have queued an email (any method but GET and HEAD).
    Request {
        /// `POST /api/v1/orders → 201  (38 ms)`.
        line: String,
        /// Whether to read the mailbox after it.
        may_mail: bool,
    },
    /// An error the Worker or wrangler reported.
    Problem(String),
}

/// Reads one line of wrangler's output. Requests are logged as `[wrangler:info] GET /path 200 OK (12ms)`; the
/// Worker's `console.error` lines and wrangler's own errors start with `✘ [ERROR]` or carry `[wrangler:error]`.
pub fn summarize(line: &str) -> Option<Summary> {
    let line = strip_ansi(line);
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("[wrangler:info] ") {
        return request(rest);
    }
    if line.contains("[ERROR]") || line.contains("[wrangler:error]") {
        return Some(Summary::Problem(line.to_owned()));
    }
    None
}

/// The path (query included) of a request line of wrangler's, `[wrangler:info] GET /path 200 OK (12ms)`.
fn request_path(line: &str) -> Option<String> {
    let line = strip_ansi(line);
    let rest = line.trim().strip_prefix("[wrangler:info] ")?;
    let mut words = rest.split_whitespace();
    let (method, target) = (words.next()?, words.next()?);
    method.chars().all(|character| character.is_ascii_uppercase()).then(|| target.to_owned())
}

/// `GET /path 200 OK (12ms)` → a request line, or `None` for what is not shown.
fn request(rest: &str) -> Option<Summary> {
    let mut words = rest.split_whitespace();
    let (method, target, status) = (words.next()?, words.next()?, words.next()?.parse::<u16>().ok()?);
    if !method.chars().all(|character| character.is_ascii_uppercase()) {
        return None;
    }
    // `(12ms)`, which wrangler may follow with a note (`... Sec-Fetch-Mode: navigate header present ...`).
    let millis = rest
        .match_indices('(')
        .find_map(|(start, _)| {
            let (digits, _) = rest[start + 1..].split_once("ms)")?;
            (!digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())).then_some(digits)
        })
        .unwrap_or("?");
    let path = target.split('?').next().unwrap_or(target);
    if status < 500 && !worth_showing(method, path) {
        return None;
    }
    let may_mail = method != "GET" && method != "HEAD";
    Some(Summary::Request { line: format!("{method} {path} → {status}  ({millis} ms)"), may_mail })
}

/// The API (but the mailbox's own reads) and page navigations; not the static assets, the CA repository (CRL,
/// OCSP, CA certificates: relying parties' traffic) nor the scheduled ticks (they report their failures).
fn worth_showing(method: &str, path: &str) -> bool {
    let quiet_prefixes = ["/ocsp", "/crl/", "/ca/", "/__scheduled", "/cdn-cgi/"];
    if quiet_prefixes.iter().any(|prefix| path.starts_with(prefix)) {
        return false;
    }
    if path.starts_with("/api/") {
        return !(method == "GET" && path == "/api/v1/dev/mailbox");
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    method == "GET" && !last.contains('.')
}

/// `mail → ada@example.com: "Subject"`, with the delivery status when it is not `sent`.
pub fn mail_line(to: &str, subject: &str, status: &str) -> String {
    let status = if status == "sent" { String::new() } else { format!("  ({status})") };
    format!("mail → {to}: \"{subject}\"{status}")
}

/// The text without ANSI escape sequences (colours), should wrangler print any.
fn strip_ansi(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        if character == '\u{1b}' {
            // CSI: ESC [ parameters final-byte (a letter).
            for next in characters.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(character);
        }
    }
    plain
}

/// The local time's offset from UTC in seconds, from `date +%z` (`+0100`); 0 when it cannot be read.
fn local_offset_seconds() -> i64 {
    let output = std::process::Command::new("date").arg("+%z").output();
    output.ok().and_then(|output| parse_offset(String::from_utf8_lossy(&output.stdout).trim())).unwrap_or(0)
}

/// `+0130` → 5400, `-0500` → -18000.
fn parse_offset(text: &str) -> Option<i64> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: Option<&str>) {
        let shown = match summarize(line) {
            Some(Summary::Request { line, .. } | Summary::Problem(line)) => Some(line),
            None => None,
        };
        assert_eq!(shown.as_deref(), expected, "{line:?}");
    }

    #[test]
    fn shows_what_a_person_wants_to_see() {
        let cases = [
            ("[wrangler:info] POST /api/v1/orders 201 Created (38ms)\n", Some("POST /api/v1/orders → 201  (38 ms)")),
            (
                "\u{1b}[32m[wrangler:info]\u{1b}[0m GET /api/v1/orders?q=x 200 OK (5ms)",
                Some("GET /api/v1/orders → 200  (5 ms)"),
            ),
            ("[wrangler:info] GET /console/orders 200 OK (3ms)", Some("GET /console/orders → 200  (3 ms)")),
            ("[wrangler:info] GET / 200 OK (3ms)", Some("GET / → 200  (3 ms)")),
            (
                "[wrangler:info] GET /login 200 OK (14ms) `Sec-Fetch-Mode: navigate` header present - using `not_found_handling` behavior",
                Some("GET /login → 200  (14 ms)"),
            ),
            // Static assets, the CA repository, the ticks, the mailbox's reads: not shown.
            ("[wrangler:info] GET /pkg/keyward_bg.wasm 200 OK (9ms)", None),
            ("[wrangler:info] GET /favicon.svg 304 Not Modified (1ms)", None),
            ("[wrangler:info] POST /ocsp 200 OK (4ms)", None),
            ("[wrangler:info] GET /ocsp/MEkwRzBF 200 OK (4ms)", None),
            ("[wrangler:info] GET /crl/issuing.crl 200 OK (4ms)", None),
            ("[wrangler:info] GET /__scheduled 200 OK (120ms)", None),
            ("[wrangler:info] GET /api/v1/dev/mailbox 200 OK (2ms)", None),
            // An error answer is shown wherever it comes from.
            (
                "[wrangler:info] GET /crl/issuing.crl 500 Internal Server Error (4ms)",
                Some("GET /crl/issuing.crl → 500  (4 ms)"),
            ),
            ("✘ [ERROR] advancing order 42 failed: Internal", Some("✘ [ERROR] advancing order 42 failed: Internal")),
            // wrangler's start-up chatter.
            ("⎔ Starting local server...", None),
            ("[wrangler:info] Ready on http://127.0.0.1:8787", None),
            ("", None),
        ];
        for (line, expected) in cases {
            check(line, expected);
        }
    }

    #[test]
    fn reads_the_path_of_a_request_line() {
        assert_eq!(
            request_path("[wrangler:info] POST /api/v1/dev/seed 201 Created (35ms)\n").as_deref(),
            Some("/api/v1/dev/seed")
        );
        assert_eq!(request_path("[wrangler:info] Ready on http://127.0.0.1:8787"), None);
        assert_eq!(request_path("GET / 200 OK (1ms)"), None);
    }

    #[test]
    fn only_requests_that_change_something_may_queue_mail() {
        let may_mail = |line| matches!(summarize(line), Some(Summary::Request { may_mail: true, .. }));
        assert!(may_mail("[wrangler:info] POST /api/v1/validations/abc 200 OK (7ms)"));
        assert!(!may_mail("[wrangler:info] GET /api/v1/orders 200 OK (7ms)"));
    }

    #[test]
    fn names_the_recipient_the_subject_and_an_unusual_status() {
        assert_eq!(mail_line("a@example.com", "Hi", "sent"), "mail → a@example.com: \"Hi\"");
        assert_eq!(mail_line("a@example.com", "Hi", "failed"), "mail → a@example.com: \"Hi\"  (failed)");
    }

    #[test]
    fn reads_the_offset_of_local_time() {
        let cases =
            [("+0000", Some(0)), ("+0130", Some(5400)), ("-0500", Some(-18_000)), ("0100", None), ("+01", None)];
        for (text, expected) in cases {
            assert_eq!(parse_offset(text), expected, "{text}");
        }
    }
}
