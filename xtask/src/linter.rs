//! pkilint's REST API, the second pre-issuance linter, run locally: uvicorn serving `pkilint.rest:app` from the
//! pinned virtual environment (`tests/requirements.txt`) on 127.0.0.1 and a free port. `cargo xtask test` gives
//! its URL to the end-to-end suites (`KEYWARD_LINT_URL`, which the harness passes to every Worker it starts) and
//! `cargo xtask dev` to the development Worker. The server stops when its [`LintServer`] guard is dropped.
//!
//! pkilint builds every linter of every group at import, so the server needs about 30 s of CPU (and 550 MB)
//! before it answers; [`spawn`] it early and call [`LintServer::ready`] when the URL is needed.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools::Tools;
use crate::{Result, http};

/// How long [`LintServer::ready`] waits for the server to answer `GET /version`, counted from the call (not from
/// the start: the builds that run meanwhile take longer than this on a fresh machine, and they share its cores).
const START_TIMEOUT: Duration = Duration::from_secs(240);
/// The ASGI application, as `module:attribute` (pkilint's `rest` extra).
const APPLICATION: &str = "pkilint.rest:app";
/// The Worker variable that names the REST API's base URL (`edge/src/lint.rs`).
pub const URL_VARIABLE: &str = "KEYWARD_LINT_URL";

/// A running pkilint REST server; dropping it stops the server.
pub struct LintServer {
    child: Child,
    port: u16,
}

impl LintServer {
    /// The base URL, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The Worker variable as `wrangler dev --var` takes it: `KEYWARD_LINT_URL:<url>`.
    pub fn worker_var(&self) -> String {
        format!("{URL_VARIABLE}:{}", self.url())
    }

    /// Waits until the server answers `GET /version` with 200: it asks at once, then every half second for at
    /// most [`START_TIMEOUT`] from this call.
    pub fn ready(&mut self) -> Result {
        let waiting = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the pkilint REST server exited before answering ({status})"));
            }
            if http::request(self.port, "GET", "/version", None).is_ok_and(|response| response.status == 200) {
                return Ok(());
            }
            if waiting.elapsed() >= START_TIMEOUT {
                return Err(format!(
                    "the pkilint REST server did not answer on {} within {} s",
                    self.url(),
                    START_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for LintServer {
    fn drop(&mut self) {
        // The server keeps nothing: killing it loses nothing. Waiting reaps the process.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on a free port of 127.0.0.1 without waiting for it (the callers build meanwhile, then call
/// [`LintServer::ready`]).
pub fn spawn(tools: &Tools) -> Result<LintServer> {
    let port = free_port()?;
    let child = Command::new(&tools.python)
        .args(["-m", "uvicorn", APPLICATION, "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--log-level", "warning", "--no-access-log"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| format!("starting the pkilint REST server ({}): {error}", tools.python.display()))?;
    eprintln!("pkilint REST server starting on http://127.0.0.1:{port}");
    Ok(LintServer { child, port })
}

/// A port of 127.0.0.1 nothing listens on now (the system's choice for port 0). Another program could take it
/// before the server binds; the server then exits and [`LintServer::ready`] says so.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|error| format!("finding a free port: {error}"))?;
    listener.local_addr().map(|address| address.port()).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_var_names_the_url() {
        // A guard around a short-lived process, so the test needs no Python.
        let child = Command::new("true").spawn().expect("`true` runs");
        let server = LintServer { child, port: 18911 };
        assert_eq!(server.url(), "http://127.0.0.1:18911");
        assert_eq!(server.worker_var(), "KEYWARD_LINT_URL:http://127.0.0.1:18911");
    }

    /// The first CI run on a fresh machine failed here: the builds between `spawn` and `ready` took longer than
    /// the timeout, and a timeout counted from the start never asked the server once.
    #[test]
    fn a_server_that_answers_is_ready_however_long_the_caller_took() {
        use std::io::{Read, Write};
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("a listener");
        let port = listener.local_addr().expect("its address").port();
        let answering = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("one connection");
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").expect("answer");
        });
        let child = Command::new("sleep").arg("30").spawn().expect("`sleep` runs");
        let mut server = LintServer { child, port };
        assert_eq!(server.ready(), Ok(()));
        answering.join().expect("the answering thread");
    }

    #[test]
    fn a_free_port_can_be_bound() {
        let port = free_port().expect("a free port");
        assert!(TcpListener::bind(("127.0.0.1", port)).is_ok());
    }
}
