//! The one issuance pipeline (step-ca's `authority/tls.go` shape, sans-IO): every path that issues a certificate
//! (an enrollment link, a CSR given with an order at placement, a CSR order issued once its validations complete)
//! goes through these steps, in this order, and nothing is signed by the issuing key unless all of them pass:
//!
//! 1. **parse and verify** the CSR (its self-signature: owning a [`ParsedCsr`] proves it);
//! 2. **key policy**: the profile's key types, sizes, exponent and the weak-key checks ([`Profile::check_key`]);
//! 3. **key reuse**: a key stays with its holder and a compromised key is never certified again
//!    ([`crate::key_reuse`]); the database enforces the same with its `key_holders` table;
//! 4. **validations** still valid at this instant: the organization (825 days, when the certificate states it),
//!    each mailbox's domain (398 days) or the mailbox itself (30 days, S/MIME BR 4.2.1), each host name's domain;
//! 5. **template**: what the certificate will say, from the order and the profile only;
//! 6. **CAA** for the names the template states (RFC 9495 `issuemail` for mailbox domains, RFC 8659 `issue` for
//!    host names): after the template, so the lookup covers exactly the names the certificate will carry;
//! 7. **lint** a copy of the to-be-signed certificate signed by a throwaway lint key under the same issuer name
//!    (S/MIME BR 4.3.1.2): Keyward's own lint set, and pkilint's findings when the deployment runs it;
//! 8. **sign** (the edge signs with the issuing key), then check that what was signed is byte for byte what was
//!    linted, and return the rows to write in one batch: the certificate, the key's holder, the audit record, and
//!    the "certificate issued" emails.
//!
//! Each stage is a type that holds what the next step needs ([`Checked`] → [`Authorized`] → [`Linted`] →
//! [`Issuance`]); the edge does the I/O between them (the CAA lookup, the two signatures, pkilint's REST call).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::address::EmailAddress;
use crate::caa::{self, CaaAnswer, CaaCheck, CaaPermit, CaaRefusal, LookupFailure};
use crate::csr::{CsrError, ParsedCsr};
use crate::encoding::hex;
use crate::issuance::{CaLocations, CertificateTemplate, OrderError, OrderFacts, certificate_template};
use crate::key_reuse::{KeyHolder, KeyReuseError, PriorCertificate, check_key_reuse};
use crate::lang::Lang;
use crate::lint::{self, Finding};
use crate::mail::{Email, IssuedCertificate, certificate_issued};
use crate::order::{ValidatedDomain, ValidatedMailbox};
use crate::profile::{AlternativeNames, CertifiedKey, KeyError, Profile};
use crate::validation::{DAY_SECONDS, ORGANIZATION_REUSE_DAYS};

/// The steps, in the order they run: the names audit records and refusals use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The CSR is decoded and its self-signature verified.
    ParseAndVerify,
    /// The public key is one the profile certifies.
    KeyPolicy,
    /// The key is not certified for another holder, nor compromised.
    KeyReuse,
    /// The validations the certificate relies on are valid now.
    Validations,
    /// The certificate's content is built from the order and the profile.
    Template,
    /// CAA allows Keyward for every name the certificate states.
    Caa,
    /// No linter finds an error in the to-be-signed certificate.
    Lint,
    /// The issuing key signed exactly what was linted.
    Sign,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Self; 8] = [
        Self::ParseAndVerify,
        Self::KeyPolicy,
        Self::KeyReuse,
        Self::Validations,
        Self::Template,
        Self::Caa,
        Self::Lint,
        Self::Sign,
    ];
}

/// What the account's validations say, as the edge read them at the moment of issuance. Lapsed ones may be
/// included: they do not count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validations {
    /// When the ordering organization was validated (by CA staff), if ever.
    pub organization_validated_at: Option<i64>,
    /// The account's validated domains.
    pub domains: Vec<ValidatedDomain>,
    /// The account's validated mailboxes.
    pub mailboxes: Vec<ValidatedMailbox>,
}

