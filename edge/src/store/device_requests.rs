//! `device_requests`, `device_request_versions`, `enrollment_managers` and `accounts.device_kinds` (migration 0026):
//! the rows of device requests and of who decides them. Vocabularies are parsed into `shared::device_request`'s
//! enums at this boundary. Every update sets `version` to the stored one plus one (the migration's trigger refuses
//! anything else), and the status columns move only as `shared::device_request::transition` allows (a second
//! trigger refuses anything else).

use serde::Deserialize;
use shared::api::device_requests::{DeviceRequestVersion, EnrollmentManagerView};
use shared::device_request::{CheckedForm, DeviceKind, DeviceStatus, RequestId};
use shared::lang::Lang;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// One request, with its organization's and requester's facts.
#[derive(Clone, Debug, Deserialize)]
pub struct DeviceRequestRow {
    /// `DR-XXXX-XX`.
    pub id: String,
    /// The account.
    pub account_id: String,
    /// The organization.
    pub organization_id: String,
    /// The organization's name.
    pub organization_name: String,
    /// The organization's country.
    pub organization_country: String,
    /// The requester (`users.id`).
    pub requester_id: String,
    /// The requester's address.
    pub requester_email: String,
    /// The requester's name.
    pub requester_name: String,
    /// The requester's language (`users.lang`).
    #[serde(deserialize_with = "super::deserialize_lang")]
    pub requester_lang: Lang,
    /// `workstation` or `server`.
    pub kind: String,
    /// The latest host name.
    pub host_name: String,
    /// The latest DNS names, JSON.
    pub dns_names: String,
    /// The latest machine identifier.
    pub machine_id: Option<String>,
    /// The latest town.
    pub locality: String,
    /// The latest region.
    pub region: String,
    /// The latest phone.
    pub phone: String,
    /// The latest description.
    pub description: String,
    /// The latest CSR (PEM).
    pub csr: Option<String>,
    /// The status's name.
    pub status: String,
    /// The approver's reason.
    pub reason: Option<String>,
    /// The newer request that replaced this one.
    pub cancelled_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<i64>,
    /// The order the approval placed.
    pub order_id: Option<String>,
    /// The certificate's serial.
    pub serial: Option<String>,
    /// When it was made.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// The requester's latest version.
    pub form_version: i64,
    /// The row's optimistic-concurrency version.
    pub version: i64,
}

impl DeviceRequestRow {
    /// The kind, parsed.
    pub fn kind(&self) -> Result<DeviceKind, AppError> {
        DeviceKind::parse(&self.kind).ok_or_else(|| AppError::internal("unknown device kind in device_requests"))
    }

    /// The status, parsed.
    pub fn status(&self) -> Result<DeviceStatus, AppError> {
        DeviceStatus::parse(&self.status).ok_or_else(|| AppError::internal("unknown status in device_requests"))
    }

    /// The identifier, parsed.
    pub fn request_id(&self) -> Result<RequestId, AppError> {
        RequestId::parse(&self.id).ok_or_else(|| AppError::internal("malformed device request identifier"))
    }

    /// The latest version, as the API shows it.
    pub fn latest(&self) -> Result<DeviceRequestVersion, AppError> {
        Ok(DeviceRequestVersion {
            version: self.form_version,
            host_name: self.host_name.clone(),
            dns_names: parse_names(&self.dns_names)?,
            machine_id: self.machine_id.clone(),
            locality: self.locality.clone(),
            region: self.region.clone(),
            phone: self.phone.clone(),
            description: self.description.clone(),
            has_csr: self.csr.is_some(),
            created_at: self.updated_at,
        })
    }
}

/// The stored DNS names, read back.
fn parse_names(json: &str) -> Result<Vec<String>, AppError> {
    serde_json::from_str(json).map_err(|error| AppError::internal(&format!("device request dns_names: {error}")))
}

/// The columns of [`DeviceRequestRow`].
const COLUMNS: &str = "d.id, d.account_id, d.organization_id, o.name AS organization_name, \
     o.country AS organization_country, d.requester_id, u.email AS requester_email, u.name AS requester_name, \
     u.lang AS requester_lang, d.kind, d.host_name, d.dns_names, d.machine_id, d.locality, d.region, d.phone, \
     d.description, d.csr, d.status, d.reason, d.cancelled_by, d.decided_at, d.order_id, d.serial, d.created_at, \
     d.updated_at, d.form_version, d.version \
     FROM device_requests d JOIN organizations o ON o.id = d.organization_id JOIN users u ON u.id = d.requester_id";

