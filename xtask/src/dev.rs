//! `cargo xtask dev`: install, build, create the development CA, apply the D1 migrations, start `wrangler dev`
//! on 127.0.0.1:8787, seed demo data through the Worker's own development endpoint, and print the URLs.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::process;
use crate::tools::{self, Tools};
use crate::{Result, build, devca, http, root};

/// Where the local Worker listens.
pub const PORT: u16 = 8787;

/// Runs Keyward locally until interrupted.
pub fn run() -> Result {
    let tools = tools::ensure()?;
    build::all(&tools)?;
    devca::ensure()?;
    process::run(wrangler(&tools).args(["d1", "migrations", "apply", "DB", "--local"]))?;
    let mut server = wrangler(&tools)
        .args(["dev", "--ip", "127.0.0.1", "--port", &PORT.to_string(), "--show-interactive-dev-session=false"])
        .spawn()
        .map_err(|error| format!("starting wrangler dev: {error}"))?;
    let announced = wait_until_ready().and_then(|()| demo_link()).map(|link| announce(&link));
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
    println!(
        "\n  Keyward is running.\n\n  \
         App:                     http://127.0.0.1:{PORT}/\n  \
         Development mailbox:     http://127.0.0.1:{PORT}/dev/mailbox\n  \
         Demo enrollment link:    {link}\n  \
         Revoke a certificate:    http://127.0.0.1:{PORT}/revoke\n  \
         CA policy (JSON):        http://127.0.0.1:{PORT}/api/v1/policy\n  \
         CRL and OCSP:            http://127.0.0.1:{PORT}/crl/issuing.crl, http://127.0.0.1:{PORT}/ocsp\n  \
         CA administrator token:  KEYWARD_ADMIN_TOKEN in edge/.dev.vars\n\n  \
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

    #[test]
    fn reads_a_string_field() {
        let json = r#"{"order_id":"42","enrollment_url":"http://127.0.0.1:8787/enroll/x"}"#;
        assert_eq!(field(json, "enrollment_url").as_deref(), Some("http://127.0.0.1:8787/enroll/x"));
        assert_eq!(field(json, "missing"), None);
    }
}
