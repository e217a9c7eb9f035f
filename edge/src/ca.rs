//! The CA signer adapter: the issuing CA's key and certificates from Worker secrets, and rcgen to sign what
//! `shared::issuance::encode` makes of a certificate template.
//!
//! Secrets (base64 DER, one line each): `CA_ISSUING_KEY` (PKCS#8, ECDSA P-256), `CA_ISSUING_CERT`,
//! `CA_ROOT_CERT`. Locally they come from `.dev.vars`, written by `cargo xtask dev`; in production from
//! `wrangler secret put`. The keys are never in D1 or in git.
//!
//! Pre-issuance linting (S/MIME BR 4.3.1.2), the way Let's Encrypt does it: next to the issuing key, each isolate
//! generates a throwaway lint key of the same type (ECDSA P-256) and an issuer with the same name and key
//! identifier. [`CertificateAuthority::lint_copy`] signs the to-be-signed certificate with it, for `shared::lint`
//! to re-read; [`CertificateAuthority::issue`] signs the same `tbsCertificate` with the real key. The lint key is
//! never stored and nothing trusts it: a certificate it signs is only ever read by the linter.

use std::cell::RefCell;
use std::rc::Rc;

use base64ct::{Base64, Encoding};
use der::Decode;
use rcgen::{
    CertificateRevocationListParams, CrlDistributionPoint, CrlIssuingDistributionPoint, Issuer, KeyIdMethod, KeyPair,
    PKCS_ECDSA_P256_SHA256, RevokedCertParams, SerialNumber, SigningKey,
};
use shared::csr::ParsedCsr;
use shared::encoding::pem_encode;
use shared::issuance::CaLocations;
use shared::issuance::CertificateTemplate;
use shared::issuance::encode::{self, CsrPublicKey};
use shared::revocation::RevocationReason;
use x509_cert::Certificate;

use crate::error::AppError;

thread_local! {
    /// The CA this isolate parsed last, with the secrets it was parsed from. A Worker isolate runs one thread.
    static LOADED: RefCell<Option<([String; 4], Rc<CertificateAuthority>)>> = const { RefCell::new(None) };
}

/// The issuing CA, ready to sign.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    /// The same issuer name and key identifier with a throwaway key: signs only the copies the linter reads.
    lint_issuer: Issuer<'static, KeyPair>,
    issuing_not_after: i64,
    key_identifier: Vec<u8>,
    /// The issuing CA's certificate, DER.
    pub issuing_der: Vec<u8>,
    /// The root CA's certificate, DER.
    pub root_der: Vec<u8>,
    /// Where the CA repository publishes the issuing certificate, its CRL and OCSP: what certificates state.
    locations: CaLocations,
}

/// How long a CRL is valid: S/MIME BR 4.9.7 allows at most ten days between thisUpdate and nextUpdate.
pub const CRL_VALIDITY_SECONDS: i64 = 7 * 86_400;

/// `AlgorithmIdentifier` of ecdsa-with-SHA256 (no parameters, RFC 5758), DER: what [`CertificateAuthority::sign`]
/// signs with, the algorithm `shared::lint` requires of every certificate.
pub const OCSP_SIGNATURE_ALGORITHM: &[u8] = shared::lint::ISSUER_SIGNATURE_ALGORITHM;

/// A revoked certificate, as a CRL lists it.
pub struct RevokedEntry {
    /// Serial number, big-endian.
    pub serial: Vec<u8>,
    /// Revocation instant, seconds since the Unix epoch.
    pub revoked_at: i64,
    /// Why.
    pub reason: RevocationReason,
}

impl CertificateAuthority {
    /// The CA from the Worker's secrets, parsed once per isolate: parsing the issuing key checks the key pair
    /// (a scalar multiplication), which is most of an issuance's CPU. The cache is keyed by the secrets' text, so
    /// a rotated secret (a new deployment, and usually a new isolate anyway) is parsed afresh. The repository's
    /// locations come from `KEYWARD_REPOSITORY_URL` (`repository.rs`), so issuance needs nothing else of the
    /// environment for them.
    pub fn from_env(env: &worker::Env) -> Result<Rc<Self>, AppError> {
        let secret = |name: &str| -> Result<String, AppError> {
            env.secret(name)
                .map(|value| value.to_string())
                .map_err(|_| AppError::internal(&format!("the secret {name} is not set (run `cargo xtask dev`)")))
        };
        let secrets = [
            secret("CA_ISSUING_KEY")?,
            secret("CA_ISSUING_CERT")?,
            secret("CA_ROOT_CERT")?,
            crate::locations::repository_url(env)?,
        ];
        LOADED.with(|loaded| {
            if let Some((cached, authority)) = loaded.borrow().as_ref()
                && *cached == secrets
            {
                return Ok(authority.clone());
            }
            let authority = Rc::new(Self::parse(&secrets)?);
            *loaded.borrow_mut() = Some((secrets, authority.clone()));
            Ok(authority)
        })
    }

