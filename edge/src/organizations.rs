//! Organizations (`shared::api::organization` lists the endpoints): creation, reading with where their vetting
//! by the CA's staff stands ([`standings`]), and the emailed 8-digit verification code.
//!
//! The code is a contact's confirmation that they speak for the organization: a `validations` row (kind
//! `organization`, method `email_code`) completed when the right code is entered, recorded, audited and shown.
//! It validates nothing: `organizations.validated_at` is set only by a CA administrator's `validated` vetting
//! (`vetting.rs`), and the database refuses any other (`organizations_validated_by_vetting`, migration 0016).
//! The code is stored as `VerificationCode::hash_hex` salted with the row's random id, so no extra column is
//! needed and equal codes on two rows hash differently.

use shared::api::domain::ValidationState;
use shared::api::organization::{
    CodeEntry, CodeSent, NewOrganization, OrganizationError, OrganizationList, OrganizationView, PostalAddress,
};
use shared::mail::{Requester, organization_verification_code};
use shared::validation::{
    CODE_MAXIMUM_ATTEMPTS, CodeAttempts, CodeCheck, Validation, ValidationError, ValidationKind, ValidationStatus,
    VerificationCode, check_code,
};
use shared::vetting::{Record, VettingStatus};
use worker::{D1Database, Response};

use crate::call::{Call, Member};
use crate::db::{commit, is_conflict};
use crate::store::audit_log;
use crate::store::users;

use crate::error::AppError;
use crate::outbox::enqueue;
use crate::platform;
use crate::store::organizations::{self, OrganizationRow};
use crate::store::validations::{self, Method, ValidationRow};
use crate::store::vettings::{self, AnswerRow, VettingRow};

/// What a caller hears when a concurrent request won.
const CHANGED_MEANWHILE: &str =
    "Another request changed this at the same moment; nothing was written. Reload and try again.";

/// What the vetting tables and the contact's confirmation say of one organization.
pub struct Standing {
    /// Where its vetting stands.
    pub status: VettingStatus,
    /// The latest contact's confirmation by code: when, and the address.
    pub confirmation: Option<(i64, String)>,
    /// Its vetting records, oldest first.
    pub records: Vec<VettingRow>,
    /// The applicant's answers, oldest first.
    pub answers: Vec<AnswerRow>,
}

/// The [`Standing`] of each of `rows` (the caller scoped them), in their order, at `now`: four reads in all.
pub async fn standings(db: &D1Database, rows: &[OrganizationRow], now: i64) -> Result<Vec<Standing>, AppError> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let records = vettings::of_organizations(db, &ids).await?;
    let answers = vettings::answers_of_organizations(db, &ids).await?;
    let confirmations = validations::contact_confirmations(db, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let records: Vec<VettingRow> =
                records.iter().filter(|record| record.organization_id == row.id).cloned().collect();
            let answers: Vec<AnswerRow> =
                answers.iter().filter(|answer| answer.organization_id == row.id).cloned().collect();
            let read: Vec<Record> =
                records.iter().map(VettingRow::record).chain(answers.iter().map(AnswerRow::record)).collect();
            let confirmation = confirmations
                .iter()
                .rev()
                .find(|confirmation| confirmation.subject == row.id)
                .and_then(|confirmation| confirmation.validated_at.map(|at| (at, confirmation.target.clone())));
            Standing {
                status: shared::vetting::status(row.created_at, row.validated_until, &read, now),
                confirmation,
                records,
                answers,
            }
        })
        .collect())
}

/// The organization as the API shows it, with its current code row and its vetting's standing.
pub fn organization_view(
    organization: &OrganizationRow,
    current: Option<&ValidationRow>,
    standing: &Standing,
    now: i64,
) -> Result<OrganizationView, AppError> {
    let address: PostalAddress = organization.postal_address()?;
    let pending = match current {
        Some(row) if row.validated_at.is_none() => Some((row, row.validation().status(now))),
        _ => None,
    };
    let validation = if organization.reusable(now).is_some() {
        ValidationState::Validated
    } else if let Some((_, status)) = pending {
        ValidationState::from(status)
    } else if organization.validated_at.is_some() {
        ValidationState::ValidationExpired
    } else {
        ValidationState::NotStarted
    };
    let (code_expires_at, code_attempts_left) = match pending {
        Some((row, ValidationStatus::Pending { expires_at })) if row.method == Method::EmailCode => {
            let used = u32::try_from(row.attempts).unwrap_or(u32::MAX);
            (Some(expires_at), Some(CODE_MAXIMUM_ATTEMPTS.saturating_sub(used)))
        }
        _ => (None, None),
    };
    Ok(OrganizationView {
        id: organization.id.clone(),
        name: organization.name.clone(),
        registration_identifier: organization.identifier.clone(),
        country: organization.country.clone(),
        address,
        phone: organization.phone.clone(),
        contacts: organization.contacts()?,
        validation,
        vetting: standing.status.clone(),
        contact_confirmed_at: standing.confirmation.as_ref().map(|(at, _)| *at),
        contact_confirmed_by: standing.confirmation.as_ref().map(|(_, address)| address.clone()),
        method: current.map(|row| row.method.as_str().to_owned()),
        code_expires_at,
        code_attempts_left,
        validated_at: organization.validated_at,
        validated_until: organization.validated_until,
        created_at: organization.created_at,
    })
}

