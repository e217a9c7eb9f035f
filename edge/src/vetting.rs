//! The CA's vetting of organizations (`shared::api::vetting` lists the endpoints; `shared::vetting` holds the
//! rules): the CA administrators' work list, one organization's case, the decision, and the applicant's answer.
//!
//! A decision is a `vettings` row (insert only) written with the CA administrator's user id and name from the
//! session, never from the body, its audit record and an email to each of the account's enabled administrators,
//! in one batch; `validated` also sets `organizations.validated_at` and `validated_until` (825 days) in that
//! batch, after the row, as the database requires (`organizations_validated_by_vetting`, migration 0016). It is
//! the only way an organization is validated. An answer is a `vetting_answers` row: the organization is back in
//! the work list.

use shared::account::Role;
use shared::api::organization::OrganizationError;
use shared::api::vetting::{VettingAnswer, VettingCase, VettingWorkList};
use shared::mail::vetting_decided;
use shared::validation::{Validation, ValidationError, ValidationKind};
use shared::vetting::{Applicant, Decision, VettingForm, VettingStatus, check_answer};
use worker::{D1Database, Response};

use crate::auth::Principal;
use crate::call::{Call, Member};
use crate::db::commit;
use crate::error::AppError;
use crate::organizations::{Standing, organization_view, standings};
use crate::outbox::enqueue;
use crate::platform;
use crate::store::audit_log;
use crate::store::organizations::{self, OrganizationRow};
use crate::store::users;
use crate::store::vettings::{self, AnswerRow, Recorder, VettingRow};

/// What a caller hears when a concurrent request won.
const CHANGED_MEANWHILE: &str =
    "Another request changed this organization at the same moment; nothing was written. Reload and try again.";

/// Most organizations the work list reads at once (oldest first; the rest follow as these are decided).
const WORK_LIST_LIMIT: i64 = 200;

/// The caller, who must be a CA administrator (an API key acts as an organization user and is refused).
async fn ca_administrator(call: &Call) -> Result<Principal, AppError> {
    let principal = call.caller().await?;
    principal.require(&[Role::CaAdmin])?;
    Ok(principal)
}

/// The case of `organization` with its `standing` and account name, at `now`.
fn case(
    organization: &OrganizationRow,
    standing: &Standing,
    account_name: String,
    now: i64,
) -> Result<VettingCase, AppError> {
    let waiting_seconds = match standing.status {
        VettingStatus::Waiting { since } => Some(now.saturating_sub(since).max(0)),
        _ => None,
    };
    Ok(VettingCase {
        organization: organization_view(organization, None, standing, now)?,
        account_id: organization.account_id.clone().unwrap_or_default(),
        account_name,
        status: standing.status.clone(),
        waiting_seconds,
        answers: standing.answers.iter().map(AnswerRow::view).collect(),
        records: standing.records.iter().map(VettingRow::view).collect(),
    })
}

/// The case of one organization of any account, read afresh.
async fn read_case(db: &D1Database, id: &str, now: i64) -> Result<VettingCase, AppError> {
    let organization = organizations::of_any_account(db, id).await?.ok_or(OrganizationError::NotFound)?;
    let standing = standings(db, std::slice::from_ref(&organization), now).await?;
    let standing = standing.first().ok_or_else(|| AppError::internal("one standing per organization"))?;
    let name = organizations::account_names(db, std::slice::from_ref(&organization.id))
        .await?
        .into_iter()
        .next()
        .map(|(_, name)| name)
        .unwrap_or_default();
    case(&organization, standing, name, now)
}

/// `GET /api/v1/admin/vetting`: organizations waiting for vetting, longest waiting first.
pub async fn work_list(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    ca_administrator(&call).await?;
    let rows = organizations::not_validated(db, now, WORK_LIST_LIMIT).await?;
    let standings = standings(db, &rows, now).await?;
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let names = organizations::account_names(db, &ids).await?;
    let mut waiting = Vec::new();
    for (row, standing) in rows.iter().zip(&standings) {
        if let VettingStatus::Waiting { .. } = standing.status {
            let name = names.iter().find(|(id, _)| *id == row.id).map(|(_, name)| name.clone()).unwrap_or_default();
            waiting.push(case(row, standing, name, now)?);
        }
    }
    waiting.sort_by_key(|case| std::cmp::Reverse(case.waiting_seconds));
    Ok(Response::from_json(&VettingWorkList { waiting })?)
}

