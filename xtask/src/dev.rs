//! `cargo xtask dev`: Keyward on 127.0.0.1 as it runs in production, with demo data. It installs what is
//! missing, builds the development flavour unless it is already built and newer than every source, creates the
//! development CA, applies the D1 migrations, starts `wrangler dev` (its whole output in `target/dev/wrangler.log`),
//! seeds demo data through the Worker's own development endpoints, prints one banner, and then ticks the
//! scheduled handler at every minute, as the `[triggers] crons` of `wrangler.toml` do once deployed: orders move
//! on by themselves, mail is retried, reminders go out. The terminal then shows a line per request and per email
//! (`dev/output.rs`).
//!
//! Settings, from the environment: `KEYWARD_DEV_PORT` (default 8787); `KEYWARD_DEV_STATE`, a directory for the
//! local database and the log instead of wrangler's default `edge/.wrangler/state` and `target/dev/`;
//! `KEYWARD_DEV_BUILD` `always` or `never` (default: when out of date); `KEYWARD_DOH_URL` and `KEYWARD_LINT_URL`,
//! a DNS-over-HTTPS resolver and a pkilint REST API to use instead of starting the local ones (the end-to-end
//! suite `tests/e2e/dev.test.mjs` passes its own resolver, and `cargo xtask test` its pkilint).

mod output;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::tools::{self, Tools};
use crate::{Result, build, devca, doh, http, linter, root};
use output::Output;

/// Where the local Worker listens unless `KEYWARD_DEV_PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8787;

/// The cron expression of `wrangler.toml`'s `[triggers]`, which every tick passes to the scheduled handler.
const CRON: &str = "* * * * *";

