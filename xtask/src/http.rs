//! A minimal HTTP/1.1 client for talking to the local Worker on 127.0.0.1 (readiness checks, seeding).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::Result;

/// A response: status code and body text.
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body, as text.
    pub body: String,
}

/// Sends one request to `127.0.0.1:port` and reads the whole response.
pub fn request(port: u16, method: &str, path: &str, json_body: Option<&str>) -> Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|error| error.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|error| error.to_string())?;
    let body = json_body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|error| error.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|error| error.to_string())?;
    let split = raw.windows(4).position(|window| window == b"\r\n\r\n").ok_or("malformed HTTP response")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status =
        head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).ok_or("malformed HTTP status line")?;
    let body = &raw[split + 4..];
    let body = if head.contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_vec() };
    Ok(Response { status, body: String::from_utf8_lossy(&body).into_owned() })
}

/// Joins the chunks of a chunked body.
pub(crate) fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|window| window == b"\r\n") {
        let size =
            std::str::from_utf8(&rest[..line_end]).ok().and_then(|size| usize::from_str_radix(size.trim(), 16).ok());
        let start = line_end + 2;
        match size {
            Some(size) if size > 0 && rest.len() >= start + size => {
                body.extend_from_slice(&rest[start..start + size]);
                rest = rest.get(start + size + 2..).unwrap_or_default();
            }
            _ => break,
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::dechunk;

    #[test]
    fn joins_chunks() {
        assert_eq!(dechunk(b"4\r\nWiki\r\n6\r\npedia \r\n0\r\n\r\n"), b"Wikipedia ");
        assert_eq!(dechunk(b"zz\r\n"), b"");
    }
}
