//! Device requests and their approvals (`shared::api::device_requests` lists the endpoints; the rules are
//! `shared::device_request`; the rows are `store/device_requests.rs`).
//!
//! Who sees and decides what:
//!
//! | caller                                   | sees                              | decides                        |
//! |------------------------------------------|-----------------------------------|--------------------------------|
//! | the requester                            | their own requests                | nothing (they edit or cancel)  |
//! | an enrollment manager of an organization | its workstation requests          | those, in a browser session    |
//! | an organization admin                    | every request of the account      | nothing, unless also a manager |
//! | a CA administrator                       | the server requests, as a queue   | those                          |
//!
//! A request the caller may not see reads as unknown (404, as another account's does); one they see but may not
//! decide or cancel is refused (403). No one decides their own request. An approval places the request's order
//! through `orders::place_order` (every check of the order form and of the issuance pipeline), in the same batch as
//! the approval: the request is approved only if its order is placed. The certificate's issue, pickup and
//! revocation then move the request on through migration 0026's triggers, in the batches that write them.

use sha2::{Digest, Sha256};
use shared::account::Role;
use shared::api::device_requests::{
    Decision, DeviceDecision, DeviceRequestForm, DeviceRequestList, DeviceRequestView, DeviceSettings,
    EnrollmentManagerGrant, EnrollmentManagerList,
};
use shared::device_request::{
    DeviceAction, DeviceKind, DeviceStatus, RequestId, TransitionError, check_form, check_reason, decided_email,
    preview, transition,
};
use shared::device_request_history::{Facts, timeline};
use shared::order::{
    OrderRequest, PaymentRequest, RecipientRequest, SUBSCRIBER_AGREEMENT_VERSION, SignatureHash, ValidityRequest,
};
use worker::{D1Database, Response};

use crate::auth::{Credential, Principal};
use crate::call::{Call, Member};
use crate::db::{commit, retrying};
use crate::error::AppError;
use crate::orders::{Placed, Placement, place_order};
use crate::outbox::enqueue;
use crate::platform;
use crate::store::device_requests::{self as store, Decided, DeviceRequestRow, NewDeviceRequest};
use crate::store::{audit_log, organizations, users};

/// What a conflicting change of a request says.
const CHANGED_MEANWHILE: &str =
    "The request changed while this ran (its requester or another approver acted). Reload it and try again.";

/// Who is asking, as the access rules read it.
struct Viewer {
    principal: Principal,
    /// The caller's account (`None` for a CA administrator).
    account_id: Option<String>,
    /// The organizations whose workstation requests the caller decides.
    managed: Vec<String>,
}

impl Viewer {
    /// An account's member (organization admin, user or API key).
    async fn member(call: &Call) -> Result<Self, AppError> {
        let Member { principal, account_id } = call.member().await?;
        let managed = store::managed_organizations(&call.db, &principal.user_id).await?;
        Ok(Self { principal, account_id: Some(account_id), managed })
    }

    /// A CA administrator.
    async fn ca_administrator(call: &Call) -> Result<Self, AppError> {
        let principal = call.caller().await?;
        principal.require(&[Role::CaAdmin])?;
        Ok(Self { principal, account_id: None, managed: Vec::new() })
    }

    fn is_ca_administrator(&self) -> bool {
        self.principal.role == Role::CaAdmin
    }

    fn manages(&self, row: &DeviceRequestRow) -> bool {
        row.kind == DeviceKind::Workstation.as_str() && self.managed.contains(&row.organization_id)
    }

    fn is_requester(&self, row: &DeviceRequestRow) -> bool {
        row.requester_id == self.principal.user_id
    }

    /// Whether the caller may see the request at all.
    fn may_see(&self, row: &DeviceRequestRow) -> bool {
        if self.is_ca_administrator() {
            return row.kind == DeviceKind::Server.as_str();
        }
        self.account_id.as_deref() == Some(row.account_id.as_str())
            && (self.is_requester(row) || self.principal.role == Role::OrgAdmin || self.manages(row))
    }

