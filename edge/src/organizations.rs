//! Organizations and their validation (`shared::api::organization` lists the endpoints): creation, reading,
//! the emailed 8-digit verification code, and the CA administrator's recorded verification call.
//!
//! Validation attempts are `validations` rows (kind `organization`, subject the organization id); a success
//! also sets `organizations.validated_at` and `validated_until` (825 days), in the same batch as the row and
//! the audit record. The code is stored as `VerificationCode::hash_hex` salted with the row's random id, so
//! no extra column is needed and equal codes on two rows hash differently.

use serde::Deserialize;
use shared::account::Role;
use shared::api::domain::ValidationState;
use shared::api::organization::{
    CodeEntry, CodeSent, Contact, NewOrganization, OrganizationError, OrganizationList, OrganizationView, PostalAddress,
};
use shared::mail::organization_verification_code;
use shared::validation::{
    CODE_MAXIMUM_ATTEMPTS, CallRecord, CodeAttempts, CodeCheck, Validation, ValidationError, ValidationKind,
    ValidationStatus, VerificationCode, check_code,
};
use worker::{D1Database, D1PreparedStatement, Response};

use crate::call::{Call, Member};
use crate::db::{audit, integer, is_conflict, text};
use crate::domains::{
    VALIDATION_COLUMNS, ValidationRow, check_sends, current_row, current_rows, insert_row, read_json, run_batch,
    run_send_batch, supersede_pending, user_lang,
};
use crate::error::AppError;
use crate::outbox::{deliver_soon, enqueue};
use crate::platform;

/// An `organizations` row.
#[derive(Clone, Debug, Deserialize)]
struct OrganizationRow {
    id: String,
    account_id: Option<String>,
    name: String,
    identifier: String,
    country: String,
    /// JSON [`PostalAddress`].
    address: String,
    phone: String,
    /// JSON list of [`Contact`].
    contacts: String,
    validated_at: Option<i64>,
    validated_until: Option<i64>,
    created_at: i64,
    version: i64,
}

/// The columns of [`OrganizationRow`].
const ORGANIZATION_COLUMNS: &str = "id, account_id, name, identifier, country, address, phone, contacts, validated_at, validated_until, created_at, \
     version";

impl OrganizationRow {
    /// The first contact's address: where codes go.
    fn contact_email(&self) -> Result<String, AppError> {
        self.contacts()?
            .into_iter()
            .next()
            .map(|contact| contact.email)
            .ok_or_else(|| AppError::internal("an organization without contacts"))
    }

    fn contacts(&self) -> Result<Vec<Contact>, AppError> {
        serde_json::from_str(&self.contacts).map_err(|error| AppError::internal(&format!("contacts JSON: {error}")))
    }

    /// Whether the organization may be relied on at `now`: `Some((validated_at, validated_until))`.
    fn reusable(&self, now: i64) -> Option<(i64, i64)> {
        match (self.validated_at, self.validated_until) {
            (Some(at), Some(until)) if now < until => Some((at, until)),
            _ => None,
        }
    }

    /// The statement recording a validation at `now`, valid until `until`; the version trigger refuses it if
    /// the organization changed since it was read.
    fn validate(&self, db: &D1Database, now: i64, until: i64) -> Result<D1PreparedStatement, AppError> {
        Ok(db
            .prepare("UPDATE organizations SET validated_at = ?1, validated_until = ?2, version = ?3 WHERE id = ?4")
            .bind(&[integer(now), integer(until), integer(self.version + 1), text(&self.id)])?)
    }

