//! The issuance pipeline's I/O: `shared::issuance::pipeline` decides every step; this module does what lies
//! between them, for every path that issues (an enrollment link, a CSR given with an order at placement or once
//! its validations complete): it reads the key's holder and the ordering organization's validations (one
//! batch), looks CAA up, has the throwaway lint key sign a copy and pkilint lint it, signs with the issuing key,
//! and turns the pipeline's [`Issuance`] into the statements of the caller's batch. A refusal that concerns the
//! CA (CAA, lint, a signer defect) is written to the audit log with what was found.

use base64ct::{Base64, Encoding};
use shared::csr::ParsedCsr;
use shared::issuance::OrderFacts;
use shared::issuance::pipeline::{self, Application, Issuance, Mailing, Refusal, Validations, spki_sha256};
use shared::key_reuse::KeyHolder;
use shared::profile::Profile;
use std::rc::Rc;

use worker::{D1Database, D1PreparedStatement, Env};

use crate::ca::CertificateAuthority;
use crate::caa::Caa;
use crate::error::AppError;
use crate::lint::{self, Pkilint};
use crate::store::audit_log;
use crate::store::{certificates, key_holders, organizations, validations};
use crate::{outbox, platform};

/// The issuing side, read from the environment once per request: the CA (keys, certificates and the repository
/// locations its certificates state), CAA (resolver and Keyward's issuer domain names) and pkilint. Issuance
/// takes this and nothing else of the environment.
pub struct Issuer {
    /// The CA.
    pub authority: Rc<CertificateAuthority>,
    caa: Caa,
    pkilint: Pkilint,
}

impl Issuer {
    /// From the Worker's secrets and variables.
    pub fn from_env(env: &Env) -> Result<Self, AppError> {
        Ok(Self {
            authority: CertificateAuthority::from_env(env)?,
            caa: Caa::from_env(env),
            pkilint: Pkilint::from_env(env),
        })
    }
}

/// What is being issued, and for whom: everything the pipeline needs besides the CSR and what this module reads.
pub struct Subject<'a> {
    /// The order's profile.
    pub profile: &'a Profile,
    /// What the certificate states.
    pub facts: &'a OrderFacts,
    /// The ordering organization (its account's validations count).
    pub organization_id: &'a str,
    /// How the "certificate issued" emails greet and whom they reach.
    pub mailing: Mailing<'a>,
    /// Who asked, for the audit record of a refusal.
    pub actor: &'a str,
    /// What the issuance is for, for the audit record of a refusal: (`enrollment_link` or `recipient`, id).
    pub subject: (&'a str, &'a str),
    /// A reissue's end: the certificate it replaces ends then (`None` for every other issuance).
    pub ends_no_later_than: Option<i64>,
}

/// When the organization was validated, and the latest validation of each domain and mailbox of its account: the
/// read the pipeline's validation step (and the order form) check, for a read batch.
pub fn validations_statements(db: &D1Database, organization_id: &str) -> worker::Result<[D1PreparedStatement; 2]> {
    Ok([
        organizations::validated_at_statement(db, organization_id)?,
        validations::validated_subjects_statement(db, organization_id)?,
    ])
}

/// The results of [`validations_statements`], each with its reuse deadline (lapsed ones included).
pub fn validations_from(organization: worker::D1Result, subjects: worker::D1Result) -> Result<Validations, AppError> {
    let organization_validated_at = organizations::validated_at_from(organization)?;
    let (domains, mailboxes) = validations::validated_subjects_from(subjects)?;
    Ok(Validations { organization_validated_at, domains, mailboxes })
}

/// Steps 2 to 5 of the pipeline against the database as it is now; for a CSR given with an order whose
/// validations are still pending, the key-reuse refusal comes at placement rather than later.
pub async fn check_key_reuse(
    db: &D1Database,
    csr: &ParsedCsr,
    organization_id: &str,
    facts: &OrderFacts,
    field: &str,
) -> Result<(), AppError> {
    let prior = key_holders::prior_from(key_holders::prior_statement(db, &spki_sha256(csr))?.all().await?)?;
    let holder = KeyHolder {
        organization_id: organization_id.to_owned(),
        email: facts.recipient_email.clone(),
        dns_names: facts.dns_names.clone(),
    };
    shared::key_reuse::check_key_reuse(&holder, &prior)
        .map_err(|error| AppError::refusal(&Refusal::KeyReuse(error), field))
}

/// Runs the whole pipeline for a parsed request (step 1 is the caller's, so it can refuse a spent link first).
/// A refusal comes back as the [`Refusal`] (the caller decides: answer it, or record it on the order); those
/// that concern the CA are written to the audit log here, alone, since nothing else changes.
pub async fn issue(
    issuer: &Issuer,
    db: &D1Database,
    csr: &ParsedCsr,
    subject: &Subject<'_>,
    now: i64,
) -> Result<Result<Issuance, Refusal>, AppError> {
    let outcome = run(issuer, db, csr, subject, now).await?;
    if let Err(refusal) = &outcome
        && refusal.is_audited()
    {
        let statement =
            audit_log::record(db, now, subject.actor, "certificate.refused", subject.subject, &refusal.audit_detail())?;
        statement.run().await?;
    }
    Ok(outcome)
}