/// One request of any account (callers check who may see it).
pub async fn find(db: &D1Database, id: &str) -> worker::Result<Option<DeviceRequestRow>> {
    db.prepare(format!("SELECT {COLUMNS} WHERE d.id = ?1")).bind(&[text(id)])?.first(None).await
}

/// Every request of the account, newest first (callers keep what the caller may see).
pub async fn of_account(db: &D1Database, account_id: &str) -> worker::Result<Vec<DeviceRequestRow>> {
    db.prepare(format!("SELECT {COLUMNS} WHERE d.account_id = ?1 ORDER BY d.created_at DESC, d.rowid DESC LIMIT 500"))
        .bind(&[text(account_id)])?
        .all()
        .await?
        .results()
}

/// The CA administrators' queue: server requests waiting for a decision, every account, oldest first.
pub async fn server_queue(db: &D1Database) -> worker::Result<Vec<DeviceRequestRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} WHERE d.kind = 'server' AND d.status = 'requested' ORDER BY d.created_at, d.rowid LIMIT 500"
    ))
    .all()
    .await?
    .results()
}

/// Every version of a request, the first first.
pub async fn versions(db: &D1Database, id: &str) -> Result<Vec<DeviceRequestVersion>, AppError> {
    #[derive(Deserialize)]
    struct VersionRow {
        version: i64,
        host_name: String,
        dns_names: String,
        machine_id: Option<String>,
        locality: String,
        region: String,
        phone: String,
        description: String,
        has_csr: i64,
        created_at: i64,
    }
    let rows: Vec<VersionRow> = db
        .prepare(
            "SELECT version, host_name, dns_names, machine_id, locality, region, phone, description, \
             csr IS NOT NULL AS has_csr, created_at FROM device_request_versions WHERE request_id = ?1 ORDER BY version",
        )
        .bind(&[text(id)])?
        .all()
        .await?
        .results()?;
    rows.into_iter()
        .map(|row| {
            Ok(DeviceRequestVersion {
                version: row.version,
                host_name: row.host_name,
                dns_names: parse_names(&row.dns_names)?,
                machine_id: row.machine_id,
                locality: row.locality,
                region: row.region,
                phone: row.phone,
                description: row.description,
                has_csr: row.has_csr != 0,
                created_at: row.created_at,
            })
        })
        .collect()
}

/// The dates of a request's certificate and who decided it, for its timeline.
#[derive(Debug, Default, Deserialize)]
pub struct CertificateDates {
    /// When the certificate was issued.
    pub issued_at: Option<i64>,
    /// When it was first picked up.
    pub downloaded_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// The approver's name.
    pub decider_name: Option<String>,
    /// The approver's address.
    pub decider_email: Option<String>,
    /// The approver's role (`ca_admin` for a CA administrator).
    pub decider_role: Option<String>,
}

/// The certificate's dates and the approver of the request `id` (all `None` before they exist).
pub async fn certificate_dates(db: &D1Database, id: &str) -> worker::Result<CertificateDates> {
    Ok(db
        .prepare(
            "SELECT c.issued_at, c.revoked_at, (SELECT MIN(p.first_at) FROM pickups p WHERE p.serial = d.serial) \
             AS downloaded_at, u.name AS decider_name, u.email AS decider_email, u.role AS decider_role \
             FROM device_requests d LEFT JOIN certificates c ON c.serial = d.serial \
             LEFT JOIN users u ON d.decided_by = 'user:' || u.id WHERE d.id = ?1",
        )
        .bind(&[text(id)])?
        .first::<CertificateDates>(None)
        .await?
        .unwrap_or_default())
}

/// Each passed test enrollment of the certificate `serial`: when, and how, the first first.
pub async fn installations(db: &D1Database, serial: &str) -> worker::Result<Vec<(i64, String)>> {
    #[derive(Deserialize)]
    struct Installation {
        installed_at: i64,
        method: String,
    }
    let rows: Vec<Installation> = db
        .prepare("SELECT installed_at, method FROM installations WHERE serial = ?1 ORDER BY installed_at, id LIMIT 50")
        .bind(&[text(serial)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|row| (row.installed_at, row.method)).collect())
}

/// A nullable text parameter.
fn optional_text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, text)
}