    fn view(&self, current: Option<&ValidationRow>, now: i64) -> Result<OrganizationView, AppError> {
        let address: PostalAddress = serde_json::from_str(&self.address)
            .map_err(|error| AppError::internal(&format!("address JSON: {error}")))?;
        let pending = match current {
            Some(row) if row.validated_at.is_none() => Some((row, row.validation()?.status(now))),
            _ => None,
        };
        let validation = if self.reusable(now).is_some() {
            ValidationState::Validated
        } else if let Some((_, status)) = pending {
            ValidationState::from(status)
        } else if self.validated_at.is_some() {
            ValidationState::ValidationExpired
        } else {
            ValidationState::NotStarted
        };
        let (code_expires_at, code_attempts_left) = match pending {
            Some((row, ValidationStatus::Pending { expires_at })) if row.method == "email_code" => {
                let used = u32::try_from(row.attempts).unwrap_or(u32::MAX);
                (Some(expires_at), Some(CODE_MAXIMUM_ATTEMPTS.saturating_sub(used)))
            }
            _ => (None, None),
        };
        Ok(OrganizationView {
            id: self.id.clone(),
            name: self.name.clone(),
            registration_identifier: self.identifier.clone(),
            country: self.country.clone(),
            address,
            phone: self.phone.clone(),
            contacts: self.contacts()?,
            validation,
            method: current.map(|row| row.method.clone()),
            code_expires_at,
            code_attempts_left,
            validated_at: self.validated_at,
            validated_until: self.validated_until,
            created_at: self.created_at,
        })
    }
}

/// The organization in the path, in `account_id`; another account's reads as not found.
async fn organization_in(db: &D1Database, account_id: &str, call: &Call) -> Result<OrganizationRow, AppError> {
    let id = call.param("id");
    db.prepare(format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE id = ?1 AND account_id = ?2"))
        .bind(&[text(id), text(account_id)])?
        .first::<OrganizationRow>(None)
        .await?
        .ok_or_else(|| OrganizationError::NotFound.into())
}

/// The organization's view with its current validation row.
async fn view(
    db: &D1Database,
    account_id: &str,
    row: &OrganizationRow,
    now: i64,
) -> Result<OrganizationView, AppError> {
    let current = current_row(db, account_id, ValidationKind::Organization, &row.id).await?;
    row.view(current.as_ref(), now)
}

/// `POST /api/v1/organizations`.
pub async fn create(mut call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: NewOrganization = read_json(
        &mut call.request,
        "name, registration_identifier, country, address {street, city, postal_code, region}, phone and \
         contacts [{name, email, phone}]",
    )
    .await?;
    let checked = body.check()?;
    let id = platform::new_id()?;
    let address = to_json(&checked.address)?;
    let contacts = to_json(&checked.contacts)?;
    let detail =
        serde_json::json!({ "name": checked.name, "registration_identifier": checked.registration_identifier });
    let statements = vec![
        db.prepare(
            "INSERT INTO organizations (id, account_id, name, identifier, country, address, phone, contacts, \
             created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .bind(&[
            text(&id),
            text(&account_id),
            text(&checked.name),
            text(&checked.registration_identifier),
            text(&checked.country),
            text(&address),
            text(checked.phone.as_str()),
            text(&contacts),
            integer(now),
        ])?,
        audit(&db, now, &principal.actor(), "organization.created", ("organization", &id), &detail)?,
    ];
    run_batch(&db, statements).await?;
    let row = OrganizationRow {
        id,
        account_id: Some(account_id),
        name: checked.name,
        identifier: checked.registration_identifier,
        country: checked.country,
        address,
        phone: checked.phone.as_str().to_owned(),
        contacts,
        validated_at: None,
        validated_until: None,
        created_at: now,
        version: 0,
    };
    Ok(Response::from_json(&row.view(None, now)?)?.with_status(201))
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
    let rows = db
        .prepare(format!(
            "SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE account_id = ?1 \
             ORDER BY created_at DESC, rowid DESC"
        ))
        .bind(&[text(&account_id)])?
        .all()
        .await?
        .results::<OrganizationRow>()?;
    let validations = current_rows(&db, &account_id, ValidationKind::Organization).await?;
    let organizations = rows
        .iter()
        .map(|row| row.view(validations.iter().find(|validation| validation.subject == row.id), now))
        .collect::<Result<_, _>>()?;
    Ok(Response::from_json(&OrganizationList { organizations })?)
}

