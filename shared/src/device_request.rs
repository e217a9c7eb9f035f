//! Device requests (issue 13, the PTC "Enroll Client" journey): a requester asks for a certificate for a
//! workstation (client authentication) or a server (server authentication); an approver decides; the approved
//! request becomes an order whose certificate is issued, downloaded, installed and perhaps revoked.
//!
//! Pure: the request identifier is drawn from a random value the caller passes ([`RequestId::from_random`]), and
//! the statuses move by [`transition`] alone, which knows no clock. Every refusal names the field and the reason.
//!
//! ```text
//! requested ─approve─▶ approved ─issue─▶ issued ─download─▶ downloaded ─install─▶ installed
//!     │ reject ▶ rejected (reason)          └──────────────┴──── revoke ─────────────┴──▶ revoked
//!     └ cancel ▶ cancelled (by the requester, or by the newer request for the same machine)
//! ```
//!
//! The database holds the same rules twice: a partial unique index allows one pending request per requester and
//! machine, and the triggers of migration 0026 make exactly the issue, download and revoke moves above.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::address::Domain;
use crate::csr::ParsedCsr;
use crate::lang::Lang;
use crate::mail::Email;
use crate::order::FieldError;
use crate::profile::{ExtendedKeyUsage, KeyUsage, ProfileId};
use crate::text::check_visible;

/// What kind of machine a request is for, and so which profile its certificate follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A workstation: client authentication ([`ProfileId::ClientAuthWorkstation`]); its organization's enrollment
    /// managers decide.
    Workstation,
    /// A server: TLS server authentication ([`ProfileId::ServerAuth`]); the CA administrators decide.
    Server,
}

impl DeviceKind {
    /// Both kinds, workstation first.
    pub const ALL: [Self; 2] = [Self::Workstation, Self::Server];

    /// The stable name (`workstation`, `server`), as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workstation => "workstation",
            Self::Server => "server",
        }
    }

    /// The kind named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The profile its certificate follows.
    pub fn profile(self) -> ProfileId {
        match self {
            Self::Workstation => ProfileId::ClientAuthWorkstation,
            Self::Server => ProfileId::ServerAuth,
        }
    }
}

/// The Crockford base32 alphabet: digits and capitals without I, L, O and U.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many base32 characters a request identifier carries after `DR-` (30 random bits).
const REQUEST_ID_CHARACTERS: usize = 6;

/// A request's identifier, short enough to read out on the phone: `DR-7K3F-Q2` (six Crockford base32 characters,
/// 30 random bits). Shown on every page, email and API answer about the request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct RequestId(String);

impl RequestId {
    /// The identifier drawn from `random` (its low 30 bits are used).
    pub fn from_random(random: u32) -> Self {
        let mut characters = String::with_capacity(REQUEST_ID_CHARACTERS);
        for position in (0..REQUEST_ID_CHARACTERS).rev() {
            let index = (random >> (5 * position)) & 0x1f;
            characters.push(char::from(CROCKFORD[index as usize]));
        }
        Self(format!("DR-{}-{}", &characters[..4], &characters[4..]))
    }

    /// An identifier as a person typed it: case, hyphens and spaces do not matter, and the letters Crockford reads
    /// as digits are read so (`O` as `0`, `I` and `L` as `1`). `None` when it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("DR").unwrap_or(&upper);
        let mut characters = String::new();
        for character in body.chars().filter(|character| !matches!(character, '-' | ' ')) {
            let read = match character {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !CROCKFORD.contains(&u8::try_from(read).ok()?) {
                return None;
            }
            characters.push(read);
        }
        (characters.len() == REQUEST_ID_CHARACTERS)
            .then(|| Self(format!("DR-{}-{}", &characters[..4], &characters[4..])))
    }

    /// The identifier, `DR-XXXX-XX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// Waiting for its approver; the requester may still edit or cancel it.
    Requested,
    /// Approved: its order is placed and the enrollment link (or the certificate from its CSR) is on its way.
    Approved,
    /// Refused, with the approver's reason.
    Rejected,
    /// Withdrawn by the requester, or replaced by their newer request for the same machine (which it names).
    Cancelled,
    /// The certificate is issued.
    Issued,
    /// The certificate reached the machine (the enrollment page's saved confirmation, or an API key's fetch).
    Downloaded,
    /// The machine proved it holds the certificate's key (the test enrollment).
    Installed,
    /// The certificate is revoked.
    Revoked,
}

