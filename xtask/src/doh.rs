//! The local DNS-over-HTTPS responder `cargo xtask dev` runs beside `wrangler dev`. A development machine may not
//! reach the public resolver `edge/wrangler.toml` names, and without DNS every CAA lookup before issuance fails,
//! so every issuance would be refused. The responder is the end-to-end suites' own (`tests/e2e/doh-responder.mjs`,
//! run by `node` with an empty zone): every name answers NXDOMAIN, so CAA restricts nothing and a DNS TXT domain
//! validation finds no record. The dev Worker gets its URL as `KEYWARD_DOH_URL`.
//!
//! It stops with the [`LocalResolver`] value (dropped when `dev` returns), on Ctrl-C (the terminal signals the
//! whole process group), and when xtask dies any other way: its standard input is a pipe from xtask, and it exits
//! when that closes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::{Result, root};

/// The running responder; dropping it stops it.
pub struct LocalResolver {
    /// The `node` process, its standard input held open.
    child: Child,
    /// Where it answers, `http://127.0.0.1:<port>/dns-query`.
    url: String,
}

impl LocalResolver {
    /// Starts the responder on a free port of 127.0.0.1 and waits for the URL it prints.
    pub fn start() -> Result<Self> {
        let script = root().join("tests/e2e/doh-responder.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| {
                format!("starting the local DNS-over-HTTPS responder (node {}): {error}", script.display())
            })?;
        let mut line = String::new();
        let read = match child.stdout.take() {
            Some(stdout) => BufReader::new(stdout).read_line(&mut line).map_err(|error| error.to_string()),
            None => Err("no standard output".to_owned()),
        };
        let url = line.trim().to_owned();
        if read.is_err() || !url.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            let _ = child.wait();
            let reason = read.err().unwrap_or_else(|| format!("it printed {line:?}"));
            return Err(format!("the local DNS-over-HTTPS responder did not start: {reason}"));
        }
        eprintln!("Local DNS-over-HTTPS responder (empty zone: every name NXDOMAIN): {url}");
        Ok(Self { child, url })
    }

    /// The URL to give the Worker as `KEYWARD_DOH_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for LocalResolver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_responder_starts_answers_and_stops() {
        let resolver = LocalResolver::start().unwrap();
        let port: u16 = resolver
            .url()
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix("/dns-query"))
            .and_then(|port| port.parse().ok())
            .unwrap();
        // Not a DNS message: the responder refuses it, which proves it is the one listening.
        let answer = crate::http::request(port, "POST", "/dns-query", Some("{}")).unwrap();
        assert_eq!(answer.status, 415);
        drop(resolver);
        assert!(crate::http::request(port, "POST", "/dns-query", Some("{}")).is_err());
    }
}