/// The organization in the path, in `account_id`; another account's reads as not found.
async fn organization_in(db: &D1Database, account_id: &str, call: &Call) -> Result<OrganizationRow, AppError> {
    organizations::in_account(db, account_id, call.param("id")).await?.ok_or_else(|| OrganizationError::NotFound.into())
}

/// The organization's view with its current validation row.
async fn view(
    db: &D1Database,
    account_id: &str,
    row: &OrganizationRow,
    now: i64,
) -> Result<OrganizationView, AppError> {
    let current = validations::current(db, account_id, ValidationKind::Organization, &row.id).await?;
    let standing = standings(db, std::slice::from_ref(row), now).await?;
    let standing = standing.first().ok_or_else(|| AppError::internal("one standing per organization"))?;
    organization_view(row, current.as_ref(), standing, now)
}

/// `POST /api/v1/organizations`.
pub async fn create(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: NewOrganization = call.json(
        "name, registration_identifier, country, address {street, city, postal_code, region}, phone and \
         contacts [{name, email, phone}]",
    )?;
    let checked = body.check()?;
    let row = OrganizationRow {
        id: platform::new_id()?,
        account_id: Some(account_id),
        name: checked.name,
        identifier: checked.registration_identifier,
        country: checked.country,
        address: to_json(&checked.address)?,
        phone: checked.phone.as_str().to_owned(),
        contacts: to_json(&checked.contacts)?,
        validated_at: None,
        validated_until: None,
        created_at: now,
        version: 0,
    };
    let detail = serde_json::json!({ "name": row.name, "registration_identifier": row.identifier });
    let statements = vec![
        organizations::insert(db, &row)?,
        audit_log::record(db, now, &principal.actor(), "organization.created", ("organization", &row.id), &detail)?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    let standing = Standing {
        status: VettingStatus::Waiting { since: now },
        confirmation: None,
        records: Vec::new(),
        answers: Vec::new(),
    };
    Ok(Response::from_json(&organization_view(&row, None, &standing, now)?)?.with_status(201))
}

/// A value stored as JSON text; failing to encode is ours.
fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|error| AppError::internal(&format!("encoding JSON: {error}")))
}

/// `GET /api/v1/organizations`.
pub async fn list(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let account_id = call.member().await?.account_id;
    let rows = organizations::of_account(db, &account_id).await?;
    let current = validations::current_of_kind(db, &account_id, ValidationKind::Organization).await?;
    let standings = standings(db, &rows, now).await?;
    let organizations = rows
        .iter()
        .zip(&standings)
        .map(|(row, standing)| {
            organization_view(row, current.iter().find(|validation| validation.subject == row.id), standing, now)
        })
        .collect::<Result<_, _>>()?;
    Ok(Response::from_json(&OrganizationList { organizations })?)
}

/// `GET /api/v1/organizations/{id}`.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let account_id = call.member().await?.account_id;
    let row = organization_in(db, &account_id, &call).await?;
    Ok(Response::from_json(&view(db, &account_id, &row, now).await?)?)
}

/// `POST /api/v1/organizations/{id}/verification-code`: a fresh code to the first contact; the previous one
/// stops working.
pub async fn send_code(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let organization = organization_in(db, &account_id, &call).await?;
    if let Some((validated_at, _)) = organization.reusable(now) {
        return Err(ValidationError::AlreadyValidated { validated_at }.into());
    }
    validations::check_sends(db, &account_id, ValidationKind::Organization, &organization.id, now).await?;
    let fresh = Validation::new(ValidationKind::Organization, now);
    let id = platform::new_id()?;
    let code = VerificationCode::from_random(platform::random()?);
    let to = organization.contact_email()?;
    let row = ValidationRow {
        id: id.clone(),
        account_id: account_id.clone(),
        kind: ValidationKind::Organization,
        subject: organization.id.clone(),
        method: Method::EmailCode,
        target: to.clone(),
        secret_hash: Some(code.hash_hex(id.as_bytes())),
        dns_value: None,
        attempts: 0,
        created_at: fresh.created_at,
        expires_at: fresh.expires_at,
        superseded_at: None,
        validated_at: None,
        validated_until: None,
        version: 0,
    };
    let lang = users::lang(db, &principal.user_id).await?;
    let hours = shared::validation::RANDOM_VALUE_LIFETIME_SECONDS / 3600;
    let asker = users::by_id(db, &principal.user_id).await?.ok_or_else(|| AppError::internal("the caller's user"))?;
    let requester = Requester {
        account: asker.account_name.as_deref().unwrap_or_default(),
        user_name: &asker.name,
        user_email: &asker.email,
    };
    let email = organization_verification_code(lang, &to, &organization.name, code.as_str(), hours, &requester);
    let (queued, outbox_id) = enqueue(db, &email, now)?;
    let detail = serde_json::json!({ "validation_id": id, "method": "email_code", "sent_to": to });
    let statements = vec![
        validations::supersede_pending(db, &account_id, ValidationKind::Organization, &organization.id, now)?,
        validations::insert(db, &row)?,
        queued,
        audit_log::record(
            db,
            now,
            &principal.actor(),
            "organization.code_sent",
            ("organization", &organization.id),
            &detail,
        )?,
    ];
    let subject = (account_id.as_str(), ValidationKind::Organization, organization.id.as_str());
    validations::commit_send(db, statements, subject, now, CHANGED_MEANWHILE).await?;
    call.after_answer_deliver(vec![outbox_id]);
    Ok(Response::from_json(&CodeSent { sent_to: to, expires_at: fresh.expires_at })?)
}