impl DeviceStatus {
    /// Every status, in the journey's order.
    pub const ALL: [Self; 8] = [
        Self::Requested,
        Self::Approved,
        Self::Rejected,
        Self::Cancelled,
        Self::Issued,
        Self::Downloaded,
        Self::Installed,
        Self::Revoked,
    ];

    /// The stable name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Issued => "issued",
            Self::Downloaded => "downloaded",
            Self::Installed => "installed",
            Self::Revoked => "revoked",
        }
    }

    /// The status named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// What may happen to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceAction {
    /// Its approver approves it.
    Approve,
    /// Its approver refuses it (with a reason: [`check_reason`]).
    Reject,
    /// The requester withdraws it, or a newer request for the same machine replaces it.
    Cancel,
    /// The certificate is issued.
    Issue,
    /// The certificate is picked up.
    Download,
    /// The test enrollment passed.
    Install,
    /// The certificate is revoked.
    Revoke,
}

impl DeviceAction {
    /// Every action.
    pub const ALL: [Self; 7] =
        [Self::Approve, Self::Reject, Self::Cancel, Self::Issue, Self::Download, Self::Install, Self::Revoke];
}

/// A move [`transition`] refuses: the request's `status` field, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransitionError {
    /// Where the request stands.
    pub from: DeviceStatus,
    /// What was asked.
    pub action: DeviceAction,
}

impl TransitionError {
    /// The field a refusal names.
    pub const FIELD: &'static str = "status";

    /// Stable snake_case code: what the request would have had to be.
    pub fn code(&self) -> &'static str {
        match self.action {
            DeviceAction::Approve | DeviceAction::Reject | DeviceAction::Cancel => "device_request_not_pending",
            DeviceAction::Issue => "device_request_not_approved",
            DeviceAction::Download => "device_request_not_issued",
            DeviceAction::Install => "device_request_not_downloaded",
            DeviceAction::Revoke => "device_request_not_issued",
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.from.as_str();
        match self.action {
            DeviceAction::Approve | DeviceAction::Reject | DeviceAction::Cancel => write!(
                formatter,
                "This request is {status}: only a request still waiting for its approver can be approved, rejected \
                 or cancelled."
            ),
            DeviceAction::Issue => {
                write!(formatter, "This request is {status}: a certificate is issued only for an approved request.")
            }
            DeviceAction::Download => {
                write!(formatter, "This request is {status}: only an issued certificate can be picked up.")
            }
            DeviceAction::Install => write!(
                formatter,
                "This request is {status}: the test enrollment comes after the certificate was downloaded."
            ),
            DeviceAction::Revoke => {
                write!(formatter, "This request is {status}: it has no certificate to revoke.")
            }
        }
    }
}

/// The status `action` moves a request at `from` to, or why it cannot.
///
/// # Errors
///
/// [`TransitionError`] for every move the journey does not have.
pub fn transition(from: DeviceStatus, action: DeviceAction) -> Result<DeviceStatus, TransitionError> {
    use DeviceAction as A;
    use DeviceStatus as S;
    match (from, action) {
        (S::Requested, A::Approve) => Ok(S::Approved),
        (S::Requested, A::Reject) => Ok(S::Rejected),
        (S::Requested, A::Cancel) => Ok(S::Cancelled),
        (S::Approved, A::Issue) => Ok(S::Issued),
        (S::Issued, A::Download) => Ok(S::Downloaded),
        (S::Downloaded, A::Install) => Ok(S::Installed),
        (S::Issued | S::Downloaded | S::Installed, A::Revoke) => Ok(S::Revoked),
        _ => Err(TransitionError { from, action }),
    }
}