/// Runs Keyward locally until interrupted.
pub fn run() -> Result {
    let started = Instant::now();
    let settings = Settings::from_environment()?;
    let port = settings.port;
    let tools = tools::ensure()?;
    // pkilint takes about 30 s of CPU to start: it starts first, and the Worker does not wait for it.
    let linter = match &settings.lint_url {
        Some(url) => Linter::Given(url.clone()),
        None => Linter::Own(linter::spawn(&tools)?),
    };
    if settings.build.needed() {
        build::all(&tools, build::Flavor::Development)?;
    } else {
        eprintln!("The development build is newer than every source: not rebuilt (KEYWARD_DEV_BUILD=always rebuilds).");
    }
    devca::ensure()?;
    let output = Output::start(&settings.log_path(), port)?;
    // The migrations (about 10 s, most of it wrangler starting) run while `wrangler dev` starts: nothing asks the
    // Worker anything before they are done.
    let mut migrations = wrangler(&tools);
    migrations.args(["d1", "migrations", "apply", "DB", "--local"]).args(settings.persist_arguments());
    migrations.stdin(Stdio::null()).stdout(output.log_file()?).stderr(output.log_file()?);
    let migrating = migrations.spawn().map_err(|error| format!("starting wrangler d1 migrations apply: {error}"))?;
    // Stops when `run` returns, after wrangler.
    let resolver = match &settings.doh_url {
        Some(_) => None,
        None => Some(doh::LocalResolver::start()?),
    };
    let doh_url = settings.doh_url.clone().or_else(|| resolver.as_ref().map(|resolver| resolver.url().to_owned()));
    let mut server = wrangler(&tools)
        .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--show-interactive-dev-session=false"])
        .arg("--test-scheduled")
        .args(settings.persist_arguments())
        // `localhost`, not the address: WebAuthn refuses an IP address as RP ID, and the CA administrator logs in
        // with a passkey (the app's host is the RP ID).
        .args(["--var", &format!("KEYWARD_APP_URL:http://localhost:{port}")])
        .args(["--var", &format!("KEYWARD_DOH_URL:{}", doh_url.unwrap_or_default())])
        .args(["--var", &linter.worker_var()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("starting wrangler dev: {error}"))?;
    if let Some(stdout) = server.stdout.take() {
        output.follow(stdout);
    }
    if let Some(stderr) = server.stderr.take() {
        output.follow(stderr);
    }
    eprintln!("Starting wrangler dev (its output: {})...", output.path().display());
    let ready = migrated(migrating, &output)
        .and_then(|()| wait_until_ready(port, &mut server, &output))
        .and_then(|()| demo_accounts(port))
        .and_then(|()| demo_link(port));
    let (link, last_setup_request) = match ready {
        Ok(link) => link,
        Err(error) => {
            let _ = server.kill();
            let _ = server.wait();
            return Err(error);
        }
    };
    let linter_ready = linter.answers();
    // The setup's own requests are not shown: the terminal's lines start after the last one reached the log.
    output.wait_for_request(&last_setup_request, Duration::from_secs(3));
    announce(port, &link, &output, linter_ready, started.elapsed());
    output.announced();
    if !linter_ready {
        linter.announce_when_ready(&output);
    }
    tick_every_minute(port, &output);
    let status = server.wait().map_err(|error| error.to_string())?;
    drop(linter);
    if status.success() { Ok(()) } else { Err(format!("wrangler dev exited: {status}")) }
}

/// `wrangler` from the project's pinned npm install, run in `edge/`, with telemetry, colours and the
/// request-metadata fetch off.
pub fn wrangler(tools: &Tools) -> Command {
    let mut command = Command::new(tools.node("wrangler"));
    command
        .current_dir(root().join("edge"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0");
    command
}

/// What the environment sets (module documentation).
struct Settings {
    port: u16,
    state: Option<PathBuf>,
    build: Build,
    doh_url: Option<String>,
    lint_url: Option<String>,
}

impl Settings {
    fn from_environment() -> Result<Self> {
        let variable =
            |name: &str| std::env::var(name).ok().map(|value| value.trim().to_owned()).filter(|v| !v.is_empty());
        let port = match variable("KEYWARD_DEV_PORT") {
            Some(text) => parse_port(&text)?,
            None => DEFAULT_PORT,
        };
        let build = match variable("KEYWARD_DEV_BUILD").as_deref() {
            None => Build::WhenOutOfDate,
            Some("always") => Build::Always,
            Some("never") => Build::Never,
            Some(other) => return Err(format!("KEYWARD_DEV_BUILD: `{other}` is neither `always` nor `never`")),
        };
        Ok(Self {
            port,
            state: variable("KEYWARD_DEV_STATE").map(PathBuf::from),
            build,
            doh_url: variable("KEYWARD_DOH_URL"),
            lint_url: variable(linter::URL_VARIABLE),
        })
    }

    /// wrangler's log: `target/dev/wrangler.log`, or `wrangler.log` in the `KEYWARD_DEV_STATE` directory (so that
    /// a second run with its own state, such as the test's, does not write over a person's log).
    fn log_path(&self) -> PathBuf {
        match &self.state {
            Some(directory) => directory.join("wrangler.log"),
            None => root().join("target/dev/wrangler.log"),
        }
    }

    /// `--persist-to <directory>` when `KEYWARD_DEV_STATE` names one; nothing for wrangler's default.
    fn persist_arguments(&self) -> Vec<String> {
        match &self.state {
            Some(directory) => vec!["--persist-to".to_owned(), directory.to_string_lossy().into_owned()],
            None => Vec::new(),
        }
    }
}

/// `KEYWARD_DEV_PORT`: a port number from 1 to 65535.
fn parse_port(text: &str) -> Result<u16> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("KEYWARD_DEV_PORT: `{text}` is not a port number (1 to 65535)")),
    }
}

/// Whether to build before starting (`KEYWARD_DEV_BUILD`).
enum Build {
    /// Unless the development build is there and newer than every source (the default).
    WhenOutOfDate,
    /// Every time.
    Always,
    /// Never (the artefacts are known to be there).
    Never,
}

impl Build {
    fn needed(&self) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::WhenOutOfDate => !development_build_is_current(&root()),
        }
    }
}

/// The artefacts `build::all` writes, each with a text only the development flavour's holds (its mailbox
/// route), or `None` for a file that only needs to exist.
const ARTEFACTS: &[(&str, Option<&[u8]>)] = &[
    ("edge/build/index.js", None),
    ("edge/build/index_bg.wasm", Some(b"dev/mailbox")),
    ("dist/pkg/keyward_bg.wasm", None),
    ("dist/pkg/tools_bg.wasm", Some(b"dev/mailbox")),
    ("dist/pkg/console-login_bg.wasm", None),
    ("dist/index.html", None),
    ("dist/api/v1/openapi.json", None),
];

