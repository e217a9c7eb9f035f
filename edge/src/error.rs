//! One error type for every handler, mapped to an HTTP status and the JSON body `{"error": {code, field,
//! message}}` here and nowhere else.

use shared::account::AccountError;
use shared::address::{AddressError, DomainError};
use shared::api::domain::{DomainRequestError, LinkState};
use shared::api::order::FieldErrorsBody;
use shared::api::organization::OrganizationError;
use shared::api::{ApiError, ErrorBody};
use shared::csr::CsrError;
use shared::dns::DnsError;
use shared::issuance::OrderError;
use shared::issuance::encode::EncodeError;
use shared::link::LinkError;
use shared::order::FieldError;
use shared::outbox::MailSettingsError;
use shared::profile::KeyError;
use shared::validation::ValidationError;
use worker::{Response, Result, console_error};

/// The `Retry-After` of a 503: a hint, long enough for a held lock or a lookup to pass.
const RETRY_AFTER_SECONDS: &str = "5";

/// A rejection or a failure, ready for the wire.
#[derive(Debug)]
pub struct AppError {
    status: u16,
    code: &'static str,
    field: Option<String>,
    message: String,
    /// A body other than the single error (a form's list of every problem).
    body: Option<serde_json::Value>,
}

impl AppError {
    /// A client error about one field.
    pub fn field(status: u16, code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { status, code, field: Some(field.into()), message: message.into(), body: None }
    }

    /// A rejection whose body is `body` (which must still carry `{"error": {...}}`).
    pub fn with_body(status: u16, body: &impl serde::Serialize) -> Self {
        let value = serde_json::to_value(body).unwrap_or_default();
        let code = "form_invalid";
        Self { status, code, field: None, message: String::new(), body: Some(value) }
    }

    /// A conflict with the stored state (a concurrent change), about no one field.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self { status: 409, code, field: None, message: message.into(), body: None }
    }

    /// The stable code (`changed_meanwhile`, `internal`...).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The sentence the client reads (for an internal error, the generic one: the detail went to the log).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this is the answer to a batch a concurrent writer refused (`db::commit`), which a fresh
    /// attempt may pass.
    pub fn is_changed_meanwhile(&self) -> bool {
        self.status == 409 && self.code == "changed_meanwhile"
    }

    /// A resource that does not exist, or that belongs to another account (which is not confirmed).
    pub fn not_found(field: &'static str, message: impl Into<String>) -> Self {
        Self::field(404, "not_found", field, message)
    }

    /// A 422 listing every problem of a form (`shared::api::order::FieldErrorsBody`: the first as `error`, for
    /// clients that read one, and all of them as `errors`).
    pub fn form(errors: Vec<ApiError>) -> Self {
        match errors.first() {
            Some(first) => Self::with_body(422, &FieldErrorsBody { error: first.clone(), errors }),
            None => Self::internal("an empty list of field errors"),
        }
    }

    /// The same rejection, about another request field (one check serving several fields).
    pub fn for_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Unknown API route.
    pub fn route_not_found() -> Self {
        Self { status: 404, code: "route_not_found", field: None, message: "No such API endpoint.".into(), body: None }
    }

    /// A failure of ours. The detail goes to the log, not to the client; it must never hold key material.
    pub fn internal(detail: &str) -> Self {
        console_error!("internal error: {detail}");
        Self {
            status: 500,
            code: "internal",
            field: None,
            message: "Something went wrong on our side; nothing was changed. Please try again.".into(),
            body: None,
        }
    }

    /// An issuance pipeline refusal, its field named for the request (`csr_field`: where the CSR came in). Lint
    /// refusals and signer defects are ours (500), said in words rather than hidden: the page explains that
    /// nothing was signed and the applicant cannot fix it; a failed CAA lookup may pass later (503).
    pub fn refusal(refusal: &shared::issuance::pipeline::Refusal, csr_field: &str) -> Self {
        use shared::issuance::pipeline::Refusal;
        let status = match refusal {
            Refusal::Csr(_) | Refusal::Key(_) | Refusal::Order(_) => 422,
            Refusal::KeyReuse(_) | Refusal::Validation(_) => 409,
            Refusal::Caa(_) if refusal.is_retryable() => 503,
            Refusal::Caa(_) => 409,
            _ => 500,
        };
        Self::field(status, refusal.code(), refusal.field(csr_field), refusal.to_string())
    }

    /// The response: status and JSON body; a 503 (a busy database, an unavailable linter, a failed CAA lookup:
    /// each may pass on a new attempt) says when to try again in `Retry-After`.
    pub fn into_response(self) -> Result<Response> {
        let response = match self.body {
            Some(body) => Response::from_json(&body)?,
            None => Response::from_json(&ErrorBody {
                error: ApiError { code: self.code.into(), field: self.field, message: self.message },
            })?,
        };
        let mut response = response.with_status(self.status);
        if self.status == 503 {
            response.headers_mut().set("Retry-After", RETRY_AFTER_SECONDS)?;
        }
        Ok(response)
    }
}

