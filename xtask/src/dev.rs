//! `cargo xtask dev`: install, build, create the development CA, apply the D1 migrations, start `wrangler dev`
//! on 127.0.0.1:8787, seed demo data through the Worker's own development endpoint, and print the URLs.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::process;
use crate::tools::{self, Tools};
use crate::{Result, build, devca, doh, http, linter, root};

/// Where the local Worker listens.
pub const PORT: u16 = 8787;

/// Runs Keyward locally until interrupted.
pub fn run() -> Result {
    let tools = tools::ensure()?;
    build::all(&tools, build::Flavor::Development)?;
    devca::ensure()?;
    process::run(wrangler(&tools).args(["d1", "migrations", "apply", "DB", "--local"]))?;
    // Stop when `run` returns, after wrangler.
    let resolver = doh::LocalResolver::start()?;
    let mut linter = linter::spawn(&tools)?;
    let mut server = wrangler(&tools)
        .args(["dev", "--ip", "127.0.0.1", "--port", &PORT.to_string(), "--show-interactive-dev-session=false"])
        .args(["--var", &format!("KEYWARD_APP_URL:http://127.0.0.1:{PORT}")])
        .args(["--var", &format!("KEYWARD_DOH_URL:{}", resolver.url())])
        .args(["--var", &linter.worker_var()])
        .spawn()
        .map_err(|error| format!("starting wrangler dev: {error}"))?;
    let announced = linter
        .ready()
        .and_then(|()| wait_until_ready())
        .and_then(|()| demo_accounts())
        .and_then(|()| demo_link())
        .map(|link| announce(&link));
    if let Err(error) = announced {
        let _ = server.kill();
        return Err(error);
    }
    let status = server.wait().map_err(|error| error.to_string())?;
    if status.success() { Ok(()) } else { Err(format!("wrangler dev exited: {status}")) }
}

/// `wrangler` from the project's pinned npm install, run in `edge/`, with telemetry off.
pub fn wrangler(tools: &Tools) -> Command {
    let mut command = Command::new(tools.node("wrangler"));
    command.current_dir(root().join("edge")).env("WRANGLER_SEND_METRICS", "false");
    command
}

fn wait_until_ready() -> Result {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if http::request(PORT, "GET", "/api/v1/dev/mailbox", None).is_ok_and(|response| response.status == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    Err(format!("the Worker did not answer on 127.0.0.1:{PORT} within 90 s"))
}

/// The newest enrollment link in the development mailbox if it is still open, else a new demo order's.
fn demo_link() -> Result<String> {
    let mailbox = http::request(PORT, "GET", "/api/v1/dev/mailbox", None)?;
    if let Some(link) = newest_link(&mailbox.body) {
        let path = link.split_once("/enroll/").map(|(_, token)| format!("/api/v1/enrollments/{token}"));
        if let Some(path) = path {
            let view = http::request(PORT, "GET", &path, None)?;
            if view.status == 200 && view.body.contains("\"state\":\"open\"") {
                return Ok(link);
            }
        }
    }
    let seeded = http::request(
        PORT,
        "POST",
        "/api/v1/dev/seed",
        Some(r#"{"recipient_given_name":"Ada","recipient_surname":"Lovelace","recipient_email":"ada@example.com"}"#),
    )?;
    if seeded.status != 201 {
        return Err(format!("seeding failed ({}): {}", seeded.status, seeded.body));
    }
    field(&seeded.body, "enrollment_url").ok_or_else(|| format!("unexpected seed answer: {}", seeded.body))
}

/// The demo users: an organization administrator of the demo account, and a CA administrator.
pub const DEMO_USERS: [(&str, &str, &str); 2] =
    [("admin@example.com", "Org Admin", "org_admin"), ("ca-admin@keyward.example", "CA Admin", "ca_admin")];

/// The demo users' password (development only; printed by `cargo xtask dev`).
pub const DEMO_PASSWORD: &str = "keyward demo password";

/// Creates the demo account and users unless they exist (a second run answers 409 and changes nothing).
fn demo_accounts() -> Result {
    for (email, name, role) in DEMO_USERS {
        let account = if role == "ca_admin" { "null".to_owned() } else { "\"Example Account\"".to_owned() };
        let body = format!(
            r#"{{"account_name":{account},"deposit_cents":100000,"users":[{{"email":"{email}","name":"{name}","role":"{role}","password_key":"{}"}}]}}"#,
            password_key(email, DEMO_PASSWORD)
        );
        let created = http::request(PORT, "POST", "/api/v1/dev/accounts", Some(&body))?;
        if created.status != 201 && created.status != 409 {
            return Err(format!("creating the demo users failed ({}): {}", created.status, created.body));
        }
    }
    Ok(())
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
    let start = json.find("http://127.0.0.1")?;
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

fn announce(link: &str) {
    let (admin, ca_admin) = (DEMO_USERS[0].0, DEMO_USERS[1].0);
    println!(
        "\n  Keyward is running.\n\n  \
         App:                     http://127.0.0.1:{PORT}/\n  \
         Development mailbox:     http://127.0.0.1:{PORT}/dev/mailbox\n  \
         Demo enrollment link:    {link}\n  \
         Revoke a certificate:    http://127.0.0.1:{PORT}/revoke\n  \
         CA policy (JSON):        http://127.0.0.1:{PORT}/api/v1/policy\n  \
         CRL and OCSP:            http://127.0.0.1:{PORT}/crl/issuing.crl, http://127.0.0.1:{PORT}/ocsp\n  \
         Console login:           http://127.0.0.1:{PORT}/login\n  \
         Organization admin:      {admin} / {DEMO_PASSWORD}\n  \
         CA administrator:        {ca_admin} / {DEMO_PASSWORD}\n\n  \
         Press Ctrl-C to stop.\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_enrollment_link_in_a_mailbox_answer() {
        let json = r#"{"messages":[{"body":"Open this link:\n\nhttp://127.0.0.1:8787/enroll/abc_DEF-1\n\nIf"}]}"#;
        assert_eq!(newest_link(json).as_deref(), Some("http://127.0.0.1:8787/enroll/abc_DEF-1"));
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
    fn reads_a_string_field() {
        let json = r#"{"order_id":"42","enrollment_url":"http://127.0.0.1:8787/enroll/x"}"#;
        assert_eq!(field(json, "enrollment_url").as_deref(), Some("http://127.0.0.1:8787/enroll/x"));
        assert_eq!(field(json, "missing"), None);
    }
}