    /// Whether the caller is the request's approver (who may decide it while it waits): its organization's
    /// enrollment manager (workstations) or a CA administrator (servers), never its own requester.
    fn approves(&self, row: &DeviceRequestRow) -> bool {
        let approver =
            if self.is_ca_administrator() { row.kind == DeviceKind::Server.as_str() } else { self.manages(row) };
        approver && !self.is_requester(row) && self.may_see(row)
    }

    /// The request as this caller sees it (`versions` left empty).
    fn view(&self, row: &DeviceRequestRow) -> Result<DeviceRequestView, AppError> {
        let kind = row.kind()?;
        let status = row.status()?;
        let pending = status == DeviceStatus::Requested;
        let session = matches!(self.principal.credential, Credential::Session { .. });
        Ok(DeviceRequestView {
            id: row.request_id()?,
            kind,
            status,
            organization_id: row.organization_id.clone(),
            organization_name: row.organization_name.clone(),
            requester_email: row.requester_email.clone(),
            requester_name: row.requester_name.clone(),
            latest: row.latest()?,
            reason: row.reason.clone(),
            cancelled_by: row.cancelled_by.as_deref().and_then(RequestId::parse),
            decided_at: row.decided_at,
            order_id: row.order_id.clone(),
            certificate_serial: row.serial.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            can_decide: pending && session && self.approves(row),
            can_edit: pending && self.is_requester(row) && !self.is_ca_administrator(),
            preview: preview(kind, &row.organization_name, &row.organization_country),
            versions: Vec::new(),
            timeline: Vec::new(),
            csr: None,
        })
    }
}

/// The request `id` if the caller may see it; unknown otherwise (404 at `id`).
async fn visible(db: &D1Database, viewer: &Viewer, id: &str) -> Result<DeviceRequestRow, AppError> {
    let unknown = || AppError::not_found("id", "No device request you can see has this identifier.");
    let id = RequestId::parse(id).ok_or_else(unknown)?;
    let row = store::find(db, id.as_str()).await?.ok_or_else(unknown)?;
    if viewer.may_see(&row) { Ok(row) } else { Err(unknown()) }
}

/// The request, read fresh, with its versions, its timeline and its CSR.
async fn full_view(db: &D1Database, viewer: &Viewer, id: &str) -> Result<DeviceRequestView, AppError> {
    let row = store::find(db, id).await?.ok_or_else(|| AppError::internal("the request just written is missing"))?;
    let mut view = viewer.view(&row)?;
    view.versions = store::versions(db, &row.id).await?;
    let dates = store::certificate_dates(db, &row.id).await?;
    let installations = match &row.serial {
        Some(serial) => store::installations(db, serial).await?,
        None => Vec::new(),
    };
    // A CA administrator is named as one (their address is the CA's business, not the account's).
    let decided_by = match (dates.decider_name, dates.decider_email, dates.decider_role.as_deref()) {
        (name, _, Some("ca_admin")) => Some(match name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => format!("{name} (CA administrator)"),
            _ => "a CA administrator".to_owned(),
        }),
        (Some(name), Some(email), _) => Some(format!("{name} <{email}>")),
        _ => None,
    };
    let facts = Facts {
        requester: format!("{} <{}>", row.requester_name, row.requester_email),
        versions: &view.versions,
        status: Some(view.status),
        decided_at: row.decided_at,
        decided_by,
        reason: row.reason.clone(),
        updated_at: row.updated_at,
        cancelled_by: view.cancelled_by.clone(),
        issued_at: dates.issued_at,
        downloaded_at: dates.downloaded_at,
        installations,
        revoked_at: dates.revoked_at,
    };
    view.timeline = timeline(&facts);
    view.csr = row.csr.clone();
    Ok(view)
}