/// The statement cancelling the requester's pending request for the machine (same host name, or same machine
/// identifier), recording `by`, the newer request; it runs before [`insert`] in the same batch.
pub fn cancel_pending_for_machine(
    db: &D1Database,
    requester_id: &str,
    form: &CheckedForm,
    by: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE device_requests SET status = 'cancelled', cancelled_by = ?1, updated_at = ?2, version = version + 1 \
         WHERE requester_id = ?3 AND status = 'requested' AND (host_name = ?4 OR (?5 IS NOT NULL AND machine_id = ?5))",
    )
    .bind(&[
        text(by),
        integer(now),
        text(requester_id),
        text(form.host_name.as_str()),
        optional_text(form.machine_id.as_deref()),
    ])
}

/// What a new request is made of.
pub struct NewDeviceRequest<'a> {
    /// Its identifier.
    pub id: &'a str,
    /// The account.
    pub account_id: &'a str,
    /// The organization.
    pub organization_id: &'a str,
    /// The requester.
    pub requester_id: &'a str,
    /// The checked form.
    pub form: &'a CheckedForm,
}

/// The JSON of the form's DNS names.
fn names_json(form: &CheckedForm) -> Result<String, AppError> {
    serde_json::to_string(&form.dns_names).map_err(|error| AppError::internal(&error.to_string()))
}

/// The statements making a request and its first version.
pub fn insert(db: &D1Database, new: &NewDeviceRequest<'_>, now: i64) -> Result<Vec<D1PreparedStatement>, AppError> {
    let form = new.form;
    let names = names_json(form)?;
    let request = db
        .prepare(
            "INSERT INTO device_requests (id, account_id, organization_id, requester_id, kind, host_name, dns_names, \
             machine_id, locality, region, phone, description, csr, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        )
        .bind(&[
            text(new.id),
            text(new.account_id),
            text(new.organization_id),
            text(new.requester_id),
            text(form.kind.as_str()),
            text(form.host_name.as_str()),
            text(&names),
            optional_text(form.machine_id.as_deref()),
            text(&form.locality),
            text(&form.region),
            text(&form.phone),
            text(&form.description),
            optional_text(form.csr.as_deref()),
            integer(now),
        ])?;
    Ok(vec![request, insert_version(db, new.id, 1, form, &names, now)?])
}

/// The statement keeping version `version` of a request.
fn insert_version(
    db: &D1Database,
    id: &str,
    version: i64,
    form: &CheckedForm,
    names: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO device_request_versions (request_id, version, host_name, dns_names, machine_id, locality, \
         region, phone, description, csr, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .bind(&[
        text(id),
        integer(version),
        text(form.host_name.as_str()),
        text(names),
        optional_text(form.machine_id.as_deref()),
        text(&form.locality),
        text(&form.region),
        text(&form.phone),
        text(&form.description),
        optional_text(form.csr.as_deref()),
        integer(now),
    ])
}

/// The statements of an edit: the row takes the new version's fields, and the version is kept.
pub fn edit(
    db: &D1Database,
    row: &DeviceRequestRow,
    form: &CheckedForm,
    now: i64,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let names = names_json(form)?;
    let version = row.form_version + 1;
    let update = db
        .prepare(
            "UPDATE device_requests SET host_name = ?1, dns_names = ?2, machine_id = ?3, locality = ?4, region = ?5, \
             phone = ?6, description = ?7, csr = ?8, form_version = ?9, updated_at = ?10, version = ?11 \
             WHERE id = ?12 AND status = 'requested'",
        )
        .bind(&[
            text(form.host_name.as_str()),
            text(&names),
            optional_text(form.machine_id.as_deref()),
            text(&form.locality),
            text(&form.region),
            text(&form.phone),
            text(&form.description),
            optional_text(form.csr.as_deref()),
            integer(version),
            integer(now),
            integer(row.version + 1),
            text(&row.id),
        ])?;
    Ok(vec![update, insert_version(db, &row.id, version, form, &names, now)?])
}

/// The statement moving a request to `status` (cancelled by its requester, or rejected with its reason) from the row as it was read: a concurrent change fails the batch (the version trigger), and a
/// move the journey lacks too (the transition trigger).
pub fn decide(
    db: &D1Database,
    row: &DeviceRequestRow,
    status: DeviceStatus,
    decision: &Decided<'_>,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE device_requests SET status = ?1, reason = ?2, decided_by = ?3, decided_at = ?4, updated_at = ?5, \
         version = ?6 WHERE id = ?7",
    )
    .bind(&[
        text(status.as_str()),
        optional_text(decision.reason),
        optional_text(decision.decided_by),
        if decision.decided_by.is_some() { integer(now) } else { JsValue::NULL },
        integer(now),
        integer(row.version + 1),
        text(&row.id),
    ])
}

/// The statement approving a request from the row as it was read, in the batch that places its order: the order's
/// identifier is drawn inside `orders::place_order`, so it is read back here by the order's idempotency key (the
/// migration's CHECK refuses an approval without its order).
pub fn approve(
    db: &D1Database,
    row: &DeviceRequestRow,
    reason: Option<&str>,
    actor: &str,
    idempotency_key: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE device_requests SET status = 'approved', reason = ?1, decided_by = ?2, decided_at = ?3, \
         updated_at = ?3, version = ?4, \
         order_id = (SELECT id FROM orders WHERE account_id = ?5 AND idempotency_key = ?6) WHERE id = ?7",
    )
    .bind(&[
        optional_text(reason),
        text(actor),
        integer(now),
        integer(row.version + 1),
        text(&row.account_id),
        text(idempotency_key),
        text(&row.id),
    ])
}