/// A validation the certificate relies on that is missing or lapsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValidationLapse {
    /// The organization the certificate names is not validated, or its 825 days have passed.
    Organization {
        /// When its validation stopped counting, if it ever counted.
        expired_at: Option<i64>,
    },
    /// Neither the mailbox nor its domain is validated now.
    Mailbox {
        /// The address.
        email: String,
        /// When the latest validation that covered it stopped counting, if any did.
        expired_at: Option<i64>,
    },
    /// No validated domain covers the host name now.
    DnsName {
        /// The host name.
        name: String,
        /// When the latest validation that covered it stopped counting, if any did.
        expired_at: Option<i64>,
    },
}

/// Why the pipeline refuses to issue. Every variant names its step, a stable code and the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The CSR does not parse or its self-signature does not verify.
    Csr(CsrError),
    /// The public key is not one the profile certifies.
    Key(KeyError),
    /// The key belongs to another holder or was compromised.
    KeyReuse(KeyReuseError),
    /// A validation the certificate relies on is missing or lapsed.
    Validation(ValidationLapse),
    /// The order does not hold what the profile states.
    Order(OrderError),
    /// CAA does not allow Keyward (or could not be read).
    Caa(CaaRefusal),
    /// A linter found an error: nothing was signed by the issuing key.
    Lint(Vec<Finding>),
    /// The signed certificate is not the one that was linted (a defect of the signer): it is not issued.
    SignedDiffers,
}

impl Refusal {
    /// The step that refused.
    pub fn step(&self) -> Step {
        match self {
            Self::Csr(_) => Step::ParseAndVerify,
            Self::Key(_) => Step::KeyPolicy,
            Self::KeyReuse(_) => Step::KeyReuse,
            Self::Validation(_) => Step::Validations,
            Self::Order(_) => Step::Template,
            Self::Caa(_) => Step::Caa,
            Self::Lint(_) => Step::Lint,
            Self::SignedDiffers => Step::Sign,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Csr(error) => error.code(),
            Self::Key(error) => error.code(),
            Self::KeyReuse(error) => error.code(),
            Self::Validation(ValidationLapse::Organization { .. }) => "organization_validation_expired",
            Self::Validation(ValidationLapse::Mailbox { .. }) => "mailbox_validation_expired",
            Self::Validation(ValidationLapse::DnsName { .. }) => "domain_validation_expired",
            Self::Order(error) => error.code(),
            Self::Caa(error) => error.code(),
            Self::Lint(_) => "lint_refused",
            Self::SignedDiffers => "signature_mismatch",
        }
    }

    /// The field at fault: `csr_field` for what comes from the CSR (the request field it came in).
    pub fn field(&self, csr_field: &str) -> String {
        match self {
            Self::Csr(_) | Self::Key(_) | Self::KeyReuse(_) => csr_field.to_owned(),
            Self::Validation(ValidationLapse::Organization { .. }) => "organization_id".into(),
            Self::Validation(ValidationLapse::Mailbox { .. }) => "recipient_email".into(),
            Self::Validation(ValidationLapse::DnsName { .. }) => "dns_names".into(),
            Self::Order(error) => error.field().into(),
            Self::Caa(error) => error.field().into(),
            Self::Lint(_) => "profile".into(),
            Self::SignedDiffers => "signature".into(),
        }
    }