impl From<worker::Error> for AppError {
    /// A transient failure of the platform (D1 busy or overloaded, its connection lost or its object reset: the
    /// errors Cloudflare's "Retry queries" page names as worth retrying; locally, SQLite's lock held past its wait,
    /// which workerd reports as an opaque "internal error; reference = ...") is a 503 `temporarily_unavailable`
    /// with `Retry-After`: nothing was written, since a batch commits whole or not at all. Anything else is ours
    /// (500).
    fn from(error: worker::Error) -> Self {
        let detail = error.to_string();
        if is_transient(&detail) {
            console_error!("temporarily unavailable: {detail}");
            return Self {
                status: 503,
                code: "temporarily_unavailable",
                field: None,
                message: "The service is busy; nothing was changed. Please try again in a few seconds.".into(),
                body: None,
            };
        }
        Self::internal(&detail)
    }
}

/// Whether a platform error is one a new attempt may pass (see `From<worker::Error>`).
fn is_transient(detail: &str) -> bool {
    const TRANSIENT: [&str; 7] = [
        "SQLITE_BUSY",
        "database is locked",
        "D1 DB is overloaded",
        "Network connection lost",
        "storage caused object to be reset",
        "reset because its code was updated",
        "internal error; reference = ",
    ];
    TRANSIENT.iter().any(|marker| detail.contains(marker))
}

impl From<crate::lint::LintError> for AppError {
    /// pkilint could not lint: the issuance fails closed (nothing signed by the issuing key) and may be retried.
    fn from(error: crate::lint::LintError) -> Self {
        console_error!("pkilint unavailable: {}", error.detail());
        Self::field(503, error.code(), "profile", error.to_string())
    }
}

impl From<LinkError> for AppError {
    fn from(error: LinkError) -> Self {
        let status = match error {
            LinkError::Malformed | LinkError::Unknown => 404,
            LinkError::Spent { .. } => 409,
            LinkError::Expired { .. } => 410,
            _ => 400,
        };
        Self::field(status, error.code(), "token", error.to_string())
    }
}

impl From<CsrError> for AppError {
    fn from(error: CsrError) -> Self {
        Self::field(422, error.code(), "csr", error.to_string())
    }
}

impl From<KeyError> for AppError {
    fn from(error: KeyError) -> Self {
        Self::field(422, error.code(), "csr", error.to_string())
    }
}

impl From<OrderError> for AppError {
    fn from(error: OrderError) -> Self {
        Self::field(422, error.code(), error.field(), error.to_string())
    }
}