/// What a decision records.
pub struct Decided<'a> {
    /// The approver's reason (`None` for none).
    pub reason: Option<&'a str>,
    /// The approver's actor (`None` for the requester's own cancellation).
    pub decided_by: Option<&'a str>,
}

/// The statement the test enrollment adds to its batch: the request whose certificate is `serial` becomes
/// installed (downloaded → installed; nothing else moves).
pub fn mark_installed(db: &D1Database, serial: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE device_requests SET status = 'installed', updated_at = ?1, version = version + 1 \
         WHERE serial = ?2 AND status = 'downloaded'",
    )
    .bind(&[integer(now), text(serial)])
}

/// The organizations whose workstation requests `user_id` decides.
pub async fn managed_organizations(db: &D1Database, user_id: &str) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Managed {
        organization_id: String,
    }
    let rows: Vec<Managed> = db
        .prepare("SELECT organization_id FROM enrollment_managers WHERE user_id = ?1 ORDER BY organization_id")
        .bind(&[text(user_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|row| row.organization_id).collect())
}

/// The account's enrollment managers.
pub async fn managers_of_account(db: &D1Database, account_id: &str) -> worker::Result<Vec<EnrollmentManagerView>> {
    db.prepare(
        "SELECT m.user_id, u.email, u.name, m.organization_id, o.name AS organization_name, m.granted_at \
         FROM enrollment_managers m JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.organization_id \
         WHERE o.account_id = ?1 AND u.account_id = ?1 ORDER BY o.name, u.email",
    )
    .bind(&[text(account_id)])?
    .all()
    .await?
    .results()
}

/// The statement granting the role (a repeat grant changes nothing).
pub fn grant(
    db: &D1Database,
    user_id: &str,
    organization_id: &str,
    actor: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO enrollment_managers (user_id, organization_id, granted_at, granted_by) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id, organization_id) DO NOTHING",
    )
    .bind(&[text(user_id), text(organization_id), integer(now), text(actor)])
}

/// The statement ending the role.
pub fn remove(db: &D1Database, user_id: &str, organization_id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM enrollment_managers WHERE user_id = ?1 AND organization_id = ?2")
        .bind(&[text(user_id), text(organization_id)])
}

/// The kinds the account's requesters may ask for.
pub async fn allowed_kinds(db: &D1Database, account_id: &str) -> Result<Vec<DeviceKind>, AppError> {
    let stored = db
        .prepare("SELECT device_kinds FROM accounts WHERE id = ?1")
        .bind(&[text(account_id)])?
        .first::<String>(Some("device_kinds"))
        .await?
        .unwrap_or_default();
    Ok(stored.split(',').filter_map(DeviceKind::parse).collect())
}

/// The statement setting the kinds.
pub fn set_allowed_kinds(
    db: &D1Database,
    account_id: &str,
    kinds: &[DeviceKind],
) -> worker::Result<D1PreparedStatement> {
    let stored: Vec<&str> =
        DeviceKind::ALL.into_iter().filter(|kind| kinds.contains(kind)).map(DeviceKind::as_str).collect();
    db.prepare("UPDATE accounts SET device_kinds = ?1 WHERE id = ?2").bind(&[text(&stored.join(",")), text(account_id)])
}