/// What the artefacts are made from: the three crates, the static files, the lock file.
const SOURCES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "shared",
    "edge/src",
    "edge/Cargo.toml",
    "edge/build.rs",
    "edge/openapi.json",
    "frontend",
    "public",
];

/// Whether every artefact of the development build is there, of that flavour, and newer than every source.
fn development_build_is_current(root: &Path) -> bool {
    let mut oldest_artefact = None;
    for (path, marker) in ARTEFACTS {
        let path = root.join(path);
        let Ok(modified) = std::fs::metadata(&path).and_then(|metadata| metadata.modified()) else { return false };
        if let Some(marker) = marker {
            let Ok(bytes) = std::fs::read(&path) else { return false };
            if !bytes.windows(marker.len()).any(|window| window == *marker) {
                return false;
            }
        }
        oldest_artefact = Some(oldest_artefact.map_or(modified, |oldest: SystemTime| oldest.min(modified)));
    }
    let Some(oldest_artefact) = oldest_artefact else { return false };
    SOURCES.iter().all(|source| newest_modification(&root.join(source)).is_none_or(|newest| newest < oldest_artefact))
}

/// The latest modification time of a file, or of any file under a directory.
fn newest_modification(path: &Path) -> Option<SystemTime> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_dir() {
        return metadata.modified().ok();
    }
    std::fs::read_dir(path).ok()?.flatten().filter_map(|entry| newest_modification(&entry.path())).max()
}

/// The pkilint REST API the Worker lints with: the xtask's own, or one the environment named.
enum Linter {
    /// Started here; stops when dropped.
    Own(linter::LintServer),
    /// `KEYWARD_LINT_URL` from the environment.
    Given(String),
}

impl Linter {
    /// The Worker variable naming it, as `wrangler dev --var` takes it.
    fn worker_var(&self) -> String {
        match self {
            Self::Own(server) => server.worker_var(),
            Self::Given(url) => format!("{}:{url}", linter::URL_VARIABLE),
        }
    }

    /// Whether it answers `GET /version` now (a given one is trusted: it is someone else's to start).
    fn answers(&self) -> bool {
        match self {
            Self::Own(server) => local_port(&server.url()).is_some_and(version_answers),
            Self::Given(_) => true,
        }
    }

    /// Prints a line once the xtask's own pkilint answers (asked every half second, for at most 4 minutes).
    fn announce_when_ready(&self, output: &Arc<Output>) {
        let Self::Own(server) = self else { return };
        let Some(port) = local_port(&server.url()) else { return };
        let output = Arc::clone(output);
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(240);
            while Instant::now() < deadline {
                if version_answers(port) {
                    return output.say("pkilint is ready: issuance is open");
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            output.say("pkilint did not answer within 4 minutes: every issuance answers 503 (see the terminal above)");
        });
    }
}

/// The port of `http://127.0.0.1:<port>`.
fn local_port(url: &str) -> Option<u16> {
    url.rsplit(':').next()?.parse().ok()
}

fn version_answers(port: u16) -> bool {
    http::request(port, "GET", "/version", None).is_ok_and(|response| response.status == 200)
}

/// Waits for the migrations to be applied.
fn migrated(mut migrating: std::process::Child, output: &Output) -> Result {
    let status = migrating.wait().map_err(|error| format!("wrangler d1 migrations apply: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("wrangler d1 migrations apply failed ({status}); its output: {}", output.path().display()))
    }
}

/// Waits until the Worker answers (the mailbox: development routes are in this build), or wrangler exits.
fn wait_until_ready(port: u16, server: &mut std::process::Child, output: &Output) -> Result {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("wrangler dev exited ({status}); its output: {}", output.path().display()));
        }
        if http::request(port, "GET", "/api/v1/dev/mailbox", None).is_ok_and(|response| response.status == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("the Worker did not answer on 127.0.0.1:{port} within 90 s; see {}", output.path().display()))
}

