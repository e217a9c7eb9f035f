//! The DNS-over-HTTPS client (RFC 8484): one POST of an `application/dns-message` query to the resolver at the
//! Worker variable `KEYWARD_DOH_URL` (default in `wrangler.toml`: Cloudflare's public resolver; `cargo xtask dev`
//! and the end-to-end tests point it at a local responder), bounded by [`TIMEOUT_MILLISECONDS`]. Two questions
//! ride on it: the TXT records of a name (domain validation) and its CAA records (before issuance, `caa.rs`).
//! The wire format is `shared::dns`; this module only carries the bytes.

use shared::caa::CaaRecord;
use shared::dns::{DnsError, RecordType, decode_caa_response, decode_txt_response, encode_query};
use worker::{AbortSignal, Env, Fetch, Headers, Method, Request, RequestInit};

/// How long one lookup may take, connection and body included.
pub const TIMEOUT_MILLISECONDS: u32 = 5_000;
/// The message id: RFC 8484 4.1 asks for 0, so that identical queries are cacheable over HTTP.
const QUERY_ID: u16 = 0;
/// The media type of both query and response (RFC 8484 6).
const DNS_MESSAGE: &str = "application/dns-message";

/// The TXT records of `name` (each record's strings joined), as the configured resolver sees them now. An empty
/// list: the name exists and holds no TXT record.
///
/// # Errors
///
/// A [`DohError`]: the resolver is not configured, could not be reached in time, answered with something else
/// than a DNS message, or the message says NXDOMAIN or another error ([`DohError::Dns`]).
pub async fn txt_records(env: &Env, name: &str) -> Result<Vec<Vec<u8>>, DohError> {
    Resolver::from_env(env).txt_records(name).await
}

/// The configured resolver: `KEYWARD_DOH_URL`, read once.
#[derive(Clone, Debug)]
pub struct Resolver {
    url: Option<String>,
}

impl Resolver {
    /// The resolver the Worker variable names (none when unset: every lookup is [`DohError::NotConfigured`]).
    pub fn from_env(env: &Env) -> Self {
        Self { url: env.var("KEYWARD_DOH_URL").ok().map(|value| value.to_string()) }
    }

    /// [`txt_records`] through this resolver.
    pub async fn txt_records(&self, name: &str) -> Result<Vec<Vec<u8>>, DohError> {
        let response = self.exchange(name, RecordType::Txt).await?;
        decode_txt_response(&response, QUERY_ID, name).map_err(DohError::Dns)
    }

    /// The CAA records of `name`, as the configured resolver sees them now, CNAMEs followed. `None`: the name
    /// does not exist (NXDOMAIN); an empty list: it exists and holds no CAA record.
    ///
    /// # Errors
    ///
    /// A [`DohError`]: the resolver is not configured, could not be reached in time, answered with something
    /// else than a DNS message, or the message is malformed or says SERVFAIL, REFUSED or another error
    /// ([`DohError::Dns`]).
    pub async fn caa_records(&self, name: &str) -> Result<Option<Vec<CaaRecord>>, DohError> {
        let response = self.exchange(name, RecordType::Caa).await?;
        decode_caa_response(&response, QUERY_ID, name).map_err(DohError::Dns)
    }

    /// Sends the query for the `record_type` records of `name` and returns the response's DNS message, unread.
    async fn exchange(&self, name: &str, record_type: RecordType) -> Result<Vec<u8>, DohError> {
        let resolver = self.url.as_deref().ok_or(DohError::NotConfigured)?;
        exchange(resolver, name, record_type).await
    }
}

/// Sends the query for the `record_type` records of `name` to `resolver` and returns the response's DNS message,
/// unread.
async fn exchange(resolver: &str, name: &str, record_type: RecordType) -> Result<Vec<u8>, DohError> {
    let query = encode_query(QUERY_ID, name, record_type).map_err(DohError::Dns)?;
    let headers = Headers::new();
    headers.set("Content-Type", DNS_MESSAGE).map_err(|_| DohError::NotConfigured)?;
    headers.set("Accept", DNS_MESSAGE).map_err(|_| DohError::NotConfigured)?;
    let body = worker::js_sys::Uint8Array::from(query.as_slice());
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let request = Request::new_with_init(resolver, &init).map_err(|_| DohError::NotConfigured)?;
    let signal = AbortSignal::from(worker::web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MILLISECONDS));
    let mut response = Fetch::Request(request).send_with_signal(&signal).await.map_err(|error| {
        if signal.aborted() { DohError::Timeout } else { DohError::Unreachable { detail: error.to_string() } }
    })?;
    if response.status_code() != 200 {
        return Err(DohError::Status { status: response.status_code() });
    }
    let content_type = response.headers().get("Content-Type").ok().flatten().unwrap_or_default();
    if !content_type.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case(DNS_MESSAGE)) {
        return Err(DohError::ContentType { content_type });
    }
    response.bytes().await.map_err(|error| {
        if signal.aborted() { DohError::Timeout } else { DohError::Unreachable { detail: error.to_string() } }
    })
}

/// Why a DNS lookup over HTTPS gave no answer, or the answer says there is nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DohError {
    /// `KEYWARD_DOH_URL` is missing or not a URL.
    NotConfigured,
    /// The resolver did not answer within [`TIMEOUT_MILLISECONDS`].
    Timeout,
    /// The connection to the resolver failed.
    Unreachable {
        /// The platform's words, for the log.
        detail: String,
    },
    /// The resolver answered with an HTTP status other than 200.
    Status {
        /// The status.
        status: u16,
    },
    /// The resolver answered with something other than `application/dns-message`.
    ContentType {
        /// The media type received.
        content_type: String,
    },
    /// The DNS message was read: it refuses, or could not be decoded.
    Dns(DnsError),
}

impl DohError {
    /// Stable machine-readable code: `dns_unavailable` for every transport problem, the DNS error's own code
    /// otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Dns(error) => error.code(),
            _ => "dns_unavailable",
        }
    }

    /// The request field: the domain whose record was looked up.
    pub fn field(&self) -> &'static str {
        "name"
    }

    /// Whether trying again later may help (every case but a definitive NXDOMAIN).
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::Dns(error) if error.is_definitive())
    }
}

impl core::fmt::Display for DohError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let retry = "Keyward could not check DNS this time; nothing was changed. Try again in a few minutes.";
        match self {
            Self::NotConfigured => write!(formatter, "The DNS resolver is not configured. {retry}"),
            Self::Timeout => {
                write!(
                    formatter,
                    "The DNS resolver did not answer within {} seconds. {retry}",
                    TIMEOUT_MILLISECONDS / 1000
                )
            }
            Self::Unreachable { .. } => write!(formatter, "The DNS resolver could not be reached. {retry}"),
            Self::Status { status } => write!(formatter, "The DNS resolver answered HTTP {status}. {retry}"),
            Self::ContentType { .. } => {
                write!(formatter, "The DNS resolver did not answer with a DNS message. {retry}")
            }
            Self::Dns(error) => error.fmt(formatter),
        }
    }
}
