//! The issuance pipeline's last steps, shared by the enrollment link (a CSR made in the browser) and the order
//! form (a CSR given with the order): the key-reuse check against what was certified before, the certificate
//! built from the order and the profile only, the signature, and the rows that record it.

use base64ct::{Base64, Encoding};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shared::csr::ParsedCsr;
use shared::encoding::hex;
use shared::issuance::{OrderFacts, certificate_template};
use shared::key_reuse::{KeyHolder, PriorCertificate, check_key_reuse};
use shared::profile::{CertifiedKey, Profile};
use worker::{D1Database, D1PreparedStatement, Env};

use crate::ca::CertificateAuthority;
use crate::db::{integer, text};
use crate::error::AppError;
use crate::platform;
use crate::repository::{ca_locations, repository_url};

/// A certificate signed and ready to store.
pub struct Issued {
    /// Serial number, lowercase hex (16 bytes).
    pub serial: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-256 of the certified SubjectPublicKeyInfo, hex.
    pub spki_sha256: String,
    /// Validity start.
    pub not_before: i64,
    /// Validity end.
    pub not_after: i64,
}

#[derive(Deserialize)]
struct PriorRow {
    organization_id: String,
    email: String,
    dns_names: String,
    revocation_reason: Option<String>,
}

/// SHA-256 of the request's SubjectPublicKeyInfo, hex: how certificates are found by their key.
pub fn spki_sha256(csr: &ParsedCsr) -> String {
    hex(&Sha256::digest(csr.subject_public_key_info_der()))
}

/// The query of every certificate issued earlier for the public key whose SubjectPublicKeyInfo hashes to
/// `spki_hash` (a caller may put it in a batch with its own read: one round trip).
pub fn prior_statement(db: &D1Database, spki_hash: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "SELECT o.organization_id, r.email, r.dns_names, c.revocation_reason FROM certificates c \
         JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id \
         WHERE c.spki_sha256 = ?1",
    )
    .bind(&[text(spki_hash)])
}

/// Every certificate issued earlier for the public key whose SubjectPublicKeyInfo hashes to `spki_hash`.
async fn prior_certificates(db: &D1Database, spki_hash: &str) -> Result<Vec<PriorCertificate>, AppError> {
    prior_from(prior_statement(db, spki_hash)?.all().await?)
}

/// The earlier certificates in the result of [`prior_statement`].
pub fn prior_from(result: worker::D1Result) -> Result<Vec<PriorCertificate>, AppError> {
    let rows = result.results::<PriorRow>()?;
    rows.into_iter()
        .map(|row| {
            Ok(PriorCertificate {
                holder: KeyHolder {
                    organization_id: row.organization_id,
                    email: row.email,
                    dns_names: serde_json::from_str(&row.dns_names)
                        .map_err(|_| AppError::internal("recipients.dns_names is not a JSON array"))?,
                },
                revoked_for_key_compromise: row.revocation_reason.as_deref() == Some("key_compromise"),
            })
        })
        .collect()
}

/// Refuses a public key already certified for another subject or organization, or once revoked for key
/// compromise; `field` is the request field the CSR came in.
pub async fn check_reuse(
    db: &D1Database,
    csr: &ParsedCsr,
    organization_id: &str,
    order: &OrderFacts,
    field: impl Into<String>,
) -> Result<String, AppError> {
    let spki_hash = spki_sha256(csr);
    check_prior(&prior_certificates(db, &spki_hash).await?, organization_id, order, field)?;
    Ok(spki_hash)
}

/// Refuses the key when an earlier certificate of it belongs to another holder or was revoked for compromise.
pub fn check_prior(
    prior: &[PriorCertificate],
    organization_id: &str,
    order: &OrderFacts,
    field: impl Into<String>,
) -> Result<(), AppError> {
    let holder = KeyHolder {
        organization_id: organization_id.to_owned(),
        email: order.recipient_email.clone(),
        dns_names: order.dns_names.clone(),
    };
    check_key_reuse(&holder, prior).map_err(|error| AppError::field(409, error.code(), field, error.to_string()))
}

/// Builds the certificate from the order and the profile (never from the CSR's subject or extensions) and
/// signs it with the issuing CA.
pub fn sign(
    env: &Env,
    authority: &CertificateAuthority,
    profile: &Profile,
    order: &OrderFacts,
    csr: &ParsedCsr,
    key: CertifiedKey,
    now: i64,
) -> Result<Issued, AppError> {
    let locations = ca_locations(&repository_url(env)?);
    let template = certificate_template(profile, order, &locations, key, now, platform::random()?)?;
    let der = authority.issue(&template, csr)?;
    Ok(Issued {
        serial: hex(&template.serial),
        der,
        spki_sha256: spki_sha256(csr),
        not_before: template.not_before,
        not_after: template.not_after,
    })
}

/// The statement that stores an issued certificate for a recipient, through the link (enrollment or, for a
/// CSR given with the order, the spent issuance slot) that allowed it: one certificate per link.
pub fn store(
    db: &D1Database,
    issued: &Issued,
    recipient_id: &str,
    link_id: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO certificates (serial, recipient_id, enrollment_link_id, der, spki_sha256, not_before, not_after, \
         issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[
        text(&issued.serial),
        text(recipient_id),
        text(link_id),
        text(&Base64::encode_string(&issued.der)),
        text(&issued.spki_sha256),
        integer(issued.not_before),
        integer(issued.not_after),
        integer(now),
    ])
}
