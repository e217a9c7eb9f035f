//! The pkilint adapter: the lint copy of a to-be-signed certificate POSTed to pkilint's REST API at the Worker
//! variable `KEYWARD_LINT_URL`, bounded by [`TIMEOUT_MILLISECONDS`], and its report read into findings. Which
//! linter judges a profile, the request body and the report's reading are `shared::lint::pkilint`; this module
//! only carries the bytes. Any failure is a [`LintError`], on which the issuance pipeline refuses (fails closed).

use shared::lint::Finding;
use shared::lint::pkilint::{self, ReportError};
use shared::profile::Profile;
use wasm_bindgen::JsValue;

use worker::{AbortSignal, Env, Fetch, Headers, Method, Request, RequestInit};

/// How long one lint may take, connection and report included.
pub const TIMEOUT_MILLISECONDS: u32 = 10_000;
/// The most of an unexpected answer's body kept for the log.
const DETAIL_CHARACTERS: usize = 300;

/// pkilint's findings on `certificate_der` (the lint copy), judged by the linter of `profile`: the CA/B Forum
/// S/MIME linter for its validation level and generation, the TLS Baseline Requirements linter for
/// [`shared::profile::ProfileId::ServerAuth`], the RFC 5280 linter for the workstation profile.
///
/// Without `KEYWARD_LINT_URL` (unset or empty) nothing is sent and the answer is no finding: running pkilint is
/// the deployment's choice, and Keyward's own lint set (`shared::lint`) runs either way.
///
/// # Errors
///
/// A [`LintError`] when the API cannot be reached, does not answer within [`TIMEOUT_MILLISECONDS`], answers with
/// another status than 200, or answers with something that is not a report.
pub async fn pkilint(linter: &Pkilint, profile: &Profile, certificate_der: &[u8]) -> Result<Vec<Finding>, LintError> {
    let Some(base_url) = linter.url.as_deref() else {
        return Ok(Vec::new());
    };
    let url = pkilint::endpoint(base_url, profile);
    let unreachable = |detail: String| LintError::Unreachable { detail };
    let headers = Headers::new();
    headers.set("Content-Type", "application/json").map_err(|error| unreachable(error.to_string()))?;
    headers.set("Accept", "application/json").map_err(|error| unreachable(error.to_string()))?;
    let body = JsValue::from_str(&pkilint::request_body(certificate_der));
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body));
    let request = Request::new_with_init(&url, &init).map_err(|error| unreachable(format!("{url}: {error}")))?;
    let signal = AbortSignal::from(worker::web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MILLISECONDS));
    let failed =
        |error: worker::Error| if signal.aborted() { LintError::Timeout } else { unreachable(error.to_string()) };
    let mut response = Fetch::Request(request).send_with_signal(&signal).await.map_err(failed)?;
    let status = response.status_code();
    let text = response.text().await.map_err(failed)?;
    if status != 200 {
        return Err(LintError::Status { status, detail: text.chars().take(DETAIL_CHARACTERS).collect() });
    }
    pkilint::findings(&text).map_err(LintError::Report)
}

/// Where pkilint's REST API is: `KEYWARD_LINT_URL`, read once; `None` when unset or empty.
#[derive(Clone, Debug)]
pub struct Pkilint {
    url: Option<String>,
}

impl Pkilint {
    /// From the Worker variable.
    pub fn from_env(env: &Env) -> Self {
        let url = env.var("KEYWARD_LINT_URL").ok().map(|value| value.to_string().trim().to_owned());
        Self { url: url.filter(|url| !url.is_empty()) }
    }
}

/// Why pkilint gave no report. The certificate was not signed; the issuance can be tried again.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LintError {
    /// The connection failed, or `KEYWARD_LINT_URL` is not a URL.
    Unreachable {
        /// The platform's words, for the log.
        detail: String,
    },
    /// No answer within [`TIMEOUT_MILLISECONDS`].
    Timeout,
    /// An HTTP status other than 200 (422: pkilint could not read the certificate; 404: no such linter).
    Status {
        /// The status.
        status: u16,
        /// The start of the body, for the log.
        detail: String,
    },
    /// A 200 answer that is not a report, or holds a severity pkilint does not define.
    Report(ReportError),
}

impl LintError {
    /// Stable machine-readable code: `linter_unavailable` in every case (the issuance can be retried).
    pub fn code(&self) -> &'static str {
        "linter_unavailable"
    }

    /// What the log should keep: the platform's or pkilint's words, which [`core::fmt::Display`] leaves out.
    pub fn detail(&self) -> String {
        match self {
            Self::Unreachable { detail } | Self::Status { detail, .. } => detail.clone(),
            Self::Timeout => String::new(),
            Self::Report(error) => format!("{}: {error}", error.code()),
        }
    }
}

impl core::fmt::Display for LintError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let retry = "The certificate was not signed; the issuance can be tried again in a few minutes.";
        match self {
            Self::Unreachable { .. } => {
                write!(formatter, "The pre-issuance linter (pkilint) could not be reached. {retry}")
            }
            Self::Timeout => write!(
                formatter,
                "The pre-issuance linter (pkilint) did not answer within {} seconds. {retry}",
                TIMEOUT_MILLISECONDS / 1000
            ),
            Self::Status { status, .. } => {
                write!(formatter, "The pre-issuance linter (pkilint) answered HTTP {status}. {retry}")
            }
            Self::Report(_) => {
                write!(formatter, "The pre-issuance linter's (pkilint's) answer could not be read. {retry}")
            }
        }
    }
}
