//! The client's HTTP: ureq over rustls (no OpenSSL), JSON in and out, and [`Failure`], which keeps the server's
//! error code, field and message so a person (or a script, with `--json`) can act on them.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::ErrorBody;

/// Why a command failed: the server's refusal (status, code, field, message) or a local problem.
#[derive(Debug)]
pub struct Failure {
    /// The HTTP status, for a server refusal.
    pub status: Option<u16>,
    /// A stable code: the server's, or `usage`, `io`, `network`.
    pub code: String,
    /// The field or option it is about.
    pub field: Option<String>,
    /// What happened and what to do.
    pub message: String,
}

impl Failure {
    /// A local refusal about `field`.
    pub fn local(field: &str, message: &str) -> Self {
        Self { status: None, code: "usage".into(), field: Some(field.into()), message: message.into() }
    }

    /// An outcome that ends a command (a rejected request): its stable `code`, the `field` it is about.
    pub fn outcome(code: &str, field: &str, message: &str) -> Self {
        Self { status: None, code: code.into(), field: Some(field.into()), message: message.into() }
    }

    /// A file that could not be read or written.
    pub fn io(path: &Path, error: std::io::Error) -> Self {
        Self { status: None, code: "io".into(), field: Some(path.display().to_string()), message: error.to_string() }
    }

    /// A server's refusal.
    pub fn server(status: u16, code: &str, field: impl Into<Option<String>>, message: &str) -> Self {
        Self { status: Some(status), code: code.into(), field: field.into(), message: message.into() }
    }

    /// As `--json` prints it.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({ "status": self.status, "code": self.code, "field": self.field, "message": self.message })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(status) = self.status {
            write!(formatter, "the server refused ({status} {}", self.code)?;
            if let Some(field) = &self.field {
                write!(formatter, " at {field}")?;
            }
            write!(formatter, "): {}", self.message)
        } else {
            match &self.field {
                Some(field) => write!(formatter, "{field}: {}", self.message),
                None => formatter.write_str(&self.message),
            }
        }
    }
}

/// Keyward's API at one origin, with an API key or none.
pub struct Client {
    agent: ureq::Agent,
    origin: String,
    api_key: Option<String>,
}

impl Client {
    /// A client of `origin` (`https://…`; `http://` for a local development server).
    pub fn new(origin: &str, api_key: Option<String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent(concat!("keyward/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent, origin: origin.trim_end_matches('/').to_owned(), api_key }
    }

    /// The origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    fn answer<T: DeserializeOwned>(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, Failure> {
        let mut response = response.map_err(|error| Failure {
            status: None,
            code: "network".into(),
            field: Some(self.origin.clone()),
            message: format!("Keyward could not be reached: {error}"),
        })?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(match serde_json::from_str::<ErrorBody>(&text) {
                Ok(body) => Failure::server(status, &body.error.code, body.error.field, &body.error.message),
                Err(_) => Failure::server(status, "http_error", None, &text.chars().take(200).collect::<String>()),
            });
        }
        let text = if text.is_empty() { "null".to_owned() } else { text };
        serde_json::from_str(&text)
            .map_err(|error| Failure::server(status, "answer_unreadable", None, &error.to_string()))
    }

    fn authorization(&self) -> Option<String> {
        self.api_key.as_ref().map(|key| format!("Bearer {key}"))
    }

    /// `GET path` → JSON.
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let mut request = self.agent.get(format!("{}{path}", self.origin));
        if let Some(authorization) = self.authorization() {
            request = request.header("Authorization", authorization);
        }
        self.answer(request.call())
    }

    /// `GET path` with `Accept: application/json` → JSON.
    pub fn get_json_accept<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let mut request = self.agent.get(format!("{}{path}", self.origin)).header("Accept", "application/json");
        if let Some(authorization) = self.authorization() {
            request = request.header("Authorization", authorization);
        }
        self.answer(request.call())
    }

    /// `POST path` with a JSON body → JSON.
    pub fn post_json<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, Failure> {
        let body = serde_json::to_string(body).map_err(|error| Failure::local("body", &error.to_string()))?;
        let mut request = self.agent.post(format!("{}{path}", self.origin)).header("Content-Type", "application/json");
        if let Some(authorization) = self.authorization() {
            request = request.header("Authorization", authorization);
        }
        self.answer(request.send(body))
    }

    /// `POST path` with no body (an answer without one).
    pub fn post_empty(&self, path: &str) -> Result<(), Failure> {
        let request = self.agent.post(format!("{}{path}", self.origin));
        self.answer::<serde_json::Value>(request.send_empty()).map(drop)
    }
}