async fn run(
    issuer: &Issuer,
    db: &D1Database,
    csr: &ParsedCsr,
    subject: &Subject<'_>,
    now: i64,
) -> Result<Result<Issuance, Refusal>, AppError> {
    let [organization, subjects] = validations_statements(db, subject.organization_id)?;
    let mut results =
        db.batch(vec![key_holders::prior_statement(db, &spki_sha256(csr))?, organization, subjects]).await?;
    let missing = || AppError::internal("batch result missing");
    let subjects = results.pop().ok_or_else(missing)?;
    let organization = results.pop().ok_or_else(missing)?;
    let validations = validations_from(organization, subjects)?;
    let prior = key_holders::prior_from(results.pop().ok_or_else(missing)?)?;
    let (authority, locations) = (&issuer.authority, issuer.authority.locations());
    let application = Application {
        csr,
        profile: subject.profile,
        order: subject.facts,
        organization_id: subject.organization_id,
        prior: &prior,
        validations: &validations,
        locations,
        now,
        serial_random: platform::random()?,
        ends_no_later_than: subject.ends_no_later_than,
    };
    let checked = match pipeline::check(&application) {
        Ok(checked) => checked,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let answers = issuer.caa.lookup(&checked.caa_checks()).await;
    let authorized = match checked.authorize(&answers, issuer.caa.identities()) {
        Ok(authorized) => authorized,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let lint_copy = authority.lint_copy(authorized.template(), authorized.csr())?;
    let external = lint::pkilint(&issuer.pkilint, subject.profile, &lint_copy).await.map_err(AppError::from)?;
    let linted = match authorized.lint(subject.profile, locations, &lint_copy, external) {
        Ok(linted) => linted,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let signed = authority.issue(linted.template(), linted.csr())?;
    let facts = subject.facts;
    Ok(linted.signed(signed, subject.profile, facts, &facts.organization_name, &subject.mailing))
}

/// The statements that record an issuance, for the caller's batch: the certificate (through the link, enrollment
/// or a CSR order's spent issuance slot, that allowed it: one certificate per link), the key's holder (the
/// database refuses another holder and a compromised key, whatever raced), the audit record and the "certificate
/// issued" emails. Returns the statements and the outbox ids to deliver after the batch.
pub fn statements(
    db: &D1Database,
    issuance: &Issuance,
    recipient_id: &str,
    link_id: &str,
    actor: &str,
    order_id: &str,
    now: i64,
) -> Result<(Vec<D1PreparedStatement>, Vec<String>), AppError> {
    let mut detail = issuance.audit_detail.clone();
    detail["order"] = serde_json::Value::from(order_id);
    let der = Base64::encode_string(&issuance.der);
    let certificate = certificates::NewCertificate {
        serial: &issuance.serial,
        recipient_id,
        enrollment_link_id: link_id,
        der: &der,
        spki_sha256: &issuance.spki_sha256,
        not_before: issuance.not_before,
        not_after: issuance.not_after,
        issued_at: now,
    };
    let mut statements = vec![
        certificates::insert(db, &certificate)?,
        key_holders::insert_if_absent(db, &issuance.spki_sha256, &issuance.holder, now)?,
        audit_log::record(db, now, actor, "certificate.issued", ("certificate", &issuance.serial), &detail)?,
        // A renewal order's recipient: the certificate it renews is replaced by this one (where nothing replaced it).
        certificates::replace_renewed(db, recipient_id, &issuance.serial)?,
    ];
    let mut mail = Vec::new();
    for email in &issuance.emails {
        let (statement, id) = outbox::enqueue(db, email, now)?;
        statements.push(statement);
        mail.push(id);
    }
    Ok((statements, mail))
}

/// Records the request's key as compromised when the refusal says its text also held a private key
/// (`CsrError::PrivateKeyIncluded`): the key is exposed, so it is never certified (the database's `key_compromised`
/// trigger then refuses it on every path), and the audit log says so. Only the public key's hash is kept; the
/// private block was never read. Any other refusal writes nothing.
pub async fn record_exposed_key(
    db: &D1Database,
    refusal: &Refusal,
    actor: &str,
    subject: (&str, &str),
    now: i64,
) -> Result<(), AppError> {
    let Refusal::Csr(shared::csr::CsrError::PrivateKeyIncluded { exposed_key_sha256 }) = refusal else {
        return Ok(());
    };
    let detail = serde_json::json!({ "spki_sha256": exposed_key_sha256 });
    let mut batch = Vec::new();
    if let Some(spki) = exposed_key_sha256 {
        batch.push(key_holders::mark_compromised(db, spki, now)?);
        batch.push(key_holders::insert_compromised_if_absent(db, spki, now)?);
    }
    batch.push(audit_log::record(db, now, actor, "key.exposed_in_request", subject, &detail)?);
    db.batch(batch).await?;
    Ok(())
}

/// The refusal a failed issuance batch carries when the key-holder guard aborted it (another holder won a race,
/// or the key was reported compromised meanwhile), named for the request field `csr_field`.
pub fn key_holder_refusal(error: &worker::Error, csr_field: &str) -> Option<AppError> {
    use shared::key_reuse::KeyReuseError;
    let refusal = if crate::db::raised(error, "key_compromised") {
        Refusal::KeyReuse(KeyReuseError::Compromised)
    } else if crate::db::raised(error, "key_already_certified") {
        Refusal::KeyReuse(KeyReuseError::CertifiedForAnotherSubject)
    } else {
        return None;
    };
    Some(AppError::refusal(&refusal, csr_field))
}
