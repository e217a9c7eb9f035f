//! What `enroll` leaves in `--out`: `key.pem` (mode 0600) or `cert.p12` (0600), `cert.pem`, `chain.pem` (the issuing
//! CA then the root) and `keyward.json` (the server, the serial, the order or device request, which key file), which `status`,
//! `test` and `subject` read. No secret goes into `keyward.json`: not the API key, not the password.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::http::Failure;

/// The state file.
pub const STATE_FILE: &str = "keyward.json";
/// The PEM private key.
pub const KEY_FILE: &str = "key.pem";
/// The PKCS#12 file (with `--p12`).
pub const P12_FILE: &str = "cert.p12";
/// The certificate, PEM.
pub const CERTIFICATE_FILE: &str = "cert.pem";
/// The chain, PEM: the issuing CA, then the root.
pub const CHAIN_FILE: &str = "chain.pem";

/// An enrollment as `keyward.json` keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    /// Keyward's origin.
    pub server: String,
    /// The certificate's serial (empty while an order waits).
    pub serial: String,
    /// Its end of validity, Unix seconds.
    pub not_after: i64,
    /// The key's file, relative to `--out`: [`KEY_FILE`] or [`P12_FILE`].
    pub key: String,
    /// The order number.
    pub order_id: Option<String>,
    /// The recipient's position in an API-key order.
    pub position: Option<u32>,
    /// The device request (`DR-…`), for an enrollment through one.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// Writes `keyward.json`.
pub fn write(directory: &Path, enrolled: &Enrolled) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(enrolled).map_err(|error| Failure::local("state", &error.to_string()))?;
    write_public(&directory.join(STATE_FILE), text.as_bytes())
}

/// Reads `keyward.json`.
pub fn read(directory: &Path) -> Result<Enrolled, Failure> {
    let path = directory.join(STATE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        Failure::local("--out", &format!("{} holds no enrollment: run `keyward enroll` first", directory.display()))
    })?;
    serde_json::from_str(&text).map_err(|error| Failure::local(STATE_FILE, &error.to_string()))
}

/// Writes a file anyone may read.
pub fn write_public(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|error| Failure::io(path, error))
}

/// Creates a file only its owner may read (mode 0600 from its creation on Unix); refuses to overwrite one.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|error| Failure::io(path, error))?;
    file.write_all(bytes).map_err(|error| Failure::io(path, error))
}

/// The PKCS#12 password: `KEYWARD_P12_PASSWORD` when set (for scripts and tests), else read from the terminal
/// without echo (twice when `new`).
pub fn p12_password(new: bool) -> Result<String, Failure> {
    if let Ok(password) = std::env::var("KEYWARD_P12_PASSWORD") {
        return Ok(password);
    }
    let first = read_hidden("PKCS#12 password: ")?;
    if new {
        if first.chars().count() < 8 {
            return Err(Failure::local("password", "choose a password of at least 8 characters"));
        }
        if read_hidden("Again: ")? != first {
            return Err(Failure::local("password", "the two passwords differ"));
        }
    }
    Ok(first)
}

/// A line read from the terminal with echo off (Unix termios); elsewhere, read as typed.
fn read_hidden(prompt: &str) -> Result<String, Failure> {
    eprint!("{prompt}");
    #[cfg(unix)]
    let saved = unsafe {
        // SAFETY: termios is plain data; tcgetattr fills it for standard input or fails (then echo stays as it is).
        let mut settings: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut settings) == 0 {
            let saved = settings;
            settings.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &settings);
            Some(saved)
        } else {
            None
        }
    };
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    #[cfg(unix)]
    if let Some(saved) = saved {
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &saved) };
        eprintln!();
    }
    read.map_err(|error| Failure::local("password", &error.to_string()))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_file_is_0600_and_never_overwritten() {
        let directory = std::env::temp_dir().join(format!("keyward-state-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("a directory");
        let path = directory.join(KEY_FILE);
        let _ = std::fs::remove_file(&path);
        write_private(&path, b"secret").expect("written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(write_private(&path, b"another").is_err(), "an existing key is never overwritten");
        assert_eq!(std::fs::read(&path).expect("read"), b"secret");
        let enrolled = Enrolled {
            server: "http://127.0.0.1:8787".into(),
            serial: "4c".into(),
            not_after: 1,
            key: KEY_FILE.into(),
            order_id: Some("ord".into()),
            position: None,
            request_id: Some("DR-7K3F-Q2".into()),
        };
        write(&directory, &enrolled).expect("state written");
        assert_eq!(read(&directory).expect("state read"), enrolled);
        std::fs::remove_dir_all(&directory).expect("cleaned");
    }
}