/// Runs the scheduled handler at the start of every minute, through wrangler's `/__scheduled` (there with
/// `--test-scheduled`; `wrangler.toml`'s `run_worker_first` sends it to the Worker rather than the web app's
/// fallback page). A failed tick prints a line; a successful one reads the mailbox for what it sent.
///
/// Not through `/cdn-cgi/handler/scheduled`, which wrangler 4.86 suggests without `--test-scheduled`: it answers
/// 500 (`exception`) here because, with `[assets]`, miniflare delivers that scheduled event to its assets router
/// Worker, which has no scheduled handler, never to Keyward's (the router only forwards `fetch`).
fn tick_every_minute(port: u16, output: &Arc<Output>) {
    let output = Arc::clone(output);
    std::thread::spawn(move || {
        let path = format!("/__scheduled?cron={}", CRON.replace(' ', "+"));
        loop {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis());
            let next_minute = (now / 60_000 + 1) * 60_000;
            std::thread::sleep(Duration::from_millis(u64::try_from(next_minute - now).unwrap_or(60_000)));
            match http::request(port, "GET", &path, None) {
                Ok(response) if response.status == 200 => output.check_mail(),
                Ok(response) => output.say(&format!(
                    "scheduled handler → {}: {}",
                    response.status,
                    response.body.chars().take(200).collect::<String>()
                )),
                Err(error) => output.say(&format!("scheduled handler: no answer ({error})")),
            }
        }
    });
}

/// The newest enrollment link in the development mailbox if it is still open, else a new demo order's; and the
/// path of the last request made.
fn demo_link(port: u16) -> Result<(String, String)> {
    const SEED: &str = "/api/v1/dev/seed";
    let mailbox = http::request(port, "GET", "/api/v1/dev/mailbox", None)?;
    if let Some(link) = newest_link(&mailbox.body) {
        let path = link.split_once("/enroll/").map(|(_, token)| format!("/api/v1/enrollments/{token}"));
        if let Some(path) = path {
            let view = http::request(port, "GET", &path, None)?;
            if view.status == 200 && view.body.contains("\"state\":\"open\"") {
                return Ok((link, path));
            }
        }
    }
    let seeded = http::request(
        port,
        "POST",
        SEED,
        Some(r#"{"recipient_given_name":"Ada","recipient_surname":"Lovelace","recipient_email":"ada@example.com"}"#),
    )?;
    if seeded.status != 201 {
        return Err(format!("seeding failed ({}): {}", seeded.status, seeded.body));
    }
    let link =
        field(&seeded.body, "enrollment_url").ok_or_else(|| format!("unexpected seed answer: {}", seeded.body))?;
    Ok((link, SEED.to_owned()))
}

/// The demo users: an organization administrator of the demo account, and a CA administrator.
pub const DEMO_USERS: [(&str, &str, &str); 2] =
    [("admin@example.com", "Org Admin", "org_admin"), ("ca-admin@keyward.example", "CA Admin", "ca_admin")];

/// The demo users' password (development only; printed by `cargo xtask dev`).
pub const DEMO_PASSWORD: &str = "keyward demo password";

/// Where the demo users' password keys are kept once derived (git-ignored, like all of `target/`).
const PASSWORD_KEY_CACHE: &str = "target/dev/password-keys.tsv";

/// Creates the demo account and users unless they exist (a second run answers 409 and changes nothing).
fn demo_accounts(port: u16) -> Result {
    let cache = root().join(PASSWORD_KEY_CACHE);
    for (email, name, role) in DEMO_USERS {
        let account = if role == "ca_admin" { "null".to_owned() } else { "\"Example Account\"".to_owned() };
        let body = format!(
            r#"{{"account_name":{account},"deposit_cents":100000,"users":[{{"email":"{email}","name":"{name}","role":"{role}","password_key":"{}"}}]}}"#,
            cached_password_key(&cache, email, DEMO_PASSWORD)
        );
        let created = http::request(port, "POST", "/api/v1/dev/accounts", Some(&body))?;
        if created.status != 201 && created.status != 409 {
            return Err(format!("creating the demo users failed ({}): {}", created.status, created.body));
        }
    }
    Ok(())
}

/// The password key of `email` and `password`, from the cache file when it holds one derived with today's
/// parameters, else derived (600,000 PBKDF2 iterations) and added to it. A cache that cannot be written only
/// costs the derivation next time.
fn cached_password_key(cache: &Path, email: &str, password: &str) -> String {
    let prefix = cache_prefix(email, password);
    let text = std::fs::read_to_string(cache).unwrap_or_default();
    if let Some(key) = text.lines().find_map(|line| line.strip_prefix(&prefix)) {
        return key.to_owned();
    }
    let key = password_key(email, password);
    let mut lines: Vec<&str> = text.lines().filter(|line| !line.starts_with(&prefix)).collect();
    let line = format!("{prefix}{key}");
    lines.push(&line);
    if let Some(directory) = cache.parent() {
        let _ = std::fs::create_dir_all(directory);
    }
    let _ = std::fs::write(cache, format!("{}\n", lines.join("\n")));
    key
}

/// A cache line's fields before the key: the derivation's parameters, the address and the password (the
/// demo password, printed by the banner anyway), tab-separated.
fn cache_prefix(email: &str, password: &str) -> String {
    format!(
        "pbkdf2-sha256\t{}\t{}\t{email}\t{password}\t",
        shared::account::PASSWORD_KDF_ITERATIONS,
        shared::account::PASSWORD_KEY_BYTES
    )
}

/// The key the browser derives from a password (`shared::account`): PBKDF2-HMAC-SHA256, 600,000 iterations,
/// salt `keyward/password/v1\0` and the address; base64url without padding.
fn password_key(email: &str, password: &str) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let salt = shared::account::password_salt(email);
    let mut key = [0u8; shared::account::PASSWORD_KEY_BYTES];
    let iterations = std::num::NonZeroU32::new(shared::account::PASSWORD_KDF_ITERATIONS).expect("a non-zero constant");
    ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &mut key);
    Base64UrlUnpadded::encode_string(&key)
}