/// The request form as submitted (`POST /api/v1/device-requests`, and an edit of a pending request).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceRequestForm {
    /// `workstation` or `server`; must be one the account lets its requesters ask for. Not changed by an edit.
    pub kind: Option<DeviceKind>,
    /// One of the account's organizations (its identifier). Not changed by an edit.
    #[serde(default)]
    pub organization_id: String,
    /// The machine's host name (fully qualified): the certificate's first DNS name.
    pub host_name: String,
    /// More DNS names of the machine (up to 20), besides the host name.
    #[serde(default)]
    pub dns_names: Vec<String>,
    /// The machine's own identifier (a serial number, a hardware UUID), if it has one: a newer request for the
    /// same identifier replaces the pending one as a newer one for the same host name does.
    #[serde(default)]
    pub machine_id: Option<String>,
    /// Where the machine is: the town.
    pub locality: String,
    /// Where the machine is: the region, state or province (may be empty).
    #[serde(default)]
    pub region: String,
    /// The requester's phone number, for the approver's questions.
    pub phone: String,
    /// For the approver: the office, the purpose.
    pub description: String,
    /// A PKCS#10 request made on the machine (PEM), checked now against the profile; none to use the KeyGen
    /// enrollment link after approval.
    #[serde(default)]
    pub csr: Option<String>,
}

/// A form that passed [`check_form`]: names lower-cased and without repeats, texts trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedForm {
    /// The kind.
    pub kind: DeviceKind,
    /// The host name.
    pub host_name: Domain,
    /// Every DNS name the certificate will carry, the host name first.
    pub dns_names: Vec<String>,
    /// The machine identifier, lower-cased.
    pub machine_id: Option<String>,
    /// The town.
    pub locality: String,
    /// The region (may be empty).
    pub region: String,
    /// The phone number, as typed (trimmed).
    pub phone: String,
    /// The description.
    pub description: String,
    /// The CSR, as submitted, when it parsed and its key suits the profile.
    pub csr: Option<String>,
}

/// The most DNS names a request carries besides its host name.
pub const MAXIMUM_EXTRA_DNS_NAMES: usize = 20;
/// The longest description, characters.
pub const DESCRIPTION_MAXIMUM_LENGTH: usize = 1000;
/// The longest place name (locality, region), characters.
pub const PLACE_MAXIMUM_LENGTH: usize = 128;
/// The longest machine identifier, characters.
pub const MACHINE_ID_MAXIMUM_LENGTH: usize = 64;
/// The longest reason an approver gives, characters.
pub const REASON_MAXIMUM_LENGTH: usize = 500;