/// `POST /api/v1/organizations/{id}/verification-code/check`.
pub async fn check_code_entry(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: CodeEntry = call.json("code")?;
    let organization = organization_in(db, &account_id, &call).await?;
    if let Some((validated_at, _)) = organization.reusable(now) {
        return Err(ValidationError::AlreadyValidated { validated_at }.into());
    }
    let row = validations::current(db, &account_id, ValidationKind::Organization, &organization.id)
        .await?
        .filter(|row| row.method == Method::EmailCode && row.validated_at.is_none())
        .ok_or(OrganizationError::NoCodePending)?;
    if let ValidationStatus::RandomValueExpired { expired_at } = row.validation().status(now) {
        return Err(ValidationError::RandomValueExpired { expired_at }.into());
    }
    let stored = row.secret_hash.as_deref().ok_or_else(|| AppError::internal("email_code row without hash"))?;
    let attempts = CodeAttempts { wrong: u32::try_from(row.attempts).unwrap_or(u32::MAX) };
    let subject = ("organization", organization.id.as_str());
    // Compares in constant time; a malformed entry (not counted) or a spent code is refused here.
    let correct = check_code(&body.code, row.id.as_bytes(), stored, attempts)? == CodeCheck::Correct;
    // Every entry is counted before it can complete anything, by a conditional increment that succeeds
    // at most CODE_MAXIMUM_ATTEMPTS times however many entries arrive at once: parallel guesses cannot
    // get more than five tries at one code.
    let was_counted = count_entry(db, &row, correct, &principal.actor(), subject, now).await?;
    let counted =
        validations::by_id(db, &row.id).await?.ok_or_else(|| AppError::internal("a validation row vanished"))?;
    if !was_counted {
        return Err(if counted.superseded_at.is_some() || counted.validated_at.is_some() {
            OrganizationError::NoCodePending.into()
        } else {
            ValidationError::CodeLocked.into()
        });
    }
    if !correct {
        let remaining = CODE_MAXIMUM_ATTEMPTS.saturating_sub(u32::try_from(counted.attempts).unwrap_or(u32::MAX));
        return Err(if remaining == 0 {
            ValidationError::CodeLocked.into()
        } else {
            OrganizationError::CodeWrong { remaining }.into()
        });
    }
    // The version guard refuses the completion if a resend or another entry changed the row meanwhile. The
    // contact confirmed they speak for the organization: recorded and shown, and it validates nothing (the
    // organization row is not touched; only the CA's staff validate, `vetting.rs`).
    let (complete, _) = counted.complete(db, now)?;
    let detail = serde_json::json!({ "validation_id": counted.id, "method": "email_code", "contact": counted.target });
    let statements = vec![
        complete,
        audit_log::record(db, now, &principal.actor(), "organization.contact_confirmed", subject, &detail)?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    Ok(Response::from_json(&view(db, &account_id, &organization, now).await?)?)
}

/// Counts one code entry with its audit record, in one batch, unless the code is spent (five entries), used or
/// replaced meanwhile; whether it was counted. The audit insert runs only when the increment changed the row.
async fn count_entry(
    db: &D1Database,
    row: &ValidationRow,
    correct: bool,
    actor: &str,
    subject: (&str, &str),
    now: i64,
) -> Result<bool, AppError> {
    let detail = serde_json::json!({ "validation_id": row.id, "correct": correct });
    let statements = vec![
        validations::count_entry(db, &row.id, CODE_MAXIMUM_ATTEMPTS)?,
        audit_log::record_if_counted(db, now, actor, "organization.code_entered", subject, &detail)?,
    ];
    let results = match db.batch(statements).await {
        Ok(results) => results,
        // Not `db::commit`: a concurrent writer's refusal (the version trigger) is an answer here, not a 409. The
        // entry was not counted, and the caller reads the row afresh to say why (spent, completed or replaced).
        Err(error) if is_conflict(&error) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    let changes = results.first().and_then(|result| result.meta().ok().flatten()).and_then(|meta| meta.changes);
    Ok(changes == Some(1))
}