    /// Whether the same request may succeed later without anyone changing anything (a DNS lookup failed).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Caa(error) if error.is_retryable())
    }

    /// Whether the refusal is the CA's concern (an auditor's): CAA and lint refusals, and a signer defect, are
    /// written to the audit log with what was found; the rest are the applicant's mistakes.
    pub fn is_audited(&self) -> bool {
        matches!(self, Self::Caa(_) | Self::Lint(_) | Self::SignedDiffers)
    }

    /// The audit record's detail: the step, the code, and what was found (the CAA refusal, the findings).
    pub fn audit_detail(&self) -> serde_json::Value {
        let findings = match self {
            Self::Lint(findings) => findings.clone(),
            _ => Vec::new(),
        };
        serde_json::json!({
            "step": self.step(),
            "code": self.code(),
            "message": self.to_string(),
            "findings": findings,
        })
    }
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let date = |at: &Option<i64>| at.map(|at| format!(" (it lapsed on {})", crate::encoding::utc_date_time(at)));
        match self {
            Self::Csr(error) => error.fmt(formatter),
            Self::Key(error) => error.fmt(formatter),
            Self::KeyReuse(error) => error.fmt(formatter),
            Self::Validation(ValidationLapse::Organization { expired_at }) => write!(
                formatter,
                "The organization's validation is no longer valid{}: a CA administrator must validate it again \
                 before this certificate can be issued. Nothing was issued and the link still works.",
                date(expired_at).unwrap_or_default()
            ),
            Self::Validation(ValidationLapse::Mailbox { email, expired_at }) => write!(
                formatter,
                "Neither the mailbox {email} nor its domain is validated now{}: validate it again (Mailboxes or \
                 Domains in the console) before this certificate can be issued. Nothing was issued.",
                date(expired_at).unwrap_or_default()
            ),
            Self::Validation(ValidationLapse::DnsName { name, expired_at }) => write!(
                formatter,
                "No validated domain covers {name} now{}: validate its domain again before this certificate can \
                 be issued. Nothing was issued.",
                date(expired_at).unwrap_or_default()
            ),
            Self::Order(error) => error.fmt(formatter),
            Self::Caa(error) => error.fmt(formatter),
            Self::Lint(findings) => {
                let errors: Vec<String> = findings
                    .iter()
                    .filter(|finding| finding.severity == lint::Severity::Error)
                    .map(|finding| finding.code.clone())
                    .collect();
                write!(
                    formatter,
                    "Keyward's pre-issuance checks found a defect in the certificate it was about to sign ({}), so \
                     nothing was signed. The CA administrators have the details; this is not something you can fix. \
                     Try again later.",
                    errors.join(", ")
                )
            }
            Self::SignedDiffers => formatter.write_str(
                "The certificate signed differs from the one checked before signing, so it was not issued. \
                 Nothing was stored; try again.",
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// How the "certificate issued" emails greet and whom they reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailing<'a> {
    /// The language of the emails.
    pub lang: Lang,
    /// How to greet the recipient (the order's name for them).
    pub greeting: &'a str,
    /// The order's additional notification addresses.
    pub notification_emails: &'a [String],
    /// Where links point (`KEYWARD_APP_URL`).
    pub origin: &'a str,
}

/// Everything the pipeline decides from, read by the edge before it starts.
#[derive(Clone, Debug)]
pub struct Application<'a> {
    /// The request, from step 1 ([`parse`]).
    pub csr: &'a ParsedCsr,
    /// The profile of the order.
    pub profile: &'a Profile,
    /// What the certificate states.
    pub order: &'a OrderFacts,
    /// The ordering organization's identifier (the key's holder is the organization and the subject).
    pub organization_id: &'a str,
    /// Certificates Keyward issued earlier for the same public key, and whether the key was reported
    /// compromised.
    pub prior: &'a [PriorCertificate],
    /// The account's validations.
    pub validations: &'a Validations,
    /// Where relying parties find the CA's certificate, CRL and OCSP responder.
    pub locations: &'a CaLocations,
    /// The instant of issuance.
    pub now: i64,
    /// 16 fresh random bytes for the serial number.
    pub serial_random: [u8; 16],
    /// The latest end of validity: a reissue ends when the certificate it replaces ends (`crate::reissue`), and
    /// never later than the order and the profile allow. `None` for every other issuance.
    pub ends_no_later_than: Option<i64>,
}

/// Steps 1 to 5 passed: the template, and the names CAA must allow.
#[derive(Clone, Debug)]
pub struct Checked {
    csr: ParsedCsr,
    key: CertifiedKey,
    template: CertificateTemplate,
    holder: KeyHolder,
    now: i64,
}

/// SHA-256 of a request's SubjectPublicKeyInfo, hex: how certificates and key holders are found by their key.
pub fn spki_sha256(csr: &ParsedCsr) -> String {
    hex(&Sha256::digest(csr.subject_public_key_info_der()))
}

/// Step 1: parse and verify the request, PEM as submitted. The edge reads what the next steps need (the key's
/// holder, by [`spki_sha256`]; the account's validations) between this step and [`check`].
pub fn parse(csr_pem: &str) -> Result<ParsedCsr, Refusal> {
    ParsedCsr::from_pem(csr_pem).map_err(Refusal::Csr)
}