/// A move the journey refuses, as a 409 at `status`.
fn refused(error: TransitionError) -> AppError {
    AppError::field(409, error.code(), TransitionError::FIELD, error.to_string())
}

/// `POST /api/v1/device-requests`: checks the form, then in one batch cancels the requester's pending request for
/// the same machine (naming the new one) and makes the new one with its first version. Two requests that raced
/// past each other: the partial unique index refuses the second batch, which runs again from fresh reads.
pub async fn create(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let viewer = Viewer::member(&call).await?;
    let form: DeviceRequestForm = call.json("the device request form's fields")?;
    let account_id = viewer.account_id.clone().unwrap_or_default();
    let organization = organizations::in_account(db, &account_id, &form.organization_id).await?.ok_or_else(|| {
        AppError::not_found("organization_id", "No organization of your account has this identifier.")
    })?;
    let allowed = store::allowed_kinds(db, &account_id).await?;
    let checked = check_form(&form, None, &allowed)?;
    let actor = viewer.principal.actor();
    let id = retrying(|| async {
        let random = u32::from_le_bytes(platform::random::<4>()?);
        let id = RequestId::from_random(random);
        let new = NewDeviceRequest {
            id: id.as_str(),
            account_id: &account_id,
            organization_id: &organization.id,
            requester_id: &viewer.principal.user_id,
            form: &checked,
        };
        let mut statements =
            vec![store::cancel_pending_for_machine(db, &viewer.principal.user_id, &checked, id.as_str(), now)?];
        statements.extend(store::insert(db, &new, now)?);
        let detail = serde_json::json!({
            "request": id.as_str(), "kind": checked.kind.as_str(), "organization_id": organization.id,
            "host_name": checked.host_name.as_str(), "machine_id": checked.machine_id,
        });
        statements.push(audit_log::record(
            db,
            now,
            &actor,
            "device_requested",
            ("device_request", id.as_str()),
            &detail,
        )?);
        commit(db, statements, CHANGED_MEANWHILE).await?;
        Ok(id)
    })
    .await?;
    Ok(Response::from_json(&full_view(db, &viewer, id.as_str()).await?)?.with_status(201))
}

/// `GET /api/v1/device-requests`: what the caller may see, newest first.
pub async fn list(call: Call) -> Result<Response, AppError> {
    let viewer = Viewer::member(&call).await?;
    let rows = store::of_account(&call.db, viewer.account_id.as_deref().unwrap_or_default()).await?;
    let requests =
        rows.iter().filter(|row| viewer.may_see(row)).map(|row| viewer.view(row)).collect::<Result<_, AppError>>()?;
    Ok(Response::from_json(&DeviceRequestList { requests, managed_organizations: viewer.managed.clone() })?)
}

/// `GET /api/v1/device-requests/{id}`.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let viewer = Viewer::member(&call).await?;
    let row = visible(&call.db, &viewer, call.param("id")).await?;
    Ok(Response::from_json(&full_view(&call.db, &viewer, &row.id).await?)?)
}

/// The requester's own pending request, or the refusal: unknown (404), not theirs (403), no longer pending (409).
async fn requesters_pending(call: &Call, viewer: &Viewer) -> Result<DeviceRequestRow, AppError> {
    let row = visible(&call.db, viewer, call.param("id")).await?;
    if !viewer.is_requester(&row) {
        return Err(AppError::field(
            403,
            "device_request_not_yours",
            "id",
            "Only the request's requester can change or cancel it.",
        ));
    }
    transition(row.status()?, DeviceAction::Cancel).map_err(refused)?;
    Ok(row)
}