/// `GET /api/v1/admin/organizations/{id}/vetting`.
pub async fn show(call: Call) -> Result<Response, AppError> {
    ca_administrator(&call).await?;
    Ok(Response::from_json(&read_case(&call.db, call.param("id"), call.now).await?)?)
}

/// `POST /api/v1/admin/organizations/{id}/vetting`: the decision, recorded with the caller's name.
pub async fn decide(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let principal = ca_administrator(&call).await?;
    let body: VettingForm = call.json(
        "decision, source_name, source_reference, registration_number, call_phone, call_phone_source, \
         call_spoke_with, call_at, message and notes",
    )?;
    let organization = organizations::of_any_account(db, call.param("id")).await?.ok_or(OrganizationError::NotFound)?;
    let account_id = organization.account_id.clone().ok_or(OrganizationError::NotFound)?;
    if let Some((validated_at, _)) = organization.reusable(now) {
        return Err(ValidationError::AlreadyValidated { validated_at }.into());
    }
    let applicant = Applicant { identifier: &organization.identifier, created_at: organization.created_at };
    let checked = body.check(applicant, now)?;
    let administrator =
        users::by_id(db, &principal.user_id).await?.ok_or_else(|| AppError::internal("the caller's user"))?;
    let recorder = Recorder { user_id: &principal.user_id, name: &administrator.name };
    let until = match checked.decision {
        Decision::Validated => Some(
            Validation::new(ValidationKind::Organization, now)
                .complete(now)?
                .reusable_until(now)
                .ok_or_else(|| AppError::internal("completed but not reusable"))?,
        ),
        Decision::Rejected | Decision::InformationRequested => None,
    };
    let vetting_id = platform::new_id()?;
    let mut statements =
        vec![vettings::insert(db, &vetting_id, (&organization.id, &account_id), &checked, &recorder, now, until)?];
    if let Some(until) = until {
        statements.push(organization.validate(db, now, until)?);
    }
    let detail = serde_json::json!({
        "vetting_id": vetting_id, "decision": checked.decision.as_str(), "validated_until": until,
        "recorded_by_name": administrator.name,
    });
    statements.push(audit_log::record(
        db,
        now,
        &principal.actor(),
        "organization.vetted",
        ("organization", &organization.id),
        &detail,
    )?);
    let url = format!("{}/console/organizations", platform::app_url(call.env())?);
    let mut outbox_ids = Vec::new();
    for admin in users::of_account(db, &account_id).await? {
        if admin.role != Role::OrgAdmin || admin.disabled_at.is_some() {
            continue;
        }
        let lang = users::lang(db, &admin.id).await?;
        let email = vetting_decided(lang, &admin.email, &organization.name, checked.decision, &checked.message, &url);
        let (queued, id) = enqueue(db, &email, now)?;
        statements.push(queued);
        outbox_ids.push(id);
    }
    commit(db, statements, CHANGED_MEANWHILE).await?;
    call.after_answer_deliver(outbox_ids);
    Ok(Response::from_json(&read_case(db, &organization.id, now).await?)?)
}

/// `POST /api/v1/organizations/{id}/vetting/answers`: the applicant's answer; back in the work list.
pub async fn answer(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: VettingAnswer = call.json("text")?;
    let organization =
        organizations::in_account(db, &account_id, call.param("id")).await?.ok_or(OrganizationError::NotFound)?;
    if let Some((validated_at, _)) = organization.reusable(now) {
        return Err(ValidationError::AlreadyValidated { validated_at }.into());
    }
    let text = check_answer(&body.text)?;
    let user = users::by_id(db, &principal.user_id).await?.ok_or_else(|| AppError::internal("the caller's user"))?;
    let recorder = Recorder { user_id: &principal.user_id, name: &user.name };
    let answer_id = platform::new_id()?;
    let detail = serde_json::json!({ "answer_id": answer_id });
    let statements = vec![
        vettings::insert_answer(db, &answer_id, (&organization.id, &account_id), &text, &recorder, now)?,
        audit_log::record(
            db,
            now,
            &principal.actor(),
            "organization.vetting_answered",
            ("organization", &organization.id),
            &detail,
        )?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    let standing = standings(db, std::slice::from_ref(&organization), now).await?;
    let standing = standing.first().ok_or_else(|| AppError::internal("one standing per organization"))?;
    Ok(Response::from_json(&organization_view(&organization, None, standing, now)?)?)
}