impl From<EncodeError> for AppError {
    fn from(error: EncodeError) -> Self {
        match error.order_field() {
            Some(field) => Self::field(422, error.code(), field, error.to_string()),
            None => Self::internal(&format!("{}: {error}", error.code())),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        let status = match error {
            AccountError::CredentialsInvalid | AccountError::Unauthenticated => 401,
            AccountError::Locked { .. } => 429,
            AccountError::Forbidden | AccountError::CrossSiteRequest | AccountError::PasswordChangeRequired => 403,
            _ => 422,
        };
        Self {
            status,
            code: error.code(),
            field: error.field().map(Into::into),
            message: error.to_string(),
            body: None,
        }
    }
}

impl From<AddressError> for AppError {
    fn from(error: AddressError) -> Self {
        Self::field(422, error.code(), error.field(), error.to_string())
    }
}

impl From<DomainError> for AppError {
    fn from(error: DomainError) -> Self {
        Self::field(422, error.code(), error.field(), error.to_string())
    }
}

impl From<OrganizationError> for AppError {
    fn from(error: OrganizationError) -> Self {
        let status = match error {
            OrganizationError::NotFound => 404,
            OrganizationError::NoCodePending => 409,
            _ => 422,
        };
        Self::field(status, error.code(), error.field(), error.to_string())
    }
}

impl From<DomainRequestError> for AppError {
    fn from(error: DomainRequestError) -> Self {
        let status = match error {
            DomainRequestError::NotFound => 404,
            DomainRequestError::AlreadyValidated { .. } => 409,
            DomainRequestError::RandomValueExpired { .. } => 410,
            DomainRequestError::TooManySends { .. } => 429,
            DomainRequestError::LinkNotUsable { state: LinkState::Used | LinkState::Pending, .. } => 409,
            DomainRequestError::LinkNotUsable { .. } => 410,
            _ => 422,
        };
        Self::field(status, error.code(), error.field(), error.to_string())
    }
}

impl From<ValidationError> for AppError {
    fn from(error: ValidationError) -> Self {
        let status = match error {
            ValidationError::CodeMalformed => 422,
            ValidationError::AlreadyValidated { .. } | ValidationError::CodeLocked => 409,
            _ => 410,
        };
        Self {
            status,
            code: error.code(),
            field: error.field().map(Into::into),
            message: error.to_string(),
            body: None,
        }
    }
}

/// A DNS answer that could not be read: the resolver's fault, not the request's (502).
impl From<DnsError> for AppError {
    fn from(error: DnsError) -> Self {
        Self::field(502, error.code(), error.field(), error.to_string())
    }
}

/// DNS-over-HTTPS: "could not check DNS" (503) when the resolver gave no usable answer.
impl From<crate::doh::DohError> for AppError {
    fn from(error: crate::doh::DohError) -> Self {
        match error {
            crate::doh::DohError::Dns(error) => error.into(),
            crate::doh::DohError::Unreachable { ref detail } => {
                worker::console_warn!("DNS-over-HTTPS: {detail}");
                Self::field(503, error.code(), error.field(), error.to_string())
            }
            _ => Self::field(503, error.code(), error.field(), error.to_string()),
        }
    }
}

/// Every problem of a form at once: `422 {"error": first, "errors": [every one]}`, each naming its field.
impl From<shared::pipeline::OrderStateError> for AppError {
    /// A transition the order's state does not allow: a conflict with where it stands.
    fn from(error: shared::pipeline::OrderStateError) -> Self {
        Self::field(409, error.code(), error.field().unwrap_or("state"), error.to_string())
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::form(errors.into_iter().map(Into::into).collect())
    }
}

/// Every problem of a contract's terms or a deposit at once, as [`AppError::form`].
impl From<Vec<(&'static str, shared::contract::RecordError)>> for AppError {
    fn from(errors: Vec<(&'static str, shared::contract::RecordError)>) -> Self {
        Self::form(
            errors
                .into_iter()
                .map(|(field, error)| ApiError {
                    code: error.code().into(),
                    field: Some(field.into()),
                    message: error.to_string(),
                })
                .collect(),
        )
    }
}

/// Every problem of the organization form at once, as [`AppError::form`].
impl From<Vec<OrganizationError>> for AppError {
    fn from(errors: Vec<OrganizationError>) -> Self {
        Self::form(
            errors
                .into_iter()
                .map(|error| ApiError {
                    code: error.code().to_owned(),
                    field: Some(error.field().to_owned()),
                    message: error.to_string(),
                })
                .collect(),
        )
    }
}

impl AppError {
    /// The 404 for a serial that names no certificate (or one of another account, which is not confirmed).
    pub fn unknown_certificate() -> Self {
        Self::field(404, "certificate_unknown", "serial", "No certificate has this serial number.")
    }
}

/// A revocation the certificate's state or the requester refuses.
impl From<shared::revocation::RevokeError> for AppError {
    fn from(error: shared::revocation::RevokeError) -> Self {
        use shared::revocation::RevokeError;
        let (status, field) = match error {
            RevokeError::AlreadyRevoked { .. } => (409, "serial"),
            RevokeError::Expired { .. } => (409, "serial"),
            RevokeError::ReasonNotAllowed(_) => (422, "reason"),
        };
        Self::field(status, error.code(), field, error.to_string())
    }
}

/// A reissue the certificate's state refuses (409), a request with the old key or a grace period out of range (422).
impl From<shared::reissue::ReissueError> for AppError {
    fn from(error: shared::reissue::ReissueError) -> Self {
        use shared::reissue::ReissueError;
        let status = match error {
            ReissueError::SameKey | ReissueError::GraceOutOfRange { .. } => 422,
            _ => 409,
        };
        Self::field(status, error.code(), error.field(), error.to_string())
    }
}

/// A holder's proof of possession that does not verify (422), or a stored certificate whose key cannot be read
/// (ours, 500).
impl From<shared::revocation::ProofError> for AppError {
    fn from(error: shared::revocation::ProofError) -> Self {
        let status = if matches!(error, shared::revocation::ProofError::BadSignature) { 422 } else { 500 };
        Self::field(status, error.code(), "proof.signature", error.to_string())
    }
}

/// A holder's revocation challenge that is not ours, not for this certificate, expired or used (422).
impl From<shared::revocation::ChallengeError> for AppError {
    fn from(error: shared::revocation::ChallengeError) -> Self {
        Self::field(422, error.code(), "proof.challenge", error.to_string())
    }
}

/// Mail settings that cannot deliver (no adapter chosen outside development, an invalid URL): ours, never the
/// request's (500, the detail in the log).
impl From<MailSettingsError> for AppError {
    fn from(error: MailSettingsError) -> Self {
        Self::internal(&format!("mail settings ({}, {}): {error}", error.code(), error.field()))
    }
}

/// A signup form's or an account change's refusal, naming its field (a throttled signup is 429; its handler adds
/// `Retry-After`).
impl From<shared::signup::SignupError> for AppError {
    fn from(error: shared::signup::SignupError) -> Self {
        let status = if matches!(error, shared::signup::SignupError::TooMany { .. }) { 429 } else { 422 };
        Self::field(status, error.code(), error.field(), error.to_string())
    }
}

/// Every problem of a signup or account form at once, as [`AppError::form`].
impl From<Vec<shared::signup::SignupError>> for AppError {
    fn from(errors: Vec<shared::signup::SignupError>) -> Self {
        Self::form(
            errors
                .into_iter()
                .map(|error| ApiError {
                    code: error.code().to_owned(),
                    field: Some(error.field().to_owned()),
                    message: error.to_string(),
                })
                .collect(),
        )
    }
}

/// Handlers return `Result<Response, AppError>`; the router wants `worker::Result<Response>`.
pub fn respond(result: core::result::Result<Response, AppError>) -> Result<Response> {
    result.or_else(AppError::into_response)
}