/// Steps 2 to 5: key policy, key reuse, validations, template.
pub fn check(application: &Application<'_>) -> Result<Checked, Refusal> {
    let csr = application.csr.clone();
    let key = application.profile.check_key(csr.public_key()).map_err(Refusal::Key)?;
    let holder = KeyHolder {
        organization_id: application.organization_id.to_owned(),
        email: application.order.recipient_email.clone(),
        dns_names: application.order.dns_names.clone(),
    };
    check_key_reuse(&holder, application.prior).map_err(Refusal::KeyReuse)?;
    check_validations(application.profile, application.order, application.validations, application.now)
        .map_err(Refusal::Validation)?;
    let mut template = certificate_template(
        application.profile,
        application.order,
        application.locations,
        key,
        application.now,
        application.serial_random,
    )
    .map_err(Refusal::Order)?;
    if let Some(end) = application.ends_no_later_than {
        template.not_after = template.not_after.min(end);
    }
    Ok(Checked { csr, key, template, holder, now: application.now })
}

/// Step 4: whether every validation the certificate relies on is valid at `now`.
pub fn check_validations(
    profile: &Profile,
    order: &OrderFacts,
    validations: &Validations,
    now: i64,
) -> Result<(), ValidationLapse> {
    if profile.states_organization() {
        let until = validations.organization_validated_at.map(|at| at + ORGANIZATION_REUSE_DAYS * DAY_SECONDS);
        if until.is_none_or(|until| until <= now) {
            return Err(ValidationLapse::Organization { expired_at: until });
        }
    }
    let latest = |deadlines: &mut dyn Iterator<Item = i64>| deadlines.max();
    match profile.alternative_names {
        AlternativeNames::Mailbox => {
            let email = EmailAddress::parse(&order.recipient_email)
                .map_err(|_| ValidationLapse::Mailbox { email: order.recipient_email.clone(), expired_at: None })?;
            let domains = validations.domains.iter().filter(|validated| validated.domain.contains(&email));
            let mailboxes = validations.mailboxes.iter().filter(|validated| validated.email.same_mailbox(&email));
            let until = latest(
                &mut domains
                    .map(|validated| validated.reusable_until)
                    .chain(mailboxes.map(|mailbox| mailbox.reusable_until)),
            );
            if until.is_none_or(|until| until <= now) {
                return Err(ValidationLapse::Mailbox { email: order.recipient_email.clone(), expired_at: until });
            }
        }
        AlternativeNames::DnsNames => {
            for name in &order.dns_names {
                let until = latest(
                    &mut validations
                        .domains
                        .iter()
                        .filter(|validated| validated.domain.contains_name(name))
                        .map(|validated| validated.reusable_until),
                );
                if until.is_none_or(|until| until <= now) {
                    return Err(ValidationLapse::DnsName { name: name.clone(), expired_at: until });
                }
            }
        }
    }
    Ok(())
}

impl Checked {
    /// What the certificate will say.
    pub fn template(&self) -> &CertificateTemplate {
        &self.template
    }

    /// The request (its public key is what is certified).
    pub fn csr(&self) -> &ParsedCsr {
        &self.csr
    }

    /// The CAA lookups step 6 needs: one per mailbox domain and host name the template states.
    pub fn caa_checks(&self) -> Vec<CaaCheck> {
        caa::required_checks(&self.template)
    }

    /// Step 6: every check of [`Checked::caa_checks`] answered, and each answer allows one of `identities`
    /// (Keyward's issuer domain names). An answer missing for a check refuses as a failed lookup.
    pub fn authorize(self, answers: &[CaaAnswer], identities: &[String]) -> Result<Authorized, Refusal> {
        let answered: Vec<CaaAnswer> = self
            .caa_checks()
            .into_iter()
            .map(|check| {
                answers.iter().find(|answer| answer.check == check).cloned().unwrap_or_else(|| CaaAnswer {
                    found: Err(LookupFailure { name: check.domain.clone(), reason: "it was not looked up".into() }),
                    check,
                })
            })
            .collect();
        let permits = caa::authorize_all(&answered, identities).map_err(Refusal::Caa)?;
        Ok(Authorized { checked: self, permits })
    }
}