/// `GET /api/v1/organizations/{id}`.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let account_id = call.member().await?.account_id;
    let row = organization_in(&db, &account_id, &call).await?;
    Ok(Response::from_json(&view(&db, &account_id, &row, now).await?)?)
}

/// `POST /api/v1/organizations/{id}/verification-code`: a fresh code to the first contact; the previous one
/// stops working.
pub async fn send_code(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let organization = organization_in(&db, &account_id, &call).await?;
    if let Some((validated_at, _)) = organization.reusable(now) {
        return Err(ValidationError::AlreadyValidated { validated_at }.into());
    }
    check_sends(&db, &account_id, ValidationKind::Organization, &organization.id, now).await?;
    let fresh = Validation::new(ValidationKind::Organization, now);
    let id = platform::new_id()?;
    let code = VerificationCode::from_random(platform::random()?);
    let to = organization.contact_email()?;
    let row = ValidationRow {
        id: id.clone(),
        account_id: account_id.clone(),
        kind: ValidationKind::Organization.as_str().to_owned(),
        subject: organization.id.clone(),
        method: "email_code".to_owned(),
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
    let lang = user_lang(&db, &principal.user_id).await?;
    let hours = shared::validation::RANDOM_VALUE_LIFETIME_SECONDS / 3600;
    let email = organization_verification_code(lang, &to, &organization.name, code.as_str(), hours);
    let (queued, outbox_id) = enqueue(&db, &email, now)?;
    let detail = serde_json::json!({ "validation_id": id, "method": "email_code", "sent_to": to });
    let statements = vec![
        supersede_pending(&db, &account_id, ValidationKind::Organization, &organization.id, now)?,
        insert_row(&db, &row)?,
        queued,
        audit(&db, now, &principal.actor(), "organization.code_sent", ("organization", &organization.id), &detail)?,
    ];
    run_send_batch(&db, statements, (&account_id, ValidationKind::Organization, &organization.id), now).await?;
    deliver_soon(call.env(), &db, &[outbox_id]).await;
    Ok(Response::from_json(&CodeSent { sent_to: to, expires_at: fresh.expires_at })?)
}

/// `POST /api/v1/organizations/{id}/verification-code/check`.
pub async fn check_code_entry(mut call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: CodeEntry = read_json(&mut call.request, "code").await?;
    let organization = organization_in(&db, &account_id, &call).await?;
    if let Some((validated_at, _)) = organization.reusable(now) {
        return Err(ValidationError::AlreadyValidated { validated_at }.into());
    }
    let row = current_row(&db, &account_id, ValidationKind::Organization, &organization.id)
        .await?
        .filter(|row| row.method == "email_code" && row.validated_at.is_none())
        .ok_or(OrganizationError::NoCodePending)?;
    if let ValidationStatus::RandomValueExpired { expired_at } = row.validation()?.status(now) {
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
    let was_counted = count_entry(&db, &row, correct, &principal.actor(), subject, now).await?;
    let counted = validation_row(&db, &row.id).await?;
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
    // The version guard refuses the completion if a resend or another entry changed the row meanwhile.
    let (complete, until) = counted.complete(&db, now)?;
    let detail = serde_json::json!({ "validation_id": counted.id, "method": "email_code", "validated_until": until });
    let statements = vec![
        complete,
        organization.validate(&db, now, until)?,
        audit(&db, now, &principal.actor(), "organization.validated", subject, &detail)?,
    ];
    run_batch(&db, statements).await?;
    let done = OrganizationRow {
        validated_at: Some(now),
        validated_until: Some(until),
        version: organization.version + 1,
        ..organization
    };
    let counted = ValidationRow { validated_at: Some(now), validated_until: Some(until), ..counted };
    Ok(Response::from_json(&done.view(Some(&counted), now)?)?)
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
        db.prepare(
            "UPDATE validations SET attempts = attempts + 1, version = version + 1 \
             WHERE id = ?1 AND attempts < ?2 AND validated_at IS NULL AND superseded_at IS NULL",
        )
        .bind(&[text(&row.id), integer(i64::from(CODE_MAXIMUM_ATTEMPTS))])?,
        db.prepare(
            "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) \
             SELECT ?1, ?2, 'organization.code_entered', ?3, ?4, ?5 WHERE changes() = 1",
        )
        .bind(&[integer(now), text(actor), text(subject.0), text(subject.1), text(&detail.to_string())])?,
    ];
    let results = match db.batch(statements).await {
        Ok(results) => results,
        Err(error) if is_conflict(&error) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    let changes = results.first().and_then(|result| result.meta().ok().flatten()).and_then(|meta| meta.changes);
    Ok(changes == Some(1))
}

/// A `validations` row by id (after a write, to read what it now holds).
async fn validation_row(db: &D1Database, id: &str) -> Result<ValidationRow, AppError> {
    db.prepare(format!("SELECT {VALIDATION_COLUMNS} FROM validations WHERE id = ?1"))
        .bind(&[text(id)])?
        .first::<ValidationRow>(None)
        .await?
        .ok_or_else(|| AppError::internal("a validation row vanished"))
}

/// `POST /api/v1/admin/organizations/{id}/validation`: a CA administrator records the verification call.
pub async fn record_call(mut call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let principal = call.caller().await?;
    principal.require(&[Role::CaAdmin])?;
    let body: CallRecord = read_json(&mut call.request, "phone, spoke_with and notes").await?;
    let id = call.param("id");
    let call = body.check()?;
    let organization = db
        .prepare(format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE id = ?1 AND account_id IS NOT NULL"))
        .bind(&[text(id)])?
        .first::<OrganizationRow>(None)
        .await?
        .ok_or(OrganizationError::NotFound)?;
    let account_id = organization.account_id.clone().ok_or(OrganizationError::NotFound)?;
    if let Some((validated_at, _)) = organization.reusable(now) {
        return Err(ValidationError::AlreadyValidated { validated_at }.into());
    }
    let done = Validation::new(ValidationKind::Organization, now).complete(now)?;
    let until = done.reusable_until(now).ok_or_else(|| AppError::internal("completed but not reusable"))?;
    let validation_id = platform::new_id()?;
    let evidence = serde_json::json!({
        "phone": call.phone.as_str(), "spoke_with": call.spoke_with, "notes": call.notes,
        "recorded_by": principal.user_id,
    });
    let detail = serde_json::json!({ "validation_id": validation_id, "method": "call", "validated_until": until });
    let statements = vec![
        supersede_pending(&db, &account_id, ValidationKind::Organization, &organization.id, now)?,
        db.prepare(
            "INSERT INTO validations (id, account_id, kind, subject, method, target, created_at, expires_at, \
             validated_at, validated_until, evidence) \
             VALUES (?1, ?2, 'organization', ?3, 'call', ?4, ?5, ?6, ?5, ?7, ?8)",
        )
        .bind(&[
            text(&validation_id),
            text(&account_id),
            text(&organization.id),
            text(call.phone.as_str()),
            integer(now),
            integer(done.expires_at),
            integer(until),
            text(&evidence.to_string()),
        ])?,
        organization.validate(&db, now, until)?,
        audit(&db, now, &principal.actor(), "organization.validated", ("organization", &organization.id), &detail)?,
    ];
    run_batch(&db, statements).await?;
    let row = OrganizationRow {
        validated_at: Some(now),
        validated_until: Some(until),
        version: organization.version + 1,
        ..organization
    };
    Ok(Response::from_json(&view(&db, &account_id, &row, now).await?)?)
}