/// `POST /api/v1/device-requests/{id}/versions`: the requester's edit of a pending request, kept as a new version.
pub async fn edit(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let viewer = Viewer::member(&call).await?;
    let row = requesters_pending(&call, &viewer).await?;
    let form: DeviceRequestForm = call.json("the device request form's fields")?;
    let allowed = store::allowed_kinds(db, &row.account_id).await?;
    let checked = check_form(&form, Some(row.kind()?), &allowed)?;
    let mut statements = store::edit(db, &row, &checked, call.now)?;
    let detail = serde_json::json!({ "request": row.id, "version": row.form_version + 1 });
    let actor = viewer.principal.actor();
    statements.push(audit_log::record(
        db,
        call.now,
        &actor,
        "device_request_edited",
        ("device_request", &row.id),
        &detail,
    )?);
    commit(db, statements, CHANGED_MEANWHILE).await?;
    Ok(Response::from_json(&full_view(db, &viewer, &row.id).await?)?)
}

/// `POST /api/v1/device-requests/{id}/cancel`: the requester withdraws a pending request.
pub async fn cancel(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let viewer = Viewer::member(&call).await?;
    let row = requesters_pending(&call, &viewer).await?;
    let decided = Decided { reason: None, decided_by: None };
    let actor = viewer.principal.actor();
    let detail = serde_json::json!({ "request": row.id });
    let statements = vec![
        store::decide(db, &row, DeviceStatus::Cancelled, &decided, call.now)?,
        audit_log::record(db, call.now, &actor, "device_request_cancelled", ("device_request", &row.id), &detail)?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    Ok(Response::from_json(&full_view(db, &viewer, &row.id).await?)?)
}

/// `POST /api/v1/device-requests/{id}/decision`: an enrollment manager's decision on a workstation request.
pub async fn decide(call: Call) -> Result<Response, AppError> {
    let viewer = Viewer::member(&call).await?;
    decide_as(&call, &viewer).await
}

/// `GET /api/v1/admin/device-requests`: the CA administrators' queue of server requests, oldest first.
pub async fn admin_queue(call: Call) -> Result<Response, AppError> {
    let viewer = Viewer::ca_administrator(&call).await?;
    let rows = store::server_queue(&call.db).await?;
    let requests = rows.iter().map(|row| viewer.view(row)).collect::<Result<_, AppError>>()?;
    Ok(Response::from_json(&DeviceRequestList { requests, managed_organizations: Vec::new() })?)
}

/// `GET /api/v1/admin/device-requests/{id}`: a server request of any account, for its page in the CA
/// administrators' console (a workstation request reads as unknown, as it does in their queue).
pub async fn admin_show(call: Call) -> Result<Response, AppError> {
    let viewer = Viewer::ca_administrator(&call).await?;
    let row = visible(&call.db, &viewer, call.param("id")).await?;
    Ok(Response::from_json(&full_view(&call.db, &viewer, &row.id).await?)?)
}

/// `POST /api/v1/admin/device-requests/{id}/decision`: a CA administrator's decision on a server request.
pub async fn admin_decide(call: Call) -> Result<Response, AppError> {
    let viewer = Viewer::ca_administrator(&call).await?;
    decide_as(&call, &viewer).await
}

/// Decides the request the path names, as `viewer`: refused unless they are its approver in a browser session
/// and it waits; an approval places its order in the same batch; the requester is emailed in their language.
async fn decide_as(call: &Call, viewer: &Viewer) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let row = visible(db, viewer, call.param("id")).await?;
    if !viewer.approves(&row) {
        let message = if viewer.is_requester(&row) {
            "No one decides their own request: another enrollment manager of the organization, or a CA \
             administrator for a server, decides it."
        } else if row.kind == DeviceKind::Server.as_str() {
            "Server requests are decided by the CA administrators."
        } else {
            "Workstation requests are decided by the enrollment managers of their organization."
        };
        return Err(AppError::field(403, "device_request_not_yours_to_decide", "id", message));
    }
    if !matches!(viewer.principal.credential, Credential::Session { .. }) {
        return Err(AppError::field(
            403,
            "session_required",
            "authorization",
            "An approver decides in a browser session, not with an API key.",
        ));
    }
    let decision: DeviceDecision = call.json("decision (approve or reject) and reason")?;
    let action = match decision.decision {
        Decision::Approve => DeviceAction::Approve,
        Decision::Reject => DeviceAction::Reject,
    };
    let status = transition(row.status()?, action).map_err(refused)?;
    let reason =
        check_reason(&decision.reason, action == DeviceAction::Reject).map_err(|error| AppError::from(vec![error]))?;
    let actor = viewer.principal.actor();
    let request_id = row.request_id()?;
    let app = platform::app_url(call.env())?;
    let page = format!("{}/console/device-requests/{}", app.trim_end_matches('/'), request_id.as_str());
    let approved = status == DeviceStatus::Approved;
    let email =
        decided_email(row.requester_lang, &row.requester_email, &request_id, &row.host_name, approved, &reason, &page);
    let (queued, mail_id) = enqueue(db, &email, now)?;
    let detail = serde_json::json!({ "request": row.id, "decision": status.as_str(), "reason": reason });
    let audit = audit_log::record(db, now, &actor, "device_request_decided", ("device_request", &row.id), &detail)?;
    let reason = (!reason.is_empty()).then_some(reason.as_str());
    if approved {
        let order = order_request(db, &row, now).await?;
        let approval = store::approve(db, &row, reason, &actor, &order.idempotency_key, now)?;
        let request_sha256 = shared::encoding::hex(&Sha256::digest(row.id.as_bytes()));
        let extra = vec![approval, queued, audit];
        let placement = Placement {
            env: call.env(),
            db,
            now,
            account_id: &row.account_id,
            actor: actor.clone(),
            asker_user_id: Some(viewer.principal.user_id.clone()),
            renewal: None,
        };
        match place_order(&placement, &order, request_sha256, extra).await? {
            Placed::New { mut mail, .. } => {
                mail.push(mail_id);
                call.after_answer_deliver(mail);
            }
            // The request's order (its identifier is the idempotency key) was placed meanwhile: another decision won.
            Placed::Existing { .. } => return Err(AppError::conflict("changed_meanwhile", CHANGED_MEANWHILE)),
        }
    } else {
        let decided = Decided { reason, decided_by: Some(&actor) };
        commit(db, vec![store::decide(db, &row, status, &decided, now)?, queued, audit], CHANGED_MEANWHILE).await?;
        call.after_answer_deliver(vec![mail_id]);
    }
    Ok(Response::from_json(&full_view(db, viewer, &row.id).await?)?)
}