/// The first `http…/enroll/…` URL in a JSON text.
fn newest_link(json: &str) -> Option<String> {
    let start = json.find("http://localhost")?;
    let rest = &json[start..];
    let end = rest.find(|character: char| character.is_whitespace() || character == '"' || character == '\\')?;
    rest[..end].contains("/enroll/").then(|| rest[..end].to_owned())
}

/// A top-level string field of a flat JSON object.
fn field(json: &str, name: &str) -> Option<String> {
    let start = json.find(&format!("\"{name}\":\""))? + name.len() + 4;
    let end = json[start..].find('"')? + start;
    Some(json[start..end].to_owned())
}

/// The banner: where everything is, the demo users, the log, how to stop.
fn announce(port: u16, link: &str, output: &Output, linter_ready: bool, elapsed: Duration) {
    let (admin, ca_admin) = (DEMO_USERS[0].0, DEMO_USERS[1].0);
    let base = format!("http://localhost:{port}");
    let linter = if linter_ready {
        "ready".to_owned()
    } else {
        "starting (about 30 s); until a line below says it is ready, issuance answers 503 (try again)".to_owned()
    };
    println!(
        "\n  Keyward is running (ready in {:.1} s).\n\n  \
         App:                     {base}/\n  \
         Development mailbox:     {base}/dev/mailbox\n  \
         Demo enrollment link:    {link}\n  \
         Revoke a certificate:    {base}/revoke\n  \
         CA policy (JSON):        {base}/api/v1/policy\n  \
         CRL and OCSP:            {base}/crl/issuing.crl, {base}/ocsp\n  \
         Console login:           {base}/login\n  \
         Organization admin:      {admin} / {DEMO_PASSWORD}\n  \
         CA administrator:        {ca_admin} / {DEMO_PASSWORD}\n  \
         {:25}then a passkey: the first login registers one in this browser and shows ten recovery\n  \
         {:25}codes once (open the app at localhost: WebAuthn refuses 127.0.0.1 as a relying party)\n\n  \
         Scheduled handler:       run by this command at the start of every minute; to run it now:\n  \
         {:25}curl {base}/__scheduled   (not wrangler's /cdn-cgi/handler/scheduled: 500)\n  \
         pkilint:                 {linter}\n  \
         wrangler's output:       {}\n\n  \
         Below: a line per request and per email (not static files, CRL, OCSP or the ticks; all are in the log).\n  \
         Press Ctrl-C to stop (it stops wrangler, workerd, pkilint and the local DNS responder).\n",
        elapsed.as_secs_f64(),
        "",
        "",
        "",
        output.path().display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_enrollment_link_in_a_mailbox_answer() {
        let json = r#"{"messages":[{"body":"Open this link:\n\nhttp://localhost:8787/enroll/abc_DEF-1\n\nIf"}]}"#;
        assert_eq!(newest_link(json).as_deref(), Some("http://localhost:8787/enroll/abc_DEF-1"));
        assert_eq!(newest_link(r#"{"messages":[]}"#), None);
    }

    /// Node's PBKDF2 (OpenSSL) on the same inputs, the command in the test below.
    const EXPECTED_DEMO_KEY: &str = "62WuIJ0YU0TUNoCfNOq1URFSAbyxgmKrIl_cGpdR8wY";

    #[test]
    fn derives_the_same_password_key_as_the_browser_and_the_tests() {
        // node -e "require('crypto').pbkdf2Sync('keyward demo password', Buffer.concat([Buffer.from('keyward/password/v1\\0'), Buffer.from('admin@example.com')]), 600000, 32, 'sha256').toString('base64url')"
        assert_eq!(password_key("admin@example.com", DEMO_PASSWORD), EXPECTED_DEMO_KEY);
    }

    #[test]
    fn the_password_key_is_derived_once_then_read_from_the_cache() {
        let directory = std::env::temp_dir().join(format!("keyward-dev-cache-{}", std::process::id()));
        let cache = directory.join("keys.tsv");
        let _ = std::fs::remove_dir_all(&directory);
        assert_eq!(cached_password_key(&cache, "admin@example.com", DEMO_PASSWORD), EXPECTED_DEMO_KEY);
        let written = std::fs::read_to_string(&cache).unwrap();
        assert!(written.contains(EXPECTED_DEMO_KEY), "{written}");
        // A planted value under the same parameters is what comes back: the cache is read, nothing derived.
        std::fs::write(&cache, format!("{}planted\n", cache_prefix("admin@example.com", DEMO_PASSWORD))).unwrap();
        assert_eq!(cached_password_key(&cache, "admin@example.com", DEMO_PASSWORD), "planted");
        // Another password (or address) is not served a stale key; both lines are then kept.
        let other = cached_password_key(&cache, "admin@example.com", "another password");
        assert_eq!(other, password_key("admin@example.com", "another password"));
        assert_eq!(std::fs::read_to_string(&cache).unwrap().lines().count(), 2);
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn reads_a_string_field() {
        let json = r#"{"order_id":"42","enrollment_url":"http://127.0.0.1:8787/enroll/x"}"#;
        assert_eq!(field(json, "enrollment_url").as_deref(), Some("http://127.0.0.1:8787/enroll/x"));
        assert_eq!(field(json, "missing"), None);
    }

    #[test]
    fn reads_the_port_setting() {
        let cases = [("8787", Ok(8787)), ("18999", Ok(18999)), ("0", Err(())), ("65536", Err(())), ("http", Err(()))];
        for (text, expected) in cases {
            assert_eq!(parse_port(text).map_err(|_| ()), expected, "{text}");
        }
        assert!(parse_port("x").unwrap_err().contains("KEYWARD_DEV_PORT"));
    }

    #[test]
    fn a_build_older_than_a_source_or_of_the_production_flavour_is_not_current() {
        let directory = std::env::temp_dir().join(format!("keyward-dev-build-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        let write = |path: &str, contents: &[u8]| {
            let path = directory.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        };
        write("shared/src/lib.rs", b"//! source");
        std::thread::sleep(Duration::from_millis(20));
        assert!(!development_build_is_current(&directory), "nothing built");
        for (path, marker) in ARTEFACTS {
            write(path, marker.unwrap_or(b"built"));
        }
        assert!(development_build_is_current(&directory));
        write("edge/build/index_bg.wasm", b"production: no development route");
        assert!(!development_build_is_current(&directory), "the production flavour");
        write("edge/build/index_bg.wasm", b"dev/mailbox");
        std::thread::sleep(Duration::from_millis(20));
        write("shared/src/lib.rs", b"//! changed");
        assert!(!development_build_is_current(&directory), "a source changed since");
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn reads_the_port_of_a_local_url() {
        assert_eq!(local_port("http://127.0.0.1:18911"), Some(18911));
        assert_eq!(local_port("http://127.0.0.1"), None);
    }
}
