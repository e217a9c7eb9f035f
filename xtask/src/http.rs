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
    // Read until the response is complete, not until the server closes: wrangler's server keeps the connection
    // open for its 5 s keep-alive despite `Connection: close`, which made every request take 5 s.
    let mut raw = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    while !complete(&raw) {
        let read = stream.read(&mut buffer).map_err(|error| error.to_string())?;
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&buffer[..read]);
    }
    let split = raw.windows(4).position(|window| window == b"\r\n\r\n").ok_or("malformed HTTP response")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status =
        head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).ok_or("malformed HTTP status line")?;
    let body = &raw[split + 4..];
    let body = if head.contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_vec() };
    Ok(Response { status, body: String::from_utf8_lossy(&body).into_owned() })
}

/// Whether `raw` holds a whole response: its head, then as many body bytes as `Content-Length` says, or a chunked
/// body up to its last chunk. Without either, the body ends when the server closes the connection.
fn complete(raw: &[u8]) -> bool {
    let Some(split) = raw.windows(4).position(|window| window == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    if head.contains("transfer-encoding: chunked") {
        return body.ends_with(b"0\r\n\r\n");
    }
    let length = head.lines().find_map(|line| line.strip_prefix("content-length:")).and_then(|n| n.trim().parse().ok());
    match length {
        Some(length) => body.len() >= length,
        // A status that has no body (1xx, 204, 304) ends with its head.
        None => {
            head.split_whitespace().nth(1).is_some_and(|code| code.starts_with('1') || code == "204" || code == "304")
        }
    }
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
    use super::{complete, dechunk};

    #[test]
    fn knows_when_a_response_is_whole() {
        let cases: [(&[u8], bool); 8] = [
            (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", true),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{", false),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", false),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", false),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", true),
            (b"HTTP/1.1 204 No Content\r\n\r\n", true),
            // Neither length nor chunks: the body runs to the connection's end.
            (b"HTTP/1.1 200 OK\r\n\r\nsome", false),
            (b"", false),
        ];
        for (raw, expected) in cases {
            assert_eq!(complete(raw), expected, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn joins_chunks() {
        assert_eq!(dechunk(b"4\r\nWiki\r\n6\r\npedia \r\n0\r\n\r\n"), b"Wikipedia ");
        assert_eq!(dechunk(b"zz\r\n"), b"");
    }
}