/// The order an approved request places: its kind's profile, its organization, one recipient (the requester, in
/// their language, who receives the enrollment link) with the machine's DNS names and the request's CSR if it
/// carried one, the profile's longest validity, paid from the account's balance. The idempotency key is the
/// request's: a request places one order, whatever retries.
async fn order_request(db: &D1Database, row: &DeviceRequestRow, now: i64) -> Result<OrderRequest, AppError> {
    let kind = row.kind()?;
    let lang = users::lang(db, &row.requester_id).await?;
    let latest = row.latest()?;
    Ok(OrderRequest {
        profile: kind.profile(),
        organization_id: row.organization_id.clone(),
        signature_hash: SignatureHash::Sha256,
        validity: ValidityRequest::Days { days: kind.profile().profile().max_validity_days(now) },
        auto_renewals: 0,
        recipients: vec![RecipientRequest {
            name: Some(row.host_name.clone()),
            given_name: None,
            surname: None,
            email: row.requester_email.clone(),
            dns_names: latest.dns_names,
            csr: row.csr.clone(),
            lang: Some(lang.tag().to_owned()),
        }],
        notification_emails: Vec::new(),
        payment: PaymentRequest::Balance,
        subscriber_agreement: SUBSCRIBER_AGREEMENT_VERSION.to_owned(),
        idempotency_key: format!("device-request-{}", row.id.replace('-', "")),
    })
}