/// Checks a request form: the kind must be in `allowed_kinds` (the account's setting); every problem is named at
/// its field. `kind` is the stored kind for an edit (the form's own is ignored then).
///
/// # Errors
///
/// Every [`FieldError`] found, in field order.
pub fn check_form(
    form: &DeviceRequestForm,
    kind: Option<DeviceKind>,
    allowed_kinds: &[DeviceKind],
) -> Result<CheckedForm, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = kind.or(form.kind);
    match kind {
        None => errors.push(FieldError::new(
            "kind",
            "device_kind_missing",
            "Say whether this is a workstation or a server.",
        )),
        Some(kind) if !allowed_kinds.contains(&kind) => errors.push(FieldError::new(
            "kind",
            "device_kind_refused",
            format!("Your account does not let its requesters ask for {} certificates.", kind.as_str()),
        )),
        Some(_) => {}
    }
    let host_name = match Domain::parse(&form.host_name) {
        Ok(domain) => Some(domain),
        Err(error) => {
            errors.push(FieldError::new("host_name", error.code(), error.to_string()));
            None
        }
    };
    let mut dns_names: Vec<String> = host_name.iter().map(|domain| domain.as_str().to_owned()).collect();
    if form.dns_names.len() > MAXIMUM_EXTRA_DNS_NAMES {
        errors.push(FieldError::new(
            "dns_names",
            "dns_names_too_many",
            format!("A request carries at most {MAXIMUM_EXTRA_DNS_NAMES} DNS names besides its host name."),
        ));
    }
    for (index, name) in form.dns_names.iter().enumerate() {
        match Domain::parse(name) {
            Ok(domain) if !dns_names.iter().any(|known| known == domain.as_str()) => {
                dns_names.push(domain.as_str().to_owned());
            }
            Ok(_) => {}
            Err(error) => errors.push(FieldError::new(format!("dns_names[{index}]"), error.code(), error.to_string())),
        }
    }
    let machine_id = form.machine_id.as_deref().map(str::trim).filter(|text| !text.is_empty());
    if let Some(text) = machine_id {
        let allowed = |character: char| character.is_ascii_alphanumeric() || "-_.:{}".contains(character);
        if text.chars().count() > MACHINE_ID_MAXIMUM_LENGTH || !text.chars().all(allowed) {
            errors.push(FieldError::new(
                "machine_id",
                "machine_id_invalid",
                format!(
                    "A machine identifier is at most {MACHINE_ID_MAXIMUM_LENGTH} letters, digits and - _ . : {{ }} \
                     (a serial number or a hardware UUID)."
                ),
            ));
        }
    }
    let locality = form.locality.trim();
    check_text(&mut errors, "locality", locality, true, PLACE_MAXIMUM_LENGTH, "the town where the machine is");
    let region = form.region.trim();
    check_text(&mut errors, "region", region, false, PLACE_MAXIMUM_LENGTH, "the region");
    let phone = form.phone.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let phone_characters = phone.chars().all(|character| character.is_ascii_digit() || " +-.()".contains(character));
    if !phone_characters || !(6..=20).contains(&digits) {
        errors.push(FieldError::new(
            "phone",
            "phone_invalid",
            "Give a phone number the approver can call: 6 to 20 digits, with + - . ( ) and spaces if you like.",
        ));
    }
    let description = form.description.trim();
    let what = "what the approver should know (the office, the purpose)";
    check_text(&mut errors, "description", description, true, DESCRIPTION_MAXIMUM_LENGTH, what);
    let csr = form.csr.as_deref().map(str::trim).filter(|text| !text.is_empty());
    if let (Some(text), Some(kind)) = (csr, kind) {
        match ParsedCsr::from_pem(text) {
            Ok(parsed) => {
                if let Err(error) = kind.profile().profile().check_key(parsed.public_key()) {
                    errors.push(FieldError::new("csr", error.code(), error.to_string()));
                }
            }
            Err(error) => errors.push(FieldError::new("csr", error.code(), error.to_string())),
        }
    }
    match (kind, host_name) {
        (Some(kind), Some(host_name)) if errors.is_empty() => Ok(CheckedForm {
            kind,
            host_name,
            dns_names,
            machine_id: machine_id.map(str::to_ascii_lowercase),
            locality: locality.to_owned(),
            region: region.to_owned(),
            phone: phone.to_owned(),
            description: description.to_owned(),
            csr: csr.map(str::to_owned),
        }),
        _ => Err(errors),
    }
}

/// Adds the problem with a free text at `field`, if any: empty where `required`, too long, or with invisible
/// characters.
fn check_text(errors: &mut Vec<FieldError>, field: &str, text: &str, required: bool, maximum: usize, what: &str) {
    if required && text.is_empty() {
        errors.push(FieldError::new(field, format_code(field, "missing"), format!("Give {what}.")));
    } else if text.chars().count() > maximum {
        errors.push(FieldError::new(
            field,
            format_code(field, "too_long"),
            format!("Keep {what} to {maximum} characters."),
        ));
    } else if let Err(error) = check_visible(text) {
        errors.push(FieldError::new(field, error.code(), error.to_string()));
    }
}

/// The stable code of a free text's problem (`locality_missing`, `description_too_long`).
fn format_code(field: &str, problem: &str) -> &'static str {
    match (field, problem) {
        ("locality", "missing") => "locality_missing",
        ("locality", _) => "locality_too_long",
        ("region", _) => "region_too_long",
        ("description", "missing") => "description_missing",
        ("description", _) => "description_too_long",
        ("reason", "missing") => "reason_missing",
        _ => "reason_too_long",
    }
}

/// Checks an approver's reason: required to reject (a rejected requester must learn why), optional to approve.
///
/// # Errors
///
/// The problem, at `reason`.
pub fn check_reason(reason: &str, required: bool) -> Result<String, FieldError> {
    let mut errors = Vec::new();
    let reason = reason.trim();
    check_text(&mut errors, "reason", reason, required, REASON_MAXIMUM_LENGTH, "the reason for your decision");
    match errors.pop() {
        Some(error) => Err(error),
        None => Ok(reason.to_owned()),
    }
}