/// Steps 1 to 6 passed: the edge signs a copy with the throwaway lint key and lints it.
#[derive(Clone, Debug)]
pub struct Authorized {
    checked: Checked,
    permits: Vec<CaaPermit>,
}

impl Authorized {
    /// What the certificate will say.
    pub fn template(&self) -> &CertificateTemplate {
        &self.checked.template
    }

    /// The request.
    pub fn csr(&self) -> &ParsedCsr {
        &self.checked.csr
    }

    /// Step 7: `lint_copy` is the to-be-signed certificate signed by the lint key; `external` what another
    /// linter (pkilint) found in it. Keyward's own lint set runs here; any error-level finding refuses.
    pub fn lint(
        self,
        profile: &Profile,
        locations: &CaLocations,
        lint_copy: &[u8],
        external: Vec<Finding>,
    ) -> Result<Linted, Refusal> {
        let mut findings = lint::lint_certificate(profile, locations, lint_copy, self.checked.now);
        findings.extend(external);
        if lint::has_errors(&findings) {
            return Err(Refusal::Lint(findings));
        }
        Ok(Linted { authorized: self, lint_copy: lint_copy.to_vec(), findings })
    }
}

/// Steps 1 to 7 passed: the edge signs with the issuing key.
#[derive(Clone, Debug)]
pub struct Linted {
    authorized: Authorized,
    lint_copy: Vec<u8>,
    findings: Vec<Finding>,
}

/// A certificate, signed and checked, with everything to write in its batch.
#[derive(Clone, Debug)]
pub struct Issuance {
    /// Serial number, lower-case hex.
    pub serial: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-256 of the certified SubjectPublicKeyInfo, hex.
    pub spki_sha256: String,
    /// Validity start.
    pub not_before: i64,
    /// Validity end.
    pub not_after: i64,
    /// The key's holder, as the `key_holders` row records it.
    pub holder: KeyHolder,
    /// The audit record's detail: the serial, the key type, the CAA answers, the lint findings below error.
    pub audit_detail: serde_json::Value,
    /// The "certificate issued" emails: to the recipient, then to each notification address.
    pub emails: Vec<Email>,
}

impl Linted {
    /// What the certificate will say.
    pub fn template(&self) -> &CertificateTemplate {
        &self.authorized.checked.template
    }

    /// The request.
    pub fn csr(&self) -> &ParsedCsr {
        &self.authorized.checked.csr
    }

    /// Step 8: `signed` is the certificate the issuing key signed; it must carry exactly the linted
    /// to-be-signed certificate. Returns what to write and send.
    pub fn signed(
        self,
        signed: Vec<u8>,
        profile: &Profile,
        order: &OrderFacts,
        organization: &str,
        mailing: &Mailing<'_>,
    ) -> Result<Issuance, Refusal> {
        if !lint::same_to_be_signed(&self.lint_copy, &signed) {
            return Err(Refusal::SignedDiffers);
        }
        let checked = self.authorized.checked;
        let serial = hex(&checked.template.serial);
        let certified = order.certified(profile);
        let emails = certificate_issued(
            mailing.lang,
            &IssuedCertificate {
                recipient_name: mailing.greeting,
                recipient_email: &order.recipient_email,
                notification_emails: mailing.notification_emails,
                organization,
                profile,
                certified: &certified,
                serial: &serial,
                not_after: checked.template.not_after,
                origin: mailing.origin,
            },
        );
        let audit_detail = serde_json::json!({
            "serial": serial,
            "profile": profile.id,
            "key": format!("{:?}", checked.key),
            "steps": Step::ALL,
            "caa": self.authorized.permits,
            "lint": self.findings,
        });
        Ok(Issuance {
            spki_sha256: spki_sha256(&checked.csr),
            serial,
            der: signed,
            not_before: checked.template.not_before,
            not_after: checked.template.not_after,
            holder: checked.holder,
            audit_detail,
            emails,
        })
    }
}

#[cfg(test)]
mod tests;