/// `GET /api/v1/enrollment-managers`.
pub async fn list_managers(call: Call) -> Result<Response, AppError> {
    let Member { account_id, .. } = call.account_admin().await?;
    let managers = store::managers_of_account(&call.db, &account_id).await?;
    Ok(Response::from_json(&EnrollmentManagerList { managers })?)
}

/// The user and organization, both of the caller's account (404 at the field naming the other's).
async fn user_and_organization(
    db: &D1Database,
    account_id: &str,
    user_id: &str,
    organization_id: &str,
) -> Result<(), AppError> {
    let user = users::by_id(db, user_id).await?;
    if user.as_ref().and_then(|user| user.account_id.as_deref()) != Some(account_id) {
        return Err(AppError::not_found("user_id", "No user of your account has this identifier."));
    }
    if organizations::in_account(db, account_id, organization_id).await?.is_none() {
        return Err(AppError::not_found("organization_id", "No organization of your account has this identifier."));
    }
    Ok(())
}

/// `POST /api/v1/enrollment-managers`: the organization admin makes a user of the account an enrollment manager of
/// one of its organizations.
pub async fn grant_manager(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let Member { principal, account_id } = call.account_admin().await?;
    let grant: EnrollmentManagerGrant = call.json("user_id and organization_id")?;
    user_and_organization(db, &account_id, &grant.user_id, &grant.organization_id).await?;
    let actor = principal.actor();
    let detail = serde_json::json!({ "user_id": grant.user_id, "organization_id": grant.organization_id });
    let statements = vec![
        store::grant(db, &grant.user_id, &grant.organization_id, &actor, call.now)?,
        audit_log::record(db, call.now, &actor, "enrollment_manager_granted", ("account", &account_id), &detail)?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    let managers = store::managers_of_account(db, &account_id).await?;
    Ok(Response::from_json(&EnrollmentManagerList { managers })?.with_status(201))
}

/// `DELETE /api/v1/enrollment-managers/{user}/{organization}`.
pub async fn remove_manager(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let Member { principal, account_id } = call.account_admin().await?;
    let (user_id, organization_id) = (call.param("user"), call.param("organization"));
    user_and_organization(db, &account_id, user_id, organization_id).await.map_err(|error| {
        let field = if error.message().contains("user") { "user" } else { "organization" };
        error.for_field(field)
    })?;
    let actor = principal.actor();
    let detail = serde_json::json!({ "user_id": user_id, "organization_id": organization_id });
    let statements = vec![
        store::remove(db, user_id, organization_id)?,
        audit_log::record(db, call.now, &actor, "enrollment_manager_removed", ("account", &account_id), &detail)?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    let managers = store::managers_of_account(db, &account_id).await?;
    Ok(Response::from_json(&EnrollmentManagerList { managers })?)
}

/// `GET /api/v1/device-settings`.
pub async fn show_settings(call: Call) -> Result<Response, AppError> {
    let Member { account_id, .. } = call.member().await?;
    Ok(Response::from_json(&DeviceSettings { kinds: store::allowed_kinds(&call.db, &account_id).await? })?)
}

/// `POST /api/v1/device-settings`: the organization admin sets the kinds requesters may ask for.
pub async fn change_settings(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let Member { principal, account_id } = call.account_admin().await?;
    let settings: DeviceSettings = call.json("kinds")?;
    let actor = principal.actor();
    let kinds: Vec<&str> = settings.kinds.iter().map(|kind| kind.as_str()).collect();
    let detail = serde_json::json!({ "kinds": kinds });
    let statements = vec![
        store::set_allowed_kinds(db, &account_id, &settings.kinds)?,
        audit_log::record(db, call.now, &actor, "device_kinds_set", ("account", &account_id), &detail)?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    Ok(Response::from_json(&DeviceSettings { kinds: store::allowed_kinds(db, &account_id).await? })?)
}