    /// Parses the CA from its three secrets (the issuing key, the issuing certificate and the root certificate) and
    /// the repository's base URL.
    fn parse([key, issuing, root, repository_url]: &[String; 4]) -> Result<Self, AppError> {
        let decode = |name: &str, value: &str| -> Result<Vec<u8>, AppError> {
            Base64::decode_vec(value.trim()).map_err(|_| AppError::internal(&format!("{name} is not base64")))
        };
        let key_der = decode("CA_ISSUING_KEY", key)?;
        let issuing_der = decode("CA_ISSUING_CERT", issuing)?;
        let root_der = decode("CA_ROOT_CERT", root)?;
        let issuing = Certificate::from_der(&issuing_der)
            .map_err(|error| AppError::internal(&format!("CA_ISSUING_CERT: {error}")))?;
        let key = KeyPair::from_pkcs8_der_and_sign_algo(&key_der.as_slice().into(), &PKCS_ECDSA_P256_SHA256)
            .map_err(|error| AppError::internal(&format!("CA_ISSUING_KEY: {error}")))?;
        // Of the issuing key's type, so that the lint copy's signature algorithm and `tbsCertificate` are the
        // real certificate's.
        let lint_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|error| AppError::internal(&format!("generating the lint key: {error}")))?;
        let key_identifier = encode::issuer_key_identifier(&issuing)?;
        let params = encode::issuer_params(&issuing)?;
        let issuing_not_after = issuing.tbs_certificate().validity().not_after.to_unix_duration().as_secs() as i64;
        Ok(Self {
            issuer: Issuer::new(params.clone(), key),
            lint_issuer: Issuer::new(params, lint_key),
            issuing_not_after,
            key_identifier,
            issuing_der,
            root_der,
            locations: crate::locations::ca_locations(repository_url),
        })
    }

    /// Where the CA repository is, as certificates state it.
    pub fn locations(&self) -> &CaLocations {
        &self.locations
    }

    /// The CA certificates, PEM: issuing first, root last.
    pub fn chain_pem(&self) -> Vec<String> {
        vec![pem_encode("CERTIFICATE", &self.issuing_der), pem_encode("CERTIFICATE", &self.root_der)]
    }

    /// A CRL for the issuing CA numbered `number`, signed now, valid [`CRL_VALIDITY_SECONDS`], listing
    /// `revoked` (the reasonCode entry extension is left out for unspecified, as S/MIME BR 7.2.2 requires).
    pub fn certificate_revocation_list(
        &self,
        now: i64,
        number: u64,
        crl_url: &str,
        revoked: &[RevokedEntry],
    ) -> Result<Vec<u8>, AppError> {
        let revoked_certs = revoked
            .iter()
            .map(|entry| {
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&entry.serial),
                    revocation_time: encode::timestamp(entry.revoked_at)?,
                    reason_code: entry.reason.stated_code().map(crl_reason),
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let params = CertificateRevocationListParams {
            this_update: encode::timestamp(now)?,
            next_update: encode::timestamp(now + CRL_VALIDITY_SECONDS)?,
            crl_number: SerialNumber::from_slice(&positive_integer(number)),
            issuing_distribution_point: Some(CrlIssuingDistributionPoint {
                distribution_point: CrlDistributionPoint { uris: vec![crl_url.to_owned()] },
                scope: Some(rcgen::CrlScope::UserCertsOnly),
            }),
            revoked_certs,
            key_identifier_method: KeyIdMethod::PreSpecified(self.key_identifier.clone()),
        };
        let crl =
            params.signed_by(&self.issuer).map_err(|error| AppError::internal(&format!("signing the CRL: {error}")))?;
        Ok(crl.der().to_vec())
    }

    /// Signs `message` with the issuing CA's key (ECDSA P-256 with SHA-256, DER signature), as an OCSP response
    /// needs. [`OCSP_SIGNATURE_ALGORITHM`] names the algorithm.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AppError> {
        self.issuer.key().sign(message).map_err(|error| AppError::internal(&format!("signing: {error}")))
    }

    /// Signs a certificate for the CSR's public key, saying what the template says and nothing from the CSR.
    /// Refuses to issue past the issuing CA's own expiry.
    pub fn issue(&self, template: &CertificateTemplate, csr: &ParsedCsr) -> Result<Vec<u8>, AppError> {
        self.sign_certificate(template, csr, &self.issuer)
    }

    /// The certificate [`Self::issue`] would sign, signed instead by the throwaway lint key: the same
    /// `tbsCertificate`, for `shared::lint` to check before the real key signs it. Never handed out.
    pub fn lint_copy(&self, template: &CertificateTemplate, csr: &ParsedCsr) -> Result<Vec<u8>, AppError> {
        self.sign_certificate(template, csr, &self.lint_issuer)
    }

    /// The template encoded by `shared` and signed by `issuer`.
    fn sign_certificate(
        &self,
        template: &CertificateTemplate,
        csr: &ParsedCsr,
        issuer: &Issuer<'static, KeyPair>,
    ) -> Result<Vec<u8>, AppError> {
        if template.not_after > self.issuing_not_after {
            return Err(AppError::field(
                409,
                "ca_expires_first",
                "validity",
                "The issuing CA expires before this certificate would; the CA administrator must renew it first.",
            ));
        }
        let params = encode::certificate_params(template)?;
        let public_key = CsrPublicKey::new(csr)?;
        let certificate =
            params.signed_by(&public_key, issuer).map_err(|error| AppError::internal(&format!("signing: {error}")))?;
        Ok(certificate.der().to_vec())
    }
}

/// The rcgen reason for a stated CRLReason code.
fn crl_reason(code: u8) -> rcgen::RevocationReason {
    match code {
        1 => rcgen::RevocationReason::KeyCompromise,
        3 => rcgen::RevocationReason::AffiliationChanged,
        4 => rcgen::RevocationReason::Superseded,
        5 => rcgen::RevocationReason::CessationOfOperation,
        9 => rcgen::RevocationReason::PrivilegeWithdrawn,
        _ => rcgen::RevocationReason::Unspecified,
    }
}

/// A positive INTEGER's content octets: big-endian, minimal, with a leading zero when the top bit is set.
fn positive_integer(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let start = bytes.iter().position(|byte| *byte != 0).unwrap_or(bytes.len() - 1);
    let mut integer = bytes[start..].to_vec();
    if integer[0] & 0x80 != 0 {
        integer.insert(0, 0);
    }
    integer
}