/// What the certificate of a request will say, read-only on the form: from the organization and the profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CertificatePreview {
    /// Subject organizationName.
    pub organization: String,
    /// Subject countryName.
    pub country: String,
    /// The key usage for an RSA key (names as RFC 5280 spells them).
    pub rsa_key_usage: Vec<String>,
    /// The key usage for an elliptic-curve key.
    pub ec_key_usage: Vec<String>,
    /// The extended key usages (`clientAuth`, `serverAuth`).
    pub extended_key_usages: Vec<String>,
}

/// What a `kind` certificate of the organization `organization` (of `country`) will say.
pub fn preview(kind: DeviceKind, organization: &str, country: &str) -> CertificatePreview {
    let profile = kind.profile().profile();
    let usage = |key_usage: KeyUsage| {
        let bits = [
            (key_usage.digital_signature, "digitalSignature"),
            (key_usage.key_encipherment, "keyEncipherment"),
            (key_usage.data_encipherment, "dataEncipherment"),
            (key_usage.key_agreement, "keyAgreement"),
        ];
        bits.iter().filter(|(set, _)| *set).map(|(_, name)| (*name).to_owned()).collect()
    };
    CertificatePreview {
        organization: organization.to_owned(),
        country: country.to_owned(),
        rsa_key_usage: usage(profile.rsa_key_usage),
        ec_key_usage: usage(profile.ec_key_usage),
        extended_key_usages: profile
            .extended_key_usages
            .iter()
            .map(|usage| match usage {
                ExtendedKeyUsage::EmailProtection => "emailProtection",
                ExtendedKeyUsage::ClientAuth => "clientAuth",
                ExtendedKeyUsage::ServerAuth => "serverAuth",
            })
            .map(str::to_owned)
            .collect(),
    }
}

/// The email to a requester when their request is decided, in their language: the request's identifier, the
/// machine, the decision, the approver's reason (always with a rejection), and where to follow it (`page_url`).
pub fn decided_email(
    lang: Lang,
    to: &str,
    request: &RequestId,
    host_name: &str,
    approved: bool,
    reason: &str,
    page_url: &str,
) -> Email {
    let reason_line =
        |label: &str| if reason.is_empty() { String::new() } else { format!("{label}\n\n    {reason}\n\n") };
    let (subject, body) = match (lang, approved) {
        (Lang::En, true) => (
            format!("{request} approved: {host_name}"),
            format!(
                "Hello,\n\nYour device request {request} for {host_name} was approved.\n\n{}The enrollment link \
                 for the machine follows in a separate email (or the certificate, when you gave a CSR). Open it on \
                 the machine the certificate is for.\n\n{page_url}\n\n-- Keyward\n",
                reason_line("The approver wrote:")
            ),
        ),
        (Lang::En, false) => (
            format!("{request} rejected: {host_name}"),
            format!(
                "Hello,\n\nYour device request {request} for {host_name} was rejected, for this reason:\n\n    \
                 {reason}\n\nYou can make a new request once the reason is dealt with.\n\n{page_url}\n\n-- Keyward\n"
            ),
        ),
        (Lang::Fr, true) => (
            format!("{request} approuvée{NBSP}: {host_name}"),
            format!(
                "Bonjour,\n\nVotre demande de certificat {request} pour {host_name} est approuvée.\n\n{}Le lien \
                 d’inscription de la machine suit dans un autre courriel (ou le certificat, si vous avez fourni un \
                 CSR). Ouvrez-le sur la machine à laquelle le certificat est destiné.\n\n{page_url}\n\n-- Keyward\n",
                reason_line(&format!("L’approbateur a écrit{NBSP}:"))
            ),
        ),
        (Lang::Fr, false) => (
            format!("{request} refusée{NBSP}: {host_name}"),
            format!(
                "Bonjour,\n\nVotre demande de certificat {request} pour {host_name} est refusée, pour cette \
                 raison{NBSP}:\n\n    {reason}\n\nVous pourrez faire une nouvelle demande une fois la raison \
                 traitée.\n\n{page_url}\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: to.to_owned(), subject, body, lang }
}

/// A no-break space (French punctuation).
const NBSP: char = '\u{a0}';

#[cfg(test)]
mod tests;
